"""The fast live-cache codec (issue 16) against the slow one it replaced
(``tests/live/cache_reference.py``, kept verbatim): on random products it writes the same
document and reads back the same products (values, types, field order, the fields set,
variant order), and on randomly damaged documents it refuses exactly when the old one did,
with the same reason. Each property fails when the fast path is broken (tried: a stock
row shifted by one, the duplicate check across blocks dropped)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.live import cache_file as C
from reconciler.live.convert import product_from_summary
from reconciler.model import Product, Variant
from tests.live import cache_reference as R

# What load_cache turns into "the cache file is damaged (malformed: ...)".
DAMAGE = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError)

DECIMALS = st.one_of(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6
    ),
    st.sampled_from([Decimal("1E+3"), Decimal("-0.000"), Decimal("0"), Decimal("21.00")]),
)
ODD = st.sampled_from([Decimal("NaN"), Decimal("Infinity")])  # only as tagged values
TEXT = st.text(max_size=6)
STOCK = st.one_of(
    st.dictionaries(st.sampled_from([1, 2, 3]), DECIMALS, max_size=3),
    st.fixed_dictionaries({1: DECIMALS, 2: DECIMALS}),  # the common shape: a stock column
)
VARIANT_VALUES: dict[str, Any] = {
    "ean": st.one_of(st.none(), TEXT),
    "price": st.one_of(DECIMALS, DECIMALS, ODD, st.none()),
    "vatRate": DECIMALS,
    "stock": st.one_of(STOCK, STOCK, st.none()),
    "visible": st.booleans(),
    "availability": st.one_of(st.integers(-1, 5), st.none()),
    "parameters": st.dictionaries(TEXT, TEXT, max_size=2),
    "actionPrice": st.one_of(
        st.none(), st.fixed_dictionaries({"price": DECIMALS, "fromDate": st.just("2026-12-01")})
    ),
}
PRODUCT_VALUES: dict[str, Any] = {
    "name": st.one_of(TEXT, st.none()),
    "categories": st.lists(TEXT, max_size=3),
    "defaultCategory": st.one_of(TEXT, st.none()),
    "flags": st.dictionaries(TEXT, st.booleans(), max_size=2),
    "absent": st.booleans(),
}


def _model(model: Any, values: dict[str, Any]) -> Any:
    """A model stating a random subset of ``values`` (mostly the same few, so runs form)."""
    common = sorted(values)[:3]
    return st.one_of(
        st.just(common), st.lists(st.sampled_from(sorted(values)), unique=True)
    ).flatmap(lambda names: st.fixed_dictionaries({n: values[n] for n in names}))


VARIANTS = st.dictionaries(
    st.from_regex(r"[A-Z]{1,2}-[0-9]", fullmatch=True),
    _model(Variant, VARIANT_VALUES).map(lambda v: Variant.model_construct(**v)),
    max_size=4,
)
PRODUCTS = st.tuples(_model(Product, PRODUCT_VALUES), VARIANTS).map(
    lambda pv: Product.model_construct(**pv[0], variants=pv[1])
)
INCLUDES = st.sampled_from([(), ("perStockAmounts",), ("allCategories", "perStockAmounts")])
DETAILS = st.dictionaries(st.uuids().map(str), st.tuples(INCLUDES, PRODUCTS), max_size=8)


def looks(details: dict) -> list:
    """Everything a decoded product shows: values with their types (repr), the order of
    fields, variants and products, the fields set."""
    return [
        (
            guid,
            include,
            repr(product),
            list(vars(product)),
            sorted(product.model_fields_set),
            [
                (code, repr(v), list(vars(v)), sorted(v.model_fields_set))
                for code, v in (product.variants or {}).items()
            ],
        )
        for guid, (include, product) in details.items()
    ]


def read(document: str, decode) -> tuple:
    try:
        return ("read", looks(decode(json.loads(document, object_hook=C._hook))))
    except DAMAGE as exc:
        return ("refused", type(exc).__name__, str(exc))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DETAILS)
def test_the_fast_codec_writes_and_reads_what_the_old_one_did(details):
    encoded = C.encode_details(details)
    assert json.dumps(encoded) == json.dumps(R.encode_details(details))
    document = json.dumps(encoded)
    fast, slow = read(document, C.decode_details), read(document, R.decode_details)
    assert fast == slow == ("read", looks(details))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DETAILS, st.integers(1, 3))
def test_models_built_in_chunks_are_the_ones_built_at_once(details, chunk):
    """The build in chunks (``BUILD_CHUNK``, so other threads get the GIL between them) gives
    the products a single pass gives: values, types, order, fields set."""
    document = json.dumps(C.encode_details(details))
    original = C.BUILD_CHUNK
    try:
        C.BUILD_CHUNK = chunk
        chunked = read(document, C.decode_details)
    finally:
        C.BUILD_CHUNK = original
    assert chunked == read(document, C.decode_details) == ("read", looks(details))


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("availability", [1, True]),  # equal, but not the same type
        ("price", [Decimal("1.0"), Decimal("1.00")]),  # equal, but not the same text
        ("ean", ["x", "x", "y"]),
        ("ean", [None, None, None]),
        ("visible", [True, True, True]),
        ("price", [Decimal("2.50"), Decimal("2.50")]),
    ],
)
def test_a_column_read_as_one_value_is_one_only_when_every_row_is_the_same(field, values):
    """Columns whose rows all hold one value are built from the block's template (``_Same``);
    equal values of another type or text must not be taken for it."""
    variants = {f"A-{i}": Variant.model_construct(**{field: v}) for i, v in enumerate(values)}
    details = {"g1": ((), Product.model_construct(name="x", variants=variants))}
    document = json.dumps(C.encode_details(details))
    assert read(document, C.decode_details) == ("read", looks(details))
    loaded = C.decode_details(json.loads(document, object_hook=C._hook))
    read_back = [getattr(v, field) for v in loaded["g1"][1].variants.values()]
    assert [(type(v), str(v)) for v in read_back] == [(type(v), str(v)) for v in values]


def test_a_copy_with_more_fields_leaves_the_models_that_share_its_fields_set_alone():
    """The models of a block share one fields set: a copy that states one more field (what
    pydantic's ``model_copy(update=...)`` does) must not add it to the others."""
    details = {
        f"0000000{i}-0000-0000-0000-000000000000": (
            ("a",),
            Product.model_construct(
                name=f"P{i}",
                variants={"A": Variant.model_construct(price=Decimal(i), visible=True)},
            ),
        )
        for i in range(3)
    }
    loaded = C.decode_details(
        json.loads(json.dumps(C.encode_details(details)), object_hook=C._hook)
    )
    first, second, _ = (product for _, product in loaded.values())
    assert first.model_fields_set is second.model_fields_set  # shared: what this test guards
    copied = first.model_copy(update={"brand": "Acme"})
    variant = first.variants["A"].model_copy(update={"ean": "123"})
    assert copied.model_fields_set == {"name", "variants", "brand"}
    assert variant.model_fields_set == {"price", "visible", "ean"}
    for _, product in loaded.values():
        assert product.model_fields_set == {"name", "variants"}
        assert product.variants["A"].model_fields_set == {"price", "visible"}


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every position inside the document's lists (and the body's keys)."""
    out = [path] if path else []
    if isinstance(node, list):
        for i, child in enumerate(node):
            out += _paths(child, (*path, i))
    elif isinstance(node, dict):
        for key, child in node.items():
            out += _paths(child, (*path, key))
    return out


REPLACEMENTS = st.sampled_from(
    [
        0,
        1,
        -1,
        2,
        10**6,
        True,
        None,
        "",
        "x",
        "1.5",
        "NaN",
        "-1",
        [],
        [0],
        [[]],
        ["x"],
        {"$d": "1"},
        {"$m": [[1, "2"]]},
        1.5,
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DETAILS.filter(bool), st.data())
def test_a_damaged_document_is_refused_as_the_old_codec_refused_it(details, data):
    doc = json.loads(json.dumps(C.encode_details(details)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)))
        *parents, last = path
        holder = doc
        for step in parents:
            holder = holder[step]
        action = data.draw(st.sampled_from(["replace", "delete", "duplicate", "copy-over"]))
        if action == "delete":
            del holder[last]
        elif action == "duplicate" and isinstance(holder, list):
            holder.insert(last, copy.deepcopy(holder[last]))
        elif action == "copy-over" and isinstance(holder, list) and len(holder) > 1:
            holder[last] = copy.deepcopy(holder[data.draw(st.integers(0, len(holder) - 1))])
        else:
            holder[last] = data.draw(REPLACEMENTS)
        if not _paths(doc):
            break
    document = json.dumps(doc)
    assert read(document, C.decode_details) == read(document, R.decode_details)


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda doc: doc["products"].append(copy.deepcopy(doc["products"][0])), "stated twice"),
        (lambda doc: doc["variants"].append(copy.deepcopy(doc["variants"][0])), "stated twice"),
        (lambda doc: doc["products"][0][2].__setitem__(0, -9), "list index out of range"),
    ],
)
def test_damage_across_blocks_is_refused_with_the_old_reason(break_it, reason):
    variants = {"A-1": Variant.model_construct(price=Decimal("1"))}
    details = {"g1": ((), Product.model_construct(name="x", variants=variants))}
    doc = json.loads(json.dumps(C.encode_details(details)))
    break_it(doc)
    fast, slow = read(json.dumps(doc), C.decode_details), read(json.dumps(doc), R.decode_details)
    assert fast == slow and fast[0] == "refused" and reason in fast[2]


@given(st.dictionaries(st.uuids().map(str), st.one_of(st.none(), st.just(""), TEXT)))
def test_summaries_are_what_product_from_summary_builds(names):
    made = C.products_from_summaries(names)
    assert list(made) == list(names)
    for guid, name in names.items():
        expected = product_from_summary(name)
        assert made[guid] == expected and repr(made[guid]) == repr(expected)
        assert list(vars(made[guid])) == list(vars(expected))
        assert made[guid].model_fields_set == expected.model_fields_set
        assert made[guid].variants == {} and made[guid].variants is not made.get("other")
    if len(made) > 1:
        first, second = list(made.values())[:2]
        assert first.variants is not second.variants  # each its own default, as pydantic's
