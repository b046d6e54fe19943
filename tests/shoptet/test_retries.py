"""The retry policy, end to end through the client, one row per method x outcome.

Each case fails the first send in one way and answers the second normally. The table states
whether the client resent, how many sends reached the transport, the waits it asked the
injected ``sleep`` for, and which error surfaced. ``rng`` is fixed at 1.0, so full-jitter
backoff waits exactly its ceiling (0.5 s for the first retry).
"""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from reconciler import errors as E
from tests.shoptet.conftest import FakeTime, envelope, error_body

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CATEGORY = "5c499a23-70ac-11e9-9208-08002774f818"

CALLS = {
    # method: (route path, client call, success response)
    "GET": ("/api/stocks", lambda c: c.get_stocks(), 200, {"stocks": [], "defaultStockId": 1}),
    "POST": (
        "/api/products",
        lambda c: c.create_product(
            {
                "guid": GUID,
                "name": "Chocolate",
                "defaultCategoryGuid": CATEGORY,
                "variants": [{"code": "CHOC-100"}],
            }
        ),
        201,
        {"product": {"guid": GUID}},
    ),
    "PATCH": (
        f"/api/products/{GUID}",
        lambda c: c.patch_product(GUID, {"name": "Dark chocolate"}),
        200,
        {"guid": GUID},
    ),
    "DELETE": (f"/api/products/{GUID}", lambda c: c.delete_product(GUID), 200, None),
}


def retry_after_date(fake: FakeTime, seconds: float) -> str:
    return formatdate(fake.wallclock() + seconds, usegmt=True)


def failure(outcome: str, fake: FakeTime):
    """The first answer for ``outcome``: an exception to raise or a response."""
    if outcome == "connect":
        return httpx.ConnectError("connection refused")
    if outcome == "timeout-after-send":
        return httpx.ReadTimeout("read timed out")
    if outcome == "429-date":
        return httpx.Response(
            429,
            headers={"Retry-After": retry_after_date(fake, 7)},
            json=error_body("too-many-requests"),
        )
    if outcome == "429-seconds":
        return httpx.Response(429, headers={"Retry-After": "3"}, json=error_body("too-many-requests"))
    status = int(outcome)
    return httpx.Response(status, json=error_body(f"code-{status}"))


RETRIED_ALL = {"connect": 0.5, "429-date": 7.0, "429-seconds": 3.0, "423": 2.0, "503": 0.5}
RETRIED_GET_ONLY = {"timeout-after-send": 0.5, "500": 0.5, "502": 0.5, "504": 0.5}
NOT_RETRIED = {
    "400": E.ValidationFailed,
    "401": E.AuthError,
    "403": E.PermissionDenied,
    "404": E.NotFound,
    "409": E.Conflict,
    "413": E.TooLarge,
    "422": E.ValidationFailed,
}
OUTCOMES = [*RETRIED_ALL, *RETRIED_GET_ONLY, *NOT_RETRIED]


def expectation(method: str, outcome: str):
    """(sends, waits, error class or None)."""
    if outcome in RETRIED_ALL:
        return 2, [RETRIED_ALL[outcome]], None
    if outcome in RETRIED_GET_ONLY:
        if method == "GET":
            return 2, [RETRIED_GET_ONLY[outcome]], None
        return 1, [], E.WriteOutcomeUnknown
    return 1, [], NOT_RETRIED[outcome]


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("method", list(CALLS))
def test_retry_table(method, outcome, make_client, router, fake_time):
    path, call, ok_status, ok_data = CALLS[method]
    answers = [failure(outcome, fake_time), httpx.Response(ok_status, json=envelope(ok_data))]
    route = router.route(method=method, path=path).mock(side_effect=answers)
    client = make_client()
    sends, waits, error = expectation(method, outcome)

    if error is None:
        result = call(client)
        assert result is not None
    else:
        with pytest.raises(error) as caught:
            call(client)
        exc = caught.value
        if isinstance(exc, E.ApiStatusError):
            assert exc.status == int(outcome)
            assert exc.error_code == f"code-{outcome}"
            assert exc.instance == "x"
            assert exc.request_id == "req-err"
        if error is E.WriteOutcomeUnknown:
            assert exc.reread and GUID in exc.reread
            assert "not resent" in str(exc) and "re-read" in str(exc)

    assert route.call_count == sends
    assert fake_time.sleeps == waits
    assert client.request_count == sends


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
def test_a_write_with_unknown_outcome_is_never_resent(method, exc, make_client, router, fake_time):
    path, call, ok_status, ok_data = CALLS[method]
    route = router.route(method=method, path=path).mock(
        side_effect=[exc("lost"), httpx.Response(ok_status, json=envelope(ok_data))]
    )
    with pytest.raises(E.WriteOutcomeUnknown) as caught:
        call(make_client())
    assert route.call_count == 1
    assert fake_time.sleeps == []
    assert caught.value.method == method


