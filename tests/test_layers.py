"""The module map holds (issue 13): no import cycles among reconciler modules, nothing but the
CLI imports the CLI, the core (desired, plan, render) imports no HTTP, CLI or file-writing
module, and every module whose docstring says it is pure imports nothing impure. Read from the
source with ast, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"

# Never in the core: HTTP, the terminal, and our own modules that talk to Shoptet, write files
# or run the workflow (importer writes YAML, apply writes the journal, live writes the cache).
NOT_IN_CORE = {
    "httpx",
    "click",
    "rich",
    "socket",
    "reconciler.shoptet",
    "reconciler.sandbox",
    "reconciler.cli",
    "reconciler.live",
    "reconciler.apply",
    "reconciler.importer",
}
# Never in a pure module: any I/O, clock or randomness at all; of our own modules only other
# pure ones and these.
NOT_IN_PURE = NOT_IN_CORE | {
    "os",
    "sys",
    "io",
    "time",
    "random",
    "datetime",
    "pathlib",
    "subprocess",
    "tempfile",
    "shutil",
    "tarfile",
    "threading",
    "concurrent",
}
PURE_MAY_USE = {"reconciler", "reconciler.model", "reconciler.errors"}
PURE_PACKAGES = ("reconciler.plan", "reconciler.render")
CORE = ("reconciler.desired", "reconciler.plan", "reconciler.render")


@cache
def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _runtime_nodes(tree: ast.AST):
    """Every node, except those under ``if TYPE_CHECKING:`` (never executed)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def imports(name: str) -> set[str]:
    """Every module ``name`` imports when it runs, at any depth of its code (type-checking
    imports aside); ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a
    module."""
    known = modules()
    found = set()
    for node in _runtime_nodes(ast.parse(known[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names} & known.keys()
            found.update(subs)
            if len(subs) < len(node.names):
                found.add(node.module)
    return found - {name}


def under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_there_are_no_import_cycles():
    known = modules()
    graph = {m: {i for i in imports(m) if i in known} for m in known}
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for m in sorted(known):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_only_the_cli_imports_the_cli():
    offenders = {
        m: sorted(i for i in imports(m) if under(i, ["reconciler.cli"]))
        for m in modules()
        if not under(m, ["reconciler.cli", "reconciler.__main__"])
    }
    assert not {m: i for m, i in offenders.items() if i}


@pytest.mark.parametrize("module", sorted(m for m in modules() if under(m, CORE)))
def test_the_core_imports_no_http_cli_or_file_writing_module(module):
    bad = sorted(i for i in imports(module) if under(i, NOT_IN_CORE))
    assert not bad, f"{module} imports {bad}"


def _says_pure(name: str) -> bool:
    doc = ast.get_docstring(ast.parse(modules()[name].read_text(encoding="utf-8"))) or ""
    first = doc.split("\n\n")[0].lower()
    return "pure" in first.replace(".", " ").replace(":", " ").split()


PURE = sorted(m for m in modules() if under(m, PURE_PACKAGES) or _says_pure(m))


def test_the_pure_modules_are_found():
    assert {
        "reconciler.plan.diff",
        "reconciler.plan.normalize",
        "reconciler.apply.check",
        "reconciler.live.convert",
        "reconciler.shoptet.policy",
    } <= set(PURE)


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_imports_nothing_impure(module):
    ours = {i for i in imports(module) if under(i, ["reconciler"])}
    outside = [f for f in NOT_IN_PURE if not under(f, ["reconciler"])]
    bad = sorted(i for i in imports(module) if under(i, outside))
    bad += sorted(i for i in ours - PURE_MAY_USE if i not in PURE)
    assert not bad, f"{module} is pure but imports {bad}"
