"""Supplies, movements and pricelists (notes §5d, §6; DESIGN §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest


def claimed(sb) -> tuple[dict, dict]:
    """A (product, variant) whose stock 1 has a claim."""
    for p in sb.state()["products"]:
        for v in p["variants"]:
            row = v["stocks"].get("1")
            if row and Decimal(row["claim"]) > 0:
                return p, v
    raise AssertionError("the demo seed has claims")


def supply(client, code, stock=1) -> dict:
    rows = client.get(f"/api/stocks/{stock}/supplies", params={"code": code}).json()
    return rows["data"]["supplies"][0]


def test_supplies_amount_is_available(client, sb):
    """DESIGN §3 / notes §6: supplies amount = realStock - claim, claim as 3-dp strings."""
    _, v = claimed(sb)
    row = supply(client, v["code"])
    real, claim = Decimal(v["stocks"]["1"]["realStock"]), Decimal(v["stocks"]["1"]["claim"])
    assert Decimal(row["amount"]) == real - claim
    assert row["claim"] == v["stocks"]["1"]["claim"]
    assert "changeTime" not in row


def test_supplies_filters_and_change_time(client, sb):
    """notes §6: productGuid, code, onlyWithClaim, changedFrom, include=changeTime."""
    p, v = claimed(sb)
    rows = client.get("/api/stocks/1/supplies", params={"productGuid": p["guid"]}).json()
    assert {r["code"] for r in rows["data"]["supplies"]} == {x["code"] for x in p["variants"]}
    with_claim = client.get("/api/stocks/1/supplies", params={"onlyWithClaim": "true"}).json()
    assert all(Decimal(r["claim"]) > 0 for r in with_claim["data"]["supplies"])
    mark = sb.state()["clock"]["last"]
    client.patch(
        "/api/stocks/1/movements", json={"data": [{"productCode": v["code"], "amountChange": 2}]}
    )
    changed = client.get(
        "/api/stocks/1/supplies", params={"changedFrom": mark, "include": "changeTime"}
    ).json()["data"]["supplies"]
    assert [r["code"] for r in changed] == [v["code"]]
    assert changed[0]["changeTime"] > mark


def test_unknown_stock_is_404(client):
    """notes §6: an unknown stockId gives 404."""
    assert client.get("/api/stocks/99/supplies").status_code == 404
    r = client.patch(
        "/api/stocks/99/movements", json={"data": [{"productCode": "X", "amountChange": 1}]}
    )
    assert r.status_code == 404


def test_movement_kinds_real_stock_quantity_amount_change(client, sb):
    """notes §6: realStock sets physical, quantity sets available (= realStock - claim),
    amountChange is relative."""
    _, v = claimed(sb)
    claim = Decimal(v["stocks"]["1"]["claim"])
    code = v["code"]
    client.patch("/api/stocks/1/movements", json={"data": [{"productCode": code, "realStock": 20}]})
    assert Decimal(supply(client, code)["amount"]) == 20 - claim
    client.patch("/api/stocks/1/movements", json={"data": [{"productCode": code, "quantity": 20}]})
    assert Decimal(supply(client, code)["amount"]) == 20
    client.patch(
        "/api/stocks/1/movements",
        json={"data": [{"productCode": code.lower(), "amountChange": -3.5}]},
    )
    assert Decimal(supply(client, code)["amount"]) == Decimal("16.5")
    log = [m for m in sb.state()["movements"] if m["productCode"] == code]
    assert [(m["kind"], m["realStockAfter"]) for m in log] == [
        ("realStock", "20.000"),
        ("quantity", f"{20 + claim:.3f}"),
        ("amountChange", f"{Decimal('16.5') + claim:.3f}"),
    ]


def test_movement_unknown_codes_skipped_with_item_errors(client, sb):
    """notes §6: unknown codes skipped with unknown-product errors on a 200; 400 when all fail."""
    code = sb.state()["products"][0]["variants"][0]["code"]
    r = client.patch(
        "/api/stocks/1/movements",
        json={
            "data": [
                {"productCode": code, "realStock": 5},
                {"productCode": "001-non-exists", "realStock": 1},
            ]
        },
    )
    assert r.status_code == 200
    assert r.json()["errors"] == [
        {
            "errorCode": "unknown-product",
            "instance": "001-non-exists",
            "message": 'Product "001-non-exists" does not exist. Skipped.',
        }
    ]
    assert Decimal(supply(client, code)["amount"]) <= 5
    r = client.patch(
        "/api/stocks/1/movements", json={"data": [{"productCode": "NOPE", "amountChange": 1}]}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["errorCode"] == "unknown-product"


def test_movements_over_300_is_413_nothing_applied(client, sb):
    """notes §4/§6: at most 300 items; more gives 413 with nothing applied."""
    code = sb.state()["products"][0]["variants"][0]["code"]
    before = sb.state()
    r = client.patch(
        "/api/stocks/1/movements", json={"data": [{"productCode": code, "amountChange": 1}] * 301}
    )
    assert r.status_code == 413
    assert sb.state() == before
    assert (
        client.patch(
            "/api/stocks/1/movements",
            json={"data": [{"productCode": code, "amountChange": 1}] * 300},
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "item",
    [
        {"productCode": "A", "amountChange": 1, "realStock": 2},  # two kinds
        {"productCode": "A"},  # none
        {"productCode": "A", "realStock": "5"},  # a string, not a number
        {"productCode": "A", "realStock": True},  # a bool is not a number
        {"productCode": "A", "amount": 5},  # unknown field
    ],
)
def test_movement_item_shape_is_strict(client, item):
    """SPEC movements PATCH: each item is productCode plus exactly one numeric kind (422)."""
    assert client.patch("/api/stocks/1/movements", json={"data": [item]}).status_code == 422


def test_movement_log_records_each_applied_item_once(client, sb):
    """Issue: the movement log lets tests check no movement was applied twice."""
    codes = [p["variants"][0]["code"] for p in sb.state()["products"][:3]]
    r = client.patch(
        "/api/stocks/2/movements",
        json={"data": [{"productCode": c, "realStock": 9} for c in codes]},
    )
    request_id = r.json()["metadata"]["requestId"]
    log = [m for m in sb.state()["movements"] if m["requestId"] == request_id]
    assert [(m["item"], m["productCode"], m["stockId"]) for m in log] == [
        (i, c, 2) for i, c in enumerate(codes)
    ]


def test_pricelist_read_and_patch(client, sb):
    """notes §5d: PATCH /api/pricelists/{id} rows by code; price as given; null clears;
    unknown code skipped (pricelist-code-not-found, SPEC L14850); vatRate must be the shop's."""
    code = sb.state()["products"][0]["variants"][0]["code"]
    r = client.patch(
        "/api/pricelists/1",
        json={
            "data": [
                {
                    "code": code.lower(),
                    "price": {"price": "129.00", "commonPrice": "150.00"},
                    "vatRate": "21.00",
                    "includingVat": True,
                },
                {"code": "43/BILL", "price": {"price": "1.00"}},
            ]
        },
    )
    assert r.status_code == 200
    assert r.json()["errors"][0]["errorCode"] == "pricelist-code-not-found"
    row = client.get("/api/pricelists/1", params={"code": code}).json()["data"]["pricelist"][0]
    assert (row["price"]["price"], row["price"]["commonPrice"], row["vatRate"]) == (
        "129.00",
        "150.00",
        "21.00",
    )
    detail = client.get(f"/api/products/code/{code}").json()["data"]["variants"][0]
    assert (detail["price"], detail["vatRate"]) == ("129.00", "21.00")
    client.patch(
        "/api/pricelists/1", json={"data": [{"code": code, "price": {"commonPrice": None}}]}
    ).raise_for_status()
    row = client.get("/api/pricelists/1", params={"code": code}).json()["data"]["pricelist"][0]
    assert (row["price"]["price"], row["price"]["commonPrice"]) == ("129.00", None)
    bad_vat = client.patch("/api/pricelists/1", json={"data": [{"code": code, "vatRate": "7.00"}]})
    assert bad_vat.status_code == 400


