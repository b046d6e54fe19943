"""plan -> apply -> plan is empty for generated catalogs and starting shops, and a second apply
of the same plan sends zero writes (asserted from the sandbox's request log).

Runs in-process (the sandbox transport; no faults here, so the face does not matter). The
starting shop is the demo shop with generated drift (prices, physical stock, names,
visibility); the catalog manages a generated subset of its products with generated field
changes, price and stock changes, new variants, variant and product tombstones, and new
products.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from reconciler.apply.preflight import ApplyOptions
from reconciler.errors import UnsafePlan
from reconciler.model import Catalog, Policy, Product, Variant
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, loaded, plan_of, write_requests
from tests.support.sandbox_client import sandbox_client

DEMO = demo_state()
CATEGORIES = [c["guid"] for c in DEMO["categories"]]
BRANDS = [b["code"] for b in DEMO["brands"]]
VAT = DEMO["eshop"]["vatRates"]
PRICE = st.decimals(min_value=0, max_value=99999, places=2)
AMOUNT = st.decimals(min_value=0, max_value=999, places=0) | st.decimals(
    min_value=0, max_value=99, places=3
)
NAME = st.text(alphabet=st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s
)


@st.composite
def variant_changes(draw, live: dict) -> Variant:
    fields = {}
    if draw(st.booleans()):
        fields["price"] = draw(PRICE)
    if draw(st.booleans()):
        fields["stock"] = {1: draw(AMOUNT)} if draw(st.booleans()) else draw(AMOUNT)
    if draw(st.booleans()):
        fields["vatRate"] = Decimal(draw(st.sampled_from(VAT)))
    if draw(st.booleans()):
        fields["ean"] = draw(st.from_regex(r"[0-9]{13}", fullmatch=True))
    if draw(st.booleans()):
        fields["visible"] = draw(st.booleans())
    if draw(st.booleans()):
        fields["commonPrice"] = draw(st.none() | PRICE)
    return Variant(**fields)


@st.composite
def scenario(draw):
    state = demo_state()
    products = state["products"]
    chosen = draw(st.lists(st.integers(0, len(products) - 1), min_size=1, max_size=5, unique=True))
    # drift in the starting shop
    for i in draw(st.lists(st.integers(0, len(products) - 1), max_size=4)):
        v = products[i]["variants"][0]
        v["prices"]["1"]["price"] = str(draw(PRICE))
        v.setdefault("stocks", {}).setdefault("1", {"realStock": "0.000", "claim": "0.000"})
        v["stocks"]["1"]["realStock"] = f"{draw(AMOUNT):.3f}"
        if draw(st.booleans()):
            products[i]["visibility"] = draw(st.sampled_from(["visible", "hidden"]))
    desired: dict[str, Product] = {}
    new_code = iter(range(1000))
    for i in chosen:
        p = products[i]
        if draw(st.integers(0, 5)) == 0:
            desired[p["guid"]] = Product(absent=True)
            continue
        fields = {}
        if draw(st.booleans()):
            fields["name"] = draw(NAME)
        if draw(st.booleans()):
            fields["visibility"] = draw(st.sampled_from(["visible", "hidden"]))
        if draw(st.booleans()):
            fields["brand"] = draw(st.sampled_from(BRANDS))
        variants = {}
        live_codes = [v["code"] for v in p["variants"]]
        for v in p["variants"]:
            if len(live_codes) > 1 and v["code"] == live_codes[-1] and draw(st.booleans()):
                variants[v["code"]] = Variant(absent=True)
            elif draw(st.booleans()):
                variants[v["code"]] = draw(variant_changes(v))
        for _ in range(draw(st.integers(0, 2))):
            variants[f"NEW-{next(new_code)}"] = draw(variant_changes({}))
        if any(c.startswith("NEW-") for c in variants):
            # Shoptet's rule (issue 14): a product gaining a variant needs a unique
            # combination of parameters on every variant, live ones included
            for code in live_codes:
                variants.setdefault(code, Variant())
            variants = {c: _distinct(c, v) for c, v in variants.items()}
        desired[p["guid"]] = Product(**fields, variants=variants)
    for _ in range(draw(st.integers(0, 2))):
        guid = str(draw(st.uuids(version=4))).lower()
        cat = draw(st.sampled_from(CATEGORIES))
        codes = [f"NEW-{next(new_code)}" for _ in range(draw(st.integers(1, 2)))]
        desired[guid] = Product(
            name=draw(NAME),
            defaultCategory=cat,
            categories=[cat],
            variants={c: _distinct(c, draw(variant_changes({}))) for c in codes},
        )
    policy = Policy(maxDeletes=100, maxChangedShare=Decimal(1))
    return state, Catalog(products=desired, policy=policy)


def _distinct(code: str, variant: Variant) -> Variant:
    """``variant`` with its own value of a parameter the demo shop lacks (planned and created
    by apply), so every variant of a product differs; tombstones stay as they are."""
    if variant.absent:
        return variant
    return Variant(**{**variant.model_dump(exclude_unset=True), "parameters": {"Varianta": code}})


@given(scenario())
def test_plan_apply_plan_is_empty_and_a_second_apply_writes_nothing(case):
    state, desired = case
    sb = Sandbox(state)
    plan = plan_of(sb, desired)
    options = ApplyOptions(allow_delete=True, allow_bulk=True)
    with sandbox_client(sb) as client:
        try:
            result = apply_plan(plan, client, loaded(desired), options=options)
        except UnsafePlan:
            # only the always-refused guard: every managed product deleted
            assume(False)
        assert result.ok, (result.outcomes, result.unconverged)
        assert plan_of(sb, loaded(desired)).is_empty
        start = len(sb.request_log)
        again = apply_plan(plan, client, loaded(desired), options=options)
    assert write_requests(sb, start) == []
    assert again.write_requests == 0
    assert again.ok
