"""Update and delete of variant and filtering parameters and of their values (SPEC
updateVariantParameter, deleteVariantParameter, updateVariantParameterValue,
deleteVariantParameterValue and the four filtering twins). Both registries behave alike, so
each test runs on both (``KINDS`` holds their spellings). Answers are checked against the
OpenAPI file by the suite-wide watcher.

A PATCH changes what it names and answers the parameter; a renamed index follows into every
product that uses it; a name or index another parameter (value) has, a schema mismatch or an
empty ``data`` is 422 and changes nothing; an unknown parameter or value is 404; a DELETE of
one no product uses answers ``data: null`` and it is gone; one still in use is 409 (strict:
Shoptet does not say) naming the users, and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import raw_client


@dataclass(frozen=True)
class Kind:
    path: str
    doc_key: str
    name: str  # the request's spellings
    index: str
    value_name: str
    value_index: str
    value_priority: str
    code: str  # the stem of the error codes
    used: tuple[str, str]  # a parameter and its value that ``user`` uses
    unused: tuple[str, str]  # a value no product uses
    user: str  # a variant code or a product GUID

    def uses(self, client) -> list[tuple[str, str]]:
        """``user``'s (parameter index, value index) pairs, as the API reads them back."""
        if self.doc_key == "variantParameters":
            detail = client.get(
                f"/api/products/code/{self.user}", params={"include": "variantParameters"}
            ).json()["data"]
            variant = next(v for v in detail["variants"] if v["code"] == self.user)
            return [(p["paramIndex"], p["rawValue"]) for p in variant["parameters"]]
        detail = client.get(
            f"/api/products/{self.user}", params={"include": "filteringParameters"}
        ).json()["data"]
        params = detail["filteringParameters"]
        return [(p["code"], v["valueIndex"]) for p in params for v in p["values"]]

    def new_param(self, client, index: str) -> str:
        """A parameter no product uses, with the value ``a``; its path."""
        body = {self.name: index.title(), self.index: index, "values": [{self.value_name: "A"}]}
        assert client.post(self.path, json={"data": body}).status_code == 201
        return f"{self.path}/{index}"


VARIANT = Kind(
    "/api/products/variant-parameters",
    "variantParameters",
    "paramName",
    "paramIndex",
    "paramValue",
    "rawValue",
    "valuePriority",
    "variant-parameter",
    ("barva", "bila"),
    ("mleti", "hrube"),
    "00124-BILA",
)
FILTERING = Kind(
    "/api/products/filtering-parameters",
    "filteringParameters",
    "name",
    "code",
    "name",
    "valueIndex",
    "priority",
    "filtering-parameter",
    ("material", "keramika"),
    ("material", "sklo"),
    "f409ffdb-9231-56d9-8252-f330e95024fb",  # Překapávač V60 keramický
)
KINDS = [pytest.param(VARIANT, id="variant"), pytest.param(FILTERING, id="filtering")]


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.from_seed("demo")


@pytest.fixture
def api(sb):
    with raw_client(sb) as c:
        yield c


def registry(sb: Sandbox, kind: Kind) -> list:
    return sb.state()[kind.doc_key]


def first_error(answer) -> tuple[str, str]:
    error = answer.json()["errors"][0]
    return error["errorCode"], error["instance"]


# -- PATCH a parameter --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_patch_renames_a_parameter_and_its_users_follow(api, sb, kind):
    param, value = kind.used
    data = {kind.name: "Odstín", kind.index: "odstin", "displayName": "Barva", "priority": 7}
    answer = api.patch(f"{kind.path}/{param}", json={"data": data})
    assert answer.status_code == 200, answer.text
    got = answer.json()["data"]
    assert (got[kind.name], got[kind.index], got["displayName"], got["priority"]) == (
        "Odstín",
        "odstin",
        "Barva",
        7,
    )
    assert value in [v[kind.value_index] for v in got["values"]]  # values stay
    assert api.get(f"{kind.path}/odstin").json()["data"] == got
    assert api.get(f"{kind.path}/{param}").status_code == 404
    assert ("odstin", value) in kind.uses(api)
    assert all(p != param for p, _ in kind.uses(api))
    doc = sb.state()
    sb.load_state(doc)  # the state stays a valid state file
    assert sb.state() == doc


