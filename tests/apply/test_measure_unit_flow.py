"""A variant's ``measureUnit`` (its unit price basis) end to end in the sandbox:
``{contents: 250 g, per: 1 kg}`` is resolved against GET /api/products/measure-units at plan
time, shown as ``250 g per 1 kg``, written whole in the product PATCH's ``variants[]`` item
(bodies checked against Shoptet's OpenAPI file), then plans empty and a second apply writes
nothing; ``null`` clears it; unknown names and units that do not convert to each other are
located plan errors."""

from __future__ import annotations

import json

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.plan.model import Plan, Resource
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, run_cli, write_catalog
from tests.apply.test_assignments_flow import converge as converge_once
from tests.apply.test_flag_definitions import apply_recorded
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo: KAV-COL-250, -500
KG, G = -16, -15  # the sandbox's ids (reconciler/sandbox/measure.py)


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(demo_state())


def catalog(tmp_path, variants: dict):
    return load_catalog(write_catalog(tmp_path, {GUID: {"variants": variants}}))


def stored(sb: Sandbox) -> dict:
    product = next(p for p in sb.state()["products"] if p["guid"] == GUID)
    return {v["code"]: v["measureUnit"] for v in product["variants"]}


def converge(sb: Sandbox, cat) -> list:
    """Apply ``cat``'s plan: the PATCH bodies (each conforming to the OpenAPI file); then the
    plan is empty and a second apply writes nothing."""
    patches = converge_once(sb, cat)
    again = plan_of(sb, cat)
    writes = sb.counters["writes"]
    _, second = apply_recorded(sb, cat, again)
    assert second.ok and sb.counters["writes"] == writes
    return patches


def test_set_by_name_change_and_clear(sb, tmp_path):
    cat = catalog(
        tmp_path,
        {
            "KAV-COL-250": {"measureUnit": {"contents": "250 g", "per": "1 kg"}},
            "KAV-COL-500": {"measureUnit": {"contents": "0.5 KG", "per": "100g"}},
        },
    )
    plan = plan_of(sb, cat)
    changes = {c.code: c.fields[0] for c in plan.changes if c.resource is Resource.VARIANT}
    assert changes["KAV-COL-250"].before is None
    assert changes["KAV-COL-250"].after == {
        "packagingUnitId": G,
        "packagingAmount": "250",
        "measureUnitId": KG,
        "measureAmount": "1",
    }
    text = render_text(plan)
    assert "~ measureUnit: (none) -> 250 g per 1 kg" in text
    assert "~ measureUnit: (none) -> 0.5 kg per 100 g" in text
    assert Plan.from_json(plan.to_json()).names.assignment("measureUnit", G) == "g"
    (patch,) = converge(sb, cat)
    assert patch == {
        "variants": [
            {
                "code": "KAV-COL-250",
                "measureUnit": {
                    "packagingUnitId": G,
                    "packagingAmount": "250.000",
                    "measureUnitId": KG,
                    "measureAmount": "1.000",
                },
            },
            {
                "code": "KAV-COL-500",
                "measureUnit": {
                    "packagingUnitId": KG,
                    "packagingAmount": "0.500",
                    "measureUnitId": G,
                    "measureAmount": "100.000",
                },
            },
        ]
    }
    assert stored(sb)["KAV-COL-250"]["packagingAmount"] == "250.000"

    # by id, one amount changed; the other variant, left out, is not touched
    cat = catalog(
        tmp_path, {"KAV-COL-250": {"measureUnit": {"contents": "200 -15", "per": "1 kg"}}}
    )
    plan = plan_of(sb, cat)
    assert "~ measureUnit: 250 g per 1 kg -> 200 g per 1 kg" in render_text(plan)
    (patch,) = converge(sb, cat)
    assert patch["variants"][0]["measureUnit"]["packagingAmount"] == "200.000"
    assert stored(sb)["KAV-COL-500"] is not None

    cat = catalog(tmp_path, {"KAV-COL-250": {"measureUnit": None}})
    assert "~ measureUnit: 200 g per 1 kg -> (none)" in render_text(plan_of(sb, cat))
    assert converge(sb, cat) == [{"variants": [{"code": "KAV-COL-250", "measureUnit": None}]}]
    assert stored(sb)["KAV-COL-250"] is None


