"""Price changes grouped by pricelist (issue 17): a plan that changes another pricelist opens
with a campaign view per pricelist (its label with the customer groups, how many variants,
the changes they share with action prices in words); the ``pricelists`` golden files pin the
text and Markdown. A plan of one pricelist has no such view (the other goldens)."""

from __future__ import annotations

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import Action, Change, Currency, FieldChange, Names, Plan, Resource
from reconciler.render.markdown import render_markdown
from reconciler.render.pricelists import SHARED_SHOWN, pricelist_blocks
from reconciler.render.text import render_text
from tests.render.golden import assert_golden

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"
FILE = "catalog/products/coffee.yaml"
SALE = {"price": "189", "fromDate": "2026-12-01", "toDate": "2026-12-24"}
B2B_SALE = {"price": "160", "fromDate": "2026-12-01", "toDate": "2026-12-31"}


def _price(code: str, line: int, fields: list[FieldChange], pricelist_id=None) -> Change:
    return Change(
        Action.UPDATE,
        Resource.PRICE,
        GUID,
        code,
        pricelist_id=pricelist_id,
        fields=tuple(fields),
        source=f"{FILE}:{line}",
        name="Káva Kolumbie Supremo",
    )


def campaign_plan(variants: int = 3) -> Plan:
    changes = []
    for i in range(variants):
        code = f"KAV-COL-{i:03d}"
        line = 10 + 8 * i
        sale = FieldChange("actionPrice", None, SALE, f"{FILE}:{line + 2}")
        changes.append(_price(code, line, [sale]))
        b2b = [FieldChange("actionPrice", None, B2B_SALE, f"{FILE}:{line + 5}")]
        if i == 0:
            b2b.insert(0, FieldChange("price", "200", "180", f"{FILE}:{line + 4}"))
        changes.append(_price(code, line, b2b, pricelist_id=2))
    names = Names(
        pricelists={1: "Základní ceník", 2: "Velkoobchod"},
        currency=Currency.of("CZK", "Kč", 2, False),
        pricelist_groups={2: ("B2B", "Partneři")},
    )
    return Plan(
        catalog_digest="c" * 64,
        changes=tuple(changes),
        guards=compute_guards(changes, policy=GuardPolicy(), existing_managed=1),
        eshop_id=222651,
        pricelist_id=1,
        default_stock_id=1,
        names=names,
    )


def test_pricelists_text_golden():
    assert_golden("pricelists.txt", render_text(campaign_plan()))


def test_pricelists_markdown_golden():
    assert_golden("pricelists.md", render_markdown(campaign_plan(), catalog_dir="catalog"))


def test_the_view_counts_variants_and_ranks_the_changes_they_share():
    own, b2b = pricelist_blocks(campaign_plan(variants=40))
    assert own.label == "pricelist 1 (Základní ceník)" and own.variants == 40
    assert b2b.label == "pricelist 2 (Velkoobchod; customer groups: B2B, Partneři)"
    assert b2b.shared[0] == (
        Action.UPDATE,
        "actionPrice: (none) -> 160.00 from 1 Dec 2026 to 31 Dec 2026",
        40,
    )
    assert b2b.shared[1][1:] == ("price: 200.00 -> 180.00 Kč", 1)


def test_only_the_most_shared_changes_are_listed_and_the_rest_counted():
    plan = campaign_plan(variants=1)
    many = tuple(
        Change(
            Action.UPDATE,
            Resource.PRICE,
            GUID,
            f"X-{i}",
            pricelist_id=2,
            fields=(FieldChange("price", "200", str(100 + i)),),
        )
        for i in range(SHARED_SHOWN + 3)
    )
    plan = Plan(plan.catalog_digest, changes=plan.changes + many, pricelist_id=1)
    b2b = pricelist_blocks(plan)[1]
    # 10 distinct changes: the sale, 200 -> 180 and the 8 new prices
    assert len(b2b.shared) == SHARED_SHOWN and b2b.more == 10 - SHARED_SHOWN
    assert "... and 5 other changes (below)" in render_text(plan)


def test_a_plan_of_one_pricelist_has_no_view():
    plan = campaign_plan()
    one = Plan(
        plan.catalog_digest, changes=tuple(c for c in plan.changes if c.pricelist_id is None)
    )
    assert pricelist_blocks(one) == []
    assert "Prices by pricelist" not in render_text(one)
