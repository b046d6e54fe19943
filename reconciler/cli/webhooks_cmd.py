"""`shoptet-catalog webhooks list|ensure`: the job:finished webhook snapshots need."""

from __future__ import annotations

import click

from reconciler.webhooks import ensure_job_finished, list_webhooks

WEBHOOKS_EPILOG = """\b
Examples:
  shoptet-catalog webhooks list
  shoptet-catalog webhooks ensure --url https://hooks.example.com/shoptet-job-finished
"""


@click.group("webhooks", epilog=WEBHOOKS_EPILOG)
def webhooks() -> None:
    """The shop's webhooks. `plan --read snapshot` needs a job:finished webhook: Shoptet runs
    no export job without one."""


@webhooks.command("list")
@click.pass_obj
def list_(app) -> None:
    """Show the registered webhooks (event, URL, id). Needs webhook read rights."""
    with app.make_client(read_only=True) as client:
        hooks = list_webhooks(client)
    if not hooks:
        click.echo("No webhooks registered.")
    for hook in hooks:
        click.echo(f"{hook.event:<24} {hook.url}  (id {hook.id})")


@webhooks.command("ensure")
@click.option(
    "--url",
    required=True,
    metavar="URL",
    help="https URL that answers 200 to POST; registered for job:finished only if no URL is.",
)
@click.pass_obj
def ensure(app, url: str) -> None:
    """Register URL for job:finished if, and only if, nothing is registered for that event.
    Never changes or deletes an existing webhook. Needs a token with webhook write rights."""
    with app.make_client(read_only=False) as client:
        result = ensure_job_finished(client, url)
    click.echo(result.describe(url))
