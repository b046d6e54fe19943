"""Every wait and every read is bounded: a long Retry-After or bucket pause, a run's total
waiting, a trickling body, an oversized body and deeply nested JSON each end with a clear error.

Time is the injected fake clock: nothing here really sleeps. A trickling body is a stream that
advances the fake clock as each chunk arrives.
"""

from __future__ import annotations

import gzip
import json
from email.utils import formatdate

import httpx
import pytest

from reconciler import errors as E
from reconciler.shoptet import ClientConfig
from tests.shoptet.conftest import FakeTime, envelope, error_body

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
STOCKS = {"stocks": [], "defaultStockId": 1}
TOKEN_URL = "https://12345.myshoptet.com/action/ApiOAuthServer/getAccessToken"


def ok(headers: dict | None = None) -> httpx.Response:
    return httpx.Response(200, headers=headers or {}, json=envelope(STOCKS))


def limited(retry_after: str, status: int = 429) -> httpx.Response:
    return httpx.Response(status, headers={"Retry-After": retry_after}, json=error_body("rl"))


# -- one wait longer than the cap --------------------------------------------------------


@pytest.mark.parametrize("value", ["121", "3600", "1e308", "inf"])
def test_a_retry_after_over_the_cap_stops_instead_of_sleeping(
    value, make_client, router, fake_time
):
    route = router.get("/api/stocks").mock(side_effect=[limited(value), ok()])
    with pytest.raises(E.RetryBudgetExhausted) as info:
        make_client(max_total_wait=10_000).get_stocks()
    assert fake_time.sleeps == []
    assert route.call_count == 1
    message = str(info.value)
    assert "more than the 120 s this tool waits at a time" in message
    assert "Run again later" in message
    assert isinstance(info.value.last, E.RateLimited) and info.value.status == 429


def test_a_retry_after_date_over_the_cap_stops_too(make_client, router, fake_time):
    later = formatdate(fake_time.wallclock() + 600, usegmt=True)
    router.get("/api/stocks").mock(side_effect=[limited(later, 503), ok()])
    with pytest.raises(E.RetryBudgetExhausted, match="asked to wait 600 s"):
        make_client(max_total_wait=10_000).get_stocks()
    assert fake_time.sleeps == []


def test_a_retry_after_at_the_cap_is_waited(make_client, router, fake_time):
    router.get("/api/stocks").mock(side_effect=[limited("120"), ok()])
    make_client().get_stocks()
    assert fake_time.sleeps == [120.0]


def test_the_cap_is_configurable(make_client, router, fake_time):
    router.get("/api/stocks").mock(side_effect=[limited("30"), ok()])
    with pytest.raises(E.RetryBudgetExhausted, match="more than the 20 s"):
        make_client(max_wait=20).get_stocks()
    assert fake_time.sleeps == []


def test_a_bucket_pause_over_the_cap_stops_before_the_next_request(make_client, router, fake_time):
    router.get("/api/stocks").mock(return_value=ok({"X-RateLimit-Bucket-Filling": "5000/200"}))
    write = router.patch(f"/api/products/{GUID}").mock(return_value=ok())
    client = make_client()
    client.get_stocks()  # the answer itself arrived and is returned
    with pytest.raises(E.RetryBudgetExhausted) as info:
        client.patch_product(GUID, {"name": "x"})
    assert write.call_count == 0  # stopped before sending
    assert fake_time.sleeps == []
    assert "X-RateLimit-Bucket-Filling" in str(info.value) and "485 s pause" in str(info.value)


def test_a_bucket_pause_within_the_cap_is_waited(make_client, router, fake_time):
    router.get("/api/stocks").mock(
        side_effect=[ok({"X-RateLimit-Bucket-Filling": "160/200"}), ok()]
    )
    client = make_client()
    client.get_stocks()
    client.get_stocks()
    assert fake_time.sleeps == [1.0]


# -- the run's total waiting -------------------------------------------------------------


