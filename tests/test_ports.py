"""ports.py: the real client satisfies every port structurally, with matching signatures, and
a port is narrow (a reader is not a writer)."""

from __future__ import annotations

import inspect

import httpx
import pytest

from reconciler.ports import (
    ApplyClient,
    ChangeFeed,
    DetailReader,
    PlanClient,
    ProductLister,
    ProductReader,
    ShopReader,
    Writer,
)
from reconciler.shoptet import ClientConfig, ShoptetClient

PORTS = [ShopReader, ProductLister, DetailReader, ChangeFeed, Writer, ProductReader]
CLIENTS = [PlanClient, ApplyClient]


@pytest.fixture
def client():
    never = httpx.MockTransport(lambda request: pytest.fail(f"no request expected: {request}"))
    config = ClientConfig(base_url="http://127.0.0.1", private_token="t", read_only=False)
    with ShoptetClient(config, transport=never) as c:
        yield c


def _methods(port: type) -> dict[str, object]:
    """The methods a port declares, its bases' included."""
    out: dict[str, object] = {}
    for cls in reversed(port.__mro__):
        if cls is object or not getattr(cls, "_is_protocol", False):
            continue
        out.update(
            (name, value)
            for name, value in vars(cls).items()
            if inspect.isfunction(value) and not name.startswith("_")
        )
    return out


@pytest.mark.parametrize("port", PORTS + CLIENTS, ids=lambda p: p.__name__)
def test_the_shoptet_client_satisfies_the_port(client, port):
    assert isinstance(client, port)


def test_the_client_can_be_passed_where_each_pipeline_wants_its_ports(client):
    plan_client: PlanClient = client  # what make_plan takes (checked by a type checker too)
    apply_client: ApplyClient = client  # what apply_plan takes
    assert plan_client is apply_client is client


@pytest.mark.parametrize("port", PORTS, ids=lambda p: p.__name__)
def test_each_port_method_has_the_client_methods_parameters(port):
    methods = _methods(port)
    assert methods, f"{port.__name__} declares no method"
    for name, declared in methods.items():
        real = inspect.signature(getattr(ShoptetClient, name))
        wanted = inspect.signature(declared)
        assert list(wanted.parameters) == list(real.parameters), name
        for p in wanted.parameters.values():  # a default in the port is one in the client
            if p.default is not inspect.Parameter.empty:
                assert real.parameters[p.name].default is not inspect.Parameter.empty, name


class OnlyTheShop:
    request_count = 0

    def get_eshop(self, include=()):
        return None

    def get_stocks(self):
        return None


def test_a_port_is_narrow_a_shop_reader_is_neither_a_lister_nor_a_writer():
    fake = OnlyTheShop()
    assert isinstance(fake, ShopReader)
    assert not isinstance(fake, ProductLister)
    assert not isinstance(fake, Writer)
    assert not isinstance(fake, PlanClient)
