"""Flag definitions in the diff (``plan.flag_changes``), pure: which declaration is a create
or an update, how products name a flag the plan creates (a placeholder apply binds to the
generated code), and the located problems."""

from __future__ import annotations

import pytest

from reconciler.model import FlagDefinition
from reconciler.plan.flag_changes import FlagPlanner, bind, new_flag_codes, shop_flags, unbound
from reconciler.plan.model import Action, Change, FieldChange, Resource

SHOP = [
    {"code": "new", "title": "Novinka", "color": "#4caf50"},
    {"code": "tip", "title": "Tip týdne", "color": "#2196F3"},
]


def planner(declared: dict, shop=SHOP) -> FlagPlanner:
    return FlagPlanner({k: FlagDefinition.model_validate(v) for k, v in declared.items()}, shop)


def test_a_declaration_the_shop_lacks_is_a_create_with_what_it_states():
    (create,) = planner({"Vánoce": {}}).changes()
    assert (create.action, create.resource, create.code) == (
        Action.CREATE,
        Resource.FLAG,
        "+Vánoce",
    )
    assert create.after == {"title": "Vánoce"}  # no colour stated: Shoptet's default


def test_a_declaration_finds_its_flag_by_code_title_or_new_title_and_updates_only_what_differs():
    assert planner({"tip": {"color": "#2196f3"}}).changes() == []  # colours compared canonical
    assert planner({"TIP TÝDNE": {"color": "#2196F3"}}).changes() == []
    # renamed already: the declared title finds the flag, so nothing is created again
    assert planner({"Tip": {"title": "Tip týdne"}}).changes() == []
    (update,) = planner({"new": {"title": "Nové", "color": None}}).changes()
    assert (update.id, update.before, update.after) == (
        "flag:new",
        {"title": "Novinka", "color": "#4caf50"},
        {"title": "Nové", "color": None},
    )


def test_products_name_a_new_flag_by_key_or_title_and_get_its_placeholder():
    p = planner({"xmas": {"title": "Vánoce"}})
    fields = {"flags": {"vánoce": {"dateFrom": None, "dateTo": None}, "Novinka": None}}
    p.resolve("g", fields)
    assert fields["flags"] == {"+Vánoce": {"dateFrom": None, "dateTo": None}, "new": None}
    both = {"flags": {"xmas": None, "Vánoce": None}}
    p.resolve("g", both)
    assert [x.message for x in p.problems] == ["flag 'Vánoce' names flag '+Vánoce' a second time"]


def test_two_declarations_of_one_flag_and_an_unread_flag_list_are_refused():
    p = planner({"tip": {}, "Tip týdne": {"color": "#000"}})
    assert "'Tip týdne' and 'tip' define the same flag (tip)" in p.problems[0].message
    with pytest.raises(RuntimeError, match="were not read"):
        planner({"Vánoce": {}}, shop=None)


def test_bind_swaps_placeholders_case_insensitively_and_leaves_the_unknown():
    change = Change(
        Action.UPDATE,
        Resource.PRODUCT,
        "g",
        fields=(
            FieldChange(
                "flags", {"+VÁNOCE": None, "+Zdarma": None}, {"+VÁNOCE": {}, "+Zdarma": {}}
            ),
        ),
    )
    codes = new_flag_codes(shop_flags([{"code": "custom7", "title": "Vánoce"}]))
    bound = bind(change, codes)
    assert bound.after == {"flags": {"+Zdarma": {}, "custom7": {}}}
    assert bound.before == {"flags": {"+Zdarma": None, "custom7": None}}
    assert unbound(bound) == ["+Zdarma"] and bound.id == change.id
