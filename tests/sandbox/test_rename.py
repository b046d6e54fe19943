"""A variant rename as Shoptet documents it (OpenAPI ``updateProduct``: ``code`` names the
variant, ``newCode`` its new code): the same variant, stock and prices kept; a new code
another variant has is refused the Shoptet way, changing nothing."""

from __future__ import annotations

import pytest

BRA = "693b24f4-fa81-5f3e-9d7f-6419a06506d5"  # Káva Brazílie Santos in the demo shop


def product(sb, guid=BRA) -> dict:
    return next(p for p in sb.state()["products"] if p["guid"] == guid)


def rename(client, old, new, guid=BRA):
    body = {"data": {"variants": [{"code": old, "newCode": new}]}}
    return client.patch(f"/api/products/{guid}", json=body)


def test_rename_keeps_the_variant_with_its_stock_prices_and_parameters(client, sb):
    before = {v["code"]: v for v in product(sb)["variants"]}["KAV-BRA-500"]
    assert rename(client, "KAV-BRA-500", "kav-bra-0500").status_code == 200
    after = {v["code"]: v for v in product(sb)["variants"]}
    assert "KAV-BRA-500" not in after and len(after) == 3
    assert after["KAV-BRA-0500"] == {**before, "code": "KAV-BRA-0500"}  # uppercase, all kept
    got = client.get("/api/products/code/KAV-BRA-0500", params={"include": "perStockAmounts"})
    assert got.status_code == 200
    assert client.get("/api/products/code/KAV-BRA-500").status_code == 404


@pytest.mark.parametrize("taken", ["KAV-BRA-1000", "KAV-COL-250"])
def test_a_new_code_another_variant_has_is_refused_and_nothing_changes(client, sb, taken):
    state = sb.state()
    r = rename(client, "KAV-BRA-500", taken)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["errorCode"] == "invalid-request-data"
    assert error["message"] == f'Variant code "{taken}" already exists.'
    assert error["instance"] == "data.variants[0].newCode"
    assert sb.state() == state


@pytest.mark.parametrize("bad", ["", "KAV?500", "X" * 65])
def test_a_new_code_that_is_not_a_code_is_refused(client, sb, bad):
    state = sb.state()
    assert rename(client, "KAV-BRA-500", bad).status_code in (400, 422)
    assert sb.state() == state
