"""Execute the chapters into the build's jupyter-cache, on every core, before Sphinx reads them.

myst-nb executes a page when Sphinx reads it, one page after the other. Run first, this fills the
same cache with jupyter-cache's parallel executor (myst-nb's own reader, so the cache keys match);
the build then takes every chapter from the cache. Chapters already cached are not run again.
A chapter whose file, or else whose code (what jupyter-cache's key is made of: the code cells and
the kernel), has not changed since it was last found in the cache is not even handed to
jupyter-cache, whose executor takes seconds to load.

    python -m runnable_book.execute [BUILD_DIR]      # default: _build
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from jupyter_cache import get_cache

from . import KERNEL_ENV
from .cards import chapter_paths

CACHE = ".jupyter_cache"  # jupyter-book's cache folder inside the build directory
READER = {"name": "myst_nb_md", "type": "plugin"}  # myst-nb's reader for MyST notebooks
TIMEOUT = 300  # seconds per chapter, as execute.timeout in _config.yml
# Inside the cache folder, so that it goes when the cache goes: each chapter's file and code
# digests when the chapter was last found in the cache.
CACHED_SOURCES = "runnable-cached-chapters.json"


def chapter_cache(build: Path):
    return get_cache(str(build / CACHE))


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_digest(path: Path) -> str:
    """Everything of the notebook that jupyter-cache's key is made of, and possibly more."""
    from myst_nb.core.read import myst_nb_reader_plugin

    notebook = myst_nb_reader_plugin(str(path))
    code = [[cell.source, cell.metadata] for cell in notebook.cells if cell.cell_type == "code"]
    text = json.dumps([notebook.metadata.get("kernelspec"), code], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def execute_chapters(root: Path, build: Path) -> list[str]:
    """Run every chapter missing from the cache; return the chapters that failed."""
    record_path = build / CACHE / CACHED_SOURCES
    cached = json.loads(record_path.read_text()) if record_path.exists() else {}
    changed = []
    for path in map(str, chapter_paths(root)):
        before = cached.get(path, {})
        now = {"file": file_digest(Path(path))}
        if before.get("file") != now["file"]:
            now["code"] = code_digest(Path(path))
            if before.get("code") != now["code"]:
                changed.append(path)
            cached[path] = now  # dropped below if the chapter fails to run
    if not changed:
        record_path.write_text(json.dumps(cached, indent=1))
        return []
    from jupyter_cache.executors import load_executor  # slow to import, needed only here

    os.environ.update(KERNEL_ENV)
    cache = chapter_cache(build)
    records = [cache.add_nb_to_project(path, read_data=READER) for path in changed]
    result = load_executor("local-parallel", cache).run_and_cache(
        filter_pks=[r.pk for r in records], timeout=TIMEOUT, allow_errors=False)
    failed = result.excepted + result.errored
    for path in failed:
        cached.pop(path, None)
    record_path.write_text(json.dumps(cached, indent=1))
    return failed


def main() -> None:
    build = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("_build")
    # A chapter that fails here is left out of the cache: the build runs it again and reports
    # its error in full, with the page it belongs to.
    for uri in execute_chapters(Path.cwd(), build):
        print(f"chapter failed to execute (the build will report why): {uri}", file=sys.stderr)


if __name__ == "__main__":
    main()
