"""The diff's fast paths (issue 16) plan exactly what the slow ones plan.

Two switches keep the slow paths reachable: ``normalize.COMPILED`` (False: every form by the
rules themselves) and ``diff.FAST_PATH`` (False: every product through pairs, changes and
hints). Random desired/live catalog pairs, most of them equal or nearly (so the fast path is
taken), some with values the rules refuse, are planned both ways: the same plan, renders and
plan id, or the same error."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.model import Catalog, Product, Variant
from reconciler.plan import diff as D
from reconciler.plan import normalize as N
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.model import field_order
from reconciler.render.formats import render_json, render_markdown, render_text

GUIDS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(5)]
CATS = ["0f2b1c3d-0000-4000-8000-000000000001", "0F2B1C3D-0000-4000-8000-00000000000A"]
CODES = ["A", "B", "c", "D-1"]
CTX = PlanContext("ab" * 32, default_stock_id=1, pricelist_id=1)


@contextmanager
def slow_paths() -> Iterator[None]:
    saved = N.COMPILED, D.FAST_PATH
    N.COMPILED, D.FAST_PATH = False, False
    try:
        yield
    finally:
        N.COMPILED, D.FAST_PATH = saved


def outcome(desired: Catalog, live: Catalog) -> Any:
    """The plan as every reader sees it (renders, plan id, ignore counts), or the error."""
    try:
        plan = diff(desired, live, context=CTX)
        return (plan, render_text(plan), render_markdown(plan), render_json(plan), plan.plan_id)
    except Exception as err:  # the error is the outcome compared
        return ("error", type(err).__name__, str(err))


def both_ways(desired: Catalog, live: Catalog) -> tuple[Any, Any]:
    fast = outcome(desired, live)
    with slow_paths():
        slow = outcome(desired, live)
    return fast, slow


# --- values: the catalog's spellings and Shoptet's, plus some the rules refuse ------------------

NAMES = ["Čaj", unicodedata.normalize("NFD", "Čaj"), "Káva", "", "  x  "]
HTML = ["<p>x</p>", "<p>x</p>\n", "<p>x</p>\r\n", "  ", "", None, "<p>č</p>"]
DECIMALS = ["10", "10.00", "12.5", "0", "-0", "1e2", None]
LIVE_DECIMALS = [*DECIMALS, Decimal("10.000"), 10]
STOCKS = ["1", "1.000", "3", None, {1: "3"}, {1: "1", 2: "4"}, {"1": "2.000"}]
LIVE_STOCKS = [*STOCKS, {1: Decimal("3.000"), 2: Decimal("0")}, 5]
# values the rules refuse or leave to the slow rules (a live field once in a while)
ODD = [Decimal("NaN"), "abc", 1.5, True, "", {1: "x"}, {"a": 1}, [1], ["ks"], 123]


def live_value(draw, usual: list[Any]) -> Any:
    return draw(st.sampled_from(ODD if draw(st.integers(0, 40)) == 0 else usual))


@st.composite
def desired_variant(draw) -> Variant:
    if draw(st.integers(0, 12)) == 0:
        return Variant(absent=True)
    values: dict[str, Any] = {
        "price": draw(st.sampled_from(DECIMALS)),
        "vatRate": draw(st.sampled_from(["21", "21.00", "12"])),
        "stock": draw(st.sampled_from(STOCKS)),
        "ean": draw(st.sampled_from(["", "123", None, "8590000000000"])),
        "visible": draw(st.booleans()),
        "negativeStockAllowed": draw(st.booleans()),
        "weight": draw(st.sampled_from(["0.5", "0.500", None])),
        "actionPrice": draw(st.sampled_from([None, {"price": "5", "fromDate": "2026-01-01"}])),
        "purchasePrice": draw(st.sampled_from(["8", {"price": "8.00"}, None])),
        "orderableAmount": draw(st.sampled_from([None, {"minimumAmount": "1"}])),
        "renamedFrom": draw(st.sampled_from(["OLD", "A"])),
    }
    keys = draw(st.sets(st.sampled_from(sorted(values.keys() - _SPECIAL)), max_size=5))
    if draw(st.integers(0, 5)) == 0:  # a field planned beyond the pair compare: the slow path
        keys.add(draw(st.sampled_from(sorted(_SPECIAL))))
    return valid(Variant, {k: values[k] for k in keys})


_SPECIAL = {"actionPrice", "renamedFrom"}


def live_variant_values(draw) -> dict[str, Any]:
    return {
        "price": live_value(draw, LIVE_DECIMALS),
        "vatRate": live_value(draw, [Decimal("21.00"), "21", Decimal("12")]),
        "stock": live_value(draw, LIVE_STOCKS),
        "ean": live_value(draw, ["", "123", None, "8590000000000"]),
        "visible": live_value(draw, [True, False, None]),
        "negativeStockAllowed": live_value(draw, [False, True, "yes-global", "no", None]),
        "weight": live_value(draw, [Decimal("0.500"), None]),
        "actionPrice": live_value(draw, [None, {"price": Decimal("5.00"), "fromDate": None}]),
        "purchasePrice": live_value(draw, [None, {"price": Decimal("8.00"), "vatRate": "21"}]),
        "orderableAmount": live_value(draw, [None, {"minimumAmount": None}]),
        "unit": live_value(draw, ["ks", None]),
        "includingVat": True,
    }


@st.composite
def desired_product(draw) -> Product:
    if draw(st.integers(0, 12)) == 0:
        return Product(absent=True)
    values: dict[str, Any] = {
        "name": draw(st.sampled_from([n for n in NAMES if n.strip()])),
        "description": draw(st.sampled_from(HTML)),
        "visibility": draw(st.sampled_from(["visible", "hidden"])),
        "defaultCategory": draw(st.sampled_from(CATS)),
        "categories": draw(st.lists(st.sampled_from(CATS), min_size=1, max_size=3)),
        "type": "product",
        "metaTitle": draw(st.sampled_from(["", "T", None])),
    }
    keys = draw(st.sets(st.sampled_from(sorted(values)), max_size=5))
    codes = draw(st.sets(st.sampled_from(CODES), max_size=3))
    variants = {code: draw(desired_variant()) for code in sorted(codes)}
    return valid(Product, {**{k: values[k] for k in keys}, "variants": variants})


def valid(model: Any, values: dict[str, Any]) -> Any:
    """The validated model, as the loader gives it; values it refuses (a lowercase code, an
    empty list) as given, as a caller building models itself may."""
    try:
        return model(**values)
    except ValueError:
        return model.model_construct(**values)


@st.composite
def live_product(draw, like: Product | None) -> Product:
    """A live product: often Shoptet's spelling of ``like`` (so nothing differs), sometimes a
    random one."""
    values = {
        "name": draw(st.sampled_from([*NAMES, None])),
        "description": draw(st.sampled_from(HTML)),
        "shortDescription": draw(st.sampled_from(HTML)),
        "visibility": draw(st.sampled_from(["normal", "visible", "hidden", None])),
        "defaultCategory": draw(st.sampled_from([*CATS, None])),
        "categories": live_value(draw, [[], CATS[:1], CATS, None]),
        "type": "product",
        "metaTitle": "",
        "brand": None,
    }
    codes = draw(st.sets(st.sampled_from([*CODES, "OLD", "a"]), max_size=4))
    variants = {c.upper(): live_variant_values(draw) for c in sorted(codes)}
    if like is not None and draw(st.integers(0, 2)) > 0:
        values.update(_respelt(like.model_fields_set - {"variants"}, like))
        for code, v in (like.variants or {}).items():
            if not v.absent:
                row = variants.setdefault(code.upper(), live_variant_values(draw))
                row.update(_respelt(v.model_fields_set - {"absent", "renamedFrom"}, v))
        if draw(st.integers(0, 2)) == 0:  # one difference
            _nudge(draw, values, variants)
    return Product.model_construct(
        **values, variants={c: Variant.model_construct(**v) for c, v in variants.items()}
    )


def _nudge(draw, values: dict[str, Any], variants: dict[str, dict[str, Any]]) -> None:
    """One value of a respelt live product changed (or dropped), so one pair differs."""
    row = (
        values
        if not variants or draw(st.booleans())
        else variants[draw(st.sampled_from(sorted(variants)))]
    )
    name = draw(st.sampled_from(sorted(row)))
    other = {
        "name": "Jiný",
        "description": "<p>y</p>",
        "visibility": "hidden",
        "categories": [CATS[0]],
        "defaultCategory": CATS[0],
        "price": Decimal("99.00"),
        "stock": {1: Decimal("7"), 2: Decimal("0")},
        "ean": "999",
        "visible": False,
        "actionPrice": None,
    }
    if draw(st.booleans()) and name in other:
        row[name] = other[name]
    else:
        del row[name]


def _respelt(names: set[str], model: Any) -> dict[str, Any]:
    """Stated values as Shoptet spells them: fixed decimals, NFD text, per-stock amounts."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(model, name)
        if isinstance(value, Decimal):
            value = Decimal(f"{value:.3f}")
        elif isinstance(value, str) and name != "visibility":
            value = unicodedata.normalize("NFD", value)
        elif name == "stock" and value is not None and not isinstance(value, dict):
            value = {1: Decimal(f"{Decimal(value):.3f}")}
        out[name] = value
    return out


