"""plan.py: identity, ordering, the JSON plan file, planId, and every guard."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from decimal import Decimal

import pytest

from reconciler.errors import UnsafePlan
from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import (
    FORMAT_VERSION,
    Action,
    CatalogEntry,
    CatalogNotes,
    Change,
    FieldChange,
    Plan,
    PlanFileError,
    PolicyChange,
    Resource,
    Scope,
    Unmanaged,
    check_guards,
    raise_if_unsafe,
)
from tests.plan.sample import GONE, NEW, UPD, empty_plan, sample_changes, sample_plan

C, U, D = Action.CREATE, Action.UPDATE, Action.DELETE
P, V, PR, S = Resource.PRODUCT, Resource.VARIANT, Resource.PRICE, Resource.STOCK


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def test_actions_have_terraform_glyphs():
    assert [(a.value, a.glyph) for a in Action] == [
        ("create", "+"),
        ("update", "~"),
        ("delete", "-"),
    ]
    assert [r.value for r in Resource] == [
        "product",
        "variant",
        "price",
        "stock",
        "parameter",  # issue 14: the shop's variant-parameter registry, no product
        "parameter-value",
        "flag",  # issue 17: a flag definition (shop.yaml `flags:`), no product
        "filtering-parameter",  # issue 18: the shop's filtering-parameter registry
        "filtering-value",
    ]


def test_change_ids_are_deterministic_per_resource():
    assert Change(U, P, NEW).id == f"product:{NEW}"
    assert Change(U, V, NEW, "A-1").id == f"variant:{NEW}:A-1"
    assert Change(U, PR, NEW, "A-1").id == f"price:{NEW}:A-1"
    assert Change(U, S, NEW, "A-1", stock_id=3).id == f"stock:{NEW}:A-1:3"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(action=U, resource=V, guid=NEW), "needs a variant code"),
        (dict(action=U, resource=S, guid=NEW, code="A"), "stock_id is required"),
        (dict(action=U, resource=PR, guid=NEW, code="A", stock_id=1), "stock_id is required"),
        (dict(action=D, resource=S, guid=NEW, code="A", stock_id=1), "never deleted"),
        (dict(action=D, resource=PR, guid=NEW, code="A"), "never deleted"),
    ],
)
def test_change_rejects_inconsistent_identity(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Change(**kwargs)


def test_changes_are_hashable_even_with_list_values():
    a = Change(U, P, NEW, fields=(FieldChange("categories", ["x"], ["y"]),))
    b = Change(U, P, NEW, fields=(FieldChange("categories", ["x"], ["y"]),))
    assert len({a, b}) == 1 and a == b


def test_change_before_and_after_snapshots():
    update = Change(U, PR, NEW, "A", fields=(FieldChange("price", "1", "2"),))
    assert (update.before, update.after) == ({"price": "1"}, {"price": "2"})
    create = Change(C, P, NEW, fields=(FieldChange("name", None, "X"),))
    assert (create.before, create.after) == (None, {"name": "X"})
    delete = Change(D, P, NEW, fields=(FieldChange("name", "X", None),))
    assert (delete.before, delete.after) == ({"name": "X"}, None)


def test_plan_sorts_changes_whatever_the_input_order():
    changes = sample_changes()
    shuffled = changes[:]
    random.Random(7).shuffle(shuffled)
    assert sample_plan(changes=shuffled).to_json() == sample_plan(changes=changes).to_json()
    ids = [c.id for c in sample_plan().changes]
    # per product; the product change first; then per variant code: variant, price, stock
    assert ids[:4] == [
        f"product:{NEW}",
        f"variant:{NEW}:CHOC-100",
        f"price:{NEW}:CHOC-100",
        f"stock:{NEW}:CHOC-100:1",
    ]
    assert ids[4:8] == [
        f"product:{UPD}",
        f"variant:{UPD}:DARK-1",
        f"price:{UPD}:DARK-1",
        f"stock:{UPD}:DARK-1:1",
    ]
    assert ids[-1] == f"product:{GONE}"


def test_plan_rejects_duplicate_change_ids():
    with pytest.raises(ValueError, match="duplicate change ids"):
        Plan("d", changes=(Change(U, P, NEW), Change(D, P, NEW)))


def test_same_inputs_give_byte_identical_json():
    assert sample_plan().to_json().encode() == sample_plan().to_json().encode()
    assert empty_plan().to_json() == empty_plan().to_json()


def test_json_round_trip_keeps_every_byte():
    for plan in (sample_plan(), empty_plan(), sample_plan(scope=Scope.targeted([NEW], "main"))):
        text = plan.to_json()
        again = Plan.from_json(text)
        assert again == plan
        assert again.to_json() == text


def test_json_layout():
    data = json.loads(sample_plan().to_json())
    assert sorted(data) == sorted(
        [
            "formatVersion",
            "toolVersion",
            "catalogDigest",
            "gitCommit",
            "eshopId",
            "pricelistId",
            "defaultStockId",
            "scope",
            "changes",
            "unmanaged",
            "ignored",
            "guards",
            "summary",
            "planId",
        ]
    )
    assert data["formatVersion"] == 2
    assert data["summary"] == {
        "actions": {"create": 7, "update": 4, "delete": 2},
        "resources": {"product": 3, "variant": 4, "price": 3, "stock": 3},
        "total": 13,
    }
    stock = next(c for c in data["changes"] if c["resource"] == "stock" and c["action"] == "update")
    assert sorted(stock) == sorted(
        [
            "id",
            "action",
            "resource",
            "guid",
            "code",
            "stockId",
            "name",
            "source",
            "reason",
            "fields",
        ]
    )
    assert stock["fields"][0] == {
        "field": "stock",
        "before": "3",
        "after": "10",
        "source": "catalog/products/choc.yaml:27",
    }


def _edit(plan: Plan, index: int, **changes) -> Plan:
    items = list(plan.changes)
    items[index] = replace(items[index], **changes)
    return replace(plan, changes=tuple(items))


VARIANT_UPDATE = 5  # the sample's `~ variant DARK-1` in plan order


def _edit_field(plan: Plan, index: int, **changes) -> Plan:
    change = plan.changes[index]
    return _edit(plan, index, fields=(replace(change.fields[0], **changes), *change.fields[1:]))


def _edit_guard(plan: Plan, **changes) -> Plan:
    return replace(plan, guards=(replace(plan.guards[0], **changes), *plan.guards[1:]))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: _edit_field(p, VARIANT_UPDATE, after="223"),
        lambda p: _edit_field(p, VARIANT_UPDATE, before="112"),
        lambda p: _edit_field(p, VARIANT_UPDATE, field="manufacturerCode"),
        lambda p: _edit(p, VARIANT_UPDATE, action=Action.CREATE),
        lambda p: _edit(p, VARIANT_UPDATE, code="DARK-9"),
        lambda p: replace(p, changes=p.changes[:-1]),
        lambda p: replace(p, changes=(*p.changes, Change(U, P, guid(5)))),
        lambda p: replace(p, catalog_digest="ef" * 32),
        lambda p: replace(p, eshop_id=1),
        lambda p: replace(p, pricelist_id=2),
        lambda p: replace(p, default_stock_id=2),
        lambda p: replace(p, tool_version="9.9.9"),
        lambda p: replace(p, git_commit=None),
        lambda p: replace(p, scope=Scope.targeted([NEW])),
        lambda p: replace(p, scope=Scope.targeted([NEW], ref="main")),
        lambda p: replace(p, policy_changes=(PolicyChange("maxDeletes", 10, 99),)),
        lambda p: _edit_guard(p, ok=not p.guards[0].ok),
        lambda p: _edit_guard(p, numbers={"deletions": 99}),
        lambda p: replace(p, unmanaged=Unmanaged(3, p.unmanaged.listed)),
    ],
    ids=[
        "after",
        "before",
        "field",
        "action",
        "code",
        "removed",
        "added",
        "digest",
        "eshop",
        "pricelist",
        "default-stock",
        "tool-version",
        "commit",
        "scope-targets",
        "scope-ref",
        "policy-changes",
        "guard-verdict",
        "guard-numbers",
        "unmanaged-count",
    ],
)
def test_plan_id_changes_when_a_value_apply_acts_on_changes(mutate):
    plan = sample_plan()
    assert mutate(plan).plan_id != plan.plan_id


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: _edit(p, VARIANT_UPDATE, reason="because"),
        lambda p: _edit(p, VARIANT_UPDATE, name="Another name"),
        lambda p: _edit(p, VARIANT_UPDATE, source="elsewhere.yaml:1"),
        lambda p: _edit_field(p, VARIANT_UPDATE, source="elsewhere.yaml:9"),
        lambda p: _edit_guard(p, message="Worded differently."),
        lambda p: replace(
            p,
            unmanaged=Unmanaged(
                p.unmanaged.count,
                tuple(replace(u, name="Renamed") for u in p.unmanaged.listed),
            ),
        ),
    ],
    ids=["reason", "name", "source", "field-source", "guard-message", "unmanaged-names"],
)
def test_plan_id_ignores_wording(mutate):
    plan = sample_plan()
    reworded = mutate(plan)
    assert reworded != plan  # the wording did change, and shows in the file
    assert reworded.to_json() != plan.to_json()
    assert reworded.plan_id == plan.plan_id


def test_a_reworded_plan_file_still_reads_but_an_edited_value_does_not():
    data = json.loads(sample_plan().to_json())
    data["changes"][VARIANT_UPDATE]["reason"] = "a new explanation"
    data["guards"][0]["message"] = "Said otherwise."
    data["scope"]["note"] = "A different note."
    data["summary"] = {"anything": 1}
    assert Plan.from_json(json.dumps(data)).plan_id == data["planId"]
    data["changes"][VARIANT_UPDATE]["fields"][0]["after"] = "999"
    with pytest.raises(PlanFileError, match="planId does not match"):
        Plan.from_json(json.dumps(data))


def test_plan_id_is_sha256_of_the_hashed_content():
    import hashlib

    from reconciler.plan.model import canonical_json, hashed_content, plan_id_of

    plan = sample_plan()
    content = json.loads(plan.to_json())
    del content["planId"]
    hashed = hashed_content(content)
    assert "summary" not in hashed and "note" not in hashed["scope"]
    assert all("message" not in g for g in hashed["guards"])
    assert all({"reason", "name", "source"}.isdisjoint(c) for c in hashed["changes"])
    assert hashed["changes"][VARIANT_UPDATE]["fields"] == [
        {"field": "ean", "before": "111", "after": "222"}
    ]
    expected = hashlib.sha256(canonical_json(hashed).encode()).hexdigest()
    assert plan.plan_id == expected == plan_id_of(content)


@pytest.mark.parametrize("version", [3, 0, None, "1", "2", True, 2.0])
def test_from_json_rejects_unknown_format_version(version):
    data = json.loads(sample_plan().to_json())
    data["formatVersion"] = version
    with pytest.raises(PlanFileError, match=f"formatVersion {version!r} is not supported"):
        Plan.from_json(json.dumps(data))


def test_a_format_version_1_file_is_refused_with_a_re_plan_hint():
    data = json.loads(sample_plan().to_json())
    data["formatVersion"] = 1
    with pytest.raises(PlanFileError) as err:
        Plan.from_json(json.dumps(data))
    message = str(err.value)
    assert "formatVersion 1, made by an older shoptet-catalog" in message
    assert "reads formatVersion 2 only" in message
    assert "Re-run `plan` with this version" in message
    assert err.value.exit_code == 1


def test_from_json_rejects_a_hand_edited_plan():
    data = json.loads(sample_plan().to_json())
    data["changes"][0]["fields"][0]["after"] = "Jiná čokoláda"
    with pytest.raises(PlanFileError, match="planId does not match"):
        Plan.from_json(json.dumps(data))


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"formatVersion": FORMAT_VERSION}), "malformed"),
        (
            json.dumps(
                {
                    **json.loads(empty_plan().to_json()),
                    "changes": [{"action": "explode", "resource": "product", "guid": NEW}],
                }
            ),
            "malformed",
        ),
    ],
)
def test_from_json_rejects_bad_files_clearly(text, message):
    with pytest.raises(PlanFileError, match=message) as err:
        Plan.from_json(text)
    assert err.value.exit_code == 1


def test_scope_note_says_what_is_covered():
    assert "whole live shop" in Scope().note
    note = Scope.targeted(["B", "A"], ref="origin/main").note
    assert "only the listed products (changed since origin/main): A, B" in note
    assert "scheduled drift check" in note
    with pytest.raises(ValueError):
        Scope("partial")
    many = Scope.targeted([guid(n) for n in range(25)])
    assert "and 5 more (all in the plan file)" in many.note
    assert len(many.to_dict()["targets"]) == 25


# --- guards ---------------------------------------------------------------------------------


def verdicts(changes, existing=20, **policy):
    return {
        g.name: g
        for g in compute_guards(changes, policy=GuardPolicy(**policy), existing_managed=existing)
    }


def test_guards_are_always_five_in_fixed_order():
    names = [g.name for g in compute_guards([], policy=GuardPolicy(), existing_managed=0)]
    assert names == ["delete-limit", "protected", "delete-all", "bulk", "price"]
    assert all(g.ok for g in compute_guards([], policy=GuardPolicy(), existing_managed=0))


def test_delete_limit_needs_allow_delete_within_max_deletes():
    changes = [Change(D, P, guid(1)), Change(D, V, guid(2), "X")]
    g = verdicts(changes, max_deletes=2)["delete-limit"]
    assert (g.ok, g.flag, g.numbers) == (False, "--allow-delete", {"deletions": 2, "maxDeletes": 2})
    assert "2 deletions" in g.message


def test_delete_limit_over_max_deletes_cannot_be_allowed():
    changes = [Change(D, P, guid(n)) for n in range(3)]
    g = verdicts(changes, max_deletes=2)["delete-limit"]
    assert (g.ok, g.flag) == (False, None)
    assert "3 deletions exceed policy.maxDeletes (2)" in g.message


def test_no_deletions_pass():
    g = verdicts([Change(U, P, guid(1))])["delete-limit"]
    assert g.ok and g.numbers["deletions"] == 0


@pytest.mark.parametrize(
    "change, how",
    [
        (Change(D, P, guid(1)), "deleted"),
        (Change(D, V, guid(1), "X"), "deleted"),
        (Change(U, P, guid(1), fields=(FieldChange("visibility", "visible", "hidden"),)), "hidden"),
        (
            Change(U, P, guid(1), fields=(FieldChange("visibility", "visible", "blocked"),)),
            "hidden",
        ),
        (Change(U, V, guid(1), "X", fields=(FieldChange("visible", True, False),)), "hidden"),
    ],
)
def test_protected_products_may_never_be_deleted_or_hidden(change, how):
    g = verdicts([change], protect=frozenset({guid(1)}))["protected"]
    assert (g.ok, g.flag) == (False, None)
    assert f"{change.id} ({how})" in g.message
    assert g.numbers["touched"] == [change.id]


@pytest.mark.parametrize(
    "change",
    [
        Change(U, P, guid(1), fields=(FieldChange("name", "a", "b"),)),
        Change(U, P, guid(1), fields=(FieldChange("visibility", "hidden", "visible"),)),
        Change(U, V, guid(1), "X", fields=(FieldChange("visible", False, True),)),
        Change(D, P, guid(2)),
    ],
)
def test_protected_guard_ignores_other_changes(change):
    assert verdicts([change], protect=frozenset({guid(1)}))["protected"].ok


def test_deleting_every_managed_product_is_always_refused():
    changes = [Change(D, P, guid(n)) for n in range(3)]
    g = verdicts(changes, existing=3)["delete-all"]
    assert (g.ok, g.flag) == (False, None)
    assert g.numbers == {"productsDeleted": 3, "existingManaged": 3}
    assert verdicts(changes, existing=4)["delete-all"].ok
    assert verdicts([], existing=0)["delete-all"].ok


def test_bulk_guard_needs_allow_bulk_above_the_share():
    changes = [Change(U, P, guid(n)) for n in range(6)]
    g = verdicts(changes, existing=20)["bulk"]
    assert (g.ok, g.flag) == (False, "--allow-bulk")
    assert g.numbers["share"] == "0.3" and g.numbers["maxChangedShare"] == "0.25"
    assert "6 of 20" in g.message


def test_bulk_guard_counts_products_not_changes_and_share_at_threshold_passes():
    # 5 products of 20 = exactly 25%: allowed; several changes of one product count once
    changes = [Change(U, P, guid(n)) for n in range(5)]
    changes += [Change(U, PR, guid(0), "A"), Change(U, S, guid(0), "A", stock_id=1)]
    g = verdicts(changes, existing=20)["bulk"]
    assert g.ok and g.numbers["changed"] == 5


def test_bulk_guard_needs_at_least_ten_existing_products():
    changes = [Change(U, P, guid(n)) for n in range(9)]
    g = verdicts(changes, existing=9)["bulk"]
    assert g.ok and "fewer than 10" in g.message
    assert not verdicts([*changes, Change(U, P, guid(9))], existing=10)["bulk"].ok


def test_creates_never_count_as_bulk():
    changes = []
    for n in range(50):
        changes += [Change(C, P, guid(n)), Change(C, PR, guid(n), "A")]
    g = verdicts(changes, existing=10)["bulk"]
    assert g.ok and g.numbers["changed"] == 0


def test_bulk_policy_from_a_float_is_exact():
    from types import SimpleNamespace

    policy = GuardPolicy.from_policy(
        SimpleNamespace(maxDeletes=3, maxChangedShare=0.1, protect=["ABC"])
    )
    assert policy == GuardPolicy(3, Decimal("0.1"), frozenset({"abc"}))


def test_check_guards_lists_refusals_per_flag():
    plan = Plan(
        "d",
        changes=tuple(Change(D, P, guid(n)) for n in range(2)),
        guards=compute_guards(
            [Change(D, P, guid(n)) for n in range(2)],
            policy=GuardPolicy(max_deletes=5),
            existing_managed=10,
        ),
    )
    assert check_guards(plan) == [plan.guards[0].message]
    assert check_guards(plan, allow_delete=True) == []
    bulk = Plan(
        "d",
        changes=tuple(Change(U, P, guid(n)) for n in range(5)),
        guards=compute_guards(
            [Change(U, P, guid(n)) for n in range(5)], policy=GuardPolicy(), existing_managed=10
        ),
    )
    assert len(check_guards(bulk)) == 1
    assert check_guards(bulk, allow_bulk=True) == []
    assert check_guards(bulk, allow_delete=True) != []


def test_raise_if_unsafe_names_the_numbers():
    plan = sample_plan()  # deletes a protected product and needs --allow-delete
    with pytest.raises(UnsafePlan) as err:
        raise_if_unsafe(plan, allow_delete=True)
    assert err.value.exit_code == 3
    assert "Protected products" in str(err.value)
    assert "--allow-delete" not in str(err.value)
    raise_if_unsafe(empty_plan())


def test_protected_message_names_at_most_ten_items_and_numbers_all():
    changes = [Change(D, P, guid(n)) for n in range(15)]
    g = verdicts(changes, protect=frozenset(guid(n) for n in range(15)))["protected"]
    assert "and 5 more" in g.message
    assert len(g.numbers["touched"]) == 15


NOTES = CatalogNotes(
    removed=(CatalogEntry(GONE, None, "Odebraný"), CatalogEntry(UPD, "DARK-9", "Čokoláda")),
    unmentioned=(CatalogEntry(UPD, "DARK-7", "Čokoláda"),),
    unmentioned_count=4,
)


def test_notes_are_display_only_the_plan_id_is_unchanged_and_the_file_keeps_them():
    plan = sample_plan()
    noted = replace(plan, notes=NOTES)
    assert noted.to_json() != plan.to_json()  # the notes are in the plan file
    assert noted.plan_id == plan.plan_id == replace(noted, notes=CatalogNotes()).plan_id
    assert "notes" not in json.loads(plan.to_json())  # older plans keep their bytes
    again = Plan.from_json(noted.to_json())
    assert again.notes == NOTES and again.plan_id == plan.plan_id


def test_malformed_notes_in_a_plan_file_are_dropped_not_refused():
    data = json.loads(replace(sample_plan(), notes=NOTES).to_json())
    data["notes"] = {"removed": [{"guid": 7}, "x", {"guid": GONE}], "unmentionedCount": "many"}
    plan = Plan.from_json(json.dumps(data))
    assert plan.notes == CatalogNotes(removed=(CatalogEntry(GONE),))


# --- the price guard -------------------------------------------------------------------------


def price_update(n: int, before, after, field="price", name="Káva"):
    return Change(U, PR, guid(n), f"V{n}", fields=(FieldChange(field, before, after),), name=name)


def test_a_price_within_max_price_change_passes_and_past_it_needs_allow_price():
    ok = verdicts([price_update(1, "100", "150"), price_update(2, "100", "50.00")])["price"]
    assert ok.ok and ok.flag is None and ok.numbers["changed"] == 0
    g = verdicts([price_update(1, "100", "150.01"), price_update(2, "100", "49.99")])["price"]
    assert (g.ok, g.flag, g.numbers["maxPriceChange"]) == (False, "--allow-price", "0.5")
    assert g.numbers["prices"] == [f"price:{guid(1)}:V1/price", f"price:{guid(2)}:V2/price"]
    assert f"'Káva' ({guid(1)}) variant V1 price 100 -> 150.01 (+50.0%)" in g.message
    assert "variant V2 price 100 -> 49.99 (-50.0%)" in g.message
    assert "2 prices change by more than 50.0% (policy.maxPriceChange)" in g.message
    assert check_guards([g]) == [g.message] and check_guards([g], allow_price=True) == []
    assert check_guards([g], allow_delete=True, allow_bulk=True) == [g.message]
    tight = verdicts([price_update(1, "100", "111")], max_price_change=Decimal("0.1"))["price"]
    assert not tight.ok and "10.0%" in tight.message


def test_a_price_or_common_price_that_becomes_0_needs_allow_price():
    zero = verdicts([price_update(1, "10", "0")])["price"]
    assert not zero.ok and "price 10 -> 0 (-100.0%)" in zero.message
    common = verdicts([price_update(1, "100", "0.00", field="commonPrice")])["price"]
    assert not common.ok and "commonPrice 100 -> 0.00" in common.message
    # never measured: from 0 (no share), cleared (null), new variants' prices, other fields
    ignored = [
        price_update(1, "0", "500"),
        price_update(2, "100", None, field="commonPrice"),
        Change(C, PR, guid(3), "V3", fields=(FieldChange("price", None, "0"),)),
        Change(U, V, guid(4), "V4", fields=(FieldChange("ean", "1", "0"),)),
    ]
    assert verdicts(ignored)["price"].ok


def test_the_price_verdict_names_the_first_10_and_counts_the_rest():
    g = verdicts([price_update(n, "100", "1") for n in range(13)])["price"]
    assert g.numbers["changed"] == 13 and len(g.numbers["prices"]) == 13
    assert g.message.count(" -> 1 ") == 10 and g.message.endswith("; and 3 more.")
    with pytest.raises(UnsafePlan, match="need --allow-price"):
        raise_if_unsafe([g], allow_delete=True, allow_bulk=True)


def test_recorded_allow_flags_are_display_only_and_unknown_ones_are_dropped():
    plan = sample_plan()
    allowed = replace(plan, allowed=("--allow-delete",))
    assert allowed.plan_id == plan.plan_id
    data = json.loads(allowed.to_json())
    assert data["allowed"] == ["--allow-delete"]
    data["allowed"] = ["--allow-delete", "--allow-everything", 7]
    assert Plan.from_json(json.dumps(data)).allowed == ("--allow-delete",)
