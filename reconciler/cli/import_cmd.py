"""`import`: write catalog YAML for live products (``reconciler.importer.build`` does the work).

Read-only: the client cannot write to the shop. Comments and key order of existing files
survive; only the entries of the imported products change.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import read_option, shop_options
from reconciler.importer.build import IMPORTED_FILE, PER_FILE, import_products
from reconciler.live.snapshot import SnapshotDetails
from reconciler.pipeline import AUTO_MIN_PRODUCTS

IMPORT_EPILOG = f"""\b
Examples:
  shoptet-catalog import --all                   # every live product into catalog/
  shoptet-catalog import --guid GUID --guid GUID # just these (refreshed where declared)
  shoptet-catalog import --all --out new-catalog # bootstrap a new catalog directory
  shoptet-catalog --sandbox import --all --out /tmp/demo-catalog
  shoptet-catalog import --all --read snapshot   # a large shop in one export job

New products go to products/{IMPORTED_FILE}, then imported-2.yaml, imported-3.yaml, ...
(at most --per-file products a file, and well under the 2 MiB a catalog file may hold); each
file is written as soon as it is full, so an interrupted import keeps what it finished:
run the same command with --skip-declared to continue. Products a file already declares are
refreshed in that file (unless --skip-declared). Progress goes to stderr.
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
@read_option(f"snapshot for --all or {AUTO_MIN_PRODUCTS}+ GUIDs")
@click.option(
    "--per-file",
    type=click.IntRange(min=1),
    default=PER_FILE,
    show_default=True,
    help="New products a file at most.",
)
@click.option(
    "--skip-declared",
    is_flag=True,
    help="Do not read or refresh products a file already declares (continues an "
    "interrupted import).",
)
@click.pass_context
def import_(
    ctx: click.Context,
    guids: tuple[str, ...],
    all_: bool,
    out_dir: Path | None,
    read_mode: str,
    per_file: int,
    skip_declared: bool,
) -> None:
    """Write YAML for live products into the catalog, keeping existing files' comments."""
    if all_ == bool(guids):
        raise click.UsageError("give --all, or one or more --guid GUID (not both)")
    app = ctx.obj
    target = out_dir or app.catalog_dir
    snapshot = read_mode == "snapshot" or (
        read_mode == "auto" and (all_ or len(guids) >= AUTO_MIN_PRODUCTS)
    )

    def progress(done: int, total: int) -> None:
        click.echo(f"Import: {done}/{total} products read", err=True)

    with app.make_client(read_only=True) as client:
        reader = (
            SnapshotDetails(client, notice=lambda line: click.echo(line, err=True))
            if snapshot
            else client
        )
        report = import_products(
            reader,
            target,
            None if all_ else list(guids),
            per_file=per_file,
            skip_declared=skip_declared,
            progress=progress,
        )
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
