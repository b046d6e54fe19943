"""The sandbox enforces Shoptet's updatePricelist rule (OpenAPI ``PATCH /api/pricelists/{id}``):
"The request must contain a product variant code `code` and at least one of the `price`,
`priceWithVat`, `priceWithoutVat`, `orderableAmount` or `sales` objects". A row without one
is skipped with a per-item error (400 when every row is bad, 200 with errors otherwise); an
empty object does not count (undocumented, so strict)."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state
from tests.support.sandbox_client import raw_client

CODE, OTHER = "KAV-ETH-250", "KAV-COL-250"  # demo shop: 189.00 and 209.00, VAT 12.00


def stored(sb: Sandbox, code: str) -> dict:
    return next(
        v["prices"]["1"] for p in sb.state()["products"] for v in p["variants"] if v["code"] == code
    )


def patch(sb: Sandbox, rows: list[dict]):
    with raw_client(sb) as client:
        return client.patch("/api/pricelists/1", json={"data": rows})


@pytest.mark.parametrize(
    "row",
    [
        {"vatRate": "21.00"},
        {"includingVat": False},
        {"prices": {"purchasePrice": {"price": "100.00"}}},
        {"vatRate": "21.00", "price": {}},
        {"vatRate": "21.00", "orderableAmount": {}},
    ],
    ids=["vatRate", "includingVat", "purchasePrice", "empty price", "empty orderableAmount"],
)
def test_a_row_without_any_of_the_five_objects_is_refused(row):
    sb = Sandbox(demo_state())
    before = sb.state()
    answer = patch(sb, [{"code": CODE, **row}])
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["errorCode"] == "invalid-request-data" and error["instance"] == CODE
    assert (
        '"price", "priceWithVat", "priceWithoutVat", "orderableAmount" or "sales"'
        in (error["message"])
    )
    assert sb.state()["products"] == before["products"]


def test_a_bad_row_beside_good_ones_is_skipped_alone_with_200():
    sb = Sandbox(demo_state())
    answer = patch(
        sb, [{"code": CODE, "vatRate": "21.00"}, {"code": OTHER, "price": {"price": "1.00"}}]
    )
    assert answer.status_code == 200
    (error,) = answer.json()["errors"]
    assert error["instance"] == CODE
    assert stored(sb, CODE)["vatRate"] == "12.00"  # skipped
    assert stored(sb, OTHER)["price"] == "1.00"  # written


@pytest.mark.parametrize(
    "objects",
    [
        {"price": {"price": "189.00"}},
        {"priceWithVat": {"price": "189.00"}},
        {"priceWithoutVat": {"price": "189.00"}},
        {"orderableAmount": {"minimumAmount": "1.000"}},
        {"sales": {"freeShipping": True}},
    ],
    ids=["price", "priceWithVat", "priceWithoutVat", "orderableAmount", "sales"],
)
def test_each_of_the_five_objects_satisfies_the_rule(objects):
    sb = Sandbox(demo_state())
    answer = patch(sb, [{"code": CODE, "vatRate": "21.00", **objects}])
    assert answer.status_code == 200, answer.text
    assert answer.json()["errors"] in (None, [])
    assert stored(sb, CODE)["vatRate"] == "21.00"
