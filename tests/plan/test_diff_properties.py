"""Properties of diff: Shoptet's spellings of the same values never show up as changes, and
one real difference gives exactly one field change."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import Catalog, Product, Variant
from reconciler.plan.diff import PlanContext, diff

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


# --- convergence: writing every `after` onto the live shop leaves nothing to do ---------------

GUIDS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(4)]
CAT = "0f2b1c3d-0000-4000-8000-000000000001"
CODES = ["A", "B", "C"]


@st.composite
def variant_values(draw, desired: bool):
    keys = draw(st.sets(st.sampled_from(["price", "vatRate", "stock", "ean", "visible"])))
    if not desired:
        keys = {"price", "vatRate", "stock", "ean", "visible"}
    values = {
        "price": draw(st.sampled_from(["10", "10.00", "12.5", None])),
        "vatRate": draw(st.sampled_from(["21", "21.00", "12"])),
        "stock": draw(st.sampled_from(["1", "1.000", "2", {1: "3"}, {1: "1", 2: "4"}])),
        "ean": draw(st.sampled_from(["", "123", None])),
        "visible": draw(st.booleans()),
    }
    if not desired and isinstance(values["stock"], str):
        values["stock"] = {1: values["stock"], 2: "0"}
    return {k: values[k] for k in keys}


@st.composite
def catalogs(draw, desired: bool):
    products = {}
    for guid in draw(st.sets(st.sampled_from(GUIDS))):
        if desired and draw(st.integers(0, 5)) == 0:
            products[guid] = Product(absent=True)
            continue
        fields = {
            "name": draw(st.sampled_from(["Čaj", unicodedata.normalize("NFD", "Čaj"), "Káva"]))
        }
        fields["description"] = draw(st.sampled_from(["", None, "<p>x</p>", "<p>x</p>\n"]))
        fields["defaultCategory"] = CAT
        codes = draw(st.sets(st.sampled_from(CODES), min_size=1))
        variants = {}
        for code in sorted(codes):
            if desired and code != min(codes) and draw(st.integers(0, 3)) == 0:
                variants[code] = Variant(absent=True)
            else:
                variants[code] = Variant.model_construct(**draw(variant_values(desired)))
        products[guid] = Product.model_construct(**fields, variants=variants)
    return Catalog.model_construct(
        products=products, shop=Catalog().shop, policy=Catalog().policy, ignore=[]
    )


def write(live: Catalog, plan) -> Catalog:
    """What apply does, as plain model edits: every change's `after` written to the shop."""
    products = {
        g: {
            "fields": {k: getattr(p, k) for k in p.model_fields_set if k != "variants"},
            "variants": {
                c: {k: getattr(v, k) for k in v.model_fields_set} for c, v in p.variants.items()
            },
        }
        for g, p in live.products.items()
    }
    for c in plan.changes:
        if c.resource.value == "product" and c.action.value == "delete":
            del products[c.guid]
        elif c.resource.value == "product" and c.action.value == "create":
            # its variants follow as variant, price and stock creates (plan order)
            products[c.guid] = {"fields": dict(c.after), "variants": {}}
        elif c.resource.value == "product":
            products[c.guid]["fields"].update(c.after)
        elif c.action.value == "delete":
            del products[c.guid]["variants"][c.code]
        elif c.resource.value == "stock":
            variant = products[c.guid]["variants"].setdefault(c.code, {})
            variant["stock"] = {**(variant.get("stock") or {}), c.stock_id: c.after["stock"]}
        else:
            products[c.guid]["variants"].setdefault(c.code, {}).update(c.after)
    return Catalog.model_construct(
        products={
            g: Product.model_construct(
                **p["fields"],
                variants={code: Variant.model_construct(**v) for code, v in p["variants"].items()},
            )
            for g, p in products.items()
        }
    )


@given(catalogs(desired=True), catalogs(desired=False))
def test_writing_the_plan_converges(desired, live):
    plan = diff(desired, live, context=CTX)
    assert diff(desired, write(live, plan), context=CTX).is_empty
