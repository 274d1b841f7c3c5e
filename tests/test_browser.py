"""Every page of the built site in a real browser (Debian's chromium, driven by Playwright).

For every page: figures drawn, math typeset, no request to another host, no console error, no
4xx, the Colab link ends in .ipynb; axe-core finds no serious or critical violation; chapter
pages stay light.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# Bytes a chapter page transfers (text gzipped, as a static host serves it), not counting the
# once-cached plotly.js and MathJax.
PAGE_BUDGET = 1_000_000
SHARED_ASSETS = ("/_static/vendor/plotly.min.js", "/_static/vendor/mathjax/")

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


def site_pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if not {"_static", "_sources"} & set(p.parts))


def transferred_bytes(body: bytes, headers: dict) -> int:
    kind = headers.get("content-type", "")
    textual = kind.startswith("text/") or any(t in kind for t in ("javascript", "json", "svg"))
    return len(gzip.compress(body)) if textual else len(body)


def visit(browser, url: str) -> dict:
    """Load a page with every non-local request blocked and recorded."""
    record = {"external": [], "errors": [], "bad": [], "bytes": 0}
    context = browser.new_context()
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
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    record["page"], record["context"] = page, context
    return record


def test_every_page_renders_offline_and_cleanly(site: Path, server: str, browser):
    failures = []
    for rel in site_pages(site):
        record = visit(browser, f"{server}/{rel}")
        page = record["page"]
        figures = page.locator("div.plotly-figure").count()
        drawn = page.locator("div.plotly-figure svg.main-svg").first.count() if figures else 0
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
        if figures and not (drawn and drawn_all):
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
        if problems:
            failures.append(f"{rel}: " + "; ".join(problems))
        record["context"].close()
    assert failures == [], "\n".join(failures)


def test_no_serious_accessibility_violation(site: Path, server: str, browser):
    axe = Axe()
    failures = []
    for rel in site_pages(site):
        if rel in ("genindex.html", "search.html"):
            continue
        record = visit(browser, f"{server}/{rel}")
        results = axe.run(record["page"])
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"]][:3]
                failures.append(f"{rel}: {violation['id']} ({violation['impact']}): {targets}")
        record["context"].close()
    assert failures == [], "\n".join(failures)


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
