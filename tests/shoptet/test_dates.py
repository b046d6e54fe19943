"""Dates in the form Shoptet documents: sent as ``+0100``, read back in either form, and the
sandbox refusing what the OpenAPI file does not show."""

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from reconciler.sandbox import Sandbox
from reconciler.shoptet import ClientConfig, ShoptetClient
from reconciler.shoptet.dates import parse_shoptet_time, shoptet_time

CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 5, 10, 0, tzinfo=CET), "2026-01-05T10:00:00+0100"),
        (datetime(2026, 7, 5, 10, 0, 7, 999_999, tzinfo=UTC), "2026-07-05T10:00:07+0000"),
        (datetime(2026, 1, 5, 3, 4, 5, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
         "2026-01-05T03:04:05-0530"),
    ],
)
def test_a_time_is_sent_as_shoptet_documents_it(moment, text):
    assert shoptet_time(moment) == text
    assert parse_shoptet_time(text) == moment.replace(microsecond=0)


def test_a_time_without_a_zone_is_never_sent():
    with pytest.raises(ValueError, match="time zone"):
        shoptet_time(datetime(2026, 1, 5, 10, 0))


@pytest.mark.parametrize(
    "text",
    ["2026-01-05T10:00:00+0100", "2026-01-05T10:00:00+01:00", "2026-01-05T09:00:00Z",
     "2026-01-05T10:00:00.250+01:00", " 2026-01-05T10:00:00+0100 "],
)
def test_both_offset_forms_are_read_back(text):
    moment = parse_shoptet_time(text)
    assert moment.astimezone(UTC).replace(microsecond=0) == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["2026-01-05T10:00:00", "2026-01-05 10:00:00+0100", "2026-01-05T10:00:00 0100",
     "2026-01-05T10:00+0100", "yesterday", "", "2026-01-05T10:00:00+1", None],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_shoptet_time(text)


def _get(sb: Sandbox, path: str, params: dict) -> httpx.Response:
    with httpx.Client(transport=sb.transport(), base_url="http://127.0.0.1") as h:
        return h.get(path, params=params, headers={"Shoptet-Private-API-Token": "sandbox-token"})


@pytest.mark.parametrize(
    ("path", "name", "value", "status"),
    [
        ("/api/products", "changeTimeFrom", "2026-01-05T10:00:00+0100", 200),
        ("/api/products", "changeTimeFrom", "2026-01-05T10:00:00+01:00", 400),
        ("/api/products", "changeTimeFrom", "2026-01-05T10:00:00", 400),
        ("/api/products", "changeTimeFrom", "2026-01-05T10:00:00Z", 400),
        ("/api/products", "changeTimeFrom", "2026-01-05T10:00:00 0100", 400),
        ("/api/products/changes", "from", "2026-01-05T10:00:00+0100", 200),
        ("/api/products/changes", "from", "2026-01-05T10:00:00+01:00", 200),
        ("/api/products/changes", "from", "2026-01-05", 400),
        ("/api/stocks/1/supplies", "changedFrom", "2026-01-05T10:00:00+0100", 200),
        ("/api/stocks/1/supplies", "changedFrom", "2026-01-05T10:00:00+01:00", 400),
    ],
)
def test_the_sandbox_takes_the_documented_forms_only(path, name, value, status):
    sb = Sandbox.from_seed("demo")
    response = _get(sb, path, {name: value})
    assert response.status_code == status, response.text
    if status == 400:
        assert "2017-02-28T17:04:47+0100" in response.text


def test_the_client_sends_the_documented_form_and_the_sandbox_takes_it():
    sb = Sandbox.from_seed("demo")
    since = datetime.now(UTC) - timedelta(days=1)
    config = ClientConfig(base_url="http://127.0.0.1", private_token="sandbox-token")
    with ShoptetClient(config, transport=sb.transport()) as client:
        list(client.iter_product_changes(since))
        list(client.iter_supplies(1, changed_from=since))
        list(client.iter_products(changeTimeFrom=since))
        assert client.request_count >= 3
