"""`shoptet-catalog comment`: the one pull-request comment for the plans of every shop.

Reads the artifacts catalog-plan's plan jobs left (one directory per shop, each with
meta.json and plan.json) and writes the Markdown that the workflow posts. The files are a
pull request run's output: untrusted. They are only shown, never acted on; a file that cannot
be read makes that shop "no plan (file unreadable)" with a warning, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from reconciler.cli.apply_cmd import read_plan_file
from reconciler.errors import ConfigError, ReconcilerError, terminal_safe
from reconciler.render.combined import ShopResult, render_combined

COMMENT_EPILOG = """\b
Examples:
  shoptet-catalog comment --plans plans --run-url "$RUN_URL" --out comment.md
  shoptet-catalog comment --plans plans          # print it

\b
PLANS holds one directory per shop (as actions/download-artifact leaves them), each with the
plan job's meta.json ({"shop", "catalog", "exitCode"}) and plan.json.
"""

_MAX_META_BYTES = 64 * 1024  # meta.json is a few hundred bytes


@click.command("comment", epilog=COMMENT_EPILOG)
@click.option(
    "--plans",
    "plans_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory with one sub-directory per shop (meta.json and plan.json in each). "
    "Missing or empty: the comment says no plan was made.",
)
@click.option("--run-url", default=None, help="The workflow run's page, linked in the comment.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the comment to this file instead of printing it.",
)
def comment(plans_dir: Path, run_url: str | None, out: Path | None) -> None:
    """Write the pull-request comment for every shop's plan: a summary table, then each
    shop's plan, within GitHub's comment size."""
    shops = read_shop_results(plans_dir)
    text = render_combined(shops, run_url=run_url)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the comment to {out}: {exc.strerror or exc}") from None
    click.echo(f"Comment for {len(shops)} shop(s) written to {out} ({len(text)} characters).",
               err=True)  # fmt: skip


def read_shop_results(plans_dir: Path) -> list[ShopResult]:
    """One result per sub-directory of ``plans_dir``, sorted by directory name."""
    if not plans_dir.is_dir():
        _warn(f"{plans_dir} does not exist: no plan artifact was downloaded.")
        return []
    return [_read_shop(d) for d in sorted(p for p in plans_dir.iterdir() if p.is_dir())]


def _read_shop(directory: Path) -> ShopResult:
    artifact = directory.name
    meta = _read_meta(directory / "meta.json")
    if meta is None:
        return ShopResult(name=_shop_of(artifact), artifact=artifact, exit_code=None)
    name = meta.get("shop")
    code = meta.get("exitCode")
    catalog = meta.get("catalog")
    if not isinstance(name, str) or not name:
        _warn(f"{directory / 'meta.json'}: no shop name; the directory name is shown instead.")
        name = _shop_of(artifact)
    if type(code) is not int:
        _warn(f"{directory / 'meta.json'}: exitCode is not a number; shown as no plan.")
        return ShopResult(name=name, artifact=artifact, exit_code=None)
    plan = None
    plan_file = directory / "plan.json"
    if code in (0, 2, 3):
        try:
            plan = read_plan_file(plan_file)
        except ReconcilerError as err:
            _warn(f"{plan_file}: {err}; shown as 'no plan (file unreadable)'.")
    return ShopResult(
        name=name,
        artifact=artifact,
        exit_code=code,
        plan=plan,
        catalog_dir=catalog if isinstance(catalog, str) else None,
    )


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as f:
            raw = f.read(_MAX_META_BYTES + 1)
        if len(raw) > _MAX_META_BYTES:
            raise ValueError(f"larger than {_MAX_META_BYTES // 1024} KB")
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except OSError as exc:
        _warn(f"{path}: cannot be read ({exc.strerror or exc}); shown as no plan.")
        return None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        _warn(f"{path}: not a meta.json the plan job writes ({exc}); shown as no plan.")
        return None
    return data


def _shop_of(artifact: str) -> str:
    return artifact.removeprefix("shoptet-plan-")


def _warn(message: str) -> None:
    click.echo(f"Warning: {terminal_safe(message, keep_newlines=False)}", err=True)
