"""Reading and writing the sheet as .xlsx (openpyxl, the ``sheet`` extra) or .csv (stdlib).

xlsx: one worksheet ``catalog``; every cell is a text cell (type ``s``, number format ``@``:
Excel and LibreOffice keep ``00123``, ``1E5`` and ``0012345678905`` as typed, and a value
starting with ``=`` stays text, never a formula); the ``key`` column is hidden and, with the
header, ``guid`` and ``code``, locked (the sheet is protected without a password: every other
cell is editable). A cell read back as a formula is refused.

csv: UTF-8 with a byte-order mark (so Excel reads the accents), every field quoted. Excel
opening a CSV by double-click still turns ``00123`` into ``123``: use .xlsx with Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError
from reconciler.sheet.table import Cell, SheetProblem, column_letter

SHEET = "catalog"
LOCKED = 3  # key, guid, code
MAX_SHEET_BYTES = 50 * 1024 * 1024

__all__ = ["SHEET", "SheetError", "read_sheet", "write_sheet"]


class SheetError(ConfigError):
    """A sheet that cannot be read or merged; the message names sheet, row and column."""


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ConfigError(f"{path}: a sheet is a .xlsx or .csv file (got {suffix or 'none'})")
    return suffix


def _openpyxl() -> Any:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(
            ".xlsx sheets need openpyxl: pip install 'shoptet-catalog[sheet]' (or use a .csv file)"
        ) from None
    return openpyxl


# A CSV cell starting with one of these is run as a formula by Excel and LibreOffice (CSV
# injection); catalog text comes from pull requests, so such a cell is never written to CSV.
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _formula_like(value: str) -> bool:
    if value.startswith(_FORMULA_START):
        return True
    return value.startswith("-") and not value[1:2].isdigit()  # "-5" is a number, "-x" not


def _refuse_formula_like(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values):
            if value and _formula_like(value):
                raise SheetError(
                    f"row {r}, column {column_letter(c + 1)} ({head[c]}): the value starts with "
                    f"{value[0]!r}, which a spreadsheet opening a .csv runs as a formula; export "
                    "to .xlsx instead (its cells are text, never formulas)"
                )


def write_sheet(path: Path, head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if _kind(path) == ".csv":
        _refuse_formula_like(head, rows)
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerows([head, *rows])
        path.write_text(out.getvalue(), encoding="utf-8-sig", newline="")
        return
    openpyxl = _openpyxl()
    from openpyxl.styles import Font, Protection  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r, values in enumerate([head, *rows], start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"  # text even when it starts with "=": never a formula
            cell.number_format = "@"
            if r == 1:
                cell.font = Font(bold=True)
            elif c > LOCKED:
                cell.protection = Protection(locked=False)
    for c in range(1, len(head) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 14 if c > LOCKED else 38
    ws.column_dimensions["A"].hidden = True
    ws.freeze_panes = ws.cell(row=2, column=LOCKED + 1)
    ws.protection.sheet = True  # no password: it only guards the key columns from slips
    wb.save(path)


def read_sheet(path: Path) -> tuple[list[Cell], list[list[Cell]]]:
    """The header row and the data rows, as ``Cell``s (1-based row and column)."""
    kind = _kind(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(f"cannot read the sheet {path}: {exc.strerror or exc}") from None
    if size > MAX_SHEET_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_SHEET_BYTES // (1024 * 1024)} MB")
    rows = _read_csv(path) if kind == ".csv" else _read_xlsx(path)
    if not rows:
        raise SheetError(f"{path}: the sheet is empty (no header row)")
    return rows[0], rows[1:]


def _read_csv(path: Path) -> list[list[Cell]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(
            f"{path} is not UTF-8 text: save the CSV as UTF-8 (CSV UTF-8 in Excel)"
        ) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise SheetError(f"{path}: not a CSV file this tool can read ({exc})") from None
    return [
        [Cell(v, r, c) for c, v in enumerate(rec, start=1)]
        for r, rec in enumerate(records, start=1)
    ]


def _read_xlsx(path: Path) -> list[list[Cell]]:
    openpyxl = _openpyxl()
    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise SheetError(f"{path} is not an .xlsx workbook openpyxl can read ({exc})") from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.active
    out: list[list[Cell]] = []
    formulas: list[SheetProblem] = []
    for row in ws.iter_rows():
        line = []
        for cell in row:
            if cell.data_type == "f":
                formulas.append(
                    SheetProblem(cell.row, cell.column, "", "is a formula; type the value itself")
                )
            line.append(Cell(cell.value, cell.row, cell.column))
        out.append(line)
    if formulas:
        raise SheetError(describe(path, ws.title, formulas))
    return out


def describe(path: Path, sheet: str | None, problems: Sequence[SheetProblem]) -> str:
    """Every problem on its own line: file, sheet, row, column (letter and header)."""
    where = f"{path}" + (f", sheet {sheet!r}" if sheet else "")
    lines = [
        f"  {where}, row {p.row}, column {column_letter(p.column)}"
        + (f" ({p.header})" if p.header else "")
        + f": {p.message}"
        for p in problems
    ]
    return f"{path}: {len(problems)} cell(s) cannot be merged; nothing was written:\n" + "\n".join(
        lines
    )


def sheet_name(path: Path) -> str | None:
    return SHEET if path.suffix.lower() == ".xlsx" else None
