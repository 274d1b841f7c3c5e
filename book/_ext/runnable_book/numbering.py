"""Exercises (and any captioned figure, table or code block) are numbered within their page.

A chapter and its Colab notebook count exercises from 1, and so does the site. Sphinx's numfig,
which sphinx-exercise turns on, numbers them through the whole book instead, and to do it loads
the doctree of every page on every build, outputs included: seconds at forty chapters, even when
nothing changed. Here each page's numbered nodes are listed once, when the page is read, and
the numbers are made from those lists (plain numbers: the book has no numbered sections to
prefix them with).

sphinx-exercise also keeps every exercise and solution node in the build environment together
with the whole page it sits in, which the environment pickle then carries (20 MB at 37 chapters,
a second and a half to load on each build); the nodes alone are enough for what it does with them.
"""

from __future__ import annotations

from collections import Counter

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx_external_toc.collectors import TocTreeCollectorWithStyles


def figure_type(env: BuildEnvironment, node: nodes.Element) -> str | None:
    """The kind of number a node gets, as Sphinx decides it: a standard-domain figure, table or
    code block only when it has a caption."""
    for domain in env.domains.values():
        figtype = domain.get_enumerable_node_type(node)
        if figtype and (domain.name != "std" or domain.get_numfig_title(node)):
            return figtype
    return None


def numbered_nodes(env: BuildEnvironment, doctree: nodes.document) -> list[tuple[str, str]]:
    """(kind, id) of each node on the page that gets a number, in reading order."""
    found = []
    for node in doctree.findall(nodes.Element):
        figtype = figure_type(env, node)
        if figtype and node["ids"]:
            found.append((figtype, node["ids"][0]))
    return found


def page_numbers(found: list[tuple[str, str]]) -> dict[str, dict[str, tuple[int]]]:
    numbers: dict[str, dict[str, tuple[int]]] = {}
    counts: Counter[str] = Counter()
    for figtype, node_id in found:
        counts[figtype] += 1
        numbers.setdefault(figtype, {})[node_id] = (counts[figtype],)
    return numbers


class PageNumbering(TocTreeCollectorWithStyles):
    """The table-of-contents collector of jupyter-book's _toc.yml (sphinx-external-toc), with
    figure numbers counted within each page."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        super().clear_doc(app, env, docname)
        numbered(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames: set[str],
                    other: BuildEnvironment) -> None:
        super().merge_other(app, env, docnames, other)
        for docname in docnames:
            numbered(env)[docname] = numbered(other)[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        super().process_doc(app, doctree)
        numbered(app.env)[app.env.docname] = numbered_nodes(app.env, doctree)

    def assign_figure_numbers(self, env: BuildEnvironment) -> list[str]:
        """The pages whose numbers changed (they are written again)."""
        if not env.config.numfig:
            return []
        old, env.toc_fignumbers = env.toc_fignumbers, {}
        for docname, found in numbered(env).items():
            if found:
                env.toc_fignumbers[docname] = page_numbers(found)
        return sorted(d for d in old.keys() | env.toc_fignumbers.keys()
                      if old.get(d) != env.toc_fignumbers.get(d))


def numbered(env: BuildEnvironment) -> dict[str, list[tuple[str, str]]]:
    if not hasattr(env, "runnable_numbered_nodes"):
        env.runnable_numbered_nodes = {}
    return env.runnable_numbered_nodes


def detached(node: nodes.Element) -> nodes.Element:
    copy = node.deepcopy()
    for node_or_text in copy.findall():
        node_or_text.document = None
    return copy


def note_pages_to_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    env.runnable_pages_read = set(docnames)


def slim_exercise_registry(app: Sphinx, env: BuildEnvironment) -> None:
    for entry in getattr(env, "sphinx_exercise_registry", {}).values():
        if entry["docname"] in env.runnable_pages_read:
            entry["node"] = detached(entry["node"])


def setup(app: Sphinx) -> None:
    app.setup_extension("sphinx_external_toc")  # its collector is the one replaced here
    enabled = {getattr(listener.handler, "__self__", None)
               for listener in app.events.listeners["env-get-updated"]}
    for collector in enabled:
        if isinstance(collector, TocTreeCollector):
            collector.disable(app)
    app.add_env_collector(PageNumbering)
    app.connect("env-before-read-docs", note_pages_to_read)
    app.connect("env-updated", slim_exercise_registry)
