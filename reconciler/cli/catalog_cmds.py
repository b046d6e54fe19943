"""Offline catalog commands: `validate`, `schema`, `new-guid`."""

import uuid

import click


@click.command("validate")
def validate() -> None:
    """UNFINISHED: not implemented yet."""
    raise click.ClickException("`validate` is not implemented yet")


@click.command("schema")
def schema() -> None:
    """UNFINISHED: not implemented yet."""
    raise click.ClickException("`schema` is not implemented yet")


@click.command("new-guid", epilog="\b\nExample:\n  shoptet-catalog new-guid   # 3f2b6c1e-...")
def new_guid() -> None:
    """Print a fresh lowercase GUID for a new product key."""
    click.echo(str(uuid.uuid4()))
