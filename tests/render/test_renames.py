"""How a rename (``renamedFrom``) and a look-alike note (same EAN) read in text and Markdown."""

from __future__ import annotations

from reconciler.model import Product, Variant
from reconciler.plan.model import Plan
from reconciler.render.formats import render_markdown, render_text
from tests.plan.test_diff import G1, catalog, live_product, plan_for

OLD = Variant(ean="111", price="10.00", stock={1: "5.000"})


def renamed_plan() -> Plan:
    desired = catalog(
        {
            G1: Product(
                variants={
                    "NEW-1": Variant(renamedFrom="OLD-1", price="12.00"),
                    "NEW-2": Variant(ean="222"),
                }
            )
        }
    )
    live = live_product(variants={"OLD-1": OLD, "GONE-2": Variant(ean="222")})
    return plan_for(desired, catalog({G1: live}))


def test_text_shows_the_rename_on_one_line_and_the_look_alike_note():
    text = render_text(renamed_plan())
    lines = [line.strip() for line in text.splitlines()]
    assert "~ variant OLD-1 -> NEW-1 (renamed)" in lines  # no source: built without files
    assert not any(line.startswith("~ code:") for line in lines)  # said once, on its line
    assert "~ price: 10.00 -> 12.00" in lines  # compared with the old variant
    assert "Looks like a rename (a note: the plan creates the new code as it stands):" in lines
    assert (
        f'variant NEW-2 of product "Čokoláda" ({G1}) has EAN "222" like live variant GONE-2, '
        "which the "
        "catalog does not mention: looks like a rename: write `renamedFrom: GONE-2` under "
        "NEW-2 to keep its stock and history" in lines
    )


def test_markdown_shows_the_same_rename_line_and_note():
    md = render_markdown(renamed_plan(), catalog_dir="catalog")
    assert "! variant OLD-1 -> NEW-1 (renamed)" in md  # an update: orange in GitHub's diff
    assert "~   code:" not in md
    assert "**⚠️ Looks like a rename (a note: the plan creates the new code as it stands) (1)**" in md
    assert "write `renamedFrom: GONE-2` under NEW-2 to keep its stock and history" in md


def test_a_rename_alone_names_where_it_is_written():
    from reconciler.plan.model import RENAME_FIELD, Action, Change, FieldChange, Resource

    rename = Change(
        Action.UPDATE,
        Resource.VARIANT,
        G1,
        "NEW-1",
        fields=(FieldChange(RENAME_FIELD, "OLD-1", "NEW-1", "p.yaml:6"),),
        source="p.yaml:5",
    )
    text = render_text(Plan(catalog_digest="ab" * 32, changes=(rename,)))
    assert "    ~ variant OLD-1 -> NEW-1 (renamed)  # p.yaml:5\n" in text
