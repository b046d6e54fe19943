"""`apply [PLAN]`: write a saved plan (exactly its changes), or plan and apply in one go.

The talking happens here (plan display, the `yes` prompt, the result); the work is
``reconciler.pipeline.apply_plan``. This is the only command that builds a read-write client.
Exit codes (DESIGN §4): 0 done, 1 error or partial failure, 3 refused by a guard, 4 stale plan
or conflict (both raised by ``apply_plan`` before anything is written).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.apply.journal import Journal
from reconciler.apply.result import ApplyOptions, ApplyResult, Status
from reconciler.cli.options import shop_options, use_color
from reconciler.cli.plan_cmd import catalog_git_commit
from reconciler.cli.revert_cmd import read_journal_file
from reconciler.desired.image_lock import LOCK_FILE, ImageLock
from reconciler.desired.image_lock import render as render_lock
from reconciler.desired.load import load_catalog
from reconciler.desired.scope import policy_at
from reconciler.errors import ConfigError, terminal_safe
from reconciler.importer.build import write_catalog_file
from reconciler.pipeline import PlanRequest, apply_plan, make_plan
from reconciler.plan.model import Plan
from reconciler.render.common import change_label
from reconciler.render.formats import render_text

APPLY_EPILOG = """\b
Examples:
  shoptet-catalog plan --out plan.json && shoptet-catalog apply plan.json
  shoptet-catalog apply                         # plan, show it, ask for `yes`, apply
  shoptet-catalog apply plan.json --auto-approve --journal apply.jsonl   # in CI
  shoptet-catalog apply plan.json --allow-delete   # the plan deletes (within maxDeletes)
  shoptet-catalog apply plan.json --allow-price    # a price changes over maxPriceChange
  shoptet-catalog apply --revert apply.jsonl revert.json   # undo an apply (`revert`)
  shoptet-catalog apply plan.json --allow-open-orders  # deletes/hides what orders claim
  shoptet-catalog apply plan.json --allow-stock-below-claim  # policy.stockBelowClaim: refuse
  shoptet-catalog --sandbox apply               # try it on the built-in demo shop