def test_attempts_are_bounded_and_backoff_doubles(make_client, router, fake_time):
    route = router.get("/api/stocks").mock(return_value=httpx.Response(503, json=error_body("m")))
    with pytest.raises(E.RetryBudgetExhausted) as caught:
        make_client(max_attempts=4).get_stocks()
    assert route.call_count == 4
    assert fake_time.sleeps == [0.5, 1.0, 2.0]
    assert isinstance(caught.value.last, E.ServerError)
    assert caught.value.status == 503
    assert "4 attempt" in str(caught.value)


def test_backoff_is_capped(make_client, router, fake_time):
    router.get("/api/stocks").mock(return_value=httpx.Response(500, json=error_body("x")))
    with pytest.raises(E.RetryBudgetExhausted):
        make_client(max_attempts=6, backoff_cap=1.5, max_total_wait=100).get_stocks()
    assert fake_time.sleeps == [0.5, 1.0, 1.5, 1.5, 1.5]


def test_total_wait_is_bounded(make_client, router, fake_time):
    route = router.get("/api/stocks").mock(return_value=httpx.Response(500, json=error_body("x")))
    with pytest.raises(E.RetryBudgetExhausted):
        make_client(max_attempts=10, max_total_wait=3).get_stocks()
    assert fake_time.sleeps == [0.5, 1.0]  # the next wait (2.0) would pass 3 s in total
    assert route.call_count == 3


def test_retry_after_longer_than_the_budget_gives_up_at_once(make_client, router, fake_time):
    router.get("/api/stocks").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "600"}, json=error_body("rl"))
    )
    with pytest.raises(E.RetryBudgetExhausted) as caught:
        make_client(max_total_wait=60).get_stocks()
    assert fake_time.sleeps == []
    assert isinstance(caught.value.last, E.RateLimited)
    assert caught.value.last.retry_after == 600


@pytest.mark.parametrize("value", ["Mon, 01 Jul 2019 12:01:11 GMT", "soon", "-5", ""])
def test_past_or_malformed_retry_after_falls_back_to_backoff(value, make_client, router, fake_time):
    router.get("/api/stocks").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": value}, json=error_body("rl")),
            httpx.Response(200, json=envelope({"stocks": []})),
        ]
    )
    make_client().get_stocks()
    assert fake_time.sleeps == [0.5]


def test_a_429_that_persists_is_raised_as_rate_limited(make_client, router, fake_time):
    router.get("/api/stocks").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "1"}, json=error_body("rl"))
    )
    with pytest.raises(E.RetryBudgetExhausted) as caught:
        make_client(max_attempts=3).get_stocks()
    assert fake_time.sleeps == [1.0, 1.0]
    assert caught.value.status == 429


def test_503_with_retry_after_waits_as_told(make_client, router, fake_time):
    router.patch(f"/api/products/{GUID}").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "12"}, json=error_body("maintenance")),
            httpx.Response(200, json=envelope({"guid": GUID})),
        ]
    )
    make_client().patch_product(GUID, {"name": "x"})
    assert fake_time.sleeps == [12.0]
