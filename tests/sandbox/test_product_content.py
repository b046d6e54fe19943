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
