"""Helpers for the live-cache tests: a shared fake clock for the sandbox and the cache, an
in-process demo sandbox, and plans made cold, cached and scoped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from reconciler.desired.load import load_catalog
from reconciler.live.cached import read_live_cached
from reconciler.live.params import complete_live, needs_registry, read_registry
from reconciler.live.read import read_live, read_shop
from reconciler.live.snapshot import SnapshotSettings
from reconciler.pipeline import PlanRequest, make_plan
from reconciler.plan.diff import PlanContext, diff
from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import sandbox_client

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "catalog"


class Clock:
    """One clock for the sandbox's change times and the cache's read times."""

    def __init__(self, start: datetime | None = None):
        self.t = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **delta: float) -> None:
        self.t += timedelta(**delta)


def sandbox(clock: Clock, seed: str = "demo") -> Sandbox:
    return Sandbox.from_seed(seed, now=clock, limits=False, request_cost=0.0)  # no pacing waits


def example():
    return load_catalog(EXAMPLE)


def _plan(loaded, live, shop, c):
    # As make_plan: the live variant parameters a new variant needs, the registry when a
    # variant states parameters (issue 14).
    live_catalog = complete_live(c, loaded.catalog, live.catalog, shop)
    registry = read_registry(c) if needs_registry(loaded.catalog, None) else None
    context = PlanContext(
        catalog_digest=loaded.digest,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
        parameters=registry,
        variant_rule=True,
    )
    return diff(loaded.catalog, live_catalog, locations=loaded.locations, context=context)


def cold_plan(sb: Sandbox, loaded):
    """A full plan read with no cache; returns (plan, requests)."""
    with sandbox_client(sb, read_only=True) as c:
        shop = read_shop(c, loaded.catalog.shop)
        live = read_live(c, loaded.catalog, shop=shop)
        return _plan(loaded, live, shop, c), c.request_count


def cached_plan(
    sb: Sandbox,
    loaded,
    cache_dir: Path,
    clock: Clock,
    notices: list | None = None,
    snapshot: SnapshotSettings | None = None,
):
    """A full plan read through the cache in ``cache_dir`` (with ``snapshot``: what changed by
    a changeTimeFrom snapshot, never sleeping); returns (plan, requests)."""
    notices = [] if notices is None else notices
    with sandbox_client(sb, read_only=True) as c:
        shop = read_shop(c, loaded.catalog.shop)
        live = read_live_cached(
            c,
            loaded.catalog,
            shop=shop,
            cache_dir=cache_dir,
            notice=notices.append,
            now=clock,
            snapshot=snapshot,
            sleep=lambda seconds: None,
        )
        return _plan(loaded, live, shop, c), c.request_count


def scoped_plan(sb: Sandbox, loaded, guids):
    with sandbox_client(sb, read_only=True) as c:
        return make_plan(c, loaded, PlanRequest(scope=frozenset(guids), ref="base"))
