// Draw every plotly figure whose JSON the page carries (see runnable_book/plotly_mime.py).
document.addEventListener("DOMContentLoaded", () => {
  for (const holder of document.querySelectorAll("script.plotly-figure-data")) {
    const figure = JSON.parse(holder.textContent);
    const config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
    Plotly.newPlot(holder.dataset.target, {
      data: figure.data,
      layout: figure.layout,
      frames: figure.frames || [],
      config: config,
    });
  }
});
