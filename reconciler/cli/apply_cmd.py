"""`apply` command. UNFINISHED: placeholder until its issue lands."""

import click


@click.command("apply")
def apply() -> None:
    """UNFINISHED: not implemented yet."""
    raise click.ClickException("`apply` is not implemented yet")
