"""`sandbox` commands: run the fake Shoptet API (DESIGN §8) on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from reconciler.errors import ConfigError

SERVE_EPILOG = """\b
Examples:
  shoptet-catalog sandbox serve --port 8765 --seed demo
  curl -H 'Shoptet-Private-API-Token: sandbox-token' http://127.0.0.1:8765/api/eshop
  shoptet-catalog sandbox serve --seed empty --no-limits --latency 0.05
  shoptet-catalog sandbox serve --seed state.json --time-scale 10
  shoptet-catalog sandbox dump --seed demo > state.json
"""


@click.group("sandbox")
def sandbox() -> None:
    """Run the fake Shoptet API (a stateful sandbox shop) for demos and end-to-end tests."""


def _seed(value: str) -> str | Path:
    return value if value in ("demo", "empty") else Path(value)


@sandbox.command("serve", epilog=SERVE_EPILOG)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep it on loopback: the sandbox has no real auth).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port (0 picks a free one).",
)
@click.option(
    "--seed",
    default="demo",
    show_default=True,
    help="demo, empty, or a state JSON file (the format of GET /_sandbox/state).",
)
@click.option(
    "--token",
    default="sandbox-token",
    show_default=True,
    help="Private API token accepted in Shoptet-Private-API-Token.",
)
@click.option(
    "--oauth-token",
    default="sandbox-oauth",
    show_default=True,
    help="OAuth token accepted by /action/ApiOAuthServer/getAccessToken.",
)
@click.option(
    "--token-lifetime",
    type=click.FloatRange(min=0),
    default=1800.0,
    show_default=True,
    help="Lifetime (s) of issued access tokens.",
)
@click.option("--no-limits", is_flag=True, help="Do not answer 429 (rate headers are still sent).")
@click.option(
    "--bucket",
    type=click.FloatRange(min=1),
    default=200.0,
    show_default=True,
    help="Leaky-bucket capacity (drops).",
)
@click.option(
    "--drain",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Drops drained per second.",
)
@click.option(
    "--cost",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Drops per request.",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds added to every API request.",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0.001),
    default=1.0,
    show_default=True,
    help="Run Shoptet's limits this many times faster.",
)
def serve(
    host,
    port,
    seed,
    token,
    oauth_token,
    token_lifetime,
    no_limits,
    bucket,
    drain,
    cost,
    latency,
    time_scale,
) -> None:
    """Serve the sandbox shop over HTTP until interrupted (Ctrl+C).

    Admin calls (sandbox only): GET/PUT /_sandbox/state, GET/PUT /_sandbox/faults,
    GET /_sandbox/log, GET/PATCH /_sandbox/config, POST /_sandbox/reset.
    """
    from reconciler.sandbox import Sandbox, SandboxConfig, StateError

    config = SandboxConfig(
        token=token,
        oauth_token=oauth_token,
        access_token_lifetime=token_lifetime,
        limits=not no_limits,
        bucket_capacity=bucket,
        drain_rate=drain,
        request_cost=cost,
        latency=latency,
        time_scale=time_scale,
    )
    try:
        sb = Sandbox.from_seed(_seed(seed), config)
    except StateError as exc:
        raise ConfigError(f"cannot load the sandbox seed: {exc}") from None
    try:
        server = sb.serve(host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    products = len(sb.state()["products"])
    click.echo(
        f"Shoptet sandbox on {server.url} (seed {seed}, {products} products). Ctrl+C stops it.",
        err=True,
    )
    click.echo(f"E-shop host (job results): {server.results_url}", err=True)
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Sandbox stopped.", err=True)
    finally:
        server.close()


@sandbox.command(
    "dump",
    epilog="""\b
Examples:
  shoptet-catalog sandbox dump --seed demo > state.json
  shoptet-catalog sandbox serve --seed state.json
""",
)
@click.option("--seed", default="demo", show_default=True, help="demo, empty or a state file.")
def dump(seed: str) -> None:
    """Print a seed as a state JSON file (edit it and pass it back with `serve --seed FILE`)."""
    from reconciler.sandbox import Sandbox, StateError

    try:
        state = Sandbox.from_seed(_seed(seed)).state()
    except StateError as exc:
        raise ConfigError(f"cannot load the sandbox seed: {exc}") from None
    click.echo(json.dumps(state, ensure_ascii=False, indent=1))
