"""The sandbox's measure units: GET /api/products/measure-units lists Shoptet's system units
with their conversion ratios; a variant item's ``measureUnit`` is stored and read back with
include=measureUnit (names and the computed ``measurePrice``); unknown unit ids and units that
do not convert to each other are refused, nothing written. Every answer is checked against the
OpenAPI file by the suite-wide watcher (tests/support/openapi_responses.py)."""

from __future__ import annotations

import pytest

GUID = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"
CODE = "KAV-ETH-250"
G, KG, L = -15, -16, -23
PER_KG = {
    "packagingUnitId": G,
    "packagingAmount": "250.000",
    "measureUnitId": KG,
    "measureAmount": "1.000",
}



def patch(client, measure):
    return client.patch(
        f"/api/products/{GUID}",
        json={"data": {"variants": [{"code": CODE, "measureUnit": measure}]}},
    )


def variant(client, include: str = "measureUnit") -> dict:
    answer = client.get(f"/api/products/{GUID}", params={"include": include})
    assert answer.status_code == 200, answer.text
    return next(v for v in answer.json()["data"]["variants"] if v["code"] == CODE)


def test_the_list_is_served_with_ratios(client):
    units = client.get("/api/products/measure-units").json()["data"]["measureUnits"]
    kg = next(u for u in units if u["unitName"] == "kg")
    assert kg["id"] == KG
    assert {"unitId": G, "ratio": "0.001000000"} in kg["ratios"]
    assert all(r["unitId"] != L for r in kg["ratios"])  # a litre is no mass


def test_written_read_back_and_cleared(client, sb):
    assert variant(client)["measureUnit"] is None
    assert "measureUnit" not in variant(client, include="images")  # only with its include
    assert patch(client, PER_KG).status_code == 200
    price = variant(client)["price"]
    got = variant(client)["measureUnit"]
    assert got == {
        **PER_KG,
        "packagingUnitName": "g",
        "measureUnitName": "kg",
        "measurePrice": f"{float(price) * 4:.2f}",  # 250 g: a kilogram is four of them
    }
    assert patch(client, None).status_code == 200
    assert variant(client)["measureUnit"] is None


@pytest.mark.parametrize(
    ("measure", "code", "instance"),
    [
        ({**PER_KG, "measureUnitId": 99}, "measure-unit-not-found", "measureUnit.measureUnitId"),
        (
            {**PER_KG, "packagingUnitId": -1},
            "measure-unit-not-found",
            "measureUnit.packagingUnitId",
        ),
        ({**PER_KG, "measureUnitId": L}, "measure-units-not-convertible", "measureUnit"),
    ],
)
def test_unknown_or_unconvertible_units_are_refused(client, sb, measure, code, instance):
    writes = sb.counters["writes"]
    answer = patch(client, measure)
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["errorCode"] == code
    assert error["instance"] == f"data.variants[0].{instance}"
    assert variant(client)["measureUnit"] is None
    assert sb.counters["writes"] == writes


def test_an_amount_that_is_not_shoptets_decimal_text_is_refused(client):
    answer = patch(client, {**PER_KG, "packagingAmount": "250"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["errorCode"] == "invalid-request-data"
    assert variant(client)["measureUnit"] is None
