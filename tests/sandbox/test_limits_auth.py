"""Auth (notes §1), the leaky bucket, concurrency and 423 locks (notes §4), time scale."""

from __future__ import annotations

import threading
from email.utils import parsedate_to_datetime

import pytest

from tests.support.sandbox_client import raw_client


class Clock:
    def __init__(self):
        self.t = 1000.0
        self.wall = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
        self.wall += seconds


@pytest.fixture
def clock():
    return Clock()


# -- auth ----------------------------------------------------------------------------------
def test_private_token_header(make_sandbox):
    """notes §1a: Shoptet-Private-API-Token; a wrong one is 401 invalid-token."""
    sb = make_sandbox("empty", token="s3cret")
    with raw_client(sb, token=None) as c:
        ok = c.get("/api/eshop", headers={"Shoptet-Private-API-Token": "s3cret"})
        bad = c.get("/api/eshop", headers={"Shoptet-Private-API-Token": "sandbox-token"})
        missing = c.get("/api/eshop")
    assert ok.status_code == 200
    assert bad.status_code == 401 and bad.json()["errors"][0]["errorCode"] == "invalid-token"
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["errorCode"] == "missing-access-token"
    assert "s3cret" not in repr(sb.config) and "s3cret" not in str(sb.request_log)


def test_oauth_access_token_flow_and_expiry(make_sandbox, clock):
    """notes §1b/§1c: getAccessToken with Bearer OAuth token -> access_token/expires_in;
    Shoptet-Access-Token works until expiry, then 401 expired-token."""
    sb = make_sandbox("empty", oauth_token="oa", access_token_lifetime=60, clock=clock)
    with raw_client(sb, token=None) as c:
        denied = c.get(
            "/action/ApiOAuthServer/getAccessToken", headers={"Authorization": "Bearer wrong"}
        )
        assert denied.status_code == 401 and "error" in denied.json()
        issued = c.get(
            "/action/ApiOAuthServer/getAccessToken", headers={"Authorization": "Bearer oa"}
        ).json()
        assert issued["expires_in"] == 60 and 38 <= len(issued["access_token"]) <= 60
        headers = {"Shoptet-Access-Token": issued["access_token"]}
        assert c.get("/api/eshop", headers=headers).status_code == 200
        clock.advance(61)
        expired = c.get("/api/eshop", headers=headers)
        assert expired.status_code == 401
        assert expired.json()["errors"][0]["errorCode"] == "expired-token"
        unknown = c.get("/api/eshop", headers={"Shoptet-Access-Token": "123-a-nope"})
        assert unknown.json()["errors"][0]["errorCode"] == "invalid-token"


def test_at_most_five_access_tokens_valid(make_sandbox):
    """notes §1b: at most 5 API access tokens valid at once per OAuth token."""
    sb = make_sandbox("empty")
    with raw_client(sb, token=None) as c:
        tokens = [
            c.get(
                "/action/ApiOAuthServer/getAccessToken",
                headers={"Authorization": "Bearer sandbox-oauth"},
            ).json()["access_token"]
            for _ in range(6)
        ]
        statuses = [
            c.get("/api/stocks", headers={"Shoptet-Access-Token": t}).status_code for t in tokens
        ]
    assert statuses == [401, 200, 200, 200, 200, 200]


# -- leaky bucket ----------------------------------------------------------------------------
def test_bucket_fills_then_429_with_retry_after_then_drains(make_sandbox, clock):
    """notes §4: X-RateLimit-Bucket-Filling on every response; 429 + HTTP-date Retry-After when
    full; drains 10 drops/s."""
    sb = make_sandbox(
        "empty", bucket_capacity=5, drain_rate=10, clock=clock, wall=lambda: clock.wall
    )
    with raw_client(sb) as c:
        fills = [c.get("/api/stocks").headers["X-RateLimit-Bucket-Filling"] for _ in range(5)]
        assert fills == ["1/5", "2/5", "3/5", "4/5", "5/5"]
        full = c.get("/api/stocks")
        assert full.status_code == 429
        assert full.headers["X-RateLimit-Bucket-Filling"] == "5/5"
        retry = parsedate_to_datetime(full.headers["Retry-After"])
        assert 0 < retry.timestamp() - clock.wall <= 1
        clock.advance(0.1)  # one drop drained
        assert c.get("/api/stocks").status_code == 200


