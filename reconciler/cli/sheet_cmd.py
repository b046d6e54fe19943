"""`sheet export` and `sheet apply`: the catalog as a spreadsheet and back (issue 21).

Offline: both read and write catalog files only (``reconciler.sheet``); `plan` then shows what
the edits change in the shop."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import shop_options
from reconciler.desired.load import load_catalog
from reconciler.errors import terminal_safe
from reconciler.sheet.files import SheetError, describe, read_sheet, sheet_name, write_sheet
from reconciler.sheet.merge import merge_sheet
from reconciler.sheet.table import header, rows

SHEET_EPILOG = """\b
Examples:
  shoptet-catalog sheet export --out catalog.xlsx   # edit in Excel or LibreOffice
  shoptet-catalog sheet apply catalog.xlsx          # edits back into the YAML
  shoptet-catalog plan                              # what they change in the shop
"""


@click.group("sheet", epilog=SHEET_EPILOG)
def sheet() -> None:
    """The catalog as a spreadsheet (.xlsx or .csv): one row per variant."""


@sheet.command("export")
@shop_options
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: .xlsx (Excel, LibreOffice) or .csv.",
)
@click.pass_context
def export(ctx: click.Context, out: Path) -> None:
    """Write the catalog as a sheet: every code, EAN and GUID as text, exact decimals, a
    hidden key column. Edit the cells, then `sheet apply` the file."""
    loaded = load_catalog(ctx.obj.catalog_dir)
    data = rows(loaded.catalog)
    write_sheet(out, header(loaded.catalog), data)
    click.echo(f"Sheet written to {out} ({len(data)} row(s), one per variant).")
    click.echo(f"Next: edit it, then `shoptet-catalog sheet apply {out}`.", err=True)


@sheet.command("apply")
@shop_options
@click.argument("sheet_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE")
@click.pass_context
def apply_sheet(ctx: click.Context, sheet_file: Path) -> None:
    """Merge the edited cells of FILE (from `sheet export`) into the catalog's YAML, keeping
    comments and order. Nothing is written if any cell cannot be read exactly."""
    catalog_dir = ctx.obj.catalog_dir
    loaded = load_catalog(catalog_dir)
    head, body = read_sheet(sheet_file)
    merged, problems = merge_sheet(catalog_dir, loaded, head, body)
    if problems:
        raise SheetError(describe(sheet_file, sheet_name(sheet_file), problems))
    for line in merged.lines:
        click.echo(terminal_safe(line, keep_newlines=False))
    if not merged.lines:
        click.echo("No changes: the sheet says what the catalog says.")
        return
    click.echo(
        f"Sheet: {len(merged.lines)} change(s) in {len(merged.files)} file(s). Next: "
        "`shoptet-catalog plan` shows what they change in the shop."
    )
