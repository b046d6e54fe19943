"""`shoptet-catalog lookup KIND`: ids and names for catalog authors (read-only)."""

from __future__ import annotations

import json

import click

from reconciler.cli.options import format_option
from reconciler.lookup import KINDS, run

_WIDTH = max(map(len, KINDS))  # the kinds' help column

LOOKUP_EPILOG = """\b
Examples:
  shoptet-catalog lookup categories                 # the category tree with GUIDs
  shoptet-catalog lookup stocks                     # stock ids, default marked
  shoptet-catalog lookup brands --format json       # for scripts
  shoptet-catalog --sandbox lookup availabilities   # the demo shop, no token

\b
Kinds:
""" + "\n".join(f"  {name:<{_WIDTH}} {kind.help}" for name, kind in KINDS.items())


@click.command("lookup", epilog=LOOKUP_EPILOG)
@click.argument("kind", type=click.Choice(list(KINDS)))
@format_option(("text", "json"), "text for people, json for scripts.")
@click.pass_obj
def lookup(app, kind: str, fmt: str) -> None:
    """List what the catalog refers to by id, code or name (the kinds below). Read-only; a
    read-only token is enough."""
    with app.make_client(read_only=True) as client:
        rows = run(client, kind)
    if fmt == "json":
        click.echo(json.dumps({"kind": kind, "items": rows}, indent=2, ensure_ascii=False))
        return
    for line in KINDS[kind].text(rows):
        click.echo(line)
