"""Reads: /api/eshop, /api/stocks, /api/categories, /api/brands, /api/products (list, detail).
Each test names the rule it checks (notes = ../shared/reference/shoptet-api-notes.md)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from reconciler.sandbox import Sandbox

DEC3 = re.compile(r"^-?[0-9]+\.[0-9]{3}$")
DEC2 = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def first_product(sb: Sandbox) -> dict:
    return sb.state()["products"][0]


def test_envelope_has_data_errors_and_request_id(client):
    """notes §2: every response is {data, errors, metadata.requestId}; X-Request-ID header."""
    r = client.get("/api/eshop")
    body = r.json()
    assert r.status_code == 200
    assert set(body) == {"data", "errors", "metadata"}
    assert body["errors"] is None
    assert body["metadata"]["requestId"] == r.headers["X-Request-ID"]


def test_eshop_has_czk_vat_rates_and_default_pricelist(client):
    """notes §7: currencies[], taxClasses[].rates[].vatRate, settings.defaultPricelist."""
    data = client.get("/api/eshop").json()["data"]
    assert [c["code"] for c in data["currencies"]] == ["CZK"]
    rates = sorted(r["vatRate"] for t in data["taxClasses"] for r in t["rates"])
    assert rates == ["0.00", "12.00", "21.00"]
    assert data["settings"]["defaultPricelist"]["id"] == 1


def test_stocks_list_and_default_stock(client):
    """notes §6: GET /api/stocks returns stocks[] and defaultStockId, unpaginated."""
    data = client.get("/api/stocks").json()["data"]
    assert data["defaultStockId"] == 1
    assert [s["id"] for s in data["stocks"]] == [1, 2]


def test_categories_and_brands_are_paginated(client):
    """notes §3: categories and brands default to 500 a page, max 1000."""
    data = client.get("/api/categories", params={"itemsPerPage": 5000}).json()["data"]
    assert data["paginator"]["itemsPerPage"] == 1000
    assert data["paginator"]["totalCount"] == len(data["categories"]) >= 10
    brands = client.get("/api/brands").json()["data"]
    assert brands["paginator"]["itemsPerPage"] == 500
    assert {b["indexName"] for b in brands["brands"]} >= {"zrnkovna", "doubravka"}


def test_product_list_pages_default_20_max_1000(client, sb):
    """notes §3: /api/products itemsPerPage default 20, max 1000 (clamped)."""
    total = len(sb.state()["products"])
    page1 = client.get("/api/products").json()["data"]
    assert page1["paginator"] == {
        "totalCount": total,
        "page": 1,
        "pageCount": -(-total // 20),
        "itemsOnPage": 20,
        "itemsPerPage": 20,
    }
    page2 = client.get("/api/products", params={"page": 2}).json()["data"]
    assert page2["paginator"]["itemsOnPage"] == total - 20
    seen = [p["guid"] for p in page1["products"] + page2["products"]]
    assert len(set(seen)) == total
    clamped = client.get("/api/products", params={"itemsPerPage": 5000}).json()["data"]
    assert clamped["paginator"]["itemsPerPage"] == 1000
    assert "variants" not in clamped["products"][0]  # notes §5a: the list has no variants


def test_page_past_the_end_is_page_not_found(client):
    """notes §3: a page past the end gives page-not-found (status UNCERTAIN in notes: 404)."""
    r = client.get("/api/products", params={"page": 99})
    assert r.status_code == 404
    assert r.json()["errors"][0]["errorCode"] == "page-not-found"


def test_detail_by_guid_has_variants_with_decimal_strings(client, sb):
    """notes §5b: detail has variants[]; price 2 dp, stock/weight 3 dp, as strings."""
    guid = first_product(sb)["guid"]
    data = client.get(f"/api/products/{guid}").json()["data"]
    assert data["guid"] == guid
    for v in data["variants"]:
        assert DEC2.match(v["price"]) and DEC3.match(v["stock"]) and DEC2.match(v["vatRate"])


def test_detail_includes(client, sb):
    """notes §5a/§5b: perStockAmounts, perPricelistPrices, allCategories, variantParameters."""
    product = next(p for p in sb.state()["products"] if len(p["variants"]) > 1)
    inc = "perStockAmounts,perPricelistPrices,allCategories,variantParameters"
    data = client.get(f"/api/products/{product['guid']}", params={"include": inc}).json()["data"]
    assert [c["guid"] for c in data["categories"]] == product["categoryGuids"]
    v = data["variants"][0]
    assert [s["stockId"] for s in v["perStockAmounts"]] == [1, 2]
    assert v["perPricelistPrices"][0]["pricelistId"] == 1
    assert v["parameters"][0]["paramIndex"] == product["variants"][0]["parameters"][0]["nameIndex"]
    plain = client.get(f"/api/products/{product['guid']}").json()["data"]
    assert "perStockAmounts" not in plain["variants"][0] and "categories" not in plain


def test_stock_amount_is_available_and_variant_stock_sums_available(client, sb):
    """DESIGN §3: amount = realStock - claim; variant stock = sum of available over stocks."""
    product = next(
        p
        for p in sb.state()["products"]
        if any(Decimal(r["claim"]) > 0 for v in p["variants"] for r in v["stocks"].values())
    )
    data = client.get(
        f"/api/products/{product['guid']}", params={"include": "perStockAmounts"}
    ).json()["data"]
    for live, seeded in zip(data["variants"], product["variants"], strict=True):
        expected = Decimal(0)
        for row in live["perStockAmounts"]:
            seed = seeded["stocks"].get(str(row["stockId"]))
            if seed:
                avail = Decimal(seed["realStock"]) - Decimal(seed["claim"])
                assert Decimal(row["amount"]) == avail
                assert Decimal(row["claim"]) == Decimal(seed["claim"])
                expected += avail
        assert Decimal(live["stock"]) == expected


def test_detail_by_code_finds_the_product_of_a_variant(client, sb):
    """notes §5a: /api/products/code/{code} resolves a variant code (codes stored uppercase)."""
    product = first_product(sb)
    code = product["variants"][0]["code"]
    for asked in (code, code.lower()):
        data = client.get(f"/api/products/code/{asked}").json()["data"]
        assert data["guid"] == product["guid"]
    assert client.get("/api/products/code/00123").json()["data"]["variants"][0]["code"] == "00123"


@pytest.mark.parametrize(
    "path",
    [
        "/api/products/93bc0dbe-7481-11e8-8216-002590dad85e",
        "/api/products/not-a-guid",
        "/api/products/code/NOPE-1",
    ],
)
def test_unknown_product_is_404_product_not_found(client, path):
    """SPEC L4807/L6206: 404 product-not-found, instance = the identifier."""
    r = client.get(path)
    assert r.status_code == 404
    error = r.json()["errors"][0]
    assert error["errorCode"] == "product-not-found"
    assert error["instance"] == path.rsplit("/", 1)[1]


def test_unknown_include_is_rejected(client, sb):
    """notes §2: include values are case-insensitive; unknown ones are an invalid parameter."""
    guid = first_product(sb)["guid"]
    assert client.get(f"/api/products/{guid}", params={"include": "PERSTOCKAMOUNTS"}).is_success
    r = client.get(f"/api/products/{guid}", params={"include": "bogus"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["errorCode"] == "invalid-parameter"
