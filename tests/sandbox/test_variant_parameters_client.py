"""The client's variant-parameter calls against the sandbox (issue 14): every request they build is
one Shoptet's OpenAPI file allows (the conformance harness of tests/shoptet), and the answers
parse into the typed models."""

from __future__ import annotations

import pytest

from reconciler import errors as E
from reconciler.shoptet import models as M
from tests.shoptet.conftest import Recorder
from tests.shoptet.test_zz_conformance import problems_of
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client


@pytest.fixture
def recorded(make_sandbox):
    sb = make_sandbox("demo", variant_parameters="enforce")
    sink: list = []
    client = sandbox_client(sb, wrap=lambda inner: Recorder(inner, "vp", sink))
    with client:
        yield sb, client, sink


def test_list_detail_create_and_add_values_through_the_client(recorded):
    sb, c, sink = recorded
    params = list(c.iter_variant_parameters())
    assert all(isinstance(p, M.VariantParameter) for p in params)
    assert [p.paramIndex for p in params] == [
        p["nameIndex"] for p in sb.state()["variantParameters"]
    ]
    weight = params[0]
    assert (
        weight.values
        and weight.values[2].rawValue == "250-g"
        and weight.values[2].paramValue == "250 g"
    )
    assert all(p.values is None for p in c.iter_variant_parameters(include_values=False))
    assert c.get_variant_parameter("barva").values[0].color == "#ffffff"

    created = c.create_variant_parameter(
        {
            "paramName": "Příchuť",
            "displayName": "Příchuť sirupu",
            "priority": 10,
            "values": [
                {"paramValue": "Karamel"},
                {"paramValue": "Lískový oříšek", "rawValue": "liskovy-orisek"},
            ],
        }
    )
    assert created.status == 201
    model = M.VariantParameter.model_validate(created.data)
    assert model.paramIndex == "prichut" and [v.rawValue for v in model.values] == [
        "karamel",
        "liskovy-orisek",
    ]

    added = c.add_variant_parameter_values(
        "prichut", [{"paramValue": "Vanilka", "valuePriority": 3}]
    )
    assert added.status == 201
    assert [v["rawValue"] for v in added.data["values"]] == ["karamel", "liskovy-orisek", "vanilka"]

    # the new values are usable in a product write at once
    cat = sb.state()["categories"][0]["guid"]
    result = c.create_product(
        {
            "name": "Sirup",
            "defaultCategoryGuid": cat,
            "variants": [
                {
                    "code": "SIR-KAR-X",
                    "parameters": [{"nameIndex": "prichut", "valueIndex": "karamel"}],
                },
                {
                    "code": "SIR-VAN-X",
                    "parameters": [{"nameIndex": "prichut", "valueIndex": "vanilka"}],
                },
            ],
        }
    )
    assert result.status == 201

    spec = require_spec()
    problems = problems_of(spec, sink)
    assert not problems, "\n".join(problems)
    assert {(r.method, r.path) for r in sink} >= {
        ("GET", "/api/products/variant-parameters"),
        ("POST", "/api/products/variant-parameters"),
        ("POST", "/api/products/variant-parameters/prichut"),
        ("GET", "/api/products/variant-parameters/barva"),
    }


def test_refusals_surface_as_the_clients_errors(recorded):
    _sb, c, _ = recorded
    with pytest.raises(E.ApiError) as info:
        c.create_variant_parameter({"paramName": "Hmotnost"})
    assert info.value.status == 422
    with pytest.raises(E.NotFound):
        c.get_variant_parameter("nope")
    with pytest.raises(ValueError, match="no variant parameter values"):
        c.add_variant_parameter_values("hmotnost", [])
