"""policy.stockBelowClaim (issue 19): with ``refuse``, physical stock set below what open orders
claim is a guard verdict (exit 3, zero writes) until --allow-stock-below-claim; apply reads the
claims again before writing (never from the plan file). ``warn`` (the default) keeps it a plan
warning."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.model import plan_id_of
from tests.apply.support import demo_state, run_cli, write_catalog, write_requests

pytestmark = pytest.mark.http

REFUSE = {"policy": {"stockBelowClaim": "refuse"}}


def claimed(sb, claim: int) -> tuple[str, str, int]:
    """The demo shop with its first variant at physical stock 10 of which open orders claim
    ``claim`` in the default stock; returns (guid, code, stock id)."""
    doc = demo_state()
    product = doc["products"][0]
    variant = product["variants"][0]
    stock = doc["defaultStockId"]
    variant["stocks"][str(stock)] = {"realStock": "10.000", "claim": f"{claim}.000"}
    sb.load_state(doc)
    return product["guid"], variant["code"], stock


def set_claim(sb, code: str, stock: int, claim: int) -> None:
    """Orders arrive: the variant's claim in ``stock`` becomes ``claim`` (physical unchanged)."""
    doc = sb.state()
    for product in doc["products"]:
        for variant in product["variants"]:
            if variant["code"] == code:
                variant["stocks"][str(stock)]["claim"] = f"{claim}.000"
    sb.load_state(doc)


def setup(shop, tmp_path, claim: int, stock: int, policy: dict | None = REFUSE):
    guid, code, stock_id = claimed(shop[0], claim)
    write_catalog(tmp_path, {guid: {"variants": {code: {"stock": {str(stock_id): stock}}}}}, policy)
    return guid, code, stock_id


def cli(shop, tmp_path, monkeypatch, capsys, *args):
    sb, url = shop
    start = len(sb.request_log)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, list(args), url=url)
    return code, out + err, write_requests(sb, start), sb.request_log[start:]


def guards_of(path) -> dict:
    return {g["name"]: g for g in json.loads(path.read_text())["guards"]}


def test_refuse_makes_stock_below_the_claim_a_guard_until_allowed(
    shop, tmp_path, monkeypatch, capsys
):
    _, code, stock_id = setup(shop, tmp_path, claim=3, stock=2)
    rc, text, _, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert rc == 0, text
    guard = guards_of(tmp_path / "plan.json")["stock-below-claim"]
    assert guard["ok"] is False and guard["flag"] == "--allow-stock-below-claim"
    assert f"variant {code} in stock {stock_id}: 2 below the 3 open orders claim" in guard["message"]
    assert "needs --allow-stock-below-claim" in text

    rc, text, writes, _ = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "plan.json", "--auto-approve"
    )
    assert rc == 3, text
    assert writes == []
    assert "--allow-stock-below-claim" in text and "2 below the 3" in text

    rc, text, writes, _ = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "apply",
        "plan.json",
        "--auto-approve",
        "--allow-stock-below-claim",
    )
    assert rc == 0, text
    assert len(writes) == 1 and "/stocks/" in writes[0]["path"]


def test_detailed_exitcode_is_3_without_the_flag_and_2_with_it(
    shop, tmp_path, monkeypatch, capsys
):
    setup(shop, tmp_path, claim=3, stock=2)
    rc, text, _, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--detailed-exitcode")
    assert rc == 3, text
    assert "stock-below-claim" in text or "--allow-stock-below-claim" in text
    rc, text, _, _ = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "plan",
        "--detailed-exitcode",
        "--allow-stock-below-claim",
        "--out",
        "plan.json",
    )
    assert rc == 2, text
    assert json.loads((tmp_path / "plan.json").read_text())["allowed"] == [
        "--allow-stock-below-claim"
    ]
    assert "allowed by --allow-stock-below-claim" in text


