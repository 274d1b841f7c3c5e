"""Turn a MyST chapter into a clean notebook for Colab and plain Jupyter.

Markdown cells lose their MyST syntax (directives, roles, labels); code cells stay exactly the
chapter's code, after one setup cell that installs, only inside Colab, what Colab lacks.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from dataclasses import dataclass, field
from typing import Callable

import nbformat
from myst_nb.core.variables import format_plain_text

from .cards import sources_text

# Modules a fresh Colab runtime already has (besides Python's standard library); installing them
# again would force a restart.
COLAB_PREINSTALLED = {"IPython", "google", "matplotlib", "numpy", "pandas", "plotly", "scipy", "sklearn",
                      "torch"} | set(sys.stdlib_module_names)
# PyPI names and the extra modules a module needs at run time (myst_nb.glue needs docutils).
PYPI_NAME = {"myst_nb": "myst-nb", "docutils": "docutils", "yaml": "PyYAML"}
NEEDS = {"myst_nb": ["docutils"]}

ADMONITIONS = {"note", "tip", "important", "warning", "caution", "attention", "hint", "seealso",
               "danger", "error", "admonition"}
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<body>[^`]*)`")
LABEL_LINE = re.compile(r"^\([\w.:-]+\)=\s*$")
EQUATION_LABEL = re.compile(r"^\$\$\s*\((?P<label>[\w.:-]+)\)\s*$")


@dataclass
class Context:
    """What the conversion needs from the built book."""

    cite: Callable[[list[str], bool], str]
    link: Callable[[str], tuple[str, str]]  # label -> (title, url)
    glue: dict[str, str] = field(default_factory=dict)
    references: Callable[[list[str]], str] = lambda keys: ""
    equations: dict[str, int] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)
    exercise_count: int = 0


def setup_cell_source(code_cells: list[str]) -> str:
    """A cell that, only in Colab, pip-installs the chapter's imports that Colab lacks."""
    missing = sorted(m for m in imported_modules(code_cells) if m not in COLAB_PREINSTALLED)
    for module in list(missing):
        missing += [m for m in NEEDS.get(module, []) if m not in missing]
    pins = [f"{PYPI_NAME.get(m, m)}=={importlib.metadata.version(PYPI_NAME.get(m, m))}"
            for m in sorted(missing)]
    needed = ", ".join(f'"{m}": "{pin}"' for m, pin in zip(sorted(missing), pins))
    return (
        "# Setup for Google Colab: install what a fresh Colab runtime lacks (nothing elsewhere).\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n\n"
        f"NEEDED = {{{needed}}}\n"
        'if "google.colab" in sys.modules:\n'
        "    missing = [pin for module, pin in NEEDED.items() if importlib.util.find_spec(module) is None]\n"
        "    if missing:\n"
        '        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", *missing], check=True)\n'
    )


def imported_modules(code_cells: list[str]) -> set[str]:
    modules = set()
    for source in code_cells:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


def convert_roles(text: str, ctx: Context) -> str:
    def replace(match: re.Match) -> str:
        name, body = match["name"], match["body"]
        if name in ("cite", "cite:p", "cite:t"):
            return ctx.cite([k.strip() for k in body.split(",")], name == "cite:t")
        if name == "eq":
            return f"({ctx.equations.get(body, '?')})"
        if name in ("ref", "numref", "doc"):
            explicit = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^>]+)>$", body)
            target = explicit["target"] if explicit else body
            title, url = ctx.link(target)
            return f"[{explicit['text'] if explicit else title}]({url})"
        if name.startswith("glue"):
            key, _, fmt = body.partition(":")
            value = ctx.glue.get(key)
            if value is None:
                raise ValueError(f"glued value {key!r} not found")
            return format_plain_text(value, fmt)  # as the site shows it
        if name in ("math",):
            return f"${body}$"
        raise ValueError(f"MyST role {{{name}}} has no plain-Markdown conversion")

    return ROLE.sub(replace, text)


