"""Forged plan files (issue 12): an attacker who can edit any file of a pull request edits
`plan.json` and re-seals its planId. Apply derives everything itself from the checked-out
catalog and the live shop, so each forgery exits 4 (or 3 for a guard) with zero writes,
counted from the sandbox's request log. Through the CLI, over HTTP, like the stale tests."""

from __future__ import annotations

import json

import pytest

from reconciler import __version__
from reconciler.plan.model import Change, Plan, plan_id_of
from tests.apply.support import run_cli, write_requests
from tests.apply.test_stale import COLOMBIA, PERU

pytestmark = pytest.mark.http

PROTECTED = "fe748bef-faf2-5218-9c48-aa428e3cb224"  # policy.protect in the example shop.yaml
UNMANAGED = "9ab2b3d7-3dba-5842-95f2-16c9ea9f5229"  # a demo-shop product no catalog file names


@pytest.fixture
def shop(saved_plan):
    return saved_plan


def forge(root, edit) -> None:
    """Edit plan.json in place with ``edit(data)`` and re-seal its planId, as an attacker
    would (the planId is a sha256 anyone can recompute)."""
    path = root / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    changes = [Change.from_dict(c) for c in data["changes"]]
    data["changes"] = [c.to_dict() for c in sorted(changes, key=lambda c: c.sort_key)]
    data["summary"] = Plan(catalog_digest="", changes=tuple(changes)).summary
    data.pop("planId", None)
    data["planId"] = plan_id_of(data)  # the planId anyone can recompute
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def change(data, change_id):
    return next(c for c in data["changes"] if c["id"] == change_id)


def product_delete(guid, name="x"):
    return {
        "id": f"product:{guid}",
        "action": "delete",
        "resource": "product",
        "guid": guid,
        "code": None,
        "stockId": None,
        "name": name,
        "source": None,
        "reason": None,
        "fields": [{"field": "name", "before": name, "after": None, "source": None}],
    }


def apply(shop, monkeypatch, capsys, *flags):
    sb, url, root = shop
    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, root, ["apply", "plan.json", "--auto-approve", *flags], url=url
    )
    return code, out + err, write_requests(sb, start)


def live_names(sb) -> dict:
    return {p["guid"]: p["name"] for p in sb.state()["products"]}


def flip_guards_ok(data):
    for g in data["guards"]:
        g["ok"] = True
        g["flag"] = None
        g["message"] = "No deletions."


def test_an_unforged_plan_applies(shop, monkeypatch, capsys):
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 0, text
    assert writes


def test_an_extra_delete_of_a_protected_product_is_refused_by_the_guard(shop, monkeypatch, capsys):
    sb, _, root = shop

    def edit(data):
        data["changes"].append(product_delete(PROTECTED, "Dárkový balíček"))
        flip_guards_ok(data)  # and the stored verdicts say all is well

    forge(root, edit)
    for flags in ((), ("--allow-delete",)):
        code, text, writes = apply(shop, monkeypatch, capsys, *flags)
        assert code == 3, text
        assert writes == []
        assert "Protected products" in text and PROTECTED in text
    assert PROTECTED in live_names(sb)


def test_an_extra_delete_of_an_unmanaged_product_is_refused(shop, monkeypatch, capsys):
    sb, _, root = shop
    assert UNMANAGED in live_names(sb)
    forge(
        root,
        lambda d: (
            d["changes"].append(product_delete(UNMANAGED, "Kakao Bio 200 g")),
            flip_guards_ok(d),
        ),
    )
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 3, text  # the recomputed delete-limit guard: deletions need the flag
    assert writes == [] and "need --allow-delete" in text
    code, text, writes = apply(shop, monkeypatch, capsys, "--allow-delete")
    assert code == 4, text  # with the flag: the catalog does not delete it
    assert writes == []
    assert f"product:{UNMANAGED}: the catalog does not delete this product" in text
    assert UNMANAGED in live_names(sb)


def test_a_changed_after_is_refused(shop, monkeypatch, capsys):
    _, _, root = shop
    price = f"price:{COLOMBIA}:KAV-COL-250"

    def edit(data):
        field = next(f for f in change(data, price)["fields"] if f["field"] == "price")
        field["after"] = "0.01"

    forge(root, edit)
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 3, text  # the recomputed price guard sees a 209 -> 0.01 drop first
    assert writes == [] and "need --allow-price" in text
    code, text, writes = apply(shop, monkeypatch, capsys, "--allow-price")
    assert code == 4, text
    assert writes == []
    assert f"{price}: price -> '0.01', but the catalog states '219'" in text


def test_a_field_removed_from_a_create_is_refused(shop, monkeypatch, capsys):
    _, _, root = shop

    def edit(data):
        create = change(data, f"product:{PERU}")
        create["fields"] = [f for f in create["fields"] if f["field"] != "visibility"]

    forge(root, edit)
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 4, text
    assert writes == []
    assert (
        f"product:{PERU}: the catalog states visibility = 'visible', which the plan leaves out"
        in text
    )


def test_a_change_the_catalog_does_not_make_is_refused(shop, monkeypatch, capsys):
    _, _, root = shop

    def edit(data):
        update = change(data, f"price:{COLOMBIA}:KAV-COL-250")
        update["fields"].append(
            {"field": "commonPrice", "before": None, "after": "999", "source": None}
        )

    forge(root, edit)
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 4, text
    assert writes == []
    assert "commonPrice -> '999' is not a change the catalog makes" in text


def test_a_removed_follow_up_of_a_create_is_refused(shop, monkeypatch, capsys):
    _, _, root = shop
    dropped = []

    def edit(data):
        keep = []
        for c in data["changes"]:
            if c["guid"] == PERU and c["resource"] == "price" and not dropped:
                dropped.append(c["id"])
            else:
                keep.append(c)
        data["changes"] = keep

    forge(root, edit)
    assert dropped, "the example plan creates a product with a follow-up price"
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 4, text
    assert writes == []
    assert f"{dropped[0]}: the catalog creates this" in text


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("eshopId", None, "the plan names no e-shop"),
        ("eshopId", 999999, "the plan was made for e-shop 999999"),
        ("pricelistId", None, "the plan names no pricelist"),
        ("pricelistId", 7, "the plan was made for pricelist 7"),
        ("defaultStockId", None, "the plan names no default stock"),
        ("defaultStockId", 2, "the plan was made for default stock 2"),
        ("toolVersion", "9.9.9", "the plan was made by shoptet-catalog '9.9.9'"),
    ],
)
def test_a_forged_header_is_refused(shop, monkeypatch, capsys, key, value, message):
    _, _, root = shop
    forge(root, lambda d: d.__setitem__(key, value))
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 4, text
    assert writes == []
    assert message in text
    if key == "toolVersion":
        assert __version__ in text


def test_a_plan_file_without_its_planid_seal_is_still_refused(shop, monkeypatch, capsys):
    """The old check stays: an edit without re-sealing is refused before anything is read."""
    _sb, _, root = shop
    path = root / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["eshopId"] = None
    path.write_text(json.dumps(data), encoding="utf-8")
    code, text, writes = apply(shop, monkeypatch, capsys)
    assert code == 1 and "planId does not match" in text
    assert writes == []
