"""The snapshot read's fast paths give what the plain code gave (issue 16, large shops).

- ``convert.product_from_detail`` reads fields with readers built once and builds models with
  ``convert.construct``: on random details (odd values included) it gives the same models,
  field for field, in the same order, with the same fields set, as the reference below (the
  conversion as it was before, kept here verbatim as the oracle) or raises the same error.
- ``convert.construct`` is ``model_construct``, and hands everything it cannot mirror to it.
- ``snapshot._parse`` skips ``load_json``'s nesting walk only when the line has too few
  brackets to nest that deep: same items, same errors.
- ``gcpause.gc_paused`` (which the conversion runs under) leaves the garbage collector as
  it found it.
"""

from __future__ import annotations

import gc
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler import fields as F
from reconciler import gcpause
from reconciler.gcpause import gc_paused
from reconciler.live import convert as C
from reconciler.live import snapshot as S
from reconciler.model import Product, Variant
from reconciler.plan.normalize import live_physical_stock
from reconciler.shoptet import jobs as J
from reconciler.shoptet.envelope import MAX_JSON_DEPTH, JsonTooDeep, load_json
from reconciler.shoptet.models import ProductDetail

# -- the reference: the conversion before the fast readers (verbatim but for names) ----------


def ref_product(detail: Any, *, pricelist_id: int | None, default_pricelist_id: int | None):
    fields: dict[str, Any] = {}
    for f in C._PRODUCT:
        found, value = _ref_read(detail, f)
        if found:
            fields[f.name] = value
    variants = {}
    for v in getattr(detail, "variants", None) or []:
        variants[str(v.code).strip().upper()] = ref_variant(
            v, pricelist_id=pricelist_id, default_pricelist_id=default_pricelist_id
        )
    return Product.model_construct(**fields, variants=variants)


def ref_variant(v: Any, *, pricelist_id: int | None, default_pricelist_id: int | None):
    fields: dict[str, Any] = {}
    for f in C._VARIANT:
        found, value = _ref_read(v, f)
        if found:
            fields[f.name] = value
    prices = _ref_prices(v, pricelist_id, default_pricelist_id)
    if prices is not None:
        fields.update(prices)
    if v.perPricelistPrices is not None:
        fields[F.PRICES] = {
            str(pid): {f.name: _ref_value(f, C._row_value(row, f)) for f in C._PER_PRICELIST}
            for row in v.perPricelistPrices
            if (pid := C._int(row.get("pricelistId"))) is not None
        }
    if v.perStockAmounts is not None:
        fields["stock"] = {
            int(row.stockId): live_physical_stock(row.amount, row.claim)
            for row in v.perStockAmounts
        }
    params = getattr(v, "parameters", None)
    if params is not None:
        fields["parameters"] = C.read_parameters(params)
    if getattr(v, "isProductDefaultImage", None) is not None:
        fields["image"] = None if v.isProductDefaultImage else getattr(v, "image", None)
    return Variant.model_construct(**fields)


def _ref_prices(v: Any, pricelist_id: int | None, default_pricelist_id: int | None):
    rows = v.perPricelistPrices
    target = pricelist_id if pricelist_id is not None else default_pricelist_id
    if rows is not None and target is not None:
        for row in rows:
            if C._int(row.get("pricelistId")) == target:
                return {f.name: _ref_value(f, C._row_value(row, f)) for f in C._PRICES}
        return dict.fromkeys(C.PRICE_FIELDS)
    if pricelist_id is None or pricelist_id == default_pricelist_id:
        return {
            f.name: _ref_value(f, getattr(v, f.read or f.name, None))
            for f in C._PRICES
            if f.kind is not F.Kind.OBJECT or f.read is not None
        }
    return None


