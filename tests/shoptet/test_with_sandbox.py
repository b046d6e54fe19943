"""The client against the in-process sandbox: reads, a write round trip, faults, OAuth."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from reconciler import errors as E
from reconciler.cli.context import AppContext
from reconciler.sandbox import Sandbox
from tests.shoptet.conftest import Recorder
from tests.support.sandbox_client import BASE, sandbox_client

NEW = "0f0e0d0c-0b0a-4000-8000-000000000001"


@pytest.fixture
def sb():
    return Sandbox.from_seed("demo")


@pytest.fixture
def on_fake_time(fake_time, request):
    """``sandbox_client`` settings: the fake time of the client tests, and every request
    recorded for the conformance test (tests/shoptet/test_zz_conformance.py)."""
    return {
        "wrap": lambda inner: Recorder(inner, request.node.nodeid),
        "sleep": fake_time.sleep,
        "clock": fake_time.clock,
        "wallclock": fake_time.wallclock,
    }


@pytest.fixture
def client(sb, on_fake_time):
    clients = []

    def make(**kw):
        clients.append(sandbox_client(sb, **on_fake_time, **kw))
        return clients[-1]

    yield make
    for c in clients:
        c.close()


def test_make_client_sandbox_mode_reads_and_refuses_writes():
    client = AppContext(Path("catalog"), sandbox=True).make_client()
    eshop = client.get_eshop()
    stocks = client.get_stocks()
    products = list(client.iter_products())
    details = client.get_products([p.guid for p in products])
    assert eshop.default_pricelist_id is not None and stocks.defaultStockId in {s.id for s in stocks.stocks}
    assert len(products) >= 30 and all(d is not None and d.variants for d in details.values())
    with pytest.raises(E.ReadOnlyViolation):
        client.delete_product(products[0].guid)


def test_make_client_env_mode_needs_credentials(monkeypatch):
    for name in ("SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_OAUTH_ACCESS_TOKEN", "SHOPTET_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(E.ConfigError, match="No Shoptet credentials"):
        AppContext(Path("catalog")).make_client()


def test_write_round_trip(client):
    c = client()
    category = next(iter(c.iter_categories())).guid
    stock = c.get_stocks().defaultStockId
    pricelist = c.get_eshop().default_pricelist_id
    created = c.create_product(
        {"guid": NEW, "name": "Test", "defaultCategoryGuid": category, "variants": [{"code": "T-1"}]}
    )
    assert created.status == 201 and not created.partial
    c.patch_product(NEW, {"name": "Renamed", "variants": [{"code": "T-1", "ean": "8594001234567"}]})
    moved = c.patch_stock_movements(stock, [{"productCode": "T-1", "realStock": 7}, {"productCode": "NOPE-9", "realStock": 1}])
    assert [e["instance"] for e in moved.item_errors] == ["NOPE-9"]
    c.patch_pricelist(pricelist, [{"code": "T-1", "price": {"price": "99.00"}}])
    detail = c.get_product(NEW)
    assert detail.name == "Renamed" and detail.variants[0].ean == "8594001234567"
    assert [s.amount for s in c.iter_supplies(stock, code="T-1")] == ["7.000"]
    assert [r.price["price"] for r in c.iter_pricelist(pricelist, code="T-1")] == ["99.00"]
    c.delete_variant("T-1")  # the last variant takes the product with it
    assert c.get_products([NEW]) == {NEW: None}


def test_lost_response_after_commit_is_unknown_and_not_resent(client, sb):
    c = client()
    guid = next(iter(c.iter_products())).guid
    sb.faults.set([{"kind": "reset_after", "method": "PATCH", "path": f"/api/products/{guid}"}])
    before = len(sb.request_log)
    with pytest.raises(E.WriteOutcomeUnknown) as caught:
        c.patch_product(guid, {"name": "Applied anyway"})
    assert guid in caught.value.reread
    assert len(sb.request_log) - before == 1
    assert c.get_product(guid).name == "Applied anyway"  # what the re-read would find


def test_reads_are_retried_after_resets_and_server_errors(client, sb, fake_time):
    c = client()
    sb.faults.set(
        [
            {"kind": "reset_before", "method": "GET", "path": "/api/eshop"},
            {"kind": "503", "method": "GET", "path": "/api/stocks", "times": 2},
        ]
    )
    assert c.get_eshop().eshop_id
    assert c.get_stocks().defaultStockId
    assert len(fake_time.sleeps) == 3


def test_a_reset_on_a_write_is_unknown_even_when_nothing_was_applied(client, sb):
    # The sandbox raises ReadError for both reset kinds: from the client's side a reset after
    # the request was written is ambiguous, so the write is not resent.
    c = client()
    guid = next(iter(c.iter_products())).guid
    sb.faults.set([{"kind": "reset_before", "method": "PATCH", "path": f"/api/products/{guid}"}])
    with pytest.raises(E.WriteOutcomeUnknown):
        c.patch_product(guid, {"name": "Never applied"})
    assert c.get_product(guid).name != "Never applied"


def test_oauth_against_the_sandbox(client, sb):
    c = client(oauth_token="sandbox-oauth", eshop_url=BASE)
    assert c.get_stocks().defaultStockId
    assert c.session.auth.minted == 1
    bad = client(oauth_token="wrong-oauth-token", eshop_url=BASE)
    with pytest.raises(E.AuthError) as caught:
        bad.get_stocks()
    assert "http://127.0.0.1/action/ApiOAuthServer/getAccessToken" in str(caught.value)
    assert "wrong-oauth-token" not in str(caught.value)


@pytest.mark.slow
def test_pacing_keeps_a_busy_read_clear_of_429():
    """Real time: the sandbox's bucket drains 20x faster than Shoptet's, the client paces to
    match; 300+ parallel detail reads must not see a single 429."""
    sb = Sandbox.from_seed("demo", time_scale=20)
    with sandbox_client(sb, sleep=time.sleep, rng=random.random, bucket_leak_per_second=200) as c:
        guids = [p.guid for p in c.iter_products()]
        for _ in range(10):
            c.get_products(guids)
    assert sb.counters["byStatus"].get("429", 0) == 0
    assert sb.counters["requests"] > 300


def test_sandbox_clients_of_one_command_share_the_shop():
    ctx = AppContext(Path("catalog"), sandbox=True)
    writer = ctx.make_client(read_only=False)
    guid = next(iter(writer.iter_products())).guid
    writer.patch_product(guid, {"name": "Seen by the reader"})
    assert ctx.make_client().get_product(guid).name == "Seen by the reader"
