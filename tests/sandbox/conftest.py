"""Sandbox test fixtures. With SHOPTET_OPENAPI set, every API response any sandbox returns is
validated against the OpenAPI file by the suite-wide ``sandbox_spec_watch`` fixture
(tests/support/openapi_responses.py, enabled in tests/conftest.py)."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import Sandbox

TOKEN = "sandbox-token"
BASE = "http://127.0.0.1"


@pytest.fixture
def make_sandbox():
    """A factory: ``make_sandbox("demo", limits=False, ...)`` (settings are SandboxConfig's)."""

    def make(seed="demo", **settings) -> Sandbox:
        return Sandbox.from_seed(seed, **settings)

    return make


@pytest.fixture
def sb(make_sandbox) -> Sandbox:
    return make_sandbox("demo")


def api_client(sandbox: Sandbox, **headers) -> httpx.Client:
    return httpx.Client(
        transport=sandbox.transport(),
        base_url=BASE,
        headers={"Shoptet-Private-API-Token": TOKEN, **headers},
    )


@pytest.fixture
def client(sb) -> httpx.Client:
    with api_client(sb) as c:
        yield c
