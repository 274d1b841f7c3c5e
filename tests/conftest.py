"""Shared fixtures: the built site (built once per test run, whichever worker asks first)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"


def build_once(target: str, output: Path, run_id: str) -> Path:
    """Run `make <target>` once per test run; other workers wait for it and reuse the result."""
    BUILD.mkdir(exist_ok=True)
    stamp = BUILD / f".{target}.run"
    with open(BUILD / f".{target}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text() == run_id):
            stamp.unlink(missing_ok=True)
            done = subprocess.run(["make", "-s", target], cwd=ROOT, capture_output=True, text=True)
            log = done.stdout + done.stderr
            (BUILD / f"{target}.log").write_text(log)
            if done.returncode != 0:
                pytest.fail(f"`make {target}` failed:\n{log[-6000:]}")
            stamp.write_text(run_id)
    return output


@pytest.fixture(scope="session")
def run_id() -> str:
    """One id per test run, shared by all pytest-xdist workers."""
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex


@pytest.fixture(scope="session")
def site(run_id: str) -> Path:
    """_build/html, built with warnings as errors."""
    return build_once("html", BUILD / "html", run_id)


@pytest.fixture(scope="session")
def student_site(run_id: str) -> Path:
    return build_once("html-student", BUILD / "student" / "_build" / "html", run_id)
