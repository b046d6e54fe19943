"""The open-orders guard (issue 19) end to end over HTTP: deleting or hiding a product or
variant that open orders claim is refused at apply (exit 3, zero writes, claims read afresh)
until --allow-open-orders; the verdict names the order codes as text, with amounts."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.model import plan_id_of
from tests.apply.support import demo_state, run_cli, write_catalog, write_requests

pytestmark = pytest.mark.http


def with_order(sb, code: str, variant_code: str, amount: int, status: int = -1) -> dict:
    """The demo shop plus one order claiming ``amount`` of ``variant_code`` (the variant's
    claim raised to match, as Shoptet keeps them); returns the product."""
    doc = demo_state()
    doc.pop("orders")  # only this test's order: the demo's own open orders are elsewhere
    product = next(
        p for p in doc["products"] if any(v["code"] == variant_code for v in p["variants"])
    )
    variant = next(v for v in product["variants"] if v["code"] == variant_code)
    row = variant["stocks"][str(doc["defaultStockId"])]
    row["claim"] = f"{int(float(row['claim'])) + amount}.000"
    doc.setdefault("orders", []).append(
        {
            "code": code,
            "statusId": status,
            "items": [{"productCode": variant_code, "amount": f"{amount}.000"}],
        }
    )
    sb.load_state(doc)
    return product


def first_products(n: int) -> dict[str, dict]:
    return {p["guid"]: {"name": p["name"]} for p in demo_state()["products"][:n]}


def cli(shop, tmp_path, monkeypatch, capsys, *args):
    sb, url = shop
    start = len(sb.request_log)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, list(args), url=url)
    return code, out + err, write_requests(sb, start)


def guard_of(path) -> dict:
    return {g["name"]: g for g in json.loads(path.read_text())["guards"]}["open-orders"]


def test_a_tombstone_on_a_product_with_an_open_order_is_refused_until_allowed(
    shop, tmp_path, monkeypatch, capsys
):
    products = first_products(12)
    victim = demo_state()["products"][3]
    code0 = victim["variants"][0]["code"]
    with_order(shop[0], "0001234", code0, 2)
    products[victim["guid"]] = {"absent": True}
    write_catalog(tmp_path, products)

    code, text, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert code == 0, text
    guard = guard_of(tmp_path / "plan.json")
    assert guard["ok"] is False and guard["flag"] == "--allow-open-orders"
    assert guard["numbers"]["orders"] == ["0001234"]  # text, leading zeros kept
    assert guard["numbers"]["claimed"] == {code0: "2"}
    assert "visibility: hidden" in guard["message"]

    code, text, writes = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "apply",
        "plan.json",
        "--auto-approve",
        "--allow-delete",
    )
    assert code == 3, text
    assert writes == []
    assert '"0001234" (2)' in text and "--allow-open-orders" in text

    code, text, writes = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "apply",
        "plan.json",
        "--auto-approve",
        "--allow-delete",
        "--allow-open-orders",
    )
    assert code == 0, text
    assert [w["method"] for w in writes] == ["DELETE"]


def test_hiding_a_claimed_product_is_refused_and_allowed_with_the_flag(
    shop, tmp_path, monkeypatch, capsys
):
    products = first_products(12)
    victim = demo_state()["products"][2]
    with_order(shop[0], "2026-A-17", victim["variants"][0]["code"], 1)
    products[victim["guid"]] = {"name": victim["name"], "visibility": "hidden"}
    write_catalog(tmp_path, products)
    code, text, writes = cli(shop, tmp_path, monkeypatch, capsys, "apply", "--auto-approve")
    assert code == 3, text
    assert writes == []
    assert '"2026-A-17" (1)' in text and "hidden" in text
    assert "instead of deleting" not in text  # nothing is deleted: no hide advice
    code, text, writes = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "--auto-approve", "--allow-open-orders"
    )
    assert code == 0, text
    assert [w["method"] for w in writes] == ["PATCH"]


def test_an_order_placed_after_the_plan_is_found_by_apply(shop, tmp_path, monkeypatch, capsys):
    products = first_products(12)
    victim = demo_state()["products"][3]
    products[victim["guid"]] = {"absent": True}
    write_catalog(tmp_path, products)
    code, text, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert code == 0, text
    assert guard_of(tmp_path / "plan.json")["ok"] is True
    with_order(shop[0], "0000099", victim["variants"][0]["code"], 1)  # after the plan
    code, text, writes = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "apply",
        "plan.json",
        "--auto-approve",
        "--allow-delete",
    )
    assert code == 3, text
    assert writes == [] and '"0000099"' in text


def test_a_forged_plan_without_the_verdict_is_still_refused(shop, tmp_path, monkeypatch, capsys):
    products = first_products(12)
    victim = demo_state()["products"][3]
    with_order(shop[0], "0001234", victim["variants"][0]["code"], 2)
    products[victim["guid"]] = {"absent": True}
    write_catalog(tmp_path, products)
    code, text, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert code == 0, text
    data = json.loads((tmp_path / "plan.json").read_text())
    data["guards"] = [g for g in data["guards"] if g["name"] != "open-orders"]
    data["planId"] = plan_id_of(data)  # an attacker recomputes it
    (tmp_path / "plan.json").write_text(json.dumps(data))
    code, text, writes = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "apply",
        "plan.json",
        "--auto-approve",
        "--allow-delete",
    )
    assert code == 3, text  # apply reads the claims itself
    assert writes == []


def test_closed_orders_and_completed_items_claim_nothing(shop, tmp_path, monkeypatch, capsys):
    products = first_products(12)
    victim = demo_state()["products"][3]
    with_order(shop[0], "0000001", victim["variants"][0]["code"], 2, status=-3)  # dispatched
    products[victim["guid"]] = {"absent": True}
    write_catalog(tmp_path, products)
    code, text, writes = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "--auto-approve", "--allow-delete"
    )
    assert code == 0, text
    assert [w["method"] for w in writes] == ["DELETE"]


def test_plan_detailed_exitcode_is_3_for_open_orders_and_2_with_the_flag_it_records(
    shop, tmp_path, monkeypatch, capsys
):
    products = first_products(12)
    victim = demo_state()["products"][2]
    with_order(shop[0], "0001234", victim["variants"][0]["code"], 1)
    products[victim["guid"]] = {"name": victim["name"], "visibility": "hidden"}
    write_catalog(tmp_path, products)
    code, text, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--detailed-exitcode")
    assert code == 3, text
    assert "open-orders guard (label shoptet:allow-open-orders)" in text
    code, text, _ = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "plan",
        "--detailed-exitcode",
        "--allow-open-orders",
        "--out",
        "plan.json",
    )
    assert code == 2, text
    assert "allowed by --allow-open-orders" in text
    assert json.loads((tmp_path / "plan.json").read_text())["allowed"] == ["--allow-open-orders"]


def test_a_plan_that_deletes_and_hides_nothing_reads_no_claims(shop, tmp_path, monkeypatch, capsys):
    sb, _ = shop
    products = first_products(3)
    first = demo_state()["products"][0]
    products[first["guid"]] = {"name": first["name"] + " X"}
    write_catalog(tmp_path, products)
    start = len(sb.request_log)
    code, text, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert code == 0, text
    assert not [
        r for r in sb.request_log[start:] if "/orders" in r["path"] or "supplies" in r["path"]
    ]
    assert "open-orders" not in {
        g["name"] for g in json.loads((tmp_path / "plan.json").read_text())["guards"]
    }
