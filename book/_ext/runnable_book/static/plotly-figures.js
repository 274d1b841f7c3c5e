// Draw every plotly figure whose JSON the page carries (see runnable_book/plotly_mime.py).
//
// The book lays out each figure for the width it is shown at, desktop or phone, overriding what a
// chapter sets: the title at the top, the legend in rows under it, the plot, then the play buttons
// and sliders under the plot's axes. It draws, measures what plotly drew (text that runs into its
// neighbour is wrapped, or set smaller), sets margins and positions from the measurements, and
// draws again, so that nothing overlaps or is cut off. Animation frames get the same title layout.
// In dark mode, backgrounds and text follow the site's colours; light mode keeps the figure's own.

const GAP = 8; // px between stacked parts
const MIN_PLOT_HEIGHT = 160; // px of plot area kept on any screen
const MIN_SLIDER_WIDTH = 220; // px; with less room beside the buttons, a slider gets its own row
const MIN_FONT = 9; // px; text that cannot be wrapped is set smaller, down to this
const FRAME_LAYOUT_KEYS = ["legend", "margin", "sliders", "updatemenus", "height", "width"];

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

const isPhone = (width) => width < 600;
const titleText = (title) => (typeof title === "string" ? title : (title && title.text) || "");
const visibleLength = (text) => text.replace(/<[^>]+>/g, "").length;
const lines = (text) => String(text).split(/<br\s*\/?>/i);