def test_limits_off_never_429_but_headers_stay(make_sandbox, clock):
    sb = make_sandbox("empty", bucket_capacity=2, limits=False, clock=clock)
    with raw_client(sb) as c:
        responses = [c.get("/api/stocks") for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert responses[-1].headers["X-RateLimit-Bucket-Filling"] == "5/2"


def test_time_scale_drains_faster_and_shortens_retry_after(make_sandbox, clock):
    """Issue: the time scale runs bucket drain, latency and Retry-After faster together."""
    sb = make_sandbox(
        "empty",
        bucket_capacity=2,
        drain_rate=1,
        time_scale=10,
        clock=clock,
        wall=lambda: clock.wall,
    )
    with raw_client(sb) as c:
        c.get("/api/stocks")
        c.get("/api/stocks")
        full = c.get("/api/stocks")
        assert full.status_code == 429
        clock.advance(0.1)  # = 1 Shoptet second = one drop at time scale 10
        assert c.get("/api/stocks").status_code == 200
    assert sb.config.real(5.0) == 0.5


def test_cost_per_request_is_configurable(make_sandbox, clock):
    sb = make_sandbox("empty", bucket_capacity=10, request_cost=5, clock=clock)
    with raw_client(sb) as c:
        assert [c.get("/api/stocks").status_code for _ in range(3)] == [200, 200, 429]


# -- concurrency and locks -------------------------------------------------------------------
def _blocking(sb):
    """Make every API request wait on an event inside the in-flight window."""
    gate, entered = threading.Event(), threading.Semaphore(0)

    def sleep(_seconds):
        entered.release()
        gate.wait(5)

    sb.config.sleep = sleep
    sb.config.latency = 1.0
    return gate, entered


def test_three_concurrent_requests_pass_a_fourth_gets_429(make_sandbox):
    """notes §4: at most 3 concurrent requests per token, else 429."""
    sb = make_sandbox("empty")
    gate, entered = _blocking(sb)
    results = []
    with raw_client(sb) as c:
        threads = [
            threading.Thread(target=lambda: results.append(c.get("/api/stocks"))) for _ in range(3)
        ]
        for t in threads:
            t.start()
        for _ in range(3):
            assert entered.acquire(timeout=5)
        fourth = c.get("/api/stocks")
        gate.set()
        for t in threads:
            t.join()
    assert fourth.status_code == 429
    assert "X-RateLimit-Bucket-Filling" in fourth.headers
    assert [r.status_code for r in results] == [200, 200, 200]


def test_duplicate_in_flight_write_gets_423(make_sandbox):
    """notes §4: the same write sent twice in quick succession: the second gets 423."""
    sb = make_sandbox("demo")
    gate, entered = _blocking(sb)
    guid = sb.state()["products"][0]["guid"]
    results = []
    with raw_client(sb) as c:
        t = threading.Thread(
            target=lambda: results.append(
                c.patch(f"/api/products/{guid}", json={"data": {"name": "A"}})
            )
        )
        t.start()
        assert entered.acquire(timeout=5)
        sb.config.latency = 0
        second = c.patch(f"/api/products/{guid}", json={"data": {"name": "B"}})
        other = c.get(f"/api/products/{guid}")  # reads are never locked
        gate.set()
        t.join()
    assert second.status_code == 423
    assert other.status_code == 200
    assert results[0].status_code == 200
    assert sb.state()["products"][0]["name"] == "A"


def test_latency_is_applied_and_scaled(make_sandbox):
    slept = []
    sb = make_sandbox("empty", latency=0.2, time_scale=4, sleep=slept.append)
    with raw_client(sb) as c:
        c.get("/api/eshop")
    assert slept == [0.05]


def test_in_process_transport_does_not_sleep_by_default(make_sandbox):
    slept = []
    sb = make_sandbox("empty", sleep=slept.append)
    with raw_client(sb) as c:
        c.get("/api/eshop")
    assert slept == []


def test_forbidden_prefixes_answer_403_invalid_token_no_rights(make_sandbox):
    """notes §1a: a token without the endpoint group's rights gets 403 invalid-token-no-rights."""
    sb = make_sandbox("demo", forbidden=("/api/products",))
    guid = sb.state()["products"][0]["guid"]
    with raw_client(sb) as c:
        denied = c.get(f"/api/products/{guid}")
        allowed = c.get("/api/eshop")
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["errorCode"] == "invalid-token-no-rights"
    assert allowed.status_code == 200
