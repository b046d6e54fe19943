"""The sandbox's filtering parameters (issue 18), answers checked against the OpenAPI file by
the suite-wide watcher: the registry is listed with its values, a parameter is created with its
first values (none is refused) and gains values later; names and indexes already taken are
refused; a product write assigns codes and value indexes the registry has (others are 422,
nothing changes), replaces the whole assignment, and null clears it; include reads it."""

from __future__ import annotations

import pytest

GUID = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"  # the demo's Káva Etiopie Yirgacheffe
PATH = "/api/products/filtering-parameters"


def create(client, name="Země původu", code="zeme", values=("Etiopie",)):
    body = {"data": {"name": name, "code": code, "values": [{"name": v} for v in values]}}
    return client.post(PATH, json=body)


def assigned(client) -> dict:
    answer = client.get(f"/api/products/{GUID}", params={"include": "filteringParameters"})
    assert answer.status_code == 200, answer.text
    items = answer.json()["data"]["filteringParameters"]
    return {p["code"]: [v["valueIndex"] for v in p["values"]] for p in items}


def patch(client, items):
    return client.patch(f"/api/products/{GUID}", json={"data": {"filteringParameters": items}})


def test_a_parameter_is_created_with_its_values_listed_and_gains_more(client):
    demo = client.get(PATH).json()["data"]["filteringParameters"]
    assert "zeme" not in [p["code"] for p in demo]
    answer = create(client, values=("Etiopie", "Keňa"))
    assert answer.status_code == 201, answer.text
    made = answer.json()["data"]
    assert (made["code"], made["name"]) == ("zeme", "Země původu")
    assert [(v["valueIndex"], v["name"]) for v in made["values"]] == [
        ("etiopie", "Etiopie"),
        ("kena", "Keňa"),
    ]
    more = {"data": {"paramValues": [{"name": "Kolumbie", "valueIndex": "col"}]}}
    assert client.post(f"{PATH}/zeme", json=more).status_code == 201
    listed = client.get(PATH).json()["data"]["filteringParameters"]
    assert listed[:-1] == demo
    assert [v["valueIndex"] for v in listed[-1]["values"]] == ["etiopie", "kena", "col"]
    assert client.get(f"{PATH}/zeme").json()["data"]["code"] == "zeme"
    assert client.get(f"{PATH}/nope").status_code == 404


@pytest.mark.parametrize(
    ("body", "instance"),
    [
        ({"name": "Barva", "values": []}, "data.values"),
        ({"name": "Barva"}, "data.values"),
        ({"name": "Země původu", "values": [{"name": "x"}]}, "data.name"),
        ({"name": "Jiná", "code": "zeme", "values": [{"name": "x"}]}, "data.code"),
        ({"name": "Barva", "code": "bar va", "values": [{"name": "x"}]}, "data.code"),
    ],
)
def test_bad_creates_are_refused(client, body, instance):
    assert create(client).status_code == 201
    before = client.get(PATH).json()["data"]["filteringParameters"]
    answer = client.post(PATH, json={"data": body})
    assert answer.status_code == 422, answer.text
    assert instance in [e["instance"] for e in answer.json()["errors"]]
    assert client.get(PATH).json()["data"]["filteringParameters"] == before


def test_a_product_write_assigns_replaces_and_clears(client):
    assert create(client, values=("Etiopie", "Keňa")).status_code == 201
    assert create(client, "Pražení", "prazeni", ("světlé",)).status_code == 201
    assert assigned(client) == {}
    answer = patch(client, [{"code": "zeme", "values": ["etiopie", "kena"]}])
    assert answer.status_code == 200, answer.text
    assert assigned(client) == {"zeme": ["etiopie", "kena"]}
    patch(client, [{"code": "prazeni", "values": ["svetle"]}])
    assert assigned(client) == {"prazeni": ["svetle"]}  # replaced whole
    assert patch(client, None).status_code == 200
    assert assigned(client) == {}


@pytest.mark.parametrize(
    ("items", "instance"),
    [
        ([{"code": "barva", "values": ["cerna"]}], "data.filteringParameters[0].code"),
        ([{"code": "zeme", "values": ["peru"]}], "data.filteringParameters[0].values[0]"),
        ([{"code": "zeme", "values": []}], "data.filteringParameters[0].values"),
    ],
)
def test_unknown_codes_or_values_are_refused_and_change_nothing(client, items, instance):
    assert create(client).status_code == 201
    patch(client, [{"code": "zeme", "values": ["etiopie"]}])
    answer = patch(client, items)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["instance"] == instance
    assert assigned(client) == {"zeme": ["etiopie"]}
