"""`apply` on the command line against a sandbox server over HTTP: partial success (exit 1,
each failed code named with Shoptet's message, a re-run finishes once fixed), approval (no
terminal without --auto-approve, `yes` on a terminal), bad plan files, the journal, and a
canary token that must never appear in any output, journal or plan file."""

from __future__ import annotations

import json

import pytest

from reconciler.sandbox import Sandbox, SandboxConfig
from tests.apply.support import (
    TTYInput,
    copy_example,
    demo_state,
    run_cli,
    write_catalog,
    write_requests,
)
from tests.support.sandbox_client import served

pytestmark = pytest.mark.http


def _stock_catalog(state: dict, n: int) -> tuple[dict, list[str]]:
    """A catalog setting the stock of the first variant of the first ``n`` products."""
    products, codes = {}, []
    for p in state["products"][:n]:
        code = p["variants"][0]["code"]
        codes.append(code)
        products[p["guid"]] = {"variants": {code: {"stock": {"1": 77}}}}
    return products, codes


def test_partial_success_names_each_failed_code_and_a_rerun_finishes(
    shop, tmp_path, monkeypatch, capsys
):
    sb, url = shop
    state = demo_state()
    products, codes = _stock_catalog(state, 3)
    write_catalog(tmp_path, products)
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=url)
    assert code == 0, err
    # two of the three products become product sets, whose stock Shoptet refuses per item
    for p in state["products"][:2]:
        p["type"] = "product-set"
    sb.load_state(state)
    start = len(sb.request_log)
    args = ["apply", "p.json", "--auto-approve", "--journal", "j.jsonl"]
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 1
    moves = [w for w in write_requests(sb, start) if "movements" in w["path"]]
    assert len(moves) == 1  # one batch; Shoptet answered 200 with per-item errors
    for failed in codes[:2]:
        assert f":{failed}:1: failed: Shoptet: Stock of a product set cannot be changed" in err
    assert f":{codes[2]}:1" not in err
    assert "run the same plan again to finish" in err
    journal = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert [j["outcome"] for j in journal] == ["partial"]
    assert sorted(e["instance"] for e in journal[0]["errors"]) == sorted(codes[:2])
    applied = [m["productCode"] for m in sb.state()["movements"]]
    assert applied == [codes[2]]

    for p in state["products"][:2]:  # fixed: back to ordinary products
        p["type"] = "product"
    current = sb.state()
    for p in current["products"][:2]:
        p["type"] = "product"
    sb.load_state(current)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, err
    assert f"already done  stock:{state['products'][2]['guid']}:{codes[2]}:1 (already live)" in out
    moved = [m["productCode"] for m in sb.state()["movements"]]
    assert sorted(moved) == sorted(codes)  # each exactly once


def test_without_a_terminal_apply_needs_auto_approve(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    copy_example(tmp_path)
    start = len(sb.request_log)
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, ["apply"], url=url)
    assert code == 1
    assert "stdin is not a terminal" in err and "--auto-approve" in err
    assert write_requests(sb, start) == []


@pytest.mark.parametrize("answer", ["no\n", "y\n", "YES please\n", "\n"])
def test_on_a_terminal_anything_but_yes_cancels(shop, tmp_path, monkeypatch, capsys, answer):
    sb, url = shop
    copy_example(tmp_path)
    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply"], url=url, stdin=TTYInput(answer)
    )
    assert code == 1
    assert "Apply cancelled" in err
    assert "Plan: 2 products created, 5 updated" in out  # the plan was shown first
    assert write_requests(sb, start) == []


def test_on_a_terminal_yes_applies_and_a_second_plan_is_empty(shop, tmp_path, monkeypatch, capsys):
    _sb, url = shop
    copy_example(tmp_path)
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply"], url=url, stdin=TTYInput("yes\n")
    )
    assert code == 0, err
    # 20 changes (a new product is a product, variant, price and stock creates: one shape per
    # fact) in the same 7 requests (each new product is still one POST)
    # 21: with the variant parameter value Peru needs, created in its own (8th) request
    assert "Apply: 21 written (8 write request(s))." in out
    code, out, err = run_cli(
        monkeypatch, capsys, tmp_path, ["plan", "--detailed-exitcode"], url=url
    )
    assert code == 0, out + err
    code, out, _ = run_cli(monkeypatch, capsys, tmp_path, ["apply"], url=url)
    assert code == 0 and "Nothing to apply." in out


