"""A large catalog's later product files are parsed in a forked child process (issue 16): the
result is exactly a one-process load's (catalog, order, locations, digest, node counts), and
every problem is found and worded as in one process, whichever half holds it; a child that
fails costs time, never a different answer."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.desired import load as load_mod
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError


def guid(i: int) -> str:
    return str(uuid.UUID(int=(0x2C0E << 96) + i))


def product(i: int, code: str | None = None, extra: str = "") -> str:
    code = code or f"P{i}"
    return (
        f"  {guid(i)}:\n    name: Product {i}\n{extra}    variants:\n"
        f"      {code}:\n        price: {100 + i}.50\n        stock: {{1: {i}, 2: 3}}\n"
    )


def write(root: Path, files: list[list[str]]) -> Path:
    catalog = root / "catalog"
    (catalog / "products").mkdir(parents=True)
    (catalog / "shop.yaml").write_text("shop:\n  defaultStock: 1\n")
    for n, blocks in enumerate(files):
        (catalog / "products" / f"f{n:02d}.yaml").write_text("products:\n" + "".join(blocks))
    return catalog


def outcome(catalog: Path, processes: str):
    """What load_catalog gives with SHOPTET_LOAD_PROCESSES=``processes``: everything a
    caller can see, or the problems."""
    os.environ["SHOPTET_LOAD_PROCESSES"] = processes
    try:
        loaded = load_catalog(catalog)
    except CatalogError as err:
        return ("error", err.problems)
    finally:
        del os.environ["SHOPTET_LOAD_PROCESSES"]
    return (
        "ok",
        loaded.catalog,
        list(loaded.catalog.products),
        list(loaded.locations.items()),
        loaded.digest,
        loaded.files,
        loaded.file_hashes,
        loaded.product_nodes,
    )


@pytest.fixture
def forks(monkeypatch):
    """Two processes from the first byte on; the children actually started, counted."""
    started: list[int] = []
    real = load_mod.Forked

    def counted(fn):
        started.append(1)
        return real(fn)

    monkeypatch.setattr(load_mod, "TWO_PROCESSES_FROM_BYTES", 0)
    monkeypatch.setattr(load_mod, "can_fork", lambda: True)
    monkeypatch.setattr(load_mod, "Forked", counted)
    return started


# what a product block may be instead of a fine one, in either half: each kind of problem
_FAULTS = ("bad-price", "guid-again", "code-again", "renamed-to-a-code")


def block(i: int, kind: str) -> str:
    if kind == "bad-price":
        return product(i).replace(f"{100 + i}.50", "12.345")
    if kind == "guid-again":
        return product(0, code=f"P{i}")  # product 0 is declared first, in the first file
    if kind == "code-again":
        return product(i, code="P0")
    if kind == "renamed-to-a-code":
        return product(i).replace("        stock:", "        renamedFrom: P1\n        stock:")
    return product(i)


# the fixture only patches and counts (the count is compared per example): sharing it is fine
@settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=5),
    faults=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_FAULTS)), max_size=2),
)
@example(sizes=[1, 1], faults=[(1.0, "code-again")])  # clean halves sharing a code
@example(sizes=[1, 1], faults=[(1.0, "guid-again")])  # clean halves sharing a GUID
def test_two_processes_give_what_one_gives(sizes, faults, tmp_path_factory, forks):
    total = sum(sizes)
    # each fault at a block after the first (product 0, which the faults refer to)
    kind_at = {1 + round(at * (total - 2)): kind for at, kind in faults}
    files, i = [], 0
    for size in sizes:
        files.append([block(k, kind_at.get(k, "ok")) for k in range(i, i + size)])
        i += size
    catalog = write(tmp_path_factory.mktemp("cat"), files)
    before = len(forks)
    assert outcome(catalog, "2") == outcome(catalog, "1")
    assert len(forks) == before + 1  # the child was used (and not for the one-process load)


def test_a_clean_catalog_is_merged_from_the_child(tmp_path, forks, monkeypatch):
    catalog = write(tmp_path, [[product(i) for i in range(k, k + 3)] for k in (0, 3, 6, 9)])
    parsed_here: list[str] = []
    real = load_mod.load_yaml
    monkeypatch.setattr(load_mod, "load_yaml", lambda f, d: parsed_here.append(f) or real(f, d))
    assert outcome(catalog, "2") == outcome(catalog, "1")
    # this process parsed shop.yaml and the first files only, twice (2 then 1 process)
    first_run = parsed_here[: parsed_here.index(parsed_here[0], 1)]
    assert first_run[0].endswith("shop.yaml") and not any(f.endswith("f03.yaml") for f in first_run)
    assert forks == [1]


def test_a_child_that_fails_costs_time_not_a_different_answer(tmp_path, forks, monkeypatch):
    catalog = write(tmp_path, [[product(i) for i in range(k, k + 3)] for k in (0, 3, 6)])
    expected = outcome(catalog, "1")

    def dies(paths, data):
        os._exit(3)

    monkeypatch.setattr(load_mod, "_in_child", dies)
    assert outcome(catalog, "2") == expected
    monkeypatch.setattr(load_mod, "_in_child", lambda p, d: 1 / 0)
    assert outcome(catalog, "2") == expected
    assert len(forks) == 2


def test_small_catalogs_and_the_switch_stay_in_one_process(tmp_path, monkeypatch):
    catalog = write(tmp_path, [[product(0)], [product(1)]])
    started: list[int] = []
    monkeypatch.setattr(load_mod, "Forked", lambda fn: started.append(1))
    load_catalog(catalog)  # far below TWO_PROCESSES_FROM_BYTES
    monkeypatch.setattr(load_mod, "TWO_PROCESSES_FROM_BYTES", 0)
    monkeypatch.setenv("SHOPTET_LOAD_PROCESSES", "1")
    load_catalog(catalog)
    assert started == []
