"""Helpers for the apply tests: catalogs built as models or written as files, plans made on a
sandbox, the CLI run in-process, and what the sandbox logged. Clients on a sandbox come from
tests/support/sandbox_client.py."""

from __future__ import annotations

import copy
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.desired.load import LoadedCatalog
from reconciler.model import Catalog
from reconciler.pipeline import make_plan
from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import TOKEN, sandbox_client

WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CATALOG = REPO / "catalog"


@cache
def _demo() -> str:
    return json.dumps(Sandbox.from_seed("demo").state())


def demo_state() -> dict:
    """A fresh copy of the demo shop's state (the JSON state format)."""
    return json.loads(_demo())


def loaded(catalog: Catalog, digest: str = "d" * 64) -> LoadedCatalog:
    return LoadedCatalog(catalog=catalog, locations={}, digest=digest)


def plan_of(sb: Sandbox, catalog: Catalog | LoadedCatalog, url: str | None = None):
    lc = catalog if isinstance(catalog, LoadedCatalog) else loaded(catalog)
    with sandbox_client(sb, url, read_only=True) as client:
        return make_plan(client, lc)


def write_requests(sb: Sandbox, since: int = 0) -> list[dict]:
    """Every write request the sandbox received after the first ``since`` log entries (sent,
    whatever the answer)."""
    return [e for e in sb.request_log[since:] if e["method"] in WRITES]


def product_file(products: dict[str, Any]) -> str:
    """A products file (JSON is YAML) from plain data."""
    return json.dumps({"products": products}, ensure_ascii=False, indent=2) + "\n"


def write_catalog(root: Path, products: dict[str, Any], shop: dict | None = None) -> Path:
    """``root/catalog`` with one products file and an optional shop.yaml; returns the dir."""
    cat = root / "catalog"
    (cat / "products").mkdir(parents=True, exist_ok=True)
    (cat / "products" / "products.yaml").write_text(product_file(products), encoding="utf-8")
    if shop is not None:
        (cat / "shop.yaml").write_text(json.dumps(shop) + "\n", encoding="utf-8")
    return cat


def copy_example(root: Path) -> Path:
    """A copy of the example catalog under ``root/catalog``."""
    import shutil

    target = root / "catalog"
    shutil.copytree(EXAMPLE_CATALOG, target)
    return target


class TTYInput:
    """A stdin that says it is a terminal and answers with ``text``."""

    def __init__(self, text: str):
        import io

        self._buf = io.StringIO(text)

    def isatty(self) -> bool:
        return True

    def readline(self, *a):
        return self._buf.readline(*a)

    def read(self, *a):
        return self._buf.read(*a)


def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    cwd: Path,
    args: list[str],
    *,
    url: str,
    token: str = TOKEN,
    stdin: Any = None,
) -> tuple[int, str, str]:
    """Run ``shoptet-catalog ARGS`` in-process against the shop at ``url``: (exit, out, err)."""
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("SHOPTET_API_URL", url)
    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", token)
    monkeypatch.delenv("SHOPTET_OAUTH_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", stdin)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def deep(x):
    return copy.deepcopy(x)
