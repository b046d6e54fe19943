"""`import`: write catalog YAML for live products (``reconciler.importer.build`` does the work).

Read-only: the client cannot write to the shop. Comments and key order of existing files
survive; only the entries of the imported products change.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import shop_options
from reconciler.importer.build import IMPORTED_FILE, import_products

IMPORT_EPILOG = f"""\b
Examples:
  shoptet-catalog import --all                   # every live product into catalog/
  shoptet-catalog import --guid GUID --guid GUID # just these (refreshed where declared)
  shoptet-catalog import --all --out new-catalog # bootstrap a new catalog directory
  shoptet-catalog --sandbox import --all --out /tmp/demo-catalog

New products go to products/{IMPORTED_FILE}; products a file already declares are
refreshed in that file.
"""


@click.command("import", epilog=IMPORT_EPILOG)
@shop_options
@click.option(
    "--guid",
    "guids",
    multiple=True,
    metavar="GUID",
    help="Import this product (repeatable).",
)
@click.option("--all", "all_", is_flag=True, help="Import every live product.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Catalog directory to write into (default: --catalog).",
)
@click.pass_context
def import_(ctx: click.Context, guids: tuple[str, ...], all_: bool, out_dir: Path | None) -> None:
    """Write YAML for live products into the catalog, keeping existing files' comments."""
    if all_ == bool(guids):
        raise click.UsageError("give --all, or one or more --guid GUID (not both)")
    app = ctx.obj
    target = out_dir or app.catalog_dir
    with app.make_client(read_only=True) as client:
        report = import_products(client, target, None if all_ else list(guids))
    for guid in report.added:
        click.echo(f"  + {guid}")
    for guid in report.updated:
        click.echo(f"  ~ {guid}")
    for line in report.skipped:
        click.echo(f"  ! {line}")
    click.echo(
        f"Import: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} already up to date; "
        f"{len(report.files)} file(s) written in {target}."
    )
