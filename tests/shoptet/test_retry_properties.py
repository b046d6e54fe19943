"""Invariants of the retry loop over any sequence of failures (hypothesis).

Whatever the server does: sends never exceed ``max_attempts`` (plus one token-renewal resend),
total waiting never exceeds ``max_total_wait``, and a write is never sent again after a send
whose outcome is unknown.
"""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from reconciler import errors as E
from reconciler.shoptet import ClientConfig, ShoptetClient
from tests.shoptet.conftest import FakeTime, envelope, error_body

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
FAILURES = ["connect", "read-timeout", "reset", 400, 404, 409, 423, 429, 500, 502, 503, 504]
UNKNOWN_FOR_WRITES = {"read-timeout", "reset", 500, 502, 504}


def answer(kind) -> httpx.Response:
    if kind == "connect":
        raise httpx.ConnectError("refused")
    if kind == "read-timeout":
        raise httpx.ReadTimeout("slow")
    if kind == "reset":
        raise httpx.RemoteProtocolError("reset")
    if kind == "ok":
        return httpx.Response(200, json=envelope({"guid": GUID, "stocks": []}))
    headers = {"Retry-After": "2"} if kind == 429 else {}
    return httpx.Response(kind, headers=headers, json=error_body(f"e{kind}"))


@given(
    method=st.sampled_from(["GET", "PATCH"]),
    script=st.lists(st.sampled_from([*FAILURES, "ok"]), max_size=12),
    max_attempts=st.integers(1, 6),
    max_total_wait=st.sampled_from([0.0, 1.0, 5.0, 60.0]),
    jitter=st.floats(0, 1),
)
def test_retry_invariants(method, script, max_attempts, max_total_wait, jitter):
    sent: list = []

    def handler(request: httpx.Request) -> httpx.Response:
        kind = script[len(sent)] if len(sent) < len(script) else "ok"
        sent.append(kind)
        return answer(kind)

    fake = FakeTime()
    config = ClientConfig(
        private_token="prop-token-123456",
        max_attempts=max_attempts,
        max_total_wait=max_total_wait,
    )
    client = ShoptetClient(
        config, httpx.MockTransport(handler), fake.sleep, fake.clock, wallclock=fake.wallclock,
        rng=lambda: jitter,
    )
    try:
        if method == "GET":
            client.get_stocks()
        else:
            client.patch_product(GUID, {"name": "x"})
        outcome = "ok"
    except E.ApiError as exc:
        outcome = exc
    assert 1 <= len(sent) <= max_attempts
    assert sum(fake.sleeps) <= max_total_wait + 1e-9
    if method == "PATCH":
        unknown_at = [i for i, k in enumerate(sent) if k in UNKNOWN_FOR_WRITES]
        if unknown_at:
            assert unknown_at[0] == len(sent) - 1  # nothing sent after it
            assert isinstance(outcome, E.WriteOutcomeUnknown)
    if outcome == "ok":
        assert sent[-1] == "ok"
