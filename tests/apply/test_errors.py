"""Apply's error paths, in-process (the sandbox transport; the faults used here are statuses
and re-read failures, which behave the same on both faces): a refused create skips what
depends on it, a lost response that is never confirmed, a token revoked mid-apply, a re-read
that fails after a lost response, a convergence check that finds a difference, and a failed
product update that does not block the same product's price."""

from __future__ import annotations

import json

import pytest

from reconciler import errors as E
from reconciler.apply.journal import Journal
from reconciler.apply.preflight import ApplyOptions, Status, live_reader
from reconciler.desired.load import load_catalog
from reconciler.model import Catalog, Product
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import EXAMPLE_CATALOG, demo_state, loaded, plan_of, write_requests
from tests.support.sandbox_client import sandbox_client

PERU = "196d780c-8a2a-4dd5-b4bb-76f699b5d9f9"  # created by the example catalog
COLOMBIA = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # price update


def example(**replace) -> Catalog:
    cat = load_catalog(EXAMPLE_CATALOG).catalog
    products = dict(cat.products)
    for guid, update in replace.items():
        products[guid] = products[guid].model_copy(update=update)
    return Catalog(products=products, shop=cat.shop, policy=cat.policy)


@pytest.fixture
def sb():
    return Sandbox(demo_state())


def test_a_refused_create_fails_with_shoptets_message_and_skips_its_prices(sb):
    desired = example()
    products = dict(desired.products)
    products[PERU] = Product.model_validate(
        {**products[PERU].model_dump(exclude_unset=True), "brand": "no-such-brand"}
    )
    desired = Catalog(products=products, shop=desired.shop, policy=desired.policy)
    # plan checks brand codes, so plan where the brand exists; it is gone by the apply
    state = demo_state()
    state["brands"].append(
        {
            "guid": "00000000-0000-4000-8000-0000000000b0",
            "code": "no-such-brand",
            "name": "Gone by apply",
        }
    )
    plan = plan_of(Sandbox(state), desired)
    with sandbox_client(sb) as client:
        result = apply_plan(plan, client, loaded(desired))
    out = result.outcomes
    assert out[f"product:{PERU}"].status is Status.FAILED
    assert 'Brand with code "no-such-brand" not found' in out[f"product:{PERU}"].message
    for code in ("KAV-PER-200", "KAV-PER-500"):
        for cid in (f"variant:{PERU}:{code}", f"price:{PERU}:{code}", f"stock:{PERU}:{code}:1"):
            assert out[cid].status is Status.SKIPPED
            assert out[cid].message == f"not written: product:{PERU} failed"
    assert out[f"price:{COLOMBIA}:KAV-COL-250"].status is Status.WRITTEN
    with pytest.raises(E.ApplyError) as info:
        result.raise_for_failures()
    text = str(info.value)
    assert f"product:{PERU}: failed: " in text and "no-such-brand" in text
    assert f"price:{PERU}:KAV-PER-200: skipped" in text
    assert "run the same plan again" in text


def test_a_lost_response_never_confirmed_fails_and_a_rerun_finishes(sb, tmp_path):
    plan = plan_of(sb, example())
    sb.faults.add(kind="500", method="PATCH", path="/api/pricelists/1", times=2)
    start = len(sb.request_log)
    with sandbox_client(sb) as client, Journal(tmp_path / "j.jsonl", plan.plan_id) as journal:
        result = apply_plan(plan, client, loaded(example()), journal=journal)
    assert not result.ok
    failed = result.of(Status.FAILED)
    assert failed and all("response was lost and it was not written" in o.message for o in failed)
    prices = [w for w in write_requests(sb, start) if "pricelists" in w["path"]]
    assert len(prices) == 2  # sent, re-read (not applied), sent once more, never a third time
    lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    price_lines = [
        x for x in lines if x.get("path") == "/api/pricelists/1" or x["kind"] == "reread"
    ]
    assert [(x["kind"], x.get("outcome")) for x in price_lines] == [
        ("write", "unknown"),
        ("reread", None),
        ("write", "unknown"),
        ("reread", None),
    ]
    assert {x["outcome"] for x in lines if x["kind"] == "write"} <= {s.value for s in Status}
    with sandbox_client(sb) as client:
        again = apply_plan(plan, client, loaded(example()))
    assert again.ok
    assert plan_of(sb, example()).is_empty


def test_a_token_refused_mid_apply_stops_the_writes(sb):
    plan = plan_of(sb, example())
    start = len(sb.request_log)
    with sandbox_client(sb) as client:
        read = live_reader(client, plan, 1)

        def revoke_after_reading(guids):
            found = read(guids)
            sb.config.token = "revoked"
            return found

        result = apply_plan(plan, client, loaded(example()), read_live=revoke_after_reading)
    assert len(write_requests(sb, start)) == 1
    statuses = {o.status for o in result.outcomes.values()}
    assert statuses == {Status.FAILED, Status.SKIPPED}
    skipped = result.of(Status.SKIPPED)
    stopped = [o for o in skipped if "not sent: an earlier write was refused" in o.message]
    assert stopped and all(o in stopped or "not written: " in o.message for o in skipped)


