"""The sandbox's customers and invoices (issue 19 exports): GET /api/customers and
GET /api/invoices page at 1000 at most (20 by default), invoices filter by creation time and
order code, codes stay text, and a state with a numeric invoice code is refused."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.state import StateError
from reconciler.shoptet.client import get_json
from tests.apply.support import demo_state
from tests.support.sandbox_client import sandbox_client


def sales_shop(n: int) -> Sandbox:
    doc = demo_state()
    doc["customers"] = [
        {
            "guid": f"00000000-0000-4000-8000-{i:012d}",
            "creationTime": f"2026-10-{1 + i % 28:02d}T10:00:00+0100",
            "billFullName": f"Zákazník {i}",
            "email": f"z{i}@example.invalid",
        }
        for i in range(n)
    ]
    doc["invoices"] = [
        {
            "code": f"{i:010d}",
            "orderCode": f"{i:07d}",
            "creationTime": f"2026-11-{1 + i % 28:02d}T10:00:00+0100",
            "toPay": "121.00",
            "paid": None,
        }
        for i in range(n)
    ]
    sb = Sandbox.from_seed("demo")
    sb.load_state(doc)
    return sb


def test_customers_and_invoices_page_at_1000_and_keep_codes_as_text():
    sb = sales_shop(1005)
    with sandbox_client(sb, read_only=True) as client:
        first = get_json(client, "/api/invoices", {"itemsPerPage": 5000})
        assert len(first["invoices"]) == 1000 and first["paginator"]["pageCount"] == 2
        assert first["invoices"][0]["code"] == "0000000000"
        assert len(get_json(client, "/api/customers", {})["customers"]) == 20  # the default
        assert len(list(client.iter_customers())) == 1005
        invoices = list(
            client.iter_invoices("2026-11-02T00:00:00+0100", "2026-11-02T23:59:59+0100")
        )
        assert {r["code"] for r in invoices} == {f"{i:010d}" for i in range(1005) if i % 28 == 1}
        one = get_json(client, "/api/invoices", {"orderCode": "0000007"})
        assert [r["code"] for r in one["invoices"]] == ["0000000007"]
        mail = get_json(client, "/api/customers", {"email": "Z3@example.invalid"})
        assert [r["billFullName"] for r in mail["customers"]] == ["Zákazník 3"]


def test_the_demo_shop_has_invented_customers_invoices_and_orders_with_text_codes():
    with sandbox_client(Sandbox.from_seed("demo"), read_only=True) as client:
        customers = list(client.iter_customers())
        invoices = list(client.iter_invoices("2020-01-01T00:00:00+0100"))
        orders = list(client.iter_orders("2020-01-01T00:00:00+0100", None))
    assert [c["billFullName"] for c in customers] == [
        "Jana Nováková",
        "Petr Svoboda",
        "Eva Dvořáková",
    ]
    assert [i["code"] for i in invoices] == ["2026000001", "2026000002"]
    assert [i["orderCode"] for i in invoices] == ["0001201", "0001234"]
    assert [o["code"] for o in orders] == ["0001201", "0001202", "0001234", "0001235"]
    assert all(o["email"].endswith("@example.com") for o in orders)  # invented, not real
    assert {o["code"]: o["status"]["name"] for o in orders}["0001234"] == "Nevyřízená"


@pytest.mark.parametrize(
    "key, rows, message",
    [
        ("invoices", [{"code": 2026000001}], "must be text"),
        ("invoices", [{"code": "1"}, {"code": "1"}], "invoice 1 twice"),
        ("customers", [{"billFullName": "no guid"}], "malformed customer or invoice"),
    ],
)
def test_a_state_with_bad_invoices_or_customers_is_refused(key, rows, message):
    doc = demo_state()
    doc[key] = rows
    with pytest.raises(StateError, match=message):
        Sandbox.from_seed("demo").load_state(doc)
