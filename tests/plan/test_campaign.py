"""Campaign fields in the plan core (issue 17): the price guard covers the price inside
``actionPrice`` and ``purchasePrice``; object fields compare only the parts the YAML states;
an action price reads in words."""

from __future__ import annotations

import pytest

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import Action, Change, FieldChange, Resource
from reconciler.plan.normalize import stated_parts
from reconciler.render.campaign import action_price_words

GUID = "5c499a23-70ac-11e9-9208-08002774f818"


def price_guard(*fields: FieldChange):
    change = Change(Action.UPDATE, Resource.PRICE, GUID, "A-1", fields=fields)
    (verdict,) = [
        g
        for g in compute_guards([change], policy=GuardPolicy(), existing_managed=1)
        if g.name == "price"
    ]
    return verdict


def action(price, start="2026-12-01", end="2026-12-24"):
    return {"price": price, "fromDate": start, "toDate": end}


@pytest.mark.parametrize(
    "field, before, after",
    [
        ("actionPrice", action("179"), action("17.9")),  # a typo: -90 %
        ("actionPrice", action("179"), action("0")),
        ("actionPrice", None, action("0")),  # a new sale at 0 is giving it away
        ("purchasePrice", {"price": "120"}, {"price": "12"}),
        ("purchasePrice", {"price": "120"}, {"price": "400"}),
    ],
)
def test_the_price_guard_refuses_a_big_move_of_an_inner_price(field, before, after):
    verdict = price_guard(FieldChange(field, before, after))
    assert verdict.ok is False and verdict.flag == "--allow-price"
    assert verdict.numbers["prices"] == [f"price:{GUID}:A-1/{field}.price"]
    assert f"variant A-1 {field}.price " in verdict.message


@pytest.mark.parametrize(
    "field, before, after",
    [
        ("actionPrice", None, action("179")),  # a new sale: nothing moves
        ("actionPrice", action("179"), None),  # the sale ends
        ("actionPrice", action("179"), action("169", end="2026-12-31")),
        ("purchasePrice", None, {"price": "120"}),
        ("purchasePrice", {"price": "120"}, {"price": "130"}),
    ],
)
def test_the_price_guard_passes_new_ended_and_small_inner_moves(field, before, after):
    assert price_guard(FieldChange(field, before, after)).ok is True


def test_only_the_stated_parts_of_an_object_are_compared():
    live = {"price": "120", "vatRate": "21", "includingVat": True}
    assert stated_parts("purchasePrice", {"price": "130"}, live) == {"price": "120"}
    assert stated_parts("purchasePrice", None, live) == live  # clearing: the whole value
    assert stated_parts("orderableAmount", {"maximumAmount": "5"}, None) == {"maximumAmount": None}
    assert stated_parts("actionPrice", action("1"), None) is None
    assert stated_parts("price", "1", "2") == "2"


@pytest.mark.parametrize(
    "value, words",
    [
        (action("179"), "179.00 from 1 Dec 2026 to 24 Dec 2026"),
        (action("179", end=None), "179.00 from 1 Dec 2026, no end date"),
        (action("179", start=None), "179.00 until 24 Dec 2026"),
        (
            action("9.5", None, None),
            "9.50 without dates (Shoptet sells at it only between its dates)",
        ),
        (None, None),
        ("odd", None),
    ],
)
def test_an_action_price_in_words(value, words):
    assert action_price_words(value) == words
