"""The price guard (issue 15) end to end, over HTTP against the demo shop: a price that drops
past policy.maxPriceChange or becomes 0 is refused at apply (exit 3, zero writes, recomputed
there) until --allow-price; `plan --detailed-exitcode` says 3 for it in a pull request."""

from __future__ import annotations

import json

import pytest

from tests.apply.support import copy_example, run_cli, write_requests
from tests.apply.test_stale import COLOMBIA

pytestmark = pytest.mark.http

PRICE = f"price:{COLOMBIA}:KAV-COL-250"  # the demo shop has 209, the example catalog 219


def set_price(root, price: str) -> None:
    path = root / "catalog" / "products" / "coffee.yaml"
    text = path.read_text(encoding="utf-8")
    assert "        price: 219.00\n" in text
    path.write_text(text.replace("        price: 219.00\n", f"        price: {price}\n", 1))


def cli(shop, monkeypatch, capsys, root, *args):
    sb, url = shop
    start = len(sb.request_log)
    code, out, err = run_cli(monkeypatch, capsys, root, list(args), url=url)
    return code, out + err, write_requests(sb, start)


@pytest.mark.parametrize("price", ["0", "0.00", "99.00"])
def test_a_price_past_max_price_change_or_0_is_refused_until_allow_price(
    tmp_path, shop, monkeypatch, capsys, price
):
    copy_example(tmp_path)
    set_price(tmp_path, price)
    code, text, _ = cli(shop, monkeypatch, capsys, tmp_path, "plan", "--out", "plan.json")
    assert code == 0, text
    guard = {g["name"]: g for g in json.loads((tmp_path / "plan.json").read_text())["guards"]}
    assert guard["price"]["ok"] is False and guard["price"]["flag"] == "--allow-price"
    assert f"{PRICE}/price" in guard["price"]["numbers"]["prices"]

    code, text, writes = cli(
        shop, monkeypatch, capsys, tmp_path, "apply", "plan.json", "--auto-approve"
    )
    assert code == 3, text
    assert writes == []
    assert "need --allow-price" in text and "variant KAV-COL-250 price 209 -> " in text

    code, text, writes = cli(
        shop,
        monkeypatch,
        capsys,
        tmp_path,
        "apply",
        "plan.json",
        "--auto-approve",
        "--allow-price",
    )
    assert code == 0, text
    assert writes


def test_a_price_change_within_max_price_change_needs_no_flag(tmp_path, shop, monkeypatch, capsys):
    copy_example(tmp_path)  # 209 -> 219: +4.8 %
    code, text, _ = cli(shop, monkeypatch, capsys, tmp_path, "plan", "--out", "plan.json")
    assert code == 0, text
    guard = {g["name"]: g for g in json.loads((tmp_path / "plan.json").read_text())["guards"]}
    assert guard["price"]["ok"] is True


def test_plan_detailed_exitcode_is_3_when_a_guard_would_refuse_and_2_with_the_flag(
    tmp_path, shop, monkeypatch, capsys
):
    copy_example(tmp_path)
    set_price(tmp_path, "0")
    code, text, writes = cli(
        shop, monkeypatch, capsys, tmp_path, "plan", "--out", "plan.json", "--detailed-exitcode"
    )
    assert code == 3, text
    assert writes == [] and (tmp_path / "plan.json").exists()  # the plan is still written
    assert "Apply would be refused by a guard:" in text and "need --allow-price" in text
    for flags, want in ([("--allow-delete", "--allow-bulk"), 3], [("--allow-price",), 2]):
        code, text, _ = cli(
            shop, monkeypatch, capsys, tmp_path, "plan", "--detailed-exitcode", *flags
        )
        assert code == want, text


def test_a_plan_made_with_allow_price_shows_the_guard_allowed_not_refused(
    tmp_path, shop, monkeypatch, capsys
):
    copy_example(tmp_path)
    set_price(tmp_path, "0")
    args = ("plan", "--format", "markdown", "--out")
    code, refused, _ = cli(shop, monkeypatch, capsys, tmp_path, *args, "refused.json")
    assert code == 0, refused
    assert "### ⛔ Apply would be refused: price guard (label shoptet:allow-price)" in refused
    code, allowed, _ = cli(
        shop, monkeypatch, capsys, tmp_path, *args, "allowed.json", "--allow-price"
    )
    assert code == 0, allowed
    assert "Apply would be refused" not in allowed
    assert "price (allowed by --allow-price)" in allowed
    plan_refused = json.loads((tmp_path / "refused.json").read_text())
    plan_allowed = json.loads((tmp_path / "allowed.json").read_text())
    # the flags are display only: the same planId, so apply still decides with its own flags
    assert plan_allowed["allowed"] == ["--allow-price"] and "allowed" not in plan_refused
    assert plan_allowed["planId"] == plan_refused["planId"]
    code, text, writes = cli(
        shop, monkeypatch, capsys, tmp_path, "apply", "allowed.json", "--auto-approve"
    )
    assert code == 3 and writes == [], text  # the recorded flag allows nothing at apply
