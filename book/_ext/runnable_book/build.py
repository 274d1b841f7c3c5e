"""`make html`'s Sphinx step: `jupyter-book build`, then the process ends at once.

    python -m runnable_book.build [jupyter-book build's arguments]

When a build ends, Python frees every object it made one by one (the doctrees of the pages it
wrote, every loaded module): over a second after a one-page rebuild, once every file is written
and closed. Ending the process directly skips that.
"""

from __future__ import annotations

import logging
import os
import sys


def main() -> None:
    from jupyter_book.cli.main import main as jupyter_book

    try:
        jupyter_book(["build", *sys.argv[1:]])
        status = 0
    except SystemExit as done:  # how click ends, success or not
        status = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
