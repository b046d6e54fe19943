"""The pure retry decision, pacing and Retry-After parsing."""

from __future__ import annotations

import pytest

from reconciler.shoptet.policy import (
    Outcome,
    RetrySettings,
    Verdict,
    backoff,
    bucket_delay,
    decide,
    parse_retry_after,
)

S = RetrySettings(max_attempts=3, backoff_base=0.5, backoff_cap=30.0, locked_wait=2.0)
ONE = lambda: 1.0  # noqa: E731


@pytest.mark.parametrize(
    ("method", "outcome", "status", "verdict"),
    [
        ("GET", Outcome.CONNECT_ERROR, None, Verdict.RETRY),
        ("POST", Outcome.CONNECT_ERROR, None, Verdict.RETRY),
        ("GET", Outcome.SENT_NO_RESPONSE, None, Verdict.RETRY),
        ("POST", Outcome.SENT_NO_RESPONSE, None, Verdict.UNKNOWN),
        ("PATCH", Outcome.SENT_NO_RESPONSE, None, Verdict.UNKNOWN),
        ("DELETE", Outcome.SENT_NO_RESPONSE, None, Verdict.UNKNOWN),
        ("GET", Outcome.STATUS, 200, Verdict.DONE),
        ("PATCH", Outcome.STATUS, 429, Verdict.RETRY),
        ("PATCH", Outcome.STATUS, 423, Verdict.RETRY),
        ("PATCH", Outcome.STATUS, 503, Verdict.RETRY),
        ("PATCH", Outcome.STATUS, 500, Verdict.UNKNOWN),
        ("POST", Outcome.STATUS, 504, Verdict.UNKNOWN),
        ("GET", Outcome.STATUS, 502, Verdict.RETRY),
        ("GET", Outcome.STATUS, 404, Verdict.FAIL),
        ("GET", Outcome.STATUS, 418, Verdict.FAIL),
    ],
)
def test_decision_on_the_first_attempt(method, outcome, status, verdict):
    assert decide(method, outcome, 1, S, status=status, rng=ONE).verdict is verdict


def test_retryable_outcome_gives_up_on_the_last_attempt():
    d = decide("GET", Outcome.STATUS, 3, S, status=503, rng=ONE)
    assert d.verdict is Verdict.GIVE_UP and "3 attempts" in d.reason


def test_waits():
    assert decide("GET", Outcome.STATUS, 1, S, status=429, retry_after=9.0, rng=ONE).wait == 9.0
    assert decide("GET", Outcome.STATUS, 2, S, status=429, rng=ONE).wait == 1.0
    assert decide("GET", Outcome.STATUS, 2, S, status=423, rng=ONE).wait == 2.0
    assert decide("GET", Outcome.CONNECT_ERROR, 2, S, rng=lambda: 0.5).wait == 0.5


def test_full_jitter_spans_zero_to_the_ceiling():
    assert backoff(4, S, lambda: 0.0) == 0.0
    assert backoff(4, S, ONE) == 4.0
    assert backoff(20, S, ONE) == 30.0


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),  # NOW + 10 s
        ("Tue, 14 Nov 2023 22:13:10 GMT", None),  # in the past
        ("0", None),
        ("-1", None),
        ("nan", None),
        ("tomorrow", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("header", "delay"),
    [
        ("200/200", 5.0),
        ("150/200", 0.0),
        ("170/200", 2.0),
        ("10/200", 0.0),
        ("garbage", 0.0),
        ("1/0", 0.0),
        ("a/b", 0.0),
        (None, 0.0),
    ],
)
def test_bucket_delay(header, delay):
    assert bucket_delay(header, 0.75, 10.0) == pytest.approx(delay)
