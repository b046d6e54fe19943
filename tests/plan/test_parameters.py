"""Variant parameters resolved against the shop's registry, and Shoptet's multi-variant rule
(reconciler/plan/parameters.py)."""

from __future__ import annotations

from types import SimpleNamespace as NS

from hypothesis import given
from hypothesis import strategies as st

from reconciler.plan.parameters import (
    NewParameter,
    NewValue,
    ParameterRegistry,
    resolve,
    rule_problems,
    slug,
)


def registry() -> ParameterRegistry:
    weight = NS(
        paramIndex="hmotnost",
        paramName="Hmotnost",
        displayName="Hmotnost balení",
        values=[NS(rawValue="250-g", paramValue="250 g"), NS(rawValue="1-kg", paramValue="1 kg")],
    )
    grind = NS(paramIndex="mleti", paramName="Mletí", displayName=None, values=[])
    return ParameterRegistry.from_shop([weight, grind])


def test_slugs_are_ascii_lower_case_with_dashes():
    assert slug("Barevné spektrum") == "barevne-spektrum"
    assert slug("1 kg") == "1-kg"
    assert slug("Černá / Bílá") == "cerna-bila"
    assert slug("ÁÉ__x") == "ae-x"
    assert slug("•••") == ""


def test_display_names_and_slugs_resolve_to_the_same_indexes():
    reg = registry()
    by_name = resolve({"Hmotnost": "250 g"}, reg)
    by_slug = resolve({"hmotnost": "250-g"}, reg)
    by_display = resolve({"hmotnost balení": "250 G"}, reg)
    assert by_name.pairs == by_slug.pairs == by_display.pairs == {"hmotnost": "250-g"}
    assert not (by_name.new_parameters or by_name.new_values or by_name.problems)


def test_what_the_registry_lacks_is_planned_with_its_slug():
    res = resolve({"Hmotnost": "2 kg", "Mletí": "Zrnková", "Barva": "Černá"}, registry())
    assert res.pairs == {"barva": "cerna", "hmotnost": "2-kg", "mleti": "zrnkova"}
    assert res.new_parameters == (NewParameter("barva", "Barva"),)
    assert set(res.new_values) == {
        NewValue("hmotnost", "2-kg", "2 kg"),
        NewValue("mleti", "zrnkova", "Zrnková"),
        NewValue("barva", "cerna", "Černá"),
    }


def test_a_parameter_stated_twice_or_without_a_slug_is_a_problem():
    twice = resolve({"Hmotnost": "250 g", "hmotnost": "1-kg"}, registry())
    assert twice.problems and "stated twice" in twice.problems[0]
    empty = resolve({"•": "x"}, registry())
    assert empty.problems and "gives no index" in empty.problems[0]


def test_the_rule_for_multi_variant_products():
    assert rule_problems({"A": None}) == {}
    assert rule_problems({"A": {"hmotnost": "250-g"}, "B": {"hmotnost": "1-kg"}}) == {}
    missing = rule_problems({"A": {"hmotnost": "250-g"}, "B": {}})
    assert set(missing) == {"B"} and "has no parameters" in missing["B"]
    same = rule_problems({"A": {"hmotnost": "250-g"}, "B": {"hmotnost": "250-g"}})
    assert set(same) == {"B"} and "same parameters as variant A" in same["B"]


@given(
    st.dictionaries(
        st.sampled_from("ABCDE"),
        st.one_of(
            st.none(),
            st.dictionaries(st.sampled_from(["x", "y"]), st.sampled_from(["1", "2"]), max_size=2),
        ),
        min_size=2,
    )
)
def test_the_rule_accepts_exactly_the_valid_products(variants):
    combos = [tuple(sorted((v or {}).items())) for v in variants.values()]
    valid = all(combos) and len(set(combos)) == len(combos)
    assert (rule_problems(variants) == {}) == valid