@pytest.mark.parametrize("kind", KINDS)
def test_patch_changes_only_what_it_names(api, sb, kind):
    param = kind.used[0]
    before = next(p for p in registry(sb, kind) if p["nameIndex"] == param)
    answer = api.patch(f"{kind.path}/{param}", json={"data": {"displayName": None}})
    assert answer.status_code == 200, answer.text
    after = next(p for p in registry(sb, kind) if p["nameIndex"] == param)
    assert after == {**before, "displayName": None}
    # its own name again (another case) is no clash with itself
    same = {kind.name: before["name"].upper(), kind.index: param}
    assert api.patch(f"{kind.path}/{param}", json={"data": same}).status_code == 200


def test_filtering_description_and_google_mapping_are_set_and_cleared(api):
    path = f"{FILTERING.path}/material"
    data = {"description": "Z čeho je", "googleMapping": "google:material"}
    got = api.patch(path, json={"data": data}).json()["data"]
    assert got["description"] == "Z čeho je"
    assert got["googleMapping"] == {"value": "google:material", "description": None}
    cleared = api.patch(path, json={"data": {"googleMapping": None, "description": None}})
    assert (cleared.json()["data"]["googleMapping"], cleared.json()["data"]["description"]) == (
        None,
        None,
    )


def test_a_created_filtering_parameter_keeps_its_google_mapping(api):
    body = {"name": "Barva", "code": "barva", "googleMapping": "google:color"}
    body["values"] = [{"name": "Bílá"}]
    made = api.post(FILTERING.path, json={"data": body}).json()["data"]
    assert made["googleMapping"] == {"value": "google:color", "description": None}


