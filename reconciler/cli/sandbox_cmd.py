"""`sandbox` commands. UNFINISHED: placeholder until the sandbox issue lands."""

import click


@click.group("sandbox")
def sandbox() -> None:
    """Run the fake Shoptet API (UNFINISHED)."""
