"""The Sphinx extension of the Runnable Papers book.

- renders each chapter's paper card (from its front matter) under the chapter title;
- serves plotly.js and MathJax from the site itself, copied from installed packages;
- writes a clean Colab notebook per chapter (git-ignored) that the launch buttons link to;
- builds the reproduction ledger and the prerequisite graph from the executed chapters.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import mathjax
import nbformat
import plotly
from docutils import nodes
from sphinx import addnodes
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_node

from . import KERNEL_ENV, numbering, pages
from .bibliography import PlainBibliography, keep_formatted_references, register_installed_styles
from .cards import arxiv_ids, paper_card, sources_text
from .colab import Context, colab_notebook
from .plotly_mime import FIGURE_CLASS

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
VENDOR = "vendor"
COLAB_RECORD = "colab-notebooks.json"  # in the build folder: what each Colab notebook was made from


def is_chapter(docname: str) -> bool:
    return docname.startswith("chapters/")


def book_root(app: Sphinx) -> Path:
    return Path(app.srcdir)


def on_builder_inited(app: Sphinx) -> None:
    if not hasattr(app.env, "runnable_formatted_references"):
        app.env.runnable_formatted_references = {}
    keep_formatted_references(app.env.runnable_formatted_references)


def on_config_inited(app: Sphinx, config) -> None:
    config.mathjax_path = f"{VENDOR}/mathjax/tex-chtml.js"
    config.html_static_path.append(str(STATIC))
    config.templates_path.append(str(TEMPLATES))
    config.html_favicon = str(STATIC / "favicon.svg")


class RemoveSolutions(SphinxTransform):
    """The student build (BOOK_STUDENT=1) drops every solution, gated ones included.

    sphinx-exercise's own `hide_solutions` leaves the end marker of a gated solution behind,
    which the HTML writer cannot handle; so solutions are removed after they are merged.
    """

    default_priority = 20  # after sphinx-exercise merges gated solutions (priority 10)

    def apply(self) -> None:
        if os.environ.get("BOOK_STUDENT") == "1":
            for node in list(self.document.findall(solution_node)):
                node.parent.remove(node)


def card_field(name: str, *children: nodes.Node) -> nodes.field:
    body = nodes.paragraph("", "", *children)
    return nodes.field("", nodes.field_name("", name), nodes.field_body("", body))


def chapter_xref(stem: str, docname: str) -> addnodes.pending_xref:
    return addnodes.pending_xref("", nodes.inline("", stem), refdomain="std", reftype="doc",
                                 reftarget=f"/chapters/{stem}", refexplicit=False,
                                 refwarn=True, refdoc=docname)


def card_node(card: dict, docname: str) -> nodes.container:
    ids = arxiv_ids(card)
    arxiv = []
    for n, i in enumerate(ids):
        arxiv += [nodes.Text(", ")] * (n > 0) + [
            nodes.reference("", f"arXiv:{i}", refuri=f"https://arxiv.org/abs/{i}")]
    prerequisites = []
    for n, stem in enumerate(card.get("prerequisites") or []):
        prerequisites += [nodes.Text(", ")] * (n > 0) + [chapter_xref(stem, docname)]
    difficulty = int(card["difficulty"])
    fields = nodes.field_list(
        "",
        card_field("Paper", nodes.reference("", card["title"], refuri=f"https://arxiv.org/abs/{ids[0]}")),
        card_field("Authors", nodes.Text(", ".join(card["authors"]))),
        card_field("Published", nodes.Text(f"{card['year']} · {card['venue']} · "), *arxiv),
        card_field("Difficulty", nodes.inline("", "●" * difficulty + "○" * (3 - difficulty),
                                              classes=["difficulty-dots"]),
                   nodes.Text(f" {difficulty} of 3")),
        card_field("Runs in", nodes.Text(f"about {card['minutes']} min on a laptop CPU")),
        card_field("Prerequisites", *(prerequisites or [nodes.Text("none in this book")])),
        card_field("Background", nodes.Text(str(card["background"]))),
        card_field("Checked against", nodes.Text(sources_text(card))),
    )
    return nodes.container("", fields, classes=["paper-card"])


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if docname == app.config.root_doc:
        # An edit of the site's own CSS or scripts rewrites the root page, and so reaches the site
        # (Sphinx copies static files only when it writes a page).
        for path in STATIC.rglob("*"):
            app.env.note_dependency(str(path))
    if not is_chapter(docname):
        return
    section = doctree.next_node(nodes.section)
    card = paper_card(Path(app.env.doc2path(docname)))
    if section is not None and card:
        section.insert(1, card_node(card, docname))


def executed_dir(app: Sphinx) -> Path:
    return Path(app.outdir).parent / "jupyter_execute"


def glued_text(app: Sphinx, docname: str) -> dict[str, str]:
    path = executed_dir(app) / f"{docname}.glue.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: output.get("data", {}).get("text/plain", "") for key, output in data.items()}


def colab_context(app: Sphinx, docname: str, bibliography: PlainBibliography,
                  links: dict[str, list[str]]) -> Context:
    """The conversion's view of the book; every link it resolves is recorded in `links`."""
    def link(target: str) -> tuple[str, str]:
        links[target] = list(book_link(app, docname, target))
        return tuple(links[target])

    return Context(cite=bibliography.cite, link=link, glue=glued_text(app, docname),
                   references=bibliography.reference_list)


