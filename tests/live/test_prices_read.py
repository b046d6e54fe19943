"""Rows in other pricelists (``prices:``, issue 17) on the live side: a product whose variant
states ``prices`` is read with ``perPricelistPrices``, every row of it becomes the live
variant's ``prices`` keyed by pricelist id, and the live cache keeps them as read (no format
change: nested mappings of decimals are the cache's tagged values)."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

from reconciler.live.cache_file import _hook, decode_details, encode_details
from reconciler.live.convert import includes_for, variant_from_detail
from reconciler.model import Product, Variant


def test_a_variant_stating_prices_asks_for_every_pricelist_row():
    product = Product.model_validate(
        {"variants": {"A-1": {"prices": {"Velkoobchod": {"price": "180"}}}}}
    )
    assert includes_for(product, pricelist_id=1, default_pricelist_id=1) == ("perPricelistPrices",)
    ignored = includes_for(
        product, pricelist_id=1, default_pricelist_id=1, ignore=("variants.*.prices",)
    )
    assert ignored == ()


def test_every_row_of_per_pricelist_prices_becomes_a_row_of_prices():
    rows = [
        {"pricelistId": 1, "price": {"price": "200.00"}, "vatRate": "21.00"},
        {
            "pricelistId": 2,
            "price": {"price": "180.00", "commonPrice": None, "actionPrice": None},
            "vatRate": "21.00",
            "includingVat": True,
            "orderableAmount": {"minimumAmount": "6.000", "maximumAmount": None},
        },
    ]
    detail = SimpleNamespace(code="a-1", perPricelistPrices=rows, perStockAmounts=None)
    variant = variant_from_detail(detail, pricelist_id=1, default_pricelist_id=1)
    assert variant.prices["2"] == {
        "price": Decimal("180.00"),
        "commonPrice": None,
        "vatRate": Decimal("21.00"),
        "includingVat": True,
        "actionPrice": None,
        "orderableAmount": {"minimumAmount": Decimal("6.000"), "maximumAmount": None},
    }
    assert set(variant.prices) == {"1", "2"}  # the diff looks only at the rows stated
    plain = SimpleNamespace(code="a-1", perPricelistPrices=None, perStockAmounts=None)
    assert (
        "prices"
        not in variant_from_detail(plain, pricelist_id=1, default_pricelist_id=1).model_fields_set
    )


def test_the_live_cache_keeps_other_pricelists_rows_as_read():
    row = {
        "price": Decimal("180.00"),
        "actionPrice": {"price": Decimal("160.00"), "fromDate": "2026-12-01", "toDate": None},
        "orderableAmount": None,
    }
    variant = Variant.model_construct(price=Decimal("200.00"), prices={"2": row})
    product = Product.model_construct(name="Káva", variants={"A-1": variant})
    doc = encode_details({"g": (("perPricelistPrices",), product)})
    back = decode_details(json.loads(json.dumps(doc), object_hook=_hook))
    assert back["g"][1].variants["A-1"].prices == {"2": row}
