"""Early reads (issue 16): the changes feed, the supplies changed since and the changed
products' details start from the cache file's header while the cache body loads. A speed
change, not a behaviour change: on random shop changes the read gives the very catalog, notice,
request count and next cache that the read in order (load first, then the requests) gives."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler import errors as E
from reconciler.live import cache_file as C
from reconciler.live import cached
from reconciler.live.cached import read_live_cached
from reconciler.live.read import read_shop
from tests.live.cache_support import Clock, example, sandbox
from tests.live.test_cache_properties import OPS, Shop
from tests.support.sandbox_client import sandbox_client

EXAMPLE = example()
SENCHA = "bb65820f-d7bd-53e0-bc82-f35caab096ba"  # managed, stock in stocks 1 and 2


def _read(sb, cache_dir: Path, clock: Clock, *, early: bool = True):
    """A cached read: (live catalog, notices, requests); ``early=False`` the read in order."""
    notices: list[str] = []
    real = cached.peek_cache
    cached.peek_cache = real if early else (lambda cache_dir: None)  # type: ignore[assignment]
    try:
        with sandbox_client(sb, read_only=True) as c:
            shop = read_shop(c, EXAMPLE.catalog.shop)
            live = read_live_cached(
                c, EXAMPLE.catalog, shop=shop, cache_dir=cache_dir, notice=notices.append, now=clock
            )
    finally:
        cached.peek_cache = real  # type: ignore[assignment]
    return live, notices


def _same_products(a: dict, b: dict) -> None:
    """Equal products in the same order, with the same fields set (what the diff looks at)."""
    assert list(a) == list(b)
    for guid in a:
        x, y = a[guid], b[guid]
        assert x == y and x.model_fields_set == y.model_fields_set, guid
        assert list(x.variants or {}) == list(y.variants or {}), guid
        for code, v in (x.variants or {}).items():
            assert v.model_fields_set == y.variants[code].model_fields_set, (guid, code)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    rounds=st.lists(
        st.tuples(st.lists(OPS, max_size=6), st.integers(0, 240)), min_size=1, max_size=3
    )
)
def test_early_reads_give_what_the_reads_in_order_give(rounds):
    clock = Clock()
    sb = sandbox(clock)
    shop = Shop(sb, EXAMPLE)
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp) / "cache"
        _read(sb, cache_dir, clock)
        for ops, minutes in rounds:
            for op in ops:
                shop.apply(op)
            clock.advance(minutes=minutes)
            in_order = Path(tmp) / "in-order"
            shutil.rmtree(in_order, ignore_errors=True)
            shutil.copytree(cache_dir, in_order)
            try:
                slow, slow_notices = _read(sb, in_order, clock, early=False)
            except E.CatalogError as refused:
                with pytest.raises(E.CatalogError) as also:
                    _read(sb, cache_dir, clock)
                assert also.value.problems == refused.problems
                continue
            fast, fast_notices = _read(sb, cache_dir, clock)
            assert fast_notices == [n.replace(str(in_order), str(cache_dir)) for n in slow_notices]
            assert (fast.requests, fast.details) == (slow.requests, slow.details)
            _same_products(fast.catalog.products, slow.catalog.products)
            saved, _ = C.load_cache(cache_dir)
            saved_in_order, _ = C.load_cache(in_order)
            assert saved is not None and saved_in_order is not None
            assert saved.names == saved_in_order.names
            assert saved.details == saved_in_order.details


@pytest.fixture
def warm(tmp_path):
    """A demo sandbox whose cache is filled, an hour later, with Sencha renamed since."""
    clock = Clock()
    sb = sandbox(clock)
    cache_dir = tmp_path / "cache"
    _read(sb, cache_dir, clock)
    clock.advance(hours=1)
    with sandbox_client(sb) as w:
        w.patch_product(SENCHA, {"name": "Renamed in the admin"})
    return sb, cache_dir, clock


def test_the_requests_start_before_the_cache_has_loaded(warm, monkeypatch):
    """The feed, the supplies and Sencha's detail are read while the body is still loading."""
    sb, cache_dir, clock = warm
    during: list[int] = []
    real = cached.load_cache
    before = len(sb.request_log)

    def slow_load(path):
        deadline = time.monotonic() + 10
        # eshop + stocks, then the feed, 2 supplies pages and Sencha's detail
        while len(sb.request_log) < before + 2 + 1 + 2 + 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        during.append(len(sb.request_log))
        return real(path)

    monkeypatch.setattr(cached, "load_cache", slow_load)
    live, notices = _read(sb, cache_dir, clock)
    assert during == [before + 6]
    assert live.catalog.products[SENCHA].name == "Renamed in the admin"
    assert live.requests == 1 + 2 + 1  # nothing read twice
    assert "1 product(s) changed" in notices[0]


def test_a_failed_early_read_fails_the_read_as_the_read_in_order_does(warm):
    sb, cache_dir, clock = warm
    sb.faults.set([{"kind": "500", "method": "GET", "path": "/api/products/changes", "times": 99}])
    with pytest.raises(E.ApiError) as in_order:
        _read(sb, cache_dir, clock, early=False)
    with pytest.raises(E.ApiError) as early:
        _read(sb, cache_dir, clock)
    assert type(early.value) is type(in_order.value)
    assert _without_request_id(early.value) == _without_request_id(in_order.value)
    assert "GET /api/products/changes" in str(early.value)


def _without_request_id(error: Exception) -> str:
    return re.sub(r"requestId [0-9a-f-]+", "requestId ...", str(error))


def test_a_failed_early_read_does_not_matter_when_the_cache_proves_unusable(warm):
    """A sound header over a damaged body: the early reads were for nothing; their failure
    is not the plan's (the full read does not ask the changes feed)."""
    sb, cache_dir, clock = warm
    path = cache_dir / C.CACHE_FILE
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])  # the header line survives
    assert C.peek_cache(cache_dir) is not None
    sb.faults.set([{"kind": "500", "method": "GET", "path": "/api/products/changes", "times": 99}])
    live, notices = _read(sb, cache_dir, clock)
    assert "not used, the cache file is damaged" in notices[0]
    assert live.catalog.products[SENCHA].name == "Renamed in the admin"


def test_early_details_serve_the_full_read_when_the_cache_proves_unusable(warm):
    """Sencha's detail, read early, is as fresh as the full read's: it is not read twice."""
    sb, cache_dir, clock = warm
    path = cache_dir / C.CACHE_FILE
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    before = len(sb.request_log)
    live, _ = _read(sb, cache_dir, clock)
    sencha_reads = [e for e in sb.request_log[before:] if e["path"] == f"/api/products/{SENCHA}"]
    assert len(sencha_reads) == 1
    assert live.catalog.products[SENCHA].name == "Renamed in the admin"


def test_no_early_request_outlives_the_read(warm, monkeypatch):
    """When the read fails after the early reads began, it returns only once they ended."""
    sb, cache_dir, clock = warm

    def broken_load(path):
        raise RuntimeError("the load failed")

    monkeypatch.setattr(cached, "load_cache", broken_load)
    with pytest.raises(RuntimeError, match="the load failed"):
        _read(sb, cache_dir, clock)
    assert not [t for t in threading.enumerate() if t.name == "shoptet-cache-early"]
