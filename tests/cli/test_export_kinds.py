"""`shoptet-catalog export customers|invoices|stock` (issue 19) against the sandbox over HTTP:
complete across pages at each endpoint's maximum (1000), codes as text, an incremental second
run exporting only what is new, stock as a snapshot that refuses --since, refusal inside the
catalog directory, the personal-data warning, and a 403 naming the missing right."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli
from tests.support.sandbox_client import served

pytestmark = pytest.mark.http

N = 1005  # two pages at 1000


def customer(i: int, day: int = 10) -> dict:
    return {
        "guid": f"00000000-0000-4000-8000-{i:012d}",
        "creationTime": f"2026-11-{day:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+0100",
        "billFullName": f"Vymyšlená Osoba {i}",
    }


def invoice(i: int, day: int = 10) -> dict:
    return {
        "code": f"{i:010d}",
        "orderCode": f"{i:07d}",
        "creationTime": f"2026-11-{day:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+0100",
        "toPay": "121.00",
        "paid": True,
    }


def sales_state() -> dict:
    doc = demo_state()
    doc["customers"] = [customer(i) for i in range(1, N + 1)]
    # one customer before the window and one without a registration date: never exported
    doc["customers"] += [customer(5000, day=1), {**customer(5001), "creationTime": None}]
    doc["invoices"] = [invoice(i) for i in range(1, N + 1)] + [invoice(5000, day=1)]
    return doc


@pytest.fixture
def shop():
    sb = Sandbox.from_seed("demo")
    sb.load_state(sales_state())
    with served(sb) as srv:
        yield sb, srv.url


def export(url, tmp_path, monkeypatch, capsys, *args):
    (tmp_path / "catalog").mkdir(exist_ok=True)
    (tmp_path / "out").mkdir(exist_ok=True)
    return run_cli(monkeypatch, capsys, tmp_path, ["export", *args], url=url)


def jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "kind, ident, path, make",
    [
        ("invoices", "code", "/api/invoices", invoice),
        ("customers", "guid", "/api/customers", customer),
    ],
)
def test_every_row_across_pages_then_only_new_ones(
    shop, tmp_path, monkeypatch, capsys, kind, ident, path, make
):
    sb, url = shop
    start = len(sb.request_log)
    code, _, err = export(
        url, tmp_path, monkeypatch, capsys, kind, "--since", "2026-11-05", "--out", "out/a.jsonl"
    )
    assert code == 0, err
    assert "hold personal data" in err and f"{N} written" in err
    rows = jsonl(tmp_path / "out/a.jsonl")
    assert sorted(r[ident] for r in rows) == sorted(make(i)[ident] for i in range(1, N + 1))
    pages = [r for r in sb.request_log[start:] if r["path"] == path]
    assert len(pages) == 2  # 1000 a page, the endpoint's maximum

    doc = sb.state()
    doc[kind] += [make(7000, day=21)]
    sb.load_state(doc)
    code, _, err = export(url, tmp_path, monkeypatch, capsys, kind, "--out", "out/b.jsonl")
    assert code == 0, err
    assert [r[ident] for r in jsonl(tmp_path / "out/b.jsonl")] == [make(7000)[ident]]
    code, _, err = export(url, tmp_path, monkeypatch, capsys, kind, "--out", "out/c.jsonl")
    assert code == 0 and (tmp_path / "out/c.jsonl").read_text() == ""


def test_each_kind_keeps_its_own_high_water_mark(shop, tmp_path, monkeypatch, capsys):
    _, url = shop
    args = ("--since", "2026-11-10T00:00:00+01:00", "--until", "2026-11-10T00:02:00+01:00")
    assert export(url, tmp_path, monkeypatch, capsys, "invoices", *args, "--out", "out/i")[0] == 0
    state = json.loads((tmp_path / "out/.shoptet-export-state.json").read_text())
    assert list(state) == ["invoices"]
    code, _, err = export(url, tmp_path, monkeypatch, capsys, "customers", "--out", "out/c")
    assert code == 1 and "No earlier customers export" in err


def test_invoice_csv_keeps_leading_zeros(shop, tmp_path, monkeypatch, capsys):
    _, url = shop
    code, _, err = export(
        url,
        tmp_path,
        monkeypatch,
        capsys,
        "invoices",
        "--since",
        "2026-11-10T00:00:00+01:00",
        "--until",
        "2026-11-10T00:03:00+01:00",
        "--format",
        "csv",
        "--out",
        "out/i.csv",
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/i.csv").read_text())))
    assert [r["code"] for r in rows] == ["0000000001", "0000000002", "0000000003"]
    assert rows[0]["orderCode"] == "0000001" and rows[0]["price.toPay"] == "121.00"


def stock_state() -> dict:
    """The demo shop plus 1000 variants (two products of 500), so each stock reads two pages."""
    doc = demo_state()
    for p in range(2):
        product = copy.deepcopy(doc["products"][0])
        product["guid"] = f"00000000-0000-4000-9000-{p:012d}"
        template = product["variants"][0]
        product["variants"] = []
        for i in range(500):
            variant = copy.deepcopy(template)
            variant["code"], variant["ean"] = f"{p}{i:05d}", None
            variant["parameters"] = []
            product["variants"].append(variant)
        doc["products"].append(product)
    return doc


def test_stock_exports_every_stock_level_across_pages_with_codes_as_text(
    tmp_path, monkeypatch, capsys
):
    sb = Sandbox.from_seed("demo")
    sb.load_state(stock_state())
    variants = sum(len(p["variants"]) for p in sb.state()["products"])
    assert variants > 1000
    with served(sb) as srv:
        start = len(sb.request_log)
        code, _, err = export(
            srv.url, tmp_path, monkeypatch, capsys, "stock", "--format", "csv", "--out", "out/s.csv"
        )
    assert code == 0, err
    assert "personal data" not in err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/s.csv").read_text())))
    assert len(rows) == 2 * variants
    assert {(r["stockId"], r["code"]) for r in rows} >= {("1", "000000"), ("2", "100499")}
    pages = [r for r in sb.request_log[start:] if r["path"].endswith("/supplies")]
    assert len(pages) == 4  # two stocks, two pages of 1000 each
    assert not (tmp_path / "out/.shoptet-export-state.json").exists()


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_stock_refuses_a_window(shop, tmp_path, monkeypatch, capsys, option):
    sb, url = shop
    start = len(sb.request_log)
    code, _, err = export(
        url, tmp_path, monkeypatch, capsys, "stock", option, "2026-11-01", "--out", "out/s"
    )
    assert code == 1 and "has no --since/--until" in err and "Traceback" not in err
    assert sb.request_log[start:] == [] and not (tmp_path / "out/s").exists()


@pytest.mark.parametrize("kind", ["customers", "invoices", "stock"])
def test_refuses_to_write_inside_the_catalog_directory(shop, tmp_path, monkeypatch, capsys, kind):
    sb, url = shop
    start = len(sb.request_log)
    since = () if kind == "stock" else ("--since", "2026-11-01")
    code, _, err = export(
        url, tmp_path, monkeypatch, capsys, kind, *since, "--out", "catalog/sub/x.jsonl"
    )
    assert code == 1 and "inside the catalog directory" in err
    assert not (tmp_path / "catalog/sub/x.jsonl").exists()
    assert sb.request_log[start:] == []


@pytest.mark.parametrize(
    "kind, forbidden, group",
    [
        ("customers", "/api/customers", "Customers"),
        ("invoices", "/api/invoices", "Invoices"),
        ("stock", "/api/stocks", "Stocks"),
    ],
)
def test_a_token_without_the_right_is_told_which_right(
    tmp_path, monkeypatch, capsys, kind, forbidden, group
):
    sb = Sandbox.from_seed("demo", forbidden=(forbidden,))
    since = () if kind == "stock" else ("--since", "2026-11-01")
    with served(sb) as srv:
        code, _, err = export(
            srv.url, tmp_path, monkeypatch, capsys, kind, *since, "--out", "out/a"
        )
    assert code == 1 and f"read right for the {group} endpoint group" in err
    assert "Traceback" not in err and not (tmp_path / "out/a").exists()


def test_csv_defuses_a_customer_name_a_spreadsheet_would_run_as_a_formula(
    tmp_path, monkeypatch, capsys
):
    doc = demo_state()
    names = ['=HYPERLINK("http://evil.example","x")', "@SUM(1)", "-Novák", "+420 1", "Eva"]
    doc["customers"] = [{**customer(i), "billFullName": n} for i, n in enumerate(names, start=1)]
    sb = Sandbox.from_seed("demo")
    sb.load_state(doc)
    with served(sb) as srv:
        args = ("customers", "--since", "2026-11-01", "--out")
        assert (
            export(srv.url, tmp_path, monkeypatch, capsys, *args, "out/c.csv", "--format", "csv")[0]
            == 0
        )
        assert export(srv.url, tmp_path, monkeypatch, capsys, *args, "out/c.jsonl")[0] == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/c.csv").read_text())))
    assert [r["billFullName"] for r in rows] == ["'" + n for n in names[:4]] + ["Eva"]
    assert [r["billFullName"] for r in jsonl(tmp_path / "out/c.jsonl")] == names


@pytest.mark.parametrize("time", ["yesterday", "2026-11-01T00:00:00"])
def test_a_hand_edited_mark_is_refused_with_what_to_do(shop, tmp_path, monkeypatch, capsys, time):
    _, url = shop
    (tmp_path / "out").mkdir()
    state = tmp_path / "out/.shoptet-export-state.json"
    state.write_text(json.dumps({"invoices": {"time": time, "codes": []}}))
    code, _, err = export(url, tmp_path, monkeypatch, capsys, "invoices", "--out", "out/i.jsonl")
    assert code == 1 and "the invoices mark is broken" in err and repr(time) in err
    assert "Traceback" not in err and not (tmp_path / "out/i.jsonl").exists()
