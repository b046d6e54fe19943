"""Reading a journal for revert (``reconciler.apply.revert``, pure): which writes count, how
they are undone, and every way a journal is refused (old, not a journal, edited), located."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.apply.revert import JournalFileError, read_journal, revert_changes
from reconciler.plan.model import Action

G = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
SHOP = {"eshopId": 7, "pricelistId": 1, "defaultStockId": 1}


def rec(cid: str, action: str, fields: dict[str, tuple[Any, Any]], **kw: Any) -> dict:
    resource, _, rest = cid.partition(":")
    parts = rest.split(":")
    return {
        "change": cid,
        "action": action,
        "resource": resource,
        "guid": parts[0],
        "code": parts[1] if len(parts) > 1 else None,
        "stockId": int(parts[2]) if len(parts) > 2 else None,
        "fields": [{"field": f, "before": b, "after": a} for f, (b, a) in fields.items()],
        **kw,
    }


def line(*records: dict, outcome: str = "written", **kw: Any) -> dict:
    return {
        "kind": "write",
        "planId": "p" * 64,
        "outcome": outcome,
        "shop": SHOP,
        "errors": [],
        "writes": list(records),
        **kw,
    }


def journal(*lines: dict) -> bytes:
    return "".join(json.dumps(x) + "\n" for x in lines).encode()


def changes(*lines: dict):
    return {c.id: c for c in revert_changes(read_journal(journal(*lines), "j.jsonl"))}


def test_an_update_goes_back_from_the_first_before_to_the_last_after():
    price = rec(f"price:{G}:A1", "update", {"price": ("100", "120")})
    again = rec(f"price:{G}:A1", "update", {"price": ("120", "130")})
    out = changes(line(price), line(again))
    (c,) = out.values()
    assert (c.action, c.before, c.after) == (Action.UPDATE, {"price": "130"}, {"price": "100"})


def test_stock_goes_back_to_the_earlier_physical_amount():
    out = changes(line(rec(f"stock:{G}:A1:2", "update", {"stock": ("7", "12")})))
    c = out[f"stock:{G}:A1:2"]
    assert (c.stock_id, c.before, c.after) == (2, {"stock": "12"}, {"stock": "7"})


def test_creates_become_deletes_and_their_prices_and_stock_go_with_them():
    product = rec(f"product:{G}", "create", {"name": (None, "Čaj")})
    variant = rec(f"variant:{G}:A1", "create", {})
    price = rec(f"price:{G}:A1", "create", {"price": (None, "10")})
    later = rec(f"product:{G}", "update", {"name": ("Čaj", "Čaj 2")})
    out = changes(line(product, variant, price), line(later))
    assert list(out) == [f"product:{G}"]  # its variants go with it (one DELETE)
    assert out[f"product:{G}"].action is Action.DELETE
    assert out[f"product:{G}"].before == {"name": "Čaj"}


def test_a_delete_is_restored_from_its_recorded_form_with_values_from_before_the_apply():
    form = {
        "fields": {"name": "Káva 2", "visibility": "hidden", "unknownThing": "x"},
        "variants": {
            "A1": {
                "ean": "00123",
                "price": "10",
                "negativeStockAllowed": True,
                "stock": {"1": "5", "2": "0"},
            }
        },
    }
    earlier = rec(f"product:{G}", "update", {"name": ("Káva", "Káva 2")})
    delete = rec(f"product:{G}", "delete", {}, deleted=form)
    out = changes(line(earlier), line(delete))
    c = out[f"product:{G}"]
    assert c.action is Action.CREATE and c.after == {"name": "Káva", "visibility": "hidden"}
    assert "not restored: images" in (c.reason or "")
    assert out[f"variant:{G}:A1"].after == {"ean": "00123"}  # negativeStockAllowed left out
    assert out[f"price:{G}:A1"].after == {"price": "10"}
    assert out[f"stock:{G}:A1:1"].after == {"stock": "5"}
    assert out[f"stock:{G}:A1:2"].after == {"stock": "0"}


def test_a_deleted_last_variant_brings_its_product_back_too():
    """Shoptet deletes a product with its last variant, so restoring the variant alone would
    find no product: the journal records the product, and the revert creates both."""
    form = {"fields": {"name": "Káva"}, "variants": {"A1": {"ean": "1"}}, "withProduct": True}
    out = changes(line(rec(f"variant:{G}:A1", "delete", {}, deleted=form)))
    assert list(out) == [f"product:{G}", f"variant:{G}:A1"]
    assert out[f"product:{G}"].after == {"name": "Káva"}
    assert out[f"variant:{G}:A1"].action is Action.CREATE


def test_a_rename_is_renamed_back_and_its_price_follows_the_old_code():
    rename = rec(f"variant:{G}:NEW", "update", {"code": ("OLD", "NEW"), "ean": ("1", "2")})
    price = rec(f"price:{G}:NEW", "update", {"price": ("10", "11")})
    out = changes(line(rename), line(price))
    back = out[f"variant:{G}:OLD"]
    assert back.renamed_from == "NEW" and back.after == {"code": "OLD", "ean": "1"}
    assert out[f"price:{G}:OLD"].after == {"price": "10"}


def test_which_outcomes_count_as_written():
    a, b = (rec(f"price:{G}:{c}", "update", {"price": ("1", "2")}) for c in ("A", "B"))
    partial = line(a, b, outcome="partial", errors=[{"instance": "B", "message": "no"}])
    assert list(changes(partial)) == [f"price:{G}:A"]
    assert changes(line(a, outcome="failed"), line(b, outcome="already done")) == {}
    assert list(changes(line(a, outcome="interrupted"))) == [f"price:{G}:A"]
    lost = line(a, b, outcome="unknown")
    reread = {"kind": "reread", "applied": [f"price:{G}:B"], "resend": [f"price:{G}:A"]}
    assert list(changes(lost, reread)) == [f"price:{G}:B"]
    assert len(changes(lost)) == 2  # no reread after it (a crash): it may have landed


def test_registry_additions_are_kept():
    param = {"change": "parameter:barva", "action": "create", "resource": "parameter"}
    assert changes(line({**param, "guid": "", "code": "barva", "fields": []})) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{not json\n", "j.jsonl line 1 is not JSON"),
        (b"[1]\n", "j.jsonl line 1 is not a JSON object"),
        (b"\xff\n", "is not UTF-8"),
        (b"", "records no write"),
        (
            journal({"kind": "write", "outcome": "written", "changes": ["product:x"]}),
            "j.jsonl line 1 was written by an older shoptet-catalog",
        ),
        (journal({"kind": "plan"}), "has kind 'plan'"),
        (
            journal(line(rec(f"product:{G}", "update", {"password": ("a", "b")}))),
            "line 1: product field 'password' is not a field the catalog manages",
        ),
        (
            journal(line(rec(f"price:{G}:A", "update", {"price": ("1", "1e9")}))),
            "line 1: price after '1e9' is not a valid price value",
        ),
        (
            journal(line(rec(f"variant:{G}:A", "update", {"visible": ("yes", True)}))),
            "visible before 'yes' is not a valid visible value",
        ),
        (
            journal(line(rec(f"variant:{G}:A", "update", {"measureUnit": (None, {"price": "1"})}))),
            "measureUnit after {'price': '1'} is not a valid measureUnit value",
        ),
        (
            journal(
                line(
                    rec(
                        f"variant:{G}:A", "update", {"measureUnit": (None, {"measureUnitId": "kg"})}
                    )
                )
            ),
            "measureUnit after {'measureUnitId': 'kg'} is not a valid measureUnit value",
        ),
        (
            journal(
                line(
                    rec(
                        f"variant:{G}:A",
                        "update",
                        {"measureUnit": ({"packagingAmount": "1e9", "measureUnitId": -16}, None)},
                    )
                )
            ),
            "measureUnit before {'packagingAmount': '1e9', 'measureUnitId': -16} is not a valid",
        ),
        (
            journal(line(rec(f"stock:{G}:A:1", "delete", {}))),
            "stock is never deleted",
        ),
        (
            journal(
                line(rec(f"price:{G}:A", "update", {})), {**line(), "shop": {**SHOP, "eshopId": 8}}
            ),
            "line 2 wrote to e-shop/pricelist/stock (8, 1, 1)",
        ),
        (
            journal(line(rec(f"product:{G}", "delete", {}))),
            "does not record what the deleted product",
        ),
        (
            journal(
                line(rec(f"product:{G}", "create", {"name": (None, "x")})),
                line(rec(f"product:{G}", "delete", {}, deleted={"fields": {}, "variants": {}})),
            ),
            "both creates and deletes",
        ),
    ],
)
def test_a_journal_that_cannot_be_reverted_is_refused_saying_where_and_why(text, message):
    with pytest.raises(JournalFileError) as info:
        revert_changes(read_journal(text, "j.jsonl"))
    assert message in str(info.value)


def test_a_refused_journal_is_a_clear_cli_error(tmp_path, monkeypatch, capsys):
    from reconciler.cli import main

    (tmp_path / "old.jsonl").write_text('{"kind": "write", "outcome": "written"}\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["--sandbox", "revert", "old.jsonl"])
    err = capsys.readouterr().err
    assert info.value.code == 1
    assert "old.jsonl line 1 was written by an older shoptet-catalog" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as info:
        main(["--sandbox", "revert", "missing.jsonl"])
    assert (
        info.value.code == 1 and "cannot read the journal missing.jsonl" in capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as info:
        main(["--sandbox", "apply", "--revert", "old.jsonl"])
    assert info.value.code == 1 and "needs the revert plan" in capsys.readouterr().err


def image(method: str, product: str = G, outcome: str = "written") -> dict:
    return {
        "kind": "image",
        "product": product,
        "method": method,
        "items": ["x"],
        "outcome": outcome,
    }


def test_gallery_writes_are_named_per_product_as_not_undone():
    other = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"
    source = read_journal(
        journal(
            line(rec(f"product:{G}", "update", {"name": ("A", "B")})),
            image("DELETE"),
            image("POST", outcome="unknown"),
            {"kind": "image-names", "product": G, "learned": [{"src": "u", "name": "7.jpg"}]},
            image("PATCH", other.upper()),
            image("POST", other, outcome="failed"),  # refused: wrote nothing
        ),
        "j.jsonl",
    )
    assert source.galleries == (
        (G, ("added", "deleted")),
        (other, ("reordered or re-described",)),
    )
    assert set(changes(line(rec(f"product:{G}", "update", {"name": ("A", "B")})))) == {
        f"product:{G}"
    }


def test_a_journal_of_gallery_writes_alone_says_revert_does_not_undo_them():
    with pytest.raises(JournalFileError, match=f"only image gallery changes \\({G}\\)"):
        read_journal(journal(image("POST")), "j.jsonl")


@pytest.mark.parametrize("bad", [{"product": None}, {"method": "PUT"}])
def test_an_edited_image_line_is_refused_naming_the_line(bad):
    with pytest.raises(JournalFileError, match=r"j\.jsonl line 2: an image line names no product"):
        read_journal(
            journal(line(rec(f"product:{G}", "update", {})), {**image("POST"), **bad}), "j.jsonl"
        )
