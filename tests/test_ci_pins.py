"""CI installs exact versions (.ci/constraints.txt), so a new release of a dependency cannot
break it overnight (issue 11). Every dependency the project names must be pinned there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt: {line!r} is not an exact pin (name==version)"
            pins[_name(name).replace(".", "-")] = version
    return pins


def test_every_declared_dependency_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    pins = _pins()
    missing = [r for r in declared if _name(r).replace(".", "-") not in pins]
    assert not missing, f"not pinned in .ci/constraints.txt: {missing}"


def test_ci_run_installs_with_the_constraints():
    run = (ROOT / ".ci" / "run").read_text()
    assert "-c .ci/constraints.txt" in run