def convert_directive(name: str, arg: str, body: str, ctx: Context) -> str:
    body = body.strip("\n")
    if name in ADMONITIONS:
        title = arg if name == "admonition" else name.capitalize()
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
        return f"> **{title}**\n>\n{quoted}"
    if name in ("exercise", "exercise-start"):
        ctx.exercise_count += 1
        heading = f"**Exercise {ctx.exercise_count}**" + (f": {arg}" if arg else "")
        return f"{heading}\n\n{body}" if body else heading
    if name == "solution":
        return f"<details>\n<summary>Solution</summary>\n\n{body}\n\n</details>"
    if name == "solution-start":
        return "**Solution** (run the cells below after trying the exercise yourself)"
    if name in ("solution-end", "exercise-end"):
        return ""
    if name == "math":
        return f"$$\n{body}\n$$"
    if name == "bibliography":
        return ctx.references(ctx.cited)
    if name in ("code-block", "code"):
        return f"```{arg}\n{body}\n```"
    raise ValueError(f"MyST directive {{{name}}} has no plain-Markdown conversion")


def without_options(lines: list[str]) -> list[str]:
    while lines and re.match(r"^:[\w-]+:", lines[0]):
        lines = lines[1:]
    return lines


def plain_markdown(text: str, ctx: Context) -> str:
    """MyST Markdown to plain (Jupyter/Colab) Markdown."""
    for match in ROLE.finditer(text):
        if match["name"].startswith("cite"):
            ctx.cited += [k.strip() for k in match["body"].split(",") if k.strip() not in ctx.cited]
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        opener = FENCE.match(line)
        if opener:
            fence = opener["fence"]
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == fence)
            inner = plain_markdown("\n".join(without_options(lines[i + 1:end])), ctx)
            out.append(convert_directive(opener["name"], opener["arg"].strip(), inner, ctx))
            i = end + 1
            continue
        if LABEL_LINE.match(line) or line.lstrip().startswith("% "):
            i += 1
            continue
        label = EQUATION_LABEL.match(line)
        if label:
            out.append(f"\\tag{{{ctx.equations[label['label']]}}}")
            out.append("$$")
            i += 1
            continue
        out.append(line)
        i += 1
    return convert_roles("\n".join(out), ctx)


def number_equations(text: str) -> dict[str, int]:
    labels = [m["label"] for m in map(EQUATION_LABEL.match, text.splitlines()) if m]
    return {label: n for n, label in enumerate(labels, start=1)}


def card_markdown(card: dict, page_url: str, ctx: Context) -> str:
    ids = card.get("arxiv")
    ids = ids if isinstance(ids, list) else [ids]
    arxiv = ", ".join(f"[arXiv:{i}](https://arxiv.org/abs/{i})" for i in ids)
    prerequisites = ", ".join(f"[{ctx.link(p)[0]}]({ctx.link(p)[1]})" for p in card["prerequisites"])
    return (
        f"**Paper:** {card['title']}  \n"
        f"**Authors:** {', '.join(card['authors'])} ({card['year']}, {card['venue']}), {arxiv}  \n"
        f"**Difficulty:** {card['difficulty']}/3 · **Runs in:** about {card['minutes']} min on a CPU  \n"
        f"**Prerequisites:** {prerequisites or 'none'} · **Background:** {card['background']}  \n"
        f"**Checked against:** {sources_text(card)}  \n"
        f"This notebook is generated from the chapter of [Runnable Papers]({page_url}); "
        "read it there with its figures rendered."
    )


def colab_notebook(source: str, page_url: str, ctx: Context) -> nbformat.NotebookNode:
    """The clean notebook of a chapter given its MyST source."""
    import jupytext  # slow to import; most builds make no notebook

    notebook = jupytext.reads(source, fmt="md:myst")
    ctx.equations = number_equations(source)
    card = notebook.metadata.get("paper", {})
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(cell.source))
            continue
        markdown = plain_markdown(cell.source, ctx).strip()
        title, _, rest = markdown.partition("\n") if markdown.startswith("# ") else ("", "", markdown)
        if title:
            cells += [nbformat.v4.new_markdown_cell(title),
                      nbformat.v4.new_markdown_cell(card_markdown(card, page_url, ctx)),
                      nbformat.v4.new_code_cell(setup_cell_source(code))]
        if rest.strip():
            cells.append(nbformat.v4.new_markdown_cell(rest.strip()))
    for n, cell in enumerate(cells):  # ids by position, not random: the same chapter, the same bytes
        cell.id = f"cell-{n}"
    result = nbformat.v4.new_notebook(cells=cells)
    result.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    return result
