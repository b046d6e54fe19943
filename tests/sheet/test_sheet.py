"""`sheet export` / `sheet apply` (issue 21): a lossless round trip through .xlsx and .csv,
edits merged into the YAML with comments kept, `plan` showing exactly the edited cells, and every
cell that cannot be read exactly refused with its sheet, row and column."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest

from reconciler.cli import main
from reconciler.desired.load import load_catalog
from reconciler.sandbox import Sandbox
from tests.apply.support import EXAMPLE_CATALOG, plan_of, write_catalog

GRINDER = "e519811b-2112-533a-afec-c5f5cd16d9ad"  # code 00123 in accessories.yaml
BURR = "37b171f0-5796-5998-89c2-fcaf36b7c06b"


def run(monkeypatch, capsys, cwd: Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


@pytest.fixture
def example(tmp_path) -> Path:
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def cell(ws, row: int, name: str):
    head = [c.value for c in ws[1]]
    return ws.cell(row=row, column=head.index(name) + 1)


def row_of(ws, key: str) -> int:
    return next(c.row for c in ws["A"] if c.value == key)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_save_untouched_then_apply_changes_nothing(
    example, monkeypatch, capsys, suffix
):
    before = snapshot(example / "catalog")
    sheet = example / f"c{suffix}"
    code, _, err = run(monkeypatch, capsys, example, "sheet", "export", "--out", sheet.name)
    assert code == 0, err
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(sheet)
        wb.save(sheet)  # opened and saved by a spreadsheet library, nothing edited
    else:
        with sheet.open(encoding="utf-8-sig", newline="") as f:
            records = list(csv.reader(f))
        with sheet.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(records)
    code, out, err = run(monkeypatch, capsys, example, "sheet", "apply", sheet.name)
    assert code == 0, err
    assert "No changes" in out
    assert snapshot(example / "catalog") == before


def test_the_xlsx_keeps_codes_and_eans_as_text_and_hides_the_key(example, monkeypatch, capsys):
    run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.xlsx")
    ws = openpyxl.load_workbook(example / "c.xlsx")["catalog"]
    r = row_of(ws, f"{GRINDER}|00123")
    for name, value in (("code", "00123"), ("ean", "8590019005896"), ("price", "1290.00")):
        c = cell(ws, r, name)
        assert (c.value, c.data_type, c.number_format) == (value, "s", "@")
    assert ws.column_dimensions["A"].hidden and ws.protection.sheet
    assert ws["A2"].protection.locked and not cell(ws, r, "price").protection.locked
    assert [c.value for c in ws[1]][:4] == ["key", "guid", "code", "name"]
    assert "brandCode" in [c.value for c in ws[1]]  # Shoptet's names


def test_one_price_and_one_name_edited_make_exactly_those_two_plan_changes(
    example, monkeypatch, capsys
):
    sb = Sandbox.from_seed("demo")
    before = plan_of(sb, load_catalog(example / "catalog"))
    run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.xlsx")
    wb = openpyxl.load_workbook(example / "c.xlsx")
    ws = wb["catalog"]
    cell(ws, row_of(ws, f"{GRINDER}|00123"), "price").value = "1190.50"
    for key in (f"{BURR}|00124-BILA", f"{BURR}|00124-CERNA"):  # a product field, on each row
        cell(ws, row_of(ws, key), "name").value = "Burr 200: nový"
    wb.save(example / "c.xlsx")
    yaml = example / "catalog" / "products" / "accessories.yaml"
    comments = [line for line in yaml.read_text(encoding="utf-8").splitlines() if "#" in line]

    code, out, err = run(monkeypatch, capsys, example, "sheet", "apply", "c.xlsx")
    assert code == 0, err
    assert "variant 00123: price: 1290.00 -> 1190.50" in out
    assert f"product {BURR}: name: Elektrický mlýnek Burr 200 -> Burr 200: nový" in out
    text = yaml.read_text(encoding="utf-8")
    assert "price: 1190.50" in text and 'name: "Burr 200: nový"' in text
    assert [line for line in text.splitlines() if "#" in line] == comments  # comments kept

    after = plan_of(sb, load_catalog(example / "catalog"))

    def fields(plan):
        return {(c.id, f.field, str(f.after)) for c in plan.changes for f in c.fields}

    assert fields(after) - fields(before) == {
        (f"price:{GRINDER}:00123", "price", "1190.5"),  # canonical in a plan
        (f"product:{BURR}", "name", "Burr 200: nový"),
    }
    assert {(i, f) for i, f, _ in fields(before) - fields(after)} <= {
        (f"price:{GRINDER}:00123", "price"),
        (f"product:{BURR}", "name"),
    }


def test_leading_zeros_exponent_like_codes_and_eans_survive(tmp_path, monkeypatch, capsys):
    guid = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
    write_catalog(
        tmp_path,
        {
            guid: {
                "name": "Test",
                "variants": {
                    "00123": {"ean": "0012345678905", "manufacturerCode": "1E5", "price": "10"},
                    "1E5": {"ean": "00001", "manufacturerCode": "00123"},
                },
            }
        },
    )
    run(monkeypatch, capsys, tmp_path, "sheet", "export", "--out", "c.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    ws = wb["catalog"]
    r = row_of(ws, f"{guid}|1E5")
    assert cell(ws, r, "code").value == "1E5" and cell(ws, r, "ean").value == "00001"
    cell(ws, r, "price").value = "5"
    wb.save(tmp_path / "c.xlsx")
    code, _out, err = run(monkeypatch, capsys, tmp_path, "sheet", "apply", "c.xlsx")
    assert code == 0, err
    v = load_catalog(tmp_path / "catalog").catalog.products[guid].variants
    assert (v["00123"].ean, v["00123"].manufacturerCode) == ("0012345678905", "1E5")
    assert (v["1E5"].ean, v["1E5"].manufacturerCode, str(v["1E5"].price)) == ("00001", "00123", "5")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("price", 1190.5), "is the number 1190.5, not text"),
        (("ean", 12345678905), "is the number 12345678905, not text"),  # zeros lost
        (("price", "1190,50"), "'1190,50' is not a decimal this tool reads exactly"),
        (("price", "1E3"), "'1E3' is not a decimal"),
        (("price", ""), "is empty, but the catalog states '1290.00': write null"),
        (("price", "null"), "price cannot be null"),
        (("includingVat", "ano"), "'ano' is not true or false"),
        (("availabilityId", "1.5"), "'1.5' is not a whole number"),
        (("code", "00124"), "is '00123' in the catalog; a code cannot change here"),
        (("key", "nope|x"), "'nope|x' is no product or variant of the catalog"),
        (("price", "=1+1"), "is a formula; type the value itself"),
        (("realStock@2", "5"), "this variant states one amount: use realStock"),
    ],
)
def test_a_cell_that_cannot_be_read_exactly_is_refused_with_its_place(
    example, monkeypatch, capsys, edit, message
):
    run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.xlsx")
    before = snapshot(example / "catalog")
    wb = openpyxl.load_workbook(example / "c.xlsx")
    ws = wb["catalog"]
    r = row_of(ws, f"{GRINDER}|00123")
    c = cell(ws, r, edit[0])
    c.value = edit[1]
    if isinstance(edit[1], str) and edit[1].startswith("="):
        c.data_type = "f"
    wb.save(example / "c.xlsx")
    code, _, err = run(monkeypatch, capsys, example, "sheet", "apply", "c.xlsx")
    assert code == 1
    assert f"c.xlsx, sheet 'catalog', row {r}, column {c.column_letter}" in err
    assert message in err and "nothing was written" in err and "Traceback" not in err
    assert snapshot(example / "catalog") == before


def test_rows_of_one_product_that_disagree_are_refused(example, monkeypatch, capsys):
    run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.csv")
    path = example / "c.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    name = records[0].index("name")
    first = next(i for i, r in enumerate(records) if r[0] == f"{BURR}|00124-BILA")
    records[first][name] = "Jiné jméno"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(records)
    code, _, err = run(monkeypatch, capsys, example, "sheet", "apply", "c.csv")
    assert code == 1
    assert (
        f"row {first + 2}, column D (name): rows {first + 1}, {first + 2} of product {BURR}" in err
    )


def test_a_value_the_catalog_refuses_is_not_written(example, monkeypatch, capsys):
    run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.csv")
    path = example / "c.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    row = next(r for r in records if r[0] == f"{GRINDER}|00123")
    row[records[0].index("price")] = "-5"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(records)
    before = snapshot(example / "catalog")
    code, _, err = run(monkeypatch, capsys, example, "sheet", "apply", "c.csv")
    assert code == 1 and "would make the catalog invalid" in err and "price" in err
    assert snapshot(example / "catalog") == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.txt", b"x", "a sheet is a .xlsx or .csv file"),
        ("c.csv", b"\xff\xfe\x00", "is not UTF-8 text"),
        ("c.csv", b"", "the sheet is empty"),
        ("c.csv", b'"guid","code"\r\n', "the sheet has no `key` column"),
        ("c.xlsx", b"not a zip", "is not an .xlsx workbook"),
        ("missing.csv", None, "cannot read the sheet missing.csv"),
    ],
)
def test_files_that_are_no_sheet_are_refused(example, monkeypatch, capsys, name, content, message):
    if content is not None:
        (example / name).write_bytes(content)
    code, _, err = run(monkeypatch, capsys, example, "sheet", "apply", name)
    assert code == 1 and message in err and "Traceback" not in err


def test_without_openpyxl_xlsx_says_what_to_install_and_csv_still_works(
    example, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    code, _, err = run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.xlsx")
    assert code == 1 and "pip install 'shoptet-catalog[sheet]'" in err
    code, _, err = run(monkeypatch, capsys, example, "sheet", "export", "--out", "c.csv")
    assert code == 0, err


@pytest.mark.parametrize("mangled", ["12345678905", "1.23457E+12"])
def test_an_ean_a_spreadsheet_read_as_a_number_is_refused(tmp_path, monkeypatch, capsys, mangled):
    """Excel opening a CSV drops leading zeros and writes long numbers as 1.2E+12: as text
    cells those are no exact values, so they are refused, not written."""
    guid = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
    write_catalog(tmp_path, {guid: {"name": "Test", "variants": {"A1": {"ean": "0012345678905"}}}})
    run(monkeypatch, capsys, tmp_path, "sheet", "export", "--out", "c.csv")
    path = tmp_path / "c.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    records[1][records[0].index("ean")] = mangled
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(records)
    code, _, err = run(monkeypatch, capsys, tmp_path, "sheet", "apply", "c.csv")
    assert code == 1 and "after a spreadsheet read it as a number" in err
    assert "c.csv, row 2, column N (ean)" in err


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "-x", "\tx"])
def test_a_csv_never_gets_a_cell_a_spreadsheet_would_run_as_a_formula(tmp_path, value):
    from reconciler.sheet.files import SheetError, write_sheet

    out = tmp_path / "catalog.csv"
    with pytest.raises(SheetError, match=r"row 3, column B \(name\): .*export to \.xlsx"):
        write_sheet(out, ["key", "name"], [["k1", "Káva"], ["k2", value]])
    assert not out.exists()  # nothing half-written
    write_sheet(out, ["key", "price"], [["k1", "-5"], ["k2", "1290.00"]])  # numbers are fine
    assert out.exists()
