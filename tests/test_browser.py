"""Every page of the built site in a real browser (Debian's chromium, driven by Playwright).

One visit per page (a test per page, spread over the workers): figures drawn, math typeset, no
request to another host, no console error, no 4xx, the Colab link ends in .ipynb; axe-core finds
no serious or critical violation; chapter pages stay light; and every figure is laid out cleanly
at a desktop width and, after the window narrows, at a phone width: no title, legend, slider,
menu, axis title or annotation overlaps another or is cut off.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import threading
from pathlib import Path

import pytest

from chapter_rules import toc_files

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[1]
# Bytes a chapter page transfers (text gzipped, as a static host serves it), not counting the
# once-cached plotly.js and MathJax.
PAGE_BUDGET = 1_000_000
SHARED_ASSETS = ("/_static/vendor/plotly.min.js", "/_static/vendor/mathjax/")
DESKTOP, PHONE = {"width": 1300, "height": 900}, {"width": 390, "height": 844}
# The site's pages: one per entry of the table of contents, and Sphinx's own.
PAGES = sorted([f"{f}.html" for f in toc_files(ROOT / "_toc.yml")] + ["genindex.html", "search.html"])
NO_AXE = {"genindex.html", "search.html"}  # Sphinx's own pages

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs it", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (run `make browser`)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def built_pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if not {"_static", "_sources"} & set(p.parts))


def transferred_bytes(body: bytes, headers: dict) -> int:
    kind = headers.get("content-type", "")
    textual = kind.startswith("text/") or any(t in kind for t in ("javascript", "json", "svg"))
    return len(gzip.compress(body)) if textual else len(body)


def visit(browser, url: str) -> dict:
    """Load a page with every non-local request blocked and recorded."""
    record = {"external": [], "errors": [], "bad": [], "bytes": 0}
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()

    def route(route):
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            record["external"].append(route.request.url)
            route.abort()

    def on_response(response):
        if response.status >= 400:
            record["bad"].append(f"{response.status} {response.url}")
        elif not any(a in response.url for a in SHARED_ASSETS):
            try:
                record["bytes"] += transferred_bytes(response.body(), response.headers)
            except Exception:  # redirects and aborted requests have no body
                pass

    context.route("**/*", route)
    page.on("response", on_response)
    page.on("console", lambda m: m.type == "error" and record["errors"].append(m.text))
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    page.goto(url, wait_until="load", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    record["page"], record["context"] = page, context
    return record


# In the page: the parts of every figure (title, legend, sliders, menus, axis titles,
# annotations, colour bars) as boxes, and the pairs that overlap or leave the figure.
FIGURE_PROBLEMS = """() => {
  const problems = [];
  for (const div of document.querySelectorAll("div.plotly-figure")) {
    const origin = div.getBoundingClientRect();
    const named = [];
    const add = (name, el) => {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) named.push([name, {l: r.left - origin.left, t: r.top - origin.top,
        r: r.right - origin.left, b: r.bottom - origin.top}]);
    };
    div.querySelectorAll(".g-gtitle").forEach((e) => add("title", e));
    div.querySelectorAll(".legend").forEach((e) => add("legend", e));
    div.querySelectorAll(".slider-container > g").forEach((e, i) => add(`slider ${i}`, e));
    div.querySelectorAll(".updatemenu-container > g").forEach((e, i) => add(`menu ${i}`, e));
    div.querySelectorAll(".infolayer > g[class$='title']:not(.g-gtitle)").forEach((e) =>
      add(`axis title ${e.getAttribute("class")}`, e));
    div.querySelectorAll(".annotation").forEach((e, i) => add(`annotation "${e.textContent.slice(0, 30)}"`, e));
    div.querySelectorAll(".colorbar").forEach((e, i) => add(`colour bar ${i}`, e));
    const [w, h] = [origin.width, origin.height];
    const id = div.id;
    for (const [name, b] of named) {
      if (b.l < -1 || b.t < -1 || b.r > w + 1 || b.b > h + 1)
        problems.push(`${id}: ${name} is cut off (${Math.round(b.l)},${Math.round(b.t)},${Math.round(b.r)},${Math.round(b.b)} in ${Math.round(w)}×${Math.round(h)})`);
    }
    for (let i = 0; i < named.length; i++) for (let j = i + 1; j < named.length; j++) {
      const [n1, a] = named[i], [n2, b] = named[j];
      const x = Math.min(a.r, b.r) - Math.max(a.l, b.l), y = Math.min(a.b, b.b) - Math.max(a.t, b.t);
      if (x > 1 && y > 1) problems.push(`${id}: ${n1} overlaps ${n2} (${Math.round(x)}×${Math.round(y)} px)`);
    }
  }
  return problems;
}"""


def wait_for_layout(page) -> None:
    """Until every figure is drawn and laid out for the figure width it now has."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.plotly-figure')]"
        ".every(d => d.dataset.laidOut === String(d.clientWidth))", timeout=60_000)


