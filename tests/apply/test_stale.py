"""Stale plans (exit 4, nothing written), through the CLI against a sandbox server over HTTP:
the shop changed a planned field, deleted a planned product, or created a product with a
planned GUID between `plan` and `apply`; the catalog files changed; the plan is for another
e-shop. And the benign case: someone already made exactly the planned change."""

from __future__ import annotations

import pytest

from reconciler.cli import main
from tests.apply.support import copy_example, run_cli, write_requests
from tests.support.sandbox_client import sandbox_client

pytestmark = pytest.mark.http

COLOMBIA = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # plan: KAV-COL-250 price 209 -> 219
GUNPOWDER = "7583ce6b-f097-568c-8819-b112c1b65e5c"  # plan: name update
PERU = "196d780c-8a2a-4dd5-b4bb-76f699b5d9f9"  # plan: create


@pytest.fixture
def shop(saved_plan):
    return saved_plan


def _plan(shop, monkeypatch, capsys):
    """The saved plan is in place (made by `plan --out` against this same demo shop)."""


def _apply(shop, monkeypatch, capsys, *extra):
    _sb, url, root = shop
    args = ["apply", "plan.json", "--auto-approve", *extra]
    return run_cli(monkeypatch, capsys, root, args, url=url)


def test_a_planned_field_changed_in_the_shop(shop, monkeypatch, capsys):
    sb, url, _ = shop
    _plan(shop, monkeypatch, capsys)
    with sandbox_client(sb, url) as client:
        client.patch_pricelist(1, [{"code": "KAV-COL-250", "price": {"price": "215.00"}}])
    start = len(sb.request_log)
    code, _out, err = _apply(shop, monkeypatch, capsys)
    assert code == 4
    assert write_requests(sb, start) == []
    assert f"price:{COLOMBIA}:KAV-COL-250: changed since the plan" in err
    assert "price: planned from '209', now '215'" in err
    assert "Nothing was written" in err


def test_a_planned_product_was_deleted(shop, monkeypatch, capsys):
    sb, url, _ = shop
    _plan(shop, monkeypatch, capsys)
    with sandbox_client(sb, url) as client:
        client.delete_product(GUNPOWDER)
    start = len(sb.request_log)
    code, _, err = _apply(shop, monkeypatch, capsys)
    assert code == 4
    assert write_requests(sb, start) == []
    assert f"product:{GUNPOWDER}: the product no longer exists in the shop" in err


def test_a_product_with_a_planned_guid_was_created(shop, monkeypatch, capsys):
    sb, url, _ = shop
    _plan(shop, monkeypatch, capsys)
    body = {
        "guid": PERU,
        "name": "Někdo jiný",
        "defaultCategoryGuid": "b9e6b7dc-3057-5ac1-9792-f17d839243b8",
        "variants": [{"code": "OTHER-1"}],
    }
    with sandbox_client(sb, url) as client:
        client.create_product(body)
    start = len(sb.request_log)
    code, _, err = _apply(shop, monkeypatch, capsys)
    assert code == 4
    assert write_requests(sb, start) == []
    assert f"product:{PERU}: a product with this GUID was created in the shop" in err
    assert "name: now 'Někdo jiný'" in err


def test_the_catalog_files_changed_since_the_plan(shop, monkeypatch, capsys):
    sb, _, root = shop
    _plan(shop, monkeypatch, capsys)
    tea = root / "catalog" / "products" / "tea.yaml"
    tea.write_text(tea.read_text(encoding="utf-8") + "# a new comment\n", encoding="utf-8")
    start = len(sb.request_log)
    code, _, err = _apply(shop, monkeypatch, capsys)
    assert code == 4
    assert write_requests(sb, start) == []
    assert "the catalog files changed since the plan" in err


def test_a_plan_for_another_eshop_is_refused(shop, monkeypatch, capsys):
    sb, _, _ = shop
    _plan(shop, monkeypatch, capsys)
    state = sb.state()
    state["eshop"]["eshopId"] = 999
    sb.load_state(state)
    start = len(sb.request_log)
    code, _, err = _apply(shop, monkeypatch, capsys)
    assert code == 4
    assert write_requests(sb, start) == []
    assert "the plan was made for e-shop 222651" in err


def test_a_change_someone_else_already_made_is_skipped_not_a_conflict(shop, monkeypatch, capsys):
    sb, url, _ = shop
    _plan(shop, monkeypatch, capsys)
    with sandbox_client(sb, url) as client:
        client.patch_pricelist(1, [{"code": "KAV-COL-250", "price": {"price": "219.00"}}])
    start = len(sb.request_log)
    code, out, err = _apply(shop, monkeypatch, capsys)
    assert code == 0, err
    assert f"already done  price:{COLOMBIA}:KAV-COL-250 (already live)" in out
    rows = [w for w in write_requests(sb, start) if "pricelists" in w["path"]]
    assert len(rows) == 1  # the other price rows; KAV-COL-250 is not in it


def test_a_saved_plan_applies_its_own_changes_never_a_replan(shop, monkeypatch, capsys):
    """Drift on a managed field the plan does not touch is left alone (a re-plan would fix
    it; apply of a saved plan must not)."""
    sb, url, _ = shop
    earl_grey = "08ebf293-06c6-591d-9a09-f6d605f0a6b4"  # managed, unchanged in the plan
    with sandbox_client(sb, url) as client:
        client.patch_product(earl_grey, {"name": "Earl Grey (upraveno v adminu)"})
    code, out, err = _apply(shop, monkeypatch, capsys)
    assert code == 0, err
    assert earl_grey not in out
    names = {p["guid"]: p["name"] for p in sb.state()["products"]}
    assert names[earl_grey] == "Earl Grey (upraveno v adminu)"


def test_sandbox_plan_and_apply_in_process(tmp_path, monkeypatch, capsys):
    """`--sandbox` (the in-process demo shop): a saved plan from `--sandbox plan` applies."""
    copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    for args in (
        ["--sandbox", "plan", "--out", "p.json"],
        ["--sandbox", "apply", "p.json", "--auto-approve"],
    ):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0, capsys.readouterr().err
    assert "Apply: 21 written" in capsys.readouterr().out  # incl. a parameter value
