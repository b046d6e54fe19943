"""The plan core is pure (STYLE 12): no I/O, clock, randomness or HTTP in these modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reconciler.plan as plan_module

CORE = [
    "plan.py",
    "plan_parts.py",
    "guards.py",
    "normalize.py",
    "diff.py",
    "render.py",
    "render_common.py",
    "render_text.py",
    "render_markdown.py",
]
FORBIDDEN = {
    "os",
    "sys",
    "io",
    "time",
    "random",
    "datetime",
    "pathlib",
    "subprocess",
    "socket",
    "httpx",
    "click",
    "rich",
    "reconciler.shoptet",
    "reconciler.sandbox",
    "reconciler.live",
    "reconciler.apply",
    "reconciler.cli",
}
PACKAGE = Path(plan_module.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_nothing_impure(module):
    bad = {
        name
        for name in imported_modules(PACKAGE / module)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"{module} imports {sorted(bad)}"


@pytest.mark.parametrize("module", CORE)
def test_core_module_stays_small(module):
    assert len((PACKAGE / module).read_text(encoding="utf-8").splitlines()) <= 450


def test_plan_exports_what_it_lists():
    assert all(hasattr(plan_module, name) for name in plan_module.__all__)
