"""The sandbox's product flags (issue 17), answers checked against the OpenAPI file by the
suite-wide watcher: GET /api/products/flags lists the system flags; a product's flags come
with include=flags; flagsManagement sets (with dates) and unsets one flag and leaves the
others; flags replaces the list; the two together, or an unknown code, are refused."""

from __future__ import annotations

GUID = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"  # the demo's Káva Etiopie Yirgacheffe


def flags_of(client) -> list[dict]:
    answer = client.get(f"/api/products/{GUID}", params={"include": "flags"})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["flags"]


def patch(client, data: dict):
    return client.patch(f"/api/products/{GUID}", json={"data": data})


def test_the_shop_lists_its_flags(client):
    answer = client.get("/api/products/flags")
    assert answer.status_code == 200
    assert [(f["code"], f["title"]) for f in answer.json()["data"]["flags"]] == [
        ("new", "Novinka"),
        ("action", "Akce"),
        ("tip", "Tip"),
    ]


def test_flags_management_sets_and_unsets_one_flag_and_leaves_the_others(client):
    assert flags_of(client) == []
    assert patch(client, {"flags": [{"code": "tip"}]}).status_code == 200
    dated = {"code": "action", "dateFrom": "2026-12-01", "dateTo": "2026-12-24"}
    answer = patch(client, {"flagsManagement": [{"action": "set", **dated}]})
    assert answer.status_code == 200, answer.text
    assert flags_of(client) == [
        {"code": "tip", "title": "Tip", "dateFrom": None, "dateTo": None},
        {**dated, "title": "Akce"},
    ]
    patch(client, {"flagsManagement": [{"action": "unset", "code": "tip"}]})
    assert [f["code"] for f in flags_of(client)] == ["action"]
    patch(client, {"flags": None})
    assert flags_of(client) == []


def test_flags_and_flags_management_together_or_an_unknown_code_are_refused(client):
    both = patch(
        client,
        {"flags": [{"code": "tip"}], "flagsManagement": [{"action": "set", "code": "new"}]},
    )
    assert both.status_code == 422
    assert "cannot be set together" in both.json()["errors"][0]["message"]
    unknown = patch(client, {"flagsManagement": [{"action": "set", "code": "vanoce"}]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["errorCode"] == "flag-not-found"
    assert flags_of(client) == []
