"""Campaigns as code (issue 17), pricelist-row fields end to end in the sandbox: a Christmas
sale over 320 variants (an action price with dates, purchase prices, orderable amounts) goes
plan -> apply -> plan empty in 300-row pricelist PATCHes whose bodies conform to Shoptet's
OpenAPI file; ending the campaign (every object cleared with null) converges the same way; a
purchase price for a pricelist other than the default is a located plan error, and the sandbox
refuses one too, as it refuses buyPrice together with purchasePrice."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence

import pytest

from reconciler.apply.result import ApplyOptions
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.pipeline import apply_plan
from reconciler.plan.model import Resource
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, run_cli, write_catalog
from tests.apply.test_conformance import Recording
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import raw_client, sandbox_client, served

GUIDS = ("a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002")
PER_PRODUCT = 160  # 320 variants: two pricelist PATCHes (300 + 20 rows)
SALE = {"fromDate": "2026-12-01", "toDate": "2026-12-24"}


def code(p: int, i: int) -> str:
    return f"XMAS-{p}-{i:03d}"


def campaign_state(guids: Sequence[str] = GUIDS, per_product: int = PER_PRODUCT) -> dict:
    """The demo shop plus products ``guids`` of ``per_product`` variants each at 200.00
    (loaded through the admin surface, so apply is not what put them there)."""
    state = demo_state()
    template = next(p for p in state["products"] if len(p["variants"]) == 1)
    for p, guid in enumerate(guids):
        product = copy.deepcopy(template)
        product.update(guid=guid, name=f"Vánoční káva {p}")
        variant = product["variants"][0]
        product["variants"] = []
        for i in range(per_product):
            v = copy.deepcopy(variant)
            v.update(code=code(p, i), ean=None)
            v["parameters"] = [{"nameIndex": "hmotnost", "valueIndex": f"{i + 1}-g"}]
            v["prices"]["1"].update(price="200.00", vatRate="21.00")
            product["variants"].append(v)
        state["products"].append(product)
    return state


def catalog(tmp_path, variant_fields) -> object:
    products = {
        guid: {"variants": {code(p, i): variant_fields(p, i) for i in range(PER_PRODUCT)}}
        for p, guid in enumerate(GUIDS)
    }
    return load_catalog(write_catalog(tmp_path, products))


def sale(p: int, i: int) -> dict:
    fields: dict = {"price": "200.00", "actionPrice": {"price": "179.00", **SALE}}
    if i % 2 == 0:
        fields["purchasePrice"] = {"price": "120.00", "vatRate": "21.00", "includingVat": False}
    if i % 3 == 0:
        fields["orderableAmount"] = {"minimumAmount": "1", "maximumAmount": "10"}
    return fields


def ended(p: int, i: int) -> dict:
    return {"actionPrice": None, "purchasePrice": None, "orderableAmount": None}


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(campaign_state())


def apply_recorded(sb: Sandbox, cat, plan, options: ApplyOptions | None = None) -> list:
    seen: list = []
    with sandbox_client(sb, wrap=lambda inner: Recording(inner, seen)) as client:
        result = apply_plan(plan, client, cat, options=options)
    assert result.ok, result.outcomes
    return seen


def pricelist_patches(seen: list) -> list[list[dict]]:
    return [body["data"] for m, path, _q, _h, body in seen if m == "PATCH" and "pricelists" in path]


def test_a_christmas_sale_converges_in_300_row_patches_that_conform(sb, tmp_path):
    spec = require_spec()
    cat = catalog(tmp_path, sale)
    plan = plan_of(sb, cat)
    prices = [c for c in plan.changes if c.resource is Resource.PRICE]
    assert len(prices) == 2 * PER_PRODUCT and len(plan.changes) == len(prices)
    first = next(c for c in prices if c.code == code(0, 0))
    assert first.after == {
        "actionPrice": {"price": "179", **SALE},
        "purchasePrice": {"price": "120", "vatRate": "21", "includingVat": False},
        "orderableAmount": {"minimumAmount": "1", "maximumAmount": "10"},
    }
    text = render_text(plan)
    assert "~ actionPrice: (none) -> 179.00 from 1 Dec 2026 to 24 Dec 2026" in text
    assert {g.name: g.ok for g in plan.guards}["price"] is True  # new sale prices are no moves

    seen = apply_recorded(sb, cat, plan)
    patches = pricelist_patches(seen)
    assert [len(rows) for rows in patches] == [300, 20]
    row = next(r for rows in patches for r in rows if r["code"] == code(0, 0))
    assert row == {
        "code": code(0, 0),
        "price": {"actionPrice": {"price": "179.00", **SALE}},
        "orderableAmount": {"minimumAmount": "1.000", "maximumAmount": "10.000"},
        "prices": {"purchasePrice": {"price": "120.00", "vatRate": "21.00", "includingVat": False}},
    }
    assert not any("buyPrice" in json.dumps(rows) for rows in patches)  # deprecated: never sent
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    assert plan_of(sb, cat).is_empty

    # the shop answers what was written, in Shoptet's shapes
    with sandbox_client(sb, read_only=True) as client:
        live = client.get_product(GUIDS[0], include=("perPricelistPrices",))
    variant = next(v for v in live.variants if v.code == code(0, 0))
    assert variant.actionPrice == {"price": "179.00", **SALE}
    (live_row,) = variant.perPricelistPrices
    assert live_row["prices"]["purchasePrice"] == {
        "price": "120.00",
        "vatRate": "21.00",
        "includingVat": False,
    }
    assert live_row["price"]["buyPrice"] == "120.00"  # the deprecated twin reads the same

    # ending the campaign: every object cleared with null, the same way
    end = catalog(tmp_path, ended)
    plan = plan_of(sb, end)
    changed = [c for c in plan.changes if c.resource is Resource.PRICE]
    assert len(changed) == 2 * PER_PRODUCT
    assert "~ actionPrice: 179.00 from 1 Dec 2026 to 24 Dec 2026 -> (none)" in render_text(plan)
    seen = apply_recorded(sb, end, plan)
    row = next(r for rows in pricelist_patches(seen) for r in rows if r["code"] == code(0, 0))
    assert row["price"] == {"actionPrice": {"price": None, "fromDate": None, "toDate": None}}
    # includingVat takes no null (SPEC pricelistUpdate prices.purchasePrice): left out
    assert row["prices"] == {"purchasePrice": {"price": None, "vatRate": None}}
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    assert plan_of(sb, end).is_empty


def test_a_purchase_price_for_another_pricelist_is_a_located_plan_error(tmp_path):
    state = campaign_state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    sb = Sandbox(state)
    products = {GUIDS[0]: {"variants": {code(0, 0): {"purchasePrice": "120.00"}}}}
    cat = load_catalog(write_catalog(tmp_path, products, shop={"shop": {"pricelist": 2}}))
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    (problem,) = err.value.problems
    assert problem.file.endswith("products.yaml") and problem.line > 1
    assert "default pricelist" in problem.message and "pricelist 2" in problem.message


def test_the_sandbox_refuses_purchase_prices_where_shoptet_does():
    state = campaign_state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    sb = Sandbox(state)
    # each row carries a price object, so it is refused for the rule it tests and not for
    # lacking one (Shoptet requires one of five objects per row)
    unchanged = {"price": {"price": "200.00"}}
    purchase = {**unchanged, "prices": {"purchasePrice": {"price": "120.00"}}}
    with raw_client(sb) as client:
        answers = {
            "other pricelist": client.patch(
                "/api/pricelists/2", json={"data": [{"code": code(0, 0), **purchase}]}
            ),
            "with buyPrice": client.patch(
                "/api/pricelists/1",
                json={
                    "data": [
                        {
                            "code": code(0, 0),
                            **purchase,
                            "price": {"price": "200.00", "buyPrice": "1.00"},
                        }
                    ]
                },
            ),
            "bad VAT rate": client.patch(
                "/api/pricelists/1",
                json={
                    "data": [
                        {
                            "code": code(0, 0),
                            **unchanged,
                            "prices": {"purchasePrice": {"vatRate": "7.00"}},
                        }
                    ]
                },
            ),
        }
    for what, answer in answers.items():
        assert answer.status_code == 400, what
        (error,) = answer.json()["errors"]
        assert error["errorCode"] == "invalid-request-data" and error["instance"] == code(0, 0)
    assert "at the same time" in answers["with buyPrice"].json()["errors"][0]["message"]
    assert "purchasePriceVatRate" in answers["bad VAT rate"].json()["errors"][0]["message"]
    assert "default price list" in answers["other pricelist"].json()["errors"][0]["message"]


def test_an_action_price_above_the_live_price_is_a_located_plan_error(sb, tmp_path):
    products = {GUIDS[0]: {"variants": {code(0, 7): {"actionPrice": {"price": "250.00", **SALE}}}}}
    cat = load_catalog(write_catalog(tmp_path, products))
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    (problem,) = err.value.problems
    assert problem.file.endswith("products.yaml") and problem.line > 1
    assert "action price 250.00 is above the shop's regular price 200.00" in problem.message
    assert sb.counters["writes"] == 0


def test_a_sale_in_another_pricelist_converges_there_and_leaves_the_default_alone(tmp_path):
    state = campaign_state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    sb = Sandbox(state)
    fields = {"price": "150.00", "actionPrice": {"price": "140.00", **SALE}}
    fields["orderableAmount"] = {"minimumAmount": "6"}
    products = {GUIDS[1]: {"variants": {code(1, i): dict(fields) for i in range(5)}}}
    cat = load_catalog(write_catalog(tmp_path, products, shop={"shop": {"pricelist": 2}}))
    plan = plan_of(sb, cat)
    assert plan.pricelist_id == 2 and len(plan.changes) == 5
    seen = apply_recorded(sb, cat, plan)
    assert {path for m, path, *_ in seen if m == "PATCH"} == {"/api/pricelists/2"}
    assert plan_of(sb, cat).is_empty
    rows = {
        v["code"]: v["prices"]
        for p in sb.state()["products"]
        for v in p["variants"]
        if v["code"] == code(1, 0)
    }[code(1, 0)]
    assert rows["2"]["actionPrice"] == {"price": "140.00", **SALE}
    assert rows["2"]["orderableAmount"] == {"minimumAmount": "6.000"}
    assert "actionPrice" not in rows["1"] and rows["1"]["price"] == "200.00"


def test_the_cli_round_trips_a_campaign_through_the_plan_file(tmp_path, monkeypatch, capsys):
    """plan --out, then apply of that file (it is only a claim: apply recomputes and the
    recomputed objects must match the saved ones part by part), then plan: no changes."""
    sb = Sandbox(campaign_state())
    products = {GUIDS[0]: {"variants": {code(0, i): sale(0, i) for i in range(4)}}}
    write_catalog(tmp_path, products)
    with served(sb) as srv:
        code_, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=srv.url
        )
        assert code_ == 0, out + err
        assert "179.00 from 1 Dec 2026 to 24 Dec 2026" in out
        saved = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
        assert any(
            f["field"] == "actionPrice" and f["after"] == {"price": "179", **SALE}
            for c in saved["changes"]
            for f in c["fields"]
        )
        code_, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["apply", "p.json", "--auto-approve"], url=srv.url
        )
        assert code_ == 0, out + err
        code_, out, err = run_cli(monkeypatch, capsys, tmp_path, ["plan"], url=srv.url)
        assert code_ == 0 and "No changes to write." in out, out + err


def test_availability_when_sold_out_converges_and_clears(sb, tmp_path):
    """A small assignment (issue 17): written as availabilityWhenSoldOutId, read back from
    the detail's availabilityWhenSoldOut.id, cleared with null."""
    for value in (3, None):
        products = {GUIDS[0]: {"variants": {code(0, 1): {"availabilityWhenSoldOut": value}}}}
        cat = load_catalog(write_catalog(tmp_path, products))
        plan = plan_of(sb, cat)
        (change,) = plan.changes
        assert change.resource is Resource.VARIANT and change.after == {
            "availabilityWhenSoldOut": value
        }
        seen = apply_recorded(sb, cat, plan)
        (patch,) = [body for m, path, _q, _h, body in seen if m == "PATCH"]
        assert patch["data"]["variants"] == [
            {"code": code(0, 1), "availabilityWhenSoldOutId": value}
        ]
        assert plan_of(sb, cat).is_empty


