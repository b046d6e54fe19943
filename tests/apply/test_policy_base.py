"""Policy cannot relax itself (issue 12), and an old approved plan cannot be replayed.

One pull request both relaxes shop.yaml's policy (maxChangedShare 1, protect emptied) and
hides every product. The scoped plan's guards use the policy at the base and list the policy
change as its own item; apply with ``--policy-from BASE`` recomputes the guards with the base's
policy and refuses with exit 3 and zero writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import copy_example, demo_state, run_cli, write_catalog, write_requests
from tests.support.git import git
from tests.support.sandbox_client import served

pytestmark = pytest.mark.http




@pytest.fixture
def shop():
    sb = Sandbox(demo_state())
    with served(sb) as server:
        yield sb, server.url


def visible_demo_guids(n: int) -> list[str]:
    return [p["guid"] for p in demo_state()["products"] if p["visibility"] == "visible"][:n]


def test_relaxing_the_policy_and_hiding_everything_is_refused(tmp_path, shop, monkeypatch, capsys):
    sb, url = shop
    guids = visible_demo_guids(20)
    protected = guids[0]
    strict = {"policy": {"maxChangedShare": "0.25", "protect": [protected]}}
    write_catalog(tmp_path, {g: {"visibility": "visible"} for g in guids}, shop=strict)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    base = git(tmp_path, "rev-parse", "HEAD")
    relaxed = {"policy": {"maxChangedShare": "1", "protect": []}}
    write_catalog(tmp_path, {g: {"visibility": "hidden"} for g in guids}, shop=relaxed)
    git(tmp_path, "commit", "-q", "-am", "relax the policy and hide everything")

    code, out, err = run_cli(
        monkeypatch,
        capsys,
        tmp_path,
        ["plan", "--changed-since", base, "--out", "plan.json", "--format", "text"],
        url=url,
    )
    assert code == 0, err
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["scope"]["kind"] == "targeted"
    guards = {g["name"]: g for g in plan["guards"]}
    assert not guards["bulk"]["ok"] and guards["bulk"]["numbers"]["maxChangedShare"] == "0.25"
    assert not guards["protected"]["ok"]
    assert {p["key"] for p in plan["policyChanges"]} == {"maxChangedShare", "protect"}
    assert "policy.maxChangedShare: 0.25 -> 1" in out
    assert f"policy.protect: [{protected}] -> []" in out

    start = len(sb.request_log)
    args = ["apply", "plan.json", "--auto-approve", "--policy-from", base]
    for flags in ((), ("--allow-bulk",)):
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, [*args, *flags], url=url)
        assert code == 3, out + err
        assert "Protected products" in err
        if not flags:
            assert "needs --allow-bulk" in err
    assert write_requests(sb, start) == []
    assert {p["visibility"] for p in sb.state()["products"] if p["guid"] in guids} == {"visible"}


def test_policy_from_a_ref_without_a_catalog_is_a_clear_error(tmp_path, shop, monkeypatch, capsys):
    _sb, url = shop
    (tmp_path / "README").write_text("x\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "no catalog yet")
    base = git(tmp_path, "rev-parse", "HEAD")
    copy_example(tmp_path)
    args = ["apply", "--auto-approve", "--policy-from", base]
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 1
    assert "--policy-from" in err and "the guards need the policy of the base" in err
    assert "Traceback" not in out + err
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, [*args[:-1], "no-such-ref"], url=url)
    assert code == 1 and "--policy-from no-such-ref: git knows no commit" in err


def test_replaying_an_old_approved_plan_is_refused(tmp_path, shop, monkeypatch, capsys):
    """Re-running an old approved apply (its plan and its catalog) after a later apply
    changed the same values: stale, exit 4, zero writes."""
    sb, url = shop
    old = tmp_path / "old"
    new = tmp_path / "new"
    for root in (old, new):
        copy_example(root)
    text = (new / "catalog/products/coffee.yaml").read_text(encoding="utf-8")
    assert "219.00" in text
    (new / "catalog/products/coffee.yaml").write_text(
        text.replace("219.00", "229.00", 1), encoding="utf-8"
    )

    def plan_and_apply(root: Path) -> tuple[int, str]:
        code, _, err = run_cli(monkeypatch, capsys, root, ["plan", "--out", "plan.json"], url=url)
        assert code == 0, err
        code, out, err = run_cli(
            monkeypatch, capsys, root, ["apply", "plan.json", "--auto-approve"], url=url
        )
        return code, out + err

    assert plan_and_apply(old)[0] == 0
    assert plan_and_apply(new)[0] == 0  # the later apply: 219 -> 229
    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, old, ["apply", "plan.json", "--auto-approve"], url=url
    )
    assert code == 4, out + err
    assert write_requests(sb, start) == []
    assert "stale" in err