def _ref_read(item: Any, f: F.Field) -> tuple[bool, Any]:
    head, _, rest = (f.read or f.name).partition(".")
    many = head.endswith("[]")
    value = getattr(item, head.removesuffix("[]"), None)
    if value is None:
        return f.include is None or head in getattr(item, "model_fields_set", ()), None
    if many:
        value = [x for x in (getattr(one, rest) for one in value) if x]
    elif rest:
        value = getattr(value, rest, None)
    return True, _ref_value(f, value)


def _ref_value(f: F.Field, value: Any) -> Any:
    if f.reader is not None:
        value = f.reader(value)
    if f.kind is F.Kind.OBJECT and isinstance(value, dict):
        return {
            p.name: C.to_decimal(value.get(p.name))
            if p.kind is F.Kind.DECIMAL
            else value.get(p.name)
            for p in f.parts
        }
    return C.to_decimal(value) if f.kind is F.Kind.DECIMAL else value


# -- random details --------------------------------------------------------------------------

TEXT = st.text(alphabet=" aZ09.,-/\u00e1", max_size=6)
NUMBER = st.one_of(
    st.integers(-5, 500),
    st.decimals(-100, 1000, places=3).map(str),
    st.sampled_from(["1.000", " 2.50 ", "0", "-0.5", "abc", "", "1e3", "NaN"]),
    st.floats(-100, 100, allow_nan=False, width=32),
)
SCALAR = st.one_of(st.none(), TEXT, NUMBER, st.booleans())


def maybe(strategy) -> st.SearchStrategy:
    """A value, null, or (``...``) the key left out."""
    return st.one_of(st.just(...), st.none(), strategy)


def ref(*keys: str) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {}, optional={k: st.integers(0, 9) if k == "id" else TEXT for k in keys}
    )


PRICE_ROW = st.fixed_dictionaries(
    {},
    optional={
        "pricelistId": st.one_of(st.sampled_from([1, 2, "2", "x"]), st.none()),
        "price": st.fixed_dictionaries(
            {},
            optional={
                "price": NUMBER,
                "commonPrice": NUMBER,
                "actionPrice": st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {}, optional={"price": NUMBER, "fromDate": TEXT, "toDate": TEXT}
                    ),
                ),
            },
        ),
        "prices": st.fixed_dictionaries(
            {},
            optional={
                "purchasePrice": st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {}, optional={"price": NUMBER, "vatRate": NUMBER, "includingVat": SCALAR}
                    ),
                )
            },
        ),
        "vatRate": NUMBER,
        "includingVat": st.one_of(st.booleans(), st.none()),
        "orderableAmount": st.one_of(
            st.none(),
            st.fixed_dictionaries({}, optional={"minimumAmount": NUMBER, "maximumAmount": NUMBER}),
        ),
    },
)

VARIANT = st.fixed_dictionaries(
    {"code": st.sampled_from(["a-1", " B-2 ", "C-3", "a-1 "])},
    optional={
        **{k: maybe(TEXT) for k in ("ean", "manufacturerCode", "pluCode", "isbn", "mpn", "unit")},
        "serialNo": maybe(TEXT),
        **{k: maybe(NUMBER.map(str)) for k in ("weight", "minStockSupply", "price", "vatRate")},
        "commonPrice": maybe(NUMBER.map(str)),
        "negativeStockAllowed": maybe(
            st.one_of(
                st.sampled_from(["yes", "no", "yes-global", " No-Global ", "x"]), st.booleans()
            )
        ),
        "visible": maybe(st.booleans()),
        "includingVat": maybe(st.booleans()),
        "availability": maybe(ref("id", "name")),
        "availabilityWhenSoldOut": maybe(ref("id")),
        "measureUnit": maybe(
            st.fixed_dictionaries({}, optional={"measureUnitId": st.integers(1, 3), "x": TEXT})
        ),
        "actionPrice": maybe(
            st.fixed_dictionaries({}, optional={"price": NUMBER, "fromDate": TEXT, "toDate": TEXT})
        ),
        "perStockAmounts": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"stockId": st.integers(1, 3)},
                    optional={"amount": maybe(NUMBER.map(str)), "claim": maybe(NUMBER.map(str))},
                ),
                max_size=3,
            )
        ),
        "perPricelistPrices": maybe(st.lists(PRICE_ROW, max_size=3)),
        "parameters": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={"paramIndex": TEXT, "rawValue": TEXT, "paramValue": maybe(TEXT)},
                ),
                max_size=2,
            )
        ),
        "image": maybe(TEXT),
        "isProductDefaultImage": maybe(st.booleans()),
    },
)

