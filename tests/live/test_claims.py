"""Reading open orders' claims (issue 19) from the sandbox: the cheaper of per-variant claims
and per-stock supplies, counted in requests, and nothing read when nothing is removed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciler.live.claims import claims_for, read_claims
from reconciler.plan.model import Action, Change, Resource
from reconciler.sandbox import Sandbox
from reconciler.sandbox.state import StateError
from tests.apply.support import demo_state
from tests.support.sandbox_client import sandbox_client


def shop_with_orders(*orders: tuple[str, str, int, int]) -> tuple[Sandbox, dict]:
    """Demo shop plus orders (code, variant code, amount, status), claims kept consistent."""
    doc = demo_state()
    doc.pop("orders")  # only these orders: the demo's own would share their codes
    variants = {v["code"]: v for p in doc["products"] for v in p["variants"]}
    for code, variant_code, amount, status in orders:
        row = variants[variant_code]["stocks"][str(doc["defaultStockId"])]
        row["claim"] = f"{int(float(row['claim'])) + amount}.000"
        doc.setdefault("orders", []).append(
            {
                "code": code,
                "statusId": status,
                "items": [{"productCode": variant_code, "amount": f"{amount}.000"}],
            }
        )
    sb = Sandbox.from_seed("demo")
    sb.load_state(doc)
    return sb, doc


def test_one_variant_is_read_per_variant_and_many_per_stock():
    doc = demo_state()
    product = doc["products"][0]
    code = product["variants"][0]["code"]
    sb, _ = shop_with_orders(("0001234", code, 2, -1))
    stocks = [s["id"] for s in doc["stocks"]]
    with sandbox_client(sb, read_only=True) as client:
        before = client.request_count
        got = read_claims(client, products=(), variants={code: product["guid"]}, stock_ids=stocks)
        assert client.request_count - before == 1  # one claims read, no supplies
        assert got[code].orders[0].order_code == "0001234"
        assert got[code].total == Decimal(2)
        before = client.request_count
        got = read_claims(client, products={product["guid"]}, variants={}, stock_ids=stocks)
        # supplies once per stock, then claims of the one claimed variant only
        assert client.request_count - before == len(stocks) + 1
        assert set(got) == {code} and got[code].guid == product["guid"]


def test_nothing_removed_reads_nothing():
    sb, doc = shop_with_orders()
    update = Change(Action.UPDATE, Resource.PRODUCT, doc["products"][0]["guid"])
    with sandbox_client(sb, read_only=True) as client:
        before = client.request_count
        assert claims_for(client, [update], [1]) is None
        assert client.request_count == before


def test_sandbox_refuses_orders_claiming_more_than_the_variant_claim():
    doc = demo_state()
    code = doc["products"][0]["variants"][0]["code"]
    doc["orders"] = [
        {"code": "0001", "statusId": -1, "items": [{"productCode": code, "amount": "999.000"}]}
    ]
    with pytest.raises(StateError, match=f"open orders claim 999.000 of variant {code}"):
        Sandbox.from_seed("demo").load_state(doc)


def test_sandbox_refuses_a_numeric_order_code():
    doc = demo_state()
    doc["orders"] = [{"code": 1234, "statusId": -3, "items": []}]
    with pytest.raises(StateError, match="must be text"):
        Sandbox.from_seed("demo").load_state(doc)


def test_a_product_with_known_variants_is_read_per_variant_when_that_is_cheaper():
    doc = demo_state()
    product = next(p for p in doc["products"] if len(p["variants"]) == 1)
    code = product["variants"][0]["code"]
    sb, _ = shop_with_orders(("0000042", code, 1, -1))
    delete = Change(Action.DELETE, Resource.PRODUCT, product["guid"])
    stocks = [s["id"] for s in doc["stocks"]]
    with sandbox_client(sb, read_only=True) as client:
        before = client.request_count
        got = claims_for(client, [delete], stocks, {product["guid"]: [code]})
        assert client.request_count - before == 1  # one claims read instead of supplies
        assert got is not None and got[code].orders[0].order_code == "0000042"
        before = client.request_count
        got = claims_for(client, [delete], stocks, {})  # codes unknown (a tombstone, apply)
        assert client.request_count - before == len(stocks) + 1
        assert got is not None and code in got


def test_one_order_claiming_a_variant_on_two_lines_is_one_claim_of_their_sum():
    # the claims rows carry no id: a repeated order code is two lines, not a paging shift
    doc = demo_state()
    product = doc["products"][0]
    code = product["variants"][0]["code"]
    sb, doc = shop_with_orders(("0001234", code, 2, -1), ("0000007", code, 1, -1))
    order = next(o for o in doc["orders"] if o["code"] == "0001234")
    order["items"].append({"productCode": code, "amount": "3.000"})
    row = next(v for p in doc["products"] for v in p["variants"] if v["code"] == code)
    stock = row["stocks"][str(doc["defaultStockId"])]
    stock["claim"] = f"{int(float(stock['claim'])) + 3}.000"
    sb.load_state(doc)
    with sandbox_client(sb, read_only=True) as client:
        got = read_claims(client, products=(), variants={code: product["guid"]}, stock_ids=[1])
    orders = {o.order_code: o.amount for o in got[code].orders}
    assert orders == {"0000007": Decimal(1), "0001234": Decimal(5)}
    assert got[code].total == Decimal(6)
