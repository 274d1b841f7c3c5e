"""Collect the chapters (MyST notebooks) for nbval, without generated .ipynb files.

Each code cell is one test, `chapters/<file>.md::Cell <n>`. A chapter's cells share one kernel
that runs with one BLAS/torch thread; a whole chapter gets NOTEBOOK_TIMEOUT seconds. A chapter
whose cells all pass goes, with its outputs, into the site build's jupyter-cache, so that the
build does not run it again.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections import defaultdict
from pathlib import Path

import jupytext
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

from jupyter_cache.base import CacheBundleIn

from runnable_book import KERNEL_ENV
from runnable_book.cards import CHAPTER_GLOB
from runnable_book.execute import chapter_cache

NOTEBOOK_TIMEOUT = int(os.environ.get("BOOK_NOTEBOOK_TIMEOUT", 120))
os.environ.update(KERNEL_ENV)
ROOT = Path(__file__).parent
CHAPTERS = ROOT / "chapters"
BUILD = ROOT / "_build"
# The Colab notebooks the build writes beside the chapters are generated copies, not tests.
collect_ignore_glob = ["chapters/*.ipynb"]


class ChapterCell(IPyNbCell):
    def runtest(self):
        notebook = self.parent
        notebook.started = getattr(notebook, "started", None) or time.monotonic()
        remaining = NOTEBOOK_TIMEOUT - (time.monotonic() - notebook.started)
        if remaining <= 0:
            pytest.fail(f"{notebook.path.name} ran past its {NOTEBOOK_TIMEOUT} s budget")
        self.config.option.nbval_cell_timeout = remaining
        try:
            super().runtest()
        except BaseException:
            notebook.failed = True
            raise
        numpy_glued = numpy_scalars_glued(self.test_outputs)
        if numpy_glued:
            notebook.failed = True
            pytest.fail(f"glued numpy scalars {numpy_glued}: glue float(x) or int(x), which the "
                        "book can format")
        self.cell.outputs = self.test_outputs
        self.cell.execution_count = self.cell_num + 1
        if self.cell_num == notebook.last_cell and not getattr(notebook, "failed", False):
            cache_executed(notebook.nb, notebook.path)


def numpy_scalars_glued(outputs) -> list[str]:
    """Glued values whose text is a numpy repr such as `np.float64(0.5)`."""
    found = []
    for output in outputs:
        record = output.get("metadata", {}).get("scrapbook")  # how myst-nb's glue marks a value
        text = record and output.get("data", {}).get(record.get("mime_prefix", "") + "text/plain", "")
        if text and str(text).startswith("np."):
            found.append(record["name"])
    return found


def cache_executed(nb, path: Path) -> None:
    """Store an executed chapter where the site build looks for it (one writer at a time)."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".jupyter_cache.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        chapter_cache(BUILD).cache_notebook_bundle(CacheBundleIn(nb, str(path)),
                                                   check_validity=False, overwrite=True)


class ChapterNotebook(IPyNbFile):
    def collect(self):
        self.nb = jupytext.read(self.path)
        code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        self.last_cell = len(code_cells) - 1
        for number, cell in enumerate(code_cells):
            yield ChapterCell.from_parent(self, name=f"Cell {number}", cell_num=number, cell=cell,
                                          options=defaultdict(bool, check=False))


def pytest_collect_file(file_path: Path, parent):
    if (parent.config.option.nbval_lax and file_path.parent == CHAPTERS
            and file_path.match(CHAPTER_GLOB)):
        return ChapterNotebook.from_parent(parent, path=file_path)
    return None
