"""The open-orders verdict (issue 19), pure: which deletes and hides it counts, order codes as
text, amounts, the flag, and the hide advice only when something is deleted."""

from __future__ import annotations

from decimal import Decimal

from reconciler.plan.guards import (
    GuardPolicy,
    OrderClaim,
    VariantClaims,
    compute_guards,
    open_orders_verdict,
    removals,
)
from reconciler.plan.model import Action, Change, FieldChange, Resource, check_guards

P1, P2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def claims(guid: str, code: str, *orders: tuple[str, str]) -> dict[str, VariantClaims]:
    return {code: VariantClaims(guid, tuple(OrderClaim(o, Decimal(a)) for o, a in orders))}


def test_no_claims_read_means_no_verdict_and_an_empty_read_an_ok_one():
    names = [g.name for g in compute_guards([], policy=GuardPolicy(), existing_managed=0)]
    assert "open-orders" not in names
    delete = Change(Action.DELETE, Resource.PRODUCT, P1)
    verdicts = compute_guards([delete], policy=GuardPolicy(), existing_managed=5, claims={})
    assert verdicts[-1].name == "open-orders" and verdicts[-1].ok


def test_a_deleted_product_with_a_claimed_variant_is_refused_with_codes_as_text():
    delete = Change(Action.DELETE, Resource.PRODUCT, P1, name="Mug")
    v = open_orders_verdict([delete], claims(P1, "MUG-1", ("0001234", "2"), ("0009", "1.5")))
    assert not v.ok and v.flag == "--allow-open-orders"
    assert v.numbers["orders"] == ["0001234", "0009"]
    assert v.numbers["claimed"] == {"MUG-1": "3.5"}
    assert '"0001234" (2)' in v.message and "'Mug'" in v.message
    assert "visibility: hidden" in v.message
    assert check_guards([v]) and not check_guards([v], allow_open_orders=True)


def test_only_the_deleted_or_hidden_products_variants_count():
    delete = Change(Action.DELETE, Resource.PRODUCT, P1)
    assert open_orders_verdict([delete], claims(P2, "OTHER", ("1", "1"))).ok


def test_a_hidden_variant_counts_and_a_shown_one_does_not():
    hide = Change(
        Action.UPDATE, Resource.VARIANT, P1, "A-1", fields=(FieldChange("visible", True, False),)
    )
    show = Change(
        Action.UPDATE, Resource.VARIANT, P1, "A-1", fields=(FieldChange("visible", False, True),)
    )
    claimed = claims(P1, "A-1", ("42", "1"))
    hidden = open_orders_verdict([hide], claimed)
    assert not hidden.ok and "hidden" in hidden.message
    assert "instead of deleting" not in hidden.message
    assert open_orders_verdict([show], claimed).ok


def test_removals_name_deleted_and_hidden_products_and_variants_only():
    changes = [
        Change(Action.DELETE, Resource.PRODUCT, P1),
        Change(
            Action.UPDATE,
            Resource.PRODUCT,
            P2,
            fields=(FieldChange("visibility", "visible", "detailOnly"),),
        ),
        Change(Action.DELETE, Resource.VARIANT, P2, "B-2"),
        Change(Action.UPDATE, Resource.PRODUCT, P2, fields=(FieldChange("name", "a", "b"),)),
    ]
    products, variants = removals(changes)
    assert products == {P1, P2} and variants == {"B-2": P2}
    assert removals(changes[3:]) == (frozenset(), {})
