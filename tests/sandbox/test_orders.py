"""The sandbox's orders (issue 19): GET /api/orders/claims lists open orders' unfulfilled items
(filters, 250 a page, codes as text), GET /api/orders counts by productCode and creation time."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from reconciler.shoptet.client import get_json
from tests.apply.support import demo_state
from tests.support.sandbox_client import sandbox_client


def shop(n_open: int) -> tuple[Sandbox, str]:
    doc = demo_state()
    variant = doc["products"][0]["variants"][0]
    code = variant["code"]
    variant["stocks"]["1"] = {"realStock": "999.000", "claim": f"{n_open}.000"}
    doc["orders"] = [
        {"code": f"{i:07d}", "statusId": -1, "items": [{"productCode": code, "amount": "1.000"}]}
        for i in range(n_open)
    ] + [
        {"code": "0999999", "statusId": -3, "items": [{"productCode": code, "amount": "5.000"}]},
        {
            "code": "0888888",
            "statusId": -2,
            "items": [{"productCode": code, "amount": "2.000", "amountCompleted": "2.000"}],
        },
    ]
    sb = Sandbox.from_seed("demo")
    sb.load_state(doc)
    return sb, code


def test_claims_page_at_250_and_list_only_open_unfulfilled_items():
    sb, code = shop(260)
    with sandbox_client(sb, read_only=True) as client:
        rows = list(client.iter_order_claims(code))
        assert len(rows) == 260
        assert {r.orderCode for r in rows} == {f"{i:07d}" for i in range(260)}
        assert "0999999" not in {r.orderCode for r in rows}  # dispatched: claim resolved
        assert "0888888" not in {r.orderCode for r in rows}  # completed
        page = get_json(client, "/api/orders/claims", {"productCode": code, "itemsPerPage": 999})
        assert page["paginator"]["itemsPerPage"] == 250
        one = get_json(client, "/api/orders/claims", {"orderCode": "0000007"})
        assert [r["orderCode"] for r in one["orders"]] == ["0000007"]
        assert list(client.iter_order_claims("NO-SUCH-CODE")) == []


def test_orders_are_counted_by_variant_and_creation_time():
    sb, code = shop(3)
    with sandbox_client(sb, read_only=True) as client:
        assert client.count_orders(code, "2025-12-01T00:00:00+0100") == 5
        assert client.count_orders(code, "2026-02-01T00:00:00+0100") == 0
        assert client.count_orders("NO-SUCH-CODE", "2025-12-01T00:00:00+0100") == 0
