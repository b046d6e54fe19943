"""`plan`: read the live shop, diff it against the catalog, print the plan (and save it).

stdout carries only the rendered plan (``--format``), so it can be redirected into a file or a
pull-request comment; the progress bar and notes go to stderr. ``--out`` always writes the JSON
plan file, whatever ``--format`` says (the workflows do ``--out plan.json --format markdown >
plan.md``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from reconciler.cli import fast_exit
from reconciler.cli.context import DEFAULT_CATALOG
from reconciler.cli.options import format_option, read_option, shop_options, use_color
from reconciler.cli.parse_cache_dir import DirParseCache
from reconciler.desired.load import load_catalog
from reconciler.desired.scope import changed_since
from reconciler.errors import AuthError, ConfigError, PermissionDenied, ReconcilerError
from reconciler.gcpause import gc_paused
from reconciler.live.snapshot import SnapshotSettings
from reconciler.pipeline import AUTO_MIN_PRODUCTS, PlanRequest, make_plan
from reconciler.plan.model import CatalogEntry, check_guards
from reconciler.render.formats import render_json, render_markdown, render_text

PLAN_EPILOG = """\b
Examples:
  shoptet-catalog --sandbox plan                  # the built-in demo shop, no token needed
  shoptet-catalog plan                            # catalog/ against the shop in the environment
  shoptet-catalog plan --out plan.json            # also save the plan for `apply plan.json`
  shoptet-catalog plan --target KAV-COL-250       # only the product with this variant code
  shoptet-catalog plan --changed-since origin/main   # only products whose YAML changed (PRs)
  shoptet-catalog plan --cache .shoptet-cache     # re-read only what changed since the last plan
  shoptet-catalog plan --read snapshot            # read a large shop in one export job
  shoptet-catalog plan --format markdown --github-summary   # in a GitHub workflow
  shoptet-catalog plan --detailed-exitcode        # exit 0 none, 2 changes, 3 refused, 1 error
  shoptet-catalog plan --detailed-exitcode --allow-delete   # as apply --allow-delete would
