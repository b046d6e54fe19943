"""Conformance: every request the client builds is one Shoptet's OpenAPI file allows.

Runs last in this directory (the name), so ``RECORDED`` holds every request the other client
tests sent through ``make_client``. Under xdist a worker sees only its own share, so the test
also drives its own corpus: every typed call of the client, with realistic payloads.
Needs Shoptet's OpenAPI file (tests/support/openapi_spec.py finds it); without it the tests
skip with the reason (fail under CI).
"""

from __future__ import annotations

import httpx
import pytest

from reconciler.shoptet import ClientConfig, ShoptetClient
from reconciler.shoptet.client import (
    get_flags,
    get_measure_units,
    get_suppliers,
    get_units,
    get_warranties,
)
from tests.shoptet.conftest import RECORDED, Recorder, envelope
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CATEGORY = "5c499a23-70ac-11e9-9208-08002774f818"
LISTS = {
    "/api/products": "products",
    "/api/categories": "categories",
    "/api/brands": "brands",
    "/api/products/changes": "changes",
    "/api/stocks/1/supplies": "supplies",
    "/api/pricelists/1": "pricelist",
    "/api/suppliers": "suppliers",
}


def answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.method == "POST":
        return httpx.Response(201, json=envelope({"product": {"guid": GUID}}))
    if request.method != "GET":
        return httpx.Response(200, json=envelope(None))
    if path in LISTS:
        paginator = {"totalCount": 0, "page": 1, "pageCount": 1}
        return httpx.Response(200, json=envelope({LISTS[path]: [], "paginator": paginator}))
    if path in ("/api/products/flags", "/api/products/warranties", "/api/products/units"):
        return httpx.Response(200, json=envelope({path.rsplit("/", 1)[1]: []}))
    if path == "/api/products/measure-units":
        return httpx.Response(200, json=envelope({"measureUnits": []}))
    if path == "/api/stocks":
        return httpx.Response(200, json=envelope({"stocks": [{"id": 1}], "defaultStockId": 1}))
    if path.startswith("/api/products/"):
        return httpx.Response(200, json=envelope({"guid": GUID, "variants": [{"code": "A/1"}]}))
    return httpx.Response(200, json=envelope({}))


def drive_corpus(sink: list) -> None:
    """Every typed call of the client once, with the payloads the tool sends."""
    config = ClientConfig(private_token="corpus-token-123456", max_in_flight=2)
    with ShoptetClient(config, transport=Recorder(httpx.MockTransport(answer), "corpus", sink)) as c:
        c.get_eshop(include=("orderStatuses",))
        c.get_stocks()
        list(c.iter_categories())
        list(c.iter_brands())
        list(c.iter_products())
        list(c.iter_products(visibility="visible", brandCode="milka", changeTimeFrom="2026-01-01T00:00:00+0100"))
        list(c.iter_products(productGuids=f"{GUID},{CATEGORY}"))
        c.get_product(GUID)
        c.get_product_by_code("A/1", include=("allCategories", "perStockAmounts"))
        c.get_products([GUID, CATEGORY])
        list(c.iter_product_changes("2026-11-01T00:00:00+01:00", change_type="delete"))
        list(c.iter_supplies(1, changed_from="2026-11-01T00:00:00+0100", code="A/1"))
        list(c.iter_supplies(1, product_guid=GUID))
        list(c.iter_pricelist(1, code="A/1"))
        c.create_product(
            {
                "guid": GUID,
                "name": "Velká čokoláda",
                "type": "product",
                "visibility": "visible",
                "defaultCategoryGuid": CATEGORY,
                "categoryGuids": [CATEGORY],
                "brandCode": "milka",
                "shortDescription": "short",
                "variants": [
                    {
                        "code": "CHOC-100",
                        "ean": "8594001234567",
                        "price": "123.45",
                        "currencyCode": "CZK",
                        "availabilityId": 1,
                        "negativeStockAllowed": False,
                        "stocksLocations": [{"stockId": 1, "amount": "50.000"}],
                    }
                ],
            }
        )
        c.patch_product(
            GUID,
            {"name": "New", "visibility": "hidden", "variants": [{"code": "CHOC-100", "ean": "1"}]},
        )
        c.delete_product(GUID)
        c.delete_variant("A/1")
        c.create_flag({"title": "Vánoce", "color": "#d40000"})
        c.update_flag("custom1", {"title": "Vánoce 2026", "color": None})
        get_flags(c)
        get_warranties(c)
        get_units(c)
        get_suppliers(c)
        get_measure_units(c)
        c.patch_product(
            GUID,
            {"warrantyId": -1, "supplierGuid": CATEGORY, "variants": [{"code": "A", "unitId": -2}]},
        )
        measure = {
            "packagingUnitId": -15,
            "packagingAmount": "250.000",
            "measureUnitId": -16,
            "measureAmount": "1.000",
        }
        c.patch_product(
            GUID,
            {"variants": [{"code": "A", "measureUnit": measure}, {"code": "B", "measureUnit": None}]},
        )
        c.patch_stock_movements(
            1,
            [
                {"productCode": "A/1", "realStock": 5},
                {"productCode": "B", "quantity": 2},
                {"productCode": "C", "amountChange": -1},
            ],
        )
        c.patch_pricelist(
            1,
            [
                {"code": "A/1", "vatRate": "21.00", "includingVat": True, "price": {"price": "129.00"}},
                {"code": "B", "price": {"price": "10.00", "commonPrice": None}},
            ],
        )


def problems_of(spec: dict, requests) -> list[str]:
    out = []
    for r in requests:
        for p in validate_request(spec, r.method, r.path, r.query, dict(r.headers), r.body):
            out.append(f"{p}   [from {r.source}]")
    return sorted(set(out))


def test_every_request_the_client_builds_is_allowed_by_the_spec():
    spec = require_spec()
    corpus: list = []
    drive_corpus(corpus)
    assert {(r.method, r.path.split("/")[2]) for r in corpus} >= {
        ("GET", "eshop"), ("POST", "products"), ("PATCH", "stocks"), ("PATCH", "pricelists")
    }
    requests = corpus + RECORDED
    problems = problems_of(spec, requests)
    assert not problems, f"{len(problems)} request(s) the spec does not allow:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "body", "expected"),
    [
        ("GET", "/api/nope", [], {}, None, "no such path"),
        ("PUT", "/api/eshop", [], {}, None, "defines no PUT"),
        ("GET", "/api/products", [("itemsPerPage", "lots")], {}, None, "itemsPerPage='lots'"),
        ("GET", "/api/products", [("perPage", "5")], {}, None, "'perPage' is not in the spec"),
        ("GET", "/api/products/changes", [], {}, None, "required query parameter 'from'"),
        ("GET", "/api/eshop", [], {"x": "y"}, None, "required header 'Content-Type'"),
        ("GET", "/api/eshop", [], {}, {"data": 1}, "allows no request body"),
        ("PATCH", "/api/pricelists/1", [], {}, {"data": "x"}, "is not of type"),
        ("POST", "/api/products", [], {}, {"data": {"name": "x"}}, "'variants' is a required"),
        (
            "PATCH",
            "/api/stocks/1/movements",
            [],
            {},
            {"data": [{"productCode": "A", "realStock": 1, "quantity": 2}]},
            "not valid under any",
        ),
    ],
)
def test_the_validator_refuses_what_the_spec_does_not_allow(method, path, query, headers, body, expected):
    spec = require_spec()
    headers = headers or {"Content-Type": "application/json"}
    problems = validate_request(spec, method, path, query, headers, body)
    assert any(expected in p for p in problems), problems
