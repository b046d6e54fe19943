"""A crash mid-apply (the process dies right after the shop committed a write, before the
response is read; writes already in flight on other threads may still commit), then the same plan file applied again: it finishes what is left, with no
duplicate products, variants or stock movements. In-process: a transport wrapper raises
``KeyboardInterrupt`` (a BaseException, like a kill) after the sandbox handled write N."""

from __future__ import annotations

import httpx
import pytest

from reconciler.pipeline import apply_plan
from reconciler.plan.model import Plan
from reconciler.sandbox import Sandbox
from tests.apply.support import WRITES, demo_state, loaded
from tests.apply.test_fault_sweep import OPTIONS, assert_converged, reference, write_indices
from tests.support.sandbox_client import sandbox_client


class CrashAfterWrite(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, nth: int):
        self.inner, self.nth, self.writes = inner, nth, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method in WRITES:
            self.writes += 1
            if self.writes == self.nth:
                raise KeyboardInterrupt("simulated crash after a committed write")
        return response


# The reference apply's writes: a crash after each one is tested.
REFERENCE_WRITES = 10  # 9, plus the variant-parameter value the example adds (issue 14)


@pytest.mark.parametrize("nth", range(1, REFERENCE_WRITES + 1))
def test_rerunning_the_plan_after_a_crash_finishes_it(nth):
    desired, text, _ = reference()
    assert len(write_indices()) == REFERENCE_WRITES, "the reference apply changed: update this"
    plan = Plan.from_json(text)
    sb = Sandbox(demo_state())
    crashing = sandbox_client(sb, wrap=lambda inner: CrashAfterWrite(inner, nth))
    with pytest.raises(KeyboardInterrupt), crashing:
        apply_plan(plan, crashing, loaded(desired), options=OPTIONS)
    committed = sum(1 for e in sb.request_log if e["method"] in WRITES and e["wrote"])
    assert committed >= nth  # writes already in flight on other threads may commit too
    with sandbox_client(sb) as client:
        result = apply_plan(plan, client, loaded(desired), options=OPTIONS)
    assert result.ok
    assert result.write_requests == len(write_indices()) - committed
    assert_converged(sb, 2, "crash", nth, fired=False)