def flagged(flags_0: dict, flags_1: dict, tmp_path):
    products = {
        GUIDS[0]: {"flags": flags_0, "variants": {code(0, i): sale(0, i) for i in range(3)}},
        GUIDS[1]: {"flags": flags_1},
    }
    return load_catalog(write_catalog(tmp_path, products))


def live_flags(sb: Sandbox, guid: str) -> list[dict]:
    return next(p["flags"] for p in sb.state()["products"] if p["guid"] == guid)


def test_a_dated_flag_by_title_converges_and_ends_leaving_other_flags_alone(sb, tmp_path):
    spec = require_spec()
    state = sb.state()
    for p in state["products"]:
        if p["guid"] == GUIDS[0]:
            p["flags"] = [{"code": "tip", "dateFrom": None, "dateTo": None}]  # not in the YAML
    sb.load_state(state)
    dated = {"from": "2026-12-01", "to": "2026-12-24"}
    cat = flagged({"Akce": dated}, {"new": True, "akce": False}, tmp_path)
    plan = plan_of(sb, cat)
    flags = {c.guid: c for c in plan.changes if c.resource is Resource.PRODUCT}
    assert flags[GUIDS[0]].fields[0].before == {"action": None}  # titles resolved to codes
    assert flags[GUIDS[0]].after == {
        "flags": {"action": {"dateFrom": "2026-12-01", "dateTo": "2026-12-24"}}
    }
    assert flags[GUIDS[1]].after == {
        "flags": {"action": None, "new": {"dateFrom": None, "dateTo": None}}
    }
    seen = apply_recorded(sb, cat, plan)
    bodies = {path: body for m, path, _q, _h, body in seen if m == "PATCH" and "products" in path}
    assert bodies[f"/api/products/{GUIDS[0]}"]["data"]["flagsManagement"] == [
        {"action": "set", "code": "action", "dateFrom": "2026-12-01", "dateTo": "2026-12-24"}
    ]
    assert bodies[f"/api/products/{GUIDS[1]}"]["data"]["flagsManagement"] == [
        {"action": "unset", "code": "action"},
        {"action": "set", "code": "new", "dateFrom": None, "dateTo": None},
    ]
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    assert plan_of(sb, cat).is_empty
    assert {f["code"] for f in live_flags(sb, GUIDS[0])} == {"tip", "action"}  # tip left alone

    # the campaign ends: the flag is removed, the other flags stay
    end = flagged({"Akce": False}, {"new": True}, tmp_path)
    plan = plan_of(sb, end)
    assert [c.after for c in plan.changes] == [{"flags": {"action": None}}]
    apply_recorded(sb, end, plan)
    assert plan_of(sb, end).is_empty
    assert live_flags(sb, GUIDS[0]) == [{"code": "tip", "dateFrom": None, "dateTo": None}]


