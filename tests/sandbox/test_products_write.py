"""Product create / PATCH / DELETE and the changes feed (notes §5a, §5c, §5d)."""

from __future__ import annotations

from decimal import Decimal

import pytest

NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"


@pytest.fixture
def cat(sb) -> str:
    return sb.state()["categories"][1]["guid"]


def create_body(cat, **extra):
    variant = {
        "code": "choc-100",
        "ean": "8594001234567",
        "price": "123.45",
        "currencyCode": "CZK",
        "stocksLocations": [{"stockId": 1, "amount": "50.000", "location": "H6/M11"}],
    }
    return {
        "data": {
            "guid": NEW,
            "name": "Velká čokoláda",
            "defaultCategoryGuid": cat,
            "brandCode": "zrnkovna",
            "variants": [variant],
            **extra,
        }
    }


def errors_of(r) -> list[dict]:
    return r.json()["errors"]


def test_create_honours_client_guid_uppercases_codes_and_sets_initial_stock(client, cat):
    """notes §5c: client GUID honoured; code stored uppercase; stocksLocations initial stock;
    201 with data.product."""
    r = client.post("/api/products", json=create_body(cat), params={"include": "perStockAmounts"})
    assert r.status_code == 201
    product = r.json()["data"]["product"]
    assert product["guid"] == NEW
    variant = product["variants"][0]
    assert variant["code"] == "CHOC-100"
    assert variant["price"] == "123.45"
    assert variant["perStockAmounts"][0] == {
        "stockId": 1,
        "amount": "50.000",
        "claim": "0.000",
        "location": "H6/M11",
        "lastAmountUpdate": product["creationTime"],
    }
    assert client.get(f"/api/products/{NEW}").json()["data"]["name"] == "Velká čokoláda"


@pytest.mark.parametrize("missing", ["name", "defaultCategoryGuid", "variants"])
def test_create_requires_name_category_and_variants(client, cat, missing):
    """notes §5c: name, defaultCategoryGuid and at least one variant are required (422)."""
    body = create_body(cat)
    del body["data"][missing]
    r = client.post("/api/products", json=body)
    assert r.status_code == 422
    assert errors_of(r)[0] == {
        "errorCode": "invalid-request-data",
        "message": f'Property "data.{missing}" is required.',
        "instance": f"data.{missing}",
    }
    assert client.get(f"/api/products/{NEW}").status_code == 404


def test_create_with_no_variants_is_422(client, cat):
    """notes §5c: variants needs at least 1 item."""
    r = client.post("/api/products", json=create_body(cat, variants=[]))
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("field", "value", "instance"),
    [
        ("bogus", 1, "data.bogus"),  # unknown field
        ("name", 5, "data.name"),  # wrong type
        ("visibility", "normal", "data.visibility"),  # not in the enum
        ("guid", NEW.upper(), "data.guid"),  # GUID pattern is lowercase only
    ],
)
def test_create_rejects_unknown_fields_and_wrong_types(client, cat, field, value, instance):
    """DESIGN §8 / notes §10a: strict request schemas; unknown field or wrong type is 422."""
    body = create_body(cat)
    body["data"][field] = value
    r = client.post("/api/products", json=body)
    assert r.status_code == 422
    assert instance in {e["instance"] for e in errors_of(r)}


def test_create_rejects_unknown_references_and_duplicates(client, cat, sb):
    """notes §11.7: references must exist; GUID and codes must be unique (422, nothing made)."""
    assert (
        client.post(
            "/api/products", json=create_body("93bc0dbe-7481-11e8-8216-002590dad85e")
        ).status_code
        == 422
    )
    r = client.post("/api/products", json=create_body(cat, brandCode="nope"))
    assert r.status_code == 422 and errors_of(r)[0]["errorCode"] == "brand-not-found"
    taken = sb.state()["products"][0]
    r = client.post("/api/products", json=create_body(cat, guid=taken["guid"]))
    assert r.status_code == 422
    body = create_body(cat)
    body["data"]["variants"][0]["code"] = taken["variants"][0]["code"].lower()
    assert client.post("/api/products", json=body).status_code == 422
    assert client.get(f"/api/products/{NEW}").status_code == 404


