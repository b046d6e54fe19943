"""plan -> apply -> plan on the example catalog and the demo shop, over HTTP (a sandbox server on
127.0.0.1): the order of the writes, batching, the journal, a second apply writing nothing,
and lost responses (the create whose response is lost is not repeated)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.apply.journal import Journal
from reconciler.apply.preflight import ApplyOptions, Status
from reconciler.desired.load import load_catalog
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import EXAMPLE_CATALOG, plan_of, write_requests
from tests.support.sandbox_client import sandbox_client, served

pytestmark = pytest.mark.http


@pytest.fixture
def shop():
    sb = Sandbox.from_seed("demo", timeout_hold=0.01)
    with served(sb) as server:
        yield sb, server.url


def test_example_catalog_converges_and_a_second_apply_writes_nothing(shop, tmp_path):
    sb, url = shop
    example = load_catalog(EXAMPLE_CATALOG)
    plan = plan_of(sb, example, url)
    assert not plan.is_empty
    start = len(sb.request_log)
    journal_path = tmp_path / "apply.jsonl"
    with sandbox_client(sb, url) as client, Journal(journal_path, plan.plan_id) as journal:
        result = apply_plan(plan, client, example, options=ApplyOptions(), journal=journal)
    assert result.ok, result.outcomes
    assert {o.status for o in result.outcomes.values()} == {Status.WRITTEN}
    writes = write_requests(sb, start)
    # the missing variant-parameter value first (Peru's "200 g"), then creates, product
    # PATCHes, prices, stock; one request each batch
    kinds = [(w["method"], w["path"].split("/")[2]) for w in writes]
    assert writes[0]["path"] == "/api/products/variant-parameters/hmotnost"
    assert kinds == [
        ("POST", "products"),
        ("POST", "products"),
        ("POST", "products"),
        ("PATCH", "products"),
        ("PATCH", "products"),
        ("PATCH", "products"),
        ("PATCH", "pricelists"),
        ("PATCH", "stocks"),
    ]
    assert plan_of(sb, example, url).is_empty

    lines = [json.loads(x) for x in journal_path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(writes)
    assert {line["outcome"] for line in lines} == {"written"}
    assert sorted(line["requestId"] for line in lines) == sorted(w["requestId"] for w in writes)
    assert all(line["planId"] == plan.plan_id for line in lines)
    ids = {i for line in lines for i in line["changes"]}
    assert ids == {c.id for c in plan.changes}

    again = len(sb.request_log)
    with sandbox_client(sb, url) as client:
        second = apply_plan(plan, client, example)
    assert write_requests(sb, again) == []
    assert {o.status for o in second.outcomes.values()} == {Status.DONE}
    assert second.write_requests == 0


def test_a_lost_create_response_is_confirmed_by_reading_not_repeated(shop):
    sb, url = shop
    example = load_catalog(EXAMPLE_CATALOG)
    plan = plan_of(sb, example, url)
    sb.faults.add(kind="reset_after", method="POST", path="/api/products")
    start = len(sb.request_log)
    with sandbox_client(sb, url) as client:
        result = apply_plan(plan, client, example)
    assert result.ok
    posts = [w for w in write_requests(sb, start) if w["path"] == "/api/products"]
    assert len(posts) == 2  # two creates, neither sent twice
    creates = [c.id for c in plan.changes if c.resource == "product" and c.action == "create"]
    lost = [i for i in creates if "response lost" in result.outcomes[i].message]
    assert len(lost) == 1  # the one whose response was dropped, confirmed by re-reading
    guids = [p["guid"] for p in sb.state()["products"]]
    assert len(guids) == len(set(guids))


def test_a_write_not_applied_before_the_connection_dropped_is_sent_again(shop):
    sb, url = shop
    example = load_catalog(EXAMPLE_CATALOG)
    plan = plan_of(sb, example, url)
    sb.faults.add(kind="reset_before", method="PATCH", path="/api/stocks/*/movements")
    start = len(sb.request_log)
    with sandbox_client(sb, url) as client:
        result = apply_plan(plan, client, example)
    assert result.ok
    moves = [w for w in write_requests(sb, start) if "movements" in w["path"]]
    assert [m["wrote"] for m in moves] == [False, True]
    assert len(sb.state()["movements"]) == 2  # two stock changes, each applied once


def test_apply_of_an_empty_plan_reads_and_writes_nothing(shop):
    sb, url = shop
    example = load_catalog(EXAMPLE_CATALOG)
    with sandbox_client(sb, url) as client:
        apply_plan(plan_of(sb, example, url), client, example)
    empty = plan_of(sb, example, url)
    assert empty.is_empty
    start = len(sb.request_log)
    with sandbox_client(sb, url) as client:
        result = apply_plan(empty, client, example)
    assert sb.request_log[start:] == []
    assert result.ok and result.write_requests == 0


def test_journal_cannot_be_opened_is_a_clear_error(tmp_path: Path):
    from reconciler.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot open the journal"):
        Journal(tmp_path / "missing-dir" / "j.jsonl")