@pytest.mark.parametrize(
    "content,message",
    [
        ("not json", "the plan file is not valid JSON"),
        ('{"formatVersion": 99}', "plan formatVersion 99 is not supported"),
        (
            '{"formatVersion": 1, "changes": []}',
            "formatVersion 1, made by an older shoptet-catalog",
        ),
        (None, "cannot read the plan file"),
        ("[" * 200_000 + "]" * 200_000, "nests JSON too deeply"),
        ('{"x": "' + "a" * 200 + '"}', "is larger than 0 MB"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_a_bad_plan_file_is_a_clear_error(shop, tmp_path, monkeypatch, capsys, content, message):
    sb, url = shop
    copy_example(tmp_path)
    if "larger" in message:
        monkeypatch.setattr("reconciler.cli.apply_cmd.MAX_PLAN_BYTES", 100)
    if isinstance(content, bytes):
        (tmp_path / "p.json").write_bytes(content)
        content = None
    if content is not None:
        (tmp_path / "p.json").write_text(content, encoding="utf-8")
    start = len(sb.request_log)
    code, _, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply", "p.json", "--auto-approve"], url=url
    )
    assert code == 1
    assert message in err and "Traceback" not in err
    assert sb.request_log[start:] == []


def test_an_edited_plan_file_is_refused(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    copy_example(tmp_path)
    code, _, _ = run_cli(monkeypatch, capsys, tmp_path, ["plan", "--out", "p.json"], url=url)
    assert code == 0
    plan = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    plan["changes"][0]["fields"][0]["after"] = "something else"
    (tmp_path / "p.json").write_text(json.dumps(plan), encoding="utf-8")
    start = len(sb.request_log)
    code, _, err = run_cli(
        monkeypatch, capsys, tmp_path, ["apply", "p.json", "--auto-approve"], url=url
    )
    assert code == 1 and "planId does not match" in err
    assert write_requests(sb, start) == []


CANARY = "canary-7c1d9e-SECRET-token-0042"


def test_the_token_never_appears_in_output_journal_or_plan(tmp_path, monkeypatch, capsys):
    """A canary token through plan, a partial failure, a stale refusal and a success."""
    state = demo_state()
    sb = Sandbox(state, SandboxConfig(token=CANARY))
    with served(sb) as srv:
        url = srv.url
        products, _ = _stock_catalog(state, 3)
        write_catalog(tmp_path, products)
        seen = []

        def cli(*args):
            code, out, err = run_cli(
                monkeypatch, capsys, tmp_path, list(args), url=url, token=CANARY
            )
            seen.append(out + err)
            return code

        assert cli("plan", "--out", "p.json") == 0
        broken = sb.state()
        broken["products"][0]["type"] = "product-set"
        sb.load_state(broken)
        assert cli("apply", "p.json", "--auto-approve", "--journal", "j.jsonl") == 1
        assert cli("plan", "--out", "p2.json", "--format", "json") == 0
        with pytest.MonkeyPatch.context():
            changed = sb.state()
            changed["products"][0]["variants"][0]["stocks"]["1"]["realStock"] = "5.000"
            sb.load_state(changed)
        assert cli("apply", "p2.json", "--auto-approve", "--journal", "j.jsonl") == 4
        assert cli("apply", "--auto-approve", "--journal", "j.jsonl", "--allow-bulk") == 1
        assert cli("apply", "--auto-approve", "--journal", "j.jsonl", "-h") == 0
        code, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["apply", "--auto-approve"], url=url, token="wrong"
        )
        seen.append(out + err)
        assert code == 1
    files = [p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.is_file()]
    assert len(files) >= 3
    for text in seen + files:
        assert CANARY not in text
        assert CANARY[:20] not in text