def page_problems(rel: str, record: dict) -> list[str]:
    page = record["page"]
    figures = page.locator("div.plotly-figure").count()
    drawn_all = page.evaluate(
        "() => [...document.querySelectorAll('div.plotly-figure')]"
        ".every(d => d.querySelector('svg.main-svg'))")
    raw_tex = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60))")
    colab = page.evaluate(
        "() => [...document.querySelectorAll('a')].map(a => a.href)"
        ".filter(h => h.includes('colab.research.google.com'))")
    problems = []
    if figures and not drawn_all:
        problems.append("a plotly figure was not drawn")
    if raw_tex:
        problems.append(f"math left as raw TeX: {raw_tex[:2]}")
    if record["external"]:
        problems.append(f"requests to other hosts: {record['external'][:3]}")
    if record["errors"]:
        problems.append(f"console errors: {record['errors'][:3]}")
    if record["bad"]:
        problems.append(f"failed responses: {record['bad'][:3]}")
    if any(not h.endswith(".ipynb") for h in colab):
        problems.append(f"Colab link not to an .ipynb: {colab}")
    if rel.startswith("chapters/"):
        if not colab:
            problems.append("no Open in Colab link")
        if record["bytes"] > PAGE_BUDGET:
            problems.append(f"page weighs {record['bytes']} bytes > {PAGE_BUDGET}")
    return problems


# Highlighted code is thousands of token spans of a few kinds; axe's colour-contrast rule would
# weigh each one. A token's contrast depends only on its colour, font size and weight, text
# shadow, visibility, and the backgrounds and opacities of its ancestors: of the spans alike in
# all of these, the first is kept for axe and the others become plain text of their block.
ONE_TOKEN_OF_EACH_KIND = """() => {
  const chains = new Map();
  const chain = (el) => {
    if (!el) return "";
    if (!chains.has(el)) {
      const s = getComputedStyle(el);
      chains.set(el, `${s.backgroundColor} ${s.backgroundImage} ${s.opacity}|${chain(el.parentElement)}`);
    }
    return chains.get(el);
  };
  const seen = new Set();
  const repeated = [];
  for (const span of document.querySelectorAll("div.highlight pre span")) {
    if (span.children.length) continue;
    const s = getComputedStyle(span);
    const box = span.getBoundingClientRect(), block = span.closest("pre").getBoundingClientRect();
    const shown = span.checkVisibility({opacityProperty: true, visibilityProperty: true}) &&
      box.left >= block.left && box.right <= block.right;
    const kind = [span.className, s.color, s.fontSize, s.fontWeight, s.textShadow, s.opacity, shown,
                  chain(span.parentElement)].join(";");
    if (seen.has(kind)) repeated.push(span);
    else seen.add(kind);
  }
  // Measured first, changed after: a change before the next measurement would lay out the page again.
  const blocks = new Set(repeated.map((span) => span.parentElement));
  for (const span of repeated) span.replaceWith(span.textContent);
  blocks.forEach((el) => el.normalize());
  return seen.size;
}"""


def axe_problems(page) -> list[str]:
    page.evaluate(ONE_TOKEN_OF_EACH_KIND)
    # Only violations are read; asking axe for nothing else makes it several times faster on
    # pages with many figure nodes (it still runs every rule).
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    # What axe leaves behind makes V8 collect garbage all through the next figure layout (three
    # times slower): collect it now.
    page.context.new_cdp_session(page).send("HeapProfiler.collectGarbage")
    return [f"axe {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_site_has_exactly_the_pages_tested(site: Path):
    assert built_pages(site) == sorted(PAGES + ["index.html"])
    assert 'http-equiv="Refresh" content="0; url=book/intro.html"' in (site / "index.html").read_text()


@pytest.mark.parametrize("rel", PAGES)
def test_page_renders_offline_accessibly_with_clean_figures(site: Path, server: str, browser, rel: str):
    record = visit(browser, f"{server}/{rel}")
    page = record["page"]
    problems = page_problems(rel, record)
    if rel not in NO_AXE:
        problems += axe_problems(page)
    if page.locator("div.plotly-figure").count():
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            wait_for_layout(page)
            problems += [f"{name} {viewport['width']} px: {p}" for p in page.evaluate(FIGURE_PROBLEMS)]
    record["context"].close()
    assert problems == [], f"{rel}:\n" + "\n".join(problems)


def test_search_finds_a_chapter(site: Path, server: str, browser):
    record = visit(browser, f"{server}/search.html?q=reflow")
    results = record["page"].locator("#search-results ul.search li")
    results.first.wait_for(timeout=15_000)
    assert "rectified" in results.first.inner_text().lower()
    record["context"].close()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_chapter_screenshot_in_each_mode(site: Path, server: str, browser, mode: str):
    """Keeps screenshots in _build/screenshots for a human to look at; dark mode must apply."""
    context = browser.new_context(viewport={"width": 1280, "height": 2400})
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}')")
    page = context.new_page()
    page.goto(f"{server}/chapters/36-rectified-flow.html", wait_until="networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    out = site.parent / "screenshots"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / f"36-rectified-flow-{mode}.png"))
    context.close()
