"""Claims beside stock (issue 19): a stock change shows what open orders claim there, from the
detail read already made (no extra request), display only (out of the planId); physical stock
set below the claim is a warning in the plan."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.model import Plan
from tests.apply.support import demo_state, run_cli, write_catalog

pytestmark = pytest.mark.http


def claimed_shop(sb, claim: int) -> tuple[str, str, int]:
    """The demo shop with the first product's first variant claimed ``claim`` at the default
    stock (physical stock 10); returns (guid, code, stock id)."""
    doc = demo_state()
    product = doc["products"][0]
    variant = product["variants"][0]
    stock = doc["defaultStockId"]
    variant["stocks"][str(stock)] = {"realStock": "10.000", "claim": f"{claim}.000"}
    sb.load_state(doc)
    return product["guid"], variant["code"], stock


def plan(shop, tmp_path, monkeypatch, capsys, stock: int, fmt: str = "text"):
    sb, url = shop
    guid, code, stock_id = claimed_shop(sb, 3)
    write_catalog(tmp_path, {guid: {"variants": {code: {"stock": {str(stock_id): stock}}}}})
    start = len(sb.request_log)
    code_, out, err = run_cli(
        monkeypatch,
        capsys,
        tmp_path,
        ["plan", "--out", "plan.json", "--format", fmt],
        url=url,
    )
    assert code_ == 0, err
    return out, sb.request_log[start:], code


def test_stock_below_the_claim_is_warned_in_text_and_markdown(
    shop, tmp_path, monkeypatch, capsys
):
    out, _, _ = plan(shop, tmp_path, monkeypatch, capsys, 2)
    assert "WARNING: below the 3 open orders claim: available stock goes negative (2 - 3)" in out
    md, _, _ = plan(shop, tmp_path, monkeypatch, capsys, 2, "markdown")
    assert "WARNING: below the 3 open orders claim" in md


def test_stock_above_the_claim_shows_the_claim_without_extra_requests(
    shop, tmp_path, monkeypatch, capsys
):
    out, requests, code = plan(shop, tmp_path, monkeypatch, capsys, 20)
    assert "# open orders claim 3 of it" in out and "WARNING" not in out
    paths = [r["path"] for r in requests]
    assert not [p for p in paths if "/orders" in p or "/supplies" in p], paths
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["names"]["claims"] == {f"{code}@1": "3"}


def test_claims_are_display_only_and_out_of_the_plan_id(shop, tmp_path, monkeypatch, capsys):
    plan(shop, tmp_path, monkeypatch, capsys, 2)
    data = json.loads((tmp_path / "plan.json").read_text())
    original = Plan.from_json(json.dumps(data))
    assert original.plan_id == data["planId"]
    data["names"]["claims"] = {}
    assert Plan.from_json(json.dumps(data)).plan_id == original.plan_id
    assert original.names.claims  # and it survives the plan file
