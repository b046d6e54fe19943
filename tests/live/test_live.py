"""live.py: what is read (and what is not), with which includes, and how it becomes the model."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from reconciler.desired.load import Location, load_catalog
from reconciler.errors import ApiError, CatalogError, ConfigError
from reconciler.live.base import ShopInfo
from reconciler.live.convert import includes_for, product_from_detail
from reconciler.live.read import (
    check_stock_ids,
    read_live,
    read_shop,
    resolve_targets,
)
from reconciler.model import Catalog, Product, ShopSettings, Variant
from reconciler.pipeline import PlanRequest, make_plan
from reconciler.plan.model import Action, Resource
from reconciler.sandbox import Sandbox
from reconciler.shoptet import ShoptetClient
from reconciler.shoptet import models as M
from tests.live.support import base_state, catalog_to_state, loaded
from tests.support.sandbox_client import sandbox_client

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = load_catalog(ROOT / "catalog")
G1 = "11111111-1111-4111-8111-111111111111"
G2 = "22222222-2222-4222-8222-222222222222"
G3 = "33333333-3333-4333-8333-333333333333"


class Recording(ShoptetClient):
    """The real client, noting each detail read and its includes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.details: list[tuple[str, tuple[str, ...]]] = []

    def get_product(self, guid, include=()):
        self.details.append((guid, tuple(include)))
        return super().get_product(guid, include)


def recording_client(sb: Sandbox) -> Recording:
    return sandbox_client(sb, read_only=True, cls=Recording)


@pytest.fixture
def demo():
    return Sandbox.from_seed("demo", limits=False)


def shop(**kw) -> ShopInfo:
    base = dict(eshop_id=1, default_stock_id=1, default_pricelist_id=1, pricelist_id=1)
    base.update(kw)
    return ShopInfo(**base, stocks={1: "Main", 2: "Shop"})


# --- includes ------------------------------------------------------------------------------


def test_includes_are_exactly_what_the_managed_fields_need():
    bare = Product(name="x", variants={"A": Variant(ean="1")})
    assert includes_for(bare, pricelist_id=1, default_pricelist_id=1) == ()
    cats = Product(categories=[G1], variants={"A": Variant(stock=3)})
    assert includes_for(cats, pricelist_id=1, default_pricelist_id=1) == (
        "allCategories",
        "perStockAmounts",
    )
    priced = Product(variants={"A": Variant(price="1.00")})
    assert includes_for(priced, pricelist_id=1, default_pricelist_id=1) == ()
    assert includes_for(priced, pricelist_id=2, default_pricelist_id=1) == ("perPricelistPrices",)


def test_ignored_fields_need_no_include():
    p = Product(categories=[G1], variants={"A": Variant(stock=3, price="1.00")})
    got = includes_for(
        p,
        pricelist_id=2,
        default_pricelist_id=1,
        ignore=["categories", "variants.*.stock", "variants.A.price"],
    )
    assert got == ()


# --- what is read --------------------------------------------------------------------------


def test_example_catalog_reads_only_managed_products_with_their_includes(demo):
    client = recording_client(demo)
    plan = make_plan(client, EXAMPLE)
    live_guids = {p["guid"] for p in demo.state()["products"]}
    managed = {g for g, p in EXAMPLE.catalog.products.items() if not p.absent}
    read = {g for g, _ in client.details}
    assert read == managed & live_guids
    assert len(client.details) == len(read)  # each product once
    for guid, include in client.details:
        assert include == includes_for(
            EXAMPLE.catalog.products[guid], pricelist_id=1, default_pricelist_id=1
        )
    # eshop + stocks + one list page + the details, plus one page each of categories, brands
    # and availabilities, which the example states (plan-time reference checks; its
    # shop.pricelist is the default, named by GET /api/eshop), plus the variant-parameter
    # registry (the example states parameters, issue 14); no write
    assert client.request_count == 3 + len(read) + 3 + 1
    assert demo.counters["writes"] == 0
    assert plan.unmanaged.count == len(live_guids - set(EXAMPLE.catalog.products))


def test_a_tombstone_needs_no_detail_in_a_full_read(demo):
    guid = demo.state()["products"][0]["guid"]
    catalog = Catalog(products={guid: Product(absent=True)}, policy={"maxDeletes": 5})
    client = recording_client(demo)
    plan = make_plan(client, loaded(catalog))
    assert client.details == []
    assert [(c.action, c.resource, c.guid) for c in plan.changes] == [
        (Action.DELETE, Resource.PRODUCT, guid)
    ]
    assert plan.changes[0].fields[0].before == demo.state()["products"][0]["name"]


