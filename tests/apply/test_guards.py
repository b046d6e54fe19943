"""Every guard through `apply` (plan-and-apply, and a saved plan) against a sandbox server over
HTTP: refused with exit 3, the numbers and the flag in the message, and zero writes; allowed
with the flag when within the limits."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli, write_catalog, write_requests

pytestmark = pytest.mark.http


def demo_products(n: int) -> dict[str, dict]:
    """The first ``n`` demo products, each managing just its (unchanged) name."""
    return {p["guid"]: {"name": p["name"]} for p in demo_state()["products"][:n]}


def apply(shop, tmp_path, monkeypatch, capsys, products, *flags, shop_yaml=None):
    sb, url = shop
    write_catalog(tmp_path, products, shop_yaml)
    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply", "--auto-approve", *flags], url=url
    )
    return code, out, err, write_requests(sb, start)


def live_guids(sb: Sandbox) -> set[str]:
    return {p["guid"] for p in sb.state()["products"]}


def test_deletions_need_allow_delete(shop, tmp_path, monkeypatch, capsys):
    products = demo_products(12)
    gone = list(products)[:2]
    for guid in gone:
        products[guid] = {"absent": True}
    code, _, err, writes = apply(shop, tmp_path, monkeypatch, capsys, products)
    assert code == 3 and writes == []
    assert "2 deletions (policy.maxDeletes 10) need --allow-delete" in err
    code, _out, err, writes = apply(shop, tmp_path, monkeypatch, capsys, products, "--allow-delete")
    assert code == 0, err
    assert [w["method"] for w in writes] == ["DELETE", "DELETE"]
    assert not set(gone) & live_guids(shop[0])


def test_deletions_over_max_deletes_are_refused_even_with_the_flag(
    shop, tmp_path, monkeypatch, capsys
):
    products = demo_products(12)
    for guid in list(products)[:2]:
        products[guid] = {"absent": True}
    code, _, err, writes = apply(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        products,
        "--allow-delete",
        "--allow-bulk",
        shop_yaml={"policy": {"maxDeletes": 1}},
    )
    assert code == 3 and writes == []
    assert "2 deletions exceed policy.maxDeletes (1); no flag allows this" in err


def test_a_protected_product_is_never_hidden(shop, tmp_path, monkeypatch, capsys):
    products = demo_products(12)
    guid = next(iter(products))
    products[guid] = {**products[guid], "visibility": "hidden"}
    code, _, err, writes = apply(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        products,
        "--allow-delete",
        "--allow-bulk",
        shop_yaml={"policy": {"protect": [guid]}},
    )
    assert code == 3 and writes == []
    assert f"product:{guid} (hidden)" in err and "No flag allows this" in err


def test_a_protected_product_is_never_deleted(shop, tmp_path, monkeypatch, capsys):
    products = demo_products(12)
    guid = next(iter(products))
    products[guid] = {"absent": True}
    code, _, err, writes = apply(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        products,
        "--allow-delete",
        shop_yaml={"policy": {"protect": [guid]}},
    )
    assert code == 3 and writes == []
    assert f"product:{guid} (deleted)" in err


def test_deleting_every_managed_product_is_always_refused(shop, tmp_path, monkeypatch, capsys):
    products = {guid: {"absent": True} for guid in demo_products(2)}
    code, _, err, writes = apply(
        shop, tmp_path, monkeypatch, capsys, products, "--allow-delete", "--allow-bulk"
    )
    assert code == 3 and writes == []
    assert "The plan deletes every managed product (2 of 2); this is always refused." in err


def test_a_bulk_change_needs_allow_bulk(shop, tmp_path, monkeypatch, capsys):
    products = demo_products(12)
    for guid in list(products)[:4]:
        products[guid] = {"name": products[guid]["name"] + " (nové)"}
    code, _, err, writes = apply(shop, tmp_path, monkeypatch, capsys, products)
    assert code == 3 and writes == []
    assert "4 of 12 existing managed products change (33.3%" in err
    assert "needs --allow-bulk" in err
    code, _, err, writes = apply(shop, tmp_path, monkeypatch, capsys, products, "--allow-bulk")
    assert code == 0, err
    assert len(writes) == 4


def test_a_change_within_the_limits_needs_no_flag(shop, tmp_path, monkeypatch, capsys):
    products = demo_products(12)
    guid = next(iter(products))
    products[guid] = {"name": "Jen jeden"}
    code, _, err, writes = apply(shop, tmp_path, monkeypatch, capsys, products)
    assert code == 0, err
    assert [w["method"] for w in writes] == ["PATCH"]


def test_a_saved_plan_is_guarded_too(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    products = demo_products(12)
    products[next(iter(products))] = {"absent": True}
    write_catalog(tmp_path, products)
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=url)
    assert code == 0, err
    start = len(sb.request_log)
    args = ["apply", "p.json", "--auto-approve"]
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 3 and write_requests(sb, start) == []
    assert "need --allow-delete" in err
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, [*args, "--allow-delete"], url=url)
    assert code == 0, err
