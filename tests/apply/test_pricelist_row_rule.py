"""Every pricelist row apply sends satisfies Shoptet's updatePricelist rule ("at least one of the
`price`, `priceWithVat`, `priceWithoutVat`, `orderableAmount` or `sales` objects"), which the
sandbox enforces: a row that changes only VAT fields or the purchase price carries the
variant's current price, unchanged, so apply converges against the strict sandbox and nothing
but the planned fields moves in the shop."""

from __future__ import annotations

import httpx
import pytest

from reconciler.apply.result import Status
from reconciler.desired.load import load_catalog
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, write_catalog
from tests.apply.test_campaign_flow import apply_recorded, pricelist_patches
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client

ETH = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"  # demo: KAV-ETH-250 at 189.00, VAT 12.00 incl.
COL = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # demo: KAV-COL-250 / -500, parameter hmotnost


def products(sb: Sandbox) -> dict:
    return {p["guid"]: p for p in sb.state()["products"]}


def variant_of(state: dict, guid: str, code: str) -> dict:
    return next(v for v in state[guid]["variants"] if v["code"] == code)


def conforming(seen: list) -> list:
    spec = require_spec()
    return [p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)]


@pytest.mark.parametrize(
    ("fields", "sent", "stored"),
    [
        ({"vatRate": "21.00"}, {"vatRate": "21.00"}, {"vatRate": "21.00"}),
        ({"includingVat": False}, {"includingVat": False}, {"includingVat": False}),
        (
            {"purchasePrice": {"price": "100.00", "vatRate": "12.00", "includingVat": True}},
            {
                "prices": {
                    "purchasePrice": {"price": "100.00", "vatRate": "12.00", "includingVat": True}
                }
            },
            {"purchasePrice": {"price": "100.00", "vatRate": "12.00", "includingVat": True}},
        ),
    ],
    ids=["vatRate", "includingVat", "purchasePrice"],
)
def test_a_row_changing_no_price_object_carries_the_live_price_and_converges(
    tmp_path, fields, sent, stored
):
    sb = Sandbox(demo_state())
    before = products(sb)
    cat = load_catalog(write_catalog(tmp_path, {ETH: {"variants": {"KAV-ETH-250": fields}}}))
    plan = plan_of(sb, cat)
    assert [c.id for c in plan.changes] == [f"price:{ETH}:KAV-ETH-250"]

    seen = apply_recorded(sb, cat, plan)

    (rows,) = pricelist_patches(seen)
    assert rows == [{"code": "KAV-ETH-250", **sent, "price": {"price": "189.00"}}]
    assert conforming(seen) == []
    assert plan_of(sb, cat).is_empty
    # only the planned fields moved: the price sent is the one that was live
    after = products(sb)
    row_before = variant_of(before, ETH, "KAV-ETH-250")["prices"]["1"]
    row_after = variant_of(after, ETH, "KAV-ETH-250")["prices"]["1"]
    assert row_after == {**row_before, **stored}
    assert row_after["price"] == "189.00"
    others = {g: p for g, p in after.items() if g != ETH}
    assert others == {g: p for g, p in before.items() if g != ETH}


def test_a_row_that_sets_the_price_sends_only_its_own_price_object(tmp_path):
    sb = Sandbox(demo_state())
    variants = {"KAV-ETH-250": {"price": "199.00", "vatRate": "21.00"}}
    cat = load_catalog(write_catalog(tmp_path, {ETH: {"variants": variants}}))
    seen = apply_recorded(sb, cat, plan_of(sb, cat))
    (rows,) = pricelist_patches(seen)
    assert rows == [{"code": "KAV-ETH-250", "vatRate": "21.00", "price": {"price": "199.00"}}]
    assert plan_of(sb, cat).is_empty


def test_a_new_variant_without_a_price_gets_its_vat_rate_with_its_read_null_price(tmp_path):
    """A variant this apply creates without a price had no live row when checked: its price is
    read after the create (null in the sandbox) and sent back unchanged."""
    sb = Sandbox(demo_state())
    new = {"vatRate": "21.00", "parameters": {"Hmotnost": "1 kg"}}
    cat = load_catalog(write_catalog(tmp_path, {COL: {"variants": {"KAV-COL-1000": new}}}))
    plan = plan_of(sb, cat)
    seen = apply_recorded(sb, cat, plan)
    (rows,) = pricelist_patches(seen)
    assert rows == [{"code": "KAV-COL-1000", "vatRate": "21.00", "price": {"price": None}}]
    assert conforming(seen) == []
    created = variant_of(products(sb), COL, "KAV-COL-1000")["prices"]["1"]
    assert (created["price"], created["vatRate"]) == (None, "21.00")
    assert plan_of(sb, cat).is_empty


class ReadsFailAfterTheProductWrite(httpx.BaseTransport):
    """Every product read after the first product PATCH answers 500."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner, self.written = inner, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "PATCH" and path.startswith("/api/products/"):
            self.written = True
        elif self.written and request.method == "GET" and path.startswith("/api/products"):
            return httpx.Response(500, json={"data": None, "errors": [{"message": "down"}]})
        return self.inner.handle_request(request)


def test_a_price_that_cannot_be_read_fails_its_change_by_name_and_sends_no_row(tmp_path):
    sb = Sandbox(demo_state())
    new = {"vatRate": "21.00", "parameters": {"Hmotnost": "1 kg"}}
    cat = load_catalog(write_catalog(tmp_path, {COL: {"variants": {"KAV-COL-1000": new}}}))
    plan = plan_of(sb, cat)
    with sandbox_client(sb, wrap=ReadsFailAfterTheProductWrite) as client:
        result = apply_plan(plan, client, cat)
    price = result.outcomes[f"price:{COL}:KAV-COL-1000"]
    assert price.status is Status.FAILED
    assert "current price" in price.message and "run the same plan again" in price.message
    assert result.outcomes[f"variant:{COL}:KAV-COL-1000"].status is Status.WRITTEN
    assert not [e for e in sb.request_log if "/api/pricelists" in e["path"]]