def test_stock_at_or_above_the_claim_passes(shop, tmp_path, monkeypatch, capsys):
    setup(shop, tmp_path, claim=3, stock=3)
    rc, text, _, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert rc == 0, text
    assert guards_of(tmp_path / "plan.json")["stock-below-claim"]["ok"] is True
    rc, text, writes, _ = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "plan.json", "--auto-approve"
    )
    assert rc == 0, text
    assert len(writes) == 1


def test_warn_is_the_default_and_adds_no_guard_and_no_request(
    shop, tmp_path, monkeypatch, capsys
):
    setup(shop, tmp_path, claim=3, stock=2, policy=None)
    rc, text, _, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert rc == 0, text
    assert "stock-below-claim" not in guards_of(tmp_path / "plan.json")
    assert "WARNING: below the 3 open orders claim" in text
    rc, text, writes, requests = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "plan.json", "--auto-approve"
    )
    assert rc == 0, text
    assert len(writes) == 1
    assert not [r for r in requests if r["path"].endswith("/supplies")], requests


def test_orders_placed_after_the_plan_are_found_by_apply(shop, tmp_path, monkeypatch, capsys):
    _, code, stock_id = setup(shop, tmp_path, claim=3, stock=5)
    rc, text, _, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert rc == 0, text
    assert guards_of(tmp_path / "plan.json")["stock-below-claim"]["ok"] is True
    set_claim(shop[0], code, stock_id, 8)  # orders arrive between plan and apply
    rc, text, writes, requests = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "plan.json", "--auto-approve"
    )
    assert rc == 3, text
    assert writes == [] and "5 below the 8 open orders claim" in text
    claim_reads = [r for r in requests if r["path"].endswith("/supplies")]
    assert len(claim_reads) == 1, claim_reads  # one onlyWithClaim read for the one stock


def test_a_forged_plan_without_the_verdict_is_still_refused(shop, tmp_path, monkeypatch, capsys):
    setup(shop, tmp_path, claim=3, stock=2)
    rc, text, _, _ = cli(shop, tmp_path, monkeypatch, capsys, "plan", "--out", "plan.json")
    assert rc == 0, text
    data = json.loads((tmp_path / "plan.json").read_text())
    data["guards"] = [g for g in data["guards"] if g["name"] != "stock-below-claim"]
    data["names"].pop("claims", None)
    data["planId"] = plan_id_of(data)
    (tmp_path / "plan.json").write_text(json.dumps(data))
    rc, text, writes, _ = cli(
        shop, tmp_path, monkeypatch, capsys, "apply", "plan.json", "--auto-approve"
    )
    assert rc == 3, text
    assert writes == [] and "--allow-stock-below-claim" in text


def test_the_base_policy_decides_when_a_change_relaxes_it(shop, tmp_path, monkeypatch, capsys):
    """A pull request that sets warn cannot relax its own guard: --policy-from the base."""
    from tests.support.git import git

    guid, code, stock_id = setup(shop, tmp_path, claim=3, stock=10)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    base = git(tmp_path, "rev-parse", "HEAD")
    write_catalog(
        tmp_path,
        {guid: {"variants": {code: {"stock": {str(stock_id): 2}}}}},
        {"policy": {"stockBelowClaim": "warn"}},
    )
    git(tmp_path, "commit", "-q", "-am", "relax")
    rc, text, _, _ = cli(
        shop, tmp_path, monkeypatch, capsys, "plan", "--changed-since", base, "--out", "p.json"
    )
    assert rc == 0, text
    plan = json.loads((tmp_path / "p.json").read_text())
    assert {p["key"] for p in plan["policyChanges"]} == {"stockBelowClaim"}
    assert guards_of(tmp_path / "p.json")["stock-below-claim"]["ok"] is False
    rc, text, writes, _ = cli(
        shop,
        tmp_path,
        monkeypatch,
        capsys,
        "apply",
        "p.json",
        "--auto-approve",
        "--policy-from",
        base,
    )
    assert rc == 3, text
    assert writes == []
