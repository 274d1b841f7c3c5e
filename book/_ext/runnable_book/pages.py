"""Pages built from all chapters: the reproduction ledger and the prerequisite graph."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import plotly.graph_objects as go
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.util import logging

from .cards import chapter_title, paper_card
from .plotly_mime import figure_html

logger = logging.getLogger(__name__)


class ledger_placeholder(nodes.General, nodes.Element):
    pass


class graph_placeholder(nodes.General, nodes.Element):
    pass


class LedgerDirective(Directive):
    def run(self):
        note_dynamic(self.state.document.settings.env)
        return [ledger_placeholder()]


class GraphDirective(Directive):
    def run(self):
        note_dynamic(self.state.document.settings.env)
        return [graph_placeholder()]


def note_dynamic(env) -> None:
    """Pages that show every chapter: written again whenever what they show changed."""
    if not hasattr(env, "runnable_dynamic_docs"):
        env.runnable_dynamic_docs = set()
    env.runnable_dynamic_docs.add(env.docname)


def chapters_in_toc_order(app: Sphinx) -> list[str]:
    env = app.env
    order: list[str] = []

    def walk(docname: str) -> None:
        for child in env.toctree_includes.get(docname, []):
            if child not in order:
                order.append(child)
                walk(child)

    walk(app.config.root_doc)
    return [d for d in order if d.startswith("chapters/")]


def chapter_link(app: Sphinx, docname: str, fromdoc: str) -> nodes.reference:
    """A resolved link (these pages are filled in after cross-references are resolved)."""
    title = app.env.titles[docname].astext() if docname in app.env.titles else docname
    return nodes.reference("", title, refuri=app.builder.get_relative_uri(fromdoc, docname))


KINDS = ("paper claim", "sanity check")


def claim_rows(app: Sphinx, docname: str) -> list[dict]:
    from .extension import glued_text  # the executed chapter's glued values

    text = glued_text(app, docname).get("claim_ledger")
    if not text:
        logger.warning(f"{docname}: the chapter glues no 'claim_ledger'", location=docname)
        return []
    try:
        rows = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        logger.warning(f"{docname}: 'claim_ledger' must hold plain str/bool values", location=docname)
        return []
    for row in rows:
        if row.get("kind") not in KINDS:
            logger.warning(f"{docname}: ledger row {row.get('claim')!r} needs a kind, one of {KINDS}",
                           location=docname)
        elif row["kind"] == "paper claim" and not str(row.get("control", "")).strip():
            logger.warning(f"{docname}: paper claim {row.get('claim')!r} names no negative control",
                           location=docname)
    return rows


def table(header: list[str], rows: list[list[nodes.Node]], widths: list[int]) -> nodes.table:
    group = nodes.tgroup(cols=len(header))
    group += [nodes.colspec(colwidth=w) for w in widths]
    head = nodes.thead("", nodes.row("", *(nodes.entry("", nodes.paragraph(text=h)) for h in header)))
    body = nodes.tbody("", *(nodes.row("", *(nodes.entry("", nodes.paragraph("", "", *cell))
                                              for cell in row)) for row in rows))
    group += [head, body]
    return nodes.table("", group, classes=["reproduction-ledger"])


def ledger_sections(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    """One table per chapter, in reading order, each under a link to its chapter."""
    out: list[nodes.Node] = []
    for docname in chapters_in_toc_order(app):
        rows = []
        for claim in claim_rows(app, docname):
            status = "✔ holds" if claim.get("passed") else "✘ fails"
            kind = nodes.emphasis("", claim.get("kind", ""))
            rows.append([[nodes.Text(claim["claim"] + " "), nodes.inline("", "", nodes.Text("("), kind, nodes.Text(")"))],
                         [nodes.Text(claim["measured"])], [nodes.Text(claim["tolerance"])],
                         [nodes.Text(str(claim.get("control", "—")))], [nodes.Text(status)]])
        out.append(nodes.rubric("", "", chapter_link(app, docname, fromdoc)))
        out.append(table(["Claim tested", "Measured in this build", "Tolerance",
                          "Negative control (mechanism removed)", "Status"],
                         rows, [34, 18, 12, 26, 10]))
    return out


def prerequisite_figure(app: Sphinx) -> go.Figure:
    chapters = chapters_in_toc_order(app)
    cards = {d: paper_card(Path(app.env.doc2path(d))) for d in chapters}
    depth: dict[str, int] = {}

    def level(doc: str) -> int:
        if doc not in depth:
            prereqs = [f"chapters/{p}" for p in cards[doc].get("prerequisites") or []]
            depth[doc] = 1 + max((level(p) for p in prereqs if p in cards), default=-1)
        return depth[doc]

    for doc in chapters:
        level(doc)
    position = {}
    for layer in sorted(set(depth.values())):
        members = [d for d in chapters if depth[d] == layer]
        for i, doc in enumerate(members):
            position[doc] = (layer, i - (len(members) - 1) / 2)
    edge_x, edge_y = [], []
    for doc in chapters:
        for p in cards[doc].get("prerequisites") or []:
            if f"chapters/{p}" in position:
                (x0, y0), (x1, y1) = position[f"chapters/{p}"], position[doc]
                edge_x += [x0, x1, None]
                edge_y += [y0, y1, None]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"color": "#999", "width": 1.5},
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(
        x=[position[d][0] for d in chapters], y=[position[d][1] for d in chapters],
        mode="markers+text", text=[chapter_title(Path(app.env.doc2path(d))) for d in chapters],
        textposition="middle right",
        marker={"size": [10 + 6 * int(cards[d].get("difficulty", 1)) for d in chapters],
                "color": [int(cards[d].get("difficulty", 1)) for d in chapters],
                "colorscale": "Viridis", "cmin": 1, "cmax": 3,
                "colorbar": {"title": "difficulty"}},
        customdata=[[cards[d].get("title", ""), cards[d].get("year", "")] for d in chapters],
        hovertemplate="%{text}<br>%{customdata[0]} (%{customdata[1]})<extra></extra>",
        showlegend=False))
    fig.update_layout(height=120 + 60 * max(len(chapters), 1) // max(len(set(depth.values())), 1),
                      xaxis={"title": "prerequisite depth (0 = no prerequisite in the book)",
                             "dtick": 1, "range": [-0.3, max(depth.values(), default=0) + 1.5]},
                      yaxis={"visible": False}, margin={"l": 20, "r": 20, "t": 30, "b": 40},
                      title="Chapters and their prerequisites (arrows run left to right)")
    return fig


def prerequisite_list(app: Sphinx, fromdoc: str) -> nodes.bullet_list:
    items = nodes.bullet_list()
    for doc in chapters_in_toc_order(app):
        card = paper_card(Path(app.env.doc2path(doc)))
        para = nodes.paragraph("", "", chapter_link(app, doc, fromdoc), nodes.Text(" — needs: "))
        prereqs = card.get("prerequisites") or []
        for n, p in enumerate(prereqs):
            para += [nodes.Text(", ")] * (n > 0) + [chapter_link(app, f"chapters/{p}", fromdoc)]
        if not prereqs:
            para += nodes.Text("no other chapter")
        para += nodes.Text(f"; background: {card.get('background', '')}")
        items += nodes.list_item("", para)
    return items


RECORD = "chapter-pages.json"  # in the build folder: what each such page was last written from


def record_path(app: Sphinx) -> Path:
    return Path(app.outdir).parent / RECORD


def shown_digest(app: Sphinx) -> str:
    """What the ledger and the prerequisite graph show: each chapter's title, card and glued
    values, in reading order, and the code that draws them."""
    from .extension import executed_dir

    here = Path(__file__).parent
    digest = hashlib.sha256(b"".join((here / f).read_bytes()
                                     for f in ("pages.py", "cards.py", "plotly_mime.py")))
    for docname in chapters_in_toc_order(app):
        title = app.env.titles[docname].astext() if docname in app.env.titles else ""
        card = json.dumps(paper_card(Path(app.env.doc2path(docname))), sort_keys=True, default=str)
        glue = executed_dir(app) / f"{docname}.glue.json"
        digest.update(f"\0{docname}\0{title}\0{card}\0".encode())
        digest.update(glue.read_bytes() if glue.exists() else b"\0missing")
    return digest.hexdigest()


def on_env_get_updated(app: Sphinx, env) -> list[str]:
    path = record_path(app)
    written = json.loads(path.read_text()) if path.exists() else {}
    env.runnable_shown_digest = shown_digest(app)
    env.runnable_shown_written = set()
    return sorted(d for d in getattr(env, "runnable_dynamic_docs", set())
                  if d in env.found_docs and written.get(d) != env.runnable_shown_digest)


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if docname not in getattr(app.env, "runnable_dynamic_docs", set()):
        return
    for node in doctree.findall(ledger_placeholder):
        node.replace_self(ledger_sections(app, docname))
    for node in doctree.findall(graph_placeholder):
        html = figure_html(json.loads(prerequisite_figure(app).to_json()), "plotly-prerequisite-graph")
        node.replace_self([nodes.raw("", html, format="html"), prerequisite_list(app, docname)])
    app.env.runnable_shown_written.add(docname)


def record_written(app: Sphinx, exception) -> None:
    """Once the site is written, remember what its ledger and graph pages show."""
    shown = getattr(app.env, "runnable_shown_written", set())
    if exception or app.builder.format != "html" or not shown:
        return
    path = record_path(app)
    written = json.loads(path.read_text()) if path.exists() else {}
    written.update(dict.fromkeys(shown, app.env.runnable_shown_digest))
    path.write_text(json.dumps(written, indent=1))


def merge_dynamic_docs(app: Sphinx, env, docnames: set[str], other) -> None:
    """Pages read in parallel processes."""
    found = getattr(other, "runnable_dynamic_docs", set()) & docnames
    if found:
        env.runnable_dynamic_docs = getattr(env, "runnable_dynamic_docs", set()) | found


def setup(app: Sphinx) -> None:
    app.add_node(ledger_placeholder)
    app.add_node(graph_placeholder)
    app.add_directive("reproduction-ledger", LedgerDirective)
    app.add_directive("prerequisite-graph", GraphDirective)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("env-get-updated", on_env_get_updated)
    app.connect("env-merge-info", merge_dynamic_docs)
    app.connect("build-finished", record_written)
