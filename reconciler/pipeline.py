"""The two pipelines, step by step. Each step is one call into the module that does it.

plan  (``make_plan(client, loaded, PlanRequest(...))``):
    1. read the shop: e-shop, stocks, shop.yaml's overrides -> ShopInfo   live.read.read_shop
    2. check references the catalog names: categories, brands, VAT   live.read.read_references
       rates, availabilities, stocks, pricelist (one read per kind     live.read.raise_for_references
       stated, none for a kind it does not)
    3. resolve the scope: --target values and/or --changed-since        resolve_scope
    4. choose the live source: scoped, cached, snapshot or a full read  live_source
    5. read the live side                                               LiveSource.read
       and the variant parameters the diff needs: the live ones of a product that gains a
       variant, the shop's registry when a variant states some          live.params
    6. diff desired against live into a Plan, with the names of the     plan.diff.diff
       ids it mentions (display only), and the customer groups of the  references.plan_names
       other pricelists it changes (one read, only then)               live.groups
    7. when the plan deletes or hides something: what open orders       live.claims
       claim of it, for the open-orders guard (no request otherwise);
       when it sets stock: the claims there (from the detail reads, or
       read fresh when the live side came from the cache), shown beside
       stock and, with policy.stockBelowClaim: refuse, a guard
    8. with shop.yaml shop.bestSellerOrders: orders in 30 days per      live.sales
       price change or hide (display only, capped)

apply (``apply_plan(plan, client, loaded, ...)``):
    1. read the shop and check the plan's header against it      apply.preflight.verify_header
    2. recompute the guards (live product count, base policy,    apply.preflight.apply_guards
       open orders' claims read now, per variant and per stock)
    3. preflight: compare-before-write and the catalog's authority   apply.preflight.preflight
    4. approval (``approve``)
    5. execute the writes                                        apply.executor.Executor
    6. converge: re-read what was written, report what differs   (the executor, after writing)

Both read the shop once (step 1) into a ``ShopInfo``; every later step takes the default stock
and the pricelist from it. Step 2 runs before any live source, so full, scoped and cached plans
are checked alike; a bad reference stops the plan before any product is read. Apply re-checks
nothing there: it executes a plan that was checked. The client is typed by the ports each pipeline needs
(``reconciler.ports``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from reconciler.apply.executor import Executor
from reconciler.apply.journal import Journal
from reconciler.apply.preflight import (
    apply_guards,
    live_reader,
    preflight,
    preflight_revert,
    verify_header,
)
from reconciler.apply.result import ApplyOptions, ApplyResult, LiveReader
from reconciler.apply.revert import RevertSource, outside_catalog, revert_plan
from reconciler.assignments import assign_ids, unit_ids
from reconciler.desired.load import LoadedCatalog
from reconciler.errors import ConfigError, StalePlan, UnsafePlan
from reconciler.live.base import ShopInfo
from reconciler.live.cached import CachedRead
from reconciler.live.claims import claims_for, read_stock_claims
from reconciler.live.flags import needs_flags, read_flags
from reconciler.live.groups import read_pricelist_groups
from reconciler.live.links import read_product_names
from reconciler.live.params import (
    complete_live,
    needs_filtering,
    needs_registry,
    needs_variant_registry,
    read_registry,
)
from reconciler.live.read import (
    FullRead,
    ScopedRead,
    raise_for_references,
    read_assignment_lists,
    read_references,
    read_shop,
    resolve_targets,
)
from reconciler.live.sales import read_sales, sales_targets
from reconciler.live.snapshot import SnapshotRead, SnapshotSettings
from reconciler.model import Catalog, Policy, Product
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.guards import (
    GuardPolicy,
    open_orders_verdict,
    sets_stock,
    stock_below_claim_verdict,
)
from reconciler.plan.links import link_names, stated_targets
from reconciler.plan.model import (
    Action,
    CatalogEntry,
    Plan,
    Resource,
    Scope,
    hashed_content,
    raise_if_unsafe,
)
from reconciler.plan.param_changes import parameter_names
from reconciler.ports import ApplyClient, DetailReader, LiveSource, PlanClient, Progress
from reconciler.references import (
    ASSIGNMENT_LISTS,
    UNITS,
    ShopReferences,
    plan_names,
    stated_kinds,
)

__all__ = ["PlanRequest", "apply_plan", "live_source", "make_plan", "resolve_scope"]

READ_MODES = ("details", "snapshot", "auto")
# --read auto: a snapshot pays off when the detail reads (about 10 a second) would take longer
# than a snapshot job plus its download; below this many managed products, details win.
AUTO_MIN_PRODUCTS = 500
_ABSENT = attrgetter("absent")  # a tombstone: not managed


@dataclass(frozen=True)
class PlanRequest:
    """What to plan and how to read it. The default is a full plan read without the cache."""

    targets: Iterable[str] = ()  # --target values: product GUIDs or variant codes
    scope: Iterable[str] | None = None  # GUIDs in scope (--changed-since); None: every product
    ref: str | None = None  # the git ref ``scope`` came from, and the commit it resolved to
    ref_commit: str | None = None
    base_policy: Policy | None = None  # shop.yaml's policy at the base, for the guards
    removed: Iterable[CatalogEntry] = ()  # removed from the YAML since ``ref`` (display only)
    cache_dir: Path | None = None  # --cache: a full plan reads through this incremental cache
    read: str = "details"  # --read: details, snapshot or auto (full plans only)
    snapshot: SnapshotSettings = field(default_factory=SnapshotSettings, compare=False)
    git_commit: str | None = None  # HEAD of the catalog's work tree, recorded in the plan
    progress: Progress | None = field(default=None, compare=False)
    notice: Callable[[str], None] | None = field(default=None, compare=False)  # one-line notes

    def __post_init__(self) -> None:
        # Frozen, so normalise once here: a generator or a set in, a tuple / frozenset kept.
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "removed", tuple(self.removed))
        if self.scope is not None:
            object.__setattr__(self, "scope", frozenset(self.scope))


class _ProductNames(Mapping[str, str | None]):
    """GUID -> name for the plan's link changes: the catalog's name where it states one, else
    the live product's, else the one looked up. A view, not a copy: a pull request's plan
    names a few products of 100,000."""

    def __init__(
        self,
        desired: Mapping[str, Product],
        live: Mapping[str, Product],
        linked: Mapping[str, str | None],
    ) -> None:
        self._desired, self._live, self._linked = desired, live, linked

    def __getitem__(self, guid: str) -> str | None:
        product = self._desired.get(guid)
        if product is not None and product.name:
            return product.name
        product = self._live.get(guid)
        if product is not None:
            return product.name
        return self._linked[guid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._desired.keys() | self._live.keys() | self._linked.keys())

    def __len__(self) -> int:
        return len(self._desired.keys() | self._live.keys() | self._linked.keys())


def make_plan(
    client: PlanClient, loaded: LoadedCatalog, request: PlanRequest | None = None
) -> Plan:
    """Read the live shop for a loaded catalog (``desired.load_catalog``) and diff: the plan."""
    request = request or PlanRequest()
    desired = loaded.catalog
    shop = read_shop(client, desired.shop)  # 1
    refs = read_references(client, desired, shop)  # 2
    raise_for_references(desired, refs, loaded.locations)
    lists = assignment_lists(refs)
    desired = assign_ids(desired, lists)  # warranty, unit, supplier, measure units -> ids
    guids, scope = resolve_scope(client, desired, request)  # 3
    managed = len(desired.products) - sum(map(_ABSENT, desired.products.values()))
    source = live_source(client, request, guids, prune=desired.policy.prune, managed=managed)  # 4
    live = source.read(desired, shop, request.progress)  # 5
    live_catalog = complete_live(client, desired, live.catalog, shop, guids)
    if refs.units is not None:  # a detail names a variant's unit; the catalog means its id
        products = unit_ids(live_catalog.products, refs.units)
        live_catalog = live_catalog.model_copy(update={"products": products})
    registry = (  # one read per registry the products in scope use
        read_registry(
            client,
            filtering=needs_filtering(desired, guids),
            variant=needs_variant_registry(desired, guids),
        )
        if needs_registry(desired, guids)
        else None
    )
    flags = read_flags(client) if needs_flags(desired, guids) else None
    # link targets neither the catalog nor the live read has: looked up (none: no request)
    unseen = stated_targets(desired.products, guids)
    unseen -= set(desired.products) | set(live_catalog.products)
    linked = read_product_names(client, unseen) if unseen else {}
    context = PlanContext(  # 6
        catalog_digest=loaded.digest,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
        purchase_prices=shop.pricelist_id in (None, shop.default_pricelist_id),
        git_commit=request.git_commit,
        scope=scope,
        base_policy=request.base_policy,
        parameters=registry,
        variant_rule=True,
        removed=tuple(request.removed),
        flags=flags,
        pricelists=dict(refs.pricelists) if refs.pricelists is not None else None,
        image_lock=loaded.image_lock,
        products=linked,
    )
    plan = diff(desired, live_catalog, locations=loaded.locations, context=context)
    # a tombstone's live read has no variants: it then goes per stock (live.claims)
    codes = {g: list(p.variants) for g, p in live_catalog.products.items() if p.variants}
    claims = claims_for(client, plan.changes, shop.stocks or (shop.default_stock_id,), codes)  # 7
    if claims is not None:
        plan = replace(plan, guards=(*plan.guards, open_orders_verdict(plan.changes, claims)))
    stocks = sets_stock(plan.changes)
    if stocks and not live.claims_read:  # the cache keeps no claims: read them now
        live = replace(live, claims=read_stock_claims(client, stocks))
    policy = GuardPolicy.from_policy(request.base_policy or desired.policy)
    if stocks and policy.refuses_stock_below_claim:
        verdict = stock_below_claim_verdict(plan.changes, live.claims)
        plan = replace(plan, guards=(*plan.guards, verdict))
    default_name = (
        shop.default_pricelist_name if shop.pricelist_id == shop.default_pricelist_id else None
    )
    stock_claims = {  # display only: what open orders claim where the plan sets stock
        key: live.claims[key]
        for c in plan.changes
        if c.resource is Resource.STOCK and (key := f"{c.code}@{c.stock_id}") in live.claims
    }
    parameters, parameter_values = parameter_names(plan.changes, registry)
    known = _ProductNames(desired.products, live_catalog.products, linked)
    names = replace(
        plan_names(plan, refs, default_name),
        currency=shop.currency,
        claims=stock_claims,
        # display only: who buys from the other pricelists the plan changes (<= 1 request)
        pricelist_groups=read_pricelist_groups(
            client, {c.pricelist_id for c in plan.changes if c.pricelist_id is not None}
        ),
        products=link_names(plan.changes, known),
        parameters=parameters,  # display only, like every name
        parameter_values=parameter_values,
    )
    threshold = desired.shop.bestSellerOrders
    if threshold is not None:  # 8, display only
        targets = sales_targets(plan.changes, live_catalog)
        sales, unread = read_sales(client, targets, datetime.now(UTC))
        names = replace(names, sales=sales, sales_unread=unread, best_seller=threshold)
    return replace(plan, names=names)


def resolve_scope(
    client: DetailReader, desired: Catalog, request: PlanRequest
) -> tuple[frozenset[str] | None, Scope]:
    """The GUIDs to read (None: the whole shop) and the plan's ``Scope``. Targets and a
    ``--changed-since`` scope together plan their union, every GUID named in the scope."""
    targets, scope = request.targets, request.scope
    if targets:
        guids = resolve_targets(client, desired, targets)
        if scope is not None:
            targets = (*targets, *sorted(set(scope) - guids))
            guids = guids | frozenset(g.lower() for g in scope)
        return guids, Scope.targeted(targets, request.ref, request.ref_commit)
    if scope is not None:
        scope = frozenset(scope)
        return scope, Scope.targeted(sorted(scope), request.ref, request.ref_commit)
    return None, Scope()


def live_source(
    client: PlanClient,
    request: PlanRequest,
    scope: frozenset[str] | None,
    *,
    prune: bool,
    managed: int = 0,
) -> LiveSource:
    """The one place that chooses how the live side is read: a scoped plan reads its
    products directly; a full plan reads through the cache with ``--cache`` (what changed by
    a ``changeTimeFrom`` snapshot with ``--read snapshot``, or ``auto`` from
    ``AUTO_MIN_PRODUCTS`` changed products), through the products snapshot with ``--read
    snapshot`` (or ``auto`` and at least ``AUTO_MIN_PRODUCTS`` ``managed`` products), else in
    full."""
    if scope is not None:
        if request.cache_dir is not None and request.notice is not None:
            request.notice(
                "Note: --cache serves full plans only; this scoped plan reads its products "
                "directly."
            )
        if request.read == "snapshot" and request.notice is not None:
            request.notice(
                "Note: --read snapshot serves full plans only; this scoped plan reads its "
                "products directly."
            )
        return ScopedRead(client, scope, prune=prune)
    if request.cache_dir is not None:  # with --read snapshot|auto: changed products by export
        exported = request.read != "details"
        return CachedRead(
            client,
            request.cache_dir,
            notice=request.notice,
            snapshot=request.snapshot if exported else None,
            snapshot_from=AUTO_MIN_PRODUCTS if request.read == "auto" else 1,
        )
    if request.read == "snapshot" or (request.read == "auto" and managed >= AUTO_MIN_PRODUCTS):
        return SnapshotRead(
            client, FullRead(client), notice=request.notice, settings=request.snapshot
        )
    return FullRead(client)


def apply_plan(
    plan: Plan,
    client: ApplyClient,
    catalog: LoadedCatalog,
    read_live: LiveReader | None = None,
    options: ApplyOptions | None = None,
    journal: Journal | None = None,
    approve: Callable[[Plan], None] | None = None,
    revert: RevertSource | None = None,
) -> ApplyResult:
    """Apply ``plan`` with a read-write ``client``, with ``catalog`` (the checked-out one) as
    the authority for every change (``reconciler.apply.preflight`` tells how). Raises
    ``UnsafePlan`` / ``StalePlan`` before writing anything; ``approve`` (if given) is called
    after every check passed and before the first write, and may raise to cancel. Returns the
    result (``raise_for_failures`` for exit 1). ``read_live`` replaces the re-reads (tests).

    ``revert``: ``plan`` is a revert plan (``shoptet-catalog revert``) and this the journal it
    was made from. Its changes are derived again from the journal and must be the plan's; the
    catalog is not their authority (it still gives the guards' policy and the managed count)."""
    options = options or ApplyOptions()
    if revert is not None:
        plan = _revert_of(plan, revert)
        raise_if_outside(plan, catalog.catalog)
        options = replace(options, catalog_digest=None)
    elif plan.revert_of is not None:
        raise ConfigError(
            "this is a revert plan (from `shoptet-catalog revert`); apply it with the journal "
            "it undoes: `apply --revert JOURNAL PLAN`. Nothing was written."
        )
    if plan.is_empty:
        return ApplyResult(plan.plan_id)
    shop: ShopInfo = read_shop(client, catalog.catalog.shop)  # 1
    verify_header(plan, shop, options)
    live_guids = [p.guid for p in client.iter_products()]  # 2
    # read now, never taken from the plan file: orders arrive between plan and apply
    claims = claims_for(client, plan.changes, shop.stocks or (shop.default_stock_id,))
    policy = GuardPolicy.from_policy(options.policy or catalog.catalog.policy)
    stocks = sets_stock(plan.changes)
    refuse = stocks and policy.refuses_stock_below_claim
    at_stock = read_stock_claims(client, stocks) if refuse else None
    raise_if_unsafe(
        apply_guards(plan, catalog.catalog, live_guids, options.policy, claims, at_stock),
        allow_delete=options.allow_delete,
        allow_bulk=options.allow_bulk,
        allow_price=options.allow_price,
        allow_open_orders=options.allow_open_orders,
        allow_stock_below_claim=options.allow_stock_below_claim,
    )
    if read_live is None:  # 3
        read_live = live_reader(client, plan, shop.default_pricelist_id)
    catalog, read_live = _by_ids(client, catalog, read_live, plan)
    if revert is not None:
        checks = preflight_revert(plan, read_live, shop, client)
    else:
        checks = preflight(plan, catalog, read_live, shop, client)
    if approve is not None:  # 4
        approve(plan)
    journal = journal or Journal(None, plan.plan_id)
    run = Executor(  # 5, 6
        plan,
        tuple(k.change for k in checks),
        client,
        read_live,
        journal,
        options,
        default_pricelist_id=shop.default_pricelist_id,
        image_lock=catalog.image_lock,
    )
    run.execute(checks)
    return run.result


def _by_ids(
    client: Any, catalog: LoadedCatalog, read_live: LiveReader, plan: Plan
) -> tuple[LoadedCatalog, LiveReader]:
    """The catalog with warranty, unit, supplier and measure unit names as ids, and a live
    reader that
    reads units as ids (``reconciler.assignments``), for the products the plan touches: the
    same forms the plan compared, so apply re-derives the plan's values. Units are read as
    ids too when the plan deletes something (the journal keeps what it deletes, and a revert
    writes that back by id) or writes a unit (a revert plan)."""
    guids = {c.guid for c in plan.changes if not c.resource.registry}
    touched = catalog.catalog.model_copy(
        update={"products": {g: p for g, p in catalog.catalog.products.items() if g in guids}}
    )
    kinds = set(stated_kinds(touched))
    if any(
        c.action is Action.DELETE or any(f.field == "unit" for f in c.fields) for c in plan.changes
    ):
        kinds.add(UNITS)
    lists = read_assignment_lists(client, kinds)
    if not lists:
        return catalog, read_live
    units = lists.get(UNITS)
    resolved = replace(catalog, catalog=assign_ids(catalog.catalog, lists))
    if units is None:
        return resolved, read_live

    def read(guids: Sequence[str]) -> dict[str, Any]:
        return unit_ids(read_live(guids), units)

    return resolved, read


def assignment_lists(refs: ShopReferences) -> dict[str, Any]:
    return {k: getattr(refs, k) for k in ASSIGNMENT_LISTS}


def raise_if_outside(plan: Plan, desired: Catalog) -> None:
    """``UnsafePlan`` (exit 3, no flag allows it) when a revert writes to products the catalog
    does not mention (``apply.revert.outside_catalog``)."""
    outside = outside_catalog(plan.changes, desired.products)
    if outside:
        raise UnsafePlan(
            f"The revert writes to {len(outside)} thing(s) of products the catalog does not "
            "mention; an apply of this catalog never wrote there, so the journal is another "
            "catalog's or was edited. Nothing was written. (Revert before merging the catalog's "
            "`git revert`, while the catalog still mentions those products.)\n"
            + "\n".join(f"  {o}" for o in outside[:50])
        )


def _revert_of(plan: Plan, source: RevertSource) -> Plan:
    """The revert plan derived again from the journal ``source``, when ``plan`` is exactly it
    (the reviewed file is only a claim: its values are never used)."""
    if plan.revert_of is None:
        raise ConfigError(
            "--revert takes a plan made by `shoptet-catalog revert`; this plan is not one. "
            "Nothing was written."
        )
    if plan.revert_of != source.digest:
        raise StalePlan(
            f"the plan reverts a journal with digest {plan.revert_of[:12]}, but {source.name} "
            f"has digest {source.digest[:12]} (another journal, or an edited one). Nothing was "
            "written. Run `revert` on the journal again and review the new plan.",
            ["journal digest"],
        )
    derived = replace(revert_plan(source, catalog_digest=plan.catalog_digest), guards=plan.guards)
    mine = [hashed_content({"changes": [c.to_dict()]}) for c in plan.changes]
    again = [hashed_content({"changes": [c.to_dict()]}) for c in derived.changes]
    if mine != again or (plan.eshop_id, plan.pricelist_id, plan.default_stock_id) != (
        derived.eshop_id,
        derived.pricelist_id,
        derived.default_stock_id,
    ):
        raise StalePlan(
            "the revert plan's changes are not the ones its journal gives (an edited plan "
            "file, or one from another version). Nothing was written. Run `revert` on the "
            "journal again and review the new plan.",
            ["revert plan differs from its journal"],
        )
    return derived