def book_link(app: Sphinx, docname: str, target: str) -> tuple[str, str]:
    """The title and site URL of a label or page that a chapter links to."""
    env = app.env
    site = app.config.runnable_site_url.rstrip("/")
    labels = env.domaindata["std"]["labels"]
    if target in labels:
        doc, anchor, title = labels[target]
        return title, f"{site}/{doc}.html#{anchor}"
    doc = target.lstrip("/") if "/" in target else f"chapters/{target}"
    if doc in env.titles:
        return env.titles[doc].astext(), f"{site}/{doc}.html"
    raise ValueError(f"{docname}: no label or page {target!r} to link to")


def colab_path(app: Sphinx, docname: str) -> Path:
    return Path(app.env.doc2path(docname)).with_suffix(".ipynb")


def shared_colab_inputs(app: Sphinx) -> bytes:
    """What every chapter's notebook is made of: the bibliography, the site's address, the
    converter and the pinned packages."""
    files = [book_root(app) / f for f in app.config.bibtex_bibfiles]
    files += [book_root(app) / "requirements.txt"]
    files += [Path(__file__).parent / f for f in ("colab.py", "bibliography.py", "cards.py")]
    digest = hashlib.sha256(app.config.runnable_site_url.encode())
    for path in files:
        digest.update(path.read_bytes() if path.exists() else b"\0missing")
    return digest.digest()


def colab_inputs_digest(app: Sphinx, docname: str, source: str, shared: bytes) -> str:
    """What a chapter's notebook is made of, besides the pages it links to: its source, its glued
    values and what every notebook is made of."""
    digest = hashlib.sha256(shared + source.encode())
    glue = executed_dir(app) / f"{docname}.glue.json"
    digest.update(glue.read_bytes() if glue.exists() else b"\0missing")
    return digest.hexdigest()


def links_unchanged(app: Sphinx, docname: str, made: dict) -> bool:
    try:
        return all(list(book_link(app, docname, t)) == v for t, v in made["links"].items())
    except ValueError:  # a target is gone: convert again, which reports it
        return False


