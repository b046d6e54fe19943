"""The quick passes over a large catalog (issue 16) decide exactly what the full walks decide:
the reference check's unordered prefilter never hides a problem, the fields nobody states
skip nothing anybody states, and the diff's target matching picks the products the old
product-by-product matching picked."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler import assignments, references
from reconciler.model import Catalog, Product, Variant
from reconciler.plan import diff as plan_diff
from reconciler.plan.model import Scope

KNOWN_CATEGORY = "10d66176-f74c-5fac-afb4-d233c14e5159"
UNKNOWN_CATEGORY = "0f2b1c3d-0000-4000-8000-00000000dead"
GUIDS = [f"00000000-0000-4000-8000-{i:012x}" for i in range(6)]

variants = st.builds(
    lambda rate, stock, availability, renamed, absent: Variant.model_validate(
        {
            **({"vatRate": rate} if rate else {}),
            **({"stock": stock} if stock is not None else {}),
            **({"availability": availability} if availability is not None else {}),
            **({"renamedFrom": renamed} if renamed else {}),
        }
        if not absent
        else {"absent": True}
    ),
    st.sampled_from([None, "21.00", "21", "12.00", "7.00"]),
    st.sampled_from([None, "5", {1: "2"}, {1: "1", 2: "0"}, {3: "1"}]),
    st.sampled_from([None, 1, 2, 99]),
    st.sampled_from([None, "OLD-1", "OLD-2"]),
    st.sampled_from([False, False, False, True]),
)


def product_of(data: dict) -> Product:
    return Product.model_validate(data)


products = st.builds(
    lambda cats, brand, codes, vs, absent: product_of(
        {"absent": True}
        if absent
        else {
            **({"defaultCategory": cats[0], "categories": cats} if cats else {}),
            **({"brand": brand} if brand else {}),
            "variants": dict(zip(codes, vs, strict=False)),
        }
    ),
    st.sampled_from([[], [KNOWN_CATEGORY], [KNOWN_CATEGORY, UNKNOWN_CATEGORY]]),
    st.sampled_from([None, "zrnkovna", "Zrnkovna", "nobody"]),
    st.lists(st.sampled_from(["A-1", "B-2", "C-3", "OLD-1", "D-4"]), unique=True, max_size=3),
    st.lists(variants, min_size=3, max_size=3),
    st.sampled_from([False, False, False, True]),
)

catalogs = st.builds(
    lambda items, ignore: Catalog.model_validate(
        {"products": dict(zip(GUIDS, items, strict=False)), "ignore": ignore}
    ),
    st.lists(products, min_size=1, max_size=6),
    st.sampled_from([[], ["brand"], ["variants.*.stock"], ["variants.A-1.vatRate"]]),
)

shops = st.builds(
    lambda payer, stocks, availabilities: references.ShopReferences(
        categories={KNOWN_CATEGORY: "Káva"},
        brands={"zrnkovna": "Zrnkovna"},
        availabilities=availabilities,
        stocks=stocks,
        vat_rates=("21.00", "12.00"),
        vat_payer=payer,
    ),
    st.sampled_from([True, False, None]),
    st.sampled_from([{1: "Brno"}, {1: "Brno", 2: "Praha"}, {}]),
    st.sampled_from([None, {1: "Skladem", 2: "Do týdne"}]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs, shops)
def test_the_prefilter_never_hides_a_problem(catalog, refs):
    quick = references.check_references(catalog, refs)
    original = references._all_known
    references._all_known = lambda *a: False  # always walk
    try:
        walked = references.check_references(catalog, refs)
    finally:
        references._all_known = original
    assert [str(p) for p in quick] == [str(p) for p in walked]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs)
def test_the_fields_stated_are_those_some_product_or_variant_states(catalog):
    product_fields, variant_fields = assignments.stated_fields(catalog)
    live = [p for p in catalog.products.values() if not p.absent]
    assert product_fields == set().union(*(p.model_fields_set for p in live))
    assert variant_fields == set().union(
        *(v.model_fields_set for p in live for v in p.variants.values())
    )
    # a copy with another product is another mapping: not the remembered answer
    more = catalog.model_copy(
        update={"products": {**catalog.products, GUIDS[5]: product_of({"brand": "x"})}}
    )
    assert "brand" in assignments.stated_fields(more)[0]


def targeted_one_by_one(scope, wanted, have):
    """The matching as it was: a set of codes a product."""
    guids = {t.lower() for t in scope.targets}
    codes = {t.upper() for t in scope.targets}
    chosen = set()
    for guid, product in wanted.items():
        live = have.get(guid)
        mine = set(product.variants or {}) | set((live.variants or {}) if live is not None else {})
        mine |= plan_diff._renamed_from(product)
        if guid in guids or any(c.upper() in codes for c in mine):
            chosen.add(guid)
    return chosen


@settings(max_examples=300, deadline=None)
@given(
    catalogs,
    catalogs,
    st.lists(st.sampled_from([*GUIDS[:3], "a-1", "OLD-1", "old-2", "D-4", "zzz"]), max_size=4),
)
def test_targets_pick_what_they_picked_product_by_product(desired, live, targets):
    wanted = {g.lower(): p for g, p in desired.products.items()}
    have = {g.lower(): p for g, p in live.products.items()}
    scope = Scope.targeted(targets, None, None)
    renames = plan_diff._renames(wanted)
    expected = targeted_one_by_one(scope, wanted, have)
    assert plan_diff._targeted(scope, wanted, have, renames) == expected


def test_a_rate_is_compared_by_value():
    check = references._RateCheck(("21.00", "12.00"))
    assert not check.unknown(Decimal("21")) and not check.unknown("12.0")
    assert check.unknown(Decimal("7.00")) and check.unknown("abc")
    assert not references._RateCheck(()).unknown("7")  # rates not known: nothing checked
