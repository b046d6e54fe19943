"""Variant renames through apply (``renamedFrom``, issue 15): Shoptet's ``code`` + ``newCode``
in the product PATCH keeps the variant's stock, prices and history; compare-before-write and
the catalog's authority cover renames like every other change. In-process sandbox."""

from __future__ import annotations

import pytest

from reconciler.apply import bodies as W
from reconciler.apply.check import Verdict, check, renamed_keys
from reconciler.apply.program import Part, Step, request
from reconciler.errors import StalePlan
from reconciler.model import Catalog, Product, Variant
from reconciler.pipeline import apply_plan
from reconciler.plan.model import RENAME_FIELD, Action, Change, FieldChange, Resource
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, loaded, plan_of, run_cli, write_catalog, write_requests
from tests.support.sandbox_client import sandbox_client

BRA = "693b24f4-fa81-5f3e-9d7f-6419a06506d5"  # Káva Brazílie Santos in the demo shop
OLD, NEW = "KAV-BRA-500", "KAV-BRA-0500"


def renaming(old: str = OLD, **fields) -> Catalog:
    return Catalog(products={BRA: Product(variants={NEW: Variant(renamedFrom=old, **fields)})})


def variants(sb: Sandbox) -> dict[str, dict]:
    product = next(p for p in sb.state()["products"] if p["guid"] == BRA)
    return {v["code"]: v for v in product["variants"]}


def test_apply_renames_the_variant_and_keeps_its_stock_and_prices():
    sb = Sandbox(demo_state())
    before = variants(sb)[OLD]
    desired = renaming(price="440.00")
    plan = plan_of(sb, desired)
    assert [(c.resource, c.action, c.renamed_from) for c in plan.changes] == [
        (Resource.VARIANT, Action.UPDATE, OLD),
        (Resource.PRICE, Action.UPDATE, None),
    ]
    with sandbox_client(sb) as client:
        start = len(sb.request_log)
        result = apply_plan(plan, client, loaded(desired))
    assert result.ok, (result.outcomes, result.unconverged)
    writes = write_requests(sb, start)
    assert [(w["method"], w["path"]) for w in writes] == [
        ("PATCH", f"/api/products/{BRA}"),
        ("PATCH", "/api/pricelists/1"),
    ]  # no POST: no new variant; no stock movement: the stock stays where it was
    after = variants(sb)
    assert OLD not in after and len(after) == 3
    renamed = after[NEW]
    assert renamed["stocks"] == before["stocks"]
    assert renamed["ean"] == before["ean"]
    assert renamed["prices"]["1"] == {**before["prices"]["1"], "price": "440.00"}
    # the rename is done: the catalog may keep renamedFrom, the next plan is empty
    assert plan_of(sb, desired).is_empty
    # and the same plan again writes nothing: every change is already live
    with sandbox_client(sb) as client:
        start = len(sb.request_log)
        again = apply_plan(plan, client, loaded(desired))
    assert again.ok and write_requests(sb, start) == []


def test_a_forged_rename_the_catalog_does_not_make_is_refused_without_writes():
    sb = Sandbox(demo_state())
    plan = plan_of(sb, renaming())
    plain_new = Catalog(
        products={BRA: Product(variants={NEW: Variant(parameters={"Hmotnost": "100 g"})})}
    )
    other_old = renaming(old="KAV-BRA-1000")
    for catalog, said in (
        (plain_new, f"the catalog does not rename {OLD}"),
        (other_old, f"the catalog renames KAV-BRA-1000 to {NEW}"),
    ):
        with sandbox_client(sb) as client:
            start = len(sb.request_log)
            with pytest.raises(StalePlan) as info:
                apply_plan(plan, client, loaded(catalog))
        assert "does not match the checked-out catalog" in str(info.value)
        assert said in str(info.value)
        assert write_requests(sb, start) == []
    assert OLD in variants(sb)


