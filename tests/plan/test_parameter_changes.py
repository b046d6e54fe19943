"""Variant parameters in the catalog, the plan and the write program (issue 14): the loader's
located errors, the registry changes (identity, order, rendering, JSON round trip), the
canonical form, request bodies and compare-before-write."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace as NS

import pytest

from reconciler.apply import bodies as W
from reconciler.apply.check import Verdict, check
from reconciler.apply.program import Step, program
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.model import Catalog, Product, Variant
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.model import Action, Change, FieldChange, Names, Plan, Resource
from reconciler.plan.normalize import RULES_BY_NAME, NormContext
from reconciler.plan.param_changes import parameter_names
from reconciler.plan.parameters import ParameterRegistry
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text

G = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CAT = "b9e6b7dc-3057-5ac1-9792-f17d839243b8"


def registry() -> ParameterRegistry:
    weight = NS(
        paramIndex="hmotnost",
        paramName="Hmotnost",
        displayName=None,
        values=[NS(rawValue="250-g", paramValue="250 g"), NS(rawValue="500-g", paramValue="500 g")],
    )
    return ParameterRegistry.from_shop([weight])


def test_bad_shapes_are_located_errors(tmp_path):
    products = tmp_path / "catalog" / "products"
    products.mkdir(parents=True)
    (products / "p.yaml").write_text(
        f"products:\n  {G}:\n    variants:\n"
        "      A-1:\n        parameters: [Hmotnost, 250 g]\n"
        "      A-2:\n        parameters: {Barva: {x: 1}}\n"
        '      A-3:\n        parameters: {"": x}\n'
        "      A-4:\n        parameters: {Velikost: 42, Hmotnost: 250 g}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "catalog")
    text = "\n".join(str(p) for p in info.value.problems)
    assert "p.yaml:5:21: parameters: must be a mapping parameter -> value" in text
    assert "p.yaml:7:" in text and "parameter 'Barva': the value must be text" in text
    assert "p.yaml:9:" in text and "a parameter name must not be empty" in text
    assert "p.yaml:11" not in text  # numbers are text like everything else


def test_the_canonical_form_is_a_sorted_mapping_and_null_is_none():
    rule = RULES_BY_NAME["parameters_mapping"]
    form = {
        "fields": {},
        "variants": {"A": {"parameters": {"b": "1", "a": "2"}}, "B": {"parameters": None}},
    }
    out = rule(form, NormContext(1))
    assert list(out["variants"]["A"]["parameters"]) == ["a", "b"]
    assert out["variants"]["B"]["parameters"] == {}


def _plan(desired: Catalog, live: Catalog | None = None, **ctx) -> Plan:
    context = PlanContext("a" * 64, parameters=registry(), variant_rule=True, **ctx)
    return diff(desired, live or Catalog(), context=context)


def _new(**variants) -> Catalog:
    return Catalog(products={G: Product(name="N", defaultCategory=CAT, variants=variants)})


def test_registry_changes_come_first_with_their_own_identity_and_render():
    plan = _plan(
        _new(
            **{
                "A-1": Variant(parameters={"Hmotnost": "1 kg", "Barva": "Černá"}),
                "A-2": Variant(parameters={"hmotnost": "250-g", "Barva": "Černá"}),
            }
        )
    )
    ids = [c.id for c in plan.changes]
    assert ids[:4] == [
        "parameter:barva",
        "parameter-value:barva:cerna",
        "parameter-value:hmotnost:1-kg",
        f"product:{G}",
    ]
    assert plan.summary["resources"]["parameter"] == 1
    assert plan.summary["resources"]["parameter-value"] == 2
    text = render_text(plan)
    assert '+ variant parameter barva "Barva"' in text
    assert '+ variant parameter value hmotnost = "1 kg" (1-kg)' in text
    assert text.index("variant parameter value") < text.index("+ product")
    # the pipeline names what the variants write: additions as written, the rest as the shop
    params, values = parameter_names(plan.changes, registry())
    assert params == {"barva": "Barva", "hmotnost": "Hmotnost"}
    assert values == {"barva": {"cerna": "Černá"}, "hmotnost": {"1-kg": "1 kg", "250-g": "250 g"}}
    named = replace(plan, names=Names(parameters=params, parameter_values=values))
    assert "+ parameters: Barva: Černá, Hmotnost: 1 kg\n" in render_text(named)
    assert "+ parameters: Barva: Černá, Hmotnost: 250 g\n" in render_text(named)
    assert Plan.from_json(named.to_json()).names == named.names
    assert (
        "Plan: 1 product created; 2 variants changed; "
        "1 variant parameter and 2 parameter values added." in text
    )
    assert '+ variant parameter value hmotnost = "1 kg" (1-kg)' in render_markdown(plan)
    again = Plan.from_json(plan.to_json())
    assert again.plan_id == plan.plan_id and again.changes == plan.changes


def test_a_plan_without_parameters_has_the_old_summary():
    plan = _plan(_new(**{"A-1": Variant(ean="1")}))
    assert set(plan.summary["resources"]) == {"product", "variant", "price", "stock"}


def test_an_existing_variant_sends_its_whole_list_and_an_unstated_one_nothing():
    live = Catalog.model_construct(
        products={
            G: Product.model_construct(
                name="N",
                variants={
                    "A-1": Variant.model_construct(parameters={"hmotnost": "250-g"}, ean="1"),
                    "A-2": Variant.model_construct(parameters={"hmotnost": "500-g"}, ean="2"),
                },
            )
        }
    )
    desired = Catalog(
        products={
            G: Product(
                variants={
                    "A-1": Variant(parameters={"Hmotnost": "1 kg"}),  # 250 g -> 1 kg
                    "A-2": Variant(ean="3"),  # parameters unstated: never written
                }
            )
        }
    )
    plan = _plan(desired, live)
    by_id = {c.id: c for c in plan.changes}
    assert by_id[f"variant:{G}:A-1"].fields == (
        FieldChange("parameters", {"hmotnost": "250-g"}, {"hmotnost": "1-kg"}),
    )
    assert "parameters" not in by_id[f"variant:{G}:A-2"].after
    item = W.variant_item("A-1", {"parameters": {"hmotnost": "1-kg", "barva": "cerna"}})
    assert item["parameters"] == [
        {"nameIndex": "barva", "valueIndex": "cerna"},
        {"nameIndex": "hmotnost", "valueIndex": "1-kg"},
    ]


def test_registry_writes_come_before_every_product_write_and_exist_means_done():
    param = Change(
        Action.CREATE,
        Resource.PARAMETER,
        "",
        "barva",
        fields=(FieldChange("paramName", None, "Barva"),),
    )
    value = Change(
        Action.CREATE,
        Resource.PARAMETER_VALUE,
        "",
        "barva:cerna",
        fields=(FieldChange("paramValue", None, "Černá"),),
    )
    product = Change(Action.UPDATE, Resource.PRODUCT, G, fields=(FieldChange("name", "a", "b"),))
    checks = [
        check(c, {"fields": {"name": "a"}, "variants": {}}, set(), registry())
        for c in (product, value, param)
    ]
    assert [k.verdict for k in checks] == [Verdict.WRITE] * 3
    stages = program(checks, pricelist_id=1)
    assert [s.step for s in stages] == [Step.PARAMETER, Step.PARAMETER_VALUES, Step.PRODUCT]
    assert stages[0].requests[0].body == {"paramName": "Barva", "paramIndex": "barva"}
    assert stages[1].requests[0].path == "/api/products/variant-parameters/barva"
    assert stages[1].requests[0].body == [{"paramValue": "Černá", "rawValue": "cerna"}]
    existing = Change(
        Action.CREATE,
        Resource.PARAMETER_VALUE,
        "",
        "hmotnost:250-g",
        fields=(FieldChange("paramValue", None, "250 g"),),
    )
    assert check(existing, None, set(), registry()).verdict is Verdict.DONE


def test_a_registry_change_is_a_create_without_a_product():
    with pytest.raises(ValueError):
        Change(Action.UPDATE, Resource.PARAMETER, "", "barva")
    with pytest.raises(ValueError):
        Change(Action.CREATE, Resource.PARAMETER, G, "barva")