@st.composite
def catalog_pairs(draw) -> tuple[Catalog, Catalog]:
    desired, live = {}, {}
    for guid in draw(st.sets(st.sampled_from(GUIDS), min_size=1)):
        product = draw(desired_product())
        desired[guid] = product
        if draw(st.integers(0, 4)) > 0:
            live[guid.upper() if draw(st.booleans()) else guid] = draw(live_product(product))
    for guid in draw(st.sets(st.sampled_from(GUIDS))):  # unmanaged ones
        live.setdefault(guid, draw(live_product(None)))
    ignore = draw(st.sets(st.sampled_from(["name", "variants.*.ean", "variants.A.price"])))
    return (
        Catalog(products=desired, ignore=sorted(ignore)),
        Catalog.model_construct(products=live),
    )


@settings(max_examples=max(150, settings.default.max_examples))
@given(catalog_pairs())
def test_the_fast_paths_plan_what_the_slow_paths_plan(pair):
    fast, slow = both_ways(*pair)
    assert fast == slow


@settings(max_examples=max(100, settings.default.max_examples))
@given(desired_product(), st.data())
def test_the_compiled_form_is_the_rules_form(product, data):
    live = data.draw(live_product(product))
    ctx = N.NormContext(default_stock_id=3)
    for model in (product, live):
        try:
            by_rules: Any = N.normalize_by_rules(model, ctx)
        except Exception as err:  # the same error either way
            by_rules = (type(err), str(err))
        try:
            compiled: Any = N.normalize_product(model, ctx)
        except Exception as err:
            compiled = (type(err), str(err))
        assert compiled == by_rules
        if isinstance(by_rules, dict):  # the same keys in the same order too
            assert list(compiled["fields"]) == list(by_rules["fields"])
            assert list(compiled["variants"]) == list(by_rules["variants"])


