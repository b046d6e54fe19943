"""Properties over random request sequences: stock bookkeeping stays consistent and nothing is
applied twice or half-way."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import raw_client

# variant_parameters "off": these properties are about codes, stock and prices; Shoptet's
# variant-parameter rule (enforced by default since issue 14) has its own tests.
SB = Sandbox.from_seed("demo", limits=False, variant_parameters="off")
SEED = SB.state()
CODES = [v["code"] for p in SEED["products"] for v in p["variants"]][:8]

movement = st.fixed_dictionaries(
    {"productCode": st.sampled_from([*CODES, "NO-SUCH-CODE"])},
    optional={},
).flatmap(
    lambda base: st.sampled_from(["amountChange", "quantity", "realStock"]).flatmap(
        lambda kind: st.integers(min_value=-50, max_value=50).map(
            lambda n: {**base, kind: n if kind == "amountChange" else abs(n)}
        )
    )
)


@settings(deadline=None)
@given(
    batches=st.lists(
        st.tuples(st.sampled_from([1, 2]), st.lists(movement, min_size=1, max_size=6)),
        min_size=1,
        max_size=6,
    )
)
def test_movements_match_a_simple_model(batches):
    """notes §6 semantics against a model: realStock sets physical, quantity sets available,
    amountChange is relative; every applied item is logged exactly once."""
    SB.load_state(SEED)
    model = {}
    for p in SEED["products"]:
        for v in p["variants"]:
            for sid in (1, 2):
                row = v["stocks"].get(str(sid), {"realStock": "0", "claim": "0"})
                model[(v["code"], sid)] = (Decimal(row["realStock"]), Decimal(row["claim"]))
    applied = 0
    with raw_client(SB) as c:
        for stock_id, items in batches:
            r = c.patch(f"/api/stocks/{stock_id}/movements", json={"data": items})
            known = [i for i in items if i["productCode"] != "NO-SUCH-CODE"]
            assert r.status_code == (200 if known else 400)
            for item in known:
                real, claim = model[(item["productCode"], stock_id)]
                if "realStock" in item:
                    real = Decimal(item["realStock"])
                elif "quantity" in item:
                    real = Decimal(item["quantity"]) + claim
                else:
                    real += item["amountChange"]
                model[(item["productCode"], stock_id)] = (real, claim)
            applied += len(known)
            unknown = len(items) - len(known)
            assert len(r.json()["errors"] or []) == unknown
        for stock_id in (1, 2):
            for row in c.get(f"/api/stocks/{stock_id}/supplies").json()["data"]["supplies"]:
                if row["code"] in CODES:
                    real, claim = model[(row["code"], stock_id)]
                    assert Decimal(row["amount"]) == real - claim
    log = SB.state()["movements"]
    assert len(log) == applied
    assert len({(m["requestId"], m["item"]) for m in log}) == applied


@settings(deadline=None)
@given(codes=st.lists(st.sampled_from(["a-1", "A-1", "b-2", "", None]), min_size=1, max_size=4))
def test_patch_variant_rule(codes):
    """notes §5d: known code updates, unknown or missing creates; a refused request changes
    nothing."""
    SB.load_state(SEED)
    product = SEED["products"][0]
    guid, existing = product["guid"], product["variants"][0]["code"]
    items = []
    for code in codes:
        item = {"ean": "1"}
        if code == "":
            item["code"] = existing
        elif code is not None:
            item["code"] = code
        items.append(item)
    with raw_client(SB) as c:
        r = c.patch(f"/api/products/{guid}", json={"data": {"variants": items}})
    named = [i["code"].upper() for i in items if "code" in i and i["code"] != existing]
    if len(named) != len(set(named)):
        assert r.status_code == 422
        assert SB.state()["products"][0] == product
        return
    assert r.status_code == 200
    variants = r.json()["data"]["variants"]
    unnamed = sum(1 for i in items if "code" not in i)
    assert len(variants) == 1 + len(set(named)) + unnamed
    assert {v["code"] for v in variants} >= {existing, *named}


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=6),
    st.sampled_from(["10.00", "1.000", "KAV-ETH-250", "00123", "visible"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["code", "price", "realStock", "amount", "stockId", "name", "x"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)
_product_keys = st.sampled_from(
    [
        "name",
        "guid",
        "visibility",
        "defaultCategoryGuid",
        "variants",
        "brandCode",
        "categoryGuids",
        "bogus",
        "internalNote",
    ]
)
_variant = st.dictionaries(
    st.sampled_from(
        [
            "code",
            "ean",
            "price",
            "parameters",
            "visible",
            "stocksLocations",
            "newCode",
            "weight",
            "zzz",
        ]
    ),
    _values,
    max_size=4,
)
_bodies = st.one_of(
    _values,
    st.fixed_dictionaries({"data": st.dictionaries(_product_keys, _values, max_size=4)}),
    st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {
                    "name": st.text(max_size=5),
                    "defaultCategoryGuid": st.just(SEED["categories"][0]["guid"]),
                    "variants": st.lists(_variant, max_size=3),
                }
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "data": st.lists(
                st.dictionaries(
                    st.sampled_from(
                        [
                            "productCode",
                            "code",
                            "realStock",
                            "quantity",
                            "amountChange",
                            "price",
                            "vatRate",
                        ]
                    ),
                    _values,
                    max_size=3,
                ),
                max_size=3,
            )
        }
    ),
)
_targets = st.sampled_from(
    [
        ("POST", "/api/products"),
        ("PATCH", f"/api/products/{SEED['products'][0]['guid']}"),
        ("PATCH", "/api/stocks/1/movements"),
        ("PATCH", "/api/pricelists/1"),
        ("POST", "/api/categories"),
    ]
)


@settings(deadline=None)
@given(target=_targets, body=_bodies)
def test_arbitrary_write_bodies_never_crash_and_refusals_change_nothing(target, body):
    """Strictness: any JSON body gets a Shoptet answer (never a 500), and a refused request
    (4xx) leaves the state exactly as it was (notes §2: 400/413/422 apply nothing)."""
    SB.load_state(SEED)
    method, path = target
    with raw_client(SB) as c:
        r = c.request(method, path, json=body)
    assert r.status_code < 500, r.text
    assert set(r.json()) == {"data", "errors", "metadata"}
    if r.status_code >= 400:
        assert r.json()["errors"]
        assert SB.state() == SEED
