"""`revert JOURNAL`: the plan that undoes an apply, read from its journal (issue 21).

The work is ``reconciler.apply.revert`` (pure); this reads the files and the shop (read-only:
the header, and the product count the guards need) and shows the plan."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from reconciler.apply.preflight import apply_guards
from reconciler.apply.revert import MAX_JOURNAL_BYTES, RevertSource, read_journal, revert_plan
from reconciler.cli.options import shop_options, use_color
from reconciler.cli.plan_cmd import write_plan_file
from reconciler.desired.load import load_catalog
from reconciler.errors import ConfigError, StalePlan, terminal_safe
from reconciler.live.read import read_shop
from reconciler.pipeline import raise_if_outside
from reconciler.render.formats import render_json, render_text

REVERT_EPILOG = """\b
Examples:
  shoptet-catalog revert apply.jsonl                       # show what the undo writes
  shoptet-catalog revert apply.jsonl --out revert.json
  shoptet-catalog apply --revert apply.jsonl revert.json   # apply it (guards apply)
"""


@click.command("revert", epilog=REVERT_EPILOG)
@shop_options
@click.argument("journal", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan, for `apply --revert JOURNAL PLAN`.",
)
@click.pass_context
def revert(ctx: click.Context, journal: Path, out: Path | None) -> None:
    """Plan to undo the apply that wrote JOURNAL (`apply --journal`): put back every value it
    wrote, delete what it created, create again what it deleted (the fields the catalog
    manages). A value changed in the shop after that apply is a conflict when applying: it is
    never overwritten. The catalog still states what the apply wrote: revert that in git too,
    or the next plan writes it again."""
    app = ctx.obj
    source = read_journal_file(journal)
    loaded = load_catalog(app.catalog_dir)
    with app.make_client(read_only=True) as client:
        shop = read_shop(client, loaded.catalog.shop)
        now = (shop.eshop_id, shop.pricelist_id, shop.default_stock_id)
        then = (source.eshop_id, source.pricelist_id, source.default_stock_id)
        if now != then:
            raise StalePlan(
                f"{journal} wrote to e-shop {then[0]} (pricelist {then[1]}, default stock "
                f"{then[2]}), but the token and shop.yaml give e-shop {now[0]} (pricelist "
                f"{now[1]}, default stock {now[2]}); revert it with the same shop settings",
                ["another shop"],
            )
        the_plan = revert_plan(source, catalog_digest=loaded.digest)
        raise_if_outside(the_plan, loaded.catalog)
        summaries = list(client.iter_products())
        live_guids = [p.guid for p in summaries]
    live = {p.guid.lower(): p.name for p in summaries}
    the_plan = replace(the_plan, guards=apply_guards(the_plan, loaded.catalog, live_guids))
    click.echo(
        terminal_safe(
            f"Revert of {journal} (sha256 {source.digest[:12]}; "
            f"plan(s) {', '.join(p[:12] for p in source.plan_ids) or 'none named'}).",
            keep_newlines=False,
        )
    )
    text = render_text(the_plan, color=use_color(sys.stdout))
    click.echo(text, nl=not text.endswith("\n"))
    for guid, what in source.galleries:
        click.echo(
            terminal_safe(
                f'Not undone: images of "{live.get(guid, "a product no longer in the shop")}" '
                f"({guid}), which that apply {', '.join(what)}. Revert does not undo image "
                "changes: state the gallery you want in `images:` and run plan and apply.",
                keep_newlines=False,
            ),
            err=True,
        )
    if out is not None:
        write_plan_file(out, render_json(the_plan))
        click.echo(f"Revert plan written to {out} (planId {the_plan.plan_id[:12]}).", err=True)
        click.echo(f"Next: shoptet-catalog apply --revert {journal} {out}", err=True)
    click.echo(
        "The catalog still states what that apply wrote: revert it in git as well (`git "
        "revert` the merge), or the next plan writes it again.",
        err=True,
    )


def read_journal_file(path: Path) -> RevertSource:
    """A journal file read for revert (size-capped: it is an artifact anyone could replace)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_JOURNAL_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the journal {path}: {exc.strerror or exc}") from None
    return read_journal(data, str(path))
