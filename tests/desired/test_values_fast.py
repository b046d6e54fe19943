"""The validators' fast paths (issue 16, speed) answer exactly as the full checks did: each is
run side by side with the code it replaced (kept here as the reference), on the same input,
twice (the second call may be answered from memory), and must give the same value with the
same digits and types, or the same error with the same wording and position."""

from __future__ import annotations

import unicodedata
from contextlib import nullcontext
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from reconciler.desired import values
from reconciler.desired.values import (
    fail,
    parse_decimal,
    parse_guid,
    parse_guid_list,
    parse_int,
    parse_stock,
    parse_text,
    remembered,
)
from reconciler.model import _check_price

# -- the code before the fast paths, verbatim ---------------------------------------------------


def old_parse_text(value: Any) -> str:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    raise fail(f"must be text, not {values._kind(value)}")


def old_parse_guid(value: Any) -> str:
    # as before the memo, but with fullmatch: re.match's $ also took a GUID with a newline after
    if not isinstance(value, str):
        raise fail(f"must be a GUID (text), not {values._kind(value)}")
    if values._GUID_RE.fullmatch(value):
        return value
    if values._GUID_RE.fullmatch(value.lower()):
        raise fail(f"GUID '{value}' must be lowercase: write '{value.lower()}'")
    raise fail(
        f"'{value}' is not a Shoptet GUID (8-4-4-4-12 lowercase hex digits, e.g. "
        "'1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed'); `shoptet-catalog new-guid` prints a new one"
    )


def old_parse_guid_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise fail(f"must be a list of category GUIDs, not {values._kind(value)}")
    if not value:
        raise fail(
            "must list at least one category (Shoptet always keeps the default category); "
            "leave `categories` out to not manage it"
        )
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        try:
            guid = old_parse_guid(item)
        except PydanticCustomError as err:
            raise fail(err.message(), at=i) from None
        if guid in seen:
            raise fail(f"category '{guid}' is listed twice", at=i)
        seen.add(guid)
        out.append(guid)
    return out


def old_parse_int(value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise fail("must be a whole number, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and values._INT_RE.match(value) and len(value) <= 15:
        number = int(value)
    else:
        shown = f"'{value}'" if isinstance(value, str) else values._kind(value)
        raise fail(f"must be a whole number, not {shown}")
    if minimum is not None and number < minimum:
        raise fail(f"must be at least {minimum}, got {number}")
    return number


def old_parse_stock(value: Any) -> Decimal | dict[int, Decimal]:
    if isinstance(value, dict):
        out: dict[int, Decimal] = {}
        for key, amount in value.items():
            try:
                stock_id = old_parse_int(key, minimum=1)
            except PydanticCustomError:
                raise fail(
                    f"stock id must be a whole number 1 or more, not '{key}'", at=key
                ) from None
            if stock_id in out:
                raise fail(f"stock id {stock_id} is given twice", at=key)
            try:
                out[stock_id] = values._parse_decimal(amount, places=3)
            except PydanticCustomError as err:
                raise fail(f"stock {stock_id}: {err.message()}", at=key) from None
        return out
    if isinstance(value, list):
        raise fail("must be an amount or a mapping stock id -> amount, not a list")
    return values._parse_decimal(value, places=3)


# -- comparing answers exactly -------------------------------------------------------------------


def exact(value: Any) -> Any:
    """A value spelled out so that equal-but-different answers differ: 1.0 is not 1.00, the
    key 1 is not the key '1', True is not 1, a str subclass is not a str."""
    if isinstance(value, dict):
        return ("dict", [(exact(k), exact(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [exact(v) for v in value])
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, value)


def outcome(call) -> tuple:
    try:
        return ("ok", exact(call()))
    except PydanticCustomError as err:
        return ("error", err.type, err.message(), exact(err.context))


def same_as_before(new, old, value: Any) -> None:
    expected = outcome(lambda: old(value))
    assert outcome(lambda: new(value)) == expected
    assert outcome(lambda: new(value)) == expected  # now perhaps from memory


# -- inputs: what YAML gives (text), what the kept JSON gives (text, int, bool, null, lists,
# mappings), and what code that builds models passes (Decimal, int) --------------------------

NUMBER_TEXTS = st.one_of(
    st.sampled_from(
        [
            "0",
            "-0",
            "00",
            "007",
            "1",
            "01",
            "-1",
            "21.00",
            "0.500",
            "1.0005",
            "1e5",
            "1,5",
            ".5",
            "5.",
            "+5",
            " 1",
            "1 ",
            "",
            "x",
            "nan",
            ".inf",
            "1" * 15,
            "1" * 16,
            "١",
            "²",
            "99999.999",
            "100000",
            "1_000",
            "0.0005",
            "0.1234",
            "0.12345",
            "-0.001",
        ]
    ),
    st.from_regex(r"-?[0-9]{1,17}(\.[0-9]{1,5})?", fullmatch=True),
)
OTHER_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**17), max_value=10**17),
    st.floats(allow_nan=True),
    st.builds(Decimal, st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,4})?", fullmatch=True)),
    st.just([]),
    st.just({}),
)
SCALARS = st.one_of(NUMBER_TEXTS, OTHER_VALUES)