def test_a_scoped_read_skips_the_list_and_reads_only_the_scope(demo):
    client = recording_client(demo)
    guid = next(iter(EXAMPLE.catalog.products))
    info = read_shop(client, EXAMPLE.catalog.shop)
    live = read_live(client, EXAMPLE.catalog, shop=info, scope={guid.upper()})
    assert [g for g, _ in client.details] == [guid]
    assert set(live.catalog.products) == {guid}
    assert live.requests == 1 and live.details == 1
    assert not any(e["path"] == "/api/products" for e in demo.request_log)


def test_a_scoped_product_that_is_not_live_is_missing_from_the_live_side(demo):
    catalog = Catalog(products={G1: Product(name="New", variants={"NEW-1": Variant()})})
    client = sandbox_client(demo, read_only=True)
    live = read_live(client, catalog, shop=read_shop(client), scope={G1})
    assert live.catalog.products == {}


def test_a_product_deleted_between_list_and_detail_is_not_live(demo):
    guid = next(iter(EXAMPLE.catalog.products))

    class Deleting(Recording):
        def iter_products(self, **filters):
            items = list(super().iter_products(**filters))
            state = demo.state()
            state["products"] = [p for p in state["products"] if p["guid"] != guid]
            demo.load_state(state)
            return iter(items)

    client = sandbox_client(demo, read_only=True, cls=Deleting)
    live = read_live(client, EXAMPLE.catalog, shop=read_shop(client))
    assert guid not in live.catalog.products
    assert guid in {g for g, _ in client.details}


def test_an_error_while_reading_details_stops_the_read(demo):
    demo.faults.set([{"kind": "500", "method": "GET", "path": "/api/products/*", "times": 100}])
    client = sandbox_client(demo, read_only=True, max_attempts=1)
    with pytest.raises(ApiError) as info:
        make_plan(client, EXAMPLE)
    assert info.value.status == 500
    # the pool stops: far fewer detail reads than managed products were attempted
    details = [e for e in demo.request_log if e["path"].startswith("/api/products/")]
    assert len(details) < len(EXAMPLE.catalog.products)


# --- shop settings -------------------------------------------------------------------------


def test_shop_info_comes_from_eshop_and_stocks_and_shop_yaml_overrides(demo):
    client = sandbox_client(demo, read_only=True)
    info = read_shop(client)
    assert (info.eshop_id, info.default_stock_id, info.pricelist_id) == (222651, 1, 1)
    assert set(info.stocks) == {1, 2}
    info = read_shop(client, ShopSettings(defaultStock=2, pricelist=7))
    assert (info.default_stock_id, info.pricelist_id, info.default_pricelist_id) == (2, 7, 1)


def test_an_unknown_default_stock_is_a_clear_error(demo):
    with pytest.raises(ConfigError, match=r"shop.defaultStock 9 is not a stock .*1 \(Hlavní"):
        read_shop(sandbox_client(demo, read_only=True), ShopSettings(defaultStock=9))


def test_an_unknown_stock_id_in_a_variant_is_a_located_error():
    catalog = Catalog(products={G1: Product(variants={"A-1": Variant(stock={1: 2, 5: 1})})})
    locs = {(G1, "variants", "A-1", "stock"): Location("catalog/products/p.yaml", 7, 9)}
    with pytest.raises(CatalogError) as info:
        check_stock_ids(catalog, shop(), locs)
    assert str(info.value.problems[0]) == (
        "catalog/products/p.yaml:7:9: variant A-1: stock id 5 is not a stock of this e-shop "
        "(it has 1 (Main), 2 (Shop)); use one of those ids (`shoptet-catalog lookup stocks`)"
    )


# --- targets -------------------------------------------------------------------------------


def test_targets_resolve_guids_catalog_codes_and_live_codes(demo):
    state = demo.state()
    p = state["products"][0]
    catalog = Catalog(
        products={
            p["guid"]: Product(name=p["name"]),  # states no variant: its code is only live
            G1: Product(variants={"MY-1": Variant()}),
        }
    )
    client = sandbox_client(demo, read_only=True)
    live_code = p["variants"][0]["code"].lower()
    got = resolve_targets(client, catalog, [G1.upper(), "my-1", live_code])
    assert got == {G1, p["guid"]}


