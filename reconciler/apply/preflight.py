"""Apply a plan: exactly the approved changes, safely (DESIGN §6).

    result = apply_plan(plan, client, loaded_catalog, options=ApplyOptions(...), journal=j)

``apply_plan`` (``reconciler.pipeline``) runs the steps below in order; this module holds them.

The plan file is only a claim; the checked-out catalog and the live shop are the authority
(``reconciler.apply.authority``). Before the first write, in this order:

1. **Header** (exit 4): the e-shop, pricelist and default stock apply derives now (the token's
   e-shop, ``shop.yaml``) must be the plan's, its tool version this one, its catalog digest
   the checked-out catalog's.
2. **Guards** (exit 3): recomputed here from the plan's changes, the live count of managed
   products (one product list read), open orders' claims on what it deletes or hides (read
   now) and the base policy (``ApplyOptions.policy``; default the
   catalog's). The verdicts stored in the plan are never read.
3. **Compare-before-write and the catalog's authority** (exit 4): every product the plan
   touches is re-read (``read_live``, concurrently within the client's cap) and each change is
   checked (``apply_check``): live equals ``after`` -> done (skipped, so re-running a plan after
   a crash finishes what is left), live equals ``before`` -> write, else a conflict. The diff
   of the catalog against those live values must produce every value apply would write.
4. **Approval** (``approve``), only now that everything checked out.

Then the writes, as the write program orders and batches them (``program.py``, pure): product
creates (one POST each, with the catalog's GUID and the product's variant, stock and price
creates grouped into it), product updates (one PATCH per product with only the fields still to
write, variant items by exact code), prices (pricelist PATCH, <= 300 rows, including what a
create cannot carry), stock (``realStock`` movements per stock, <= 300 items), then deletions
(variants, then products); ``executor.py`` sends them.
A lost response (``WriteOutcomeUnknown``) re-reads the products it touched before anything
else: what is live is done, what is not is sent again (``resends`` times at most). Per-item
errors on a 200 fail those items; the rest stays applied. One journal line per write attempt
(``journal.py``). Finally the written changes are re-read; anything that still differs is
reported (``ApplyResult.unconverged``), not retried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler import errors as E
from reconciler.apply.authority import header_problems, unproduced
from reconciler.apply.check import (
    Check,
    Verdict,
    check_all,
    created_keys,
    describe,
    live_forms,
    renamed_keys,
)
from reconciler.apply.result import (
    ApplyOptions,
    ApplyResult,
    LiveReader,
    Outcome,
    Status,
)
from reconciler.desired.load import LoadedCatalog
from reconciler.live.base import ShopInfo
from reconciler.live.convert import product_from_detail
from reconciler.live.flags import needs_flags, read_flags
from reconciler.live.params import needs_filtering, needs_registry, read_registry
from reconciler.model import Catalog, Policy
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.filtering import FILTERING_RESOURCES
from reconciler.plan.flag_changes import bind, new_flag_codes, shop_flags, unbound
from reconciler.plan.guards import GuardPolicy, VariantClaims, compute_guards
from reconciler.plan.model import (
    Action,
    Change,
    GuardVerdict,
    Plan,
    Resource,
    Scope,
)
from reconciler.references import states_prices
from reconciler.shoptet.client import DETAIL_INCLUDE

__all__ = [
    "ApplyOptions",
    "ApplyResult",
    "LiveReader",
    "Outcome",
    "Status",
    "apply_guards",
    "fresh_changes",
    "live_reader",
    "preflight",
    "preflight_revert",
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


def apply_guards(
    plan: Plan,
    desired: Catalog,
    live_guids: Iterable[str],
    policy: Policy | None = None,
    claims: Mapping[str, VariantClaims] | None = None,
    stock_claims: Mapping[str, str] | None = None,
) -> tuple[GuardVerdict, ...]:
    """The guard verdicts apply enforces, computed here and never read from the plan file: the
    plan's changes, the live count of managed products (from the product list read now) and
    ``policy`` (the base's, see ``ApplyOptions.policy``; default: the catalog's), and
    ``claims``: what open orders claim, read now (``live.claims.claims_for``);
    ``stock_claims``: the claims where the plan sets stock, read now (``live.claims.read_stock_claims``;
    None when the policy does not refuse stock below the claim)."""
    wanted = {g.lower() for g in desired.products}
    live = {g.lower() for g in live_guids}
    existing = len(live & wanted)
    if desired.policy.prune:  # as the diff counts it: pruned products were managed too
        existing += len(live - wanted)
    # A product this plan deletes that is gone already (a re-run after a crash) existed when
    # planned. Counting it cannot help a forged plan: it adds to the deletions as much.
    existing += len(
        {
            c.guid
            for c in plan.changes
            if c.resource is Resource.PRODUCT and c.action is Action.DELETE
        }
        - live
    )
    return compute_guards(
        plan.changes,
        policy=GuardPolicy.from_policy(policy or desired.policy),
        existing_managed=existing,
        claims=claims,
        stock_claims=stock_claims,
    )


def fresh_changes(
    catalog: LoadedCatalog,
    live: dict[str, Any],
    shop: ShopInfo,
    registry: Any = None,
    flags: Any = None,
    pricelists: dict[int, str | None] | None = None,
) -> tuple[Change, ...]:
    """What the checked-out catalog changes now on the products in ``live`` (GUID -> live
    product read for compare-before-write, None when it is not in the shop), with the
    variant-parameter ``registry`` apply re-read (when a product states parameters)."""
    present = {g.lower(): p for g, p in live.items() if p is not None}
    context = PlanContext(
        catalog_digest=catalog.digest,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
        purchase_prices=shop.pricelist_id in (None, shop.default_pricelist_id),
        scope=Scope.targeted(sorted(g.lower() for g in live)),
        parameters=registry,
        variant_rule=True,
        flags=flags,
        pricelists=pricelists,
        image_lock=catalog.image_lock,
    )
    live_catalog = Catalog.model_construct(products=present)
    return diff(catalog.catalog, live_catalog, locations=catalog.locations, context=context).changes


def verify_header(plan: Plan, shop: ShopInfo, options: ApplyOptions) -> None:
    """The e-shop, pricelist, default stock, tool version and catalog digest; ``StalePlan``
    (exit 4) before anything is read in detail or written."""
    problems = header_problems(
        plan,
        eshop_id=shop.eshop_id,
        pricelist_id=shop.pricelist_id,
        default_stock_id=shop.default_stock_id,
    )
    if options.catalog_digest is not None and options.catalog_digest != plan.catalog_digest:
        problems.insert(
            0,
            f"the catalog files changed since the plan (digest {plan.catalog_digest[:12]} "
            f"in the plan, {options.catalog_digest[:12]} now)",
        )
    if problems:
        raise _stale(problems)


def _needs_registry(plan: Plan, catalog: LoadedCatalog) -> bool:
    """The registry is re-read when the plan adds to it or a product it touches states
    variant parameters (the fresh diff resolves them)."""
    params = (Resource.PARAMETER, Resource.PARAMETER_VALUE, *FILTERING_RESOURCES)
    return any(c.resource in params for c in plan.changes) or needs_registry(
        catalog.catalog, {c.guid for c in plan.changes if not c.resource.registry}
    )


def preflight(
    plan: Plan,
    catalog: LoadedCatalog,
    read_live: LiveReader,
    shop: ShopInfo,
    client: Any = None,
) -> list[Check]:
    """Compare-before-write and the catalog's authority: re-read every product the plan
    touches, check each change against it, and re-derive the changes from the checked-out
    catalog (``authority.unproduced``). Raises ``StalePlan`` (exit 4) naming every problem;
    returns one ``Check`` per change of the plan (a product's flags naming a flag the plan
    creates bound to its code when the flag exists now: ``plan.flag_changes``). ``client`` reads the variant-parameter
    registry when the plan needs it (``live.params``)."""
    guids = {c.guid for c in plan.changes if not c.resource.registry}
    registry = None
    if client is not None and _needs_registry(plan, catalog):
        filtering = any(c.resource in FILTERING_RESOURCES for c in plan.changes)
        registry = read_registry(
            client, filtering=filtering or needs_filtering(catalog.catalog, guids)
        )
    flags = (
        read_flags(client)
        if client is not None
        and (
            any(c.resource is Resource.FLAG or unbound(c) for c in plan.changes)
            or needs_flags(catalog.catalog, guids)
        )
        else None
    )
    # a flag the plan creates that exists now (a re-run): its products are checked by code
    changes = [bind(c, new_flag_codes(shop_flags(flags))) for c in plan.changes]
    live = read_live(sorted(guids))
    forms = live_forms(live, shop.default_stock_id)
    checks = check_all(
        changes,
        forms,
        created_keys(changes),
        registry,
        renamed_keys(changes),
        None if flags is None else shop_flags(flags),
    )
    problems = [describe(k) for k in checks if k.verdict is Verdict.CONFLICT]
    if problems:  # the shop moved on: say so; the catalog check would only echo it
        raise _stale(problems)
    # the names under ``prices:`` resolve against the pricelists as they are now (one request)
    pricelists = (
        {p.id: p.name for p in client.get_pricelists()}
        if client is not None and states_prices(catalog.catalog, guids)
        else None
    )
    fresh = fresh_changes(catalog, live, shop, registry, flags, pricelists)
    forged = unproduced(changes, checks, fresh)
    if forged:
        raise E.StalePlan(
            f"The plan does not match the checked-out catalog: {len(forged)} change(s) are not "
            "what the catalog produces (a plan from another catalog, or an edited plan file). "
            "Nothing was written. Run `plan` again on this catalog and review the new plan:\n"
            + "\n".join(f"  {p}" for p in forged),
            forged,
        )
    return checks


def preflight_revert(
    plan: Plan, read_live: LiveReader, shop: ShopInfo, client: Any = None
) -> list[Check]:
    """Compare-before-write for a revert plan (``apply.revert``): its changes come from the
    journal, not the catalog, so there is no authority check; a field changed since the apply
    is a conflict (``StalePlan``, exit 4) and is never overwritten."""
    live = read_live(sorted({c.guid for c in plan.changes if not c.resource.registry}))
    forms = live_forms(live, shop.default_stock_id)
    checks = check_all(
        plan.changes, forms, created_keys(plan.changes), None, renamed_keys(plan.changes)
    )
    problems = [describe(k) for k in checks if k.verdict is Verdict.CONFLICT]
    if problems:
        raise E.StalePlan(
            f"The revert conflicts with the shop: {len(problems)} thing(s) changed since the "
            'apply it undoes ("planned from" is the value the apply wrote). Nothing was '
            "written; a value changed after the apply is never overwritten by a revert. Decide "
            "by hand, or change the catalog and run plan and apply:\n"
            + "\n".join(f"  {p}" for p in problems),
            problems,
        )
    return checks


def _stale(problems: list[str]) -> E.StalePlan:
    return E.StalePlan(
        f"The plan is stale: {len(problems)} thing(s) changed since it was made. Nothing "
        "was written. Run `plan` again and review the new plan:\n"
        + "\n".join(f"  {p}" for p in problems),
        problems,
    )
