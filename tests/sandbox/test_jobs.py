"""The sandbox's asynchronous jobs and webhook registration, as Shoptet documents them (every
answer is also checked against the OpenAPI file by the suite-wide watch)."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import FakeClock, raw_client


@pytest.fixture
def timed():
    clock = FakeClock()

    def make(**settings) -> tuple[Sandbox, httpx.Client, FakeClock]:
        sb = Sandbox.from_seed("demo", clock=clock, **settings)
        return sb, raw_client(sb), clock

    return make


def submit(c: httpx.Client, **params) -> str:
    r = c.get("/api/products/snapshot", params=params)
    assert r.status_code == 202, r.text
    return r.json()["data"]["jobId"]


def test_a_job_goes_pending_running_completed_expired(timed):
    _, c, clock = timed(job_queue=10.0, job_duration=20.0, job_validity=100.0)
    job_id = submit(c, include="allCategories")
    seen = []
    for t in (0, 9, 10, 29, 30, 129, 130):
        clock.t = t
        job = c.get(f"/api/system/jobs/{job_id}").json()["data"]["job"]
        seen.append((t, job["status"], job["resultUrl"] is not None))
    assert seen == [
        (0, "pending", False),
        (9, "pending", False),
        (10, "running", False),
        (29, "running", False),
        (30, "completed", True),
        (129, "completed", True),
        (130, "expired", False),
    ]


def test_the_eleventh_detail_read_of_an_unprocessed_job_is_refused(timed):
    _, c, clock = timed(job_duration=100.0)
    job_id = submit(c)
    statuses = [c.get(f"/api/system/jobs/{job_id}").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [403]
    refused = c.get(f"/api/system/jobs/{job_id}").json()["errors"][0]
    assert refused["errorCode"] == "job-detail-try-counter-exceeded-limit"
    clock.t = 100  # processed: the detail is readable again, as often as wanted
    assert all(c.get(f"/api/system/jobs/{job_id}").status_code == 200 for _ in range(12))


def test_the_job_list_filters_and_has_no_result_url(timed):
    _, c, clock = timed(job_duration=50.0)
    first = submit(c)
    clock.t = 60
    second = submit(c)
    rows = c.get("/api/system/jobs").json()["data"]["jobs"]
    assert [(j["jobId"], j["status"]) for j in rows] == [(first, "completed"), (second, "running")]
    assert all("resultUrl" not in j for j in rows)
    done = c.get("/api/system/jobs", params={"status": "completed"}).json()["data"]["jobs"]
    assert [j["jobId"] for j in done] == [first]
    assert c.get("/api/system/jobs", params={"status": "done"}).status_code == 400
    assert c.get("/api/system/jobs/nope").status_code == 404


def test_snapshot_refusals(timed):
    _, c, _ = timed(webhooks=())
    r = c.get("/api/products/snapshot")
    assert (
        r.status_code == 403 and r.json()["errors"][0]["errorCode"] == "job-webhook-not-registered"
    )
    _, c, _ = timed()
    many = ",".join(f"00000000-0000-0000-0000-{i:012d}" for i in range(51))
    assert c.get("/api/products/snapshot", params={"productGuids": many}).status_code == 400
    assert c.get("/api/products/snapshot", params={"include": "nonsense"}).status_code == 400


def test_the_result_is_gzip_json_lines_of_details_on_the_eshop_host_only(timed):
    sb, c, _ = timed()
    guid = sb.state()["products"][0]["guid"]
    job_id = submit(c, include="perStockAmounts", productGuids=guid)
    url = c.get(f"/api/system/jobs/{job_id}").json()["data"]["job"]["resultUrl"]
    assert url.startswith("https://www.zrnkoalistek.cz/api-results/")
    anywhere = httpx.Client(transport=sb.transport())
    body = anywhere.get(url).content
    assert body[:2] == b"\x1f\x8b"
    lines = gzip.decompress(body).decode().splitlines()
    detail = c.get(f"/api/products/{guid}", params={"include": "perStockAmounts"}).json()["data"]
    assert [json.loads(line) for line in lines] == [detail]
    path = url.split(".cz", 1)[1]
    assert anywhere.get("http://127.0.0.1" + path).status_code == 404  # not on the API's host
    assert anywhere.get("https://www.zrnkoalistek.cz/api/eshop").status_code == 404
    assert [d["status"] for d in sb.jobs.downloads] == [200, 404]


def test_webhook_registration(timed):
    sb, c, _ = timed(webhooks=())
    hook = {"event": "job:finished", "url": "https://h.example/x"}
    r = c.post("/api/webhooks", json={"data": [hook]})
    assert r.status_code == 201 and r.json()["data"]["webhooks"][0]["url"] == hook["url"]
    again = c.post("/api/webhooks", json={"data": [{**hook, "url": "https://other.example/"}]})
    assert again.status_code == 422
    assert again.json()["errors"][0]["message"] == "Webhook already exists for this event"
    assert [(w.event, w.url) for w in sb.jobs.webhooks] == [("job:finished", hook["url"])]
    bad = [
        {"data": [{"event": "order:create"}]},
        {"data": [{"event": "order:create", "url": "ftp://x"}]},
        {"data": [{"event": "order:create", "url": "https://x/" + "a" * 2000}]},
        {"data": []},
    ]
    assert [c.post("/api/webhooks", json=b).status_code for b in bad] == [422] * 4
    listed = c.get("/api/webhooks").json()["data"]["webhooks"]
    assert [w["event"] for w in listed] == ["job:finished"]
    sb.reset()
    assert sb.jobs.webhooks == [] and sb.jobs.jobs == {}


def test_job_settings_through_the_admin_api(timed):
    sb, _, _ = timed()
    admin = httpx.Client(transport=sb.transport(), base_url="http://127.0.0.1")
    r = admin.patch("/_sandbox/config", json={"job_outcome": "failed", "job_duration": 5})
    assert r.status_code == 200 and r.json()["job_outcome"] == "failed"
    assert admin.patch("/_sandbox/config", json={"job_outcome": "done"}).status_code == 400
    assert admin.patch("/_sandbox/config", json={"job_queue": -1}).status_code == 400
    assert sb.config.job_outcome == "failed" and sb.config.job_queue == 0.0
