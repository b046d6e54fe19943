"""`import` command. UNFINISHED: placeholder until its issue lands."""

import click


@click.command("import")
def import_() -> None:
    """UNFINISHED: not implemented yet."""
    raise click.ClickException("`import` is not implemented yet")
