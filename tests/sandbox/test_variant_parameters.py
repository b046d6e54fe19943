"""Variant parameters (issue 14): the registry endpoints and Shoptet's rule that each variant of a
multi-variant product has a unique combination of ``parameters`` (SPEC createProduct
description; features §1). The rule runs with ``variant_parameters="enforce"``; responses are
checked against the OpenAPI file by the suite-wide fixture when SHOPTET_OPENAPI is set."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import Sandbox, SandboxConfig, StateError
from reconciler.sandbox.seeds import load_seed
from reconciler.sandbox.state import ShopState
from reconciler.sandbox.variant_params import variant_rule_errors
from tests.support.sandbox_client import raw_client

NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
VP = "/api/products/variant-parameters"


@pytest.fixture
def strict(make_sandbox) -> Sandbox:
    return make_sandbox("demo", variant_parameters="enforce")


@pytest.fixture
def api(strict):
    with raw_client(strict) as c:
        yield c


def cat_of(sb: Sandbox) -> str:
    return sb.state()["categories"][1]["guid"]


def variant(code: str, *params: tuple[str, str], **extra) -> dict:
    item = {"code": code, "price": "239.00", **extra}
    if params:
        item["parameters"] = [{"nameIndex": n, "valueIndex": v} for n, v in params]
    return item


def create(api, sb, *variants) -> object:
    body = {"data": {"guid": NEW, "name": "Káva Peru", "defaultCategoryGuid": cat_of(sb)}}
    body["data"]["variants"] = list(variants)
    return api.post("/api/products", json=body, params={"include": "variantParameters"})


def errors(r) -> list[tuple[str, str]]:
    return [(e["errorCode"], e["instance"]) for e in r.json()["errors"]]


def product_by_code(sb: Sandbox, code: str) -> dict:
    return next(p for p in sb.state()["products"] if any(v["code"] == code for v in p["variants"]))


# -- the setting ------------------------------------------------------------------------------


def test_the_rule_is_enforced_by_default_and_can_be_turned_off(make_sandbox):
    """Issue 14: the tool manages variant parameters, so the sandbox enforces Shoptet's rule by
    default; "off" remains for tests of other behaviour."""
    assert SandboxConfig().variant_parameters == "enforce"
    sb = make_sandbox("demo")
    with raw_client(sb) as c:
        r = create(c, sb, variant("KAV-PER-250"), variant("KAV-PER-500"))
    assert r.status_code == 422
    off = make_sandbox("demo", variant_parameters="off")
    with raw_client(off) as c:
        r = create(c, off, variant("KAV-PER-250"), variant("KAV-PER-500"))
    assert r.status_code == 201
    with pytest.raises(ValueError, match="variant_parameters"):
        SandboxConfig(variant_parameters="strict")


def test_the_setting_is_tunable_through_the_admin_api(sb):
    with sb.serve(port=0) as server, raw_client(sb) as c:
        import httpx

        with httpx.Client(base_url=server.url) as a:
            assert a.get("/_sandbox/config").json()["variant_parameters"] == "enforce"
            r = a.patch("/_sandbox/config", json={"variant_parameters": "off"})
            assert r.status_code == 200 and r.json()["variant_parameters"] == "off"
            assert a.patch("/_sandbox/config", json={"variant_parameters": 1}).status_code == 400
            assert a.patch("/_sandbox/config", json={"variant_parameters": "x"}).status_code == 400
            assert sb.config.variant_parameters == "off"
        r = create(c, sb, variant("KAV-PER-250"), variant("KAV-PER-500"))
        assert r.status_code == 201


# -- create -----------------------------------------------------------------------------------


def test_two_variants_without_parameters_are_refused_per_item(api, strict):
    before = strict.state()
    r = create(api, strict, variant("KAV-PER-250"), variant("KAV-PER-500"))
    assert r.status_code == 422
    assert errors(r) == [
        ("invalid-request-data", "data.variants[0].parameters"),
        ("invalid-request-data", "data.variants[1].parameters"),
    ]
    assert "unique combination of parameters" in r.json()["errors"][0]["message"]
    assert r.json()["data"] is None
    assert strict.state() == before  # nothing created, not even the clock moved


def test_one_variant_without_parameters_is_refused_too(api, strict):
    r = create(api, strict, variant("A", ("hmotnost", "250-g")), variant("B"))
    assert r.status_code == 422
    assert errors(r) == [("invalid-request-data", "data.variants[1].parameters")]


def test_two_variants_with_distinct_parameters_are_accepted(api, strict):
    r = create(
        api,
        strict,
        variant("KAV-PER-250", ("hmotnost", "250-g")),
        variant("KAV-PER-500", ("hmotnost", "500-g")),
    )
    assert r.status_code == 201, r.json()
    variants = r.json()["data"]["product"]["variants"]
    assert [v["parameters"][0]["rawValue"] for v in variants] == ["250-g", "500-g"]
    assert variants[1]["parameters"][0] == {
        "paramName": "Hmotnost",
        "paramIndex": "hmotnost",
        "paramValue": "500 g",
        "displayName": "Hmotnost balení",
        "rawValue": "500-g",
        "color": None,
        "image": None,
        "valuePriority": 4,
    }
    assert variants[1]["name"] == "Hmotnost balení: 500 g"
    stored = product_by_code(strict, "KAV-PER-500")["variants"]
    assert stored[1]["parameters"] == [{"nameIndex": "hmotnost", "valueIndex": "500-g"}]


def test_two_parameters_per_variant_and_the_composed_name(api, strict):
    r = create(
        api,
        strict,
        variant("A", ("hmotnost", "250-g"), ("mleti", "zrno")),
        variant("B", ("hmotnost", "250-g"), ("mleti", "jemne")),
    )
    assert r.status_code == 201, r.json()
    assert (
        r.json()["data"]["product"]["variants"][0]["name"]
        == "Hmotnost balení: 250 g, mletí: Zrnková"
    )


def test_a_single_variant_needs_no_parameters(api, strict):
    assert create(api, strict, variant("ONE")).status_code == 201


def test_duplicate_combination_is_refused(api, strict):
    r = create(
        api,
        strict,
        variant("A", ("hmotnost", "250-g"), ("mleti", "zrno")),
        variant("B", ("mleti", "zrno"), ("hmotnost", "250-g")),  # same set, other order
    )
    assert r.status_code == 422
    assert errors(r) == [("invalid-request-data", "data.variants[1].parameters")]
    assert 'same combination of parameters as variant "A"' in r.json()["errors"][0]["message"]


def test_unknown_name_or_value_index_is_refused(api, strict):
    r = create(
        api,
        strict,
        variant("A", ("vaha", "250-g")),
        variant("B", ("hmotnost", "2-kg")),
    )
    assert r.status_code == 422
    assert errors(r) == [
        ("invalid-request-data", "data.variants[0].parameters[0].nameIndex"),
        ("invalid-request-data", "data.variants[1].parameters[0].valueIndex"),
    ]
    # a single variant's parameters must exist too
    r = create(api, strict, variant("A", ("hmotnost", "Hmotnost")))
    assert errors(r) == [("invalid-request-data", "data.variants[0].parameters[0].valueIndex")]


def test_the_same_parameter_twice_in_one_variant_is_refused(api, strict):
    r = create(
        api,
        strict,
        variant("A", ("hmotnost", "250-g"), ("hmotnost", "500-g")),
        variant("B", ("hmotnost", "1000-g")),
    )
    assert r.status_code == 422
    assert errors(r) == [("invalid-request-data", "data.variants[0].parameters[1]")]


# -- PATCH ------------------------------------------------------------------------------------


def test_patch_adding_a_variant_without_parameters_is_refused(api, strict):
    product = product_by_code(strict, "KAV-COL-250")  # two variants, hmotnost 250 g / 500 g
    before = strict.state()
    r = api.patch(
        f"/api/products/{product['guid']}", json={"data": {"variants": [{"code": "KAV-COL-1000"}]}}
    )
    assert r.status_code == 422
    assert errors(r) == [("invalid-request-data", "data.variants[0].parameters")]
    assert strict.state() == before


def test_patch_adding_a_variant_with_a_new_value_is_accepted(api, strict):
    product = product_by_code(strict, "KAV-COL-250")
    body = {"data": {"variants": [variant("KAV-COL-1000", ("hmotnost", "1000-g"))]}}
    body["data"]["variants"][0].pop("price")  # PATCH variant items carry no price
    r = api.patch(
        f"/api/products/{product['guid']}", json=body, params={"include": "variantParameters"}
    )
    assert r.status_code == 200, r.json()
    assert [v["parameters"][0]["rawValue"] for v in r.json()["data"]["variants"]] == [
        "250-g",
        "500-g",
        "1000-g",
    ]


def test_patch_adding_a_second_variant_to_a_parameterless_product_names_the_existing_one(
    api, strict
):
    """The rule is on the resulting variants: the product's own variant (not in the request)
    has no parameters either, so it is reported under data.variants."""
    product = product_by_code(strict, "KAP-01")
    body = {
        "data": {
            "variants": [
                {"code": "KAP-01-XL", "parameters": [{"nameIndex": "velikost", "valueIndex": "l"}]}
            ]
        }
    }
    r = api.patch(f"/api/products/{product['guid']}", json=body)
    assert r.status_code == 422
    assert errors(r) == [("invalid-request-data", "data.variants")]
    assert '"KAP-01"' in r.json()["errors"][0]["message"]
    # sending the existing variant's parameters in the same request makes it valid
    body["data"]["variants"].insert(
        0, {"code": "KAP-01", "parameters": [{"nameIndex": "velikost", "valueIndex": "m"}]}
    )
    assert api.patch(f"/api/products/{product['guid']}", json=body).status_code == 200


def test_patch_changing_parameters_into_a_duplicate_or_away_is_refused(api, strict):
    product = product_by_code(strict, "KAV-COL-250")
    url = f"/api/products/{product['guid']}"
    same = {
        "data": {
            "variants": [
                {
                    "code": "KAV-COL-500",
                    "parameters": [{"nameIndex": "hmotnost", "valueIndex": "250-g"}],
                }
            ]
        }
    }
    r = api.patch(url, json=same)
    assert errors(r) == [("invalid-request-data", "data.variants[0].parameters")]
    assert "identical parameter combinations" in r.json()["errors"][0]["message"]
    empty = {"data": {"variants": [{"code": "KAV-COL-500", "parameters": []}]}}
    assert errors(api.patch(url, json=empty)) == [
        ("invalid-request-data", "data.variants[0].parameters")
    ]
    # swapping the two values in one request is fine: the result is what counts
    swap = {
        "data": {
            "variants": [
                {
                    "code": "KAV-COL-250",
                    "parameters": [{"nameIndex": "hmotnost", "valueIndex": "500-g"}],
                },
                {
                    "code": "KAV-COL-500",
                    "parameters": [{"nameIndex": "hmotnost", "valueIndex": "250-g"}],
                },
            ]
        }
    }
    assert api.patch(url, json=swap).status_code == 200


def test_patch_without_parameters_leaves_them_and_is_not_checked(api, strict):
    """Only a request that adds a variant or sends parameters is checked; a state loaded with
    an invalid product can still get its name changed."""
    doc = strict.state()
    product = next(p for p in doc["products"] if len(p["variants"]) > 1)
    for v in product["variants"]:
        v["parameters"] = []
    strict.load_state(doc)
    r = api.patch(
        f"/api/products/{product['guid']}",
        json={
            "data": {
                "name": "Nové jméno",
                "variants": [{"code": product["variants"][0]["code"], "ean": "1"}],
            }
        },
    )
    assert r.status_code == 200, r.json()


def test_patch_by_code_is_checked_too(api, strict):
    r = api.patch(
        "/api/products/code/KAV-COL-250", json={"data": {"variants": [{"code": "NEW-ONE"}]}}
    )
    assert r.status_code == 422


def test_deleting_a_variant_needs_no_check(api, strict):
    assert api.delete("/api/products/code/KAV-COL-500").status_code == 200


def test_the_demo_shop_is_valid_under_the_rule():
    doc = load_seed("demo")
    state = ShopState(doc)
    multi = [p for p in doc["products"] if len(p["variants"]) > 1]
    assert len(multi) >= 10
    for p in doc["products"]:
        rows = [("x", v["code"], v["parameters"]) for v in p["variants"]]
        assert variant_rule_errors(state, rows) == [], p["name"]
    weights = {v["name"] for v in state.params["hmotnost"]["values"]}
    assert {"250 g", "500 g", "1 kg"} <= weights


def test_resending_every_variant_s_parameters_is_accepted(api, strict):
    for product in strict.state()["products"]:
        items = [{"code": v["code"], "parameters": v["parameters"]} for v in product["variants"]]
        r = api.patch(f"/api/products/{product['guid']}", json={"data": {"variants": items}})
        assert r.status_code == 200, (product["name"], r.json()["errors"])


_combo = st.lists(
    st.tuples(st.sampled_from(["hmotnost", "mleti"]), st.sampled_from(["250-g", "zrno", "jemne"])),
    max_size=2,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(combos=st.lists(_combo, min_size=1, max_size=4))
def test_property_create_is_accepted_exactly_when_the_rule_holds(make_sandbox, combos):
    sb = make_sandbox("demo", variant_parameters="enforce")
    params = sb.state()["variantParameters"]
    known = {(p["nameIndex"], v["valueIndex"]) for p in params for v in p["values"]}
    items = [variant(f"P-{i}", *c) for i, c in enumerate(combos)]
    ok = all(pair in known for c in combos for pair in c)
    ok &= all(len({n for n, _ in c}) == len(c) for c in combos)
    if len(combos) > 1:
        ok &= all(combos) and len({frozenset(c) for c in combos}) == len(combos)
    with raw_client(sb) as c:
        r = create(c, sb, *items)
    assert r.status_code == (201 if ok else 422), (combos, r.json()["errors"])


# -- the registry -----------------------------------------------------------------------------


def test_list_with_and_without_values(api, strict):
    data = api.get(VP, params={"include": "values"}).json()["data"]
    names = [p["paramIndex"] for p in data["parameters"]]
    assert names == ["hmotnost", "mleti", "barva", "objem", "velikost"]
    hmotnost = data["parameters"][0]
    assert hmotnost["paramName"] == "Hmotnost" and hmotnost["id"] == 1
    assert hmotnost["values"][4] == {
        "id": 5,
        "paramValue": "1 kg",
        "rawValue": "1000-g",
        "color": None,
        "image": None,
        "valuePriority": 5,
    }
    assert data["paginator"]["itemsPerPage"] == 50
    plain = api.get(VP).json()["data"]["parameters"][0]
    assert "values" not in plain
    assert api.get(VP, params={"include": "images"}).status_code == 400
    page = api.get(VP, params={"itemsPerPage": 1000, "page": 1}).json()["data"]["paginator"]
    assert page["itemsPerPage"] == 100  # the documented maximum


def test_detail_and_404(api, strict):
    r = api.get(f"{VP}/barva")
    assert r.status_code == 200
    assert r.json()["data"]["values"][1]["color"] == "#000000"
    r = api.get(f"{VP}/nope")
    assert r.status_code == 404
    assert r.json()["errors"][0]["errorCode"] == "variant-parameter-not-found"


def test_create_parameter_derives_the_index_and_answers_like_the_spec(api, strict):
    body = {
        "data": {
            "paramName": "Barevné spektrum",
            "displayName": "Barva",
            "priority": 20,
            "values": [
                {"paramValue": "Červená"},
                {"paramValue": "Modrá", "rawValue": "blue", "color": "0000FF", "valuePriority": 2},
            ],
        }
    }
    r = api.post(VP, json=body)
    assert r.status_code == 201, r.json()
    data = r.json()["data"]
    assert data["paramIndex"] == "barevne-spektrum" and data["id"] == 6
    assert data["displayName"] == "Barva" and data["priority"] == 20
    assert [(v["rawValue"], v["paramValue"]) for v in data["values"]] == [
        ("cervena", "Červená"),
        ("blue", "Modrá"),
    ]
    assert data["values"][1]["color"] == "0000FF" and data["values"][0]["valuePriority"] is None
    assert api.get(f"{VP}/barevne-spektrum").json()["data"] == data
    stored = strict.state()["variantParameters"][-1]
    assert (
        stored["nameIndex"] == "barevne-spektrum" and stored["values"][0]["valueIndex"] == "cervena"
    )


def test_create_parameter_with_a_given_index_and_no_values(api, strict):
    r = api.post(VP, json={"data": {"paramName": "Příchuť", "paramIndex": "prichut"}})
    assert r.status_code == 201
    data = r.json()["data"]
    assert (data["paramIndex"], data["values"], data["priority"], data["displayName"]) == (
        "prichut",
        [],
        None,
        None,
    )


@pytest.mark.parametrize(
    ("data", "instances"),
    [
        ({"paramName": "Hmotnost"}, ["data.paramName", "data.paramName"]),  # name and derived index
        ({"paramName": "Váha", "paramIndex": "hmotnost"}, ["data.paramIndex"]),
        ({"paramName": "Váha", "paramIndex": "vaha"}, []),  # another name, another index
        (
            {"paramName": "Váha", "values": [{"paramValue": "1 kg"}, {"paramValue": "1 KG"}]},
            ["data.values[1].paramValue", "data.values[1].rawValue"],
        ),
        (
            {
                "paramName": "Váha",
                "values": [
                    {"paramValue": "A", "rawValue": "x"},
                    {"paramValue": "B", "rawValue": "x"},
                ],
            },
            ["data.values[1].rawValue"],
        ),
        (
            {"paramName": "Váha", "values": [{"paramValue": "A", "image": "a.jpg"}]},
            ["data.values[0].image"],
        ),
        ({"paramName": ""}, ["data.paramName"]),
        ({"paramName": "Váha", "paramIndex": "váha"}, ["data.paramIndex"]),
        ({"paramName": "Váha", "priority": 0}, ["data.priority"]),
        (
            {"paramName": "Váha", "values": [{"paramValue": "A", "color": "red"}]},
            ["data.values[0].color"],
        ),
        ({"paramIndex": "vaha"}, ["data.paramName"]),
        ({"paramName": "Váha", "bogus": 1}, ["data.bogus"]),
    ],
)
def test_create_parameter_refusals(api, strict, data, instances):
    before = strict.state()["variantParameters"]
    r = api.post(VP, json={"data": data})
    if not instances:
        assert r.status_code == 201, r.json()
        return
    assert r.status_code == 422
    assert [e["instance"] for e in r.json()["errors"]] == instances
    assert {e["errorCode"] for e in r.json()["errors"]} == {"invalid-request-data"}
    assert strict.state()["variantParameters"] == before


def test_add_values_then_use_them_in_a_product(api, strict):
    r = api.post(
        f"{VP}/hmotnost",
        json={
            "data": {
                "paramValues": [
                    {"paramValue": "2 kg"},
                    {"paramValue": "125 g", "rawValue": "125-g", "valuePriority": 1},
                ]
            }
        },
    )
    assert r.status_code == 201, r.json()
    values = r.json()["data"]["values"]
    assert [v["rawValue"] for v in values[-2:]] == ["2-kg", "125-g"]
    ids = [v["id"] for p in strict.state()["variantParameters"] for v in p["values"]]
    assert len(ids) == len(set(ids))  # value ids are unique shop-wide
    r = create(api, strict, variant("A", ("hmotnost", "2-kg")), variant("B", ("hmotnost", "125-g")))
    assert r.status_code == 201, r.json()
    assert r.json()["data"]["product"]["variants"][0]["parameters"][0]["paramValue"] == "2 kg"


@pytest.mark.parametrize(
    ("path", "body", "status", "instances"),
    [
        ("nope", {"data": {"paramValues": [{"paramValue": "X"}]}}, 404, ["nope"]),
        ("hmotnost", {"data": {"paramValues": []}}, 422, ["data.paramValues"]),
        ("hmotnost", {"data": {}}, 422, ["data.paramValues"]),
        (
            "hmotnost",
            {"data": {"paramValues": [{"paramValue": "250 g"}]}},
            422,
            ["data.paramValues[0].paramValue", "data.paramValues[0].rawValue"],
        ),
        (
            "hmotnost",
            {"data": {"paramValues": [{"paramValue": "Čtvrt kila", "rawValue": "250-g"}]}},
            422,
            ["data.paramValues[0].rawValue"],
        ),
        (
            "hmotnost",
            {"data": {"paramValues": [{"paramValue": "X", "rawValue": "a b"}]}},
            422,
            ["data.paramValues[0].rawValue"],
        ),
        (
            "hmotnost",
            {"data": {"paramValues": [{"paramValue": "x" * 129}]}},
            422,
            ["data.paramValues[0].paramValue"],
        ),
    ],
)
def test_add_values_refusals(api, strict, path, body, status, instances):
    before = strict.state()
    r = api.post(f"{VP}/{path}", json=body)
    assert r.status_code == status
    assert [e["instance"] for e in r.json()["errors"]] == instances
    assert strict.state() == before


def test_methods_the_spec_does_not_define_are_not_served(api, strict):
    assert api.put(f"{VP}/hmotnost", json={"data": {"priority": 2}}).status_code == 405
    assert api.get(f"{VP}/hmotnost/50-g").status_code == 405
    assert api.post(f"{VP}/hmotnost/50-g", json={"data": {}}).status_code == 405


# -- state ------------------------------------------------------------------------------------


def test_state_round_trips_parameters(strict, api):
    api.post(VP, json={"data": {"paramName": "Příchuť", "values": [{"paramValue": "Vanilka"}]}})
    create(api, strict, variant("A", ("prichut", "vanilka")), variant("B", ("hmotnost", "50-g")))
    doc = strict.state()
    strict.load_state(doc)
    assert strict.state() == doc
    assert doc["variantParameters"][-1]["values"][0] == {
        "valueIndex": "vanilka",
        "name": "Vanilka",
        "id": doc["variantParameters"][-1]["values"][0]["id"],
        "color": None,
        "image": None,
        "priority": None,
    }
    assert product_by_code(strict, "A")["variants"][0]["parameters"] == [
        {"nameIndex": "prichut", "valueIndex": "vanilka"}
    ]


def test_a_minimal_registry_in_a_state_file_gets_ids_and_defaults():
    doc = load_seed("empty")
    doc["variantParameters"] = [
        {"nameIndex": "a", "name": "A", "id": 7, "values": [{"valueIndex": "x", "name": "X"}]},
        {
            "nameIndex": "b",
            "name": "B",
            "values": [{"valueIndex": "y", "name": "Y", "id": 3}, {"valueIndex": "z", "name": "Z"}],
        },
    ]
    out = ShopState(doc).doc["variantParameters"]
    assert [p["id"] for p in out] == [7, 8]
    assert [v["id"] for p in out for v in p["values"]] == [4, 3, 5]
    assert out[1]["displayName"] is None and out[1]["values"][1]["color"] is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([{"nameIndex": "a", "name": "A"}, {"nameIndex": "a", "name": "B"}], "nameIndex 'a' twice"),
        (
            [{"nameIndex": "a", "name": "A", "values": [{"valueIndex": "x", "name": "X"}] * 2}],
            "valueIndex 'x' twice",
        ),
        ([{"nameIndex": "a"}], "malformed variantParameters"),
        ([{"nameIndex": "a", "name": "A", "id": "1"}], "malformed variantParameters"),
        (
            [{"nameIndex": "a", "name": "A", "id": 1}, {"nameIndex": "b", "name": "B", "id": 1}],
            "id is used twice",
        ),
    ],
)
def test_bad_registries_in_state_files_are_refused(params, message):
    doc = load_seed("empty")
    doc["variantParameters"] = params
    with pytest.raises(StateError, match=message):
        ShopState(doc)
