"""`import` of a shop running a campaign (issue 17): action prices with dates, purchase prices,
orderable amounts and (dated) flags are written as flow mappings, the catalog then plans no changes, a
second import changes nothing, and a refresh follows a live change of the campaign."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli
from tests.support.sandbox_client import served

SALE = {"price": "169.00", "fromDate": "2026-12-01", "toDate": "2026-12-24"}


@pytest.fixture
def campaign_shop():
    """The demo shop with a Christmas sale on every variant priced 189.00, a purchase price
    on the first and orderable limits on the second (set in its state, not by apply)."""
    state = demo_state()
    on_sale = []
    for p in state["products"]:
        for v in p["variants"]:
            row = v["prices"]["1"]
            if row.get("price") == "189.00":
                row["actionPrice"] = dict(SALE)
                on_sale.append(v)
                p["flags"] = [
                    {"code": "action", "dateFrom": "2026-12-01", "dateTo": "2026-12-24"},
                    {"code": "new", "dateFrom": None, "dateTo": None},
                ]
    assert len(on_sale) >= 2
    on_sale[0]["prices"]["1"]["purchasePrice"] = {
        "price": "110.00",
        "vatRate": "12.00",
        "includingVat": False,
    }
    on_sale[1]["prices"]["1"]["orderableAmount"] = {"minimumAmount": "2.000", "maximumAmount": None}
    sb = Sandbox(state)
    with served(sb) as srv:
        yield sb, srv.url, [v["code"] for v in on_sale]


def cli(shop, monkeypatch, capsys, root, *args):
    _sb, url, _ = shop
    code, out, err = run_cli(monkeypatch, capsys, root, list(args), url=url)
    return code, out + err


def test_import_of_a_campaign_then_plan_is_empty(campaign_shop, tmp_path, monkeypatch, capsys):
    code, text = cli(campaign_shop, monkeypatch, capsys, tmp_path, "import", "--all", "--out", "c")
    assert code == 0, text
    written = (tmp_path / "c" / "products" / "imported.yaml").read_text(encoding="utf-8")
    assert "actionPrice: {price: 169.00, fromDate: 2026-12-01, toDate: 2026-12-24}" in written
    assert "purchasePrice: {price: 110.00, vatRate: 12.00, includingVat: false}" in written
    assert "orderableAmount: {minimumAmount: 2.000, maximumAmount: null}" in written
    assert written.count("actionPrice:") == len(campaign_shop[2])
    assert "flags: {action: {from: 2026-12-01, to: 2026-12-24}, new: true}" in written

    code, text = cli(campaign_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
    assert code == 0 and "No changes." in text, text
    code, text = cli(
        campaign_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--all"
    )
    assert code == 0 and " 0 updated" in text, text
    assert (tmp_path / "c" / "products" / "imported.yaml").read_text(encoding="utf-8") == written

    # the shop ends the sale early on one variant: a refresh follows it, and plans empty again
    sb, _url, codes = campaign_shop
    state = sb.state()
    for p in state["products"]:
        for v in p["variants"]:
            if v["code"] == codes[0]:
                v["prices"]["1"]["actionPrice"]["toDate"] = "2026-12-20"
    sb.load_state(state)
    code, text = cli(
        campaign_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--all"
    )
    assert code == 0 and " 1 updated" in text, text
    refreshed = (tmp_path / "c" / "products" / "imported.yaml").read_text(encoding="utf-8")
    assert "toDate: 2026-12-20}" in refreshed
    code, text = cli(campaign_shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
    assert code == 0 and "No changes." in text, text


def test_a_refresh_keeps_false_flags_and_the_titles_the_entry_names_them_by(
    tmp_path, monkeypatch, capsys
):
    """The shop lists only set flags; a refresh must not drop the entry's ``Tip: false`` (it
    still means "make sure it is unset"), must keep ``Akce`` (a title) rather than rewrite it
    as ``action``, writes ``false`` for a stated flag the shop has unset, and adds the live
    flags the entry does not name, by code."""
    state = demo_state()
    product = state["products"][0]
    product["flags"] = [
        {"code": "action", "dateFrom": "2026-12-01", "dateTo": "2026-12-20"},
        {"code": "new", "dateFrom": None, "dateTo": None},
    ]
    guid = product["guid"]
    cat = tmp_path / "c"
    (cat / "products").mkdir(parents=True)
    (cat / "products" / "p.yaml").write_text(
        "products:\n"
        f"  {guid}:\n"
        "    name: " + product["name"] + "\n"
        "    flags: {Akce: {from: 2026-12-01, to: 2026-12-24}, Tip: false, vanoce: true}\n",
        encoding="utf-8",
    )
    shop = (Sandbox(state), None, [])
    with served(shop[0]) as srv:
        shop = (shop[0], srv.url, [])
        code, text = cli(
            shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--guid", guid
        )
        assert code == 0 and " 1 updated" in text, text
        written = (cat / "products" / "p.yaml").read_text(encoding="utf-8")
        assert (
            "flags: {Akce: {from: 2026-12-01, to: 2026-12-20}, Tip: false, vanoce: true, "
            "new: true}" in written
        ), written
        # "vanoce" is no flag of the shop (a new one shop.yaml would declare): kept as written
        written = written.replace(", vanoce: true", "")
        (cat / "products" / "p.yaml").write_text(written, encoding="utf-8")
        code, text = cli(shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
        assert code == 0 and "No changes." in text, text
        code, text = cli(
            shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--guid", guid
        )
        assert code == 0 and " 0 updated" in text, text

        # the shop ends the sale: the entry says so with false, in its own words
        state = shop[0].state()
        state["products"][0]["flags"] = [{"code": "new", "dateFrom": None, "dateTo": None}]
        shop[0].load_state(state)
        code, text = cli(
            shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "import", "--guid", guid
        )
        assert code == 0 and " 1 updated" in text, text
        refreshed = (cat / "products" / "p.yaml").read_text(encoding="utf-8")
        assert "flags: {Akce: false, Tip: false, new: true}" in refreshed, refreshed
        code, text = cli(shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
        assert code == 0 and "No changes." in text, text
