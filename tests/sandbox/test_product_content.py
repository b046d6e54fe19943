"""The sandbox's product content (issue 18), answers checked against the OpenAPI file by the
suite-wide watcher. Related and alternative products: PUT sets the whole list in the order
given and answers it; GET and the detail's include read it back numbered by priority; an
unknown product, the product itself, a GUID twice or more than 50 items are refused with 422
and change nothing; a deleted product leaves the lists it was in. Descriptive parameters: a
PATCH replaces the table, the include reads it by priority, rows outside the limits are 422."""

from __future__ import annotations

import pytest

GUID = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"  # Káva Etiopie Yirgacheffe
B = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo
C = "693b24f4-fa81-5f3e-9d7f-6419a06506d5"  # Káva Brazílie Santos
LISTS = ("relatedProducts", "alternativeProducts")


def put(client, name: str, guids: list[str], product: str = GUID):
    body = {"data": {name: [{"guid": g} for g in guids]}}
    return client.put(f"/api/products/{product}/{name}", json=body)


def listed(client, name: str) -> list[tuple[str, int]]:
    answer = client.get(f"/api/products/{GUID}/{name}")
    assert answer.status_code == 200, answer.text
    return [(i["guid"], i["priority"]) for i in answer.json()["data"]["items"]]


@pytest.mark.parametrize("name", LISTS)
def test_put_sets_the_whole_list_in_order_and_reads_back(client, name):
    assert listed(client, name) == []
    answer = put(client, name, [C, B])
    assert answer.status_code == 200, answer.text
    assert [i["guid"] for i in answer.json()["data"]["items"]] == [C, B]
    assert listed(client, name) == [(C, 1), (B, 2)]
    detail = client.get(f"/api/products/{GUID}", params={"include": name}).json()["data"]
    assert [(i["guid"], i["priority"]) for i in detail[name]] == [(C, 1), (B, 2)]
    other = next(n for n in LISTS if n != name)
    assert other not in detail  # only what was included
    assert put(client, name, [B]).status_code == 200
    assert listed(client, name) == [(B, 1)]
    assert put(client, name, []).status_code == 200
    assert listed(client, name) == []


@pytest.mark.parametrize(
    ("guids", "instance", "words"),
    [
        ([B, "00000000-0000-4000-8000-000000000000"], "[1].guid", "not found"),
        ([GUID], "[0].guid", "itself"),
        ([B, B], "[1].guid", "twice"),
        ([B, "KAV-250"], "[1].guid", "does not match"),
        ([f"{i:08x}-0000-4000-8000-000000000000" for i in range(51)], "", "at most 50"),
    ],
)
def test_bad_lists_are_refused_and_change_nothing(client, guids, instance, words):
    assert put(client, "relatedProducts", [C]).status_code == 200
    answer = put(client, "relatedProducts", guids)
    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["instance"] == f"data.relatedProducts{instance}"
    assert words in error["message"]
    assert listed(client, "relatedProducts") == [(C, 1)]


def test_an_unknown_product_is_404(client):
    answer = put(client, "relatedProducts", [B], product="00000000-0000-4000-8000-000000000000")
    assert answer.status_code == 404


def test_a_deleted_product_leaves_the_lists_it_was_in(client):
    assert put(client, "alternativeProducts", [C, B]).status_code == 200
    assert client.delete(f"/api/products/{C}").status_code == 200
    assert listed(client, "alternativeProducts") == [(B, 1)]


def add(client, name: str, guid: str, product: str = GUID):
    body = {"data": {name[:-1]: {"guid": guid}}}
    return client.post(f"/api/products/{product}/{name}", json=body)


@pytest.mark.parametrize("name", LISTS)
def test_post_adds_one_product_at_the_end_and_answers_the_list(client, name):
    assert put(client, name, [C]).status_code == 200
    answer = add(client, name, B)
    assert answer.status_code == 200, answer.text
    assert [(i["guid"], i["priority"]) for i in answer.json()["data"]["items"]] == [(C, 1), (B, 2)]
    assert listed(client, name) == [(C, 1), (B, 2)]
    other = next(n for n in LISTS if n != name)
    assert listed(client, other) == []


@pytest.mark.parametrize("name", LISTS)
def test_adding_a_product_already_listed_is_409(client, name):
    assert add(client, name, B).status_code == 200
    answer = add(client, name, B)
    assert answer.status_code == 409
    error = answer.json()["errors"][0]
    assert error["errorCode"] == f"{name[:-8]}-product-already-exists"
    assert error["instance"] == f"data.{name[:-1]}.guid"
    assert listed(client, name) == [(B, 1)]


