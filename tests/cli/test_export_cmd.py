"""`shoptet-catalog export orders` (issue 19) against the sandbox over HTTP: complete across
pages, codes as text, jsonl and csv, an incremental second run exporting only what is new,
refusal inside the catalog directory, and plain messages for a missing --since, a bad date,
a broken state file and a token without the orders right."""

from __future__ import annotations

import csv
import io
import json

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli
from tests.support.sandbox_client import served

pytestmark = pytest.mark.http


def orders_state(n: int, day: int = 10) -> dict:
    doc = demo_state()
    code = doc["products"][0]["variants"][0]["code"]
    doc["orders"] = [
        {
            "code": f"{i:07d}",
            "statusId": -3,
            "creationTime": f"2026-11-{day:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+0100",
            "items": [{"productCode": code, "amount": "1.000"}],
        }
        for i in range(1, n + 1)
    ]
    return doc


@pytest.fixture
def orders_shop():
    sb = Sandbox.from_seed("demo")
    sb.load_state(orders_state(120))
    with served(sb) as srv:
        yield sb, srv.url


def export(orders_shop, tmp_path, monkeypatch, capsys, *args):
    (tmp_path / "catalog").mkdir(exist_ok=True)
    (tmp_path / "out").mkdir(exist_ok=True)
    return run_cli(monkeypatch, capsys, tmp_path, ["export", "orders", *args], url=orders_shop[1])


def test_every_order_across_pages_with_codes_as_text_then_only_new_ones(
    orders_shop, tmp_path, monkeypatch, capsys
):
    sb, _ = orders_shop
    start = len(sb.request_log)
    code, _, err = export(
        orders_shop, tmp_path, monkeypatch, capsys, "--since", "2026-11-01", "--out", "out/a.jsonl"
    )
    assert code == 0, err
    assert "personal data" in err and "120 written" in err
    rows = [json.loads(line) for line in (tmp_path / "out/a.jsonl").read_text().splitlines()]
    assert sorted(r["code"] for r in rows) == [f"{i:07d}" for i in range(1, 121)]
    pages = [r for r in sb.request_log[start:] if r["path"] == "/api/orders"]
    assert len(pages) == 3  # 50 a page, the endpoint's maximum

    doc = sb.state()
    doc["orders"] += [
        {"code": "0000999", "statusId": -1, "creationTime": "2026-11-21T08:00:00+0100", "items": []}
    ]
    sb.load_state(doc)
    code, _, err = export(orders_shop, tmp_path, monkeypatch, capsys, "--out", "out/b.jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / "out/b.jsonl").read_text().splitlines()]
    assert [r["code"] for r in rows] == ["0000999"]
    code, _, err = export(orders_shop, tmp_path, monkeypatch, capsys, "--out", "out/c.jsonl")
    assert code == 0 and (tmp_path / "out/c.jsonl").read_text() == ""


def test_csv_keeps_leading_zeros_and_flattens_nested_fields(
    orders_shop, tmp_path, monkeypatch, capsys
):
    code, _, err = export(
        orders_shop,
        tmp_path,
        monkeypatch,
        capsys,
        "--since",
        "2026-11-10T00:00:00+01:00",
        "--until",
        "2026-11-10T00:04:59+01:00",
        "--format",
        "csv",
        "--out",
        "out/o.csv",
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/o.csv").read_text())))
    assert [r["code"] for r in rows] == ["0000001", "0000002", "0000003", "0000004"]
    assert rows[0]["status.id"] == "-3" and "price.currencyCode" in rows[0]


@pytest.mark.parametrize("target", ["catalog/orders.jsonl", "catalog/sub/x.csv"])
def test_refuses_to_write_inside_the_catalog_directory(
    orders_shop, tmp_path, monkeypatch, capsys, target
):
    sb, _ = orders_shop
    start = len(sb.request_log)
    code, _, err = export(
        orders_shop, tmp_path, monkeypatch, capsys, "--since", "2026-11-01", "--out", target
    )
    assert code == 1 and "inside the catalog directory" in err
    assert not (tmp_path / target).exists()
    assert sb.request_log[start:] == []


def test_a_first_export_without_since_a_bad_date_and_a_broken_state_say_what_to_do(
    orders_shop, tmp_path, monkeypatch, capsys
):
    code, _, err = export(orders_shop, tmp_path, monkeypatch, capsys, "--out", "out/a.jsonl")
    assert code == 1 and "give --since DATE for the first export" in err
    code, _, err = export(
        orders_shop, tmp_path, monkeypatch, capsys, "--since", "1.11.2026", "--out", "out/a.jsonl"
    )
    assert code == 1 and "--since '1.11.2026' is not a date" in err and "Traceback" not in err
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out/.shoptet-export-state.json").write_text("{broken")
    code, _, err = export(orders_shop, tmp_path, monkeypatch, capsys, "--out", "out/a.jsonl")
    assert code == 1 and "not a readable export state" in err


def test_a_token_without_the_orders_right_is_told_which_right(tmp_path, monkeypatch, capsys):
    sb = Sandbox.from_seed("demo", forbidden=("/api/orders",))
    with served(sb) as srv:
        code, _, err = export(
            (sb, srv.url),
            tmp_path,
            monkeypatch,
            capsys,
            "--since",
            "2026-11-01",
            "--out",
            "out/a.jsonl",
        )
    assert code == 1 and "read right for the Orders endpoint group" in err
    assert "Traceback" not in err
