"""Render plotly figures (`application/vnd.plotly.v1+json` outputs) as interactive HTML.

myst-nb cannot show plotly's MIME type by itself. The figure's JSON goes into the page; one
shared plotly.js (vendored from the installed plotly package) draws every figure of the site.
"""

from __future__ import annotations

import json

from docutils import nodes

PLOTLY_MIME = "application/vnd.plotly.v1+json"
FIGURE_CLASS = "plotly-figure"


def figure_html(figure: dict, element_id: str) -> str:
    payload = json.dumps(figure, separators=(",", ":")).replace("</", "<\\/")
    return (
        f'<div class="{FIGURE_CLASS}" id="{element_id}"></div>\n'
        f'<script type="application/json" class="{FIGURE_CLASS}-data" data-target="{element_id}">'
        f"{payload}</script>"
    )


class PlotlyMimeRenderer:
    """A myst-nb MIME render plugin (entry point `myst_nb.mime_renderers`)."""

    mime_priority_overrides = [("html", PLOTLY_MIME, 5), ("dirhtml", PLOTLY_MIME, 5)]

    @staticmethod
    def handle_mime(renderer, data, inline: bool) -> list[nodes.Element] | None:
        if inline or data.mime_type != PLOTLY_MIME:
            return None
        figure = data.content if isinstance(data.content, dict) else json.loads(data.content)
        env = getattr(renderer.renderer.document.settings, "env", None)
        docname = env.docname if env else "page"
        element_id = f"plotly-{docname.replace('/', '-')}-{data.cell_index}-{data.output_index}"
        return [nodes.raw("", figure_html(figure, element_id), format="html")]