def on_env_updated(app: Sphinx, env) -> None:
    """Write the clean notebooks beside the chapters, where the launch buttons look for them.

    Converting every chapter on every build costs seconds; a notebook is made again only when
    what it is made of changed: its inputs, or the title or address of a page it links to.
    """
    if app.builder.format != "html":
        return
    record_path = Path(app.outdir).parent / COLAB_RECORD
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    site = app.config.runnable_site_url.rstrip("/")
    bibliography = None
    shared = shared_colab_inputs(app)
    for docname in sorted(d for d in env.found_docs if is_chapter(d)):
        source = Path(env.doc2path(docname)).read_text(encoding="utf-8")
        inputs = colab_inputs_digest(app, docname, source, shared)
        made = record.get(docname, {})
        target = colab_path(app, docname)
        if target.exists() and made.get("inputs") == inputs and links_unchanged(app, docname, made):
            continue
        if bibliography is None:
            # the entries sphinxcontrib-bibtex parsed from the same files
            bibliography = PlainBibliography(env.get_domain("cite").bibdata.data.entries)
        links: dict[str, list[str]] = {}
        ctx = colab_context(app, docname, bibliography, links)
        notebook = colab_notebook(source, f"{site}/{docname}.html", ctx)
        # Written whole, then moved into place: the student build may write the same file at once.
        partial = target.with_suffix(f".{os.getpid()}.partial")
        nbformat.write(notebook, str(partial))
        partial.replace(target)
        record[docname] = {"inputs": inputs, "links": links}
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=1))


def book_outline(env) -> str:
    """What every page shows of the others: the table of contents and the pages' titles (in the
    sidebar, the previous/next links and links to pages)."""
    outline = [sorted(env.toctree_includes.items()),
               sorted((doc, title.astext()) for doc, title in env.titles.items())]
    return hashlib.sha256(json.dumps(outline).encode()).hexdigest()


def pages_showing_the_outline(app: Sphinx, env) -> list[str]:
    """Sphinx writes only the pages that changed: when a title or the table of contents changes,
    every page is written again (from what was read before)."""
    outline, before = book_outline(env), getattr(env, "runnable_outline", None)
    env.runnable_outline = outline
    return sorted(env.found_docs) if before not in (None, outline) else []


def forget_a_build_that_warned(app: Sphinx, exception) -> None:
    """After a build that warned, the next one reads every page again, and so warns again.

    Sphinx does this for a build that raised; a page that only warned would otherwise not be read
    again, and the next build would pass without its warning."""
    if app._warncount:  # Sphinx's own count of the warnings that were not suppressed
        Path(app.doctreedir, ENV_PICKLE_FILENAME).unlink(missing_ok=True)


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict,
                         doctree) -> None:
    # docutils marks the citation list role="list" without listitem children (an ARIA error)
    if "body" in context:
        context["body"] = context["body"].replace('<div role="list" class="citation-list">',
                                                  '<div class="citation-list">')
    if FIGURE_CLASS in context.get("body", ""):
        app.add_js_file(f"{VENDOR}/plotly.min.js", priority=400)
        app.add_js_file("plotly-figures.js", priority=401)


def vendor_assets(outdir: Path) -> None:
    static = outdir / "_static" / VENDOR
    static.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", static)
    mathjax_es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    shutil.copytree(mathjax_es5, static / "mathjax", dirs_exist_ok=True)


def on_build_finished(app: Sphinx, exception) -> None:
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    vendor_assets(outdir)
    for docname in (d for d in app.env.found_docs if is_chapter(d)):
        target = outdir / "_sources" / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(colab_path(app, docname), target)


def code_version() -> int:
    """Sphinx reads every page again when an extension's env_version changes: here, whenever
    this package's code does (it shapes what is kept from each page)."""
    package = Path(__file__).parent
    code = b"".join(path.read_bytes() for path in sorted(package.glob("*.py")))
    return int(hashlib.sha256(code).hexdigest()[:12], 16)


def setup(app: Sphinx) -> dict:
    os.environ.update(KERNEL_ENV)  # inherited by the kernels that execute the chapters
    register_installed_styles()
    app.add_config_value("runnable_site_url", "", "html")
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("doctree-read", on_doctree_read)
    app.add_transform(RemoveSolutions)
    app.connect("env-updated", on_env_updated)
    app.connect("html-page-context", on_html_page_context)
    app.connect("build-finished", on_build_finished)
    app.connect("build-finished", forget_a_build_that_warned)
    app.connect("env-get-updated", pages_showing_the_outline)
    app.add_css_file("runnable-book.css")
    pages.setup(app)
    numbering.setup(app)
    return {"version": "0.1", "env_version": code_version(), "parallel_read_safe": True,
            "parallel_write_safe": True}
