"""parse_decimal remembers what it returned for a text and its rules (issue 16, speed): a
remembered answer is the one computed afresh, and an error is raised again every time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from reconciler.desired import values
from reconciler.desired.values import parse_decimal

texts = st.one_of(
    st.sampled_from(["0", "-0", "21.00", "21.0", "1.005", "99999.999", "1e5", "1,5", "x", ""]),
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,4})?", fullmatch=True),
)
rules = st.sampled_from(
    [
        {"places": 2},
        {"places": 3},
        {"places": 2, "minimum": Decimal(0)},
        {"places": 3, "minimum": Decimal(0), "maximum": Decimal("99999.999")},
        {"places": 4, "minimum": Decimal(0), "maximum": Decimal(1)},
    ]
)


def outcome(call):
    try:
        return ("ok", call())
    except PydanticCustomError as err:
        return ("error", err.message())


@given(text=texts, first=rules, second=rules)
def test_a_remembered_answer_is_the_fresh_one(text, first, second):
    for rule in (first, second, first):  # the second call of a rule may be remembered
        fresh = outcome(lambda r=rule: values._parse_decimal(text, **r))
        got = outcome(lambda r=rule: parse_decimal(text, **r))
        assert got == fresh
        if got[0] == "ok":
            assert str(got[1]) == str(fresh[1])  # the same digits, not only an equal number


def test_errors_are_not_remembered_and_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(values, "_PARSED_MEMO", {})
    with pytest.raises(PydanticCustomError):
        parse_decimal("1.005", places=2)
    assert values._PARSED_MEMO == {}
    monkeypatch.setattr(values, "_DECIMAL_MEMO_MAX", 2)
    for text in ("1", "2", "3", "4"):
        assert parse_decimal(text, places=0) == Decimal(text)
    assert len(values._PARSED_MEMO) == 2
