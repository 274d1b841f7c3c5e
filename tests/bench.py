"""`make bench`: the suite's time and each chapter's, measured against the budgets.

1. `make test` from an empty build folder, timed, with each stage's test times (JUnit XML):
   seconds per chapter (its cells under nbval) and per page (its browser test).
2. Each chapter alone (seed 0): wall time, kernel CPU time, peak memory, claim values.
3. The clean site build (`make html` with nothing cached: chapters run on every core, then
   Sphinx), and the rebuild after an edit of one chapter: of its prose (nothing runs), and of its
   code (the chapter runs again: the budget is for the rest, besides the chapter's own run).

Writes _build/bench/bench.json and _build/bench/bench.md, and prints the table.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from run_chapter import measure

from runnable_book.cards import chapter_paths

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
OUT = BUILD / "bench"
CHAPTER_SECONDS, CHAPTER_MB, REBUILD_SECONDS = 30, 2048, 10
SUITE_BASE_SECONDS, SUITE_SECONDS_PER_CHAPTER = 300, 15


def timed(*command: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"`{' '.join(command)}` failed:\n{done.stdout[-4000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def empty_build() -> None:
    """Everything the suite and the site build produce, except this bench's own folder."""
    for path in BUILD.iterdir() if BUILD.exists() else []:
        if path != OUT:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def test_times(junit: Path) -> tuple[dict, dict]:
    """Seconds per chapter (sum over its cells) and per page (its browser test)."""
    chapters: dict[str, float] = defaultdict(float)
    pages: dict[str, float] = {}
    for case in ET.parse(junit / "chapters.xml").iter("testcase"):
        if case.get("classname", "").startswith("chapters."):
            chapters[case.get("classname").split(".")[1]] += float(case.get("time", 0))
    for case in ET.parse(junit / "site.xml").iter("testcase"):
        page = re.match(r"test_page_renders_\w+\[(.+)\]", case.get("name", ""))
        if page:
            pages[page.group(1)] = float(case.get("time", 0))
    return dict(chapters), pages


def site_build() -> dict:
    """`make html`'s two steps, timed apart: running the chapters that changed, then Sphinx."""
    execute = timed(str(ROOT / ".venv/bin/python"), "-m", "runnable_book.execute", "_build")
    flags = os.environ["BUILD_FLAGS"].split()  # the Makefile's, passed by `make bench`
    sphinx = timed(str(ROOT / ".venv/bin/python"), "-m", "runnable_book.build", ".", *flags)
    return {"execute_s": execute, "sphinx_s": sphinx, "total_s": execute + sphinx}


def chapter_run_seconds(chapter: Path) -> float:
    """How long the chapter's latest run took, as jupyter-cache recorded it."""
    from jupyter_cache import get_cache

    cache = get_cache(str(BUILD / ".jupyter_cache"))
    runs = [r for r in cache.list_cache_records() if Path(r.uri) == chapter]
    return max(runs, key=lambda r: r.created).data.get("execution_seconds", 0.0)


def one_chapter_rebuild(chapter: Path, edit: str) -> dict:
    """The site build after an edit of one chapter: a new code cell (the chapter runs again; the
    others come from the cache) or a sentence of prose (nothing runs)."""
    original = chapter.read_text(encoding="utf-8")
    addition = {"code": f"\n```{{code-cell}} python\n# bench edit {time.time()}\n```\n",
                "prose": "\nA sentence added by the bench.\n"}[edit]
    try:
        chapter.write_text(original + addition, encoding="utf-8")
        build = site_build()
    finally:
        chapter.write_text(original, encoding="utf-8")
    build["chapter_run_s"] = chapter_run_seconds(chapter) if edit == "code" else 0.0
    build["rest_s"] = build["total_s"] - build["chapter_run_s"]
    return build


