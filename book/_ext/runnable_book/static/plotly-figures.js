// Draw every plotly figure whose JSON the page carries (see runnable_book/plotly_mime.py).
// In dark mode, backgrounds and text follow the site's colours; light mode keeps the figure's own.
function modeColours(layout) {
  if (document.documentElement.dataset.theme !== "dark") {
    return {
      paper_bgcolor: layout.paper_bgcolor ?? null,
      plot_bgcolor: layout.plot_bgcolor ?? null,
      "font.color": (layout.font || {}).color ?? null,
    };
  }
  const text = getComputedStyle(document.documentElement).getPropertyValue("--pst-color-text-base");
  return { paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#2a2a2e", "font.color": text.trim() || "#ddd" };
}

const drawn = [];

document.addEventListener("DOMContentLoaded", () => {
  for (const holder of document.querySelectorAll("script.plotly-figure-data")) {
    const figure = JSON.parse(holder.textContent);
    const config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
    Plotly.newPlot(holder.dataset.target, {
      data: figure.data, layout: figure.layout, frames: figure.frames || [], config: config,
    }).then((div) => {
      drawn.push([div, figure.layout]);
      if (document.documentElement.dataset.theme === "dark") Plotly.relayout(div, modeColours(figure.layout));
    });
  }
  new MutationObserver(() => {
    for (const [div, layout] of drawn) Plotly.relayout(div, modeColours(layout));
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
});
