"""The models used directly from Python (as live.py and the plan do)."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from reconciler.model import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Catalog,
    Policy,
    Product,
    Variant,
)

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"


def test_python_values_are_accepted_and_kept_exact():
    v = Variant(
        price=Decimal("10.50"),
        stock={1: Decimal("2.000"), 2: 3},
        visible=True,
        availability=-1,
        negativeStockAllowed=False,
    )
    assert v.price.as_tuple() == Decimal("10.50").as_tuple()
    assert v.stock == {1: Decimal("2"), 2: Decimal("3")}
    assert v.model_fields_set == {
        "price",
        "stock",
        "visible",
        "availability",
        "negativeStockAllowed",
    }


def test_floats_never_pass():
    with pytest.raises(ValidationError, match="not a float"):
        Variant(price=10.5)


def test_models_are_frozen_and_closed():
    v = Variant(price="1.00")
    with pytest.raises(ValidationError):
        v.price = Decimal("2.00")
    with pytest.raises(ValidationError, match="Extra inputs"):
        Variant(prise="1.00")


def test_explicit_none_is_managed_and_means_clear():
    p = Product(description=None)
    assert "description" in p.model_fields_set and p.description is None
    assert "name" not in p.model_fields_set


def test_catalog_keys_products_by_guid_and_accepts_instances():
    cat = Catalog(products={GUID: Product(name="x", variants={"A-1": Variant(stock=1)})})
    assert cat.products[GUID].variants["A-1"].stock == Decimal(1)
    with pytest.raises(ValidationError, match="must be lowercase"):
        Catalog(products={GUID.upper(): Product(name="x")})


def test_policy_defaults():
    policy = Policy()
    assert (policy.maxDeletes, policy.maxChangedShare, policy.protect, policy.prune) == (
        10,
        Decimal("0.25"),
        [],
        False,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"visibility": "normal"}, "unknown visibility 'normal'"),
        ({"type": "produkt"}, "did you mean 'product'"),
        ({"variants": {"a-1": {}}}, "write 'A-1'"),
        ({"variants": {f"V{i}": {} for i in range(513)}}, "at most 512 variants"),
        ({"absent": True, "name": "x"}, "tombstone"),
        ({"categories": [GUID, GUID]}, "listed twice"),
    ],
)
def test_model_rules(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        Product(**kwargs)


def test_variant_512_is_allowed():
    assert len(Product(variants={f"V{i}": {} for i in range(512)}).variants) == 512


def test_field_lists_name_the_managed_fields():
    assert "variants" not in PRODUCT_FIELDS and "absent" not in PRODUCT_FIELDS
    assert {"name", "brand", "defaultCategory", "categories"} <= set(PRODUCT_FIELDS)
    assert {"ean", "price", "stock", "availability"} <= set(VARIANT_FIELDS)
    assert "absent" not in VARIANT_FIELDS


@pytest.mark.parametrize(
    "code", [".", "..", "A/../B", "A/./B", "../A", "A/..", "/A", "A/", "A//B", "./A"]
)
def test_a_code_that_would_change_a_url_path_is_refused(code):
    with pytest.raises(ValidationError) as info:
        Product(name="x", variants={code: {}})
    assert "would change the URL path" in str(info.value)


@pytest.mark.parametrize("code", ["15/ZLU", "A.B", "A..B", "...", ".A", "A/.B", "A./B", "1.5 KG"])
def test_dots_and_slashes_that_keep_the_path_are_accepted(code):
    assert list(Product(name="x", variants={code: {}}).variants) == [code]


@pytest.mark.parametrize("field", ["price", "commonPrice"])
def test_a_negative_price_is_refused_with_the_fix_and_zero_is_allowed(field):
    with pytest.raises(ValidationError, match=r"a price cannot be negative, got .-0\.01.\. Fix:"):
        Variant(**{field: "-0.01"})
    assert getattr(Variant(**{field: 0}), field) == Decimal(0)
    assert getattr(Variant(**{field: "0.00"}), field) == Decimal(0)