"""

_NO_TOKEN_HINT = (
    "To try the tool without a shop, run `shoptet-catalog --sandbox plan`. For your shop, "
    "create a private API token in the Shoptet admin (Connections > Private API) and export it "
    "as SHOPTET_PRIVATE_API_TOKEN (README: Connecting to your shop)."
)
_AUTH_HINT = (
    "plan could not read the shop: Shoptet refused the token. Fix: check that "
    "SHOPTET_PRIVATE_API_TOKEN (or SHOPTET_OAUTH_ACCESS_TOKEN) holds the current token of this "
    "e-shop; if it was deleted or regenerated in the Shoptet admin, create a new one and "
    "replace the secret."
)
_RIGHTS_HINT = (
    "plan could not read the shop: the token lacks rights for {what}. Fix: in the Shoptet admin "
    "(Connections > Private API) give the token read access to the e-shop info, stocks and "
    "products endpoint groups, and to categories, brands, product availabilities and price "
    "lists when the catalog states them (plan checks those references); plan only reads, so "
    "a read-only token is enough."
)


@click.command("plan", epilog=PLAN_EPILOG)
@shop_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the plan file (JSON) here, for `apply PLAN`.",
)
@format_option(
    ("text", "markdown", "json"),
    "What stdout shows: text (terminal), markdown (pull-request comment), json (plan file).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="GUID|CODE",
    help="Plan only this product (a GUID, or one of its variant codes). Repeatable.",
)
@click.option(
    "--changed-since",
    "since_ref",
    metavar="REF",
    help="Plan only the products whose YAML entry differs between git REF and the working "
    "tree (a pull request's base). Drift elsewhere is the scheduled drift check's job.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Incremental live cache for full plans: re-read only what changed in the shop since "
    "the last plan (changes feed + supplies changedFrom; with --read snapshot the changed products "
    "come from one changeTimeFrom snapshot). Off by default; apply never uses it.",
)
@click.option(
    "--parse-cache",
    "parse_cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Keep each product here as checked, by its YAML block's text, so unchanged products "
    "are not parsed again and a changed file parses only its changed products (large catalogs "
    "in CI). Kept products are validated again on the way in; apply never uses it.",
)
@read_option(f"snapshot for a full plan of {AUTO_MIN_PRODUCTS}+ managed products")
@click.option(
    "--snapshot-budget",
    type=click.FloatRange(min=1),
    default=SnapshotSettings.budget,
    show_default=True,
    metavar="SECONDS",
    help="With --read snapshot/auto: the longest wait for the snapshot job and its download "
    "before falling back to detail reads.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to change, 2 when there are changes, 3 when a guard "
    "would refuse the apply with the --allow-* flags given here, 1 on error.",
)
@click.option(
    "--allow-delete", is_flag=True, help="For --detailed-exitcode: as `apply --allow-delete`."
)
@click.option(
    "--allow-bulk", is_flag=True, help="For --detailed-exitcode: as `apply --allow-bulk`."
)
@click.option(
    "--allow-price", is_flag=True, help="For --detailed-exitcode: as `apply --allow-price`."
)
@click.option(
    "--allow-open-orders",
    is_flag=True,
    help="For --detailed-exitcode: as `apply --allow-open-orders`.",
)
@click.option(
    "--allow-stock-below-claim",
    is_flag=True,
    help="For --detailed-exitcode: as `apply --allow-stock-below-claim`.",
)
@click.option(
    "--github-summary",
    is_flag=True,
    help="Also append the Markdown plan to the file named by $GITHUB_STEP_SUMMARY (when set).",
)
@click.pass_context
def plan(
    ctx: click.Context,
    out: Path | None,
    fmt: str,
    targets: tuple[str, ...],
    since_ref: str | None,
    cache_dir: Path | None,
    parse_cache_dir: Path | None,
    read_mode: str,
    snapshot_budget: float,
    detailed_exitcode: bool,
    allow_delete: bool,
    allow_bulk: bool,
    allow_price: bool,
    allow_open_orders: bool,
    allow_stock_below_claim: bool,
    github_summary: bool,
) -> None:
    """Read the live shop and show what `apply` would change to make it match the catalog.

    Nothing is written to the shop: the client is read-only. Only products the catalog
    declares are read in detail; the others are counted as unmanaged and left alone.
    """
    app = ctx.obj
    parse_cache = (
        None
        if parse_cache_dir is None
        else DirParseCache(parse_cache_dir, lambda line: click.echo(line, err=True))
    )
    with gc_paused():  # parked (and frozen) before the collector sees the new objects
        loaded = load_catalog(app.catalog_dir, parse_cache=parse_cache)
        fast_exit.park(loaded)
    commit = catalog_git_commit(app.catalog_dir)
    scope = ref_commit = base_policy = None
    removed: tuple[CatalogEntry, ...] = ()
    if since_ref is not None:
        changed = changed_since(app.catalog_dir, since_ref, loaded.catalog, loaded)
        ref_commit = changed.commit
        scope = changed.guids
        base_policy = changed.base_policy
        removed = changed.removed
        full = " (a full plan)" if changed.is_full else ""
        click.echo(
            f"--changed-since {since_ref} ({changed.commit[:12]}): {changed.reason}{full}.",
            err=True,
        )
    try:
        client = app.make_client(read_only=True)
    except ConfigError as err:
        raise ConfigError(f"{err}\n{_NO_TOKEN_HINT}") from None
    with client, _progress_bar() as progress:
        try:
            request = PlanRequest(
                targets=targets,
                scope=scope,
                ref=since_ref if scope is not None else None,
                ref_commit=ref_commit if scope is not None else None,
                base_policy=base_policy,
                removed=removed,
                cache_dir=cache_dir,
                read=read_mode,
                snapshot=SnapshotSettings(budget=snapshot_budget),
                git_commit=commit,
                progress=progress,
                notice=lambda line: click.echo(line, err=True),
            )
            the_plan = make_plan(client, loaded, request)
        except AuthError as err:
            raise ConfigError(f"{err}\n{_AUTH_HINT}") from None
        except PermissionDenied as err:
            if err.error_code == "missing-module":
                raise
            what = f"{err.method} {err.path}" if err.path else "an endpoint plan reads"
            raise ConfigError(f"{err}\n{_RIGHTS_HINT.format(what=what)}") from None
    given = (
        ("--allow-delete", allow_delete),
        ("--allow-bulk", allow_bulk),
        ("--allow-price", allow_price),
        ("--allow-open-orders", allow_open_orders),
        ("--allow-stock-below-claim", allow_stock_below_claim),
    )
    the_plan = replace(the_plan, allowed=tuple(flag for flag, on in given if on))
    if out is not None:
        write_plan_file(out, render_json(the_plan))
        click.echo(f"Plan written to {out} (planId {the_plan.plan_id[:12]}).", err=True)
        click.echo(f"Next: {next_step(out, app.catalog_dir)}", err=True)
    markdown = None
    if fmt == "text":
        text = render_text(the_plan, color=use_color(sys.stdout))
    elif fmt == "markdown":
        text = markdown = render_markdown(the_plan, catalog_dir=str(app.catalog_dir))
    else:
        text = render_json(the_plan)
    click.echo(text, nl=not text.endswith("\n"))
    if github_summary:
        append_github_summary(
            markdown or render_markdown(the_plan, catalog_dir=str(app.catalog_dir))
        )
    if detailed_exitcode and not the_plan.is_empty:
        refusals = check_guards(
            the_plan,
            allow_delete=allow_delete,
            allow_bulk=allow_bulk,
            allow_price=allow_price,
            allow_open_orders=allow_open_orders,
            allow_stock_below_claim=allow_stock_below_claim,
        )
        if refusals:  # the plan's own verdicts; apply recomputes them before any write
            click.echo(
                "Apply would be refused by a guard:\n" + "\n".join(f"  {r}" for r in refusals),
                err=True,
            )
            ctx.exit(3)
        ctx.exit(2)


def next_step(out: Path, catalog_dir: Path) -> str:
    """The command that applies the plan just written (``--catalog`` when not the default)."""
    words = ["shoptet-catalog"]
    if Path(catalog_dir) != DEFAULT_CATALOG:
        words += ["--catalog", shlex.quote(Path(catalog_dir).as_posix())]
    return " ".join([*words, "apply", shlex.quote(Path(out).as_posix())])


def catalog_git_commit(catalog_dir: Path) -> str | None:
    """HEAD of the git work tree the catalog is in, or None (not in git, or git missing)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree", "HEAD"],
            cwd=catalog_dir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2 or lines[0] != "true":
        return None
    return lines[1]


def write_plan_file(path: Path, text: str) -> None:
    """Write the plan file whole or not at all (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the plan file {path}: {exc.strerror or exc}") from None


def append_github_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        click.echo("Note: GITHUB_STEP_SUMMARY is not set; --github-summary did nothing.", err=True)
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        raise ReconcilerError(
            f"cannot append to GITHUB_STEP_SUMMARY ({target}): {exc.strerror or exc}"
        ) from None


_PHASES = {
    "products": "Listing live products",
    "details": "Reading managed products",
    "snapshot": "Products snapshot",
}


@contextmanager
def _progress_bar():
    """A progress callback for ``make_plan``: a rich bar on stderr when it is a terminal,
    nothing otherwise (CI logs stay clean)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
        bar.update(tasks[phase], completed=done, total=total)

    with bar:
        yield progress
