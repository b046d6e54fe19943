"""Snapshot reads (``plan --read snapshot``, reconciler.live.snapshot) against the sandbox's
async jobs: the snapshot plan is the detail read's plan on randomly changed shops; every reason
to fall back does, with one notice; the result is fetched only from the e-shop's own origin,
without the token; the requests built are ones Shoptet's OpenAPI file allows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.live.read import FullRead, read_shop
from reconciler.live.snapshot import SnapshotRead, SnapshotSettings
from reconciler.sandbox import Sandbox
from reconciler.shoptet import jobs as J
from tests.live.cache_support import Clock, _plan, cold_plan, example
from tests.live.test_cache_properties import OPS, Shop
from tests.shoptet.conftest import Recorder
from tests.shoptet.test_zz_conformance import problems_of
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client

EXAMPLE = example()
ESHOP = "https://www.zrnkoalistek.cz"  # the demo seed's eshop.url


@dataclass
class FakeTime:
    """One monotonic clock for the sandbox's job timing and the reader's waits."""

    t: float = 1000.0

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def make_sandbox(time: FakeTime, **settings) -> Sandbox:
    """The demo shop; its Shoptet time is the real time (the job list is filtered by it)
    unless ``now`` is given."""
    return Sandbox.from_seed("demo", limits=False, request_cost=0.0, clock=time.clock, **settings)


class Sent(httpx.BaseTransport):
    """Records every request (any host) and lets ``rewrite`` change answers."""

    def __init__(self, inner, rewrite=None):
        self.inner, self.rewrite, self.requests = inner, rewrite, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.rewrite is not None:
            answer = self.rewrite(request)
            if answer is not None:
                return answer
        return self.inner.handle_request(request)


DEFAULT = SnapshotSettings()


def snapshot_plan(sb, time, settings=DEFAULT, rewrite=None, loaded=EXAMPLE):
    """(plan, notices, requests sent) of a full plan read through the snapshot."""
    notices: list[str] = []
    sent: list[Sent] = []

    def wrap(inner):
        sent.append(Sent(inner, rewrite))
        return sent[0]

    with sandbox_client(sb, read_only=True, wrap=wrap) as c:
        shop = read_shop(c, loaded.catalog.shop)
        source = SnapshotRead(
            c,
            FullRead(c),
            notice=notices.append,
            settings=settings,
            sleep=time.sleep,
            clock=time.clock,
        )
        live = source.read(loaded.catalog, shop)
        return _plan(loaded, live, shop, c), notices, sent[0].requests


def paths(requests) -> list[str]:
    return [f"{r.method} {r.url.host}{r.url.path}" for r in requests]


# -- the snapshot plan is the detail plan ----------------------------------------------------


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=15)
@given(
    ops=st.lists(OPS, max_size=8),
    duration=st.sampled_from([0.0, 7.0, 95.0]),
    prune=st.booleans(),
)
def test_snapshot_plan_equals_the_detail_plan_on_random_shops(ops, duration, prune):
    catalog = EXAMPLE.catalog.model_copy(
        update={"policy": EXAMPLE.catalog.policy.model_copy(update={"prune": prune})}
    )
    loaded = type(EXAMPLE)(catalog=catalog, locations=EXAMPLE.locations, digest=EXAMPLE.digest)
    time = FakeTime()
    sb = make_sandbox(time, job_duration=duration)
    shop = Shop(sb, loaded)
    for op in ops:
        shop.apply(op)
    try:
        cold, _ = cold_plan(sb, loaded)
    except Exception as refused:  # the shop moved so the catalog breaks a rule: both refuse
        with pytest.raises(type(refused)):
            snapshot_plan(sb, time, loaded=loaded)
        return
    snap, notices, _ = snapshot_plan(sb, time, loaded=loaded)
    assert notices == []
    assert snap.to_json() == cold.to_json()


def test_a_snapshot_plan_costs_a_handful_of_requests_and_no_detail_reads():
    time = FakeTime()
    sb = make_sandbox(time, job_queue=3.0, job_duration=20.0)
    cold, cold_requests = cold_plan(sb, EXAMPLE)
    snap, notices, sent = snapshot_plan(sb, time)
    assert snap.to_json() == cold.to_json() and notices == []
    api = [p for p in paths(sent) if "zrnkoalistek" not in p]
    assert api.count("GET 127.0.0.1/api/products/snapshot") == 1
    assert api.count("GET 127.0.0.1/api/system/jobs/" + next(iter(sb.jobs.jobs))) == 1
    details = re.compile(r"GET 127\.0\.0\.1/api/products/[0-9a-f]{8}-")
    assert not [p for p in api if details.match(p)]
    assert len(sent) < cold_requests  # 32 with details on the demo shop
    job = next(iter(sb.jobs.jobs.values()))
    assert job.detail_reads == 0  # waited on the job list, not the detail
    assert sb.jobs.downloads == [
        {
            "host": "www.zrnkoalistek.cz",
            "path": f"/api-results/{job.file}",
            "status": 200,
            "token": False,
        }
    ]


def test_a_job_the_list_never_shows_is_waited_for_by_a_few_detail_reads():
    # Shoptet's clock days behind ours: the creationTimeFrom filter hides the job
    time = FakeTime()
    sb = make_sandbox(time, job_queue=3.0, job_duration=40.0, now=Clock())
    cold, _ = cold_plan(sb, EXAMPLE)
    snap, notices, sent = snapshot_plan(sb, time)
    assert snap.to_json() == cold.to_json() and notices == []
    job = next(iter(sb.jobs.jobs.values()))
    assert 1 <= job.detail_reads <= SnapshotSettings().detail_polls
    assert paths(sent).count("GET 127.0.0.1/api/system/jobs") == 3


def test_the_download_carries_no_credentials_and_asks_for_no_encoding():
    time = FakeTime()
    sb = make_sandbox(time)
    _, _, sent = snapshot_plan(sb, time)
    download = [r for r in sent if r.url.host == "www.zrnkoalistek.cz"]
    assert len(download) == 1
    headers = {k.lower() for k in download[0].headers}
    assert not headers & {"shoptet-private-api-token", "shoptet-access-token", "authorization"}
    assert download[0].headers["accept-encoding"] == "identity"
    api = [r for r in sent if r.url.host == "127.0.0.1"]
    assert all(r.headers.get("shoptet-private-api-token") for r in api)


def test_snapshot_includes_come_from_the_managed_fields_and_leave_stock_to_supplies():
    time = FakeTime()
    sb = make_sandbox(time)
    _, _, sent = snapshot_plan(sb, time)
    submit = next(r for r in sent if r.url.path == "/api/products/snapshot")
    asked = set(submit.url.params["include"].split(","))
    assert asked == {"allCategories", "variantParameters"}  # the example catalog's needs
    assert sum(r.url.path.endswith("/supplies") for r in sent) == 2  # the demo shop's 2 stocks


# -- fallbacks -------------------------------------------------------------------------------


def _refuse_job_list(request: httpx.Request):
    if request.url.path == "/api/system/jobs":
        body = {
            "data": None,
            "errors": [
                {
                    "errorCode": "invalid-token-no-rights",
                    "message": "No rights.",
                    "instance": "access-token",
                }
            ],
            "metadata": {"requestId": "x"},
        }
        return httpx.Response(403, json=body)
    return None


@pytest.mark.parametrize(
    ("config", "snapshot", "rewrite", "says"),
    [
        ({"webhooks": ()}, {}, None, "needs a registered job:finished webhook"),
        ({"job_outcome": "failed"}, {}, None, "ended failed: Export failed"),
        ({"job_validity": 0.0}, {}, None, "ended expired"),
        ({"job_duration": 5000.0}, {"budget": 120.0}, None, "did not finish within the 120 s"),
        (
            {"job_duration": 5000.0},
            {"budget": 10_000.0},
            _refuse_job_list,
            "still unprocessed after 8 detail reads",
        ),
        (
            {"job_duration": 5000.0},
            {"budget": 10_000.0, "detail_polls": 20},
            _refuse_job_list,
            "refused the job detail",
        ),
    ],
    ids=["no-webhook", "failed", "expired", "budget", "poll-limit", "shoptet-poll-403"],
)
def test_each_reason_falls_back_to_details_with_one_notice(config, snapshot, rewrite, says):
    time = FakeTime()
    sb = make_sandbox(time, **config)
    cold, _ = cold_plan(sb, EXAMPLE)
    plan, notices, _ = snapshot_plan(sb, time, SnapshotSettings(**snapshot), rewrite)
    assert plan.to_json() == cold.to_json()
    assert len(notices) == 1 and says in notices[0], notices
    assert notices[0].endswith("reading product details instead.")
    assert time.t - 1000.0 <= snapshot.get("budget", 600.0)
    assert all(
        j.detail_reads <= 10 + (snapshot.get("detail_polls", 0) > 10) for j in sb.jobs.jobs.values()
    )
    if config.get("webhooks") == ():
        assert sb.jobs.jobs == {}  # Shoptet queues nothing without the webhook
    assert sb.jobs.downloads == []


def test_a_result_that_cannot_be_read_falls_back():
    def gone(request):
        if request.url.host == "www.zrnkoalistek.cz":
            return httpx.Response(404, text="Not Found")
        return None

    time = FakeTime()
    sb = make_sandbox(time)
    cold, _ = cold_plan(sb, EXAMPLE)
    plan, notices, _ = snapshot_plan(sb, time, rewrite=gone)
    assert plan.to_json() == cold.to_json()
    assert notices == [
        "Snapshot read: its result could not be read (The snapshot result answered HTTP 404 "
        "(expired or removed).); reading product details instead."
    ]


def test_a_corrupt_result_line_falls_back():
    def corrupt(request):
        if request.url.host == "www.zrnkoalistek.cz":
            return httpx.Response(200, content=b'{"guid": "x"}\n{not json\n')
        return None

    time = FakeTime()
    sb = make_sandbox(time)
    _, notices, _ = snapshot_plan(sb, time, rewrite=corrupt)
    assert len(notices) == 1 and "line 2 is not JSON" in notices[0]


# -- the result host -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/api-results/x.json",
        "https://www.zrnkoalistek.cz.evil.example/api-results/x.json",
        "http://www.zrnkoalistek.cz/api-results/x.json",  # downgraded to http
        "https://www.zrnkoalistek.cz:8443/api-results/x.json",
        "https://user:pw@www.zrnkoalistek.cz/api-results/x.json",
        "https://127.0.0.1/api-results/x.json",  # the API host is not the e-shop
    ],
)
def test_a_result_url_off_the_eshop_origin_is_refused_before_any_request(elsewhere):
    time = FakeTime()
    sb = make_sandbox(time)

    def point_elsewhere(request: httpx.Request):
        if request.url.path.startswith("/api/system/jobs/"):
            answer = sb.transport().handle_request(request)
            body = json.loads(answer.content)
            body["data"]["job"]["resultUrl"] = elsewhere
            return httpx.Response(200, json=body)
        return None

    with pytest.raises(J.ResultHostRefused) as refused:
        snapshot_plan(sb, time, rewrite=point_elsewhere)
    assert "Nothing was downloaded" in str(refused.value)
    assert "sandbox-token" not in str(refused.value)
    assert sb.jobs.downloads == []


def test_no_request_reaches_the_foreign_host():
    time = FakeTime()
    sb = make_sandbox(time)
    seen: list[httpx.Request] = []

    def point_elsewhere(request: httpx.Request):
        seen.append(request)
        if request.url.path.startswith("/api/system/jobs/"):
            answer = sb.transport().handle_request(request)
            body = json.loads(answer.content)
            body["data"]["job"]["resultUrl"] = "https://evil.example/r.json"
            return httpx.Response(200, json=body)
        return None

    with pytest.raises(J.ResultHostRefused):
        snapshot_plan(sb, time, rewrite=point_elsewhere)
    assert all(r.url.host != "evil.example" for r in seen)


@pytest.mark.parametrize(
    ("result", "eshop", "ok"),
    [
        ("https://shop.cz/api-results/a.json", "https://shop.cz/", True),
        ("https://SHOP.cz:443/api-results/a.json", "https://shop.cz", True),
        ("http://127.0.0.1:5000/api-results/a.json", "http://127.0.0.1:5000/", True),
        ("https://shop.cz/api-results/a.json", None, False),  # nothing to compare with
        ("https://shop.cz/api-results/a.json", "https://www.shop.cz/", False),
        ("http://127.0.0.1:5001/api-results/a.json", "http://127.0.0.1:5000/", False),
        ("ftp://shop.cz/a.json", "ftp://shop.cz/", False),
        ("https://shop.cz:bad/a.json", "https://shop.cz/", False),
    ],
)
def test_result_url_check(result, eshop, ok):
    if ok:
        assert J.check_result_url(result, eshop) == result
    else:
        with pytest.raises(J.ResultHostRefused):
            J.check_result_url(result, eshop)


# -- the requests are Shoptet's --------------------------------------------------------------


def test_snapshot_job_and_webhook_requests_conform_to_the_openapi_file():
    from reconciler.webhooks import ensure_job_finished

    spec = require_spec()
    time = FakeTime()
    sb = make_sandbox(time, webhooks=())
    sink: list = []
    with sandbox_client(sb, wrap=lambda inner: Recorder(inner, "snapshot", sink)) as c:
        ensure_job_finished(c, "https://hooks.example.com/job-finished")
        job_id = J.submit_products_snapshot(c, ["allCategories", "variantParameters"])
        list(J.iter_jobs(c, status="completed", created_from=Clock()()))
        job = J.get_job(c, job_id)
        lines = list(J.iter_result_lines(c, job.resultUrl or "", ESHOP + "/"))
    assert len(lines) == len(sb.state()["products"])
    problems = problems_of(spec, sink)
    assert not problems, "\n".join(problems)
    assert {(r.method, r.path) for r in sink} >= {
        ("GET", "/api/products/snapshot"),
        ("GET", "/api/system/jobs"),
        ("GET", f"/api/system/jobs/{job_id}"),
        ("GET", "/api/webhooks"),
        ("POST", "/api/webhooks"),
    }


def test_the_served_sandbox_puts_results_on_a_second_origin():
    from tests.support.sandbox_client import served

    sb = Sandbox.from_seed("demo", limits=False)
    with served(sb) as server:
        assert server.results_url != server.url
        with sandbox_client(url=server.url, read_only=True) as c:
            shop = read_shop(c)
            assert shop.eshop_url == server.results_url + "/"
            job = J.get_job(c, J.submit_products_snapshot(c))
            assert job.resultUrl and job.resultUrl.startswith(server.results_url + "/api-results/")
            assert len(list(J.iter_result_lines(c, job.resultUrl, shop.eshop_url))) == 32
            # the API's origin does not serve results, the e-shop's serves no API
            assert (
                httpx.get(server.url + job.resultUrl[len(server.results_url) :]).status_code == 404
            )
            assert httpx.get(server.results_url + "/api/eshop").status_code == 404
    assert sb.config.result_origin is None


def test_a_plan_on_another_pricelist_reads_the_same_through_the_snapshot():
    # perPricelistPrices is asked for and kept only for products managing a price field
    time = FakeTime()
    sb = make_sandbox(time)
    state = sb.state()
    state["pricelists"].append({"id": 2, "name": "VIP"})
    for product in state["products"][::2]:  # half the variants have a row in pricelist 2
        for variant in product["variants"]:
            row = dict(variant["prices"]["1"])
            row["price"] = f"{float(row['price'] or 0) * 0.9:.2f}"
            variant["prices"]["2"] = row
    sb.load_state(state)
    shop = EXAMPLE.catalog.shop.model_copy(update={"pricelist": 2})
    loaded = type(EXAMPLE)(
        catalog=EXAMPLE.catalog.model_copy(update={"shop": shop}),
        locations=EXAMPLE.locations,
        digest=EXAMPLE.digest,
    )
    cold, _ = cold_plan(sb, loaded)
    snap, notices, sent = snapshot_plan(sb, time, loaded=loaded)
    assert notices == [] and snap.to_json() == cold.to_json()
    assert '"price"' in snap.to_json()  # the plan does compare prices
    submit = next(r for r in sent if r.url.path == "/api/products/snapshot")
    assert "perPricelistPrices" in submit.url.params["include"].split(",")


def test_the_live_products_are_the_detail_reads_field_for_field():
    # Not only the same plan: the same live models, with the same fields known, so nothing
    # downstream can tell which read made them (sections a product did not ask for are dropped).
    from reconciler.live.read import read_live
    from reconciler.live.snapshot import read_live_snapshot

    time = FakeTime()
    sb = make_sandbox(time)

    def dump(live):
        return {
            g: p.model_dump(exclude_unset=True, mode="json")
            for g, p in sorted(live.catalog.products.items())
        }

    with sandbox_client(sb, read_only=True) as c:
        shop = read_shop(c, EXAMPLE.catalog.shop)
        details = read_live(c, EXAMPLE.catalog, shop=shop)
        snap = read_live_snapshot(c, EXAMPLE.catalog, shop=shop, sleep=time.sleep, clock=time.clock)
    assert dump(snap) == dump(details)
    assert snap.details == details.details


def test_a_token_without_supplies_rights_falls_back():
    time = FakeTime()
    sb = make_sandbox(time, forbidden=("/api/stocks/1/supplies",))
    cold, _ = cold_plan(sb, EXAMPLE)
    plan, notices, _ = snapshot_plan(sb, time)
    assert plan.to_json() == cold.to_json()
    assert notices == [
        "Snapshot read: the token may not read stock supplies (GET /api/stocks/1/supplies: "
        "HTTP 403); reading product details instead."
    ]
