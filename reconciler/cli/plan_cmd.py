"""`plan` command. UNFINISHED: placeholder until its issue lands."""

import click


@click.command("plan")
def plan() -> None:
    """UNFINISHED: not implemented yet."""
    raise click.ClickException("`plan` is not implemented yet")
