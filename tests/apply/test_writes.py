"""Request bodies and batching (pure), the compare-before-write verdicts (pure), and batches
over 300 items split into several requests (in-process sandbox)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciler.apply import bodies as W
from reconciler.apply.check import Verdict, check, created_keys
from reconciler.model import Catalog, Product, ShopSettings, Variant
from reconciler.pipeline import apply_plan
from reconciler.plan.model import Action, Change, FieldChange, Resource
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, loaded, plan_of, write_requests
from tests.support.sandbox_client import sandbox_client

G = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CAT = "b9e6b7dc-3057-5ac1-9792-f17d839243b8"


def test_create_body_carries_guid_variants_prices_and_initial_stock():
    fields = {
        "name": "Čokoláda",
        "visibility": "visible",
        "brand": "milka",
        "defaultCategory": CAT,
        "categories": [CAT],
        "description": None,
    }
    variants = {
        "CHOC-200": {"availability": 3, "negativeStockAllowed": False},
        "CHOC-100": {"ean": "0012345", "price": "123.4", "weight": "0.3", "stock": {1: "50"}},
    }
    assert W.create_body(G, fields, variants) == {
        "guid": G,
        "name": "Čokoláda",
        "visibility": "visible",
        "brandCode": "milka",
        "defaultCategoryGuid": CAT,
        "categoryGuids": [CAT],
        "variants": [
            {
                "code": "CHOC-100",
                "ean": "0012345",
                "weight": "0.300",
                "price": "123.40",
                "stocksLocations": [{"stockId": 1, "amount": "50.000"}],
            },
            {"code": "CHOC-200", "availabilityId": 3, "negativeStockAllowed": False},
        ],
    }


def test_patch_body_has_only_the_given_fields_and_exact_codes():
    body = W.patch_body(
        {"name": "Nové", "brand": None}, [("00123", {"ean": None, "minStockSupply": "2"})]
    )
    assert body == {
        "name": "Nové",
        "brandCode": None,
        "variants": [{"code": "00123", "ean": None, "minStockSupply": "2.000"}],
    }
    assert "parameters" not in str(body)


def test_price_rows_and_movements():
    assert W.price_row("A", {"price": "219", "commonPrice": None, "vatRate": "12"}) == {
        "code": "A",
        "price": {"price": "219.00", "commonPrice": None},
        "vatRate": "12.00",
    }
    assert W.price_row("A", {"includingVat": False}) == {"code": "A", "includingVat": False}
    assert W.movement_item("A", "42") == {"productCode": "A", "realStock": 42}


def test_a_price_row_always_carries_one_of_shoptets_required_objects():
    """updatePricelist: every row needs price, priceWithVat, priceWithoutVat, orderableAmount
    or sales; a row without one gets the current price, unchanged (null stays null)."""
    assert W.price_row("A", {"vatRate": "21"}, "189") == {
        "code": "A",
        "vatRate": "21.00",
        "price": {"price": "189.00"},
    }
    purchase = {"purchasePrice": {"price": "100", "vatRate": None, "includingVat": True}}
    assert W.price_row("A", purchase, None)["price"] == {"price": None}
    # a row with its own price object or orderableAmount is sent as it is
    assert W.price_row("A", {"vatRate": "21", "commonPrice": "5"}, "189")["price"] == {
        "commonPrice": "5.00"
    }
    amounts = {"orderableAmount": {"minimumAmount": "1"}, "vatRate": "21"}
    assert "price" not in W.price_row("A", amounts, "189")
    # nothing read: nothing invented (the executor reads it first, ``Executor.priced``)
    assert W.price_row("A", {"vatRate": "21"}) == {"code": "A", "vatRate": "21.00"}
    assert W.movement_item("A", "1.5") == {"productCode": "A", "realStock": 1.5}
    assert "amountChange" not in str(W.movement_item("A", "-3"))


def test_batches_are_at_most_300():
    assert [len(b) for b in W.batches(range(601))] == [300, 300, 1]
    assert list(W.batches([])) == []


def _form(fields=None, variants=None):
    return {"fields": fields or {}, "variants": variants or {}}


def _update(resource, field, before, after, code=None, stock_id=None):
    return Change(
        Action.UPDATE,
        resource,
        G,
        code,
        stock_id=stock_id,
        fields=(FieldChange(field, before, after),),
    )


@pytest.mark.parametrize(
    "live,verdict",
    [("new", Verdict.DONE), ("old", Verdict.WRITE), ("other", Verdict.CONFLICT)],
)
def test_an_update_is_done_written_or_a_conflict(live, verdict):
    c = _update(Resource.PRODUCT, "name", "old", "new")
    assert check(c, _form({"name": live}), set()).verdict is verdict
    s = _update(Resource.STOCK, "stock", "old", "new", code="A", stock_id=2)
    assert check(s, _form(variants={"A": {"stock": {2: live}}}), set()).verdict is verdict


def test_an_update_of_a_missing_product_or_variant_is_a_conflict():
    c = _update(Resource.PRICE, "price", "1", "2", code="A")
    assert "no longer exists" in check(c, None, set()).reason
    assert "variant A no longer exists" in check(c, _form(), set()).reason


def test_creates_and_deletes():
    create = Change(Action.CREATE, Resource.PRODUCT, G, fields=(FieldChange("name", None, "N"),))
    variant = Change(Action.CREATE, Resource.VARIANT, G, "A", fields=())
    stock = Change(
        Action.CREATE, Resource.STOCK, G, "A", stock_id=1, fields=(FieldChange("stock", None, "5"),)
    )
    made = created_keys([create, variant, stock])
    assert made == {(G, None), (G, "A")}
    assert check(create, None, made).verdict is Verdict.WRITE
    # a product create compares product fields only; its variants are their own changes
    assert check(create, _form({"name": "N"}), made).verdict is Verdict.DONE
    assert check(create, _form({"name": "M"}), made).verdict is Verdict.CONFLICT
    assert check(variant, None, made).verdict is Verdict.WRITE
    assert check(variant, _form({"name": "N"}), made).verdict is Verdict.WRITE
    assert check(variant, _form(variants={"A": {}}), made).verdict is Verdict.DONE
    assert check(stock, None, made).pending == {"stock": "5"}
    assert check(stock, _form(variants={"A": {"stock": {1: "5"}}}), made).verdict is Verdict.DONE
    price = Change(
        Action.CREATE, Resource.PRICE, G, "A", fields=(FieldChange("vatRate", None, "12"),)
    )
    assert check(price, None, made).verdict is Verdict.WRITE
    assert check(price, _form(variants={"A": {"vatRate": "21"}}), made).pending == {"vatRate": "12"}
    assert check(price, _form(variants={"A": {"vatRate": "12"}}), made).verdict is Verdict.DONE
    assert check(price, None, set()).verdict is Verdict.CONFLICT
    gone = Change(Action.DELETE, Resource.VARIANT, G, "A")
    assert check(gone, _form(), set()).verdict is Verdict.DONE
    assert check(gone, _form(variants={"A": {}}), set()).verdict is Verdict.WRITE
    product = Change(Action.DELETE, Resource.PRODUCT, G, fields=(FieldChange("name", "N", None),))
    assert check(product, None, set()).verdict is Verdict.DONE
    assert check(product, _form({"name": "N"}), set()).verdict is Verdict.WRITE
    assert check(product, _form({"name": "Renamed"}), set()).verdict is Verdict.CONFLICT


def test_more_than_300_prices_and_stock_rows_go_in_several_requests():
    codes = [f"BIG-{i:03d}" for i in range(301)]
    new = Product(
        name="Velký produkt",
        defaultCategory=CAT,
        # each variant its own size (Shoptet's multi-variant rule, issue 14): 301 new values of
        # Velikost, planned and created first in one request
        variants={
            c: Variant(
                price=Decimal("10"), vatRate=Decimal("12"), stock=1, parameters={"Velikost": c}
            )
            for c in codes
        },
    )
    sb = Sandbox(demo_state())
    first = Catalog(products={G: new})
    with sandbox_client(sb) as client:
        start = len(sb.request_log)
        assert apply_plan(plan_of(sb, first), client, loaded(first)).ok
        prices = [w for w in write_requests(sb, start) if "pricelists" in w["path"]]
        assert len(prices) == 2  # 301 vatRate rows: 300 + 1
        restock = Catalog(products={G: Product(variants={c: Variant(stock=7) for c in codes})})
        start = len(sb.request_log)
        assert apply_plan(plan_of(sb, restock), client, loaded(restock)).ok
        moves = [w for w in write_requests(sb, start) if "movements" in w["path"]]
        assert len(moves) == 2  # 301 stock rows: 300 + 1
    assert plan_of(sb, loaded(restock)).is_empty


def test_a_create_with_prices_in_another_pricelist_writes_them_there():
    """Shoptet's create puts prices in the default pricelist; with shop.pricelist = 2 apply
    sends the create without them and writes them to pricelist 2."""
    state = demo_state()
    state["pricelists"].append({"id": 2, "name": "VIP"})
    for p in state["products"]:
        for v in p["variants"]:
            v["prices"]["2"] = dict(v["prices"]["1"], price="1.00")
    sb = Sandbox(state)
    new = Product(
        name="Jen pro VIP",
        defaultCategory=CAT,
        variants={
            "VIP-1": Variant(
                price=Decimal("55"), vatRate=Decimal("12"), parameters={"Velikost": "S"}
            ),
            "VIP-2": Variant(price=Decimal("66"), parameters={"Velikost": "M"}),
        },
    )
    desired = Catalog(products={G: new}, shop=ShopSettings(pricelist=2))
    plan = plan_of(sb, desired)
    with sandbox_client(sb) as client:
        start = len(sb.request_log)
        result = apply_plan(plan, client, loaded(desired))
    assert result.ok, result.unconverged
    posts = [w for w in write_requests(sb, start) if w["method"] == "POST"]
    assert len(posts) == 1
    variants = {
        v["code"]: v for p in sb.state()["products"] if p["guid"] == G for v in p["variants"]
    }
    assert variants["VIP-1"]["prices"]["2"]["price"] == "55.00"
    assert variants["VIP-2"]["prices"]["2"]["price"] == "66.00"
    assert plan_of(sb, loaded(desired)).is_empty
