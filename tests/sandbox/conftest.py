"""Sandbox test fixtures. With Shoptet's OpenAPI file found, every API response any sandbox returns is
validated against the OpenAPI file by the suite-wide ``sandbox_spec_watch`` fixture
(tests/support/openapi_responses.py, enabled in tests/conftest.py). Clients on a sandbox come
from tests/support/sandbox_client.py (``raw_client`` here)."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import raw_client


@pytest.fixture
def make_sandbox():
    """A factory: ``make_sandbox("demo", limits=False, ...)`` (settings are SandboxConfig's)."""

    def make(seed="demo", **settings) -> Sandbox:
        return Sandbox.from_seed(seed, **settings)

    return make


@pytest.fixture
def sb(make_sandbox) -> Sandbox:
    return make_sandbox("demo")


@pytest.fixture
def client(sb):
    with raw_client(sb) as c:
        yield c
