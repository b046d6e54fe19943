"""A poisoned parse cache (``plan --parse-cache``): in CI a pull request can write its own
cache entry, so a plan made with the cache can claim anything a catalog could say. The plan
is only a claim: apply never reads the cache, loads the YAML and re-derives every change, so
the claimed change is refused with zero writes (counted from the sandbox's request log)."""

from __future__ import annotations

import json

import pytest

from reconciler.desired.block_cache import block_key
from reconciler.desired.blocks import split_blocks
from tests.apply.support import run_cli, write_requests

pytestmark = pytest.mark.http


def test_a_plan_from_a_poisoned_cache_entry_is_refused_by_apply(saved_plan, monkeypatch, capsys):
    sb, url, root = saved_plan
    args = ["plan", "--parse-cache", "pc", "--out", "plan.json"]
    code, out, err = run_cli(monkeypatch, capsys, root, args, url=url)
    assert code == 0, err
    assert "219.00" in out and "229.00" not in out
    # the attacker's entry: coffee.yaml's product KAV-COL-250 at 229.00 (valid, within the price guard, so it passes
    # validation; only the YAML says otherwise)
    (entry,) = [p for p in (root / "pc").iterdir() if b'"price":"219.00"' in p.read_bytes()]
    entry.write_bytes(entry.read_bytes().replace(b'"price":"219.00"', b'"price":"229.00"'))
    code, out, err = run_cli(monkeypatch, capsys, root, args, url=url)
    assert code == 0, err
    assert "229.00" in out  # the plan believed the cache: it is only a claim

    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, root, ["apply", "plan.json", "--auto-approve"], url=url
    )
    assert code == 4, out + err
    assert write_requests(sb, start) == []
    assert "229" in out + err


def test_a_cache_entry_hiding_a_yaml_edit_cannot_get_it_applied(saved_plan, monkeypatch, capsys):
    """The other way round: the YAML is edited (219.00 -> 229.00) and the entry holds the
    old product under the edited block's key, so the plan shows the old value. Apply loads
    the YAML, finds a change the reviewed plan does not show, and writes nothing."""
    sb, url, root = saved_plan
    args = ["plan", "--parse-cache", "pc", "--out", "plan.json"]
    assert run_cli(monkeypatch, capsys, root, args, url=url)[0] == 0
    coffee = root / "catalog" / "products" / "coffee.yaml"
    (entry,) = [p for p in (root / "pc").iterdir() if b'"price":"219.00"' in p.read_bytes()]
    lines = entry.read_text(encoding="utf-8").splitlines()
    blocks = {sha: raw for sha, _, raw in (line.partition(" ") for line in lines)}
    (old,) = [raw for raw in blocks.values() if '"219.00"' in raw]
    coffee.write_bytes(coffee.read_bytes().replace(b"price: 219.00", b"price: 229.00", 1))
    split = split_blocks(coffee.read_text(encoding="utf-8"))
    assert split is not None
    (edited,) = [block for guid, block in split[1] if guid == json.loads(old)[0]]
    blocks[block_key(edited)] = old
    entry.write_text("".join(f"{sha} {raw}\n" for sha, raw in blocks.items()), encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, root, args, url=url)
    assert code == 0, err
    assert "219.00" in out and "229.00" not in out  # the plan believed the cache

    start = len(sb.request_log)
    code, out, err = run_cli(
        monkeypatch, capsys, root, ["apply", "plan.json", "--auto-approve"], url=url
    )
    assert code == 4, out + err
    assert write_requests(sb, start) == []
