"""Chapters and their paper cards, read from the chapters' front matter."""

from __future__ import annotations

from pathlib import Path

import yaml

CHAPTER_GLOB = "[0-9][0-9]-*.md"
# libyaml's parser where PyYAML was built with it: the build reads every card several times.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def chapter_paths(root: Path) -> list[Path]:
    return sorted((root / "chapters").glob(CHAPTER_GLOB))


def front_matter(path: Path) -> dict:
    """The YAML block between the first two `---` lines of a MyST notebook."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end == -1:
        return {}
    return yaml.load(text[4:end], Loader=YAML_LOADER) or {}


def paper_card(path: Path) -> dict:
    card = front_matter(path).get("paper")
    return card if isinstance(card, dict) else {}


def arxiv_ids(card: dict) -> list[str]:
    ids = card.get("arxiv", [])
    return [str(i) for i in (ids if isinstance(ids, list) else [ids])]


def sources_text(card: dict) -> str:
    """What the chapter was checked against: the paper's text and the official code."""
    sources = card.get("sources") or {}
    return f"paper: {sources.get('paper', 'not stated')}; code: {sources.get('code', 'not stated')}"


def chapter_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem
