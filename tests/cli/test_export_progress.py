"""`shoptet-catalog export` during a long read (issue 19) against the sandbox over HTTP:
progress on stderr as pages arrive (before the last page is read, with the right counts), and
a failure part-way (the list never settling, the disk filling up while writing) leaves no
export file, no temporary file and the state file as it was."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys

import pytest

from reconciler.cli import export_cmd, main
from reconciler.sandbox import Sandbox
from tests.apply.support import TOKEN
from tests.cli.test_export_cmd import orders_state
from tests.support.sandbox_client import served

pytestmark = pytest.mark.http

N = 1000  # 20 pages at 50


class Stderr(io.StringIO):
    """stderr that notes, for each line written, how many order pages had been asked for."""

    def __init__(self, sb: Sandbox, on_line=None):
        super().__init__()
        self.sb, self.on_line, self.lines = sb, on_line, []

    def write(self, text: str) -> int:
        pages = sum(1 for r in self.sb.request_log if r["path"] == "/api/orders")
        for line in text.splitlines():
            self.lines.append((line, pages))
            if self.on_line is not None:
                self.on_line(line)
        return super().write(text)


@pytest.fixture
def shop():
    sb = Sandbox.from_seed("demo")
    sb.load_state(orders_state(N))
    with served(sb) as srv:
        yield sb, srv.url


def run(shop, tmp_path, monkeypatch, *args, on_line=None) -> tuple[int, Stderr]:
    sb, url = shop
    for folder in ("catalog", "out"):
        (tmp_path / folder).mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPTET_API_URL", url)
    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", TOKEN)
    monkeypatch.setenv("NO_COLOR", "1")
    err = Stderr(sb, on_line)
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as info:
        main(["export", "orders", *args])
    monkeypatch.undo()  # back to the real stderr before pytest reports
    return info.value.code, err


def leftovers(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "out").iterdir())


def test_progress_is_printed_as_pages_arrive_not_after_the_whole_list(shop, tmp_path, monkeypatch):
    clock = itertools.count()  # a second passes between pages: every page is due a line
    monkeypatch.setattr(export_cmd, "monotonic", lambda: float(next(clock)))
    code, err = run(shop, tmp_path, monkeypatch, "--since", "2026-11-01", "--out", "out/o.jsonl")
    assert code == 0, err.getvalue()
    progress = [(line, pages) for line, pages in err.lines if "read" in line]
    # each page's line is written after that page arrived and before the next was asked for
    assert progress == [(f"orders: page {p}/20, {p * 50} read", p) for p in range(1, 21)]
    assert err.lines[-1] == (f"orders: {N} written to out/o.jsonl.", 20)
    assert len((tmp_path / "out/o.jsonl").read_text().splitlines()) == N


def test_with_the_real_clock_a_fast_read_still_speaks_at_its_first_page(
    shop, tmp_path, monkeypatch
):
    code, err = run(
        shop,
        tmp_path,
        monkeypatch,
        "--since",
        "2026-11-01",
        "--format",
        "csv",
        "--out",
        "out/o.csv",
    )
    assert code == 0, err.getvalue()
    progress = [(line, pages) for line, pages in err.lines if " read" in line]
    assert progress[0] == ("orders: page 1/20, 50 read", 1)
    assert progress[-1] == ("orders: page 20/20, 1000 read", 20)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/o.csv").read_text())))
    assert sorted(r["code"] for r in rows) == [f"{i:07d}" for i in range(1, N + 1)]


def _first_export(shop, tmp_path, monkeypatch) -> bytes:
    code, err = run(shop, tmp_path, monkeypatch, "--since", "2026-11-01", "--out", "out/a.jsonl")
    assert code == 0, err.getvalue()
    (tmp_path / "out/a.jsonl").unlink()
    sb, _ = shop
    doc = sb.state()
    doc["orders"] += orders_state(N + 100, day=20)["orders"][N:]
    sb.load_state(doc)
    return (tmp_path / "out/.shoptet-export-state.json").read_bytes()


def test_a_list_that_never_settles_leaves_no_export_and_the_mark_where_it_was(
    shop, tmp_path, monkeypatch
):
    state = _first_export(shop, tmp_path, monkeypatch)
    sb, _ = shop
    clock = itertools.count()
    monkeypatch.setattr(export_cmd, "monotonic", lambda: float(next(clock)))
    added = itertools.count(1)

    def busy_shop(line: str) -> None:
        """An order arrives while page 2 of every attempt is being read."""
        if "page 2/" in line:
            doc = sb.state()
            n = next(added)
            doc["orders"].append({**doc["orders"][-1], "code": f"{9000000 + n}"})
            sb.load_state(doc)

    code, err = run(shop, tmp_path, monkeypatch, "--out", "out/b.jsonl", on_line=busy_shop)
    text = err.getvalue()
    assert code == 1 and "kept changing while it was read" in text and "Traceback" not in text
    assert "reading it again (attempt 2): page 1/" in text
    assert "reading it again (attempt 3): page 1/" in text
    assert leftovers(tmp_path) == [".shoptet-export-state.json"]
    assert (tmp_path / "out/.shoptet-export-state.json").read_bytes() == state


def test_a_write_failing_part_way_leaves_no_export_no_temporary_file_and_the_mark(
    shop, tmp_path, monkeypatch
):
    state = _first_export(shop, tmp_path, monkeypatch)
    (tmp_path / "out/old.csv").write_text("the previous export\n")

    def disk_fills(rows, fmt):
        yield "code\n"
        yield "0001001\n"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_cmd, "lines", disk_fills)
    for target in ("out/b.csv", "out/old.csv"):
        code, err = run(shop, tmp_path, monkeypatch, "--format", "csv", "--out", target)
        text = err.getvalue()
        assert code == 1 and "Traceback" not in text
        assert f"Cannot write {target}: No space left on device" in text
        assert "the export state is as it was" in text
        monkeypatch.setattr(export_cmd, "lines", disk_fills)  # run() undid it
    assert leftovers(tmp_path) == [".shoptet-export-state.json", "old.csv"]
    assert (tmp_path / "out/old.csv").read_text() == "the previous export\n"
    assert (tmp_path / "out/.shoptet-export-state.json").read_bytes() == state


def test_a_missing_output_folder_is_refused_before_anything_is_read(shop, tmp_path, monkeypatch):
    sb, _ = shop
    code, err = run(
        shop, tmp_path, monkeypatch, "--since", "2026-11-01", "--out", "nowhere/o.jsonl"
    )
    text = err.getvalue()
    assert code == 1 and "the folder nowhere does not exist" in text and "Nothing was read" in text
    assert sb.request_log == []


def test_the_export_and_the_state_are_readable_by_their_owner_only(shop, tmp_path, monkeypatch):
    code, err = run(shop, tmp_path, monkeypatch, "--since", "2026-11-01", "--out", "out/o.jsonl")
    assert code == 0, err.getvalue()
    for name in ("o.jsonl", ".shoptet-export-state.json"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o600
    assert json.loads((tmp_path / "out/.shoptet-export-state.json").read_text())["orders"]
