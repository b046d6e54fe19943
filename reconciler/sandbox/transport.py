"""The in-process face: an httpx transport over the core (no sockets, no real latency unless
configured). Faults become the httpx exceptions a real connection would raise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from reconciler.sandbox.messages import Request

if TYPE_CHECKING:
    from reconciler.sandbox.core import Sandbox


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        req = Request(
            method=request.method,
            path=raw_path,
            query=dict(request.url.params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.read(),
        )
        response = self.sandbox.handle(req)
        if response.fault in ("timeout", "timeout_after"):
            raise httpx.ReadTimeout(
                "sandbox fault: timed out waiting for the response", request=request
            )
        if response.fault in ("reset_before", "reset_after"):
            raise httpx.ReadError("sandbox fault: connection reset by peer", request=request)
        return httpx.Response(
            response.status, headers=response.headers, content=response.body, request=request
        )