LINKS = st.lists(st.fixed_dictionaries({"guid": TEXT}, optional={"priority": st.integers(0, 3)}))

DETAIL = st.fixed_dictionaries(
    {"guid": st.just("0d0c1e27-3f5a-4ad3-b1c5-5f0d4c8a9e11")},
    optional={
        **{
            k: maybe(TEXT)
            for k in (
                "name",
                "type",
                "shortDescription",
                "description",
                "metaTitle",
                "metaDescription",
                "additionalName",
                "internalNote",
            )
        },
        "visibility": maybe(st.sampled_from(["normal", "visible", "hidden", "blocked"])),
        "brand": maybe(ref("code", "name")),
        "defaultCategory": maybe(ref("guid", "name")),
        "categories": maybe(st.lists(ref("guid", "name"), max_size=3)),
        "warranty": maybe(ref("id")),
        "supplier": maybe(ref("guid")),
        "flags": maybe(
            st.lists(st.fixed_dictionaries({"code": TEXT}, optional={"dateFrom": maybe(TEXT)}))
        ),
        "images": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"name": TEXT},
                    optional={
                        "gallery": st.sampled_from(["shop", "360"]),
                        "priority": st.integers(0, 3),
                    },
                ),
                max_size=3,
            )
        ),
        "relatedProducts": maybe(LINKS),
        "alternativeProducts": maybe(LINKS),
        "descriptiveParameters": maybe(st.lists(st.fixed_dictionaries({"name": TEXT}), max_size=2)),
        "filteringParameters": maybe(st.lists(st.fixed_dictionaries({"code": TEXT}), max_size=2)),
        "variants": st.lists(VARIANT, max_size=3),
    },
)


