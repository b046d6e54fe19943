"""Flag definitions as code (issue 17): shop.yaml ``flags:`` declares a flag the shop lacks, the
plan lists it as its own change before the products, apply creates it first (Shoptet generates
the code), learns the code and writes the products' dated flags with it; the re-plan is empty.
Ending the campaign unsets the flag on the products and keeps the definition. A declared
flag's colour or title is PATCHed; nothing is ever DELETEd. Without a declaration the name is
a located error that says how to declare it; a forged plan cannot create an undeclared flag."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.apply.result import Status
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError, StalePlan
from reconciler.pipeline import apply_plan
from reconciler.plan.model import Action, Change, FieldChange, Plan, Resource
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, write_catalog
from tests.apply.test_conformance import Recording
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client

PRODUCTS = (
    "70b1bb6c-3ea5-5822-b934-b29e437a0ad0",  # Káva Etiopie Yirgacheffe
    "5c421358-5da0-5a2f-af0c-47b8e35ce00a",  # Káva Kolumbie Supremo
    "693b24f4-fa81-5f3e-9d7f-6419a06506d5",  # Káva Brazílie Santos
)
DATED = {"from": "2026-12-01", "to": "2026-12-24"}
XMAS = {"Vánoce": {"color": "#D40000"}}


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(demo_state())


def catalog(tmp_path, flags: dict, declared: dict | None):
    products = {guid: {"flags": flags} for guid in PRODUCTS}
    shop = None if declared is None else {"flags": declared}
    return load_catalog(write_catalog(tmp_path, products, shop))


def apply_recorded(sb: Sandbox, cat, plan) -> tuple[list, object]:
    seen: list = []
    with sandbox_client(sb, wrap=lambda inner: Recording(inner, seen)) as client:
        result = apply_plan(plan, client, cat)
    return seen, result


def shop_flag(sb: Sandbox, title: str) -> dict | None:
    return next((f for f in sb.state()["flags"] if f["title"] == title), None)


def product_flags(sb: Sandbox, guid: str) -> list[dict]:
    return next(p["flags"] for p in sb.state()["products"] if p["guid"] == guid)


def test_a_new_flag_is_created_first_and_its_dated_use_converges_then_ends(sb, tmp_path):
    spec = require_spec()
    cat = catalog(tmp_path, {"Vánoce": DATED}, XMAS)
    plan = plan_of(sb, cat)
    (flag,) = [c for c in plan.changes if c.resource is Resource.FLAG]
    assert flag.id == "flag:+Vánoce" and flag.action is Action.CREATE
    assert flag.after == {"title": "Vánoce", "color": "#d40000"}
    assert flag.source and flag.source.endswith("shop.yaml:1")
    assert plan.changes[0] == flag  # before every product
    products = [c for c in plan.changes if c.resource is Resource.PRODUCT]
    assert [c.guid for c in products] == sorted(PRODUCTS)
    wanted = {"+Vánoce": {"dateFrom": "2026-12-01", "dateTo": "2026-12-24"}}
    assert all(c.after == {"flags": wanted} for c in products)
    text = render_text(plan)
    assert '+ flag "Vánoce" (color #d40000)' in text
    assert text.index('+ flag "Vánoce"') < text.index("Káva")
    assert "1 flag definition added" in text
    assert '+ flag "Vánoce" (color #d40000)' in render_markdown(plan)

    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok, result.outcomes
    writes = [(m, path, body) for m, path, _q, _h, body in seen if m != "GET"]
    assert writes[0] == (
        "POST",
        "/api/products/flags",
        {"data": {"title": "Vánoce", "color": "#d40000"}},
    )
    created = shop_flag(sb, "Vánoce")
    assert created is not None and created["code"] not in ("+Vánoce", "Vánoce")
    sent = [body["data"]["flagsManagement"] for m, path, body in writes[1:]]
    assert sent == [
        [
            {
                "action": "set",
                "code": created["code"],
                "dateFrom": "2026-12-01",
                "dateTo": "2026-12-24",
            }
        ]
    ] * len(PRODUCTS)
    assert "+" not in json.dumps([w[2] for w in writes[1:]])  # a placeholder is never sent
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    assert plan_of(sb, cat).is_empty

    # the campaign ends: the flag comes off every product; the definition stays
    end = catalog(tmp_path, {"Vánoce": False}, XMAS)
    plan = plan_of(sb, end)
    assert [c.after for c in plan.changes] == [{"flags": {created["code"]: None}}] * len(PRODUCTS)
    seen, result = apply_recorded(sb, end, plan)
    assert result.ok
    assert all(product_flags(sb, g) == [] for g in PRODUCTS)
    assert shop_flag(sb, "Vánoce") is not None
    assert not [m for m, *_ in seen if m == "DELETE"]
    assert plan_of(sb, end).is_empty


def test_a_declared_flags_colour_and_title_are_patched_never_deleted(sb, tmp_path):
    spec = require_spec()
    cat = catalog(
        tmp_path, {"Tip týdne": True}, {"tip": {"title": "Tip týdne", "color": "#00A000"}}
    )
    plan = plan_of(sb, cat)
    (flag,) = [c for c in plan.changes if c.resource is Resource.FLAG]
    assert flag.id == "flag:tip" and flag.action is Action.UPDATE
    assert flag.before == {"title": "Tip", "color": "#2196f3"}
    assert flag.after == {"title": "Tip týdne", "color": "#00a000"}
    assert '~ flag tip (Tip): title "Tip" -> "Tip týdne", color "#2196f3" -> "#00a000"' in (
        render_text(plan)
    )
    products = [c for c in plan.changes if c.resource is Resource.PRODUCT]
    assert all(c.after == {"flags": {"tip": {"dateFrom": None, "dateTo": None}}} for c in products)
    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok, result.outcomes
    (patch,) = [(path, body) for m, path, _q, _h, body in seen if m == "PATCH" and "flags" in path]
    assert patch == (
        "/api/products/flags/tip",
        {"data": {"title": "Tip týdne", "color": "#00a000"}},
    )
    assert [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ] == []
    assert shop_flag(sb, "Tip týdne") == {
        "code": "tip",
        "title": "Tip týdne",
        "system": True,
        "color": "#00a000",
    }
    assert plan_of(sb, cat).is_empty  # the declaration still finds the renamed flag

    # a declaration removed from shop.yaml deletes nothing
    plain = catalog(tmp_path, {"tip": True}, None)
    assert plan_of(sb, plain).is_empty


def test_an_undeclared_new_flag_is_a_located_error_naming_how_to_declare_it(sb, tmp_path):
    cat = catalog(tmp_path, {"Vánoce": True}, None)
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    first = err.value.problems[0]
    assert first.file.endswith("products.yaml") and first.line > 1
    assert "flag 'Vánoce' is not a flag of this e-shop" in first.message
    assert "declare it in shop.yaml" in first.message and "flags: {Vánoce:" in first.message
    assert sb.counters["writes"] == 0


def test_two_declarations_of_one_flag_are_a_located_error(sb, tmp_path):
    cat = catalog(tmp_path, {"tip": True}, {"tip": {"color": "#000"}, "Tip": {"color": "#fff"}})
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    (problem,) = err.value.problems
    assert problem.file.endswith("shop.yaml")
    assert "define the same flag (tip)" in problem.message


def forged(plan: Plan, *extra: Change) -> Plan:
    return replace(plan, changes=(*plan.changes, *extra))


def test_a_forged_plan_cannot_create_a_flag_the_catalog_does_not_declare(sb, tmp_path):
    cat = catalog(tmp_path, {"Vánoce": DATED}, XMAS)
    plan = plan_of(sb, cat)
    fake = Change(
        Action.CREATE, Resource.FLAG, "", "+Zdarma", fields=(FieldChange("title", None, "Zdarma"),)
    )
    with pytest.raises(StalePlan) as err:
        apply_recorded(sb, cat, forged(plan, fake))
    assert "flag:+Zdarma: title -> 'Zdarma' is not a change the catalog makes" in str(err.value)
    recolored = replace(
        plan,
        changes=tuple(
            replace(
                c,
                fields=(
                    FieldChange("title", None, "Vánoce"),
                    FieldChange("color", None, "#000000"),
                ),
            )
            if c.resource is Resource.FLAG
            else c
            for c in plan.changes
        ),
    )
    with pytest.raises(StalePlan) as err:
        apply_recorded(sb, cat, recolored)
    assert "color -> '#000000', but the catalog states '#d40000'" in str(err.value)
    assert sb.counters["writes"] == 0
    assert shop_flag(sb, "Zdarma") is None


def test_a_rerun_after_the_flag_was_created_binds_the_products_to_its_code(sb, tmp_path):
    """A crash after the create: the same plan runs again, the create is done (the flag with
    that title exists), the products are written with the live code."""
    cat = catalog(tmp_path, {"Vánoce": DATED}, XMAS)
    plan = plan_of(sb, cat)
    with sandbox_client(sb) as client:
        client.create_flag({"title": "Vánoce", "color": "#d40000"})
    code = shop_flag(sb, "Vánoce")["code"]
    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok
    assert result.outcomes["flag:+Vánoce"].status is Status.DONE
    assert not [p for m, p, *_ in seen if m == "POST"]
    assert all(product_flags(sb, g)[0]["code"] == code for g in PRODUCTS)
    assert plan_of(sb, cat).is_empty


def test_products_naming_a_flag_whose_create_failed_are_skipped_not_sent(sb, tmp_path):
    cat = catalog(tmp_path, {"Vánoce": DATED}, XMAS)
    plan = plan_of(sb, cat)
    sb.faults.add(kind="reset_before", method="POST", path="/api/products/flags", times=10)
    seen, result = apply_recorded(sb, cat, plan)
    assert result.outcomes["flag:+Vánoce"].status is Status.FAILED
    for guid in PRODUCTS:
        outcome = result.outcomes[f"product:{guid}"]
        assert outcome.status is Status.SKIPPED
        assert "flag:+Vánoce was not created" in outcome.message
    assert not [p for m, p, *_ in seen if m == "PATCH"]
    assert shop_flag(sb, "Vánoce") is None


def test_a_lost_create_response_is_confirmed_by_title_and_the_code_used(sb, tmp_path):
    cat = catalog(tmp_path, {"Vánoce": DATED}, XMAS)
    plan = plan_of(sb, cat)
    sb.faults.add(kind="reset_after", method="POST", path="/api/products/flags")
    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok, result.outcomes
    assert len([p for m, p, *_ in seen if m == "POST"]) == 1  # not created twice
    code = shop_flag(sb, "Vánoce")["code"]
    assert all(product_flags(sb, g)[0]["code"] == code for g in PRODUCTS)
    assert plan_of(sb, cat).is_empty


def test_a_new_product_is_created_with_a_new_flag_under_its_generated_code(sb, tmp_path):
    new = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
    product = {
        "name": "Vánoční káva",
        "defaultCategory": "10d66176-f74c-5fac-afb4-d233c14e5159",
        "flags": {"Vánoce": DATED},
        "variants": {"XMAS-1": {"price": "100"}},
    }
    cat = load_catalog(write_catalog(tmp_path, {new: product}, {"flags": XMAS}))
    plan = plan_of(sb, cat)
    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok, result.outcomes
    code = shop_flag(sb, "Vánoce")["code"]
    (post,) = [
        body["data"] for m, path, _q, _h, body in seen if (m, path) == ("POST", "/api/products")
    ]
    assert post["flags"] == [{"code": code, "dateFrom": "2026-12-01", "dateTo": "2026-12-24"}]
    assert plan_of(sb, cat).is_empty
