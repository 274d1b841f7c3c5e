"""The chapter standard as checks: each problem names the file and what to fix.

book/authoring.md describes the standard for authors; tests/test_structure.py applies these
checks to every chapter and to deliberately broken chapters.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import yaml

from runnable_book.cards import front_matter

SECTIONS = ["At a glance", "Learning objectives", "The problem", "The idea", "Implementation",
            "Experiment", "Claim check", "What the toy cannot show", "Exercises", "References"]
DIRECTIVES = {"note", "tip", "important", "warning", "exercise", "solution", "solution-start",
              "solution-end", "bibliography", "code-cell"}
ROLES = {"cite", "cite:p", "cite:t", "eq", "ref", "glue:text"}
GLUE_UNCLOSED = re.compile(r"\{glue(?::text)?\}`[^`\n]*[}\n]")
# What a chapter was checked against: the card's `sources.paper` starts with one of these.
SOURCE_KINDS = ("full text", "partial text", "abstract only")
ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
SEED_READ = re.compile(r"""os\.environ(\.get\(\s*|\[\s*)["']BOOK_SEED["']""")
FIXED_SEED = re.compile(r"(manual_seed|default_rng|random\.seed|np\.random\.seed)\(\s*\d+\s*\)")
NETWORK = re.compile(
    r"^\s*(import|from)\s+(requests|urllib|http|socket|httpx|aiohttp|ftplib)\b|https?://"
    r"|download\s*=\s*True|torch\.hub|torchvision\.datasets|load_dataset\(|\bwget\b|\bcurl\b"
    r"|pip install", re.M)
FILE_WRITE = re.compile(
    r"""open\([^)]*["'][wax]b?\+?["']|\.write_(text|bytes)\(|savefig\(|write_(html|image)\("""
    r"""|torch\.save\(|np\.save|\.to_csv\(|nbformat\.write\(|mkdir\(|os\.makedirs\(|shutil\.""")
DIRECTIVE_USE = re.compile(r"^(?:`{3,}|:{3,})\{([\w:-]+)\}", re.M)
EXERCISE_LABEL = re.compile(r"^`{3,}\{exercise\}.*\n(?::[\w-]+:.*\n)*?:label:\s*(\S+)", re.M)
EXERCISE_REF = re.compile(r"\{ref\}`Exercise (\d+) <([^>]+)>`")
ROLE_USE = re.compile(r"\{([\w:-]+)\}`")


def card_problems(card: dict, chapter_stems: set[str], bibkeys: set[str]) -> list[str]:
    if not card:
        return ["front matter has no `paper:` card"]
    problems = []

    def need(field: str, ok: bool, what: str) -> None:
        if not ok:
            problems.append(f"paper card field `{field}` {what} (got {card.get(field)!r})")

    text = lambda v: isinstance(v, str) and v.strip() != ""  # noqa: E731
    need("title", text(card.get("title")), "must be the paper's title")
    authors = card.get("authors")
    need("authors", isinstance(authors, list) and authors and all(map(text, authors)),
         "must be a non-empty list of names")
    need("year", isinstance(card.get("year"), int) and 1900 <= card["year"] <= 2100,
         "must be a four-digit year")
    need("venue", text(card.get("venue")), "must name where the paper appeared")
    ids = card.get("arxiv")
    ids = ids if isinstance(ids, list) else [ids]
    need("arxiv", all(isinstance(i, str) and ARXIV_ID.match(i) for i in ids),
         'must be an arXiv id like "2209.03003" (quoted) or a list of them')
    need("bibkey", card.get("bibkey") in bibkeys, "must be a key of book/references.bib")
    need("difficulty", card.get("difficulty") in (1, 2, 3), "must be 1, 2 or 3")
    minutes = card.get("minutes")
    need("minutes", isinstance(minutes, (int, float)) and 0 < minutes <= 5,
         "must be the minutes to run the chapter (0 < minutes <= 5)")
    prereqs = card.get("prerequisites")
    need("prerequisites", isinstance(prereqs, list) and all(p in chapter_stems for p in prereqs),
         "must be a list of chapter file stems of this book")
    need("background", text(card.get("background")), "must say what a reader should know")
    sources = card.get("sources")
    sources = sources if isinstance(sources, dict) else {}
    need("sources", text(sources.get("paper")) and sources["paper"].startswith(SOURCE_KINDS),
         "must have `paper:` starting with " + ", ".join(f"`{k}`" for k in SOURCE_KINDS)
         + " and saying what was read")
    need("sources", text(sources.get("code")),
         "must have `code:` naming the official code and commit read, or saying there is none")
    return problems


def section_problems(headings: list[str]) -> list[str]:
    missing = [s for s in SECTIONS if s not in headings]
    if missing:
        return [f"missing required section(s): " + ", ".join(f"`## {s}`" for s in missing)]
    order = [headings.index(s) for s in SECTIONS]
    if order != sorted(order):
        return ["sections out of order; expected " + " → ".join(SECTIONS)]
    return []


def code_problems(code_cells: list[str]) -> list[str]:
    problems = []
    code = "\n".join(code_cells)
    if not SEED_READ.search(code):
        problems.append('the seed is not read from BOOK_SEED: use SEED = int(os.environ.get("BOOK_SEED", 0))')
    for n, cell in enumerate(code_cells):
        where = f"code cell {n}"
        if FIXED_SEED.search(cell):
            problems.append(f"{where}: a hard-coded seed `{FIXED_SEED.search(cell).group(0)}`; derive it from SEED")
        if NETWORK.search(cell):
            problems.append(f"{where}: network access or download `{NETWORK.search(cell).group(0).strip()}`; make data in the notebook")
        if FILE_WRITE.search(cell) and "tempfile" not in cell:
            problems.append(f"{where}: writes a file (`{FILE_WRITE.search(cell).group(0)}`) outside a temporary directory")
    if not re.search(r"""glue\(\s*["']claim_ledger["']""", code):
        problems.append("the claim check records nothing: glue(\"claim_ledger\", [...], display=False)")
    elif not re.search(r"""["']kind["']\s*:""", code):
        problems.append('every claim-ledger row needs a `kind`: "paper claim" or "sanity check"')
    return problems


def markdown_problems(markdown: str, stem: str) -> list[str]:
    problems = []
    if not re.search(rf"^\({re.escape(stem)}\)=\s*\n+# ", markdown, re.M):
        problems.append(f"the title must be preceded by the label line `({stem})=`")
    for name in sorted(set(DIRECTIVE_USE.findall(markdown)) - DIRECTIVES):
        problems.append(f"MyST directive `{{{name}}}` is not in the chapter standard (Colab cannot show it)")
    for name in sorted(set(ROLE_USE.findall(markdown)) - ROLES):
        problems.append(f"MyST role `{{{name}}}` is not in the chapter standard (Colab cannot show it)")
    for role in GLUE_UNCLOSED.findall(markdown):
        problems.append(f"glued value not closed by a backtick: {role[:60]!r}")
    for block in re.findall(r"^`{3,}\{solution(?:-start)?\}.*\n((?::[\w-]+:.*\n)*)", markdown, re.M):
        if ":class: dropdown" not in block:
            problems.append("every solution needs `:class: dropdown` (solutions are collapsed)")
            break
    for ref in re.findall(r"[Ee]xercise\s+\{ref\}`[^`<]*`", markdown):
        problems.append(f"{ref!r} reads 'Exercise Exercise N' on the site: write {{ref}}`Exercise N <label>`")
    number = {label: n for n, label in enumerate(EXERCISE_LABEL.findall(markdown), start=1)}
    for typed, label in EXERCISE_REF.findall(markdown):
        if label in number and int(typed) != number[label]:
            problems.append(f"{{ref}}`Exercise {typed} <{label}>`: that exercise is number {number[label]}")
    if "```{bibliography}" not in markdown:
        problems.append("the References section needs the `{bibliography}` directive")
    return problems


def chapter_problems(path: Path, chapter_stems: set[str], bibkeys: set[str],
                     toc_files: set[str]) -> list[str]:
    """Everything wrong with one chapter, each message prefixed with its file."""
    rel = f"chapters/{path.name}"
    try:
        meta = front_matter(path)
    except yaml.YAMLError as exc:
        return [f"{rel}: front matter is not valid YAML: {exc}"]
    problems = []
    if "jupytext" not in meta or "kernelspec" not in meta:
        problems.append("front matter needs the `jupytext` and `kernelspec` headers of the template")
    problems += card_problems(meta.get("paper") or {}, chapter_stems, bibkeys)
    if f"chapters/{path.stem}" not in toc_files:
        problems.append(f"not listed in _toc.yml (add `- file: chapters/{path.stem}` to its part)")
    notebook = jupytext.read(path)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    headings = re.findall(r"^## (.+?)\s*$", markdown, re.M)
    problems += section_problems(headings)
    problems += markdown_problems(markdown, path.stem)
    problems += code_problems([c.source for c in notebook.cells if c.cell_type == "code"])
    return [f"{rel}: {p}" for p in problems]


def toc_files(toc_path: Path) -> set[str]:
    files: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.add(str(node["file"]).removesuffix(".md"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    files.add(toc["root"])
    walk(toc)
    return files


def bib_keys(bib_path: Path) -> set[str]:
    return set(re.findall(r"^@\w+\{\s*([^,\s]+)\s*,", bib_path.read_text(encoding="utf-8"), re.M))
