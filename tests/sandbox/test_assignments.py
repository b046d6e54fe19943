"""The sandbox's warranties, units and suppliers (issue 17): read-only lists (GET
/api/products/warranties, /api/products/units, /api/suppliers, answers checked against the
OpenAPI file by the suite-wide watcher); a product PATCH assigns warrantyId and supplierGuid and
a variant item unitId, each of which must exist; the detail shows them (warranty with
include=warranty, the variant's unit by name)."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import raw_client

GUID = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"
SUPPLIER = "9e1c6b1e-2f3a-4c5d-8e9f-0a1b2c3d4e5f"


@pytest.fixture
def client(make_sandbox):
    sb: Sandbox = make_sandbox("demo")
    state = sb.state()
    state["suppliers"] = [{"guid": SUPPLIER, "name": "Kávová pražírna s.r.o."}]
    sb.load_state(state)
    with raw_client(sb) as c:
        yield c


def patch(client, data: dict):
    return client.patch(f"/api/products/{GUID}", json={"data": data})


def detail(client) -> dict:
    answer = client.get(f"/api/products/{GUID}", params={"include": "warranty"})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_the_lists_are_served(client):
    warranties = client.get("/api/products/warranties").json()["data"]["warranties"]
    assert {"id": -2, "inMonths": 12, "description": "1 rok", "system": True} in warranties
    units = client.get("/api/products/units").json()["data"]["units"]
    assert {"id": -2, "name": "kg", "system": True} in units
    suppliers = client.get("/api/suppliers").json()["data"]
    assert suppliers["suppliers"] == [{"guid": SUPPLIER, "name": "Kávová pražírna s.r.o."}]
    assert suppliers["paginator"]["totalCount"] == 1


def test_assignments_are_written_and_read_back(client):
    assert detail(client)["warranty"] is None and detail(client)["supplier"] is None
    answer = patch(
        client,
        {
            "warrantyId": -2,
            "supplierGuid": SUPPLIER,
            "variants": [{"code": "KAV-ETH-250", "unitId": -2}],
        },
    )
    assert answer.status_code == 200, answer.text
    got = detail(client)
    assert got["warranty"] == {"id": -2, "inMonths": 12, "description": "1 rok"}
    assert got["supplier"] == {"guid": SUPPLIER, "name": "Kávová pražírna s.r.o."}
    assert got["variants"][0]["unit"] == "kg"
    assert "warranty" not in client.get(f"/api/products/{GUID}").json()["data"]
    assert patch(client, {"warrantyId": None, "supplierGuid": None}).status_code == 200
    assert detail(client)["warranty"] is None and detail(client)["supplier"] is None


@pytest.mark.parametrize(
    ("data", "code", "where"),
    [
        ({"warrantyId": 9}, "warranty-not-found", "data.warrantyId"),
        (
            {"supplierGuid": "0b6f1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"},
            "supplier-not-found",
            "data.supplierGuid",
        ),
        (
            {"variants": [{"code": "KAV-ETH-250", "unitId": 99}]},
            "unit-not-found",
            "data.variants[0].unitId",
        ),
        ({"variants": [{"code": "KAV-ETH-250", "unitId": None}]}, "invalid-request-data", None),
    ],
)
def test_an_unknown_or_null_reference_is_refused_and_nothing_changes(client, data, code, where):
    answer = patch(client, data)
    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["errorCode"] == code
    if where:
        assert error["instance"] == where
    got = detail(client)
    assert got["warranty"] is None and got["variants"][0]["unit"] == "ks"