# --- the fast path is taken, and skips only what gives nothing --------------------------------


def _equal_pair(**live_variant: Any) -> tuple[Catalog, Catalog]:
    """A product equal on both sides in Shoptet's spellings (``live_variant``: other values
    for the live variant)."""
    desired = Catalog(
        products={
            GUIDS[0]: Product(
                name="Čaj",
                description="<p>x</p>\n",
                categories=[CATS[1].lower()],
                defaultCategory=CATS[0],
                variants={"A": Variant(price="10", vatRate="21", stock="3", ean="")},
            )
        }
    )
    live = Catalog.model_construct(
        products={
            GUIDS[0]: Product.model_construct(
                name=unicodedata.normalize("NFD", "Čaj"),
                description="<p>x</p>",
                categories=[CATS[0], CATS[1]],
                defaultCategory=CATS[0],
                visibility="normal",
                variants={
                    "A": Variant.model_construct(
                        **{
                            "price": Decimal("10.00"),
                            "vatRate": Decimal("21.00"),
                            "stock": {1: Decimal("3.000"), 2: Decimal("0.000")},
                            "ean": None,
                            "weight": Decimal("0.500"),
                            **live_variant,
                        }
                    )
                },
            )
        }
    )
    return desired, live


def test_an_equal_product_takes_the_fast_path(monkeypatch):
    desired, live = _equal_pair()
    pairs: list[Any] = []
    monkeypatch.setattr(D, "_variant_pairs", lambda *a: pairs.append(a) or [])
    assert diff(desired, live, context=CTX).is_empty
    assert pairs == []  # nothing compared pair by pair
    with slow_paths():
        assert diff(desired, live, context=CTX).is_empty
    assert len(pairs) == 1