"""

_NO_TTY = (
    "apply needs approval: stdin is not a terminal, so it cannot ask you to type `yes`. "
    "Review the plan and pass --auto-approve to apply it without asking. Nothing was written."
)


@click.command("apply", epilog=APPLY_EPILOG)
@shop_options
@click.argument(
    "plan_file",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="[PLAN]",
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking for `yes` (CI).")
@click.option(
    "--allow-delete",
    is_flag=True,
    help="Allow deletions (tombstones, prune), up to policy.maxDeletes.",
)
@click.option(
    "--allow-bulk",
    is_flag=True,
    help="Allow changing more than policy.maxChangedShare of the managed products.",
)
@click.option(
    "--allow-price",
    is_flag=True,
    help="Allow prices that change by more than policy.maxPriceChange or become 0.",
)
@click.option(
    "--allow-open-orders",
    is_flag=True,
    help="Allow deleting or hiding products and variants that open orders still claim.",
)
@click.option(
    "--allow-stock-below-claim",
    is_flag=True,
    help="Allow setting stock below what open orders claim (with policy.stockBelowClaim: "
    "refuse).",
)
@click.option(
    "--policy-from",
    "policy_ref",
    metavar="REF",
    help="Guards use shop.yaml's policy at git REF (in CI: the commit before the merge), so a "
    "change cannot relax its own guards. Default: the checked-out catalog's policy.",
)
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one JSON line per write attempt to this file (audit, CI artifact).",
)
@click.option(
    "--revert",
    "revert_journal",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="JOURNAL",
    help="PLAN is a revert plan (`revert JOURNAL --out PLAN`): its changes are derived again "
    "from JOURNAL and must be the plan's; the catalog is not their authority.",
)
@click.pass_context
def apply(
    ctx: click.Context,
    plan_file: Path | None,
    auto_approve: bool,
    allow_delete: bool,
    allow_bulk: bool,
    allow_price: bool,
    allow_open_orders: bool,
    allow_stock_below_claim: bool,
    policy_ref: str | None,
    journal_path: Path | None,
    revert_journal: Path | None,
) -> None:
    """Apply PLAN (a file from `plan --out`), or plan and apply the catalog now.

    A saved plan is applied exactly as reviewed, never re-planned, and only when the
    checked-out catalog produces every change in it. Before the first write every product the
    plan touches is re-read: if anything changed since the plan, the catalog files differ from
    the ones planned, or the plan file says anything the catalog does not, nothing is written
    (exit 4). Guards (exit 3), computed afresh: deletions need --allow-delete, large changes
    --allow-bulk, large price changes (policy.maxPriceChange) or prices of 0 --allow-price,
    deleting or hiding what open orders claim --allow-open-orders, and with
    policy.stockBelowClaim: refuse, stock set below what open orders claim
    --allow-stock-below-claim.
    """
    app = ctx.obj
    if revert_journal is not None and plan_file is None:
        raise ConfigError(
            "--revert JOURNAL needs the revert plan you reviewed: `apply --revert JOURNAL PLAN` "
            "(make it with `revert JOURNAL --out PLAN`)"
        )
    revert = read_journal_file(revert_journal) if revert_journal is not None else None
    saved = read_plan_file(plan_file) if plan_file is not None else None
    loaded = load_catalog(app.catalog_dir)
    policy = None
    if policy_ref is not None:
        policy, commit = policy_at(app.catalog_dir, policy_ref)
        click.echo(f"Guards use the policy at {policy_ref} ({commit[:12]}).", err=True)
    client = app.make_client(read_only=False)
    with client:
        if saved is None:
            request = PlanRequest(git_commit=catalog_git_commit(app.catalog_dir))
            the_plan = make_plan(client, loaded, request)
        else:
            the_plan = saved
        text = render_text(the_plan, color=use_color(sys.stdout))
        click.echo(text, nl=not text.endswith("\n"))
        if the_plan.is_empty:
            click.echo("Nothing to apply.")
            return
        if not auto_approve and not sys.stdin.isatty():
            raise ConfigError(_NO_TTY)
        options = ApplyOptions(
            allow_delete=allow_delete,
            allow_bulk=allow_bulk,
            allow_price=allow_price,
            allow_open_orders=allow_open_orders,
            allow_stock_below_claim=allow_stock_below_claim,
            catalog_digest=loaded.digest if revert is None else None,
            policy=policy,
        )
        with Journal(journal_path, the_plan.plan_id) as journal:
            result = apply_plan(
                the_plan,
                client,
                loaded,
                options=options,
                journal=journal,
                approve=None if auto_approve else _approve,
                revert=revert,
            )
    if result.image_lock is not None:
        _write_lock(app.catalog_dir, result.image_lock)
    _report(result, the_plan)
    result.raise_for_failures()


# A plan file is untrusted input (an artifact of a pull request's run). 2,000 changes make
# about 2 MB; 50 MB is far above any real plan and far below trouble.
MAX_PLAN_BYTES = 50 * 1024 * 1024


def read_plan_file(path: Path) -> Plan:
    """A plan file as `apply` reads it (size cap, UTF-8, format version, planId check); any
    problem is a ``ConfigError`` or ``PlanFileError`` that names the file or says what to do."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_PLAN_BYTES + 1)
        if len(raw) > MAX_PLAN_BYTES:
            raise ConfigError(
                f"the plan file {path} is larger than {MAX_PLAN_BYTES // (1024 * 1024)} MB; "
                "that is no plan this tool writes. Run `plan --out` again."
            )
        text = raw.decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the plan file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the plan file {path} is not UTF-8 text") from None
    return Plan.from_json(text)


def _write_lock(catalog_dir: Path, lock: ImageLock) -> None:
    """The image lock with the names this apply learned, and what to do with it: it must
    reach git, or the next plan refuses to add images by src for those products."""
    path = catalog_dir / LOCK_FILE
    write_catalog_file(path, render_lock(lock))
    click.echo(
        f"Updated {path}: the names Shoptet gave the images this apply added. Commit it with "
        "the catalog (in CI: the workflow commits it back); until it is committed, plan "
        "refuses to add images by src to those products rather than add them twice.",
        err=True,
    )


def _approve(plan: Plan) -> None:
    """Asked by apply after every check passed, before the first write."""
    if not sys.stdin.isatty():
        raise ConfigError(_NO_TTY)
    answer = click.prompt(
        f"Apply these {len(plan.changes)} change(s) to e-shop {plan.eshop_id}? Only `yes` "
        "is accepted",
        default="",
        show_default=False,
    )
    if answer.strip() != "yes":
        raise ConfigError("Apply cancelled (you did not type `yes`). Nothing was written.")


def _report(result: ApplyResult, plan: Plan) -> None:
    """One line per change written or already done, in the plan's order (so the report reads
    like the plan, whatever order the concurrent writes finished in), each with what it is in
    the shop's words beside its id: the product's name, the stock's title, the pricelist's
    name (from the plan's display-only names; nothing is read for them). Then the summary.
    The words are those of result.Status, as in the journal."""
    width = max(len(Status.WRITTEN.value), len(Status.DONE.value))
    for change in plan.changes:
        outcome = result.outcomes.get(change.id)
        if outcome is None or outcome.status not in (Status.WRITTEN, Status.DONE):
            continue
        line = f"  {outcome.status.value:<{width}}  {change.id}"
        line += f" ({outcome.message})" if outcome.message else ""
        label = change_label(change, plan)
        click.echo(terminal_safe(line + (f"  # {label}" if label else ""), keep_newlines=False))
    click.echo(terminal_safe(result.summary(), keep_newlines=False))
