"""Sandbox test fixtures. With SHOPTET_OPENAPI set, every API response a sandbox made by these
fixtures returns is validated against the OpenAPI file (tests/support/openapi_responses.py)."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.support.openapi_spec import load_spec, spec_path

TOKEN = "sandbox-token"
BASE = "http://127.0.0.1"


@pytest.fixture(scope="session")
def response_checker():
    path = spec_path()
    if path is None:
        return None
    from tests.support.openapi_responses import ResponseChecker

    return ResponseChecker(load_spec(str(path)))


@pytest.fixture
def make_sandbox(response_checker):
    """A factory: ``make_sandbox("demo", limits=False, ...)``; spec-watched when possible."""
    stack = contextlib.ExitStack()

    def make(seed="demo", **settings) -> Sandbox:
        sb = Sandbox.from_seed(seed, **settings)
        if response_checker is not None:
            from tests.support.openapi_responses import watch

            stack.enter_context(watch(sb, response_checker))
        return sb

    with stack:
        yield make


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
