"""Properties of diff: Shoptet's spellings of the same values never show up as changes, and
one real difference gives exactly one field change."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from reconciler.diff import PlanContext, diff
from reconciler.model import Catalog, Product, Variant

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CTX = PlanContext("ab" * 32, default_stock_id=1)

names = st.text(
    alphabet=st.sampled_from("aAčČřŘžŽáéíýůú ěň-0123456789"), min_size=1, max_size=20
).filter(lambda s: s.strip() == s and s)
prices = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False)
amounts = st.decimals(min_value=0, max_value=9999, places=3, allow_nan=False)
codes = st.from_regex(r"[A-Z][A-Z0-9-]{0,8}", fullmatch=True)


@st.composite
def products(draw):
    variants = draw(
        st.dictionaries(
            codes,
            st.fixed_dictionaries({"price": prices, "stock": amounts, "visible": st.booleans()}),
            min_size=1,
            max_size=4,
        )
    )
    return {
        "name": draw(names),
        "description": draw(st.one_of(st.none(), st.just("<p>Popis</p>"))),
        "visibility": draw(st.sampled_from(["visible", "hidden"])),
        "variants": variants,
    }


def desired_of(p) -> Catalog:
    variants = {
        code: Variant(price=str(v["price"]), stock=str(v["stock"]), visible=v["visible"])
        for code, v in p["variants"].items()
    }
    return Catalog(
        products={
            GUID: Product(
                name=p["name"],
                description=p["description"],
                visibility=p["visibility"],
                variants=variants,
            )
        }
    )


def live_of(p) -> Catalog:
    """The same values as Shoptet spells them: fixed decimals, NFD text, "" for empty,
    `normal` for visible, per-stock amounts, more fields than the catalog states."""
    variants = {
        code: Variant.model_construct(
            price=f"{v['price']:.2f}",
            stock={1: f"{v['stock']:.3f}", 2: "0.000"},
            visible=v["visible"],
            ean="",
            negativeStockAllowed="no-global",
        )
        for code, v in p["variants"].items()
    }
    product = Product.model_construct(
        name=unicodedata.normalize("NFD", p["name"]),
        description=p["description"] + "\r\n" if p["description"] else "",
        visibility="normal" if p["visibility"] == "visible" else p["visibility"],
        shortDescription=None,
        variants=variants,
    )
    return Catalog.model_construct(products={GUID: product})


@given(products())
def test_shoptet_spellings_of_the_same_values_plan_nothing(p):
    assert diff(desired_of(p), live_of(p), context=CTX).is_empty


@given(products(), st.data())
def test_one_real_difference_is_exactly_one_field_change(p, data):
    code = data.draw(st.sampled_from(sorted(p["variants"])))
    field = data.draw(st.sampled_from(["price", "stock", "visible", "name"]))
    changed = {**p, "variants": {c: dict(v) for c, v in p["variants"].items()}}
    if field == "name":
        changed["name"] = p["name"] + "X"
    elif field == "visible":
        changed["variants"][code]["visible"] = not p["variants"][code]["visible"]
    else:
        changed["variants"][code][field] = p["variants"][code][field] + Decimal("1")
    plan = diff(desired_of(changed), live_of(p), context=CTX)
    assert len(plan.changes) == 1
    (f,) = plan.changes[0].fields
    assert f.field == field
    assert f.before != f.after
