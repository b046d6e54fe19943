"""The stock-below-claim verdict (issue 19), pure: only with policy.stockBelowClaim: refuse and
claims read; which stock changes it counts; its flag; the policy switch in policy changes; the
combined PR comment names its label."""

from __future__ import annotations

from decimal import Decimal

from reconciler.model import Policy
from reconciler.plan.guards import (
    GuardPolicy,
    compute_guards,
    policy_changes,
    sets_stock,
    stock_below_claim_verdict,
)
from reconciler.plan.model import Action, Change, FieldChange, GuardVerdict, Resource, check_guards

P1 = "11111111-1111-1111-1111-111111111111"
REFUSE = GuardPolicy(stock_below_claim="refuse")


def stock(code: str, stock_id: int, before, after) -> Change:
    return Change(
        Action.UPDATE,
        Resource.STOCK,
        P1,
        code,
        stock_id,
        fields=(FieldChange("stock", before, after),),
        name="Mug",
    )


def test_the_verdict_exists_only_when_refused_by_policy_and_claims_were_read():
    change = stock("MUG-1", 1, Decimal(10), Decimal(2))
    warn = compute_guards([change], policy=GuardPolicy(), existing_managed=5, stock_claims={})
    assert "stock-below-claim" not in [g.name for g in warn]
    unread = compute_guards([change], policy=REFUSE, existing_managed=5)
    assert "stock-below-claim" not in [g.name for g in unread]
    read = compute_guards(
        [change], policy=REFUSE, existing_managed=5, stock_claims={"MUG-1@1": "3"}
    )
    assert read[-1].name == "stock-below-claim" and not read[-1].ok


def test_below_the_claim_is_refused_at_or_above_it_passes():
    claims = {"MUG-1@1": "3"}
    below = stock_below_claim_verdict([stock("MUG-1", 1, Decimal(10), Decimal("2.5"))], claims)
    assert not below.ok and below.flag == "--allow-stock-below-claim"
    assert "'Mug'" in below.message and "2.5 below the 3 open orders claim" in below.message
    assert check_guards([below]) and not check_guards([below], allow_stock_below_claim=True)
    assert stock_below_claim_verdict([stock("MUG-1", 1, Decimal(10), Decimal(3))], claims).ok


def test_only_the_claim_in_the_same_stock_counts():
    claims = {"MUG-1@2": "9", "OTHER@1": "9"}
    assert stock_below_claim_verdict([stock("MUG-1", 1, Decimal(10), Decimal(1))], claims).ok


def test_many_hits_are_listed_ten_then_counted():
    changes = [stock(f"V-{i:02}", 1, Decimal(10), Decimal(0)) for i in range(13)]
    claims = {f"V-{i:02}@1": "1" for i in range(13)}
    verdict = stock_below_claim_verdict(changes, claims)
    assert len(verdict.numbers["changes"]) == 13
    assert "and 3 more" in verdict.message


def test_sets_stock_names_the_stocks_of_stock_changes_only():
    other = Change(Action.UPDATE, Resource.VARIANT, P1, "MUG-1", fields=())
    assert sets_stock([stock("A", 1, 1, 2), stock("B", 3, 1, 2), other]) == {1, 3}
    assert sets_stock([other]) == frozenset()
    new = Change(Action.CREATE, Resource.STOCK, P1, "NEW-1", 2, fields=())
    assert sets_stock([new]) == frozenset()  # a new variant has no orders yet


def test_switching_the_policy_is_a_policy_change():
    changes = policy_changes(Policy(), Policy(stockBelowClaim="refuse"))
    assert [(p.key, p.before, p.after) for p in changes] == [("stockBelowClaim", "warn", "refuse")]


def test_the_combined_comment_names_a_hyphenated_guard_label():
    from reconciler.plan.model import Plan
    from reconciler.render.combined import ShopResult, render_combined

    verdict = GuardVerdict("stock-below-claim", False, "below", {}, "--allow-stock-below-claim")
    plan = Plan("d" * 64, changes=(stock("MUG-1", 1, 10, 2),), guards=(verdict,))
    md = render_combined([ShopResult("cz", "a", 3, plan), ShopResult("sk", "b", 0)])
    assert "(label `shoptet:allow-stock-below-claim`)" in md
    assert "no label allows it" not in md
