"""The deploy workflow cannot run here: check it is valid and publishes where the links point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def test_workflow_matches_the_github_actions_schema():
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_runs_the_readme_commands_and_reads_the_branch_from_config():
    text = WORKFLOW.read_text(encoding="utf-8")
    jobs = yaml.safe_load(text)["jobs"]
    assert any(step.get("run") == "make test" for step in jobs["test"]["steps"])
    assert any(step.get("run") == "make html" for step in jobs["deploy"]["steps"])
    assert "['repository']['branch']" in text
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"].startswith("https://github.com/")