def test_malformed_json_is_422(client):
    """notes §2: malformed JSON is 422."""
    r = client.post("/api/products", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert errors_of(r)[0]["instance"] == "payload"


def test_patch_known_code_updates_unknown_or_missing_code_creates(client, sb):
    """notes §5d: a known code updates; an unknown or missing code creates a new variant."""
    sb.config.variant_parameters = "off"  # about codes; the parameter rule has its own tests
    product = next(p for p in sb.state()["products"] if len(p["variants"]) == 1)
    code = product["variants"][0]["code"]
    body = {
        "data": {
            "name": "Renamed",
            "variants": [
                {"code": code.lower(), "ean": "111"},
                {"code": "brand-new-1"},
                {"ean": "222"},
            ],
        }
    }
    r = client.patch(f"/api/products/{product['guid']}", json=body)
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["name"] == "Renamed"
    codes = [v["code"] for v in data["variants"]]
    assert codes[0] == code and "BRAND-NEW-1" in codes and len(codes) == 3
    assert data["variants"][0]["ean"] == "111"
    assert data["variants"][2]["ean"] == "222"


def test_patch_parameters_replace_all(client, sb):
    """notes §5d: parameters is replace-all; a parameter left out is removed."""
    product = next(p for p in sb.state()["products"] if p["variants"][0]["parameters"])
    v = product["variants"][0]
    body = {"data": {"variants": [{"code": v["code"], "parameters": []}]}}
    client.patch(f"/api/products/{product['guid']}", json=body).raise_for_status()
    after = client.get(
        f"/api/products/{product['guid']}", params={"include": "variantParameters"}
    ).json()["data"]
    assert after["variants"][0]["parameters"] == []


@pytest.mark.parametrize(
    "item",
    [
        {"price": "10.00"},
        {"currencyCode": "CZK"},
        {"stocksLocations": [{"stockId": 1, "location": "A", "amount": "5.000"}]},
    ],
)
def test_patch_variant_cannot_carry_price_or_stock_amount(client, sb, item):
    """notes §5d: PATCH variant items carry neither price/currencyCode nor stock amount."""
    product = sb.state()["products"][0]
    body = {"data": {"variants": [{"code": product["variants"][0]["code"], **item}]}}
    r = client.patch(f"/api/products/{product['guid']}", json=body)
    assert r.status_code == 422
    assert sb.state()["products"][0] == product


def test_patch_new_code_renames_and_location_is_set(client, sb):
    """notes §5d: newCode renames a variant; stocksLocations sets only the location."""
    product = sb.state()["products"][0]
    code = product["variants"][0]["code"]
    body = {
        "data": {
            "variants": [
                {
                    "code": code,
                    "newCode": "renamed-1",
                    "stocksLocations": [{"stockId": 1, "location": "Z9"}],
                }
            ]
        }
    }
    client.patch(f"/api/products/{product['guid']}", json=body).raise_for_status()
    got = client.get("/api/products/code/RENAMED-1", params={"include": "perStockAmounts"})
    assert got.json()["data"]["variants"][0]["perStockAmounts"][0]["location"] == "Z9"
    assert client.get(f"/api/products/code/{code}").status_code == 404


def test_patch_by_code_and_change_time_advances(client, sb):
    """DESIGN §8: changeTime advances on every change."""
    product = sb.state()["products"][0]
    before = product["changeTime"]
    code = product["variants"][0]["code"]
    first = client.patch(f"/api/products/code/{code}", json={"data": {"name": "A"}})
    second = client.patch(f"/api/products/code/{code}", json={"data": {"name": "B"}})
    times = [before, first.json()["data"]["changeTime"], second.json()["data"]["changeTime"]]
    assert times[0] < times[1] < times[2]


def test_patch_unknown_guid_is_404(client):
    r = client.patch(
        "/api/products/93bc0dbe-7481-11e8-8216-002590dad85e", json={"data": {"name": "x"}}
    )
    assert r.status_code == 404 and errors_of(r)[0]["errorCode"] == "product-not-found"


def test_delete_by_guid_and_by_code_last_variant_deletes_product(client, sb):
    """notes §5a: DELETE by GUID; DELETE by code deletes one variant, the last one the product."""
    products = sb.state()["products"]
    multi = next(p for p in products if len(p["variants"]) == 2)
    first, second = (v["code"] for v in multi["variants"])
    assert client.delete(f"/api/products/code/{first}").status_code == 200
    assert client.get(f"/api/products/{multi['guid']}").json()["data"]["variants"][0]["code"] == (
        second
    )
    assert client.delete(f"/api/products/code/{second}").status_code == 200
    assert client.get(f"/api/products/{multi['guid']}").status_code == 404
    single = products[0]["guid"]
    assert client.delete(f"/api/products/{single}").status_code == 200
    r = client.delete(f"/api/products/{single}")
    assert r.status_code == 404 and errors_of(r)[0]["errorCode"] == "product-not-found"


def test_changes_feed_lists_each_product_once_with_its_last_change(client, sb):
    """notes §5a: /api/products/changes; last change only; create appears as edit; deletes."""
    last = sb.state()["clock"]["last"]
    products = sb.state()["products"]
    client.patch(f"/api/products/{products[0]['guid']}", json={"data": {"name": "x"}})
    client.patch(f"/api/products/{products[0]['guid']}", json={"data": {"name": "y"}})
    client.delete(f"/api/products/{products[1]['guid']}")
    changes = client.get("/api/products/changes", params={"from": last}).json()["data"]["changes"]
    rows = {(c["guid"], c["changeType"]) for c in changes if c["changeTime"] > last}
    assert rows == {(products[0]["guid"], "edit"), (products[1]["guid"], "delete")}
    deletes = client.get(
        "/api/products/changes", params={"from": last, "changeType": "delete"}
    ).json()["data"]["changes"]
    assert [c["guid"] for c in deletes] == [products[1]["guid"]]
    r = client.get("/api/products/changes")
    assert r.status_code == 400 and errors_of(r)[0]["errorCode"] == "missing-parameter"


def test_changes_feed_lists_a_deleted_then_recreated_product_once(client, sb):
    """notes §5a: each product once with its last change, even when a state file holds both a
    delete record and the live product (deleted, then re-created with the same GUID)."""
    state = sb.state()
    last = state["clock"]["last"]
    guid = state["products"][0]["guid"]
    client.patch(f"/api/products/{guid}", json={"data": {"name": "later"}})
    state = sb.state()
    state["deletedProducts"].append({"guid": guid, "changeTime": last})
    sb.load_state(state)
    changes = client.get("/api/products/changes", params={"from": last}).json()["data"]["changes"]
    assert [(c["guid"], c["changeType"]) for c in changes if c["guid"] == guid] == [
        (guid, "edit")
    ]


def test_stock_movement_is_not_a_product_change(client, sb):
    """notes §6: a stock change does not count as a product change."""
    product = sb.state()["products"][0]
    client.patch(
        "/api/stocks/1/movements",
        json={"data": [{"productCode": product["variants"][0]["code"], "amountChange": 1}]},
    ).raise_for_status()
    assert sb.state()["products"][0]["changeTime"] == product["changeTime"]


def test_list_filters_guids_codes_and_change_time(client, sb):
    """notes §5a: productGuids/productCodes (max 50, not both), changeTimeFrom."""
    products = sb.state()["products"]
    guids = ",".join(p["guid"] for p in products[:3])
    got = client.get("/api/products", params={"productGuids": guids}).json()["data"]["products"]
    assert [p["guid"] for p in got] == [p["guid"] for p in products[:3]]
    code = products[4]["variants"][0]["code"].lower()
    got = client.get("/api/products", params={"productCodes": code}).json()["data"]["products"]
    assert [p["guid"] for p in got] == [products[4]["guid"]]
    newest = max(p["changeTime"] for p in products)
    got = client.get("/api/products", params={"changeTimeFrom": newest}).json()["data"]
    assert all(p["changeTime"] >= newest for p in got["products"]) and got["products"]
    both = client.get("/api/products", params={"productGuids": guids, "productCodes": code})
    assert both.status_code == 400


@pytest.mark.parametrize("name", ["productGuids", "productCodes"])
def test_list_filter_over_50_values_is_refused(client, name):
    """SPEC L3920-3928: over 50 values gives 400 invalid-parameter ("Expected max. 50")."""
    values = ",".join(f"93bc0dbe-7481-11e8-8216-0025900000{i:02d}" for i in range(51))
    r = client.get("/api/products", params={name: values})
    assert r.status_code == 400
    assert errors_of(r)[0]["errorCode"] == "invalid-parameter"
    assert "Expected max. 50 elements, but 51 given." in errors_of(r)[0]["message"]


def test_bad_time_parameter_is_400(client):
    r = client.get("/api/products", params={"changeTimeFrom": "yesterday"})
    assert r.status_code == 400 and errors_of(r)[0]["instance"] == "changeTimeFrom"


def test_categories_create(client, sb):
    """SPEC POST /api/categories: 201 with the category; parent must exist; name required."""
    parent = sb.state()["categories"][0]["guid"]
    r = client.post("/api/categories", json={"data": {"name": "Nová", "parentGuid": parent}})
    assert r.status_code == 201
    guid = r.json()["data"]["guid"]
    listed = client.get("/api/categories").json()["data"]["categories"]
    assert guid in {c["guid"] for c in listed}
    assert client.post("/api/categories", json={"data": {"parentGuid": parent}}).status_code == 422
    missing = {"data": {"name": "x", "parentGuid": "93bc0dbe-7481-11e8-8216-002590dad85e"}}
    assert client.post("/api/categories", json=missing).status_code == 422


def test_decimal_price_round_trip(client, sb, cat):
    """notes §5: decimals come back as strings with Shoptet's places."""
    body = create_body(cat)
    body["data"]["variants"][0]["price"] = "100.50"
    client.post("/api/products", json=body).raise_for_status()
    v = client.get(f"/api/products/{NEW}").json()["data"]["variants"][0]
    assert v["price"] == "100.50" and Decimal(v["stock"]) == 50


def test_change_times_strictly_increase_within_one_second(make_sandbox, cat):
    """DESIGN §8: changeTime advances on every change, even when the clock does not move."""
    from datetime import datetime

    from reconciler.sandbox.state import TZ
    from tests.support.sandbox_client import raw_client

    fixed = datetime(2026, 3, 1, 12, 0, 0, tzinfo=TZ)
    sb = make_sandbox("demo", now=lambda: fixed)
    with raw_client(sb) as c:
        created = c.post("/api/products", json=create_body(cat)).json()["data"]["product"]
        patched = c.patch(f"/api/products/{NEW}", json={"data": {"name": "x"}}).json()["data"]
    assert created["creationTime"] == "2026-03-01T12:00:00+0100"
    assert patched["changeTime"] == "2026-03-01T12:00:01+0100"


def test_patch_categories_keeps_the_default_category(client, sb):
    """The default category stays among allCategories when categoryGuids is replaced."""
    product = sb.state()["products"][0]
    other = next(
        c["guid"] for c in sb.state()["categories"] if c["guid"] not in product["categoryGuids"]
    )
    r = client.patch(
        f"/api/products/{product['guid']}",
        json={"data": {"categoryGuids": [other]}},
        params={"include": "allCategories"},
    )
    assert [c["guid"] for c in r.json()["data"]["categories"]] == [
        product["defaultCategoryGuid"],
        other,
    ]