def test_pricelist_limits_and_paging(client, sb):
    """notes §3/§4: pricelist reads max 100 a page; PATCH max 300 rows (413, nothing applied)."""
    page = client.get("/api/pricelists/1", params={"itemsPerPage": 500}).json()["data"]
    assert page["paginator"]["itemsPerPage"] == 100
    code = sb.state()["products"][0]["variants"][0]["code"]
    before = sb.state()
    r = client.patch(
        "/api/pricelists/1", json={"data": [{"code": code, "price": {"price": "1.00"}}] * 301}
    )
    assert r.status_code == 413 and sb.state() == before
    assert client.get("/api/pricelists/7").status_code == 404


def test_pricelist_change_is_a_product_change(client, sb):
    product = sb.state()["products"][0]
    client.patch(
        "/api/pricelists/1",
        json={"data": [{"code": product["variants"][0]["code"], "price": {"price": "5.00"}}]},
    )
    assert sb.state()["products"][0]["changeTime"] > product["changeTime"]


def _many_moved(client, sb, count: int) -> str:
    """``count`` variant rows moved in stock 1 after the returned clock mark."""
    mark = sb.state()["clock"]["last"]
    codes = [v["code"] for p in sb.state()["products"] for v in p["variants"]][:count]
    client.patch(
        "/api/stocks/1/movements",
        json={"data": [{"productCode": c, "amountChange": 1} for c in codes]},
    )
    return mark


def _page(client, mark: str, page: int, per_page: int) -> list[str]:
    body = client.get(
        "/api/stocks/1/supplies",
        params={"changedFrom": mark, "page": page, "itemsPerPage": per_page},
    ).json()
    return [r["code"] for r in body["data"]["supplies"]]


def test_later_pages_of_a_filtered_supplies_list_follow_the_shop(client, sb):
    """A later page reuses page 1's filtering (500,000 variants are not scanned per page), but
    only while the shop is unchanged: a write between pages is seen on the next page."""
    mark = _many_moved(client, sb, 6)
    first, second = _page(client, mark, 1, 3), _page(client, mark, 2, 3)
    assert len(first) == len(second) == 3 and not set(first) & set(second)
    moved_now = [v["code"] for p in sb.state()["products"] for v in p["variants"]][6]
    client.patch(
        "/api/stocks/1/movements", json={"data": [{"productCode": moved_now, "amountChange": 1}]}
    )
    # 7 rows moved since the mark now: a third page exists (404 if page 1's scan were kept)
    assert _page(client, mark, 3, 3) == [moved_now]