def test_a_failed_reread_after_a_lost_response_fails_those_changes(sb):
    plan = plan_of(sb, example())
    sb.faults.add(kind="reset_after", method="POST", path="/api/products")
    calls = []
    with sandbox_client(sb) as client:
        read = live_reader(client, plan, 1)

        def failing_second_read(guids):
            calls.append(list(guids))
            if len(calls) == 2:
                raise E.ServerError("Shoptet is down", status=503)
            return read(guids)

        result = apply_plan(plan, client, loaded(example()), read_live=failing_second_read)
    lost = result.outcomes[f"product:{PERU}"]
    assert lost.status is Status.FAILED
    assert "re-reading failed too" in lost.message and "Shoptet is down" in lost.message
    with sandbox_client(sb) as client:
        assert apply_plan(
            plan, client, loaded(example())
        ).ok  # the create was applied: the re-run finds it
    assert [p["guid"] for p in sb.state()["products"]].count(PERU) == 1


def test_the_convergence_check_reports_what_still_differs(sb):
    plan = plan_of(sb, example())
    with sandbox_client(sb) as client:
        read = live_reader(client, plan, 1)
        first = {}

        def stale_after_writes(guids):
            if not first:
                first.update(read(guids))
            return {g: first.get(g) for g in guids}

        result = apply_plan(plan, client, loaded(example()), read_live=stale_after_writes)
    assert not result.ok
    assert any(
        u.startswith(f"price:{COLOMBIA}:KAV-COL-250: still differs after apply: price")
        for u in result.unconverged
    )
    with pytest.raises(E.ApplyError, match="still differ after writing"):
        result.raise_for_failures()


def test_a_failed_product_update_does_not_block_its_price(sb):
    desired = example()
    products = dict(desired.products)
    col = products[COLOMBIA].model_dump(exclude_unset=True)
    products[COLOMBIA] = Product.model_validate({**col, "name": "Kolumbie nová"})
    desired = Catalog(products=products, shop=desired.shop, policy=desired.policy)
    plan = plan_of(sb, desired)
    sb.faults.add(kind="423", method="PATCH", path=f"/api/products/{COLOMBIA}", times=50)
    with sandbox_client(sb) as client:
        result = apply_plan(plan, client, loaded(desired), options=ApplyOptions(allow_bulk=True))
    assert result.outcomes[f"product:{COLOMBIA}"].status is Status.FAILED
    assert "Gave up" in result.outcomes[f"product:{COLOMBIA}"].message
    assert result.outcomes[f"price:{COLOMBIA}:KAV-COL-250"].status is Status.WRITTEN
    sb.faults.set([])
    assert not plan_of(sb, loaded(desired)).is_empty  # the name is still to do


def test_one_vocabulary_in_the_result_the_report_and_the_journal(sb):
    """A variant deleted by someone else between the re-read and the DELETE (404) is
    `already done` in the journal's outcome, the change's status and the CLI report; a
    request that went through is `written` in all three."""
    two = "37b171f0-5796-5998-89c2-fcaf36b7c06b"  # 00124-BILA and 00124-CERNA
    desired = example()
    products = dict(desired.products)
    products[two] = Product.model_validate({"variants": {"00124-CERNA": {"absent": True}}})
    desired = Catalog(products=products, shop=desired.shop, policy=desired.policy)
    plan = plan_of(sb, desired)
    journal = Journal(None, plan.plan_id)
    with sandbox_client(sb) as client:
        read = live_reader(client, plan, 1)
        calls = []

        def deleted_by_someone_else(guids):
            found = read(guids)
            if not calls:
                with sandbox_client(sb) as other:
                    other.delete_variant("00124-CERNA")
            calls.append(guids)
            return found

        result = apply_plan(
            plan,
            client,
            loaded(desired),
            read_live=deleted_by_someone_else,
            options=ApplyOptions(allow_delete=True),
            journal=journal,
        )
    assert result.ok
    gone = f"variant:{two}:00124-CERNA"
    assert result.outcomes[gone].status is Status.DONE
    deletes = [x for x in journal.lines if x.get("method") == "DELETE"]
    assert [(x["changes"], x["status"], x["outcome"]) for x in deletes] == [
        ([gone], 404, "already done")
    ]
    words = {s.value for s in Status}
    assert (
        {x["outcome"] for x in journal.lines if x["kind"] == "write"}
        == {
            "written",
            "already done",
        }
        <= words
    )
    report = result.report()
    assert f"  already done  {gone} (already gone)" in report
    assert any(line.startswith(f"  written       product:{PERU}") for line in report)
    assert report[-1] == result.summary()
    assert result.summary().startswith("Apply: ") and "written" in result.summary()
