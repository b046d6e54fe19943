"""Shoptet's date-time text: what the tool sends in query parameters and what it reads back.

Shoptet documents its date filters with the offset written without a colon, e.g.
``changeTimeFrom=2017-02-28T17:04:47+0100`` (the product list, OpenAPI lines 4076-4080) and
``changedFrom`` "ISO 8601 format ("2017-12-12T22:08:01+0100")" (stock supplies, lines
28601-28606); ``from`` of the changes feed shows ``2018-01-01T01:01:01+02:00`` (lines
7414-7418) and is described as "+ in the time zone". The tool sends the ``+0100`` form for
all three (the one form every filter documents or, for ``from``, the form Shoptet writes its own
times in) and reads both forms back. Pure: no I/O.
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["parse_shoptet_time", "shoptet_time"]

_SHOPTET_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})"
)


def shoptet_time(moment: datetime) -> str:
    """``moment`` as Shoptet documents its date filters: ``2026-01-05T10:00:00+0100`` (whole
    seconds, the offset without a colon). A time without a time zone is refused: which
    instant it means would depend on the machine it runs on."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a date sent to Shoptet must carry a time zone")
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S%z")


def parse_shoptet_time(text: str) -> datetime:
    """A time Shoptet wrote (``2026-01-05T10:00:00+0100``, ``...+01:00`` or ``...Z``, optional
    fractional seconds) as an aware datetime; ``ValueError`` for anything else, including a
    time without an offset."""
    found = _SHOPTET_TIME.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise ValueError(f"not a Shoptet date-time with an offset: {text!r}")
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:  # pragma: no cover - the pattern requires an offset
        raise ValueError(f"not a Shoptet date-time with an offset: {text!r}")
    return moment
