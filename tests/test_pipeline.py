"""pipeline.py: a PlanRequest is a value, the live source is chosen in one place, and the
shop settings are resolved once (ShopInfo) and used as resolved."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reconciler.desired.load import load_catalog
from reconciler.live.base import ShopInfo
from reconciler.live.cached import CachedRead
from reconciler.live.read import FullRead, ScopedRead, read_shop
from reconciler.model import Catalog, Product, ShopSettings, Variant
from reconciler.pipeline import PlanRequest, live_source, make_plan, resolve_scope
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.model import Resource, Scope
from reconciler.sandbox import Sandbox
from tests.live.support import loaded
from tests.support.sandbox_client import sandbox_client

EXAMPLE = load_catalog(Path(__file__).resolve().parent.parent / "catalog")
G = "11111111-1111-4111-8111-111111111111"
SCOPED_NOTE = "Note: --cache serves full plans only; this scoped plan reads its products directly."


@pytest.fixture
def demo():
    return Sandbox.from_seed("demo", limits=False)


def test_a_plan_request_is_a_frozen_value_with_normalised_collections():
    request = PlanRequest(targets=iter(["KAV-COL-250"]), scope={G})
    assert request.targets == ("KAV-COL-250",)
    assert request.scope == frozenset({G})
    assert PlanRequest().scope is None and PlanRequest().targets == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.cache_dir = Path("x")  # type: ignore[misc]


def test_the_live_source_is_scoped_cached_or_full(demo, tmp_path):
    client = sandbox_client(demo, read_only=True)
    notes: list[str] = []
    full = live_source(client, PlanRequest(), None, prune=False)
    cached = live_source(client, PlanRequest(cache_dir=tmp_path), None, prune=False)
    scoped = live_source(
        client, PlanRequest(cache_dir=tmp_path, notice=notes.append), frozenset({G}), prune=True
    )
    assert full == FullRead(client)
    assert cached == CachedRead(client, tmp_path)
    assert scoped == ScopedRead(client, frozenset({G}), prune=True)
    assert notes == [SCOPED_NOTE]  # the cache is not used for a scoped plan, and it says so


def test_a_full_plan_with_a_cache_dir_reads_through_the_cache(demo, tmp_path):
    notes: list[str] = []
    request = PlanRequest(cache_dir=tmp_path / "c", notice=notes.append)
    cold = make_plan(sandbox_client(demo, read_only=True), EXAMPLE, request)
    warm_client = sandbox_client(demo, read_only=True)
    warm = make_plan(warm_client, EXAMPLE, request)
    assert "no cache yet" in notes[0] and "0 product(s) changed" in notes[1]
    assert warm.to_json() == cold.to_json() == make_plan(sandbox_client(demo, read_only=True), EXAMPLE).to_json()
    # eshop, stocks, the feed and supplies, and the open orders' claims in the one stock where
    # the plan changes an existing variant's stock (read fresh, issue 19): no details
    assert warm_client.request_count < 11


def test_targets_and_a_changed_since_scope_plan_their_union(demo):
    code_of_g = "KAV-COL-250"
    owner = next(g for g, p in EXAMPLE.catalog.products.items() if code_of_g in p.variants)
    request = PlanRequest(targets=[code_of_g], scope={G}, ref="main", ref_commit="c" * 40)
    guids, scope = resolve_scope(sandbox_client(demo, read_only=True), EXAMPLE.catalog, request)
    assert guids == {owner.lower(), G}
    assert scope == Scope.targeted((code_of_g, G), "main", "c" * 40)
    assert resolve_scope(sandbox_client(demo, read_only=True), EXAMPLE.catalog, PlanRequest()) == (None, Scope())


# --- shop.yaml's overrides: resolved once, into ShopInfo -----------------------------------


def _stock_catalog(demo, shop: ShopSettings) -> tuple[str, Catalog]:
    product = demo.state()["products"][0]
    code = product["variants"][0]["code"]
    variants = {code: Variant(stock="12345")}
    return code, Catalog(products={product["guid"]: Product(variants=variants)}, shop=shop)


def test_shop_yaml_overrides_reach_the_plan_through_shop_info(demo):
    code, catalog = _stock_catalog(demo, ShopSettings(defaultStock=2))
    shop = read_shop(sandbox_client(demo, read_only=True), catalog.shop)
    plan = make_plan(sandbox_client(demo, read_only=True), loaded(catalog))
    stock = [c for c in plan.changes if c.resource is Resource.STOCK]
    assert shop.default_stock_id == plan.default_stock_id == 2
    assert [(c.code, c.stock_id) for c in stock] == [(code, 2)]
    assert plan.pricelist_id == shop.pricelist_id == 1


def test_the_diff_uses_the_resolved_shop_and_never_rereads_shop_yaml(demo):
    """Were diff to re-resolve, shop.yaml's 2 and 7 would win over the ShopInfo passed."""
    code, catalog = _stock_catalog(demo, ShopSettings(defaultStock=2, pricelist=7))
    live_variant = Variant(stock={1: "0.000", 2: "0.000"})
    live = Catalog(products={g: Product(variants={code: live_variant}) for g in catalog.products})
    shop = ShopInfo(eshop_id=1, default_stock_id=1, default_pricelist_id=1, pricelist_id=1)
    context = PlanContext(
        "0" * 64,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
    )
    plan = diff(catalog, live, context=context)
    assert (plan.default_stock_id, plan.pricelist_id) == (1, 1)
    assert [(c.code, c.stock_id) for c in plan.changes] == [(code, 1)]