def refusals(kind: Kind) -> list:
    """(data, status, instances) of PATCHes of ``kind.used[0]`` that change nothing."""
    other = "velikost" if kind is VARIANT else "oblast"
    other_name = "Velikost" if kind is VARIANT else "Oblast"
    return [
        ({}, 422, ["data"]),
        ({"bogus": 1}, 422, ["data.bogus"]),
        ({kind.name: ""}, 422, [f"data.{kind.name}"]),
        ({kind.name: None}, 422, [f"data.{kind.name}"]),
        ({kind.index: None}, 422, [f"data.{kind.index}"]),
        ({kind.index: "s mezerou"}, 422, [f"data.{kind.index}"]),
        ({kind.index: "x" * 256}, 422, [f"data.{kind.index}"]),
        ({"priority": 0}, 422, ["data.priority"]),
        ({"displayName": ""}, 422, ["data.displayName"]),
        ({kind.name: other_name.lower()}, 422, [f"data.{kind.name}"]),  # another's, any case
        ({kind.index: other}, 422, [f"data.{kind.index}"]),
        ({"values": []}, 422, ["data.values"]),  # values have their own endpoints
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_bad_patches_of_a_parameter_are_refused_and_change_nothing(api, sb, kind):
    before = sb.state()
    for data, status, instances in refusals(kind):
        answer = api.patch(f"{kind.path}/{kind.used[0]}", json={"data": data})
        assert answer.status_code == status, (data, answer.text)
        assert [e["instance"] for e in answer.json()["errors"]] == instances, data
        assert {e["errorCode"] for e in answer.json()["errors"]} == {"invalid-request-data"}
    assert sb.state() == before


@pytest.mark.parametrize("kind", KINDS)
def test_bodies_that_are_no_request_are_422(api, sb, kind):
    path = f"{kind.path}/{kind.used[0]}"
    assert api.patch(path, content=b"{not json").status_code == 422
    assert first_error(api.patch(path, json=[1])) == ("invalid-request-data", "payload")
    assert first_error(api.patch(path, json={"priority": 2})) == (
        "invalid-request-data",
        "priority",
    )
    assert api.patch(f"{path}/{kind.used[1]}", json={}).status_code == 422


# -- PATCH a value ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_patch_renames_a_value_and_its_users_follow(api, sb, kind):
    param, value = kind.used
    data = {kind.value_name: "Sněhová", kind.value_index: "snehova", "color": "#fafafa"}
    data[kind.value_priority] = 9
    answer = api.patch(f"{kind.path}/{param}/{value}", json={"data": data})
    assert answer.status_code == 200, answer.text
    got = answer.json()["data"]
    assert got[kind.index] == param  # the answer is the whole parameter
    row = next(v for v in got["values"] if v[kind.value_index] == "snehova")
    assert (row[kind.value_name], row["color"], row[kind.value_priority]) == (
        "Sněhová",
        "#fafafa",
        9,
    )
    assert value not in [v[kind.value_index] for v in got["values"]]
    assert (param, "snehova") in kind.uses(api)
    assert api.delete(f"{kind.path}/{param}/{value}").status_code == 404


def test_a_renamed_variant_value_is_what_product_writes_use(api, sb):
    api.patch(f"{VARIANT.path}/barva/bila", json={"data": {"rawValue": "white"}})
    old = {
        "variants": [
            {"code": "00124-BILA", "parameters": [{"nameIndex": "barva", "valueIndex": "bila"}]}
        ]
    }
    guid = "37b171f0-5796-5998-89c2-fcaf36b7c06b"  # Elektrický mlýnek Burr 200
    answer = api.patch(f"/api/products/{guid}", json={"data": old})
    assert answer.status_code == 422
    assert "not found" in answer.json()["errors"][0]["message"]
    old["variants"][0]["parameters"][0]["valueIndex"] = "white"
    assert api.patch(f"/api/products/{guid}", json={"data": old}).status_code == 200


def test_a_filtering_value_index_of_null_is_derived_from_the_name(api):
    path = f"{FILTERING.path}/material/sklo"
    answer = api.patch(path, json={"data": {"name": "Borosilikátové sklo", "valueIndex": None}})
    assert answer.status_code == 200, answer.text
    names = [(v["valueIndex"], v["name"]) for v in answer.json()["data"]["values"]]
    assert ("borosilikatove-sklo", "Borosilikátové sklo") in names


def value_refusals(kind: Kind) -> list:
    """(data, instances) of PATCHes of ``kind.unused`` that change nothing."""
    taken = "jemne" if kind is VARIANT else "nerez"
    taken_name = "Jemné" if kind is VARIANT else "Nerez"
    rows = [
        ({}, ["data"]),
        ({"bogus": 1}, ["data.bogus"]),
        ({kind.value_name: ""}, [f"data.{kind.value_name}"]),
        ({kind.value_name: "x" * 129}, [f"data.{kind.value_name}"]),
        ({kind.value_name: None}, [f"data.{kind.value_name}"]),
        ({kind.value_index: "a b"}, [f"data.{kind.value_index}"]),
        ({kind.value_priority: 0}, [f"data.{kind.value_priority}"]),
        ({"color": "red"}, ["data.color"]),
        ({"image": "a.jpg"}, ["data.image"]),  # the sandbox has no file folder
        ({kind.value_name: taken_name.upper()}, [f"data.{kind.value_name}"]),
        ({kind.value_index: taken}, [f"data.{kind.value_index}"]),
    ]
    if kind is VARIANT:  # only the variant value's index and priority may not be null
        rows += [
            ({"rawValue": None}, ["data.rawValue"]),
            ({"valuePriority": None}, ["data.valuePriority"]),
        ]
    return rows


@pytest.mark.parametrize("kind", KINDS)
def test_bad_patches_of_a_value_are_refused_and_change_nothing(api, sb, kind):
    before = sb.state()
    param, value = kind.unused
    for data, instances in value_refusals(kind):
        answer = api.patch(f"{kind.path}/{param}/{value}", json={"data": data})
        assert answer.status_code == 422, (data, answer.text)
        assert [e["instance"] for e in answer.json()["errors"]] == instances, data
    assert sb.state() == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_value_s_image_can_be_cleared(api, sb, kind):
    param, value = kind.unused
    answer = api.patch(
        f"{kind.path}/{param}/{value}", json={"data": {"image": None, "color": None}}
    )
    assert answer.status_code == 200, answer.text


# -- 404 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_parameter_or_value_is_404_for_every_write(api, kind):
    param = kind.used[0]
    body = {"data": {kind.name: "X"}}
    value_body = {"data": {kind.value_name: "X"}}
    for method, path, json in [
        ("PATCH", f"{kind.path}/nope", body),
        ("DELETE", f"{kind.path}/nope", None),
        ("PATCH", f"{kind.path}/nope/{kind.used[1]}", value_body),
        ("DELETE", f"{kind.path}/nope/{kind.used[1]}", None),
    ]:
        answer = api.request(method, path, json=json)
        assert answer.status_code == 404, (method, path)
        assert first_error(answer) == (f"{kind.code}-not-found", "nope")
    for method, json in [("PATCH", value_body), ("DELETE", None)]:
        answer = api.request(method, f"{kind.path}/{param}/nope", json=json)
        assert answer.status_code == 404
        assert first_error(answer) == (f"{kind.code}-value-not-found", "nope")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_parameter_is_404_before_its_body_is_read(api, kind):
    assert api.patch(f"{kind.path}/nope", json={"data": {}}).status_code == 404


# -- DELETE -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_delete_of_an_unused_parameter_and_value(api, sb, kind):
    path = kind.new_param(api, "prichut")
    assert api.delete(f"{path}/a").status_code == 200
    assert api.get(path).json()["data"]["values"] == []
    answer = api.delete(path)
    assert answer.status_code == 200
    assert answer.json()["data"] is None and answer.json()["errors"] is None
    assert api.get(path).status_code == 404
    assert "prichut" not in [p["nameIndex"] for p in registry(sb, kind)]
    param, value = kind.unused
    assert api.delete(f"{kind.path}/{param}/{value}").status_code == 200
    assert api.get(f"{kind.path}/{param}").status_code == 200  # the parameter stays


@pytest.mark.parametrize("kind", KINDS)
def test_delete_of_a_used_parameter_or_value_is_409_and_names_the_users(api, sb, kind):
    before = sb.state()
    param, value = kind.used
    answer = api.delete(f"{kind.path}/{param}")
    assert answer.status_code == 409
    assert first_error(answer) == (f"{kind.code}-used-by-products", param)
    assert kind.user in answer.json()["errors"][0]["message"]
    answer = api.delete(f"{kind.path}/{param}/{value}")
    assert answer.status_code == 409
    assert first_error(answer) == (f"{kind.code}-value-used-by-products", value)
    assert kind.user in answer.json()["errors"][0]["message"]
    assert sb.state() == before


def test_a_long_list_of_users_is_cut_short():
    sb = Sandbox.from_seed("demo")
    with raw_client(sb) as api:
        message = api.delete(f"{VARIANT.path}/hmotnost").json()["errors"][0]["message"]
    users = sum(
        1
        for p in sb.state()["products"]
        for v in p["variants"]
        if v["parameters"] and v["parameters"][0]["nameIndex"] == "hmotnost"
    )
    assert f"and {users - 10} more" in message


@pytest.mark.parametrize("kind", KINDS)
def test_once_no_product_uses_it_a_parameter_can_be_deleted(api, sb, kind):
    param, _ = kind.used
    users = {p["guid"] for p in sb.state()["products"] if _uses(p, kind, param)}
    for guid in users:
        assert api.delete(f"/api/products/{guid}").status_code == 200
    assert api.delete(f"{kind.path}/{param}").status_code == 200


def _uses(product: dict, kind: Kind, param: str) -> bool:
    if kind is VARIANT:
        return any(i["nameIndex"] == param for v in product["variants"] for i in v["parameters"])
    return any(i["code"] == param for i in product["filteringParameters"])
