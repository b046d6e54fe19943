"""Variant parameters through the whole tool (issue 14), on the demo sandbox with Shoptet's rule
enforced (the default): the API refuses a two-variant product without parameters; the same
product with parameters goes plan -> apply -> plan empty, a missing value planned and created
first; plan-time violations are located errors with nothing written; ``import --all`` of the
demo shop then ``plan`` is empty; and random assignments either fail at plan time or converge."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler import errors as E
from reconciler.desired.load import load_catalog
from reconciler.pipeline import apply_plan
from reconciler.plan.model import Resource
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import (
    plan_of,
    run_cli,
    write_catalog,
    write_requests,
)
from tests.support.sandbox_client import sandbox_client, served

NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
KENA = "d865ca26-de72-588e-b7ae-450a9d54142e"  # live: KAV-KEN-250 {hmotnost: 250-g}
COLOMBIA = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # live: KAV-COL-250, KAV-COL-500
CATEGORY = "b9e6b7dc-3057-5ac1-9792-f17d839243b8"


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.from_seed("demo")


def new_product(variants: dict) -> dict:
    return {
        NEW: {
            "name": "Káva Peru",
            "defaultCategory": CATEGORY,
            "variants": variants,
        }
    }


def catalog(tmp_path, products: dict):
    return load_catalog(write_catalog(tmp_path, products))


def apply(sb: Sandbox, cat, plan):
    with sandbox_client(sb) as client:
        return apply_plan(plan, client, cat)


def test_the_api_refuses_a_two_variant_product_without_parameters(sb):
    body = {
        "guid": NEW,
        "name": "Káva Peru",
        "defaultCategoryGuid": CATEGORY,
        "variants": [{"code": "KAV-PER-250"}, {"code": "KAV-PER-500"}],
    }
    with sandbox_client(sb) as client, pytest.raises(E.ApiError) as info:
        client.create_product(body)
    assert info.value.status == 422
    assert "unique combination of parameters" in str(info.value)


def test_with_parameters_it_converges_creating_the_missing_value_first(sb, tmp_path):
    cat = catalog(
        tmp_path,
        new_product(
            {
                "KAV-PER-250": {"parameters": {"Hmotnost": "250 g"}, "price": "239"},
                "KAV-PER-2000": {"parameters": {"hmotnost": "2 kg"}, "price": "1590"},
            }
        ),
    )
    plan = plan_of(sb, cat)
    registry = [c for c in plan.changes if c.resource.registry]
    assert [(c.id, c.after) for c in registry] == [
        ("parameter-value:hmotnost:2-kg", {"paramValue": "2 kg"})
    ]
    assert registry[0].source.endswith("products.yaml:14")  # KAV-PER-2000 parameters
    variants = {c.code: c for c in plan.changes if c.resource is Resource.VARIANT}
    assert variants["KAV-PER-2000"].after == {"parameters": {"hmotnost": "2-kg"}}
    # shown by name: the shop's parameter, the value as the YAML writes it (not created yet)
    text = render_text(plan)
    assert "+ parameters: Hmotnost: 2 kg  # " in text, text
    assert "+ parameters: Hmotnost: 250 g  # " in text, text
    assert '{"hmotnost"' not in text

    start = len(sb.request_log)
    result = apply(sb, cat, plan)
    assert result.ok, result.outcomes
    writes = write_requests(sb, start)
    assert [(w["method"], w["path"]) for w in writes[:2]] == [
        ("POST", "/api/products/variant-parameters/hmotnost"),
        ("POST", "/api/products"),
    ]
    assert plan_of(sb, cat).is_empty


def test_a_new_parameter_and_its_values_are_planned_and_created(sb, tmp_path):
    cat = catalog(
        tmp_path,
        new_product(
            {
                "KAV-PER-Z": {"parameters": {"Pražení": "Světlé"}},
                "KAV-PER-T": {"parameters": {"Pražení": "Tmavé"}},
            }
        ),
    )
    plan = plan_of(sb, cat)
    assert [c.id for c in plan.changes if c.resource.registry] == [
        "parameter:prazeni",
        "parameter-value:prazeni:svetle",
        "parameter-value:prazeni:tmave",
    ]
    assert apply(sb, cat, plan).ok
    assert plan_of(sb, cat).is_empty
    # the variant's parameters are replace-all: a changed value sends the whole list
    changed = catalog(
        tmp_path,
        new_product(
            {
                "KAV-PER-Z": {"parameters": {"prazeni": "svetle"}},
                "KAV-PER-T": {"parameters": {"Pražení": "Střední"}},
            }
        ),
    )
    plan = plan_of(sb, changed)
    # only the parameter that differs, by name: the shop's now, the new value as written
    variant = next(c for c in plan.changes if c.resource is Resource.VARIANT)
    assert variant.before == {"parameters": {"prazeni": "tmave"}}
    assert "~ parameters: Pražení: Tmavé -> Střední  # " in render_text(plan)
    assert "!   parameters: Pražení: Tmavé -> Střední  # " in render_markdown(plan)
    start = len(sb.request_log)
    assert apply(sb, changed, plan).ok
    patch = [w for w in write_requests(sb, start) if w["method"] == "PATCH"]
    assert len(patch) == 1
    assert plan_of(sb, changed).is_empty


@pytest.mark.parametrize(
    "variants, line, message",
    [
        (
            {"A-1": {"parameters": {"Hmotnost": "250 g"}}, "A-2": {"price": "10"}},
            12,
            "variant A-2 has no parameters",
        ),
        (
            {
                "A-1": {"parameters": {"Hmotnost": "250 g"}},
                "A-2": {"parameters": {"hmotnost": "250-g"}},
            },
            13,
            "variant A-2 has the same parameters as variant A-1",
        ),
    ],
)
def test_violations_are_located_plan_errors_and_nothing_is_written(
    sb, tmp_path, variants, line, message
):
    cat = catalog(tmp_path, new_product(variants))
    start = len(sb.request_log)
    with pytest.raises(E.CatalogError) as info:
        plan_of(sb, cat)
    text = "\n".join(str(p) for p in info.value.problems)
    assert message in text
    assert f"products.yaml:{line}:" in text
    assert write_requests(sb, start) == []


def test_a_new_variant_must_differ_from_live_variants_the_yaml_does_not_mention(sb, tmp_path):
    # The catalog states only the new code; the live KAV-COL-250 has hmotnost 250-g.
    cat = catalog(
        tmp_path,
        {COLOMBIA: {"variants": {"KAV-COL-X": {"parameters": {"Hmotnost": "250 g"}}}}},
    )
    with pytest.raises(E.CatalogError) as info:
        plan_of(sb, cat)
    assert "same parameters as variant" in str(info.value.problems[0])
    # A new variant stating nothing on a product that has live variants: refused too, after
    # the live parameters are read (the YAML states none, so the first read had none).
    bare = catalog(tmp_path, {KENA: {"variants": {"KAV-KEN-500": {"price": "469"}}}})
    with pytest.raises(E.CatalogError) as info:
        plan_of(sb, bare)
    assert "variant KAV-KEN-500 has no parameters" in str(info.value.problems[0])


def test_plan_exits_1_with_the_location_on_the_command_line(sb, tmp_path, monkeypatch, capsys):
    write_catalog(
        tmp_path,
        new_product({"A-1": {"parameters": {"Hmotnost": "250 g"}}, "A-2": {"price": "10"}}),
    )
    with served(sb) as server:
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["plan"], url=server.url)
    assert code == 1
    assert "catalog/products/products.yaml:12" in out + err


def test_import_all_of_the_demo_shop_then_plan_is_empty(sb, tmp_path, monkeypatch, capsys):
    with served(sb) as server:
        code, out, err = run_cli(
            monkeypatch,
            capsys,
            tmp_path,
            ["import", "--all", "--catalog", "catalog"],
            url=server.url,
        )
        assert code == 0, err
        text = (tmp_path / "catalog" / "products" / "imported.yaml").read_text(encoding="utf-8")
        assert "parameters: {Hmotnost: 250 g}" in text
        code, out, err = run_cli(
            monkeypatch,
            capsys,
            tmp_path,
            ["plan", "--catalog", "catalog", "--detailed-exitcode"],
            url=server.url,
        )
    assert code == 0, out + err


# -- property: refused at plan time, or it converges ------------------------------------------

VALUES = ["250 g", "500-g", "1 kg", "2 kg", "3-kg", "50 g", "100-g", "750 g"]
PARAMS = st.fixed_dictionaries(
    {"Hmotnost": st.sampled_from(VALUES)},
    optional={"Mletí": st.sampled_from(["Zrnková", "hrube", "Espresso"])},
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.one_of(PARAMS, PARAMS, PARAMS, st.none()), min_size=1, max_size=4),
    st.booleans(),
)
def test_random_assignments_are_refused_at_plan_time_or_converge(
    tmp_path_factory, assignment, existing
):
    """A new product, or new variants on Káva Kolumbie (live: 250 g and 500 g, which the
    catalog does not mention, so the rule must see them)."""
    sb = Sandbox.from_seed("demo")
    tmp = tmp_path_factory.mktemp("params")
    variants = {}
    for i, params in enumerate(assignment):
        variants[f"P-{i}"] = {"price": "100"} if params is None else {"parameters": params}
    products = {COLOMBIA: {"variants": variants}} if existing else new_product(variants)
    cat = catalog(tmp, products)
    start = len(sb.request_log)
    try:
        plan = plan_of(sb, cat)
    except E.CatalogError as err:
        assert all(p.line > 0 and p.file.endswith("products.yaml") for p in err.problems)
        assert write_requests(sb, start) == []
        event(f"refused at plan time ({'existing' if existing else 'new'} product)")
        return
    event(f"converged ({'existing' if existing else 'new'} product)")
    result = apply(sb, cat, plan)
    assert result.ok, json.dumps({k: str(v) for k, v in result.outcomes.items()})
    assert not result.unconverged
    assert plan_of(sb, cat).is_empty


def test_a_registry_addition_the_catalog_does_not_make_is_refused(sb, tmp_path):
    """The authority check: apply's fresh diff must produce every registry addition too."""
    import dataclasses

    from reconciler.plan.model import Action, Change, FieldChange

    cat = catalog(
        tmp_path,
        new_product(
            {
                "KAV-PER-250": {"parameters": {"Hmotnost": "250 g"}},
                "KAV-PER-2000": {"parameters": {"Hmotnost": "2 kg"}},
            }
        ),
    )
    plan = plan_of(sb, cat)
    forged_change = Change(
        Action.CREATE,
        Resource.PARAMETER_VALUE,
        "",
        "hmotnost:3-kg",
        fields=(FieldChange("paramValue", None, "3 kg"),),
    )
    forged = dataclasses.replace(plan, changes=(*plan.changes, forged_change))
    start = len(sb.request_log)
    with pytest.raises(E.StalePlan) as info:
        apply(sb, cat, forged)
    assert "parameter-value:hmotnost:3-kg: paramValue -> '3 kg' is not a change" in str(info.value)
    assert write_requests(sb, start) == []
