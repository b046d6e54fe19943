"""The sandbox through the project's own client (reconciler.shoptet), in-process and over HTTP:
the two halves must agree on shapes, auth, per-item errors and lost responses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciler import errors as E
from tests.support.sandbox_client import sandbox_client


def test_reads_parse_into_the_clients_models(sb):
    with sandbox_client(sb) as c:
        assert c.get_stocks().defaultStockId == 1
        assert c.get_eshop() is not None
        products = list(c.iter_products())
        assert len(products) == len(sb.state()["products"]) >= 30
        assert len(list(c.iter_categories())) == len(sb.state()["categories"])
        assert len(list(c.iter_brands())) == len(sb.state()["brands"])
        details = c.get_products([p.guid for p in products[:6]])
        assert all(d is not None for d in details.values())
        code = sb.state()["products"][3]["variants"][0]["code"]
        assert c.get_product_by_code(code).guid == sb.state()["products"][3]["guid"]
        supplies = list(c.iter_supplies(1))
        assert len(supplies) == sum(len(p["variants"]) for p in sb.state()["products"])
        assert len(list(c.iter_pricelist(1))) == len(supplies)
        assert c.request_count >= 9


def test_writes_and_item_errors(sb):
    cat = sb.state()["categories"][0]["guid"]
    guid = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
    with sandbox_client(sb) as c:
        created = c.create_product(
            {
                "guid": guid,
                "name": "Nový",
                "defaultCategoryGuid": cat,
                "variants": [{"code": "new-1", "price": "10.00"}],
            }
        )
        assert created.status == 201
        result = c.patch_stock_movements(
            1, [{"productCode": "NEW-1", "realStock": 4}, {"productCode": "GONE", "realStock": 1}]
        )
        assert [e["errorCode"] for e in result.item_errors] == ["unknown-product"]
        assert Decimal(next(c.iter_supplies(1, code="NEW-1")).amount) == 4
        c.patch_pricelist(1, [{"code": "NEW-1", "price": {"price": "12.00"}}])
        assert Decimal(str(c.get_product(guid).variants[0].price)) == Decimal("12.00")
        c.delete_variant("NEW-1")
        assert c.get_products([guid]) == {guid: None}


def test_lost_response_of_a_write_is_write_outcome_unknown(sb):
    """Issue: reset after commit leaves the write applied and the client sees a connection
    error (the client turns it into WriteOutcomeUnknown and does not resend)."""
    guid = sb.state()["products"][0]["guid"]
    sb.faults.add(kind="reset_after", method="PATCH")
    with sandbox_client(sb) as c, pytest.raises(E.WriteOutcomeUnknown):
        c.patch_product(guid, {"name": "Applied once"})
    assert sb.state()["products"][0]["name"] == "Applied once"
    assert [e["method"] for e in sb.request_log] == ["PATCH"]


def test_client_retries_transient_read_faults(sb):
    sb.faults.set([{"kind": "503", "at": 1}, {"kind": "reset_before", "at": 2}])
    with sandbox_client(sb) as c:
        assert c.get_stocks().defaultStockId == 1
    assert [e["status"] for e in sb.request_log] == [503, None, 200]


@pytest.mark.http
def test_client_over_http_with_oauth(make_sandbox):
    sb = make_sandbox("demo")
    with sb.serve(port=0) as server, sandbox_client(
        url=server.url, oauth_token="sandbox-oauth", eshop_url=server.url
    ) as c:
        assert len(list(c.iter_products())) == len(sb.state()["products"])
