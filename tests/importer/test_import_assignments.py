"""`import` writes the small assignments by name (issue 17): a product's warranty by its
description and supplier by its name, a variant's unit by its name; a name that would not read
back as the same entry (two suppliers share it) is written as the GUID or id. The catalog then
plans no changes."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli
from tests.support.sandbox_client import served

SUPPLIER = "9e1c6b1e-2f3a-4c5d-8e9f-0a1b2c3d4e5f"
TWIN = "0b6f1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"


@pytest.fixture
def shop():
    state = demo_state()
    state["suppliers"] = [
        {"guid": SUPPLIER, "name": "Kávová pražírna s.r.o."},
        {"guid": TWIN, "name": "Dvojče"},
        {"guid": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "name": "Dvojče"},
    ]
    first, second = state["products"][0], state["products"][1]
    first.update(warrantyId=-2, supplierGuid=SUPPLIER)
    first["variants"][0]["unit"] = "kg"
    second.update(warrantyId=-1, supplierGuid=TWIN)
    sb = Sandbox(state)
    with served(sb) as srv:
        yield srv.url, first["guid"], second["guid"]


def test_import_writes_warranty_supplier_and_unit_by_name_and_plans_empty(
    shop, tmp_path, monkeypatch, capsys
):
    url, first, second = shop
    args = ["import", "--guid", first, "--guid", second, "--out", "c"]
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, out + err
    written = (tmp_path / "c" / "products" / "imported.yaml").read_text(encoding="utf-8")
    assert "warranty: 1 rok\n    supplier: Kávová pražírna s.r.o.\n" in written
    assert f"warranty: 2 roky\n    supplier: {TWIN}\n" in written  # "Dvojče" names two
    assert "unit: kg\n" in written and "unit: ks\n" in written
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["--catalog", "c", "plan"], url=url)
    assert code == 0 and "No changes." in out + err, out + err
