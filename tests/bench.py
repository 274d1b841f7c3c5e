"""`make bench`: each chapter's run time, peak memory and claim values, and the build times.

Writes _build/bench/bench.json and _build/bench/bench.md and prints the table. Budgets: a
chapter <= 30 s and <= 2 GB on 2 cores; one-chapter rebuild <= 60 s; `make test` <= 30 min
for 60 chapters (projected from the measured chapter times).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from run_chapter import measure

from runnable_book.cards import chapter_paths

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "bench"
CHAPTER_SECONDS, CHAPTER_MB, REBUILD_SECONDS, TEST_MINUTES_FOR_60 = 30, 2048, 60, 30
BUILD = [str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT), "--warningiserror",
         "--nitpick", "--keep-going", "--path-output", str(OUT / "site")]


def timed_build() -> float:
    start = time.perf_counter()
    done = subprocess.run(BUILD, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"build failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def one_chapter_rebuild(chapter: Path) -> float:
    """Rebuild after a code edit in one chapter (it re-executes; the others come from the cache)."""
    original = chapter.read_text(encoding="utf-8")
    try:
        chapter.write_text(original + "\n```{code-cell} python\n# bench edit\n```\n", encoding="utf-8")
        return timed_build()
    finally:
        chapter.write_text(original, encoding="utf-8")


def markdown_table(rows: list[dict], builds: dict) -> str:
    lines = ["| chapter | wall s | kernel CPU s | peak MB | within budget | claims (measured / tolerance) |",
             "|---|---:|---:|---:|---|---|"]
    for r in rows:
        claims = "; ".join(f"{c['measured']} / {c['tolerance']}" for c in r.get("claims", []))
        ok = r.get("wall_s", 1e9) <= CHAPTER_SECONDS and r.get("peak_mb", 1e9) <= CHAPTER_MB
        lines.append(f"| {r['chapter']} | {r.get('wall_s', '—')} | {r.get('kernel_cpu_s', '—')} | "
                     f"{r.get('peak_mb', '—')} | {'yes' if ok and not r.get('error') else 'NO'} | "
                     f"{claims or r.get('error', '')[:80]} |")
    lines += ["", f"- clean build: {builds['clean_build_s']:.0f} s",
              f"- one-chapter rebuild: {builds['one_chapter_rebuild_s']:.0f} s (budget {REBUILD_SECONDS} s)",
              f"- chapter execution in `make test` (nbval + site build, two workers) projected for "
              f"60 chapters: {builds['projected_test_min_60']:.1f} min (budget {TEST_MINUTES_FOR_60} min "
              "for the whole suite; the browser tests add about 20 s per page)"]
    return "\n".join(lines)


def main() -> None:
    chapters = chapter_paths(ROOT)
    rows = []
    for chapter in chapters:
        rows.append(measure(chapter, seed=0))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    shutil.rmtree(OUT / "site", ignore_errors=True)
    builds = {"clean_build_s": timed_build(), "one_chapter_rebuild_s": one_chapter_rebuild(chapters[0])}
    mean_wall = sum(r.get("wall_s", 0) for r in rows) / len(rows)
    # nbval and the site build each execute every chapter; two workers share the work.
    builds["projected_test_min_60"] = (60 * mean_wall * 2 / 2 + builds["clean_build_s"]
                                       - len(rows) * mean_wall) / 60
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench.json").write_text(json.dumps({"chapters": rows, "builds": builds}, indent=2,
                                               ensure_ascii=False))
    table = markdown_table(rows, builds)
    (OUT / "bench.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