def test_the_run_wait_budget_spans_requests(make_client, router, fake_time):
    route = router.get("/api/stocks").mock(side_effect=[limited("6"), ok(), limited("6"), ok()])
    client = make_client(max_run_wait=10)
    client.get_stocks()
    with pytest.raises(E.RetryBudgetExhausted) as info:
        client.get_stocks()  # its own 6 s are within max_total_wait, but the run's 12 s are not
    assert fake_time.sleeps == [6.0]
    assert route.call_count == 3
    message = str(info.value)
    assert "budget of 10 s" in message and "SHOPTET_MAX_RUN_WAIT" in message
    assert client.session.run_waited == 6.0


def test_the_run_wait_budget_counts_bucket_pauses(make_client, router, fake_time):
    router.get("/api/stocks").mock(return_value=ok({"X-RateLimit-Bucket-Filling": "200/200"}))
    client = make_client(max_run_wait=12)
    with pytest.raises(E.RetryBudgetExhausted, match="budget of 12 s"):
        for _ in range(10):
            client.get_stocks()
    assert sum(fake_time.sleeps) <= 12
    assert fake_time.sleeps == [5.0, 5.0]


def test_the_default_run_budget_is_15_minutes():
    assert ClientConfig(private_token="token-123456").max_run_wait == 900


@pytest.mark.parametrize(("value", "expected"), [("60", 60.0), ("1800.5", 1800.5)])
def test_the_run_budget_from_the_environment(value, expected):
    env = {"SHOPTET_PRIVATE_API_TOKEN": "token-123456", "SHOPTET_MAX_RUN_WAIT": value}
    assert ClientConfig.from_env(env).max_run_wait == expected


@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf", "nan", "15m"])
def test_an_unusable_run_budget_is_a_clear_error(value):
    env = {"SHOPTET_PRIVATE_API_TOKEN": "token-123456", "SHOPTET_MAX_RUN_WAIT": value}
    with pytest.raises(E.ConfigError, match="SHOPTET_MAX_RUN_WAIT must be a number of seconds"):
        ClientConfig.from_env(env)


@pytest.mark.parametrize(
    "name", ["max_wait", "max_run_wait", "response_deadline", "max_response_bytes"]
)
@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan")])
def test_bounds_must_be_positive_and_finite(name, value):
    with pytest.raises(E.ConfigError, match=name):
        ClientConfig(private_token="token-123456", **{name: value})


# -- a body that trickles ----------------------------------------------------------------


class Trickle(httpx.SyncByteStream):
    """A body in ``parts`` chunks, each arriving ``step`` fake seconds after the one before."""

    def __init__(self, fake: FakeTime, body: bytes, parts: int, step: float):
        self.fake, self.step = fake, step
        size = -(-len(body) // parts)
        self.chunks = [body[i : i + size] for i in range(0, len(body), size)]

    def __iter__(self):
        for chunk in self.chunks:
            self.fake.now += self.step
            yield chunk


def trickle(fake: FakeTime, step: float, parts: int = 10, data=STOCKS) -> httpx.Response:
    body = json.dumps(envelope(data)).encode()
    return httpx.Response(200, stream=Trickle(fake, body, parts, step))


def test_a_trickling_read_is_cut_off_and_retried(make_client, router, fake_time):
    route = router.get("/api/stocks").mock(
        side_effect=[trickle(fake_time, step=40), trickle(fake_time, step=1)]
    )
    assert make_client(response_deadline=300).get_stocks().defaultStockId == 1
    assert route.call_count == 2  # the first body passed 300 s after 8 chunks; resent once
    assert fake_time.sleeps == [0.5]


def test_a_body_that_always_trickles_ends_the_run(make_client, router, fake_time):
    router.get("/api/stocks").mock(side_effect=lambda request: trickle(fake_time, step=40))
    with pytest.raises(E.RetryBudgetExhausted) as info:
        make_client(max_attempts=3).get_stocks()
    assert isinstance(info.value.last, E.TransportError)
    assert "still arriving 300 s after the request was sent" in str(info.value)


def test_a_trickling_write_answer_is_an_unknown_outcome_never_resent(
    make_client, router, fake_time
):
    route = router.patch(f"/api/products/{GUID}").mock(
        side_effect=lambda request: trickle(fake_time, step=40, data={"guid": GUID})
    )
    with pytest.raises(E.WriteOutcomeUnknown) as info:
        make_client().patch_product(GUID, {"name": "x"})
    assert route.call_count == 1
    assert info.value.reread == f"GET /api/products/{GUID}"


def test_a_slow_but_steady_body_within_the_deadline_is_read(make_client, router, fake_time):
    router.get("/api/stocks").mock(side_effect=[trickle(fake_time, step=29, parts=10)])
    make_client(response_deadline=300).get_stocks()


# -- body size ---------------------------------------------------------------------------

BIG = {"stocks": [{"id": i, "title": "x" * 50} for i in range(100)], "defaultStockId": 1}


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: httpx.Response(200, json=envelope(BIG)), id="declared"),
        pytest.param(
            lambda: httpx.Response(
                200, stream=httpx.ByteStream(json.dumps(envelope(BIG)).encode())
            ),
            id="undeclared",
        ),
        pytest.param(
            lambda: httpx.Response(
                200,
                headers={"Content-Encoding": "gzip"},
                content=gzip.compress(b'{"data": "' + b"0" * 100_000 + b'"}'),
            ),
            id="gzip-bomb",
        ),
    ],
)
def test_an_oversized_answer_is_a_clear_error_not_retried(answer, make_client, router):
    route = router.get("/api/stocks").mock(side_effect=lambda request: answer())
    with pytest.raises(E.ResponseInvalid) as info:
        make_client(max_response_bytes=4096).get_stocks()
    assert route.call_count == 1
    assert "larger than the 0.00390625 MiB this tool reads" in str(info.value)


