"""Author-year citations as plain text, for the Colab notebooks."""

from __future__ import annotations

from pathlib import Path

from pybtex.database import parse_file


class PlainBibliography:
    def __init__(self, bibfiles: list[Path]):
        self.entries = {}
        for path in bibfiles:
            self.entries.update(parse_file(str(path)).entries)

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
