"""Fixtures for the client tests: fake time, a respx router as transport, and the recorder.

Every request a client built by ``make_client`` sends is recorded in ``RECORDED`` (unless the
test opts out with ``record=False`` because it sends a deliberately odd request); the
conformance test validates them against Shoptet's OpenAPI file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx
import pytest
import respx

from reconciler.shoptet import ClientConfig, ShoptetClient

BASE = "https://api.myshoptet.com"
TOKEN = "test-private-token-0123456789"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: object = None
    source: str = ""


RECORDED: list[RecordedRequest] = []


class Recorder(httpx.BaseTransport):
    """Passes requests to ``inner`` and remembers every API request."""

    def __init__(self, inner: httpx.BaseTransport, source: str, sink: list | None = None):
        self.inner, self.source = inner, source
        self.sink = RECORDED if sink is None else sink

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/"):
            content = request.read()
            self.sink.append(
                RecordedRequest(
                    request.method,
                    request.url.raw_path.split(b"?")[0].decode("ascii"),  # still URL-encoded
                    tuple(request.url.params.multi_items()),
                    tuple((k.lower(), v) for k, v in request.headers.items()),
                    json.loads(content) if content else None,
                    self.source,
                )
            )
        return self.inner.handle_request(request)


@dataclass
class FakeTime:
    now: float = 1000.0
    epoch: float = 1_700_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def wallclock(self) -> float:
        return self.epoch + self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def envelope(data=None, errors=None, request_id="req-1") -> dict:
    return {"data": data, "errors": errors, "metadata": {"requestId": request_id}}


def error_body(code: str, message: str = "msg", instance: str = "x", request_id="req-err") -> dict:
    return envelope(None, [{"errorCode": code, "message": message, "instance": instance}], request_id)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def router():
    # used only as a handler behind httpx.MockTransport: no global patching of httpx
    return respx.MockRouter(assert_all_called=False, base_url=BASE)


@pytest.fixture
def make_client(router, fake_time, request):
    clients: list[ShoptetClient] = []

    def make(*, record: bool = True, transport=None, **settings) -> ShoptetClient:
        settings.setdefault("private_token", None if "oauth_token" in settings else TOKEN)
        inner = transport or httpx.MockTransport(router.handler)
        if record:
            inner = Recorder(inner, request.node.nodeid)
        client = ShoptetClient(
            ClientConfig(**settings),
            transport=inner,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            wallclock=fake_time.wallclock,
            rng=lambda: 1.0,
        )
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
