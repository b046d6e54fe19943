"""The README's walk-through, run as written against a sandbox server over HTTP: its commands
are read from README.md (the `shoptet-catalog` lines and the `sed` edit of the second block),
so the README cannot drift from the tool."""

from __future__ import annotations

import re
import shlex

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import REPO, TTYInput, copy_example, demo_state, run_cli
from tests.apply.support import write_requests as writes
from tests.support.sandbox_client import served

pytestmark = pytest.mark.http


def walkthrough_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(
        r"^## Walk-through: edit, plan, apply, plan again\n(.*?)(?=^## |\Z)", readme, re.S | re.M
    )
    assert m, "README.md has no walk-through section"
    return re.findall(r"^```sh\n(.*?)^```", m.group(1), re.S | re.M)


def walkthrough_output() -> list[str]:
    """The lines of the walk-through's excerpt of the second plan (its ``text`` block)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Walk-through: edit, plan, apply, plan again") :]
    block = re.search(r"^```text\n(.*?)^```", section, re.S | re.M)
    assert block, "the walk-through shows no plan output"
    return [line for line in block.group(1).splitlines() if line != "..."]


def test_the_walkthrough_commands_work_as_written(tmp_path, monkeypatch, capsys):
    serve, loop = walkthrough_blocks()
    assert serve.strip() == "shoptet-catalog sandbox serve --port 8765"
    lines = [line.split("#")[0].strip() for line in loop.strip().splitlines()]
    assert lines[0] == (
        "export SHOPTET_API_URL=http://127.0.0.1:8765 SHOPTET_PRIVATE_API_TOKEN=sandbox-token"
    )
    copy_example(tmp_path)
    sb = Sandbox(demo_state())
    outputs = []
    with served(sb) as server:
        for line in lines[1:]:
            words = shlex.split(line)
            if words[0] == "sed":
                old, new = re.fullmatch(r"s/(.*)/(.*)/", words[2]).groups()
                path = tmp_path / words[3]
                text = path.read_text(encoding="utf-8")
                assert text.count(old) == 1
                path.write_text(text.replace(old, new), encoding="utf-8")
                continue
            assert words[0] == "shoptet-catalog"
            start = len(sb.request_log)
            code, out, err = run_cli(
                monkeypatch, capsys, tmp_path, words[1:], url=server.url, stdin=TTYInput("yes\n")
            )
            assert code == 0, (line, out, err)
            outputs.append((line, out, writes(sb, start)))
    plan_out, apply_out, replan_out, again_out = (outputs[i][1] for i in (1, 2, 3, 4))
    apply_writes, again_writes = outputs[2][2], outputs[4][2]
    assert "~ price: 189.00 -> 199.00 Kč" in plan_out and "KAV-ETH-250" in plan_out
    for line in walkthrough_output():  # the README's excerpt is what the tool prints
        assert line in plan_out.splitlines(), line
    # the README's note on the first plan: a parameter value the demo shop lacks (issue 14)
    assert '+ variant parameter value hmotnost = "200 g" (200-g)' in outputs[0][1]
    assert "/api/products/variant-parameters/hmotnost" in [w["path"] for w in apply_writes]
    assert "Apply:" in apply_out and "written" in apply_out and apply_writes
    assert "No changes. The live shop matches the catalog." in replan_out
    assert again_writes == [] and "already done" in again_out