// Break text at spaces into lines of at most maxChars visible characters.
function wrap(text, maxChars) {
  const out = [];
  let line = "";
  for (const word of String(text).replace(/<br\s*\/?>/gi, " ").split(/\s+/).filter(Boolean)) {
    if (line && visibleLength(line) + 1 + visibleLength(word) > maxChars) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join("<br>");
}

// Text measured `width` px wide, to fit in `room` px: wrapped, and if a word is still too long,
// a font size to set it in (or null to keep the size).
function fitted(text, width, room, fontSize) {
  const longest = Math.max(...lines(text).map(visibleLength));
  const chars = Math.max(1, Math.floor(longest * room / width));
  const wrapped = wrap(text, chars);
  const longestWord = Math.max(...String(text).replace(/<[^>]+>/g, " ").split(/\s+/).map((w) => w.length));
  const size = longestWord > chars ? Math.max(MIN_FONT, Math.floor(fontSize * chars / longestWord)) : null;
  return { text: wrapped, size };
}

function boxOf(element, origin) {
  const r = element.getBoundingClientRect();
  return { left: r.left - origin.left, top: r.top - origin.top, right: r.right - origin.left,
           bottom: r.bottom - origin.top, width: r.width, height: r.height };
}

function union(boxes) {
  const seen = boxes.filter((b) => b && b.width > 0 && b.height > 0);
  if (!seen.length) return null;
  const left = Math.min(...seen.map((b) => b.left)), top = Math.min(...seen.map((b) => b.top));
  const right = Math.max(...seen.map((b) => b.right)), bottom = Math.max(...seen.map((b) => b.bottom));
  return { left, top, right, bottom, width: right - left, height: bottom - top };
}

// The layout to start from: fonts for this width, the title and legend at the top in container
// coordinates, controls and margins to be placed once measured.
function firstLayout(layout, width) {
  const phone = isPhone(width);
  const out = JSON.parse(JSON.stringify(layout));
  delete out.width;
  out.autosize = true;
  out.font = Object.assign({}, out.font, { size: phone ? 11 : 13 });
  const titleSize = phone ? 14 : 16;
  out.title = { text: titleText(out.title), font: { size: titleSize }, x: 0, xref: "container", xanchor: "left",
                y: 1, yref: "container", yanchor: "top", pad: { l: GAP }, automargin: false };
  out.legend = Object.assign({}, out.legend, {
    orientation: "h", xref: "container", x: 0, xanchor: "left", yref: "container", y: 1,
    yanchor: "top", font: { size: phone ? 11 : 12 },
  });
  out.margin = { l: GAP, r: GAP, t: GAP, b: GAP, pad: 0, autoexpand: true };
  // Subplot titles (plotly sets them at 16 px) and other large annotations stay below the title.
  for (const note of out.annotations || []) {
    if (note.font && note.font.size > titleSize - 2) note.font = Object.assign({}, note.font, { size: titleSize - 2 });
  }
  const flush = { x: 0, y: 0, xanchor: "left", yanchor: "top", pad: { t: 0, r: 0, b: 0, l: 0 } };
  for (const menu of out.updatemenus || []) Object.assign(menu, flush);
  for (const slider of out.sliders || []) Object.assign(slider, flush, { len: 1 });
  for (const key of Object.keys(out).filter((k) => /^coloraxis\d*$/.test(k))) {
    if (out[key].colorbar) for (const c of COLORBAR_POSITION) delete out[key].colorbar[c];
  }
  return out;
}

// Colour bars go where plotly puts them by default, right of the plot area (a figure with several
// scales shares one colour axis).
const COLORBAR_POSITION = ["x", "y", "xref", "yref", "xanchor", "yanchor", "len", "lenmode", "xpad", "ypad"];
function withDefaultColourBars(data) {
  const copy = JSON.parse(JSON.stringify(data || []));
  for (const trace of copy) {
    for (const bar of [trace.colorbar, trace.marker && trace.marker.colorbar]) {
      if (bar) for (const key of COLORBAR_POSITION) delete bar[key];
    }
  }
  return copy;
}

// Frames change data and often the title's text; they keep the book's layout of everything else.
function framesFor(figure, title, wrapTitle) {
  return (figure.frames || []).map((frame) => {
    if (!frame.layout) return frame;
    const layout = Object.assign({}, frame.layout);
    for (const key of FRAME_LAYOUT_KEYS) delete layout[key];
    if (layout.title !== undefined) layout.title = Object.assign({}, title, { text: wrapTitle(titleText(layout.title)) });
    return Object.assign({}, frame, { layout });
  });
}

function draw(div, figure, layout, wrapTitle) {
  const frames = framesFor(figure, layout.title, wrapTitle);
  return Plotly.react(div, { data: div._data, layout, frames, config: div._config });
}

// Titles of axes and text annotations (subplot titles, labels) wrapped to the room they have.
function fitTexts(div, layout) {
  const origin = div.getBoundingClientRect();
  const full = div._fullLayout;
  let changed = false;
  const fontSize = (font) => (font && font.size) || full.font.size;
  for (const name of Object.keys(full).filter((k) => /^[xy]axis\d*$/.test(k))) {
    const axis = full[name];
    const element = div.querySelector(`.g-${axis._id}title`);
    if (!element || !layout[name] || !axis.title || !axis.title.text) continue;
    const box = boxOf(element, origin);
    const along = name.startsWith("x") ? box.width : box.height;
    if (along <= axis._length || along === 0) continue;
    const fit = fitted(axis.title.text, along, axis._length, fontSize(axis.title.font));
    layout[name].title = Object.assign({}, layout[name].title, { text: fit.text },
                                       fit.size ? { font: Object.assign({}, layout[name].title.font, { size: fit.size }) } : {});
    changed = true;
  }
  const drawn = [...div.querySelectorAll(".annotation[data-index]")].map((e) => {
    const box = boxOf(e, origin);
    return { i: Number(e.dataset.index), box, centre: (box.left + box.right) / 2 };
  });
  for (const a of drawn) {
    const spec = (layout.annotations || [])[a.i];
    if (!spec || spec.showarrow !== false) continue;
    const row = drawn.filter((o) => o !== a && o.box.top < a.box.bottom && o.box.bottom > a.box.top);
    const room = Math.min(2 * Math.min(a.centre, origin.width - a.centre),
                          ...row.map((o) => Math.abs(o.centre - a.centre))) - GAP;
    if (a.box.width <= room) continue;
    const fit = fitted(spec.text, a.box.width, room, fontSize(spec.font));
    spec.text = fit.text;
    if (fit.size) spec.font = Object.assign({}, spec.font, { size: fit.size });
    changed = true;
  }
  return changed;
}

// The parts of a drawn figure, as boxes in px relative to the figure.
function parts(div) {
  const origin = div.getBoundingClientRect();
  const all = (selector) => [...div.querySelectorAll(selector)].map((e) => boxOf(e, origin));
  // Menus and sliders by their index in the layout (plotly binds it to their groups).
  const indexed = (selector) => {
    const boxes = [];
    for (const e of div.querySelectorAll(selector)) {
      const i = e.__data__ && e.__data__._index;
      if (Number.isInteger(i)) boxes[i] = union([boxes[i], boxOf(e, origin)]);
    }
    return boxes;
  };
  const size = div._fullLayout._size;
  const plotArea = { left: size.l, top: size.t, right: size.l + size.w, bottom: size.t + size.h,
                     width: size.w, height: size.h };
  return {
    title: union(all(".g-gtitle")),
    legend: union(all(".legend")),
    menus: indexed(".updatemenu-container > g"),
    sliders: indexed(".slider-container > g"),
    plotArea,
    // What belongs with the plot: the plot area, tick labels, axis titles, annotations, colour
    // bars. (Not the layers' own boxes: those include lines that run outside the clipped plot.)
    block: union([plotArea, ...all(".xaxislayer-above text, .yaxislayer-above text"),
                  ...all(".infolayer > g[class$='title']:not(.g-gtitle), .annotation, .colorbar")]),
  };
}

// Set margins and positions in `layout` from the measured parts: the title and legend at the top,
// then the plot with its axes, then rows of controls; controls kept inside the figure.
function place(div, layout, width) {
  const p = parts(div);
  const full = div._fullLayout;
  const height = full.height;
  const heightOf = (b) => (b ? b.bottom - b.top : 0);
  const block = p.block || p.plotArea;
  const above = Math.max(0, p.plotArea.top - block.top);
  const below = Math.max(0, block.bottom - p.plotArea.bottom);
  const margin = { l: Math.max(0, p.plotArea.left - block.left) + GAP,
                   r: Math.max(0, block.right - p.plotArea.right) + GAP, pad: 0, autoexpand: true };

  // Title, then legend, from the top; each measured offset from where plotly anchored it.
  const titleH = heightOf(p.title), legendH = heightOf(p.legend);
  const titleShift = p.title ? p.title.top - (1 - full.title.y) * height : 0;
  const legendShift = p.legend ? p.legend.top - (1 - full.legend.y) * height : 0;
  const titleTop = GAP / 2;
  const legendTop = titleH ? titleTop + titleH + GAP : titleTop;
  margin.t = above + (legendH ? legendTop + legendH + GAP : legendTop + titleH + GAP);

  // Controls: the buttons in a row at the left, each slider beside them or in its own row.
  const plotWidth = width - margin.l - margin.r;
  const menus = [...p.menus.keys()].filter((i) => p.menus[i]);
  const sliders = [...p.sliders.keys()].filter((i) => p.sliders[i]);
  const menusWidth = menus.reduce((s, i) => s + p.menus[i].width + GAP, 0);
  const rows = menus.length ? [{ height: Math.max(...menus.map((i) => heightOf(p.menus[i]))), menus: true, sliders: [] }] : [];
  sliders.forEach((i, n) => {
    const box = p.sliders[i];
    if (n === 0 && rows.length && plotWidth - menusWidth >= MIN_SLIDER_WIDTH) {
      rows[0].sliders.push(i);
      rows[0].height = Math.max(rows[0].height, heightOf(box));
    } else rows.push({ height: heightOf(box), menus: false, sliders: [i] });
  });
  margin.b = below + GAP + rows.reduce((s, r) => s + r.height + GAP, 0);

  const newHeight = Math.max(height, margin.t + margin.b + MIN_PLOT_HEIGHT);
  const plotHeight = newHeight - margin.t - margin.b;
  Object.assign(layout, { margin, height: newHeight });
  layout.title.y = 1 - (titleTop - titleShift) / newHeight;
  layout.legend.y = 1 - (legendTop - legendShift) / newHeight;

  let offset = below + GAP; // px below the plot area
  for (const row of rows) {
    let x = 0;
    if (row.menus) {
      for (const i of menus) {
        Object.assign(layout.updatemenus[i], { x: x / plotWidth, y: -offset / plotHeight });
        x += p.menus[i].width + GAP;
      }
    }
    for (const i of row.sliders) {
      // Its labels reach past the rail at both ends: keep what plotly drew inside the figure.
      const drawnBox = p.sliders[i];
      const railLeft = full._size.l + full.sliders[i].x * full._size.w;
      const railRight = railLeft + full.sliders[i].len * full._size.w;
      // Beside the buttons, its first label must clear them; alone, the figure's left edge.
      const leftmost = x > 0 ? margin.l + x : GAP / 2;
      const left = Math.max(margin.l + x, leftmost + Math.max(0, railLeft - drawnBox.left));
      const right = width - GAP / 2 - Math.max(0, drawnBox.right - railRight);
      Object.assign(layout.sliders[i], { x: (left - margin.l) / plotWidth,
                                         len: Math.max(0.2, (right - left) / plotWidth), y: -offset / plotHeight });
    }
    offset += row.height + GAP;
  }
}

// What placing sets, rounded: a second placement that changes none of it needs no redraw.
function placement(layout) {
  const round = (v) => Math.round(v * 1000) / 1000;
  return JSON.stringify([layout.margin, layout.height, round(layout.title.y), round(layout.legend.y),
    ...(layout.sliders || []).map((s) => [round(s.x), round(s.y), round(s.len)]),
    ...(layout.updatemenus || []).map((m) => [round(m.x), round(m.y)])],
    (key, value) => (typeof value === "number" ? Math.round(value) === value ? value : round(value) : value));
}

// Draw; wrap text that runs into a neighbour; place the parts from measurements and draw again;
// place once more and redraw only if plotly's automatic margins moved something.
async function tidy(div, figure) {
  const width = div.clientWidth || 600;
  const layout = firstLayout(figure.layout, width);
  const wrapTitle = (text) => wrap(text, Math.floor((width - 2 * GAP) / (0.56 * layout.title.font.size)));
  layout.title.text = wrapTitle(layout.title.text);
  await draw(div, figure, layout, wrapTitle);
  if (fitTexts(div, layout)) await draw(div, figure, layout, wrapTitle);
  place(div, layout, width);
  await draw(div, figure, layout, wrapTitle);
  // The placed plot area is smaller than the first one: an axis title that fitted then may not now.
  if (fitTexts(div, layout)) await draw(div, figure, layout, wrapTitle);
  const placed = placement(layout);
  place(div, layout, width);
  if (placement(layout) !== placed) await draw(div, figure, layout, wrapTitle);
  if (document.documentElement.dataset.theme === "dark") await Plotly.relayout(div, modeColours(figure.layout));
  div.dataset.laidOut = String(width);
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

// One layout at a time per figure, and only when its width has changed; the page stays
// responsive between figures.
function schedule(div, figure) {
  div._tidy = (div._tidy || Promise.resolve())
    .then(nextFrame)
    .then(() => (div.dataset.laidOut === String(div.clientWidth) ? null : tidy(div, figure)))
    .catch((error) => console.error("figure layout failed", div.id, error));
}

const drawn = [];

document.addEventListener("DOMContentLoaded", () => {
  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) {
      clearTimeout(entry.target._resizing);
      entry.target._resizing = setTimeout(() => schedule(entry.target, entry.target._figure), 150);
    }
  });
  for (const holder of document.querySelectorAll("script.plotly-figure-data")) {
    const figure = JSON.parse(holder.textContent);
    const div = document.getElementById(holder.dataset.target);
    div._config = Object.assign({ displaylogo: false }, figure.config || {}, { responsive: false });
    div._figure = figure;
    div._data = withDefaultColourBars(figure.data);
    drawn.push([div, figure]);
    schedule(div, figure);
    resized.observe(div);
  }
  new MutationObserver(() => {
    for (const [div, figure] of drawn) Plotly.relayout(div, modeColours(figure.layout));
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
});
