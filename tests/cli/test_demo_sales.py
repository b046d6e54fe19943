"""The built-in demo shop's orders, customers and invoices (issue 19): `--sandbox export` of each
kind and the open-order guard can be tried on the demo, order codes with leading zeros stay
text, and the example catalog still plans exactly as before (no deletes or hides, so no claims
are read)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.sandbox.seeds import load_seed
from reconciler.sandbox.state import open_claims

ROOT = Path(__file__).resolve().parents[2]
V60 = "Překapávač V60 keramický"


def run(args, capsys, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def example_copy(root: Path) -> Path:
    shutil.copytree(ROOT / "catalog", root / "catalog")
    return root / "catalog"


@pytest.mark.parametrize(
    ("kind", "ident", "expected"),
    [
        ("orders", "code", ["0001201", "0001202", "0001234", "0001235"]),
        ("invoices", "code", ["2026000001", "2026000002"]),
        ("customers", "billFullName", ["Jana Nováková", "Petr Svoboda", "Eva Dvořáková"]),
    ],
)
def test_each_kind_exports_from_the_demo(kind, ident, expected, tmp_path, capsys, monkeypatch):
    (tmp_path / "out").mkdir()
    code, _, err = run(
        ["--sandbox", "export", kind, "--since", "2026-01-01", "--out", "out/x.jsonl"],
        capsys,
        tmp_path,
        monkeypatch,
    )
    assert code == 0, err
    assert "personal data" in err
    rows = [json.loads(line) for line in (tmp_path / "out/x.jsonl").read_text().splitlines()]
    assert [r[ident] for r in rows] == expected


def test_order_codes_stay_text_in_csv(tmp_path, capsys, monkeypatch):
    (tmp_path / "out").mkdir()
    args = ["--sandbox", "export", "orders", "--since", "2026-01-01", "--format", "csv"]
    code, _, err = run([*args, "--out", "out/o.csv"], capsys, tmp_path, monkeypatch)
    assert code == 0, err
    text = (tmp_path / "out/o.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows][:1] == ["0001201"]
    assert "\n0001201," in text  # written as the text it is, not as the number 1201
    assert {r["status.name"] for r in rows} >= {"Nevyřízená", "Odeslaná", "Stornována"}


def test_the_demo_export_refuses_the_catalog_directory(tmp_path, capsys, monkeypatch):
    example_copy(tmp_path)
    code, _, err = run(
        ["--sandbox", "export", "customers", "--since", "2026-01-01", "--out", "catalog/c.jsonl"],
        capsys,
        tmp_path,
        monkeypatch,
    )
    assert code == 1 and "inside the catalog directory" in err and "Traceback" not in err
    assert not (tmp_path / "catalog" / "c.jsonl").exists()


def test_hiding_the_v60_in_the_example_catalog_meets_the_open_order_guard(
    tmp_path, capsys, monkeypatch
):
    catalog = example_copy(tmp_path)
    path = catalog / "products" / "accessories.yaml"
    text = path.read_text(encoding="utf-8")
    shown = f"    name: {V60}\n    visibility: visible\n"
    assert text.count(shown) == 1
    hidden = shown.replace("visible\n", "hidden\n")
    path.write_text(text.replace(shown, hidden), encoding="utf-8")
    code, out, err = run(
        ["--sandbox", "plan", "--detailed-exitcode"], capsys, tmp_path, monkeypatch
    )
    assert code == 3, out + err
    assert '"0001234" (2)' in out and '"0001235" (1)' in out
    assert "needs --allow-open-orders" in out
    code, out, err = run(
        ["--sandbox", "plan", "--detailed-exitcode", "--allow-open-orders"],
        capsys,
        tmp_path,
        monkeypatch,
    )
    assert code == 2, out + err


def test_the_demo_orders_are_consistent_and_additive():
    """Open orders claim only variants the demo shows claimed, within their claim; closed ones
    claim nothing; codes are text with leading zeros."""
    doc = load_seed("demo")
    claims = {
        v["code"]: sum(float(r["claim"]) for r in v["stocks"].values())
        for p in doc["products"]
        for v in p["variants"]
    }
    open_items = open_claims(doc)
    assert {o["code"] for o, _, _ in open_items} == {"0001234", "0001235"}
    for _, item, left in open_items:
        assert 0 < float(left) <= claims[item["productCode"]]
    assert all(o["code"].startswith("000") for o in doc["orders"])
