"""The chapter standard (tests/chapter_rules.py), on every chapter and on broken chapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from chapter_rules import bib_keys, chapter_problems, toc_files
from runnable_book.cards import chapter_paths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
CHAPTERS = chapter_paths(ROOT)
STEMS = {p.stem for p in CHAPTERS}


def problems_of(path: Path) -> list[str]:
    return chapter_problems(path, STEMS, bib_keys(ROOT / "book" / "references.bib"),
                            toc_files(ROOT / "_toc.yml"))


def test_there_are_chapters():
    assert CHAPTERS, "no chapters found in chapters/"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_meets_the_standard(path: Path):
    assert problems_of(path) == []


def test_every_toc_entry_has_a_file():
    missing = [f for f in sorted(toc_files(ROOT / "_toc.yml")) if not (ROOT / f"{f}.md").exists()]
    assert missing == [], f"_toc.yml lists files that do not exist: {missing}"


# Each case breaks the good fixture chapter in one way; the message must name file and field.
GOOD = (FIXTURES / "99-good-chapter.md").read_text(encoding="utf-8")
BROKEN = {
    "card-missing": ("paper:\n", "card:\n", "front matter has no `paper:` card"),
    "difficulty": ("difficulty: 2", "difficulty: 5", "field `difficulty` must be 1, 2 or 3"),
    "arxiv": ('arxiv: "2209.03003"', "arxiv: 2209.03", "field `arxiv` must be an arXiv id"),
    "authors": ('authors: ["First Author", "Second Author", "Third Author"]', "authors: []",
                "field `authors` must be a non-empty list"),
    "year": ("year: 2022", "year: twenty", "field `year` must be a four-digit year"),
    "minutes": ("minutes: 1", "minutes: 0", "field `minutes`"),
    "bibkey": ("bibkey: author2022keyword", "bibkey: nobody2099", "field `bibkey` must be a key"),
    "prerequisites": ("prerequisites: []", "prerequisites: [77-no-such-chapter]",
                      "field `prerequisites` must be a list of chapter file stems"),
    "sources-missing": ('  sources:\n', '  origins:\n', "field `sources` must have `paper:`"),
    "sources-paper": ('paper: "full text (arXiv', 'paper: "read it (arXiv', "field `sources` must have `paper:`"),
    "sources-code": ('code: "github.com/author/repo', 'cod: "github.com/author/repo', "field `sources` must have `code:`"),
    "glue-unclosed": ("{glue:text}`nn_ratio:.3f`", "{glue:text}`nn_ratio:.3f}", "glued value not closed by a backtick"),
    "ledger-kind": ('"kind": "paper claim"', '"type": "paper claim"', "every claim-ledger row needs a `kind`"),
    "front-matter-yaml": ("  year: 2022", "  year: [2022", "front matter is not valid YAML"),
    "label": ("(99-good-chapter)=", "(wrong-label)=", "preceded by the label line `(99-good-chapter)=`"),
    "objectives": ("## Learning objectives", "## Goals", "missing required section(s): `## Learning objectives`"),
    "claim-check": ("## Claim check", "## Results", "missing required section(s): `## Claim check`"),
    "exercises": ("## Exercises", "## Practice", "`## Exercises`"),
    "references": ("## References", "## Reading", "`## References`"),
    "order": ("## The problem\n", "## The problem\n\n## Claim check\n", "sections out of order"),
    "seed": ('SEED = int(os.environ.get("BOOK_SEED", 0))', "SEED = 0", "not read from BOOK_SEED"),
    "fixed-seed": ("torch.manual_seed(SEED)", "torch.manual_seed(1234)", "hard-coded seed"),
    "network": ("import numpy as np", "import numpy as np\nimport urllib.request", "network access"),
    "download": ("ratio = 0.01", 'ratio = 0.01\ndata = fetch("https://example.org/data.csv")', "network access"),
    "write": ("fig.show()", 'fig.show()\nfig.write_html("figure.html")', "writes a file"),
    "ledger": ('"claim_ledger"', '"claims"', "the claim check records nothing"),
    "dropdown": (":class: dropdown\n\nBecause", "\nBecause", "needs `:class: dropdown`"),
    "directive": ("## The problem\n", "## The problem\n\n```{figure} x.png\n```\n", "directive `{figure}`"),
    "role": ("as {eq}", "as {numref}", "role `{numref}`"),
    "exercise-number": ("The problem\n\nWhat goes wrong", "The problem\n\nSee {ref}`Exercise 1 "
                        "<99-good-chapter-ex-2>`. What goes wrong", "that exercise is number 2"),
    "bibliography": ("```{bibliography}\n:filter: docname in docnames\n```", "", "`{bibliography}` directive"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_chapter_is_reported(case: str, tmp_path: Path):
    old, new, expected = BROKEN[case]
    assert old in GOOD, f"fixture no longer contains {old!r}"
    path = tmp_path / "99-good-chapter.md"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    problems = chapter_problems(path, {"99-good-chapter"}, bib_keys(FIXTURES / "references.bib"),
                                {"chapters/99-good-chapter"})
    assert any(expected in p and p.startswith("chapters/99-good-chapter.md: ") for p in problems), problems


def test_good_fixture_has_no_problem():
    problems = chapter_problems(FIXTURES / "99-good-chapter.md", {"99-good-chapter"},
                                bib_keys(FIXTURES / "references.bib"), {"chapters/99-good-chapter"})
    assert problems == []


def test_a_chapter_missing_from_the_toc_is_reported():
    problems = chapter_problems(FIXTURES / "99-good-chapter.md", {"99-good-chapter"},
                                bib_keys(FIXTURES / "references.bib"), set())
    assert any("not listed in _toc.yml" in p for p in problems), problems
