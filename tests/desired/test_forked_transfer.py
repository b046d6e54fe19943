"""The loader's child process sends its products back with ``forked.dumps`` (pydantic models
without their __getstate__, issue 16). The parent must get exactly what it would have made
itself: equal models of the same classes, the same fields set (which decides what a plan
compares), the same nested objects, and models with extra or private values intact."""

from __future__ import annotations

import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, PrivateAttr

from reconciler.desired.forked import Forked, can_fork, dumps
from reconciler.desired.load import _ChildPart, load_catalog
from reconciler.model import Product, Variant

ROOT = Path(__file__).resolve().parents[2]


def same_models(a: Any, b: Any) -> None:
    """``a`` and ``b`` are equal, of the same types, with the same fields set, all the way
    down (pydantic's == ignores the fields set)."""
    assert type(a) is type(b)
    if isinstance(a, BaseModel):
        assert a == b
        assert a.model_fields_set == b.model_fields_set
        assert a.__pydantic_extra__ == b.__pydantic_extra__
        assert a.__pydantic_private__ == b.__pydantic_private__
        assert a.__dict__.keys() == b.__dict__.keys()
        for key in a.__dict__:
            same_models(a.__dict__[key], b.__dict__[key])
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same_models(a[key], b[key])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same_models(x, y)
    else:
        assert a == b
        if isinstance(a, Decimal):
            assert str(a) == str(b)  # 89.00 stays 89.00


def test_the_example_catalog_comes_back_the_same():
    loaded = load_catalog(ROOT / "catalog")
    codes = {code: guid for guid, p in loaded.catalog.products.items() for code in p.variants}
    part = _ChildPart(
        loaded.catalog.products, loaded.locations, loaded.product_nodes, codes, True, 0
    )
    back = pickle.loads(dumps(part))
    same_models(back.products, part.products)
    assert dict(back.locations) == dict(part.locations)
    assert back.product_nodes == part.product_nodes
    assert back.code_owner == codes and back.renames is True
    same_models(pickle.loads(dumps(loaded.catalog)), loaded.catalog)


def test_a_model_shared_twice_is_one_object_after_the_transfer():
    variant = Variant.model_validate({"price": "89.00", "vatRate": "21.00"})
    back = pickle.loads(dumps([variant, variant]))
    assert back[0] is back[1]


class _Extra(BaseModel):
    model_config = ConfigDict(extra="allow")
    a: int = 1


class _Private(BaseModel):
    a: int = 1
    _secret: str = PrivateAttr(default="x")


def test_models_with_extra_or_private_values_go_the_default_way():
    extra = _Extra.model_validate({"a": 2, "more": [1]})
    private = _Private(a=3)
    private._secret = "kept"
    back_extra, back_private = pickle.loads(dumps([extra, private]))
    same_models(back_extra, extra)
    assert back_extra.more == [1]
    assert back_private._secret == "kept"


PRICES = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False)
VARIANT = st.fixed_dictionaries(
    {"price": PRICES.map(str)},
    optional={
        "vatRate": st.sampled_from(["21.00", "12.00", "0"]),
        "ean": st.from_regex(r"859[0-9]{10}", fullmatch=True),
        "stock": st.one_of(
            st.integers(0, 99).map(str),
            st.dictionaries(st.integers(1, 3), st.integers(0, 9).map(str), min_size=1),
        ),
        "weight": st.sampled_from(["0.300", "1", "0.55"]),
        "visible": st.booleans(),
    },
)
PRODUCT = st.fixed_dictionaries(
    {"variants": st.dictionaries(st.from_regex(r"[A-Z]{2}-[0-9]{1,3}", fullmatch=True), VARIANT)},
    optional={
        "name": st.text(min_size=1, max_size=20).filter(str.strip),
        "visibility": st.sampled_from(["visible", "hidden"]),
        "internalNote": st.text(max_size=10),
    },
)


@settings(max_examples=60, deadline=None)
@given(products=st.lists(PRODUCT, max_size=5))
def test_random_products_come_back_with_the_same_values_and_fields_set(products):
    models = []
    for data in products:
        try:
            models.append(Product.model_validate(data))
        except ValueError:  # an input the model refuses: nothing to send
            continue
    same_models(pickle.loads(dumps(models)), models)


def test_a_forked_child_sends_the_catalog_back_the_same():
    loaded = load_catalog(ROOT / "catalog")
    if not can_fork():  # the loader then loads in one process and sends nothing
        return
    back = Forked(lambda: loaded.catalog.products).result()
    assert back is not None
    same_models(back, loaded.catalog.products)
