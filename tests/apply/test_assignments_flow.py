"""Small assignments (issue 17) end to end in the sandbox: a product's ``warranty`` (by
description or id) and ``supplier`` (by name or GUID), a variant's ``unit`` (by name or id) go
plan -> apply -> plan empty, written as warrantyId / supplierGuid / unitId in bodies that
conform to Shoptet's OpenAPI file; null clears a warranty or supplier; a name the shop does not
have is a located plan error naming what it has and the lookup to use. The variant's other
manufacturerCode-style codes (pluCode, isbn, serialNo, mpn) converge and clear the same way."""

from __future__ import annotations

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.plan.model import Plan, Resource
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, write_catalog
from tests.apply.test_flag_definitions import apply_recorded
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo: KAV-COL-250, -500
SUPPLIER = "9e1c6b1e-2f3a-4c5d-8e9f-0a1b2c3d4e5f"
OTHER_SUPPLIER = "0b6f1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"


@pytest.fixture
def sb() -> Sandbox:
    state = demo_state()
    state["suppliers"] = [
        {"guid": SUPPLIER, "name": "Kávová pražírna s.r.o."},
        {"guid": OTHER_SUPPLIER, "name": "Dovoz kávy a.s."},
    ]
    return Sandbox(state)


def catalog(tmp_path, product: dict, variants: dict | None = None):
    entry = {**product, "variants": variants or {}}
    return load_catalog(write_catalog(tmp_path, {GUID: entry}))


def live(sb: Sandbox) -> dict:
    return next(p for p in sb.state()["products"] if p["guid"] == GUID)


def converge(sb: Sandbox, cat) -> list:
    spec = require_spec()
    plan = plan_of(sb, cat)
    assert not plan.is_empty
    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok, result.outcomes
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    assert plan_of(sb, cat).is_empty
    return [body["data"] for m, path, _q, _h, body in seen if m == "PATCH"]


def test_warranty_supplier_and_unit_by_name_converge_as_ids(sb, tmp_path):
    cat = catalog(
        tmp_path,
        {"warranty": "1 rok", "supplier": "kávová pražírna S.R.O."},
        {"KAV-COL-250": {"unit": "kg"}, "KAV-COL-500": {"unit": "-3"}},
    )
    plan = plan_of(sb, cat)
    product = next(c for c in plan.changes if c.resource is Resource.PRODUCT)
    assert product.before == {"warranty": None, "supplier": None}
    assert product.after == {"warranty": -2, "supplier": SUPPLIER}
    units = {c.code: c.fields[0] for c in plan.changes if c.resource is Resource.VARIANT}
    assert (units["KAV-COL-250"].before, units["KAV-COL-250"].after) == (-1, -2)  # ks -> kg
    assert units["KAV-COL-500"].after == -3
    text = render_text(plan)  # ids with the names the shop gives them
    assert "~ warranty: (none) -> -2 (1 rok)" in text
    assert f'~ supplier: (none) -> "{SUPPLIER}" (Kávová pražírna s.r.o.)' in text
    assert "~ unit: -1 (ks) -> -2 (kg)" in text
    assert Plan.from_json(plan.to_json()).names.assignment("unit", -2) == "kg"  # kept in the file
    (patch,) = converge(sb, cat)
    assert patch == {
        "warrantyId": -2,
        "supplierGuid": SUPPLIER,
        "variants": [{"code": "KAV-COL-250", "unitId": -2}, {"code": "KAV-COL-500", "unitId": -3}],
    }
    assert (live(sb)["warrantyId"], live(sb)["supplierGuid"]) == (-2, SUPPLIER)
    assert [v["unit"] for v in live(sb)["variants"]] == ["kg", "g"]

    # by id and GUID, then cleared with null
    cat = catalog(tmp_path, {"warranty": -3, "supplier": OTHER_SUPPLIER})
    assert converge(sb, cat) == [{"warrantyId": -3, "supplierGuid": OTHER_SUPPLIER}]
    cat = catalog(tmp_path, {"warranty": None, "supplier": None})
    assert converge(sb, cat) == [{"warrantyId": None, "supplierGuid": None}]
    assert (live(sb)["warrantyId"], live(sb)["supplierGuid"]) == (None, None)


@pytest.mark.parametrize(
    ("product", "variants", "says"),
    [
        ({"warranty": "3 roky"}, None, "warranty: '3 roky' is not a warranty of this e-shop"),
        ({"warranty": 7}, None, "warranty: 7 is not a warranty"),
        ({"supplier": "Nikdo"}, None, "supplier: 'Nikdo' is not a supplier of this e-shop"),
        ({}, {"KAV-COL-250": {"unit": "bal"}}, "variant KAV-COL-250: unit: 'bal' is not a unit"),
    ],
)
def test_an_unknown_name_or_id_is_a_located_plan_error(sb, tmp_path, product, variants, says):
    cat = catalog(tmp_path, product, variants)
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    (problem,) = err.value.problems
    assert problem.file.endswith("products.yaml") and problem.line > 1
    assert says in problem.message
    assert "shoptet-catalog lookup" in problem.message and "in the admin first" in problem.message
    assert sb.counters["writes"] == 0


def test_a_name_two_entries_share_must_be_written_by_id(sb, tmp_path):
    state = sb.state()
    state["units"].append({"id": 7, "name": "KG", "system": False})
    sb.load_state(state)
    cat = catalog(tmp_path, {}, {"KAV-COL-250": {"unit": "kg"}})
    assert plan_of(sb, cat).changes  # exact spelling wins: "kg" is -2
    cat = catalog(tmp_path, {}, {"KAV-COL-250": {"unit": "Kg"}})
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    assert "is the name of 2 units (-2, 7); write the one you mean by its id" in str(err.value)


def test_plu_isbn_serial_number_and_mpn_converge_and_clear(sb, tmp_path):
    codes = {"pluCode": "0828", "isbn": "978-80-251-0000-0", "serialNo": "00412", "mpn": "H3T5-87"}
    cat = catalog(tmp_path, {}, {"KAV-COL-250": codes})
    (patch,) = converge(sb, cat)
    assert patch == {"variants": [{"code": "KAV-COL-250", **codes}]}
    assert {k: live(sb)["variants"][0][k] for k in codes} == codes
    cleared = dict.fromkeys(codes)
    cat = catalog(tmp_path, {}, {"KAV-COL-250": cleared})
    assert converge(sb, cat) == [{"variants": [{"code": "KAV-COL-250", **cleared}]}]
