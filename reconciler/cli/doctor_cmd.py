"""`shoptet-catalog doctor`: read-only checks before the first plan against a real shop."""

from __future__ import annotations

import json

import click

from reconciler.cli.options import format_option
from reconciler.doctor import run_doctor

DOCTOR_EPILOG = """\b
Examples:
  shoptet-catalog doctor                  # check the token and the shop (read-only)
  shoptet-catalog doctor > doctor.txt     # a report to paste into an issue (no secrets)
  shoptet-catalog doctor --format json
  shoptet-catalog --sandbox doctor        # every check passes on the demo shop

\b
Exit codes: 0 nothing the tool relies on is broken; 1 a required check is not ok (or the
token does not work). 'could not check' and advisory checks do not fail the run.
"""


@click.command("doctor", epilog=DOCTOR_EPILOG)
@format_option(("text", "json"), "text for people (and issues), json for scripts.")
@click.pass_context
def doctor(ctx: click.Context, fmt: str) -> None:
    """Check the token's rights and what the tool assumes about the shop. Read-only: it never
    writes; write rights are read from the token's endpoint list, or reported as not checkable.
    """
    with ctx.obj.make_client(read_only=True) as client:
        report = run_doctor(client)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.text())
    ctx.exit(report.exit_code)
