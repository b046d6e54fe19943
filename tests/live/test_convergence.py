"""Convergence: a shop that holds exactly the catalog plans nothing; one field changed in the
shop plans exactly one change, with the right before and after.

The catalog's desired state reaches the sandbox through its admin surface
(``Sandbox.load_state``), never through our apply, so a bug shared by apply and live reading
cannot hide itself. The thorough variants run with ``-m slow``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.pipeline import make_plan
from reconciler.plan.model import Resource
from reconciler.plan.normalize import NormContext, canonical_decimal, normalize_product
from reconciler.sandbox import Sandbox
from tests.live.support import (
    AVAILABILITIES,
    BRANDS,
    CATEGORIES,
    VAT_RATES,
    base_state,
    catalog_to_state,
    catalogs,
    loaded,
)
from tests.support.sandbox_client import sandbox_client

THOROUGH = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@lru_cache(maxsize=1)
def _base() -> dict:
    return base_state()


def _plan(catalog, state):
    sb = Sandbox.from_seed("empty", limits=False)
    sb.load_state(state)
    with sandbox_client(sb, read_only=True) as client:
        plan = make_plan(client, loaded(catalog))
    assert sb.counters["writes"] == 0
    return plan


def check_converged(catalog) -> None:
    plan = _plan(catalog, catalog_to_state(catalog, _base()))
    assert plan.changes == (), [c.to_dict() for c in plan.changes]
    assert plan.unmanaged.count == 0


@given(catalogs())
def test_a_shop_holding_the_catalog_plans_nothing(catalog):
    check_converged(catalog)


@pytest.mark.slow
@THOROUGH
@given(catalogs(max_products=8, max_variants=5))
def test_a_shop_holding_the_catalog_plans_nothing_thorough(catalog):
    check_converged(catalog)


# ---------------------------------------------------------------------------------------------
# One field changed in the shop


def _other(choices, current):
    return next(c for c in choices if c != current)


def _plus_one(value, places):
    return str((Decimal(value or 0) + 1).quantize(Decimal(1).scaleb(-places)))


def mutate_product(p: dict, field: str, desired) -> object:
    """Change ``field`` of state product ``p``; return the live value the plan should show."""
    if field == "visibility":
        p["visibility"] = "visible" if desired == "hidden" else "hidden"
        return p["visibility"]
    if field == "brand":
        p["brandCode"] = _other(BRANDS, desired)
        return p["brandCode"]
    if field == "defaultCategory":
        p["defaultCategoryGuid"] = _other(CATEGORIES, desired)
        p["categoryGuids"] = [p["defaultCategoryGuid"]]
        return p["defaultCategoryGuid"]
    if field == "categories":
        spare = [c for c in CATEGORIES if c not in p["categoryGuids"]]
        if spare:
            p["categoryGuids"].append(spare[0])
        else:
            p["categoryGuids"].remove(_other(p["categoryGuids"], p["defaultCategoryGuid"]))
        return sorted(set(p["categoryGuids"]))
    new = {"name": "Mutated name", "description": "<p>mutated</p>", "metaTitle": "Mutated"}
    p[field] = new.get(field, "mutated")
    return p[field]


def mutate_variant(v: dict, field: str, desired, pricelist: int, stock_id: int | None):
    """Change ``field`` of state variant ``v``; return the live value the plan should show."""
    row = v["prices"][str(pricelist)]
    if field in ("price", "commonPrice"):
        row[field] = _plus_one(desired, 2)
        return canonical_decimal(row[field])
    if field == "vatRate":
        row["vatRate"] = _other(VAT_RATES, f"{desired:.2f}")
        return canonical_decimal(row["vatRate"])
    if field == "includingVat":
        row["includingVat"] = not desired
        return row["includingVat"]
    if field == "stock":
        stock = v["stocks"][str(stock_id)]
        stock["realStock"] = _plus_one(stock["realStock"], 3)
        return canonical_decimal(stock["realStock"])
    if field in ("weight", "minStockSupply"):
        v[field] = _plus_one(desired, 3)
        return canonical_decimal(v[field])
    if field == "visible":
        v["visible"] = not desired
        return v["visible"]
    if field == "availability":
        v["availabilityId"] = _other(AVAILABILITIES, desired)
        return v["availabilityId"]
    if field == "negativeStockAllowed":
        v["negativeStockAllowed"] = "no-global" if desired else "yes"
        return not desired
    if field == "ean":
        v["ean"] = _other(["1111111111111", "2222222222222"], desired)
        return v["ean"]
    v[field] = "MUTATED"
    return v[field]


def _candidates(catalog, ctx):
    """(guid, code, stock id, field, desired normalised value) for every mutable stated field."""
    out = []
    for guid, product in sorted(catalog.products.items()):
        form = normalize_product(product, ctx)
        for name, value in sorted(form["fields"].items()):
            if name == "type" or (name == "defaultCategory" and "categories" in form["fields"]):
                continue
            out.append((guid, None, None, name, value))
        for code, vform in sorted(form["variants"].items()):
            for name, value in sorted(vform.items()):
                if name == "stock":
                    out += [(guid, code, sid, name, a) for sid, a in sorted(value.items())]
                else:
                    out.append((guid, code, None, name, value))
    return out


def check_one_change(catalog, data) -> None:
    base = _base()
    state = catalog_to_state(catalog, base)
    ctx = NormContext(catalog.shop.defaultStock or state["defaultStockId"])
    candidates = _candidates(catalog, ctx)
    assume(candidates)
    guid, code, stock_id, field, after = data.draw(st.sampled_from(candidates), label="field")
    product = next(p for p in state["products"] if p["guid"] == guid)
    raw = catalog.products[guid]
    if code is None:
        before = mutate_product(product, field, getattr(raw, field))
    else:
        variant = next(v for v in product["variants"] if v["code"] == code)
        pricelist = catalog.shop.pricelist or state["defaultPricelistId"]
        desired = getattr(raw.variants[code], field)
        before = mutate_variant(variant, field, desired, pricelist, stock_id)

    plan = _plan(catalog, state)
    assert len(plan.changes) == 1, [c.to_dict() for c in plan.changes]
    change = plan.changes[0]
    assert (change.guid, change.code, change.stock_id) == (guid, code, stock_id)
    if code is None:
        assert change.resource is Resource.PRODUCT
    assert [(f.field, f.before, f.after) for f in change.fields] == [(field, before, after)]


@given(catalogs(), st.data())
def test_one_field_changed_in_the_shop_plans_exactly_that_change(catalog, data):
    check_one_change(catalog, data)


@pytest.mark.slow
@THOROUGH
@given(catalogs(max_products=8, max_variants=5), st.data())
def test_one_field_changed_in_the_shop_plans_exactly_that_change_thorough(catalog, data):
    check_one_change(catalog, data)