@pytest.mark.parametrize(
    ("data", "status", "code", "instance"),
    [
        ({"guid": GUID}, 422, "invalid-request-data", ".guid"),  # itself
        ({"guid": "00000000-0000-4000-8000-000000000000"}, 422, "product-not-found", ".guid"),
        ({"guid": "KAV-250"}, 422, "product-not-found", ".guid"),  # any text up to 36
        ({"guid": "x" * 37}, 422, "invalid-request-data", ".guid"),
        ({}, 422, "invalid-request-data", ".guid"),
        ({"guid": B, "priority": 1}, 422, "invalid-request-data", ".priority"),
        (None, 422, "invalid-request-data", ""),
    ],
)
def test_bad_adds_are_refused_and_change_nothing(client, data, status, code, instance):
    assert put(client, "relatedProducts", [C]).status_code == 200
    answer = client.post(
        f"/api/products/{GUID}/relatedProducts", json={"data": {"relatedProduct": data}}
    )
    assert answer.status_code == status, answer.text
    error = answer.json()["errors"][0]
    assert (error["errorCode"], error["instance"]) == (code, f"data.relatedProduct{instance}")
    assert listed(client, "relatedProducts") == [(C, 1)]


def test_the_wrong_list_s_key_or_an_unknown_product_is_refused(client):
    wrong = {"data": {"alternativeProduct": {"guid": B}}}
    answer = client.post(f"/api/products/{GUID}/relatedProducts", json=wrong)
    assert answer.status_code == 422
    assert [e["instance"] for e in answer.json()["errors"]] == [
        "data.alternativeProduct",
        "data.relatedProduct",
    ]
    missing = "00000000-0000-4000-8000-000000000000"
    assert add(client, "relatedProducts", B, product=missing).status_code == 404


def test_a_51st_product_is_refused(sb, client):
    doc = sb.state()
    category = doc["products"][0]["defaultCategoryGuid"]
    fifty = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(50)]
    # 50 more products straight into the state: the demo shop has fewer
    doc["products"] += [
        {"guid": g, "name": g, "defaultCategoryGuid": category, "variants": [{"code": f"P{i}"}]}
        for i, g in enumerate(fifty)
    ]
    next(p for p in doc["products"] if p["guid"] == GUID)["relatedProducts"] = fifty
    sb.load_state(doc)
    answer = add(client, "relatedProducts", B)
    assert answer.status_code == 422
    assert "50" in answer.json()["errors"][0]["message"]
    assert [g for g, _ in listed(client, "relatedProducts")] == fifty


def test_one_link_is_not_deleted_on_its_own(client):
    """Shoptet documents no DELETE here (a PUT of the shorter list removes one)."""
    assert put(client, "relatedProducts", [C]).status_code == 200
    assert client.delete(f"/api/products/{GUID}/relatedProducts").status_code == 405
    assert client.delete(f"/api/products/{GUID}/relatedProducts/{C}").status_code == 404
    assert listed(client, "relatedProducts") == [(C, 1)]


# -- descriptive parameters (the specification table) ----------------------------------------

ROWS = [
    {"name": "Země původu", "value": "Etiopie", "description": None, "priority": 1},
    {"name": "Pražení", "value": "světlé", "description": "stupeň", "priority": 2},
]


def table(client) -> list[dict]:
    answer = client.get(f"/api/products/{GUID}", params={"include": "descriptiveParameters"})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["descriptiveParameters"]


def test_a_patch_replaces_the_whole_table_and_the_include_reads_it_by_priority(client):
    assert table(client) == []
    swapped = [{**ROWS[0], "priority": 2}, {**ROWS[1], "priority": 1}]
    answer = client.patch(
        f"/api/products/{GUID}", json={"data": {"descriptiveParameters": swapped}}
    )
    assert answer.status_code == 200, answer.text
    assert [r["name"] for r in table(client)] == ["Pražení", "Země původu"]
    unranked = [{"name": "Balení"}]  # no priority: its position
    client.patch(f"/api/products/{GUID}", json={"data": {"descriptiveParameters": unranked}})
    assert table(client) == [{"name": "Balení", "value": None, "description": None, "priority": 1}]
    client.patch(f"/api/products/{GUID}", json={"data": {"descriptiveParameters": []}})
    assert table(client) == []


@pytest.mark.parametrize(
    ("rows", "instance"),
    [
        ([{"name": "x", "priority": 100000}], "data.descriptiveParameters[0].priority"),
        ([{"name": ""}], "data.descriptiveParameters[0].name"),
        ([{"value": "x"}], "data.descriptiveParameters[0].name"),
    ],
)
def test_rows_outside_shoptets_limits_are_refused(client, rows, instance):
    answer = client.patch(f"/api/products/{GUID}", json={"data": {"descriptiveParameters": rows}})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["instance"] == instance
    assert table(client) == []
