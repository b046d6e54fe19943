"""Campaign values in words (issue 17): an action price says its date range the way a catalog
manager reads it, ``179.00 from 1 Dec 2026 to 24 Dec 2026``. Pure."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler.desired.values import is_calendar_date

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(text: Any) -> str:
    """``2026-12-01`` -> ``1 Dec 2026``; anything else as it is."""
    if not isinstance(text, str) or not is_calendar_date(text):
        return str(text)
    year, month, dd = (int(p) for p in text.split("-"))
    return f"{dd} {_MONTHS[month - 1]} {year}"


def money(value: Any) -> str:
    try:
        return format(Decimal(str(value)).quantize(Decimal("0.01")), "f")
    except InvalidOperation:
        return str(value)


def action_price_words(value: Any) -> str | None:
    """An ``actionPrice`` plan value in words, or None when it is not one (null, or a shape
    the plan does not produce): the caller then shows it as JSON."""
    if not isinstance(value, dict) or value.get("price") is None:
        return None
    start, end = value.get("fromDate"), value.get("toDate")
    text = money(value["price"])
    if start and end:
        return f"{text} from {day(start)} to {day(end)}"
    if start:
        return f"{text} from {day(start)}, no end date"
    if end:
        return f"{text} until {day(end)}"
    return f"{text} without dates (Shoptet sells at it only between its dates)"
