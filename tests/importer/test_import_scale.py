"""`import` at scale against a generated sandbox shop: split into files of at most --per-file
products named imported.yaml, imported-2.yaml, ..., progress on stderr, each file written as
soon as it is full, an interrupted import continued with --skip-declared, and a plan right
after that is empty. 300 products with 100 a file here; 3,000 behind the `slow` marker."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from reconciler.desired.load import load_catalog
from reconciler.desired.yamlload import MAX_FILE_BYTES
from reconciler.errors import ConfigError
from reconciler.importer import build
from reconciler.importer.build import import_products
from reconciler.sandbox import Sandbox
from tests.apply.support import WRITES, run_cli
from tests.support.sandbox_client import sandbox_client, served

pytestmark = pytest.mark.http
CATEGORIES = [str(uuid.UUID(int=0xCA7000 + i)) for i in range(5)]
T = "2026-01-05T09:00:00+0100"


def guid(i: int) -> str:
    return str(uuid.UUID(int=(0x1A90 << 96) + i))


def generated(products: int, variants: int = 3) -> Sandbox:
    sb = Sandbox.from_seed("empty")
    state = sb.state()
    state["stocks"] = [{"id": 1, "title": "Main"}, {"id": 2, "title": "Shop"}]
    state["categories"] = [
        {"guid": g, "name": f"Category {i}", "parentGuid": None, "visible": True}
        for i, g in enumerate(CATEGORIES)
    ]
    state["products"] = [
        {
            "guid": guid(i),
            "name": f"Product {i} \u010dokol\u00e1da",
            "defaultCategoryGuid": CATEGORIES[i % 5],
            "categoryGuids": [CATEGORIES[i % 5]],
            "creationTime": T,
            "changeTime": T,
            "variants": [
                {
                    "code": f"S{i:05d}-{j}",
                    "ean": f"859{i:06d}{j:04d}",
                    "prices": {"1": {"price": f"{100 + i % 900}.00", "vatRate": "21.00"}},
                    "stocks": {
                        "1": {"realStock": f"{(i + j) % 50}.000", "claim": "0.000"},
                        "2": {"realStock": "0.000", "claim": "0.000"},
                    },
                }
                for j in range(variants)
            ],
        }
        for i in range(products)
    ]
    sb.load_state(state)
    sb.config.request_cost = 0.0  # no pacing: the leaky bucket is not what is tested here
    return sb


@pytest.fixture(scope="module")
def big_shop():
    sb = generated(300)
    with served(sb) as srv:
        yield sb, srv.url


def product_files(catalog: Path) -> list[str]:
    return sorted(p.name for p in (catalog / "products").iterdir())


def test_a_large_import_is_split_reports_progress_and_plans_empty(
    big_shop, tmp_path, monkeypatch, capsys
):
    sb, url = big_shop
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["import", "--all", "--out", "new", "--per-file", "100"],
        url=url,
    )
    assert code == 0, err
    assert "Import: 300 added, 0 updated" in out and "3 file(s) written" in out
    assert "Import: 100/300 products read" in err and "Import: 300/300 products read" in err
    catalog = tmp_path / "new"
    assert product_files(catalog) == ["imported-2.yaml", "imported-3.yaml", "imported.yaml"]
    for name in product_files(catalog):
        assert (catalog / "products" / name).stat().st_size < MAX_FILE_BYTES
    one = load_catalog(catalog)  # the whole catalog validates
    assert len(one.catalog.products) == 300
    per_file = {
        name: sum(1 for loc in one.locations if len(loc) == 1 and one.locations[loc].file.endswith(name))
        for name in product_files(catalog)
    }
    assert per_file == {"imported.yaml": 100, "imported-2.yaml": 100, "imported-3.yaml": 100}
    assert [e for e in sb.request_log if e["method"] in WRITES] == []
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["--catalog", "new", "plan", "--detailed-exitcode"], url=url
    )
    assert code == 0, out + err
    assert "No changes." in out


class Interrupted(Exception):
    pass


def test_an_interrupted_import_keeps_full_files_and_continues_where_it_stopped(big_shop, tmp_path):
    _, url = big_shop
    out = tmp_path / "cat"
    with sandbox_client(url=url, read_only=True) as client:
        calls = {"n": 0}
        real = client.get_products

        def failing(guids, include):
            calls["n"] += 1
            if calls["n"] == 3:  # the third batch of 100: the first file is full and written
                raise Interrupted
            return real(guids, include)

        client.get_products = failing  # type: ignore[method-assign]
        with pytest.raises(Interrupted):
            import_products(client, out, None, per_file=150)
    assert product_files(out) == ["imported.yaml"]
    assert len(load_catalog(out).catalog.products) == 150

    with sandbox_client(url=url, read_only=True) as client:
        before = client.request_count
        seen: list[int] = []
        report = import_products(
            client, out, None, per_file=150, skip_declared=True,
            progress=lambda done, total: seen.append(total),
        )
        details = client.request_count - before
    assert len(report.added) == 150 and len(report.skipped) == 150
    assert set(seen) == {150}  # only the products not yet written were read
    assert details < 150 + 20  # list pages and settings, no detail read of the first 150
    assert product_files(out) == ["imported-2.yaml", "imported.yaml"]
    assert len(load_catalog(out).catalog.products) == 300

    # the continued catalog is the same as one imported in one go
    whole = tmp_path / "whole"
    with sandbox_client(url=url, read_only=True) as client:
        import_products(client, whole, None, per_file=150)
    for name in product_files(whole):
        assert (whole / "products" / name).read_bytes() == (out / "products" / name).read_bytes()


def test_a_file_is_closed_before_it_nears_the_loaders_size_limit(big_shop, tmp_path, monkeypatch):
    _, url = big_shop
    monkeypatch.setattr(build, "FILE_BUDGET", 20_000)
    with sandbox_client(url=url, read_only=True) as client:
        import_products(client, tmp_path, None, per_file=1000)
    sizes = [(tmp_path / "products" / n).stat().st_size for n in product_files(tmp_path)]
    assert len(sizes) > 3 and max(sizes) < 20_000 * 1.5
    assert len(load_catalog(tmp_path).catalog.products) == 300


def test_per_file_below_one_is_refused(big_shop, tmp_path, monkeypatch, capsys):
    _, url = big_shop
    with sandbox_client(url=url, read_only=True) as client, pytest.raises(ConfigError, match="at least 1"):
        import_products(client, tmp_path, None, per_file=0)
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["import", "--all", "--per-file", "0"], url=url)
    assert code == 1 and "--per-file" in err and "Traceback" not in err, err


@pytest.mark.slow
def test_a_3000_product_import_finishes_and_plans_empty(tmp_path, monkeypatch, capsys):
    sb = generated(3000, variants=5)
    with served(sb) as srv:
        code, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["import", "--all", "--out", "new"], url=srv.url
        )
        assert code == 0, err
        assert "Import: 3000 added" in out and "Import: 3000/3000 products read" in err
        names = product_files(tmp_path / "new")
        # 1,000 a file at most, fewer when a file nears half the loader's size limit
        assert sorted(names) == sorted(
            ["imported.yaml", *(f"imported-{n}.yaml" for n in range(2, len(names) + 1))]
        )
        assert 3 <= len(names) <= 8
        sizes = [(tmp_path / "new" / "products" / n).stat().st_size for n in names]
        assert max(sizes) < MAX_FILE_BYTES
        code, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["--catalog", "new", "plan", "--detailed-exitcode"],
            url=srv.url,
        )
        assert code == 0, out + err
        assert "No changes." in out
