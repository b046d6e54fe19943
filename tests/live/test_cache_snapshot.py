"""The incremental cache with changeTimeFrom snapshots (issue 16, ``plan --cache DIR --read
snapshot``): random sequences of shop changes between runs; the cached plan read through
snapshots always equals a cold detail plan of the same moment. Plus the cost (one snapshot job
a warm read, no product details when the export returns every change) and every fallback."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler import errors as E
from reconciler.live.snapshot import SnapshotSettings
from reconciler.shoptet import jobs as J
from tests.live.cache_support import Clock, cached_plan, cold_plan, example, sandbox
from tests.live.test_cache_properties import OPS, Shop
from tests.support.sandbox_client import sandbox_client

EXAMPLE = example()
SNAPSHOT = SnapshotSettings(budget=60)
ROUNDS = st.lists(
    st.tuples(st.lists(OPS, max_size=6), st.integers(0, 240)), min_size=1, max_size=3
)


def details_read(sb, start: int) -> list[str]:
    """Product detail reads (``/api/products/{guid}``) among the requests after ``start``."""
    return [
        e["path"]
        for e in sb.request_log[start:]
        if e["path"].startswith("/api/products/") and e["path"].count("-") >= 4
    ]


# half the profile's examples: each one runs the cached read through the sandbox's export
@settings(
    max_examples=max(10, settings.default.max_examples // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(rounds=ROUNDS)
def test_cached_snapshot_plans_equal_the_cold_plan(rounds):
    clock = Clock()
    sb = sandbox(clock)
    shop = Shop(sb, EXAMPLE)
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        cached_plan(sb, EXAMPLE, cache_dir, clock, snapshot=SNAPSHOT)  # fills the cache
        for ops, minutes in rounds:
            for op in ops:
                shop.apply(op)
            clock.advance(minutes=minutes)
            try:
                cold, _ = cold_plan(sb, EXAMPLE)
            except E.CatalogError as refused:  # the shop broke the catalog's variant rule
                try:
                    cached_plan(sb, EXAMPLE, cache_dir, clock, snapshot=SNAPSHOT)
                except E.CatalogError as also:
                    assert also.problems == refused.problems
                else:
                    raise AssertionError("the cold plan was refused, the cached one was not")
                continue
            notices: list[str] = []
            warm, _ = cached_plan(sb, EXAMPLE, cache_dir, clock, notices, snapshot=SNAPSHOT)
            assert not [n for n in notices if n.startswith("Snapshot read:")]  # it served
            assert warm.to_json() == cold.to_json()


def test_a_cold_cached_read_is_one_snapshot_and_no_details(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    notices: list[str] = []
    plan, _ = cached_plan(sb, EXAMPLE, tmp_path, clock, notices, snapshot=SNAPSHOT)
    assert len(sb.jobs.jobs) == 1 and details_read(sb, 0) == []
    assert plan.to_json() == cold_plan(sb, EXAMPLE)[0].to_json()
    assert not [n for n in notices if n.startswith("Snapshot read:")]


def test_a_warm_read_takes_the_changes_from_one_changetimefrom_snapshot(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    cached_plan(sb, EXAMPLE, tmp_path, clock, snapshot=SNAPSHOT)
    clock.advance(minutes=30)
    guids = sorted(EXAMPLE.catalog.products)
    live = {p["guid"] for p in sb.state()["products"]}
    edited = [g for g in guids if g in live][:3]
    with sandbox_client(sb) as writer:
        for n, guid in enumerate(edited):
            writer.patch_product(guid, {"name": f"Edited {n}"})
    clock.advance(minutes=10)
    start = len(sb.request_log)
    warm, _ = cached_plan(sb, EXAMPLE, tmp_path, clock, snapshot=SNAPSHOT)
    assert len(sb.jobs.jobs) == 2  # the cold read's and this one's
    assert details_read(sb, start) == []  # the three edits came with the export
    supplies = [e for e in sb.request_log[start:] if e["path"].endswith("/supplies")]
    assert len(supplies) == len(sb.state()["stocks"])  # changedFrom only: stock carried over
    assert warm.to_json() == cold_plan(sb, EXAMPLE)[0].to_json()
    (job,) = list(sb.jobs.jobs.values())[1:]
    exported = {json.loads(line)["guid"] for line in gzip.decompress(job.body).splitlines()}
    assert exported == set(edited)  # only what changed since the cache's read


def _edit_one(sb) -> str:
    live = {p["guid"] for p in sb.state()["products"]}
    guid = next(g for g in sorted(EXAMPLE.catalog.products) if g in live)
    with sandbox_client(sb) as writer:
        writer.patch_product(guid, {"name": "Edited"})
    return guid


def _no_webhook(sb) -> None:
    sb.jobs.webhooks.clear()


def _jobs_fail(sb) -> None:
    sb.config.job_outcome = "failed"


@pytest.mark.parametrize(
    ("break_it", "said"), [(_no_webhook, "webhooks ensure"), (_jobs_fail, "ended failed")]
)
def test_a_warm_read_falls_back_to_details_in_one_line(tmp_path, break_it, said):
    clock = Clock()
    sb = sandbox(clock)
    cached_plan(sb, EXAMPLE, tmp_path, clock, snapshot=SNAPSHOT)
    break_it(sb)
    guid = _edit_one(sb)
    clock.advance(minutes=10)
    notices: list[str] = []
    start = len(sb.request_log)
    warm, _ = cached_plan(sb, EXAMPLE, tmp_path, clock, notices, snapshot=SNAPSHOT)
    fallbacks = [n for n in notices if n.startswith("Snapshot read:")]
    assert len(fallbacks) == 1 and said in fallbacks[0]
    assert details_read(sb, start) == [f"/api/products/{guid}"]
    assert warm.to_json() == cold_plan(sb, EXAMPLE)[0].to_json()


def test_a_result_on_another_host_stops_the_cached_read(tmp_path, monkeypatch):
    """Not a fallback: another host means a wrong SHOPTET_API_URL or a tampered answer."""
    import reconciler.live.cached as cached

    clock = Clock()
    sb = sandbox(clock)
    cached_plan(sb, EXAMPLE, tmp_path, clock)
    _edit_one(sb)
    clock.advance(minutes=10)

    def elsewhere(*args, **kwargs):
        raise J.ResultHostRefused("the result is on https://evil.example; nothing was downloaded")
        yield  # a generator, as snapshot_items is

    monkeypatch.setattr(cached, "snapshot_items", elsewhere)
    with pytest.raises(J.ResultHostRefused):
        cached_plan(sb, EXAMPLE, tmp_path, clock, snapshot=SNAPSHOT)
