"""A variant's ``measureUnit``, pure parts: the YAML form ``{contents, per}`` becomes Shoptet's
four parts with exact decimals; unit names are resolved to the ids of the shop's measure units
(case-insensitive, exact spelling first), and a name the list has twice, or not at all, is a
problem naming the field as the YAML writes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from reconciler.assignments import (
    assign_ids,
    assignment_problems,
    convertible_pairs,
    stated_lists,
    unconvertible_measure_units,
)
from reconciler.model import Catalog, Product, Variant
from reconciler.plan.model import Names
from reconciler.render.values import show_change

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
UNITS = {-15: "g", -16: "kg", -23: "l"}


def parts(value) -> dict:
    return Variant.model_validate({"measureUnit": value}).measureUnit


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        ("250 g", (Decimal("250"), "g")),
        ("250g", (Decimal("250"), "g")),
        ("  0.125   kg ", (Decimal("0.125"), "kg")),
        ("1 -16", (Decimal("1"), -16)),  # by id
        ("3.300 l", (Decimal("3.3"), "l")),
    ],
)
def test_contents_is_an_exact_amount_and_a_unit(contents, expected):
    got = parts({"contents": contents, "per": "1 kg"})
    assert (got["packagingAmount"], got["packagingUnitId"]) == expected
    assert isinstance(got["packagingAmount"], Decimal)
    assert (got["measureAmount"], got["measureUnitId"]) == (Decimal("1"), "kg")


def test_digits_alone_are_not_an_amount_and_unit():
    with pytest.raises(ValidationError, match="must be an amount and its unit"):
        parts({"contents": "100", "per": "1 kg"})


def catalog(*measures) -> Catalog:
    variants = {f"V{i}": Variant(measureUnit=m) for i, m in enumerate(measures)}
    return Catalog(products={GUID: Product(variants=variants)})


def test_names_resolve_to_ids_and_only_the_unit_parts_change():
    cat = catalog({"contents": "250 G", "per": "1 -16"}, None)
    assert stated_lists(cat, lambda key: False) == {"measure_units"}
    resolved = assign_ids(cat, {"measure_units": UNITS})
    assert resolved.products[GUID].variants["V0"].measureUnit == {
        "packagingUnitId": -15,
        "packagingAmount": Decimal("250"),
        "measureUnitId": -16,
        "measureAmount": Decimal("1"),
    }
    assert resolved.products[GUID].variants["V1"].measureUnit is None


def test_an_ignored_field_needs_no_list():
    cat = catalog({"contents": "250 g", "per": "1 kg"})
    assert stated_lists(cat, lambda key: key[-1] == "measureUnit") == set()


def problems(cat: Catalog, units) -> list[tuple[tuple, str]]:
    found: list = []
    assignment_problems(cat, {"measure_units": units}, lambda k, m: found.append((k, m)))
    return found


def test_unknown_and_ambiguous_names_are_located_problems():
    cat = catalog({"contents": "250 gram", "per": "1 KG"})
    ((key, unknown), (_, ambiguous)) = problems(cat, {**UNITS, 7: "Kg"})
    assert key == (GUID, "variants", "V0", "measureUnit")
    assert unknown.startswith(
        "variant V0: measureUnit.contents: 'gram' is not a measure unit of this e-shop "
        "(it has -15 (g), -16 (kg), -23 (l), 7 (Kg)); use an id or name from "
        "`shoptet-catalog lookup measure-units`"
    )
    assert ambiguous == (
        "variant V0: measureUnit.per: 'KG' is the name of 2 measure units (-16, 7); write the "
        "one you mean by its id"
    )
    assert problems(catalog({"contents": "250 g", "per": "1 kg"}), {**UNITS, 7: "Kg"}) == []


def test_the_plan_shows_it_as_the_yaml_writes_it():
    names = Names(assigned={"measureUnit": {"-15": "g", "-16": "kg"}})
    before = {"packagingUnitId": -15, "packagingAmount": "250", "measureUnitId": -16}
    after = {**before, "packagingAmount": "500", "measureAmount": "1"}
    assert show_change("measureUnit", {**before, "measureAmount": "1"}, after, names) == (
        "250 g per 1 kg -> 500 g per 1 kg"
    )
    unnamed = {**after, "measureUnitId": -99}
    assert show_change("measureUnit", None, unnamed, names) == "(none) -> 500 g per 1 (unit -99)"
    half = {**after, "measureUnitId": None, "measureAmount": None}  # a shop may hold half of one
    assert show_change("measureUnit", half, None, names) == "500 g per ? ? -> (none)"


def test_units_that_do_not_convert_are_a_problem():
    items = [
        {"id": -16, "unitName": "kg", "ratios": [{"unitId": -15, "ratio": "0.001000000"}]},
        {"id": -15, "unitName": "g", "ratios": []},  # one side listing the pair is enough
        {"id": -23, "unitName": "l", "ratios": []},
    ]
    pairs = convertible_pairs(items)
    assert pairs == {(-16, -15), (-15, -16)}
    found: list = []
    cat = catalog(
        {"contents": "250 g", "per": "1 kg"},
        {"contents": "1 l", "per": "1 L"},  # the same unit
        {"contents": "250 g", "per": "1 l"},
        {"contents": "250 gram", "per": "1 l"},  # an unknown unit: assignment_problems' part
    )
    unconvertible_measure_units(cat, UNITS, pairs, lambda k, m: found.append((k, m)))
    assert found == [
        (
            (GUID, "variants", "V2", "measureUnit"),
            "variant V2: measureUnit: contents in g and per l do not convert to each other; use "
            "units that measure the same thing (`shoptet-catalog lookup measure-units` lists "
            "which convert)",
        )
    ]
