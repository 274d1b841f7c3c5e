"""Execute chapters the way the book does and report time, memory and claim values.

    python tests/run_chapter.py chapters/36-rectified-flow.md --seeds 0 1 2

Each run executes the chapter in a fresh kernel (one BLAS/torch thread, BOOK_SEED set) inside a
child process, so that its wall time, kernel CPU time and peak memory are measured alone.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from myst_nb.ext.glue import extract_glue_data_cell
from nbclient.exceptions import CellExecutionError

from runnable_book import KERNEL_ENV


def claim_ledger(notebook: nbformat.NotebookNode) -> list[dict]:
    """The chapter's glued claim_ledger (myst-nb's own glue extraction)."""
    for cell in notebook.cells:
        for key, output in extract_glue_data_cell(cell) if cell.cell_type == "code" else []:
            if key == "claim_ledger":
                return ast.literal_eval(output["data"]["text/plain"])
    return []


def execute(path: Path, seed: int, timeout: int) -> dict:
    """Run one chapter in this process; called in a child process by `measure`."""
    os.environ.update({**KERNEL_ENV, "BOOK_SEED": str(seed)})
    notebook = jupytext.read(path)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc)[-3000:]
    wall = time.perf_counter() - start
    kernel = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "chapter": path.name,
        "seed": seed,
        "wall_s": round(wall, 2),
        "kernel_cpu_s": round(kernel.ru_utime + kernel.ru_stime, 2),
        "peak_mb": round(kernel.ru_maxrss / 1024),
        "claims": claim_ledger(notebook),
        "error": error,
    }


def measure(path: Path, seed: int, timeout: int = 600) -> dict:
    """Run one chapter in a fresh child process and return what `execute` measured."""
    out = subprocess.run(
        [sys.executable, __file__, str(path), "--child", "--seeds", str(seed), "--timeout", str(timeout)],
        capture_output=True, text=True, check=False,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return {"chapter": path.name, "seed": seed, "error": out.stderr[-3000:]}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(execute(args.chapters[0], args.seeds[0], args.timeout)))
        return 0
    failed = False
    for path in args.chapters:
        for seed in args.seeds:
            result = measure(path, seed, args.timeout)
            failed |= bool(result.get("error"))
            print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
