"""Claims with ``--cache`` (issue 19): the cache keeps no claims (they move with every order and
need not touch a supply's change time), so a cached plan that sets stock reads them fresh, one
``onlyWithClaim`` supplies read per stock it sets. Cached plans then show claims beside stock
and decide the stock-below-claim guard exactly as uncached plans do; a claim that grew since the
cache was written is never hidden, and a failed claims read fails the plan."""

from __future__ import annotations

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import PermissionDenied
from reconciler.pipeline import PlanRequest, make_plan
from reconciler.render.formats import render_text
from reconciler.shoptet.client import ShoptetClient
from tests.apply.support import write_catalog
from tests.live.cache_support import Clock, sandbox
from tests.support.sandbox_client import sandbox_client

REFUSE = {"policy": {"stockBelowClaim": "refuse"}}


def claimed(sb, claim: int) -> tuple[str, str, int]:
    """The first variant at physical stock 10, ``claim`` of it claimed by open orders; the
    supply's change time is left alone (the worst case for a cache)."""
    doc = sb.state()
    product = doc["products"][0]
    variant = product["variants"][0]
    stock = doc["defaultStockId"]
    variant["stocks"][str(stock)].update({"realStock": "10.000", "claim": f"{claim}.000"})
    sb.load_state(doc)
    return product["guid"], variant["code"], stock


def catalog(tmp_path, guid, code, stock_id, amount):
    write_catalog(tmp_path, {guid: {"variants": {code: {"stock": {str(stock_id): amount}}}}}, REFUSE)
    return load_catalog(tmp_path / "catalog")


def plan(sb, loaded, cache_dir=None, notices=None, cls=ShoptetClient):
    request = PlanRequest(cache_dir=cache_dir, notice=None if notices is None else notices.append)
    with sandbox_client(sb, read_only=True, cls=cls) as client:
        return make_plan(client, loaded, request)


def supplies_reads(sb, start: int) -> int:
    return sum(1 for r in sb.request_log[start:] if r["path"].endswith("/supplies"))


def test_cached_plans_show_claims_and_guard_like_uncached_ones(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    guid, code, stock_id = claimed(sb, 3)
    loaded = catalog(tmp_path, guid, code, stock_id, 2)
    plain = plan(sb, loaded)
    cold = plan(sb, loaded, tmp_path / "cache")
    clock.advance(minutes=10)
    notices: list[str] = []
    warm = plan(sb, loaded, tmp_path / "cache", notices)
    assert any("product(s) changed" in n for n in notices), notices  # the warm path ran
    assert plain.names.claims == {f"{code}@{stock_id}": "3"}
    for cached in (cold, warm):
        assert cached.names.claims == plain.names.claims
        assert cached.guards == plain.guards
        assert render_text(cached) == render_text(plain)
    assert "WARNING: below the 3 open orders claim" in render_text(warm)


def test_a_claim_that_grew_after_the_cache_was_written_is_not_hidden(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    guid, code, stock_id = claimed(sb, 3)
    loaded = catalog(tmp_path, guid, code, stock_id, 5)
    first = plan(sb, loaded, tmp_path / "cache")
    guard = {g.name: g for g in first.guards}["stock-below-claim"]
    assert guard.ok
    claimed(sb, 8)  # orders arrive; no product change, no supply change time
    clock.advance(minutes=10)
    notices: list[str] = []
    again = plan(sb, loaded, tmp_path / "cache", notices)
    assert any("0 product(s) changed" in n for n in notices), notices
    guard = {g.name: g for g in again.guards}["stock-below-claim"]
    assert not guard.ok and "5 below the 8 open orders claim" in guard.message
    assert again.names.claims == {f"{code}@{stock_id}": "8"}


def test_the_claims_read_costs_one_request_per_stock_set_and_none_without_stock(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    guid, code, stock_id = claimed(sb, 3)
    with_stock = catalog(tmp_path, guid, code, stock_id, 2)
    plan(sb, with_stock, tmp_path / "cache")
    clock.advance(minutes=10)
    start = len(sb.request_log)
    plan(sb, with_stock, tmp_path / "cache")
    reads_with_stock = supplies_reads(sb, start)
    write_catalog(tmp_path, {guid: {"name": sb.state()["products"][0]["name"]}}, REFUSE)
    without = load_catalog(tmp_path / "catalog")
    plan(sb, without, tmp_path / "cache")
    clock.advance(minutes=10)
    start = len(sb.request_log)
    quiet = plan(sb, without, tmp_path / "cache")
    assert supplies_reads(sb, start) == reads_with_stock - 1
    assert "stock-below-claim" not in [g.name for g in quiet.guards]


class NoClaimRight(ShoptetClient):
    """A token that may read stock changes but whose claims read is refused."""

    def iter_supplies(
        self, stock_id, changed_from=None, code=None, product_guid=None, only_with_claim=False
    ):
        if only_with_claim:
            path = f"/api/stocks/{stock_id}/supplies"
            raise PermissionDenied("403 invalid-token-no-rights", method="GET", path=path)
        return super().iter_supplies(stock_id, changed_from, code, product_guid, only_with_claim)


def test_a_failed_claims_read_fails_the_cached_plan_instead_of_showing_no_claim(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    guid, code, stock_id = claimed(sb, 3)
    loaded = catalog(tmp_path, guid, code, stock_id, 2)
    with pytest.raises(PermissionDenied):
        plan(sb, loaded, tmp_path / "cache", cls=NoClaimRight)
