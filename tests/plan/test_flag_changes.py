"""Flag definitions in the diff (``plan.flag_changes``), pure: which declaration is a create
or an update, how products name a flag the plan creates (a placeholder apply binds to the
generated code), and the located problems."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import FlagDefinition
from reconciler.plan.flag_changes import (
    FlagPlanner,
    bind,
    new_flag_codes,
    shop_flags,
    unbound,
    written_names,
)
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


# -- the names import writes (``written_names``) ----------------------------------------------

CREATED = [
    {"code": "new", "title": "Novinka", "system": True},
    {"code": "action", "title": "Akce", "system": True},
    {"code": "custom1", "title": "Letní výprodej", "system": False},
]


def test_import_writes_a_created_flags_title_and_a_system_flags_code():
    assert written_names(CREATED) == {
        "new": "new",
        "action": "action",
        "custom1": "Letní výprodej",
    }
    assert written_names(None) == {}


@pytest.mark.parametrize(
    "title",
    ["sleva", "AKCE", "new", "", " Sleva", "Dvě\nřádky"],
    ids=["same-title", "a-system-title", "a-code", "empty", "padded", "two-lines"],
)
def test_a_title_that_would_not_name_the_flag_back_alone_is_written_as_its_code(title):
    shop = [*CREATED, {"code": "custom2", "title": "Sleva"}, {"code": "custom3", "title": title}]
    names = written_names(shop)
    assert names["custom3"] == "custom3"
    if title == "sleva":  # both flags of a shared title lose it, not only the second
        assert names["custom2"] == "custom2"


_TITLES = st.sampled_from(["Sleva", "SLEVA", "sleva ", "new", "custom1", "Tip", "Vánoce", ""])


@given(
    st.lists(
        st.tuples(st.sampled_from(["new", "tip", "custom1", "custom2", "custom3"]), _TITLES),
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.booleans(),
)
def test_every_written_name_resolves_back_to_its_flag_as_the_plan_resolves_it(flags, system):
    shop = [{"code": c, "title": t, "system": system and c in ("new", "tip")} for c, t in flags]
    names = written_names(shop)
    assert set(names) == {c for c, _ in flags}
    fields = {"flags": {name: True for name in names.values()}}
    p = planner({}, shop)
    p.resolve("g", fields)
    assert not p.problems
    assert fields["flags"] == {code: True for code in names}
    for f in shop:
        if names[f["code"]] != f["code"]:  # a title: the flag's own, the only one like it
            assert not f["system"] and names[f["code"]] == f["title"]
