"""Author-year citations as plain text, for the Colab notebooks; pybtex's styles looked up once."""

from __future__ import annotations

from importlib.metadata import entry_points

from pybtex.plugin import register_plugin
from pybtex.style.formatting import BaseStyle

STYLE_GROUPS = ("pybtex.style.formatting", "pybtex.style.labels", "pybtex.style.names",
                "pybtex.style.sorting")


def register_installed_styles() -> None:
    """pybtex finds a style by scanning every installed package's entry points, each time a style
    object is made: sphinxcontrib-bibtex makes a few per bibliography on every build, ~1 s in all.
    Registered once as runtime plugins (the same classes under the same names), they are found
    without the scan."""
    for group in STYLE_GROUPS:
        for entry in entry_points(group=group):
            register_plugin(group, entry.name, entry.load(), force=True)


class PlainBibliography:
    def __init__(self, entries):  # pybtex entries by key
        self.entries = entries

    def _names(self, key: str) -> list[str]:
        return [" ".join(p.last_names) for p in self.entries[key].persons.get("author", [])]

    def short(self, key: str) -> str:
        names = self._names(key)
        who = names[0] if len(names) == 1 else (
            f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
        return f"{who}, {self.entries[key].fields.get('year', 'n.d.')}"

    def cite(self, keys: list[str], textual: bool) -> str:
        if textual:
            return "; ".join(self.short(k).replace(", ", " (", 1) + ")" for k in keys)
        return "(" + "; ".join(self.short(k) for k in keys) + ")"

    def reference_list(self, keys: list[str]) -> str:
        lines = []
        for key in keys:
            entry = self.entries[key]
            authors = ", ".join(str(p) for p in entry.persons.get("author", []))
            fields = entry.fields
            where = fields.get("journal") or fields.get("booktitle") or fields.get("publisher", "")
            url = fields.get("url", "")
            title = fields.get("title", "").replace("{", "").replace("}", "")
            lines.append(f"- {authors} ({fields.get('year', 'n.d.')}). {title}. {where}. {url}".rstrip(". ") )
        return "\n".join(lines)


# The formatted text of a reference depends only on the style, its label and the entry.
# sphinxcontrib-bibtex formats every entry of every chapter's reference list again on every
# build, twice (once more for the hover tooltip): a third of a build that changes one page.
# `keep_formatted_references` makes pybtex reuse the text it made, from a store that Sphinx
# keeps in its environment between builds.
_FORMATTED: dict = {}
_format_entry = BaseStyle.format_entry


def reference_fingerprint(style: BaseStyle, label: str, entry) -> tuple:
    persons = tuple((role, tuple(str(p) for p in people)) for role, people in entry.persons.items())
    styles = (style, style.name_style, style.label_style, style.sorting_style)
    return (*(f"{type(s).__module__}.{type(s).__qualname__}" for s in styles), style.abbreviate_names,
            label, entry.key, entry.type, tuple(entry.fields.items()), persons)


def _reused_format_entry(style: BaseStyle, label: str, entry, bib_data=None):
    if bib_data is not None:  # cross-references resolved against a database: not reused
        return _format_entry(style, label, entry, bib_data=bib_data)
    key = reference_fingerprint(style, label, entry)
    if key not in _FORMATTED:
        _FORMATTED[key] = _format_entry(style, label, entry)
    return _FORMATTED[key]


def keep_formatted_references(store: dict) -> None:
    global _FORMATTED
    _FORMATTED = store
    BaseStyle.format_entry = _reused_format_entry