def test_a_new_product_is_created_with_it(sb, tmp_path):
    guid = "0b6f1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"
    category = sb.state()["categories"][0]["guid"]
    product = {
        "name": "Mouka",
        "defaultCategory": category,
        "variants": {
            "MOUKA-1": {"price": "30", "measureUnit": {"contents": "1 kg", "per": "1 kg"}}
        },
    }
    cat = load_catalog(write_catalog(tmp_path, {guid: product}))
    spec = require_spec()
    plan = plan_of(sb, cat)
    seen, result = apply_recorded(sb, cat, plan)
    assert result.ok, result.outcomes
    (create,) = [body["data"] for m, _p, _q, _h, body in seen if m == "POST"]
    assert create["variants"][0]["measureUnit"]["packagingUnitId"] == KG
    assert [p for m, path, q, h, b in seen for p in validate_request(spec, m, path, q, h, b)] == []
    assert plan_of(sb, cat).is_empty


@pytest.mark.parametrize(
    ("measure", "says"),
    [
        (
            {"contents": "250 gramů", "per": "1 kg"},
            "variant KAV-COL-250: measureUnit.contents: 'gramů' is not a measure unit of this "
            "e-shop (it has -14 (mg), -15 (g), -16 (kg)",
        ),
        (
            {"contents": "250 g", "per": "1 -99"},
            "variant KAV-COL-250: measureUnit.per: -99 is not a measure unit",
        ),
        (
            {"contents": "250 g", "per": "1 l"},
            "variant KAV-COL-250: measureUnit: contents in g and per l do not convert to each "
            "other",
        ),
    ],
)
def test_an_unknown_unit_is_a_located_plan_error(sb, tmp_path, measure, says):
    cat = catalog(tmp_path, {"KAV-COL-250": {"measureUnit": measure}})
    with pytest.raises(CatalogError) as err:
        plan_of(sb, cat)
    (problem,) = err.value.problems
    assert problem.file.endswith("products.yaml") and problem.line > 1
    assert says in problem.message
    assert "shoptet-catalog lookup measure-units" in problem.message
    assert sb.counters["writes"] == 0


@pytest.mark.http
def test_revert_puts_the_previous_measure_unit_back(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    state = sb.state()
    product = next(p for p in state["products"] if p["guid"] == GUID)
    before = {"packagingUnitId": G, "packagingAmount": "250.000", "measureUnitId": KG}
    product["variants"][0]["measureUnit"] = {**before, "measureAmount": "1.000"}
    sb.load_state(state)
    write_catalog(
        tmp_path,
        {
            GUID: {
                "variants": {"KAV-COL-250": {"measureUnit": {"contents": "0.3 kg", "per": "1 kg"}}}
            }
        },
    )
    for args in (
        ["plan", "--out", "p.json"],
        ["apply", "p.json", "--auto-approve", "--journal", "j.jsonl"],
    ):
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
        assert code == 0, out + err
    assert stored(sb)["KAV-COL-250"]["packagingUnitId"] == KG
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["revert", "j.jsonl"], url=url)
    assert code == 0, err
    # a revert plan reads no lists, so it shows the unit ids (as it does for `unit`)
    assert (
        "~ measureUnit: 0.3 (unit -16) per 1 (unit -16) -> 250 (unit -15) per 1 (unit -16)" in out
    )
    for args in (
        ["revert", "j.jsonl", "--out", "r.json"],
        ["apply", "--revert", "j.jsonl", "r.json", "--auto-approve"],
    ):
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
        assert code == 0, out + err
    assert stored(sb)["KAV-COL-250"] == {**before, "measureAmount": "1.000"}


@pytest.mark.http
@pytest.mark.parametrize("read", [["--read", "snapshot"], ["--cache", "cache"]])
def test_snapshot_and_cached_reads_plan_as_the_detail_read(
    shop, tmp_path, monkeypatch, capsys, read
):
    sb, url = shop
    state = sb.state()
    product = next(p for p in state["products"] if p["guid"] == GUID)
    per_kg = {"packagingUnitId": G, "packagingAmount": "250.000", "measureUnitId": KG}
    for v in product["variants"]:
        v["measureUnit"] = {**per_kg, "measureAmount": "1.000"}
    sb.load_state(state)
    same = {"contents": "250 g", "per": "1 kg"}
    variants = {"KAV-COL-250": {"measureUnit": same}, "KAV-COL-500": {"measureUnit": None}}
    write_catalog(tmp_path, {GUID: {"variants": variants}})
    plans = []
    for args in (["plan", "--out", "a.json"], ["plan", *read, "--out", "b.json"]):
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
        assert code == 0, out + err
        assert "reading product details instead" not in out + err
        plans.append(json.loads((tmp_path / args[-1]).read_text(encoding="utf-8"))["changes"])
    assert plans[0] == plans[1]
    (change,) = plans[0]
    assert change["code"] == "KAV-COL-500"
