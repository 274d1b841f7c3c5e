"""Collect the chapters (MyST notebooks) for nbval, without generated .ipynb files.

Each code cell is one test, `chapters/<file>.md::Cell <n>`. A chapter's cells share one kernel
that runs with one BLAS/torch thread; a whole chapter gets NOTEBOOK_TIMEOUT seconds.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

import jupytext
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

from runnable_book import KERNEL_ENV
from runnable_book.cards import CHAPTER_GLOB

NOTEBOOK_TIMEOUT = int(os.environ.get("BOOK_NOTEBOOK_TIMEOUT", 120))
os.environ.update(KERNEL_ENV)
CHAPTERS = Path(__file__).parent / "chapters"
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
        super().runtest()


class ChapterNotebook(IPyNbFile):
    def collect(self):
        self.nb = jupytext.read(self.path)
        code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        for number, cell in enumerate(code_cells):
            yield ChapterCell.from_parent(self, name=f"Cell {number}", cell_num=number, cell=cell,
                                          options=defaultdict(bool, check=False))


def pytest_collect_file(file_path: Path, parent):
    if (parent.config.option.nbval_lax and file_path.parent == CHAPTERS
            and file_path.match(CHAPTER_GLOB)):
        return ChapterNotebook.from_parent(parent, path=file_path)
    return None
