"""`shoptet-catalog export orders|customers|invoices|stock`: read-only exports for reporting
(issue 19)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from time import monotonic

import click

from reconciler.atomic import write_atomically
from reconciler.errors import ConfigError, PermissionDenied
from reconciler.export import (
    FORMATS,
    IDENT,
    KINDS,
    Mark,
    Progress,
    advance,
    lines,
    new_since,
    within,
)
from reconciler.shoptet.client import OnPage, PageRead

EXPORT_EPILOG = """\b
Examples:
  shoptet-catalog export orders --since 2026-11-01 --out ~/exports/orders.jsonl
  shoptet-catalog export orders --out ~/exports/orders-new.jsonl   # only what is new since the last run
  shoptet-catalog export orders --since 2026-11-01 --until 2026-11-30 --format csv --out o.csv
  shoptet-catalog export invoices --since 2026-11-01 --out ~/exports/invoices.csv --format csv
  shoptet-catalog export customers --since 2026-01-01 --out ~/exports/customers.jsonl
  shoptet-catalog export stock --out ~/exports/stock.csv --format csv   # levels now, no --since
"""

_PERSONAL = (
    "Warning: {kind} hold personal data ({what}). Keep the file out of git and delete it when "
    "you are done."
)
_PERSONAL_WHAT = {
    "orders": "names, e-mail addresses, phone numbers",
    "invoices": "customers' names and companies",
    "customers": "names and companies",
}
# The Shoptet admin's endpoint group whose read right each kind needs.
_RIGHT = {"orders": "Orders", "customers": "Customers", "invoices": "Invoices", "stock": "Stocks"}


def _date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{option} {value!r} is not a date: give YYYY-MM-DD or an ISO 8601 time, "
            "e.g. 2026-11-01 or 2026-11-01T08:00:00+01:00."
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def _inside(path: Path, directory: Path) -> bool:
    path, directory = path.resolve(), directory.resolve()
    return path == directory or directory in path.parents


@click.command("export", epilog=EXPORT_EPILOG)
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--since", help="Created from this date or time; default: where the last export ended."
)
@click.option("--until", help="Created up to this date or time (default: now).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (never inside the catalog directory).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The high-water-mark file; default: .shoptet-export-state.json beside --out.",
)
@click.pass_obj
def export(app, kind: str, since, until, fmt: str, out: Path, state_path: Path | None) -> None:
    """Export KIND from the shop, read-only, paged at each endpoint's maximum. Codes (orders,
    invoices, variants) stay text. orders, invoices and customers: without --since it
    continues from the last export's high-water mark. stock: every stock's current levels
    (a snapshot, so no --since/--until)."""
    if kind == "stock" and (since is not None or until is not None):
        raise ConfigError(
            "export stock writes the stock levels as they are now: it has no --since/--until "
            "(Shoptet keeps no history of levels). Leave them out."
        )
    state_path = state_path or out.parent / ".shoptet-export-state.json"
    for path in (out, state_path):
        if _inside(path, app.catalog_dir):
            raise ConfigError(
                f"Refusing to write {path} inside the catalog directory {app.catalog_dir}: "
                "exports hold personal data and the catalog goes to git. Give --out (and "
                "--state) outside it. Nothing was read."
            )
        # Found now, not after minutes of reading.
        if not path.parent.is_dir():
            raise ConfigError(
                f"Cannot write {path}: the folder {path.parent} does not exist. Create it or "
                "give another --out/--state. Nothing was read."
            )
    state: dict = {}
    mark = start = end = None
    if kind != "stock":
        state = _read_state(state_path)
        try:
            mark = Mark.from_dict(state.get(kind))
        except ValueError as err:
            raise ConfigError(
                f"{state_path}: the {kind} mark is broken ({err}); delete the file or give --since."
            ) from None
        start = _date(since, "--since")
        if start is None:
            if mark is None:
                raise ConfigError(
                    f"No earlier {kind} export in {state_path}: give --since DATE for the first "
                    "export."
                )
            start = datetime.fromisoformat(mark.time.replace("Z", "+00:00"))
        else:
            mark = None  # an explicit --since exports the whole window again
        end = _date(until, "--until")
        click.echo(_PERSONAL.format(kind=kind, what=_PERSONAL_WHAT[kind]), err=True)
    with app.make_client(read_only=True) as client:
        try:
            rows = list(_read(client, kind, start, end, mark))
        except PermissionDenied as err:
            raise ConfigError(
                f"{err}\nThe token may not read {kind}: in the Shoptet admin give it the "
                f"read right for the {_RIGHT[kind]} endpoint group."
            ) from None
    # The mark moves only once the export is in place: a failure leaves both as they were.
    _write_whole(out, lines(rows, fmt), "the export state is as it was")
    if kind != "stock":
        new_mark = advance(mark, rows, IDENT[kind])
        if new_mark is not None:
            state[kind] = new_mark.to_dict()
            _write_whole(
                state_path,
                [json.dumps(state, indent=2) + "\n"],
                f"{out} was written but the mark did not move: the next run without --since "
                "exports these rows again",
            )
    click.echo(f"{kind}: {len(rows)} written to {out}.", err=True)


def _read(client, kind: str, start, end, mark: Mark | None) -> Iterator[dict]:
    if kind == "stock":
        for stock in client.get_stocks().stocks:
            for row in client.iter_stock_levels(stock.id, _progress(f"stock {stock.id}")):
                yield {"stockId": stock.id, **row}
        return
    report = _progress(kind)
    if kind == "orders":
        rows = client.iter_orders(start, end, report)
    elif kind == "invoices":
        rows = client.iter_invoices(start, end, report)
    else:  # customers: the list has no date filter, so the window is applied here
        rows = within(client.iter_customers(report), start, end)
    yield from new_since(rows, mark, IDENT[kind])


def _progress(label: str) -> OnPage:
    """Progress on stderr as pages arrive (the client proves the whole list consistent
    before handing over any row, so counting rows would only speak at the end)."""
    progress = Progress(label, monotonic)

    def report(read: PageRead) -> None:
        text = progress.line(read.page, read.pages, read.items, read.attempt)
        if text is not None:
            click.echo(text, err=True)

    return report


def _write_whole(path: Path, chunks: Iterable[str], left: str) -> None:
    """Write ``chunks`` as they come to a new temporary file beside ``path`` (``mkstemp``:
    created exclusively and readable by the owner only, as exports hold personal data), then
    rename it over ``path``: a failure part-way leaves the previous file, never half an
    export, and no temporary file behind."""
    try:
        write_atomically(path, chunks, mode=None)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write {path}: {exc.strerror or exc}. Nothing was written there and {left}; "
            "free the space or fix the folder and run again."
        ) from None


def _read_state(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"{path}: not a readable export state ({err}); delete it and give --since."
        ) from None
    return data if isinstance(data, dict) else {}
