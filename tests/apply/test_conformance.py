"""Every request apply sends, checked against Shoptet's OpenAPI file (skipped without
SHOPTET_OPENAPI): creates, product PATCHes with variant items, pricelist rows, stock
movements, variant and product deletes, and the re-reads. In-process sandbox, recorded at the
transport."""

from __future__ import annotations

import json

import httpx

from reconciler.apply.preflight import ApplyOptions
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, loaded, plan_of
from tests.apply.test_fault_sweep import reference
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, seen: list):
        self.inner, self.seen = inner, seen

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.seen.append(
            (
                request.method,
                request.url.raw_path.decode("ascii").split("?", 1)[0],
                list(request.url.params.multi_items()),
                dict(request.headers),
                json.loads(body) if body else None,
            )
        )
        return self.inner.handle_request(request)


def test_every_request_of_the_reference_apply_conforms_to_the_spec():
    spec = require_spec()
    desired, _, _ = reference()
    sb = Sandbox(demo_state())
    plan = plan_of(sb, desired)
    seen: list = []
    with sandbox_client(sb, wrap=lambda inner: Recording(inner, seen)) as client:
        assert apply_plan(plan, client, loaded(desired), options=ApplyOptions(allow_delete=True)).ok
    methods = {m for m, *_ in seen}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    problems = [
        p
        for method, path, query, headers, body in seen
        for p in validate_request(spec, method, path, query, headers, body)
    ]
    assert problems == []
