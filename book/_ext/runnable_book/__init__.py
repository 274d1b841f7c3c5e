"""Runnable Papers' own code: the Sphinx extension (`extension`), the chapter executor
(`python -m runnable_book.execute`), paper cards and the Colab conversion.

This module stays light: the executor, the chapter runner and the test suite import the package
without loading Sphinx.
"""

from __future__ import annotations

# Kernels that execute chapters: one BLAS/torch thread, plotly's MIME output (drawn by the site).
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PLOTLY_RENDERER": "plotly_mimetype"}


def setup(app):  # Sphinx loads the extension as `runnable_book`
    from .extension import setup as setup_extension
    return setup_extension(app)