def _present(value: Any) -> Any:
    """``value`` without the keys strategies left out (``...``)."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not ...}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value


def outcome(convert, detail, **pricelists) -> tuple[str, Any]:
    try:
        product = convert(detail, **pricelists)
    except Exception as err:  # the same error, or the same models
        return "raised", (type(err), str(err))
    return "made", exact(product)


def exact(value: Any) -> Any:
    """What makes two live models the same: every value with its type, dicts in order, and for
    a model its fields set, extra and private as well."""
    if isinstance(value, BaseModel):
        return (
            type(value),
            exact(value.__dict__),
            sorted(value.model_fields_set),
            value.__pydantic_extra__,
            value.__pydantic_private__,
        )
    if isinstance(value, dict):
        return [(exact(k), exact(v)) for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    return (type(value), repr(value))


PRICELISTS = st.sampled_from(
    [
        {"pricelist_id": None, "default_pricelist_id": None},
        {"pricelist_id": 1, "default_pricelist_id": 1},
        {"pricelist_id": 2, "default_pricelist_id": 1},
        {"pricelist_id": None, "default_pricelist_id": 1},
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=DETAIL, pricelists=PRICELISTS)
def test_the_fast_conversion_makes_the_reference_models(raw, pricelists):
    try:
        detail = ProductDetail.model_validate(_present(raw))
    except ValidationError:  # not a detail: refused before any conversion, on either path
        assume(False)
    fast = outcome(C.product_from_detail, detail, **pricelists)
    assert fast == outcome(ref_product, detail, **pricelists)


def test_the_fast_conversion_covers_every_kind_of_reader():
    # the random details reach each way a field is read, so the property above means something
    plain = set(C._PRODUCT_PLAIN) | set(C._VARIANT_PLAIN)
    read = {name for name, _ in (*C._PRODUCT_READ, *C._VARIANT_READ)}
    assert {"name", "ean", "visible"} <= plain
    assert {"brand", "categories", "visibility", "warranty", "weight", "measureUnit"} <= read
    assert {"negativeStockAllowed", "availability", "images", "flags"} <= read
    assert not plain & {f.name for f in F.FIELDS if f.kind is F.Kind.DECIMAL}


def test_a_decimal_field_is_a_decimal_and_an_unasked_include_stays_unknown():
    detail = ProductDetail.model_validate(
        {
            "guid": "0d0c1e27-3f5a-4ad3-b1c5-5f0d4c8a9e11",
            "warranty": None,  # asked for (in the answer), so known: null
            "variants": [{"code": " a-1 ", "weight": "1.50", "negativeStockAllowed": "yes-global"}],
        }
    )
    product = C.product_from_detail(detail, pricelist_id=None, default_pricelist_id=None)
    variant = product.variants["A-1"]
    assert variant.weight == Decimal("1.50") and str(variant.weight) == "1.50"
    assert variant.negativeStockAllowed is True
    assert "warranty" in product.model_fields_set and product.warranty is None
    assert "categories" not in product.model_fields_set  # allCategories was not asked for
    assert "measureUnit" not in variant.model_fields_set


# -- construct is model_construct ------------------------------------------------------------

VALUES = st.one_of(st.none(), TEXT, st.integers(), st.decimals(allow_nan=False), st.booleans())


@settings(max_examples=200, deadline=None)
@given(
    model=st.sampled_from([Variant, Product]),
    picks=st.lists(st.integers(0, 40), max_size=12),
    values=st.lists(VALUES, min_size=12, max_size=12),
    extra=st.sampled_from([None, "notAField"]),
)
def test_construct_is_model_construct(model, picks, values, extra):
    names = list(model.model_fields)
    given_values = {names[i % len(names)]: v for i, v in zip(picks, values, strict=False)}
    if model is Product:
        given_values["variants"] = {"A": Variant.model_construct(ean="1")}
    if extra:
        given_values[extra] = 1
    made = C.construct(model, dict(given_values))
    assert exact(made) == exact(model.model_construct(**given_values))
    assert list(made.__dict__) == list(model.model_construct(**given_values).__dict__)


def test_construct_leaves_what_it_cannot_mirror_to_model_construct():
    class Mutable(BaseModel):
        model_config = ConfigDict(frozen=True)
        tags: list[str] = []  # model_construct copies it for each instance

    class Aliased(BaseModel):
        named: str | None = Field(None, alias="other")  # model_construct: "other" is named's
        other: str | None = None

    a, b = C.construct(Mutable, {}), C.construct(Mutable, {})
    assert a.tags == [] and a.tags is not b.tags
    assert a.tags is not Mutable.model_fields["tags"].default
    crossed = C.construct(Aliased, {"other": "x"})
    assert (crossed.named, crossed.other) == ("x", None)
    no_variants = C.construct(Product, {"name": "P"})  # a missing default factory's field
    assert no_variants.variants == {} and no_variants.model_fields_set == {"name"}
    assert exact(no_variants) == exact(Product.model_construct(name="P"))


# -- the JSON of one line --------------------------------------------------------------------


def _ref_parse(line: bytes, number: int) -> dict:
    try:
        item = load_json(line)
    except (JsonTooDeep, ValueError, UnicodeDecodeError):
        raise J.ResultUnavailable(f"line {number} is not JSON") from None
    if not isinstance(item, dict) or not isinstance(item.get("guid"), str):
        raise J.ResultUnavailable(f"line {number} is not a product with a guid")
    return item


def _nested(depth: int, brackets_in_strings: int) -> bytes:
    inner: Any = {"guid": "g", "note": "[" * brackets_in_strings}
    for level in range(depth - 1):  # lists and dicts by turns, a dict outermost
        inner = {"guid": "g", "x": inner} if (depth - 2 - level) % 2 == 0 else [inner]
    return json.dumps(inner).encode()


def parsed(parse, line: bytes) -> tuple[str, Any]:
    try:
        return "item", parse(line, 7)
    except J.ResultUnavailable as err:
        return "refused", str(err)


@settings(max_examples=200, deadline=None)
@given(
    depth=st.integers(1, MAX_JSON_DEPTH + 3),
    brackets=st.integers(0, MAX_JSON_DEPTH + 3),
    garbage=st.sampled_from([b"", b"}", b"\xff", b" ", b"[", b'"']),
)
def test_a_line_parses_as_load_json_parses_it(depth, brackets, garbage):
    line = _nested(depth, brackets) + garbage
    assert parsed(S._parse, line) == parsed(_ref_parse, line)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
def test_the_nesting_limit_is_at_the_same_depth(depth):
    line = _nested(depth, 0)
    assert line.count(b"{") + line.count(b"[") == depth  # at the shortcut's edge
    expected = "item" if depth <= MAX_JSON_DEPTH else "refused"
    assert parsed(S._parse, line)[0] == expected
    assert parsed(S._parse, line) == parsed(_ref_parse, line)


# -- the collector ---------------------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_collection_paused_restores_the_collector_even_after_an_error(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(KeyError), gc_paused():
            raise KeyError("x")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_kept_pause_freezes_what_it_made_only_when_that_is_a_lot(monkeypatch):
    """``keep=True``: the objects made (a live read's catalog) are frozen out of later
    collections when they are many; a small read leaves the collector as it was."""
    monkeypatch.setattr(gcpause, "KEEP_FROM", 5_000)
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with gc_paused(keep=True):
            few = [[] for _ in range(100)]
        assert gc.get_freeze_count() == frozen and gc.isenabled()
        with gc_paused():
            many = [[] for _ in range(10_000)]
        assert gc.get_freeze_count() == frozen  # not asked to keep them
        with gc_paused(keep=True):
            kept = [[] for _ in range(10_000)]
        assert gc.get_freeze_count() >= frozen + 10_000 and gc.isenabled()
        assert gc.get_count()[0] < 100  # the next collection does not walk them
    finally:
        gc.unfreeze()
    assert len(few) + len(many) + len(kept) == 20_100


def test_a_line_that_is_no_product_detail_still_falls_back_with_the_collector_back_on():
    shop = S.ShopInfo(eshop_id=1, default_stock_id=1, default_pricelist_id=1, pricelist_id=1)
    guid = "0d0c1e27-3f5a-4ad3-b1c5-5f0d4c8a9e11"
    lines = [json.dumps({"guid": guid, "variants": [{"code": "A", "visible": "maybe"}]}).encode()]
    assert gc.isenabled()
    with pytest.raises(S.SnapshotUnavailable) as refused:
        S.live_products(S.items_of_lines(lines, None), {guid: ()}, shop, {})
    assert str(refused.value).startswith("its result is not product details (1 validation error")
    assert "variants.0.visible" in str(refused.value)
    assert gc.isenabled()


@pytest.mark.parametrize("variants", [5, True, "AB", {"code": "A"}])
@pytest.mark.parametrize("stock", [None, {}])
def test_variants_that_are_no_list_fall_back_rather_than_crash(variants, stock):
    shop = S.ShopInfo(eshop_id=1, default_stock_id=1, default_pricelist_id=1, pricelist_id=1)
    guid = "0d0c1e27-3f5a-4ad3-b1c5-5f0d4c8a9e11"
    lines = [json.dumps({"guid": guid, "variants": variants}).encode()]
    with pytest.raises(S.SnapshotUnavailable, match="its result is not product details"):
        S.live_products(S.items_of_lines(lines, stock), {guid: ()}, shop, {})