def test_targets_that_match_nothing_are_named(demo):
    unmanaged = demo.state()["products"][1]
    catalog = Catalog(products={G1: Product(variants={"MY-1": Variant()})})
    with pytest.raises(ConfigError) as info:
        resolve_targets(
            sandbox_client(demo, read_only=True),
            catalog,
            [G2, "NOPE", unmanaged["variants"][0]["code"]],
        )
    msg = str(info.value)
    assert f"{G2} (no catalog file declares this product)" in msg
    assert "NOPE (no catalog variant has this code; not in the shop either)" in msg
    assert f"its product {unmanaged['guid']} is unmanaged" in msg


def test_a_targeted_plan_plans_only_the_target(demo):
    plan = make_plan(sandbox_client(demo, read_only=True), EXAMPLE, PlanRequest(targets=["KAV-COL-250"]))
    assert {c.guid for c in plan.changes} == {"5c421358-5da0-5a2f-af0c-47b8e35ce00a"}
    assert plan.scope.targets == ("KAV-COL-250",) and plan.unmanaged.count is None


# --- conversion ----------------------------------------------------------------------------


def detail(**variant) -> M.ProductDetail:
    return M.ProductDetail.model_validate(
        {
            "guid": G1,
            "name": "N",
            "visibility": "normal",
            "brand": {"code": "b", "name": "B"},
            "defaultCategory": {"guid": G2},
            "variants": [{"code": "ab-1", **variant}],
        }
    )


def test_detail_to_model_reads_shoptet_spellings():
    d = detail(
        negativeStockAllowed="yes-global",
        availability={"id": -2, "name": "x"},
        weight="0.300",
        perStockAmounts=[
            {"stockId": 1, "amount": "3.000", "claim": "2.000"},
            {"stockId": 2, "amount": None, "claim": None},
        ],
    )
    p = product_from_detail(d, pricelist_id=1, default_pricelist_id=1)
    assert (p.visibility, p.brand, p.defaultCategory) == ("visible", "b", G2)
    assert "categories" not in p.model_fields_set  # not asked for, not known
    v = p.variants["AB-1"]
    assert v.negativeStockAllowed is True and v.availability == -2
    assert v.weight == Decimal("0.300")
    assert v.stock == {1: Decimal("5.000"), 2: Decimal("0")}  # physical = amount + claim


def test_prices_come_from_the_plans_pricelist_row():
    rows = [
        {"pricelistId": 1, "vatRate": "21.00", "includingVat": True, "price": {"price": "1.00"}},
        {
            "pricelistId": 2,
            "vatRate": 12.0,  # the OpenAPI example is a JSON number
            "includingVat": False,
            "price": {"price": "2.50", "commonPrice": "3.00"},
        },
    ]
    d = detail(price="1.00", vatRate="21.00", includingVat=True, perPricelistPrices=rows)
    v = product_from_detail(d, pricelist_id=2, default_pricelist_id=1).variants["AB-1"]
    assert (v.price, v.commonPrice, v.vatRate, v.includingVat) == (
        Decimal("2.50"),
        Decimal("3.00"),
        Decimal("12.0"),
        False,
    )
    missing = product_from_detail(d, pricelist_id=3, default_pricelist_id=1).variants["AB-1"]
    assert missing.price is None and "price" in missing.model_fields_set
    default = product_from_detail(detail(price="7.00"), pricelist_id=1, default_pricelist_id=1)
    assert default.variants["AB-1"].price == Decimal("7.00")
    unknown = product_from_detail(detail(price="7.00"), pricelist_id=2, default_pricelist_id=1)
    assert "price" not in unknown.variants["AB-1"].model_fields_set


def test_live_values_the_yaml_could_not_state_still_load():
    d = detail(manufacturerCode="M" * 64)
    d = d.model_copy(update={"metaTitle": ""})
    p = product_from_detail(d, pricelist_id=1, default_pricelist_id=1)
    assert p.metaTitle == "" and p.variants["AB-1"].manufacturerCode == "M" * 64


def test_the_sandbox_and_live_reading_agree_on_physical_stock():
    """state.available (sandbox) and live_physical_stock (live) are inverses."""
    catalog = Catalog(products={G3: Product(variants={"S-1": Variant(stock={1: "7", 2: "0"})})})
    sb = Sandbox.from_seed("empty", limits=False)
    sb.load_state(catalog_to_state(catalog, base_state(), claim=Decimal("4")))
    client = sandbox_client(sb, read_only=True)
    live = read_live(client, catalog, shop=read_shop(client))
    assert live.catalog.products[G3].variants["S-1"].stock[1] == Decimal("7")
    assert live.catalog.products[G3].variants["S-1"].stock[2] == Decimal("0")
