"""Apply a plan: exactly the approved changes, safely (DESIGN §6).

    result = apply_plan(plan, client, read_live, ApplyOptions(...), journal)

1. **Guards** (``plan.check_guards``): a refusal raises ``UnsafePlan`` (exit 3) before any
   request.
2. **Compare-before-write**: every product the plan touches is re-read (``read_live``: GUIDs
   -> live product models, concurrently within the client's cap) and each change is checked
   (``apply_check``). Any conflict, or a catalog digest other than the plan's, raises
   ``StalePlan`` (exit 4) listing what changed; nothing is written. Changes already live are
   skipped, so re-running a plan after a crash or a partial failure finishes what is left.
3. **Writes, in order**: product creates (one POST each, with the catalog's GUID, the variants
   and their initial stock), product updates (one PATCH per product with only the fields still
   to write, variant items by exact code), prices (pricelist PATCH, <= 300 rows), stock
   (``realStock`` movements per stock, <= 300 items), then deletions (variants, then products).
4. **Unknown outcomes**: when a write's response is lost (``WriteOutcomeUnknown``) the
   products it touched are re-read before anything else; what is live is done (a create whose
   GUID now exists is never repeated), what is not is sent again (``resends`` times at most).
5. **Partial success**: per-item errors on a 200 fail those items with Shoptet's message; the
   rest stays applied. A failed create skips the price and stock rows that depend on it.
6. **Journal**: one line per write attempt (``journal.py``).
7. **Convergence check**: the written changes are re-read; anything that still differs is
   reported (``ApplyResult.unconverged``), not retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from reconciler import errors as E
from reconciler.apply_check import Check, Verdict, check_all, created_keys, describe, live_forms
from reconciler.apply_result import (
    ApplyOptions,
    ApplyResult,
    LiveReader,
    Outcome,
    Status,
)
from reconciler.apply_run import Executor, as_int
from reconciler.journal import Journal
from reconciler.live_convert import product_from_detail
from reconciler.plan import Action, Change, FieldChange, Plan, Resource, raise_if_unsafe
from reconciler.shoptet.client import DETAIL_INCLUDE

__all__ = [
    "ApplyOptions",
    "ApplyResult",
    "LiveReader",
    "Outcome",
    "Status",
    "apply_plan",
    "live_reader",
    "preflight",
]


def live_reader(client: Any, plan: Plan, default_pricelist_id: int | None) -> LiveReader:
    """Re-reads for apply: product details with every include (categories, per-stock amounts,
    per-pricelist prices), converted by ``live_convert`` exactly as ``plan`` converts them,
    concurrently within the client's in-flight cap."""
    pricelist = plan.pricelist_id or default_pricelist_id

    def read(guids: Sequence[str]) -> dict[str, Any]:
        details = client.get_products(guids, include=DETAIL_INCLUDE)
        return {
            g: None
            if d is None
            else product_from_detail(
                d, pricelist_id=pricelist, default_pricelist_id=default_pricelist_id
            )
            for g, d in details.items()
        }

    return read


def writable_changes(plan: Plan, default_pricelist_id: int | None) -> tuple[Change, ...]:
    """The plan's changes as apply writes them. Shoptet's product create puts each variant's
    ``price`` in the e-shop's *default* pricelist; when the plan's pricelist is another one,
    the create is sent without prices and the price step writes them to the plan's pricelist
    (added to the plan's price change for that code, or as a new one)."""
    pricelist = plan.pricelist_id
    if pricelist is None or default_pricelist_id is None or pricelist == default_pricelist_id:
        return plan.changes
    moved: dict[tuple[str, str], FieldChange] = {}
    out = []
    for c in plan.changes:
        if c.resource is Resource.PRODUCT and c.action is Action.CREATE:
            fields = []
            for f in c.fields:
                if f.field == "variants":
                    variants = {}
                    for code, post in (f.after or {}).items():
                        post = dict(post)
                        if "price" in post:
                            moved[(c.guid, code)] = FieldChange("price", None, post.pop("price"))
                        variants[code] = post
                    f = replace(f, after=variants)
                fields.append(f)
            c = replace(c, fields=tuple(fields))
        out.append(c)
    for i, c in enumerate(out):
        if c.resource is Resource.PRICE and c.action is Action.CREATE:
            extra = moved.pop((c.guid, c.code or ""), None)
            if extra is not None:
                out[i] = replace(c, fields=(*c.fields, extra))
    for (guid, code), f in sorted(moved.items()):
        out.append(Change(Action.CREATE, Resource.PRICE, guid, code, fields=(f,)))
    return tuple(out)


def preflight(
    plan: Plan,
    read_live: LiveReader,
    options: ApplyOptions,
    eshop_id: int | None = None,
    changes: Sequence[Change] | None = None,
) -> list[Check]:
    """Guards, then the e-shop, the catalog digest and compare-before-write. Raises
    ``UnsafePlan`` or ``StalePlan``; returns one ``Check`` per change (``changes``, by
    default the plan's)."""
    raise_if_unsafe(plan, allow_delete=options.allow_delete, allow_bulk=options.allow_bulk)
    if plan.is_empty:
        return []
    changes = plan.changes if changes is None else tuple(changes)
    guids = sorted({c.guid for c in changes})
    forms = live_forms(read_live(guids), plan.default_stock_id or 1)
    checks = check_all(changes, forms, created_keys(changes))
    problems = [describe(k) for k in checks if k.verdict is Verdict.CONFLICT]
    if plan.eshop_id is not None and eshop_id is not None and plan.eshop_id != eshop_id:
        problems.insert(
            0, f"the plan was made for e-shop {plan.eshop_id}, but the token is for {eshop_id}"
        )
    if options.catalog_digest is not None and options.catalog_digest != plan.catalog_digest:
        problems.insert(
            0,
            f"the catalog files changed since the plan (digest {plan.catalog_digest[:12]} "
            f"in the plan, {options.catalog_digest[:12]} now)",
        )
    if problems:
        raise E.StalePlan(
            f"The plan is stale: {len(problems)} thing(s) changed since it was made. Nothing "
            "was written. Run `plan` again and review the new plan:\n"
            + "\n".join(f"  {p}" for p in problems),
            problems,
        )
    return checks


def apply_plan(
    plan: Plan,
    client: Any,
    read_live: LiveReader | None = None,
    options: ApplyOptions | None = None,
    journal: Journal | None = None,
) -> ApplyResult:
    """Apply ``plan`` with a read-write ``client``. Raises ``UnsafePlan`` / ``StalePlan``
    before writing anything; otherwise returns the result (``raise_for_failures`` for exit 1)."""
    options = options or ApplyOptions()
    if plan.is_empty:
        raise_if_unsafe(plan, allow_delete=options.allow_delete, allow_bulk=options.allow_bulk)
        return ApplyResult(plan.plan_id)
    eshop = client.get_eshop()
    default_pricelist = as_int(eshop.default_pricelist_id)
    if read_live is None:
        read_live = live_reader(client, plan, default_pricelist)
    changes = writable_changes(plan, default_pricelist)
    checks = preflight(plan, read_live, options, as_int(eshop.eshop_id), changes)
    journal = journal or Journal(None, plan.plan_id)
    run = Executor(plan, changes, client, read_live, journal, options)
    run.execute(checks)
    return run.result
