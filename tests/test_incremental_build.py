"""A rebuild remakes what an edit changed, and nothing else: checked on a one-chapter book.

`make html` after an edit skips what did not change: a chapter whose code is unchanged is not run
again, the ledger is written again only when what it shows changed, exercise numbers are kept per
page without Sphinx reading every page. Each shortcut must still show the edit, and a build that
failed must fail again until the cause is fixed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
CHAPTER = "chapters/99-good-chapter"
TOC = f"""format: jb-book
root: book/intro
chapters:
  - file: book/ledger
  - file: book/notes
  - file: {CHAPTER}
"""
NEW_EXERCISE = """## Exercises

```{exercise} A question added first
:label: 99-good-chapter-ex-new

Why not?
```
"""


def make_book(book: Path) -> None:
    (book / "book").mkdir(parents=True)
    (book / "chapters").mkdir()
    shutil.copy(ROOT / "_config.yml", book)
    (book / "_toc.yml").write_text(TOC)
    (book / "book/intro.md").write_text("# A one-chapter book\n\nThe chapter and its ledger.\n")
    (book / "book/notes.md").write_text("# Notes\n\nA page that shows the chapter only in its sidebar.\n")
    shutil.copy(ROOT / "book/ledger.md", book / "book")
    shutil.copy(FIXTURES / "references.bib", book / "book")
    shutil.copy(FIXTURES / "99-good-chapter.md", book / f"{CHAPTER}.md")


def build(book: Path, passes: bool = True) -> list[str]:
    """`make html`'s two steps; returns the pages Sphinx wrote."""
    subprocess.run([sys.executable, "-m", "runnable_book.execute", "_build"], cwd=book, check=True)
    done = subprocess.run([sys.executable, "-m", "runnable_book.build", ".",
                           "--warningiserror", "--nitpick", "--keep-going"],
                          cwd=book, capture_output=True, text=True)
    log = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    assert (done.returncode == 0) == passes, log[-3000:]
    return re.findall(r"writing output\.\.\. \[\s*\d+%\] (\S+)", log)


def page(book: Path, docname: str) -> str:
    return (book / "_build/html" / f"{docname}.html").read_text(encoding="utf-8")


def exercise_numbers(book: Path) -> list[str]:
    return re.findall(r'<span class="caption-number">Exercise ([\d.]+)', page(book, CHAPTER))


def edit(book: Path, old: str, new: str) -> None:
    path = book / f"{CHAPTER}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_rebuild_remakes_what_an_edit_changed_and_nothing_else(tmp_path: Path):
    book = tmp_path / "book"
    make_book(book)
    cache = get_cache(str(book / "_build/.jupyter_cache"))
    ledger = book / "_build/html/book/ledger.html"

    build(book)
    assert "S₂/S₁ = 0.010" in page(book, "book/ledger")
    assert exercise_numbers(book) == ["1", "2"]

    assert build(book) == [], "nothing changed, yet pages were written again"

    # Prose only (an exercise added before the others): the chapter is not run again, its page
    # numbers the exercises anew, the ledger is left as it was.
    ledger_written = ledger.stat().st_mtime_ns
    edit(book, "## Exercises\n", NEW_EXERCISE)
    assert build(book) == ["book/intro", CHAPTER]
    assert len(cache.list_cache_records()) == 1
    assert exercise_numbers(book) == ["1", "2", "3"]
    assert ledger.stat().st_mtime_ns == ledger_written

    # Code: the chapter runs again and the ledger shows the new value.
    edit(book, "ratio = 0.01\n", "ratio = 0.02\n")
    assert "book/ledger" in build(book)
    assert len(cache.list_cache_records()) == 2
    assert "S₂/S₁ = 0.020" in page(book, "book/ledger")

    # A new title shows on every page (in the sidebar), not only on its own.
    edit(book, "# A Short, Human Chapter Title", "# A Renamed Chapter")
    assert sorted(build(book)) == ["book/intro", "book/ledger", "book/notes", CHAPTER]
    assert "A Renamed Chapter" in page(book, "book/notes")

    # A build that warned fails again, edit or not, until the cause is gone.
    edit(book, "## The problem\n", "## The problem\n\n#### Too deep a heading\n")
    build(book, passes=False)
    build(book, passes=False)
    edit(book, "\n#### Too deep a heading\n", "")
    build(book)