def test_the_default_size_cap_is_64_mib():
    assert ClientConfig(private_token="token-123456").max_response_bytes == 64 * 1024 * 1024


def test_an_oversized_write_answer_is_an_unknown_outcome(make_client, router):
    router.patch(f"/api/products/{GUID}").mock(return_value=httpx.Response(200, json=envelope(BIG)))
    with pytest.raises(E.WriteOutcomeUnknown) as info:
        make_client(max_response_bytes=4096).patch_product(GUID, {"name": "x"})
    assert "may or may not have been applied" in str(info.value)
    assert info.value.reread == f"GET /api/products/{GUID}"


def test_an_answer_under_the_cap_is_read(make_client, router):
    router.get("/api/stocks").mock(return_value=httpx.Response(200, json=envelope(BIG)))
    assert len(make_client(max_response_bytes=64 * 1024).get_stocks().stocks) == 100


# -- JSON nesting ------------------------------------------------------------------------


def nested(levels: int) -> bytes:
    """An envelope whose ``data`` brings the whole body to ``levels`` levels of nesting."""
    inner = "[" * (levels - 1) + "]" * (levels - 1)
    return ('{"data": ' + inner + ', "errors": null}').encode()


@pytest.mark.parametrize("levels", [65, 1000, 200_000])
def test_json_nested_too_deep_is_a_clear_error(levels, make_client, router):
    router.get("/api/eshop").mock(return_value=httpx.Response(200, content=nested(levels)))
    with pytest.raises(E.ResponseInvalid, match="nested deeper than 64 levels"):
        make_client().get_eshop()


def test_json_nested_64_levels_is_read(make_client, router):
    from reconciler.shoptet.envelope import JsonTooDeep, load_json

    assert isinstance(load_json(nested(64))["data"], list)
    with pytest.raises(JsonTooDeep):
        load_json(nested(65))
    router.get("/api/eshop").mock(return_value=httpx.Response(200, content=nested(64)))
    with pytest.raises(E.ResponseInvalid) as info:
        make_client().get_eshop()  # a list is not an e-shop: the shape check, not the depth one
    assert "nested deeper" not in str(info.value)


def test_a_deep_error_body_still_gives_the_status_error(make_client, router):
    router.get("/api/stocks").mock(return_value=httpx.Response(404, content=nested(100_000)))
    with pytest.raises(E.NotFound):
        make_client().get_stocks()


def test_a_deep_token_answer_is_an_auth_error(make_client, router):
    router.get(TOKEN_URL).mock(return_value=httpx.Response(200, content=nested(100_000)))
    with pytest.raises(E.AuthError, match="nested deeper than 64 levels"):
        make_client(
            oauth_token="oauth-token-1234567890", eshop_url="https://12345.myshoptet.com"
        ).get_stocks()
