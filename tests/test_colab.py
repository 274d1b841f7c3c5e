"""The Colab notebooks the build generates: plain Markdown, one setup cell, the chapter's code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from runnable_book.colab import Context, plain_markdown, setup_cell_source
from runnable_book.cards import chapter_paths

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapter_paths(ROOT)
RAW_MYST = [
    (re.compile(r"\{[\w:-]+\}`"), "a MyST role"),
    (re.compile(r"^\s*(`{3,}|:{3,})\{", re.M), "a MyST directive"),
    (re.compile(r"^\([\w.:-]+\)=\s*$", re.M), "a MyST label"),
    (re.compile(r"^\$\$[ \t]*\([\w.:-]+\)[ \t]*$", re.M), "an equation label"),
    (re.compile(r"^:(class|label|filter|tags):", re.M), "a directive option"),
]
NEVER_INSTALL = ("numpy", "torch", "ipykernel", "ipython", "jupyter", "notebook", "plotly",
                 "pandas", "scipy", "matplotlib", "nbformat", "traitlets", "tornado")


def colab_notebook_of(chapter: Path) -> nbformat.NotebookNode:
    return nbformat.read(chapter.with_suffix(".ipynb"), as_version=4)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_colab_notebook_has_no_raw_myst(site: Path, chapter: Path):
    for n, cell in enumerate(colab_notebook_of(chapter).cells):
        if cell.cell_type == "markdown":
            for pattern, what in RAW_MYST:
                found = pattern.search(cell.source)
                assert not found, f"{chapter.stem}.ipynb cell {n} keeps {what}: {found.group(0)!r}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_colab_code_is_the_setup_cell_then_the_chapter_code(site: Path, chapter: Path):
    code = [c.source for c in colab_notebook_of(chapter).cells if c.cell_type == "code"]
    chapter_code = [c.source for c in jupytext.read(chapter).cells if c.cell_type == "code"]
    assert code[1:] == chapter_code
    setup = code[0]
    assert 'if "google.colab" in sys.modules:' in setup
    needed = ast.literal_eval(re.search(r"NEEDED = (\{.*\})", setup).group(1))
    for pin in needed.values():
        assert not pin.lower().startswith(NEVER_INSTALL), f"the setup cell installs {pin}"
        assert re.match(r"^[\w.-]+==[\w.]+$", pin), f"unpinned install {pin}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_download_is_the_colab_notebook(site: Path, chapter: Path):
    download = site / "_sources" / "chapters" / f"{chapter.stem}.ipynb"
    assert download.read_bytes() == chapter.with_suffix(".ipynb").read_bytes()
    page = (site / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
    colab = re.search(r'href="(https://colab\.research\.google\.com/[^"]+)"', page).group(1)
    assert colab.endswith(f"chapters/{chapter.stem}.ipynb")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_notebook_numbers_exercises_and_equations_as_the_page(site: Path, chapter: Path):
    page = (site / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
    text = "\n".join(c.source for c in colab_notebook_of(chapter).cells if c.cell_type == "markdown")
    on_page = re.findall(r'<span class="caption-number">Exercise ([\d.]+)', page)
    assert on_page, "no numbered exercise on the page"
    assert re.findall(r"\*\*Exercise ([\d.]+)\*\*", text) == on_page
    assert re.findall(r"\\tag\{(\d+)\}", text) == re.findall(r'<span class="eqno">\((\d+)\)', page)


def context() -> Context:
    return Context(
        cite=lambda keys, textual: "(" + "; ".join(f"{k.title()}, 2020" for k in keys) + ")",
        link=lambda label: (f"Title of {label}", f"https://example.org/book/x.html#{label}"),
        glue={"ratio": "0.0123", "name": "'reflow'"},
        references=lambda keys: "\n".join(f"- {k}" for k in keys),
        equations={"eq-a": 1},
    )


def test_plain_markdown_converts_each_myst_construct():
    myst = "\n".join([
        "(sec-a)=",
        "# Title",
        "See {cite}`smith2020` and {ref}`the section <sec-a>`; ratio {glue:text}`ratio:.2f`.",
        "$$",
        "a = b",
        "$$ (eq-a)",
        "By {eq}`eq-a`, {glue:text}`name` wins.",
        "```{note}",
        "Careful.",
        "```",
        "```{exercise} Try it",
        ":label: ex-1",
        "",
        "Do it.",
        "```",
        "```{solution} ex-1",
        ":class: dropdown",
        "",
        "Done.",
        "```",
        "```{bibliography}",
        ":filter: docname in docnames",
        "```",
    ])
    plain = plain_markdown(myst, context())
    assert "(Smith2020, 2020)" in plain
    assert "[the section](https://example.org/book/x.html#sec-a)" in plain
    assert "ratio 0.01" in plain and "reflow wins" in plain
    assert "\\tag{1}" in plain and "By (1)" in plain
    assert "> **Note**" in plain and "> Careful." in plain
    assert "**Exercise 1**: Try it" in plain and "<summary>Solution</summary>" in plain
    assert "- smith2020" in plain
    for pattern, what in RAW_MYST:
        assert not pattern.search(plain), what


def test_unknown_myst_fails_loudly():
    with pytest.raises(ValueError, match="abbr"):
        plain_markdown("See {abbr}`CPU (central processing unit)`.", context())
    with pytest.raises(ValueError, match="figure"):
        plain_markdown("```{figure} a.png\n```", context())


def test_setup_cell_installs_only_what_colab_lacks():
    # The standard library and Colab's own packages are never pinned; the glue helper is.
    source = setup_cell_source(["import inspect, lzma, math\nimport numpy as np\nfrom myst_nb import glue"])
    needed = ast.literal_eval(re.search(r"^NEEDED = (\{.*\})$", source, re.M)[1])
    assert sorted(needed) == ["docutils", "myst_nb"]
    assert needed["myst_nb"].startswith("myst-nb==")
