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


# -- flag definitions: POST, PATCH, DELETE /api/products/flags (createProductFlag, ...) ------


def create(client, data: dict):
    return client.post("/api/products/flags", json={"data": data})


def listed(client) -> dict[str, dict]:
    return {f["code"]: f for f in client.get("/api/products/flags").json()["data"]["flags"]}


def test_a_created_flag_gets_a_generated_code_and_can_be_set_on_a_product(client):
    answer = create(client, {"title": "Vánoce", "color": "#d40000"})
    assert answer.status_code == 200, answer.text
    (flag,) = answer.json()["data"]["flags"]
    assert flag["title"] == "Vánoce" and flag["color"] == "#d40000" and not flag["system"]
    assert flag["code"] not in ("new", "action", "tip") and flag["code"] in listed(client)
    second = create(client, {"title": "Zdarma"}).json()["data"]["flags"][0]
    assert second["code"] != flag["code"] and second["color"] is None
    set_it = {"action": "set", "code": flag["code"], "dateFrom": "2026-12-01", "dateTo": None}
    assert patch(client, {"flagsManagement": [set_it]}).status_code == 200
    assert [f["title"] for f in flags_of(client)] == ["Vánoce"]


def test_a_flag_create_is_refused_without_title_with_a_bad_colour_or_a_taken_title(client):
    for data, where in (
        ({"color": "#d40000"}, "data.title"),
        ({"title": ""}, "data.title"),
        ({"title": "X", "color": "red"}, "data.color"),
        ({"title": "X", "code": "x"}, "data.code"),
        ({"title": "akce"}, "data.title"),  # Akce exists (titles compared case-insensitively)
    ):
        answer = create(client, data)
        assert answer.status_code == 422, data
        assert answer.json()["errors"][0]["instance"] == where, data
    assert set(listed(client)) == {"new", "action", "tip"}


def test_a_flag_is_updated_by_code_and_a_custom_one_deleted_off_its_products(client):
    answer = client.patch("/api/products/flags/tip", json={"data": {"color": "#00a000"}})
    assert answer.status_code == 200, answer.text
    assert listed(client)["tip"] == {
        "code": "tip",
        "title": "Tip",
        "system": True,
        "color": "#00a000",
        "showInDetail": True,
        "showInCategory": True,
    }
    assert client.patch("/api/products/flags/tip", json={"data": {}}).status_code == 422
    taken = client.patch("/api/products/flags/tip", json={"data": {"title": "Novinka"}})
    assert taken.status_code == 422
    unknown = client.patch("/api/products/flags/nope", json={"data": {"title": "N"}})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["errorCode"] == "flag-not-found"

    code = create(client, {"title": "Vánoce"}).json()["data"]["flags"][0]["code"]
    patch(client, {"flagsManagement": [{"action": "set", "code": code}]})
    assert client.delete("/api/products/flags/action").status_code == 422  # a system flag
    assert client.delete(f"/api/products/flags/{code}").status_code == 200
    assert code not in listed(client) and flags_of(client) == []
    assert client.delete(f"/api/products/flags/{code}").status_code == 404