def report(suite: dict, rows: list[dict], builds: dict) -> str:
    n = len(rows)
    budget = SUITE_BASE_SECONDS + SUITE_SECONDS_PER_CHAPTER * n
    lines = [f"## `make test` from an empty build folder: {suite['total_s']:.0f} s "
             f"(budget {SUITE_BASE_SECONDS} + {SUITE_SECONDS_PER_CHAPTER} × {n} chapters = {budget} s): "
             f"{'within' if suite['total_s'] <= budget else 'OVER'}",
             "", f"- stage 1, chapters and checks without the site: {suite['chapters_stage_s']:.0f} s",
             f"- stage 2, site build and its checks: {suite['site_stage_s']:.0f} s",
             f"- per page in the browser: mean {suite['page_mean_s']:.1f} s, max "
             f"{suite['page_max_s']:.1f} s ({suite['page_max']}), {suite['pages']} pages", "",
             "| chapter | in `make test` s | alone: wall s | kernel CPU s | peak MB | within budget | claims (measured / tolerance) |",
             "|---|---:|---:|---:|---:|---|---|"]
    for r in rows:
        claims = "; ".join(f"{c['measured']} / {c['tolerance']}" for c in r.get("claims", []))
        ok = r.get("wall_s", 1e9) <= CHAPTER_SECONDS and r.get("peak_mb", 1e9) <= CHAPTER_MB
        lines.append(f"| {r['chapter']} | {suite['per_chapter_s'].get(Path(r['chapter']).stem, 0):.1f} | "
                     f"{r.get('wall_s', '—')} | {r.get('kernel_cpu_s', '—')} | {r.get('peak_mb', '—')} | "
                     f"{'yes' if ok and not r.get('error') else 'NO'} | {claims or r.get('error', '')[:80]} |")
    total = sum(r.get("wall_s", 0) for r in rows)
    lines += ["", f"- chapters one after the other: {total:.0f} s; on two cores ideally {total / 2:.0f} s",
              f"- clean site build: {builds['clean']['total_s']:.0f} s, of which running the chapters "
              f"{builds['clean']['execute_s']:.0f} s"]
    for edit, what in (("prose", "a sentence added: nothing runs"),
                       ("code", "a code cell added: the chapter runs again")):
        rebuild = builds[f"{edit}_edit"]
        own_run = (f"; the chapter's own run {rebuild['chapter_run_s']:.1f} s, the rest "
                   f"{rebuild['rest_s']:.1f} s" if edit == "code" else "")
        lines.append(f"- one-chapter rebuild, {what}: {rebuild['total_s']:.1f} s (execute step "
                     f"{rebuild['execute_s']:.1f} s, Sphinx {rebuild['sphinx_s']:.1f} s{own_run}; "
                     f"budget {REBUILD_SECONDS} s besides the chapter's own run): "
                     f"{'within' if rebuild['rest_s'] <= REBUILD_SECONDS else 'OVER'}")
    return "\n".join(lines)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    empty_build()
    start = time.perf_counter()
    subprocess.run(["make", "-s", "test", f"JUNIT={OUT}"], cwd=ROOT)
    total = time.perf_counter() - start
    per_chapter, per_page = test_times(OUT)
    chapters_stage = sum(float(s.get("time", 0)) for s in ET.parse(OUT / "chapters.xml").iter("testsuite"))
    site_stage = sum(float(s.get("time", 0)) for s in ET.parse(OUT / "site.xml").iter("testsuite"))
    slowest = max(per_page, key=per_page.get) if per_page else "—"
    suite = {"total_s": total, "chapters_stage_s": chapters_stage, "site_stage_s": site_stage,
             "per_chapter_s": per_chapter, "per_page_s": per_page, "pages": len(per_page),
             "page_mean_s": sum(per_page.values()) / max(len(per_page), 1),
             "page_max_s": per_page.get(slowest, 0), "page_max": slowest}
    rows = []
    for chapter in chapter_paths(ROOT):
        rows.append(measure(chapter, seed=0))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    empty_build()
    builds = {"clean": site_build()}
    for edit in ("prose", "code"):
        builds[f"{edit}_edit"] = one_chapter_rebuild(chapter_paths(ROOT)[0], edit)
    (OUT / "bench.json").write_text(json.dumps({"suite": suite, "chapters": rows, "builds": builds},
                                               indent=2, ensure_ascii=False))
    table = report(suite, rows, builds)
    (OUT / "bench.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