class Text(str):
    """A str subclass: the fast paths take only exact ``str``."""


@given(st.one_of(st.text(), st.text().map(Text), OTHER_VALUES))
def test_parse_text_is_the_nfc_it_was(value):
    same_as_before(parse_text, old_parse_text, value)


@given(
    st.sampled_from(["e\u0301", "\u00e9", "Å", "A\u030a", "ﬁ", "abc"]).flatmap(
        lambda s: st.just(s) | st.just(Text(s))
    )
)
def test_parse_text_normalises_what_is_not_ascii(value):
    same_as_before(parse_text, old_parse_text, value)


@given(SCALARS, st.sampled_from([None, 0, 1, -5]))
def test_parse_int_is_as_before(value, minimum):
    same_as_before(
        lambda v: parse_int(v, minimum=minimum), lambda v: old_parse_int(v, minimum=minimum), value
    )


STOCK_KEYS = st.one_of(
    st.sampled_from(["1", "2", "01", "3", "0", "-1", "1.0", " 1", "١", "1" * 16, True]),
    st.integers(min_value=-2, max_value=4),
    st.none(),
)
STOCKS = st.one_of(SCALARS, st.dictionaries(STOCK_KEYS, SCALARS, max_size=4), st.just([1]))


@settings(max_examples=300)
@given(STOCKS)
def test_parse_stock_is_as_before(value):
    amounts = value.values() if isinstance(value, dict) else [value]
    for amount, rule in ((a, r) for a in amounts if isinstance(a, str) for r in RULES):
        outcome(lambda a=amount, r=rule: parse_decimal(a, **r))  # other rules' answers known
    same_as_before(parse_stock, old_parse_stock, value)


@given(st.lists(st.sampled_from(["1", "2", "01", "02", "3"]), min_size=2, max_size=4))
def test_a_stock_id_given_twice_is_still_found_when_every_text_is_known(keys):
    for key in keys:  # every id and amount known to the memo first
        parse_stock({key: "1"})
    same_as_before(parse_stock, old_parse_stock, dict.fromkeys(keys, "1"))


RULES = [
    {"places": 2},
    {"places": 3},
    {"places": 2, "minimum": Decimal(0)},
    {"places": 3, "minimum": Decimal(0), "maximum": Decimal("99999.999")},
    {"places": 4, "minimum": Decimal(0), "maximum": Decimal(1)},
]


@given(SCALARS, st.sampled_from(RULES))
def test_a_remembered_check_answers_as_the_check(value, rule):
    def check(v):
        return values._parse_decimal(v, **rule)

    same_as_before(remembered(check), check, value)
    same_as_before(remembered(_check_price), _check_price, value)


def test_remembered_keeps_only_accepted_text_and_is_bounded(monkeypatch):
    calls: list[Any] = []

    def check(value):
        calls.append(value)
        return parse_decimal(value, places=2)

    fast = remembered(check)
    for value in ("1.00", "1.00", "x", "x", 5, 5):
        with pytest.raises(PydanticCustomError) if value == "x" else nullcontext():
            fast(value)
    assert calls == ["1.00", "x", "x", 5, 5]  # only the accepted text answered from memory
    monkeypatch.setattr(values, "_DECIMAL_MEMO_MAX", 2)
    bounded = remembered(check)
    for value in ("1", "2", "3", "3"):
        bounded(value)
    assert calls[-4:] == ["1", "2", "3", "3"]  # "3" came after the bound: checked again


# a few GUIDs, so that lists repeat them (the memo's case), their uppercase and odd spellings
_GUIDS = ["1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed", "00000000-0000-0000-0000-000000ca7000"]
GUID_VALUES = st.one_of(
    st.sampled_from(_GUIDS),
    st.sampled_from(_GUIDS).map(str.upper),
    st.sampled_from(_GUIDS).map(lambda g: g + "\n"),
    st.sampled_from(_GUIDS).map(Text),
    st.from_regex(r"[0-9a-fA-F-]{30,40}", fullmatch=True),
    OTHER_VALUES,
)


@given(GUID_VALUES)
def test_parse_guid_is_as_before(value):
    same_as_before(parse_guid, old_parse_guid, value)


@given(st.one_of(st.lists(GUID_VALUES, max_size=4), OTHER_VALUES))
def test_a_category_list_is_as_before(value):
    same_as_before(parse_guid_list, old_parse_guid_list, value)


def test_a_guid_with_a_newline_after_is_refused():
    with pytest.raises(PydanticCustomError, match="is not a Shoptet GUID"):
        parse_guid(_GUIDS[0] + "\n")