def test_a_live_value_the_rules_refuse_fails_the_fast_path_as_the_slow_one():
    """An unmanaged live weight that is no number stops the plan either way (the fast path
    normalises the whole live product, as the slow one does)."""
    desired, live = _equal_pair(weight="abc")
    fast, slow = both_ways(desired, live)
    assert fast == slow == ("error", "ValueError", "not a decimal: 'abc'")


@pytest.mark.parametrize(
    ("edit", "changes"),
    [
        ({"price": Decimal("10.01")}, 1),
        ({"stock": {1: Decimal("4"), 2: Decimal("0")}}, 1),
        ({"stock": {2: Decimal("0")}}, 1),
        ({"ean": "1"}, 1),
        ({"vatRate": "21.0"}, 0),  # a text where the other side has a number: the same number
        ({"vatRate": True}, None),  # no number: the rules refuse it
    ],
)
def test_one_difference_leaves_the_fast_path(edit, changes):
    fast, slow = both_ways(*_equal_pair(**edit))
    assert fast == slow
    assert (fast[0] == "error") if changes is None else len(fast[0].changes) == changes


def deepdiff_fields_batch(pairs: list[tuple[dict, dict]]) -> list[list[str]]:
    """``changed_fields_batch`` before its scalar shortcut, verbatim: every field of an
    unequal pair through deepdiff."""
    todo = [i for i, (before, after) in enumerate(pairs) if before != after]
    seen: list[list[str]] = [[] for _ in pairs]
    if not todo:
        return seen
    flat_before, flat_after = {}, {}
    for i in todo:
        before, after = pairs[i]
        for key, value in after.items():
            flat_before[(i, key)] = before.get(key)
            flat_after[(i, key)] = value
    found = DeepDiff(flat_before, flat_after, ignore_order=False, verbose_level=0)
    for i, key in found.affected_root_keys:
        seen[i].append(key)
    return [sorted(names, key=field_order) for names in seen]


VALUES = [None, "", "a", "b", "1", 1, 0, 2, True, False, "10.5", Decimal("1"), [1], {"a": 1}]


def test_changed_fields_batch_reports_what_deepdiff_reports():
    """The scalar shortcut of ``changed_fields_batch`` against deepdiff itself, every pair of
    the kinds of values a form holds."""
    pairs = [({"name": a, "ean": "x"}, {"name": b, "ean": "x"}) for a in VALUES for b in VALUES]
    assert D.changed_fields_batch(pairs) == deepdiff_fields_batch(pairs)


@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(["name", "ean", "price"]), st.sampled_from(VALUES)),
            st.dictionaries(st.sampled_from(["name", "ean", "price"]), st.sampled_from(VALUES)),
        ),
        max_size=6,
    )
)
def test_changed_fields_batch_reports_what_deepdiff_reports_in_batches(pairs):
    assert D.changed_fields_batch(pairs) == deepdiff_fields_batch(pairs)
