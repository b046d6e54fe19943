"""The two pipelines, step by step. Each step is one call into the module that does it.

plan  (``make_plan``):
    1. read the shop: e-shop, stocks, shop.yaml's overrides          live.read.read_shop
    2. check references the catalog names (stock ids)                live.read.check_stock_ids
    3. resolve the scope: --target values and/or --changed-since     live.read.resolve_targets
    4. choose the live source: scoped, cached or a full read         live.read / live.cached
    5. read the live side                                            (the chosen source)
    6. diff desired against live into a Plan                         plan.diff.diff

apply (``reconciler.apply.preflight.apply_plan``):
    1. read the shop and check the plan's header against it
    2. recompute the guards (live product count, base policy)
    3. preflight: compare-before-write and the catalog's authority
    4. approval, then the writes (apply.executor), then convergence
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from reconciler.live.cached import read_live_cached
from reconciler.live.read import (
    Progress,
    check_stock_ids,
    read_live,
    read_shop,
    resolve_targets,
)
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.model import Plan, Scope

__all__ = ["make_plan"]


def make_plan(
    client: Any,
    loaded: Any,
    *,
    targets: Iterable[str] = (),
    scope: Collection[str] | None = None,
    ref: str | None = None,
    ref_commit: str | None = None,
    git_commit: str | None = None,
    progress: Progress | None = None,
    cache_dir: Any = None,
    notice: Callable[[str], None] | None = None,
    base_policy: Any = None,
) -> Plan:
    """Read the live shop for a loaded catalog (``desired.load_catalog``) and diff: the plan.

    ``targets`` (``--target`` values) narrow the plan to those products; ``scope`` (a set of
    GUIDs, e.g. from ``--changed-since REF``, with ``ref`` naming it and ``ref_commit`` the
    commit it resolved to) does the same without resolving. Without either, the whole catalog
    and shop are compared, through the incremental cache in ``cache_dir`` when given
    (``reconciler.live.cached``; ``notice`` gets its one-line report). ``base_policy``:
    shop.yaml's policy at the base, for the guards (see ``diff.PlanContext``)."""
    desired = loaded.catalog
    shop = read_shop(client, desired.shop)
    check_stock_ids(desired, shop, loaded.locations)
    targets = tuple(targets)
    plan_scope = Scope()
    if targets:
        guids = resolve_targets(client, desired, targets)
        if scope is not None:  # both: the union, every GUID named in the plan's scope
            targets = (*targets, *sorted(set(scope) - guids))
            guids = guids | frozenset(g.lower() for g in scope)
        scope = guids
        plan_scope = Scope.targeted(targets, ref, ref_commit)
    elif scope is not None:
        plan_scope = Scope.targeted(sorted(scope), ref, ref_commit)
    if scope is None and cache_dir is not None:
        live = read_live_cached(
            client, desired, shop=shop, cache_dir=cache_dir, progress=progress, notice=notice
        )
    else:
        live = read_live(
            client, desired, shop=shop, scope=scope, progress=progress, prune=desired.policy.prune
        )
    context = PlanContext(
        catalog_digest=loaded.digest,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
        git_commit=git_commit,
        scope=plan_scope,
        base_policy=base_policy,
    )
    return diff(desired, live.catalog, locations=loaded.locations, context=context)
