"""Several pricelists (issue 17): a variant's ``prices:`` states its rows in pricelists other
than the default, by name or id. A campaign over 320 variants in two pricelists (an action
price in the default one; a B2B price with a dated action price in "Velkoobchod") goes plan ->
apply -> plan empty in 300-row PATCHes per pricelist whose bodies conform to Shoptet's OpenAPI
file; ending it (null) converges the same way. Names that resolve to no pricelist, to two, or
to the catalog's own pricelist are located plan errors; a forged plan cannot write a pricelist
the catalog does not state."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError, StalePlan
from reconciler.pipeline import apply_plan
from reconciler.plan.model import Change, FieldChange, Plan, Resource
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import plan_of, write_catalog
from tests.apply.test_campaign_flow import (
    GUIDS,
    PER_PRODUCT,
    SALE,
    apply_recorded,
    campaign_state,
    code,
)
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client

B2B_SALE = {"fromDate": "2026-12-01", "toDate": "2026-12-31"}


def two_pricelists() -> dict:
    state = campaign_state()
    state["pricelists"] += [{"id": 2, "name": "Velkoobchod"}, {"id": 3, "name": "Partneři"}]
    return state


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(two_pricelists())


def catalog(tmp_path, variant_fields, shop: dict | None = None):
    products = {
        guid: {"variants": {code(p, i): variant_fields(p, i) for i in range(PER_PRODUCT)}}
        for p, guid in enumerate(GUIDS)
    }
    return load_catalog(write_catalog(tmp_path, products, shop=shop))


def campaign(p: int, i: int) -> dict:
    # half name the pricelist, half its id: both resolve to pricelist 2
    b2b = "Velkoobchod" if i % 2 else "2"
    return {
        "actionPrice": {"price": "179.00", **SALE},
        "prices": {b2b: {"price": "180.00", "actionPrice": {"price": "160.00", **B2B_SALE}}},
    }


def ended(p: int, i: int) -> dict:
    return {"actionPrice": None, "prices": {"Velkoobchod": {"actionPrice": None}}}


def patches_by_pricelist(seen: list) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for m, path, _q, _h, body in seen:
        if m == "PATCH" and path.startswith("/api/pricelists/"):
            out.setdefault(path, []).append(len(body["data"]))
    return out


def conformance_problems(seen: list) -> list:
    spec = require_spec()
    return [p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)]


def test_a_campaign_in_two_pricelists_converges_and_ends_the_same_way(sb, tmp_path):
    cat = catalog(tmp_path, campaign)
    plan = plan_of(sb, cat)
    prices = [c for c in plan.changes if c.resource is Resource.PRICE]
    assert len(plan.changes) == len(prices) == 2 * 2 * PER_PRODUCT
    b2b = next(c for c in prices if c.code == code(0, 1) and c.pricelist_id == 2)
    assert b2b.id == f"price:{GUIDS[0]}:{code(0, 1)}:pricelist-2"
    assert b2b.after == {"price": "180", "actionPrice": {"price": "160", **B2B_SALE}}
    assert b2b.before == {"price": None, "actionPrice": None}
    text = render_text(plan)
    assert f"~ price {code(0, 1)} in pricelist 2 (Velkoobchod)" in text
    assert "~ actionPrice: (none) -> 160.00 from 1 Dec 2026 to 31 Dec 2026" in text

    seen = apply_recorded(sb, cat, plan)
    assert patches_by_pricelist(seen) == {
        "/api/pricelists/1": [300, 20],
        "/api/pricelists/2": [300, 20],
    }
    row = next(
        r
        for m, path, _q, _h, body in seen
        if path == "/api/pricelists/2"
        for r in body["data"]
        if r["code"] == code(0, 1)
    )
    assert row == {
        "code": code(0, 1),
        "price": {"price": "180.00", "actionPrice": {"price": "160.00", **B2B_SALE}},
    }
    assert conformance_problems(seen) == []
    assert plan_of(sb, cat).is_empty
    variant = next(
        v for p in sb.state()["products"] for v in p["variants"] if v["code"] == code(1, 0)
    )
    assert variant["prices"]["2"]["actionPrice"] == {"price": "160.00", **B2B_SALE}
    assert variant["prices"]["1"]["actionPrice"] == {"price": "179.00", **SALE}
    assert "3" not in variant["prices"]  # a pricelist no catalog states is left alone

    end = catalog(tmp_path, ended)
    plan = plan_of(sb, end)
    assert len(plan.changes) == 2 * 2 * PER_PRODUCT
    assert "~ actionPrice: 160.00 from 1 Dec 2026 to 31 Dec 2026 -> (none)" in render_text(plan)
    seen = apply_recorded(sb, end, plan)
    assert conformance_problems(seen) == []
    assert plan_of(sb, end).is_empty
    variant = next(
        v for p in sb.state()["products"] for v in p["variants"] if v["code"] == code(1, 0)
    )
    assert variant["prices"]["2"]["price"] == "180.00"  # only the action price ended


def test_a_new_variant_gets_its_other_pricelist_row_after_it_exists(sb, tmp_path):
    fields = {
        "price": "210.00",
        "parameters": {"hmotnost": "999-g"},
        "prices": {"Partneři": {"price": "170.00", "commonPrice": "190.00"}},
    }
    products = {GUIDS[0]: {"variants": {"XMAS-NEW": fields}}}
    cat = load_catalog(write_catalog(tmp_path, products))
    plan = plan_of(sb, cat)
    created = {c.id: c for c in plan.changes}
    row = created[f"price:{GUIDS[0]}:XMAS-NEW:pricelist-3"]
    assert row.action.value == "create" and row.after == {"price": "170", "commonPrice": "190"}
    seen = apply_recorded(sb, cat, plan)
    assert "/api/pricelists/3" in patches_by_pricelist(seen)
    assert conformance_problems(seen) == []
    assert plan_of(sb, cat).is_empty


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("Velkobchod", "is not a pricelist of this e-shop (did you mean 'Velkoobchod'?)"),
        ("9", "'9' is not a pricelist of this e-shop"),
        ("Základní ceník", "this catalog's own pricelist (1"),
        ("1", "this catalog's own pricelist (1"),
        ("Dvojník", "is ambiguous: pricelists 4, 5 share that name; write the id instead"),
    ],
)
def test_a_pricelist_name_that_names_no_other_pricelist_is_a_located_error(tmp_path, written, says):
    state = two_pricelists()
    state["pricelists"] += [{"id": 4, "name": "Dvojník"}, {"id": 5, "name": "dvojník"}]
    sb = Sandbox(state)
    products = {GUIDS[0]: {"variants": {code(0, 0): {"prices": {written: {"price": "1.00"}}}}}}
    path = write_catalog(tmp_path, products)
    with pytest.raises(CatalogError) as err:
        plan_of(sb, load_catalog(path))
    (problem,) = err.value.problems
    assert problem.file.endswith("products.yaml") and problem.line > 1
    assert says in problem.message and f"variant {code(0, 0)}" in problem.message
    assert sb.counters["writes"] == 0


def test_naming_one_pricelist_twice_is_a_located_error(sb, tmp_path):
    prices = {"Velkoobchod": {"price": "1.00"}, "2": {"commonPrice": "2.00"}}
    products = {GUIDS[0]: {"variants": {code(0, 0): {"prices": prices}}}}
    with pytest.raises(CatalogError) as err:
        plan_of(sb, load_catalog(write_catalog(tmp_path, products)))
    (problem,) = err.value.problems
    assert "names pricelist 2 twice" in problem.message and problem.line > 1


def test_a_b2b_sale_above_the_live_b2b_price_is_a_located_error(sb, tmp_path):
    cat = catalog(tmp_path, campaign)
    apply_recorded(sb, cat, plan_of(sb, cat))  # B2B price 180.00 live
    over = {"prices": {"Velkoobchod": {"actionPrice": {"price": "181.00"}}}}
    products = {GUIDS[0]: {"variants": {code(0, 3): over}}}
    with pytest.raises(CatalogError) as err:
        plan_of(sb, load_catalog(write_catalog(tmp_path, products)))
    (problem,) = err.value.problems
    assert "181.00 in pricelist Velkoobchod is above the shop's regular price 180.00" in (
        problem.message
    )


def test_a_forged_plan_cannot_write_a_pricelist_the_catalog_does_not_state(sb, tmp_path):
    cat = catalog(tmp_path, campaign)
    plan = plan_of(sb, cat)
    real = next(c for c in plan.changes if c.pricelist_id == 2)
    # the same row moved to pricelist 3, and a row the catalog never states, in pricelist 3
    moved = replace(real, pricelist_id=3)
    extra = Change(
        "update",
        "price",
        real.guid,
        code(0, 5),
        pricelist_id=3,
        fields=(FieldChange("price", None, "1"),),
    )
    for forged_changes in (
        (*[c for c in plan.changes if c != real], moved),
        (*plan.changes, extra),
    ):
        forged = Plan.from_json(replace(plan, changes=forged_changes).to_json())
        before = sb.counters["writes"]
        with sandbox_client(sb) as client, pytest.raises(StalePlan) as err:
            apply_plan(forged, client, cat)
        assert "pricelist-3" in str(err.value) and "not a change the catalog makes" in str(
            err.value
        )
        assert sb.counters["writes"] == before


def test_prices_in_the_plan_file_round_trip_and_stay_out_of_one_pricelist_plans(sb, tmp_path):
    plan = plan_of(sb, catalog(tmp_path, campaign))
    again = Plan.from_json(plan.to_json())
    assert again == plan and again.plan_id == plan.plan_id
    data = json.loads(plan.to_json())
    rows = [c for c in data["changes"] if c.get("pricelistId") == 2]
    assert len(rows) == 2 * PER_PRODUCT
    assert all("pricelistId" not in c for c in data["changes"] if c["id"].count(":") == 2)


def test_the_price_guard_watches_other_pricelists_and_names_them(sb, tmp_path):
    cat = catalog(tmp_path, campaign)
    apply_recorded(sb, cat, plan_of(sb, cat))  # B2B price 180.00 live
    cut = {"prices": {"Velkoobchod": {"price": "50.00", "actionPrice": None}}}
    plan = plan_of(
        sb, load_catalog(write_catalog(tmp_path, {GUIDS[0]: {"variants": {code(0, 3): cut}}}))
    )
    guard = {g.name: g for g in plan.guards}["price"]
    assert not guard.ok
    assert f"variant {code(0, 3)} in pricelist 2 price 180 -> 50" in guard.message


def test_a_b2b_price_change_is_reverted_from_the_journal(tmp_path, monkeypatch, capsys):
    """The journal records the pricelist of each row, so `revert` puts the B2B row back in
    its own pricelist and leaves the default one alone."""
    from tests.apply.support import run_cli
    from tests.support.sandbox_client import served

    sb = Sandbox(two_pricelists())
    b2b = {"prices": {"Velkoobchod": {"price": "170.00", "commonPrice": "190.00"}}}
    write_catalog(tmp_path, {GUIDS[0]: {"variants": {code(0, 2): b2b}}})

    def row(pricelist: str) -> dict:
        return next(
            v["prices"].get(pricelist) or {}
            for p in sb.state()["products"]
            for v in p["variants"]
            if v["code"] == code(0, 2)
        )

    before_default, before_b2b = row("1"), row("2")
    with served(sb) as srv:
        for args in (
            ["plan", "--out", "p.json"],
            ["apply", "p.json", "--auto-approve", "--journal", "j.jsonl"],
        ):
            status, _out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=srv.url)
            assert status == 0, err
        assert row("2")["price"] == "170.00" and row("2")["commonPrice"] == "190.00"
        journal = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
        writes = [w for e in journal for w in e.get("writes") or ()]
        assert [w["pricelistId"] for w in writes] == [2]
        for args in (
            ["revert", "j.jsonl", "--out", "r.json"],
            ["apply", "--revert", "j.jsonl", "r.json", "--auto-approve"],
        ):
            status, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=srv.url)
            assert status == 0, (out, err)
    assert row("1") == before_default
    assert row("2").get("price") == before_b2b.get("price")
    assert row("2").get("commonPrice") == before_b2b.get("commonPrice")


def test_a_vat_only_b2b_row_carries_that_pricelists_own_price(sb, tmp_path):
    """A row of only vatRate/includingVat must name a price object (Shoptet's rule); it names
    the variant's price in that pricelist as read now, never the default one."""
    cat = catalog(tmp_path, campaign)
    apply_recorded(sb, cat, plan_of(sb, cat))  # B2B price 180.00, default 200.00
    vat = {"prices": {"Velkoobchod": {"includingVat": False}}}
    cat = load_catalog(write_catalog(tmp_path, {GUIDS[0]: {"variants": {code(0, 4): vat}}}))
    seen = apply_recorded(sb, cat, plan_of(sb, cat))
    (row,) = [
        r for m, path, _q, _h, body in seen if path == "/api/pricelists/2" for r in body["data"]
    ]
    assert row == {"code": code(0, 4), "price": {"price": "180.00"}, "includingVat": False}
    assert conformance_problems(seen) == []
    assert plan_of(sb, cat).is_empty


def test_an_ignore_rule_drops_other_pricelists_and_their_reads(sb, tmp_path):
    products = {GUIDS[0]: {"variants": {code(0, 0): {"prices": {"Nikde": {"price": "1.00"}}}}}}
    path = write_catalog(tmp_path, products, shop={"ignore": ["variants.*.prices"]})
    plan = plan_of(sb, load_catalog(path))  # the unknown name is never resolved
    assert plan.is_empty
    assert not any(e["path"] == "/api/pricelists" for e in sb.request_log)
