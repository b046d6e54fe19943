"""`import` of a shop with several pricelists (issue 17): a variant's row in another pricelist
is written under ``prices:`` when it has a price and differs from the catalog's own pricelist,
with only the fields that differ, keyed by the pricelist's name (its id when two pricelists
share the name). Then plan: no changes; a second import changes nothing; a refresh follows a
live B2B change in the entry's stated fields only."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli
from tests.support.sandbox_client import served

B2B_SALE = {"price": "150.00", "fromDate": "2026-12-01", "toDate": "2026-12-31"}


@pytest.fixture
def b2b_shop():
    """The demo shop with pricelists 2 "Velkoobchod" (a lower price and a sale on the first
    variant, the same row as the default on the second), 3 and 4 both "Dvojník"."""
    state = demo_state()
    state["pricelists"] += [
        {"id": 2, "name": "Velkoobchod"},
        {"id": 3, "name": "Dvojník"},
        {"id": 4, "name": "dvojník"},
    ]
    variants = [v for p in state["products"] for v in p["variants"]]
    first, second = variants[0], variants[1]
    first["prices"]["2"] = {
        **first["prices"]["1"],
        "price": "160.00",
        "actionPrice": dict(B2B_SALE),
    }
    second["prices"]["2"] = dict(second["prices"]["1"])  # the same as the default: left out
    first["prices"]["3"] = {**first["prices"]["1"], "price": "155.00"}
    sb = Sandbox(state)
    with served(sb) as srv:
        yield sb, srv.url, first["code"], second["code"]


def cli(shop, monkeypatch, capsys, root, *args):
    code, out, err = run_cli(monkeypatch, capsys, root, list(args), url=shop[1])
    return code, out + err


def test_import_writes_other_pricelists_then_plan_is_empty(b2b_shop, tmp_path, monkeypatch, capsys):
    code, text = cli(b2b_shop, monkeypatch, capsys, tmp_path, "import", "--all", "--out", "c")
    assert code == 0, text
    path = tmp_path / "c" / "products" / "imported.yaml"
    written = path.read_text(encoding="utf-8")
    assert (
        "        prices:\n"
        "          Velkoobchod: {price: 160.00, actionPrice: {price: 150.00, fromDate: 2026-12-01, "
        "toDate: 2026-12-31}}\n"
        "          3: {price: 155.00}\n"
    ) in written, written
    assert written.count("prices:") == 1  # the second variant's B2B row equals its default one

    code, text = cli(b2b_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
    assert code == 0 and "No changes." in text, text
    code, text = cli(b2b_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--all")
    assert code == 0 and " 0 updated" in text, text
    assert path.read_text(encoding="utf-8") == written

    # the shop ends the B2B sale by hand: a refresh follows it in the stated fields only
    sb, _url, first, _second = b2b_shop
    state = sb.state()
    for p in state["products"]:
        for v in p["variants"]:
            if v["code"] == first:
                v["prices"]["2"]["actionPrice"] = None
                v["prices"]["2"]["commonPrice"] = "987.65"  # not stated: stays unmanaged
    sb.load_state(state)
    code, text = cli(b2b_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--all")
    assert code == 0 and " 1 updated" in text, text
    refreshed = path.read_text(encoding="utf-8")
    assert "Velkoobchod: {price: 160.00, actionPrice: null}" in refreshed
    assert "987.65" not in refreshed
    code, text = cli(b2b_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
    assert code == 0 and "No changes." in text, text
