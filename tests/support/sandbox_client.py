"""The one harness for "a client on a sandbox" (issue 13): every test that talks to a sandbox
gets its client here.

- ``sandbox_client(sb)``: the project's ``ShoptetClient`` on the sandbox in-process (its httpx
  transport), or over HTTP with ``url=`` (a server from ``served(sb)``). It never really waits:
  retries, ``Retry-After``, 423 and pacing waits return at once (``sleep`` is a no-op, jitter is
  fixed); the waits are still counted and bounded as in a real run. ``wrap=`` puts a transport
  around the sandbox's (to record or to crash), ``transport=`` replaces it (one that holds the
  sandbox itself, e.g. to rewrite answers), ``cls=`` builds a subclass of the client, and
  ``sleep``/``clock``/``wallclock``/``rng`` replace time (fake time, or real time for a pacing
  test).
- ``raw_client(sb)``: a plain ``httpx.Client`` on the sandbox's API, with the sandbox token
  (``token=None`` for none), for the tests of the sandbox itself.
- ``served(sb)``: the sandbox over HTTP on a free port of 127.0.0.1 for a ``with`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from reconciler.sandbox import Sandbox
from reconciler.shoptet import ClientConfig, ShoptetClient

BASE = "http://127.0.0.1"
TOKEN = "sandbox-token"

C = TypeVar("C", bound=ShoptetClient)


def no_wait(_seconds: float) -> None:
    """A ``sleep`` that returns at once."""


def sandbox_client(
    sb: Sandbox | None = None,
    url: str | None = None,
    *,
    read_only: bool = False,
    wrap: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
    transport: httpx.BaseTransport | None = None,
    cls: type[C] = ShoptetClient,
    sleep: Callable[[float], None] = no_wait,
    rng: Callable[[], float] = lambda: 0.5,
    **config: Any,
) -> C:
    """A client on ``sb`` in-process, or on the sandbox served at ``url``; ``config`` goes to
    ``ClientConfig`` (the sandbox token unless an OAuth token is given)."""
    if url is None and sb is None:
        raise TypeError("sandbox_client needs a sandbox or the URL of a served one")
    if "oauth_token" not in config:
        config.setdefault("private_token", TOKEN)
    timing = {k: config.pop(k) for k in ("clock", "wallclock") if k in config}
    cfg = ClientConfig(base_url=url or BASE, read_only=read_only, **config)
    if transport is None and url is None:
        assert sb is not None
        transport = sb.transport()
    if wrap is not None:
        transport = wrap(transport if transport is not None else httpx.HTTPTransport())
    return cls(cfg, transport=transport, sleep=sleep, rng=rng, **timing)


def raw_client(sb: Sandbox, *, token: str | None = TOKEN, **headers: str) -> httpx.Client:
    """A plain httpx client on the sandbox's API (in-process), sending ``token`` if given."""
    if token is not None:
        headers = {"Shoptet-Private-API-Token": token, **headers}
    return httpx.Client(transport=sb.transport(), base_url=BASE, headers=headers)


@contextmanager
def served(sb: Sandbox) -> Iterator[Any]:
    """``sb`` over HTTP for the block; the server (``.url``) is closed after it."""
    server = sb.serve(port=0)
    try:
        yield server
    finally:
        server.close()


class FakeClock:
    """A sandbox clock a test moves by hand (``clock.t += 30``): async jobs, expiry."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t
