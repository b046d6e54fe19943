"""renamedFrom in the diff: a rename, a rename already done, both codes live, neither, and
the EAN look-alike note (issue 15, "Removed and renamed, never silent")."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.model import Product, Variant
from reconciler.plan.diff import diff
from reconciler.plan.model import RENAME_FIELD, Action, CatalogEntry, Plan, RenameHint, Resource
from tests.plan.test_diff import CTX, G1, catalog, live_product, plan_for


def live_with(**variants: Variant) -> Product:
    return live_product(variants=variants)


OLD = Variant(ean="111", price="10.00", stock={1: "5.000"}, visible=True, weight="0.500")


def test_a_rename_is_one_variant_update_compared_with_the_old_variant():
    desired = catalog(
        {G1: Product(variants={"NEW-1": Variant(renamedFrom="OLD-1", ean="111", price="12.00")})}
    )
    plan = plan_for(desired, catalog({G1: live_with(**{"OLD-1": OLD})}))
    assert [(c.action, c.resource, c.code) for c in plan.changes] == [
        (Action.UPDATE, Resource.VARIANT, "NEW-1"),
        (Action.UPDATE, Resource.PRICE, "NEW-1"),
    ]
    variant, price = plan.changes
    assert variant.renamed_from == "OLD-1"
    assert [(f.field, f.before, f.after) for f in variant.fields] == [
        (RENAME_FIELD, "OLD-1", "NEW-1")
    ]  # the EAN equals the old variant's: no change, and no create of anything
    assert [(f.field, f.before, f.after) for f in price.fields] == [("price", "10", "12")]
    assert plan.notes.unmentioned_count == 0  # OLD-1 is mentioned by renamedFrom


def test_a_rename_is_in_the_plan_id():
    live = catalog({G1: live_with(**{"OLD-1": OLD, "OLD-2": OLD})})

    def plan(old: str) -> Plan:
        return plan_for(catalog({G1: Product(variants={"NEW-1": Variant(renamedFrom=old)})}), live)

    assert plan("OLD-1").plan_id != plan("OLD-2").plan_id
    assert Plan.from_json(plan("OLD-1").to_json()).changes[0].renamed_from == "OLD-1"


def test_a_rename_already_done_is_no_change_and_renamed_from_stays_harmless():
    desired = catalog({G1: Product(variants={"NEW-1": Variant(renamedFrom="OLD-1", ean="111")})})
    plan = plan_for(desired, catalog({G1: live_with(**{"NEW-1": OLD})}))
    assert plan.is_empty and not plan.notes


def test_after_a_done_rename_other_fields_compare_with_the_new_code():
    desired = catalog({G1: Product(variants={"NEW-1": Variant(renamedFrom="OLD-1", ean="222")})})
    plan = plan_for(desired, catalog({G1: live_with(**{"NEW-1": OLD})}))
    (change,) = plan.changes
    assert change.renamed_from is None
    assert [(f.field, f.before, f.after) for f in change.fields] == [("ean", "111", "222")]


def test_both_codes_live_is_a_located_plan_error(tmp_path, monkeypatch):
    products = tmp_path / "catalog" / "products"
    products.mkdir(parents=True)
    (products / "p.yaml").write_text(
        f"products:\n  {G1}:\n    name: Čokoláda\n    variants:\n      NEW-1:\n"
        "        renamedFrom: OLD-1\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    loaded = load_catalog(Path("catalog"))
    live = catalog({G1: live_with(**{"OLD-1": OLD, "NEW-1": OLD})})
    with pytest.raises(CatalogError) as info:
        diff(loaded.catalog, live, locations=loaded.locations, context=CTX)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == ("catalog/products/p.yaml", 6)
    assert "has both OLD-1 and NEW-1 in the shop" in problem.message
    assert "renamedFrom" in problem.message and "absent: true" in problem.message


def test_neither_code_live_creates_the_new_code_and_says_why():
    desired = catalog({G1: Product(variants={"NEW-1": Variant(renamedFrom="OLD-1", ean="111")})})
    plan = plan_for(desired, catalog({G1: live_with(**{"A-1": OLD})}))
    variant = next(c for c in plan.changes if c.resource is Resource.VARIANT)
    assert variant.action is Action.CREATE and variant.code == "NEW-1"
    assert "neither OLD-1 nor NEW-1" in (variant.reason or "")


def test_a_removed_code_that_was_renamed_is_not_listed_as_removed():
    desired = catalog({G1: Product(variants={"NEW-1": Variant(renamedFrom="OLD-1")})})
    plan = plan_for(
        desired,
        catalog({G1: live_with(**{"OLD-1": OLD})}),
        removed=(CatalogEntry(G1, "OLD-1", None),),
    )
    assert plan.notes.removed == ()


def test_a_new_variant_with_the_ean_of_an_unmentioned_live_variant_is_noted():
    desired = catalog({G1: Product(variants={"NEW-1": Variant(ean="111")})})
    other = Variant(ean="999")
    plan = plan_for(desired, catalog({G1: live_with(**{"OLD-1": OLD, "B-2": other})}))
    assert plan.notes.renames == (RenameHint(G1, "NEW-1", "OLD-1", "111", None),)
    assert any(c.action is Action.CREATE for c in plan.changes)  # a note, not a write
    # display only: the note is out of the planId
    bare = Plan(**{**plan.__dict__, "notes": type(plan.notes)()})
    assert bare.plan_id == plan.plan_id
    assert Plan.from_json(plan.to_json()).notes.renames == plan.notes.renames


def test_no_look_alike_note_when_the_old_variant_is_mentioned_or_the_ean_differs():
    mentioned = catalog({G1: Product(variants={"NEW-1": Variant(ean="111"), "OLD-1": Variant()})})
    other_ean = catalog({G1: Product(variants={"NEW-1": Variant(ean="222")})})
    live = catalog({G1: live_with(**{"OLD-1": OLD})})
    assert plan_for(mentioned, live).notes.renames == ()
    assert plan_for(other_ean, live).notes.renames == ()


def test_malformed_rename_notes_in_a_plan_file_are_dropped_not_fatal():
    from reconciler.plan.model import CatalogNotes

    good = {"guid": G1, "code": "N", "old": "O", "ean": "1", "source": 7}
    notes = CatalogNotes.from_dict({"renames": [good, {"guid": G1, "code": "N"}, "x", None]})
    assert notes.renames == (RenameHint(G1, "N", "O", "1", None),)
    assert CatalogNotes.from_dict({"renames": "many"}).renames == ()
