"""The site build (warnings are errors) and what every page must carry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.offline

from runnable_book.cards import chapter_paths

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapter_paths(ROOT)
EXTERNAL_ASSET = re.compile(r"""<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//""")


def pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts]


# First in the file, so that under xdist one worker builds the student site while the other
# builds the site (both from the cache that the chapter stage filled).
def test_the_student_build_hides_solutions(student_site: Path):
    for chapter in CHAPTERS:
        student = (student_site / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
        assert "solution-title" not in student, f"{chapter.name}: the student build shows a solution"
        assert "exercise" in student


def test_chapter_pages_are_executed_with_figure_and_card(site: Path):
    for chapter in CHAPTERS:
        html = (site / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
        assert 'class="plotly-figure"' in html, f"{chapter.name}: no plotly figure on its page"
        assert "paper-card" in html, f"{chapter.name}: no paper card on its page"
        assert "Traceback" not in html, f"{chapter.name}: an error output was published"
        assert "colab.research.google.com" in html, f"{chapter.name}: no Open in Colab link"


def test_no_page_loads_anything_from_another_host(site: Path):
    for page in pages(site):
        found = EXTERNAL_ASSET.search(page.read_text(encoding="utf-8"))
        assert not found, f"{page.relative_to(site)} loads an external asset: {found.group(0)}"


def test_plotly_js_is_vendored_once_and_matches_python_plotly(site: Path):
    vendored = (site / "_static" / "vendor" / "plotly.min.js").read_text(encoding="utf-8")
    assert f"v{plotly.offline.get_plotlyjs_version()}" in vendored[:500]
    chapter = (site / "chapters" / f"{CHAPTERS[0].stem}.html").read_text(encoding="utf-8")
    assert chapter.count("plotly.min.js") == 1
    assert "Plotly.newPlot" not in chapter and len(chapter) < 4_000_000, "plotly.js inlined in a page"


def test_mathjax_is_served_by_the_site(site: Path):
    assert (site / "_static" / "vendor" / "mathjax" / "tex-chtml.js").exists()
    chapter = (site / "chapters" / f"{CHAPTERS[0].stem}.html").read_text(encoding="utf-8")
    assert "_static/vendor/mathjax/tex-chtml.js" in chapter


def test_ledger_groups_passing_rows_by_chapter(site: Path):
    html = (site / "book" / "ledger.html").read_text(encoding="utf-8")
    groups = html.split('class="rubric"')[1:]
    assert len(groups) == len(CHAPTERS), "the ledger needs one group per chapter"
    for chapter, group in zip(sorted(CHAPTERS, key=lambda c: toc_position(c.stem)), groups):
        rows = group.split("<tr")[2:]
        assert f"{chapter.stem}.html" in group.split("</p>")[0], f"{chapter.name}: out of order"
        assert rows, f"{chapter.name}: no ledger row"
        assert all("✔ holds" in row for row in rows), f"{chapter.name}: a claim failed"
        assert all(re.search(r"<em>(paper claim|sanity check)</em>", row) for row in rows)
        assert "<em>paper claim</em>" in group, f"{chapter.name}: checks no claim of its paper"


def toc_position(stem: str) -> int:
    return (ROOT / "_toc.yml").read_text(encoding="utf-8").index(f"chapters/{stem}")


def test_prerequisite_graph_is_built_from_the_cards(site: Path):
    html = (site / "book" / "prerequisites.html").read_text(encoding="utf-8")
    data = html.split('class="plotly-figure-data" data-target="plotly-prerequisite-graph">')[1]
    figure = json.loads(data.split("</script>")[0].replace("<\\/", "</"))
    assert len(figure["data"][1]["text"]) == len(CHAPTERS)


def test_solutions_are_collapsed_in_the_site(site: Path):
    teacher = (site / "chapters" / f"{CHAPTERS[0].stem}.html").read_text(encoding="utf-8")
    assert "solution" in teacher and "dropdown" in teacher