def test_a_flag_the_shop_lacks_is_a_located_plan_error(sb, tmp_path):
    cat = flagged({"Vánoce": True}, {"new": True}, tmp_path)
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    (problem,) = err.value.problems
    assert problem.file.endswith("products.yaml") and problem.line > 1
    assert "flag 'Vánoce' is not a flag of this e-shop (it has: new (Novinka)" in problem.message
    assert "lookup flags" in problem.message
    assert sb.counters["writes"] == 0


def test_a_new_product_starts_with_its_flags_and_campaign_prices(sb, tmp_path):
    """A create carries the set flags as ``flags`` (a create has nothing to unset) and the
    pricelist objects go in the pricelist right after it; the re-plan is empty."""
    spec = require_spec()
    new = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
    product = {
        "name": "Nová káva",
        "defaultCategory": "10d66176-f74c-5fac-afb4-d233c14e5159",
        "flags": {"Novinka": {"to": "2027-01-31"}, "Tip": False},
        "variants": {
            "NEW-1": {
                "price": "100",
                "actionPrice": {"price": "90", **SALE},
                "purchasePrice": "50",
            }
        },
    }
    cat = load_catalog(write_catalog(tmp_path, {new: product}))
    plan = plan_of(sb, cat)
    seen = apply_recorded(sb, cat, plan)
    writes = {(m, path): body["data"] for m, path, _q, _h, body in seen if m != "GET"}
    assert writes[("POST", "/api/products")]["flags"] == [
        {"code": "new", "dateFrom": None, "dateTo": "2027-01-31"}
    ]
    assert writes[("PATCH", "/api/pricelists/1")] == [
        {
            "code": "NEW-1",
            "price": {"actionPrice": {"price": "90.00", **SALE}},
            "prices": {"purchasePrice": {"price": "50.00"}},
        }
    ]
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    assert plan_of(sb, cat).is_empty
