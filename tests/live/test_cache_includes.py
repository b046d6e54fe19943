"""The cached read computes the detail includes once per product shape (issue 16); that must
give every product what ``convert.includes_for`` gives it, whatever the fields, variant codes,
ignore rules and pricelists. Fails when the shape leaves out what includes_for looks at (tried:
the variants' fields left out of the shape, a code-specific rule not sent row by row)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.live.base import ShopInfo
from reconciler.live.cached import _includes
from reconciler.live.convert import includes_for
from reconciler.model import Product, Variant

PRODUCT_FIELDS = {
    "name": "x",
    "categories": ["c"],
    "images": [],
    "brand": "b",
    "flags": {},
    "defaultCategory": "c",
}
VARIANT_FIELDS = {
    "ean": "1",
    "price": Decimal("1"),
    "commonPrice": Decimal("2"),
    "stock": {1: Decimal("1")},
    "parameters": {"a": "b"},
    "prices": {},
    "vatRate": Decimal("21"),
    "actionPrice": None,
    "image": None,
}
CODES = ["A-1", "A-2", "B-1"]


def _stating(values: dict) -> st.SearchStrategy[dict]:
    return st.lists(st.sampled_from(sorted(values)), unique=True).map(
        lambda names: {n: values[n] for n in names}
    )


PRODUCTS = st.builds(
    lambda fields, variants: Product.model_construct(
        **fields, variants={c: Variant.model_construct(**v) for c, v in variants.items()}
    ),
    _stating(PRODUCT_FIELDS),
    st.dictionaries(st.sampled_from(CODES), _stating(VARIANT_FIELDS), max_size=3),
)
RULES = st.lists(
    st.sampled_from(
        [
            "categories",
            "images",
            "variants.*.stock",
            "variants.*.price",
            "variants.*.parameters",
            "variants.A-1.stock",
            "variants.B-1.price",
            "variants.a-2.parameters",
        ]
    ),
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(PRODUCTS, min_size=1, max_size=12),
    RULES,
    st.sampled_from([(None, None), (1, 1), (2, 1)]),
)
def test_includes_by_shape_are_includes_for_each_product(products, rules, pricelists):
    wanted = {f"g{i}": p for i, p in enumerate(products)}
    shop = ShopInfo(
        eshop_id=1,
        pricelist_id=pricelists[0],
        default_pricelist_id=pricelists[1],
        stocks={1: None},
        default_stock_id=1,
    )
    got = _includes(wanted, sorted(wanted), shop, rules)
    for guid, product in wanted.items():
        assert got[guid] == includes_for(
            product,
            pricelist_id=shop.pricelist_id,
            default_pricelist_id=shop.default_pricelist_id,
            ignore=rules,
        )


def test_a_rule_naming_a_variant_code_is_heeded_per_product():
    """Same shape, different codes: only the product whose stock is not ignored needs it."""
    stock = {"stock": {1: Decimal("1")}}
    wanted = {
        "a": Product.model_construct(variants={"A-1": Variant.model_construct(**stock)}),
        "b": Product.model_construct(variants={"B-1": Variant.model_construct(**stock)}),
    }
    shop = ShopInfo(eshop_id=1, default_stock_id=1, default_pricelist_id=1, pricelist_id=1)
    got = _includes(wanted, ["a", "b"], shop, ["variants.A-1.stock"])
    assert got == {"a": (), "b": ("perStockAmounts",)}
