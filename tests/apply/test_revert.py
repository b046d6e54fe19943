"""`revert JOURNAL` and `apply --revert JOURNAL PLAN` against the sandbox over HTTP (issue 21):
an apply with updates, creates, stock, prices and deletes is undone field by field (checked
from the sandbox's state), a second revert writes nothing, a value changed after the apply is a
conflict, and the revert plan and the journal are claims apply checks."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reconciler.fields import read_negative_stock_allowed
from tests.apply.support import demo_state, run_cli, write_catalog, write_requests

pytestmark = pytest.mark.http

STATE = demo_state()
ONE, TWO, THREE, FOUR = (p["guid"] for p in STATE["products"][:4])
CAT = STATE["products"][0]["defaultCategoryGuid"]
NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"

# Everything the catalog manages, per product and variant, as the sandbox stores it.
PRODUCT_KEYS = [
    "type",
    "name",
    "visibility",
    "shortDescription",
    "description",
    "metaTitle",
    "metaDescription",
    "additionalName",
    "internalNote",
    "brandCode",
    "defaultCategoryGuid",
]
VARIANT_KEYS = ["ean", "manufacturerCode", "weight", "visible", "availabilityId", "minStockSupply"]
PRICE_KEYS = ("price", "commonPrice", "vatRate", "includingVat")


def managed(state: dict) -> dict[str, Any]:
    out = {}
    for p in state["products"]:
        variants = {}
        for v in p["variants"]:
            variants[v["code"]] = {
                **{k: v.get(k) for k in VARIANT_KEYS},
                "negativeStockAllowed": read_negative_stock_allowed(v.get("negativeStockAllowed")),
                "parameters": sorted((x["nameIndex"], x["valueIndex"]) for x in v["parameters"]),
                "prices": {k: (v["prices"].get("1") or {}).get(k) for k in PRICE_KEYS},
                # no row reads as 0 (the live read lists every stock), so 0 is left out
                "stock": {
                    s: row["realStock"]
                    for s, row in sorted(v["stocks"].items())
                    if Decimal(row["realStock"])
                },
            }
        out[p["guid"]] = {
            **{k: p.get(k) for k in PRODUCT_KEYS},
            "categories": sorted(p["categoryGuids"]),
            "variants": variants,
        }
    return out


def forward_catalog() -> dict[str, Any]:
    """Updates (name, EAN, price, stock), a new product, a new variant on an existing one, a
    deleted product and a deleted variant."""
    return {
        TWO: {
            "name": "Káva Kolumbie (nová)",
            "variants": {
                "KAV-COL-250": {"ean": "0012345678905", "price": "199", "stock": {"1": 12}},
                "KAV-COL-500": {"absent": True},
            },
        },
        THREE: {
            "variants": {
                "KAV-BRA-2000": {
                    "price": "999",
                    "vatRate": "12",
                    "stock": 4,
                    "parameters": {"hmotnost": "100-g"},
                }
            }
        },
        ONE: {"absent": True},
        NEW: {
            "name": "Nový čaj",
            "defaultCategory": CAT,
            "variants": {"CAJ-NEW-1": {"price": "120", "vatRate": "21", "stock": {"1": 5}}},
        },
    }


def apply_forward(sb, url, tmp_path, monkeypatch, capsys) -> Path:
    write_catalog(tmp_path, forward_catalog())
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=url)
    assert code == 0, err
    args = ["apply", "p.json", "--auto-approve", "--allow-delete", "--journal", "j.jsonl"]
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, err
    return tmp_path / "j.jsonl"


def revert(monkeypatch, capsys, tmp_path, url, *extra: str) -> tuple[int, str, str]:
    args = ["revert", "j.jsonl", "--out", "r.json"]
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, err
    args = ["apply", "--revert", "j.jsonl", "r.json", "--auto-approve", *extra]
    return run_cli(monkeypatch, capsys, tmp_path, args, url=url)


def test_revert_puts_back_every_managed_field_and_a_second_revert_writes_nothing(
    shop, tmp_path, monkeypatch, capsys
):
    sb, url = shop
    before = managed(sb.state())
    journal = apply_forward(sb, url, tmp_path, monkeypatch, capsys)
    middle = managed(sb.state())
    assert ONE not in middle and NEW in middle and "KAV-COL-500" not in middle[TWO]["variants"]
    assert middle[TWO]["variants"]["KAV-COL-250"]["stock"]["1"] == "12.000"

    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["revert", "j.jsonl"], url=url)
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.startswith("- product ") and f"({NEW})" in line for line in lines)
    assert any(line.startswith("+ product ") and f"({ONE})" in line for line in lines)
    assert "~ stock: 12 -> 7" in out
    assert "not restored: images" in out  # said plainly on each restored create
    assert "git revert" in err

    code, out, err = revert(monkeypatch, capsys, tmp_path, url)
    assert code == 3, (out, err)  # the undo deletes: the delete guard applies
    assert "--allow-delete" in err

    start = len(sb.request_log)
    code, out, err = revert(monkeypatch, capsys, tmp_path, url, "--allow-delete")
    assert code == 0, err
    assert write_requests(sb, start)
    assert managed(sb.state()) == before

    start = len(sb.request_log)
    code, out, err = revert(monkeypatch, capsys, tmp_path, url, "--allow-delete")
    assert code == 0, err
    assert write_requests(sb, start) == []  # everything is already as it was
    assert "already done" in out
    assert journal.exists()


def test_a_value_changed_after_the_apply_is_a_conflict_not_overwritten(
    shop, tmp_path, monkeypatch, capsys
):
    sb, url = shop
    apply_forward(sb, url, tmp_path, monkeypatch, capsys)
    state = sb.state()
    two = next(p for p in state["products"] if p["guid"] == TWO)
    two["name"] = "Someone renamed it in the admin"
    sb.load_state(state)
    start = len(sb.request_log)
    code, out, err = revert(monkeypatch, capsys, tmp_path, url, "--allow-delete")
    assert code == 4, (out, err)
    assert f"product:{TWO}" in err and "Someone renamed it in the admin" in err
    assert "never overwritten" in err
    assert write_requests(sb, start) == []
    now = next(p for p in sb.state()["products"] if p["guid"] == TWO)
    assert now["name"] == "Someone renamed it in the admin"


def test_an_edited_journal_or_plan_is_refused(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    journal = apply_forward(sb, url, tmp_path, monkeypatch, capsys)
    code, _, err = run_cli(
        monkeypatch, capsys, tmp_path, ["revert", "j.jsonl", "--out", "r.json"], url=url
    )
    assert code == 0, err
    start = len(sb.request_log)
    args = ["apply", "--revert", "j.jsonl", "r.json", "--auto-approve", "--allow-delete"]

    lines = journal.read_text(encoding="utf-8").splitlines()
    journal.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one line dropped
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 4 and "digest" in err
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")

    plan = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    plan["changes"] = plan["changes"][1:]  # a change removed, the planId recomputed
    from reconciler.plan.model import plan_id_of

    plan["planId"] = plan_id_of(plan)
    (tmp_path / "r.json").write_text(json.dumps(plan), encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 4 and "not the ones its journal gives" in err

    code, _, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply", "r.json", "--auto-approve"], url=url
    )
    assert code == 1 and "apply --revert JOURNAL PLAN" in err
    args = ["apply", "--revert", "j.jsonl", "p.json", "--auto-approve"]  # an ordinary plan
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 1 and "--revert takes a plan made by `shoptet-catalog revert`" in err
    assert write_requests(sb, start) == []


def test_a_revert_of_another_shop_is_refused(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    journal = apply_forward(sb, url, tmp_path, monkeypatch, capsys)
    lines = [json.loads(x) for x in journal.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line["shop"]["eshopId"] += 1
    journal.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["revert", "j.jsonl"], url=url)
    assert code == 4 and "wrote to e-shop" in err


def test_a_delete_whose_state_cannot_be_read_for_the_journal_is_not_sent():
    """The journal must say what a delete removed, or the delete could not be reverted: when
    that read fails, the delete is failed, not sent; the other writes go ahead."""
    from reconciler import errors as E
    from reconciler.apply.journal import Journal
    from reconciler.apply.preflight import ApplyOptions, Status, live_reader
    from reconciler.desired.load import LoadedCatalog
    from reconciler.model import Catalog
    from reconciler.pipeline import apply_plan
    from reconciler.sandbox import Sandbox
    from tests.apply.support import loaded, plan_of
    from tests.support.sandbox_client import sandbox_client

    sb = Sandbox.from_seed("demo")
    desired = Catalog.model_validate(
        {"products": {TWO: {"name": "Nové jméno", "variants": {"KAV-COL-500": {"absent": True}}}}}
    )
    catalog: LoadedCatalog = loaded(desired)
    plan = plan_of(sb, catalog)
    journal = Journal(None, plan.plan_id)
    with sandbox_client(sb) as client:
        read = live_reader(client, plan, 1)
        calls: list[object] = []

        def fails_the_second_time(guids):
            calls.append(guids)
            if len(calls) == 2:
                raise E.ServerError("Shoptet is down", status=503)
            return read(guids)

        result = apply_plan(
            plan,
            client,
            catalog,
            read_live=fails_the_second_time,
            options=ApplyOptions(allow_delete=True),
            journal=journal,
        )
    gone = result.outcomes[f"variant:{TWO}:KAV-COL-500"]
    assert gone.status is Status.FAILED and "could not be read for the journal" in gone.message
    assert result.outcomes[f"product:{TWO}"].status is Status.WRITTEN
    assert [x["method"] for x in journal.lines] == ["PATCH"]
    codes = [v["code"] for p in sb.state()["products"] if p["guid"] == TWO for v in p["variants"]]
    assert "KAV-COL-500" in codes


def test_a_revert_has_a_journal_of_its_own_and_can_be_reverted_in_turn(
    shop, tmp_path, monkeypatch, capsys
):
    sb, url = shop
    apply_forward(sb, url, tmp_path, monkeypatch, capsys)
    middle = managed(sb.state())
    code, _, err = revert(
        monkeypatch, capsys, tmp_path, url, "--allow-delete", "--journal", "r.jsonl"
    )
    assert code == 0, err
    assert managed(sb.state()) != middle
    args = ["revert", "r.jsonl", "--out", "rr.json"]
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, err
    args = ["apply", "--revert", "r.jsonl", "rr.json", "--auto-approve", "--allow-delete"]
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, err
    assert managed(sb.state()) == middle


def test_a_deleted_last_variant_comes_back_with_its_product(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    before = managed(sb.state())
    write_catalog(tmp_path, {ONE: {"variants": {"KAV-ETH-250": {"absent": True}}}})
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=url)
    assert code == 0, err
    args = ["apply", "p.json", "--auto-approve", "--allow-delete", "--journal", "j.jsonl"]
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, err
    assert ONE not in managed(sb.state())  # Shoptet deleted the product with it
    code, _, err = revert(monkeypatch, capsys, tmp_path, url)
    assert code == 0, err
    assert managed(sb.state()) == before


def test_a_journal_writing_to_products_the_catalog_does_not_mention_is_refused(
    shop, tmp_path, monkeypatch, capsys
):
    """A forged journal (valid values, right shop) aimed at a product this catalog does not
    manage: the revert command and apply both refuse it before anything is read or written."""
    from reconciler.apply.revert import read_journal, revert_plan
    from reconciler.desired.load import load_catalog
    from reconciler.errors import UnsafePlan
    from reconciler.pipeline import apply_plan
    from tests.support.sandbox_client import sandbox_client

    sb, url = shop
    journal = apply_forward(sb, url, tmp_path, monkeypatch, capsys)
    live_price = next(p for p in sb.state()["products"] if p["guid"] == FOUR)["variants"][0]
    forged = {
        "kind": "write",
        "outcome": "written",
        "planId": "f" * 64,
        "shop": json.loads(journal.read_text().splitlines()[0])["shop"],
        "writes": [
            {
                "change": f"price:{FOUR}:KAV-KEN-250",
                "action": "update",
                "resource": "price",
                "guid": FOUR,
                "code": "KAV-KEN-250",
                "stockId": None,
                "fields": [
                    {
                        "field": "price",
                        "before": "1",
                        "after": live_price["prices"]["1"]["price"].rstrip("0").rstrip("."),
                    }
                ],
            }
        ],
    }
    journal.write_text(journal.read_text() + json.dumps(forged) + "\n")
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["revert", "j.jsonl"], url=url)
    assert code == 3 and f"~ price:{FOUR}:KAV-KEN-250" in err and "does not mention" in err

    source = read_journal(journal.read_bytes(), "j.jsonl")
    loaded = load_catalog(tmp_path / "catalog")
    plan = revert_plan(source, catalog_digest=loaded.digest)
    start = len(sb.request_log)
    with sandbox_client(sb, url) as client, pytest.raises(UnsafePlan, match="does not mention"):
        apply_plan(plan, client, loaded, revert=source)
    assert len(sb.request_log) == start  # refused before reading anything