@pytest.mark.parametrize(
    "move, reason",
    [
        ("delete-old", f"variant {OLD} (to be renamed to {NEW}) no longer exists in the shop"),
        ("create-new", f"variant {NEW} was created in the shop since the plan"),
    ],
)
def test_when_the_shop_moved_since_the_plan_the_rename_is_refused(move, reason):
    sb = Sandbox(demo_state())
    desired = renaming(price="440.00")
    plan = plan_of(sb, desired)
    with sandbox_client(sb) as client:
        if move == "delete-old":
            client.delete_variant(OLD)
        else:
            client.patch_product(
                BRA,
                {
                    "variants": [
                        {
                            "code": NEW,
                            "parameters": [{"nameIndex": "hmotnost", "valueIndex": "100-g"}],
                        }
                    ]
                },
            )
        start = len(sb.request_log)
        with pytest.raises(StalePlan) as info:
            apply_plan(plan, client, loaded(desired))
    assert reason in str(info.value)
    assert write_requests(sb, start) == []


def test_the_rename_request_is_code_and_new_code_with_the_other_fields():
    rename = Change(
        Action.UPDATE,
        Resource.VARIANT,
        BRA,
        NEW,
        fields=(FieldChange(RENAME_FIELD, OLD, NEW), FieldChange("ean", "1", "2")),
    )
    req = request(Step.PRODUCT, BRA, [Part(rename, {RENAME_FIELD: NEW, "ean": "2"})])
    assert req is not None
    assert req.body == {"variants": [{"code": OLD, "newCode": NEW, "ean": "2"}]}
    # a rename already done but another field still to write: the item names the new code
    done = request(Step.PRODUCT, BRA, [Part(rename, {"ean": "2"})])
    assert done is not None and done.body == {"variants": [{"code": NEW, "ean": "2"}]}
    assert W.NEW_CODE == "newCode"


def _form(**codes):
    return {"fields": {}, "variants": {c: dict(v) for c, v in codes.items()}}


def test_compare_before_write_of_a_rename_and_its_price():
    rename = Change(
        Action.UPDATE, Resource.VARIANT, BRA, NEW, fields=(FieldChange(RENAME_FIELD, OLD, NEW),)
    )
    price = Change(
        Action.UPDATE, Resource.PRICE, BRA, NEW, fields=(FieldChange("price", "435", "440"),)
    )
    renamed = renamed_keys([rename, price])
    assert renamed == {(BRA, NEW): OLD}

    def verdicts(form):
        return [check(c, form, set(), None, renamed).verdict for c in (rename, price)]

    assert verdicts(_form(**{OLD: {"price": "435"}})) == [Verdict.WRITE, Verdict.WRITE]
    assert verdicts(_form(**{NEW: {"price": "440"}})) == [Verdict.DONE, Verdict.DONE]
    assert verdicts(_form(**{NEW: {"price": "435"}})) == [Verdict.DONE, Verdict.WRITE]
    both = _form(**{OLD: {"price": "435"}, NEW: {"price": "435"}})
    assert verdicts(both) == [Verdict.CONFLICT, Verdict.CONFLICT]
    assert verdicts(_form()) == [Verdict.CONFLICT, Verdict.CONFLICT]
    # without the plan's renames the price of NEW would have nothing to compare with
    assert check(price, _form(**{OLD: {"price": "435"}}), set()).verdict is Verdict.CONFLICT


@pytest.mark.http
def test_yaml_rename_through_plan_and_apply_on_the_command_line(
    shop, tmp_path, monkeypatch, capsys
):
    """The catalog manager's path: `renamedFrom` in YAML, `plan` shows the rename, `apply`
    renames in the shop (stock kept), the next plan is empty with renamedFrom still there."""
    sb, url = shop
    stock = variants(sb)[OLD]["stocks"]
    write_catalog(tmp_path, {BRA: {"variants": {NEW: {"renamedFrom": OLD, "price": "440.00"}}}})
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=url)
    assert code == 0, err
    assert f"~ variant {OLD} -> {NEW} (renamed)" in out
    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply", "p.json", "--auto-approve"], url=url
    )
    assert code == 0, err
    assert not any(w["method"] == "POST" for w in write_requests(sb, start))
    after = variants(sb)
    assert OLD not in after and after[NEW]["stocks"] == stock
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["plan"], url=url)
    assert code == 0 and "No changes to write." in out  # the other two variants are noted
    assert "(renamed)" not in out and f"variant {OLD} " not in out
