"""reconciler/export.py, pure: the client-side window for lists without a date filter, the
per-kind identity in the high-water mark, CSV formula defusing, rendering a row at a time, and
when a page of a long read earns a progress line."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from reconciler.export import Mark, Progress, advance, defuse, lines, new_since, within


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_within_keeps_the_inclusive_window_and_drops_rows_without_a_date():
    rows = [
        {"guid": "a", "creationTime": "2026-11-01T00:00:00+0100"},
        {"guid": "b", "creationTime": "2026-11-02T00:00:00+0100"},
        {"guid": "c", "creationTime": "2026-11-03T00:00:01+0100"},
        {"guid": "d", "creationTime": None},
    ]
    start, end = moment("2026-11-01T00:00:00+01:00"), moment("2026-11-03T00:00:00+01:00")
    assert [r["guid"] for r in within(rows, start, end)] == ["a", "b"]
    assert [r["guid"] for r in within(rows, start, None)] == ["a", "b", "c"]


def test_the_mark_keeps_the_identities_created_at_the_last_second():
    rows = [
        {"guid": "x", "creationTime": "2026-11-02T10:00:00+0100"},
        {"guid": "y", "creationTime": "2026-11-02T10:00:00+0100"},
        {"guid": "w", "creationTime": "2026-11-01T10:00:00+0100"},
    ]
    mark = advance(None, rows, "guid")
    assert mark == Mark("2026-11-02T10:00:00+0100", ("x", "y"))
    later = [*rows, {"guid": "z", "creationTime": "2026-11-02T10:00:00+0100"}]
    assert [r["guid"] for r in new_since(later, mark, "guid")] == ["z"]


def test_defuse_prefixes_formula_like_text_and_leaves_numbers():
    assert defuse("=1+1") == "'=1+1"
    assert defuse("\tx") == "'\tx"
    assert defuse("-x") == "'-x"
    assert defuse("-12.00") == "-12.00"
    assert defuse("0001234") == "0001234"
    assert defuse(-3) == -3 and defuse(True) is True


def test_lines_stream_one_chunk_per_row_with_every_column_in_the_header():
    rows = [
        {"code": "0001", "price": {"toPay": "=1+1"}},
        {"code": "0002", "email": None, "items": [1, 2]},
    ]
    chunks = list(lines(rows, "csv"))
    assert chunks == [
        "code,price.toPay,email,items\n0001,'=1+1,,\n",
        '0002,,,"[1, 2]"\n',
        "",
    ]
    assert list(csv.DictReader(io.StringIO("".join(chunks))))[1]["code"] == "0002"
    assert list(lines([], "csv")) == ["\n"]
    assert list(lines(rows, "jsonl")) == [
        '{"code": "0001", "price": {"toPay": "=1+1"}}\n',
        '{"code": "0002", "email": null, "items": [1, 2]}\n',
    ]


def test_progress_speaks_on_the_first_and_last_page_and_at_most_once_a_second():
    now = [0.0]
    progress = Progress("orders", lambda: now[0])
    said = []
    for page, at in zip(range(1, 8), (0.0, 0.4, 0.9, 1.0, 1.5, 2.2, 2.3), strict=True):
        now[0] = at
        said.append(progress.line(page, 7, page * 50))
    assert said == [
        "orders: page 1/7, 50 read",
        None,
        None,
        "orders: page 4/7, 200 read",
        None,
        "orders: page 6/7, 300 read",
        "orders: page 7/7, 350 read",
    ]


def test_progress_says_when_a_changed_list_is_read_again():
    progress = Progress("customers", lambda: 0.0)
    assert progress.line(1, 3, 1000) == "customers: page 1/3, 1000 read"
    assert progress.line(2, 3, 2000) is None
    assert progress.line(1, 3, 1000, attempt=2) == (
        "customers: the list changed while it was read; reading it again (attempt 2): "
        "page 1/3, 1000 read"
    )
    assert progress.line(2, 3, 2000, attempt=2) is None
