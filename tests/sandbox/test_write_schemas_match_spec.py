"""The sandbox's request schemas for the registry updates, the single related/alternative add and
the gallery source update take exactly the bodies Shoptet's OpenAPI file takes: every field of a
valid body is set, in turn, to each value of a pool of awkward values (null, empty, too long,
wrong type, off-pattern, out of range) or left out, plus an unknown field; the sandbox's
``check_body`` must accept a body exactly when the spec's request schema does."""

from __future__ import annotations

import copy

import pytest

from reconciler.sandbox import handlers_images, schemas
from reconciler.sandbox.envelope import Fail
from reconciler.sandbox.validate import check_body
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"
POOL = [
    None,
    "",
    "x",
    "a b",
    "Červená",
    "x" * 128,
    "x" * 129,
    "x" * 255,
    "x" * 256,
    "#fff",
    "red",
    "https://x.example/a.jpg",
    "x" * 2001,
    GUID,
    0,
    1,
    99999,
    100000,
    -1,
    1.5,
    True,
    [],
    {},
]

# (method, path, the sandbox's data schema, a valid ``data`` with every field set)
OPERATIONS = [
    (
        "PATCH",
        "/api/products/variant-parameters/barva",
        schemas.UPDATE_VARIANT_PARAMETER,
        {"paramName": "Barva", "displayName": "B", "paramIndex": "barva", "priority": 1},
    ),
    (
        "PATCH",
        "/api/products/variant-parameters/barva/bila",
        schemas.UPDATE_VARIANT_PARAMETER_VALUE,
        {"paramValue": "B", "rawValue": "b", "color": "#fff", "image": None, "valuePriority": 1},
    ),
    (
        "PATCH",
        "/api/products/filtering-parameters/material",
        schemas.UPDATE_FILTERING_PARAMETER,
        {
            "name": "M",
            "code": "m",
            "displayName": "M",
            "description": "d",
            "priority": 1,
            "googleMapping": "google:material",
        },
    ),
    (
        "PATCH",
        "/api/products/filtering-parameters/material/sklo",
        schemas.UPDATE_FILTERING_PARAMETER_VALUE,
        {"name": "S", "valueIndex": "s", "priority": 1, "color": None, "image": None},
    ),
    (
        "POST",
        f"/api/products/{GUID}/relatedProducts",
        schemas.ADD_PRODUCT_LINK["relatedProducts"],
        {"relatedProduct": {"guid": GUID}},
    ),
    (
        "POST",
        f"/api/products/{GUID}/alternativeProducts",
        schemas.ADD_PRODUCT_LINK["alternativeProducts"],
        {"alternativeProduct": {"guid": GUID}},
    ),
    (
        "PATCH",
        f"/api/products/{GUID}/images/shop/source",
        handlers_images.REPLACE_SOURCES,
        {
            "images": [
                {
                    "name": "101.jpg",
                    "sourceUrl": "https://x.example/a.jpg",
                    "priority": 1,
                    "description": "d",
                }
            ]
        },
    ),
]
MISSING = object()


def slots(value, prefix: tuple = ()) -> list[tuple]:
    """The path of every field and array item in ``value``."""
    pairs = value.items() if isinstance(value, dict) else enumerate(value)
    out = []
    for key, sub in pairs:
        out.append((*prefix, key))
        if isinstance(sub, dict | list):
            out += slots(sub, (*prefix, key))
    return out


def variants(data: dict) -> list[dict]:
    """``data``, nothing, an unknown field, and each field replaced by each pool value or left
    out."""
    out = [data, {}, {**data, "bogus": 1}]
    for slot in slots(data):
        for value in [MISSING, *POOL]:
            body = copy.deepcopy(data)
            owner = body
            for key in slot[:-1]:
                owner = owner[key]
            if value is MISSING and isinstance(owner, list):
                del owner[slot[-1]]
            elif value is MISSING:
                owner.pop(slot[-1], None)
            else:
                owner[slot[-1]] = copy.deepcopy(value)
            out.append(body)
    return out


def sandbox_takes(schema, data) -> bool:
    try:
        check_body({"data": data}, schema)
    except Fail:
        return False
    return True


@pytest.mark.parametrize(
    ("method", "path", "schema", "data"),
    OPERATIONS,
    ids=[f"{m} {p.split('/api/products/')[1]}" for m, p, *_ in OPERATIONS],
)
def test_the_sandbox_takes_a_body_exactly_when_the_spec_does(method, path, schema, data):
    spec = require_spec()
    headers = {"Content-Type": "application/json"}
    differ = []
    for body in variants(data):
        problems = validate_request(spec, method, path, [], headers, {"data": body})
        spec_takes = not [p for p in problems if " body " in p]
        if spec_takes != sandbox_takes(schema, body):
            differ.append(f"spec {'takes' if spec_takes else 'refuses'}: {str(body)[:120]}")
    assert not differ, "\n".join(differ)
