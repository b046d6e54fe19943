"""Sales context (issue 19): with shop.yaml shop.bestSellerOrders, a price change or a hide
shows the orders of the last 30 days containing the variant (one request each, at most 50 a
plan, the rest said to be unread), and the best-seller mark; without it, no request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reconciler import errors as E
from reconciler.live.sales import read_sales
from tests.apply.support import demo_state, run_cli, write_catalog

pytestmark = pytest.mark.http


def sold(sb, orders: int, days_ago: int = 2) -> dict:
    """The demo shop with ``orders`` closed orders of the first product's first variant,
    ``days_ago`` days old, plus one 40 days old (outside the window)."""
    doc = demo_state()
    code = doc["products"][0]["variants"][0]["code"]
    when = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S%z")
    old = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%S%z")
    doc["orders"] = [
        {
            "code": f"{i:07d}",
            "statusId": -3,
            "creationTime": old if i == 0 else when,
            "items": [{"productCode": code, "amount": "1.000"}],
        }
        for i in range(orders + 1)
    ]
    sb.load_state(doc)
    return doc["products"][0]


def plan_text(shop, tmp_path, monkeypatch, capsys, products, shop_yaml):
    sb, url = shop
    write_catalog(tmp_path, products, shop_yaml)
    start = len(sb.request_log)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["plan"], url=url)
    assert code == 0, err
    return out, [r["path"] for r in sb.request_log[start:]]


def price_change(product: dict) -> dict:
    variant = product["variants"][0]
    return {product["guid"]: {"variants": {variant["code"]: {"price": "1234.00"}}}}


def test_a_price_change_shows_its_orders_and_the_best_seller_mark(
    shop, tmp_path, monkeypatch, capsys
):
    product = sold(shop[0], 3)
    out, paths = plan_text(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        price_change(product),
        {"shop": {"bestSellerOrders": 3}},
    )
    assert "# 3 orders in the last 30 days (best-seller)" in out
    assert sum(1 for p in paths if p.startswith("/api/orders")) == 1
    out, _ = plan_text(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        price_change(product),
        {"shop": {"bestSellerOrders": 4}},
    )
    assert "# 3 orders in the last 30 days\n" in out


def test_a_hidden_product_sums_its_variants(shop, tmp_path, monkeypatch, capsys):
    product = sold(shop[0], 2)
    products = {product["guid"]: {"name": product["name"], "visibility": "hidden"}}
    out, _ = plan_text(
        shop, tmp_path, monkeypatch, capsys, products, {"shop": {"bestSellerOrders": 100}}
    )
    assert "# 2 orders in the last 30 days" in out


def test_without_best_seller_orders_nothing_is_read(shop, tmp_path, monkeypatch, capsys):
    product = sold(shop[0], 3)
    out, paths = plan_text(shop, tmp_path, monkeypatch, capsys, price_change(product), None)
    assert "orders in the last 30 days" not in out
    assert not [p for p in paths if p.startswith("/api/orders")]


class Counter:
    def __init__(self, refuse: bool = False):
        self.calls: list[str] = []
        self.refuse = refuse

    def count_orders(self, code, created_from):
        if self.refuse:
            raise E.PermissionDenied(
                "403 invalid-token-no-rights", method="GET", path="/api/orders"
            )
        self.calls.append(code)
        return 1


def test_at_most_50_requests_a_plan_and_the_rest_is_said_unread():
    targets = {f"price:g:C{i:03d}": [f"C{i:03d}"] for i in range(60)}
    client = Counter()
    sales, unread = read_sales(client, targets, datetime.now(UTC))
    assert len(client.calls) == 50 and unread == 10
    assert len(sales) == 50 and set(sales.values()) == {1}


def test_a_token_without_the_orders_right_still_plans():
    sales, unread = read_sales(Counter(refuse=True), {"x": ["A", "B"]}, datetime.now(UTC))
    assert sales == {} and unread == 2


def test_the_plan_says_once_how_many_variants_were_not_read_and_keeps_it_in_the_file():
    from dataclasses import replace

    from reconciler.plan.model import Plan
    from reconciler.render.formats import render_json, render_markdown, render_text
    from tests.plan.sample import sample_plan

    plan = sample_plan()
    plan = replace(plan, names=replace(plan.names, sales_unread=10, best_seller=5))
    for text in (render_text(plan), render_markdown(plan)):
        assert text.count("Sales context: 10 variants not read (at most 50 a plan") == 1
    again = Plan.from_json(render_json(plan))
    assert again.names.sales_unread == 10 and again.plan_id == sample_plan().plan_id
