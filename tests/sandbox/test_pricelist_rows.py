"""Sandbox pricelist realism (issue 17), per Shoptet's OpenAPI description of
``PATCH /api/pricelists/{id}`` (cited in ``reconciler.sandbox.pricelist_rows``): prices given
with or without VAT are recalculated to the row's basis, ``price`` is stored as given,
``sales`` and ``priceRatio`` are stored and read back, and the rows Shoptet skips are refused
per item (a ``minPriceRatio`` above 1, ``vatRate``/``includingVat`` in a non-VAT payer's
shop) while the other rows of the request apply."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.config import SandboxConfig
from tests.apply.support import demo_state
from tests.support.sandbox_client import raw_client

CODE, OTHER = "KAV-ETH-250", "KAV-COL-250"  # demo shop: 189.00 and 209.00, VAT 12.00


def patch(sb: Sandbox, rows: list[dict]):
    with raw_client(sb) as client:
        return client.patch("/api/pricelists/1", json={"data": rows})


def read_row(sb: Sandbox, code: str) -> dict:
    with raw_client(sb) as client:
        (item,) = client.get("/api/pricelists/1", params={"code": code}).json()["data"]["pricelist"]
    return item


@pytest.mark.parametrize(
    ("row", "price", "action"),
    [
        # kept with VAT (the demo's rows): a price with VAT is stored as given
        ({"priceWithVat": {"price": "121.00"}}, "121.00", None),
        # ... a price without VAT gains the row's 12 %
        ({"priceWithoutVat": {"price": "100.00"}}, "112.00", None),
        # the same row switches to 21 % first, then the price is recalculated at it
        ({"vatRate": "21.00", "priceWithoutVat": {"price": "100.00"}}, "121.00", None),
        # kept without VAT: a price with VAT loses it, the action price too
        (
            {
                "includingVat": False,
                "vatRate": "21.00",
                "priceWithVat": {
                    "price": "121.00",
                    "actionPrice": {"price": "60.50", "fromDate": "2026-12-01"},
                },
            },
            "100.00",
            "50.00",
        ),
        # object ``price`` "directly sets price of product, without recalculating"
        ({"includingVat": False, "price": {"price": "121.00"}}, "121.00", None),
    ],
    ids=["with-with", "without-with", "rate-then-without", "with-without", "price-direct"],
)
def test_prices_with_or_without_vat_are_recalculated_to_the_rows_basis(row, price, action):
    sb = Sandbox(demo_state())
    answer = patch(sb, [{"code": CODE, **row}])
    assert answer.status_code == 200 and not answer.json()["errors"]
    item = read_row(sb, CODE)
    assert item["price"]["price"] == price
    assert (item["price"]["actionPrice"] or {}).get("price") == action


def test_sales_and_price_ratio_are_stored_and_read_back_with_three_decimals():
    sb = Sandbox(demo_state())
    before = read_row(sb, CODE)
    assert before["price"]["priceRatio"] == "1.000" and before["sales"]["minPriceRatio"] == "0.000"
    rows = [
        {"code": CODE, "sales": {"minPriceRatio": "0.8800", "freeShipping": True}},
        {"code": CODE, "price": {"priceRatio": "1.2500"}, "sales": {"discountCoupon": False}},
    ]
    assert patch(sb, rows).status_code == 200
    item = read_row(sb, CODE)
    assert item["price"]["priceRatio"] == "1.250"
    assert item["sales"] == {
        "minPriceRatio": "0.880",
        "freeShipping": True,
        "freeBilling": False,
        "loyaltyDiscount": True,
        "volumeDiscount": True,
        "quantityDiscount": True,
        "discountCoupon": False,  # merged part by part
    }
    assert item["price"]["price"] == before["price"]["price"]  # the ratio is not the price


def test_a_min_price_ratio_above_one_is_refused_per_item():
    sb = Sandbox(demo_state())
    answer = patch(
        sb,
        [
            {"code": CODE, "sales": {"minPriceRatio": "1.5000"}},
            {"code": OTHER, "sales": {"minPriceRatio": "0.5000"}},
        ],
    )
    assert answer.status_code == 200
    (error,) = answer.json()["errors"]
    assert error["instance"] == CODE and "minPriceRatio" in error["message"]
    assert read_row(sb, CODE)["sales"]["minPriceRatio"] == "0.000"
    assert read_row(sb, OTHER)["sales"]["minPriceRatio"] == "0.500"
    every_row_bad = patch(sb, [{"code": CODE, "sales": {"minPriceRatio": "2.0000"}}])
    assert every_row_bad.status_code == 400


def test_a_non_vat_payer_may_not_send_vat_and_its_prices_all_work_the_same():
    sb = Sandbox(demo_state(), SandboxConfig(vat_payer=False))
    refused = patch(sb, [{"code": CODE, "vatRate": "21.00", "price": {"price": "1.00"}}])
    assert refused.status_code == 400
    assert "not a VAT payer" in refused.json()["errors"][0]["message"]
    answer = patch(sb, [{"code": CODE, "priceWithoutVat": {"price": "100.00"}}])
    assert answer.status_code == 200 and read_row(sb, CODE)["price"]["price"] == "100.00"
