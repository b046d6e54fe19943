"""reconciler/export.py, pure: the client-side window for lists without a date filter, the
per-kind identity in the high-water mark, and CSV formula defusing."""

from __future__ import annotations

from datetime import datetime

from reconciler.export import Mark, advance, defuse, new_since, within


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
