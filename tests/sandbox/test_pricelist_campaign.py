"""The sandbox's pricelist rows with campaign fields (issue 17), in Shoptet's shapes (every
answer is checked against the OpenAPI file by the suite-wide watcher): action price, purchase
price and orderable amounts merge part by part, ``null`` clears, the deprecated ``buyPrice``
is the purchase price, and a bad row is a per-item error while the others are written."""

from __future__ import annotations

import pytest

from tests.apply.support import demo_state
from tests.support.sandbox_client import raw_client

CODE = "KAV-ETH-250"
SALE = {"price": "169.00", "fromDate": "2026-12-01", "toDate": "2026-12-24"}


@pytest.fixture
def client():
    from reconciler.sandbox import Sandbox

    state = demo_state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    with raw_client(Sandbox(state)) as c:
        yield c


def row(client, pricelist: int = 1) -> dict:
    answer = client.get(f"/api/pricelists/{pricelist}", params={"code": CODE})
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["data"]["pricelist"]
    return item


def patch(client, *rows, pricelist: int = 1):
    return client.patch(f"/api/pricelists/{pricelist}", json={"data": list(rows)})


def test_campaign_fields_are_stored_merged_and_cleared(client):
    before = row(client)
    assert before["price"]["actionPrice"] is None
    assert before["orderableAmount"] == {"minimumAmount": None, "maximumAmount": None}
    assert before["prices"]["purchasePrice"]["price"] is None

    answer = patch(
        client,
        {
            "code": CODE,
            "price": {"actionPrice": SALE},
            "orderableAmount": {"minimumAmount": "2.000"},
            "prices": {"purchasePrice": {"price": "99.00", "includingVat": False}},
        },
    )
    assert answer.status_code == 200 and answer.json()["errors"] is None, answer.text
    after = row(client)
    assert after["price"]["actionPrice"] == SALE
    assert after["price"]["buyPrice"] == "99.00"
    assert after["orderableAmount"] == {"minimumAmount": "2.000", "maximumAmount": None}
    assert after["prices"]["purchasePrice"] == {
        "price": "99.00",
        "vatRate": after["vatRate"],  # not given: the row's
        "includingVat": False,
    }
    # parts merge: only the end date and the maximum change
    patch(
        client,
        {
            "code": CODE,
            "price": {"actionPrice": {"toDate": "2026-12-31"}},
            "orderableAmount": {"maximumAmount": "9.000"},
        },
    )
    after = row(client)
    assert after["price"]["actionPrice"] == {**SALE, "toDate": "2026-12-31"}
    assert after["orderableAmount"] == {"minimumAmount": "2.000", "maximumAmount": "9.000"}
    # null clears
    patch(
        client,
        {
            "code": CODE,
            "price": {"actionPrice": None},
            "prices": {"purchasePrice": {"price": None}},
        },
    )
    after = row(client)
    assert after["price"]["actionPrice"] is None and after["price"]["buyPrice"] is None
    assert after["prices"]["purchasePrice"]["price"] is None


def test_another_pricelist_has_its_own_campaign_and_no_purchase_price(client):
    patch(client, {"code": CODE, "price": {"actionPrice": SALE}}, pricelist=2)
    other = row(client, 2)
    assert other["price"]["actionPrice"] == SALE and "prices" not in other
    assert row(client)["price"]["actionPrice"] is None


def test_a_bad_row_is_a_per_item_error_and_the_good_rows_are_written(client):
    answer = patch(
        client,
        {
            "code": CODE,
            "price": {"buyPrice": "1.00"},
            "prices": {"purchasePrice": {"price": "2.00"}},
        },
        {"code": "KAV-KEN-250", "price": {"actionPrice": SALE}},
    )
    assert answer.status_code == 200
    (error,) = answer.json()["errors"]
    assert error["instance"] == CODE and "at the same time" in error["message"]
    assert row(client)["price"]["buyPrice"] is None
    kena = client.get("/api/pricelists/1", params={"code": "KAV-KEN-250"}).json()
    assert kena["data"]["pricelist"][0]["price"]["actionPrice"] == SALE
