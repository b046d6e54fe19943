"""Read-only exports (issue 19): ``shoptet-catalog export orders|customers|invoices|stock``.
Orders, customers and invoices hold personal data, so the CLI refuses to write inside the
catalog directory and says so on stderr.

Incremental (orders, customers, invoices): a small state file keeps the high-water mark per
kind (the latest ``creationTime`` exported, and the identities created at that second, since
``creationTimeFrom`` is inclusive); a run without ``--since`` starts there and skips what the
last run wrote. Stock is a snapshot of current levels: no window, no mark.

Pure: the CLI (``cli/export_cmd.py``) reads, writes files and keeps the clock.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

KINDS = ("orders", "customers", "invoices", "stock")
# What identifies a row of each incremental kind (invoice codes and order codes are text).
IDENT = {"orders": "code", "customers": "guid", "invoices": "code"}
FORMATS = ("jsonl", "csv")


@dataclass(frozen=True)
class Mark:
    """The high-water mark of one kind: the latest creation time exported and the codes
    created at that exact second."""

    time: str
    codes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "codes": list(self.codes)}

    @classmethod
    def from_dict(cls, data: Any) -> Mark | None:
        """None when there is no mark; ``ValueError`` when its time is not an ISO 8601 time
        with an offset (a hand-edited state file must not crash the comparisons)."""
        if not isinstance(data, dict) or not isinstance(data.get("time"), str):
            return None
        try:
            aware = _moment(data["time"]).tzinfo is not None
        except ValueError:
            aware = False
        if not aware:
            raise ValueError(f"time {data['time']!r} is not an ISO 8601 time with an offset")
        codes = data.get("codes")
        return cls(
            data["time"],
            tuple(c for c in codes if isinstance(c, str)) if isinstance(codes, list) else (),
        )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def within(
    rows: Iterable[dict[str, Any]], start: datetime, end: datetime | None
) -> Iterator[dict[str, Any]]:
    """The rows created in ``[start, end]``, for a list without a date filter (customers).
    A row without a ``creationTime`` cannot be placed in a window and is left out."""
    for row in rows:
        created = row.get("creationTime")
        if not isinstance(created, str):
            continue
        at = _moment(created)
        if at >= start and (end is None or at <= end):
            yield row


def new_since(
    rows: Iterable[dict[str, Any]], mark: Mark | None, ident: str = "code"
) -> Iterator[dict[str, Any]]:
    """The rows a previous export (``mark``) has not written."""
    for row in rows:
        created = row.get("creationTime")
        if mark is not None and isinstance(created, str):
            at, last = _moment(created), _moment(mark.time)
            if at < last or (at == last and str(row.get(ident)) in mark.codes):
                continue
        yield row


def advance(mark: Mark | None, rows: list[dict[str, Any]], ident: str = "code") -> Mark | None:
    """The mark after writing ``rows``."""
    times = [r["creationTime"] for r in rows if isinstance(r.get("creationTime"), str)]
    if not times:
        return mark
    latest = max(times, key=_moment)
    if mark is not None and _moment(mark.time) > _moment(latest):
        return mark
    codes = {
        str(r[ident])
        for r in rows
        if r.get("creationTime") and _moment(r["creationTime"]) == _moment(latest)
    }
    if mark is not None and _moment(mark.time) == _moment(latest):
        codes |= set(mark.codes)
    return Mark(latest, tuple(sorted(codes)))


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted columns (``status.name``, ``price.toPay``) for CSV."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


# A CSV cell starting with one of these is run as a formula by Excel and LibreOffice (CSV
# injection). Names and addresses come from anyone who registers or orders in the shop.
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` so it shows as
    text (OWASP's advice); numbers such as ``-5.00`` stay as they are."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) or (value.startswith("-") and not value[1:2].isdigit()):
        return "'" + value
    return value


def lines(rows: Sequence[dict[str, Any]], fmt: str) -> Iterator[str]:
    """The export text a line at a time, so a large export is written as it is rendered and
    never held whole: JSON Lines, or CSV with a header (columns in first-seen order, so the
    rows are gone through twice and each is flattened again rather than kept flat). Codes are
    never converted: they stay the text Shoptet sent. CSV cells that would run as formulas are
    defused (see :func:`defuse`); JSON Lines keep every value exactly."""
    if fmt == "jsonl":
        for r in rows:
            yield json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
        return
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(flatten(r)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if v is None else defuse(v) for k, v in flatten(r).items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()  # the header alone when there are no rows


class Progress:
    """Which pages of a long read get a progress line on stderr: the first, the last, and in
    between at most one every ``interval`` seconds, so a 100,000-order export is never silent
    for minutes and a small one says little. ``clock`` is passed in (seconds, monotonic) so
    this stays free of I/O."""

    def __init__(self, label: str, clock: Callable[[], float], interval: float = 1.0):
        self.label, self._clock, self._interval = label, clock, interval
        self._last: float | None = None
        self._attempt = 1

    def line(self, page: int, pages: int, items: int, attempt: int = 1) -> str | None:
        """The line to print for this page, or None to stay quiet."""
        now = self._clock()
        again = attempt != self._attempt
        self._attempt = attempt
        due = self._last is None or now - self._last >= self._interval
        if not (due or again or page >= pages):
            return None
        self._last = now
        prefix = f"{self.label}: "
        if again:
            prefix += f"the list changed while it was read; reading it again (attempt {attempt}): "
        return f"{prefix}page {page}/{pages}, {items} read"
