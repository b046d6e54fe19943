"""CI type-checks reconciler/ (issue 13): `.ci/run` runs mypy with pyproject's settings."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_run_runs_mypy_before_the_tests():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    mypy = next(i for i, line in enumerate(lines) if line.startswith("mypy"))
    pytest = next(i for i, line in enumerate(lines) if line.startswith("python -m pytest"))
    assert mypy < pytest


def test_no_override_says_strict():
    # mypy applies `strict = true` in an override to every module (python/mypy#11401), so the
    # strict modules list the flags one by one.
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy["files"] == ["reconciler"]
    assert all("strict" not in override for override in mypy.get("overrides", []))
