"""Issue 12: names from the shop or the disk never reach the terminal raw. A product name with
ESC (``\\x1b[2J`` clears the screen) or a C1 control (``\\x9b``, CSI) is printed as an escape
in the plan text and the apply report; the plan file (JSON) and Markdown keep the exact text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.cli.context import AppContext
from reconciler.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
EVIL = "\x1b[2J\x9b31m"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_API_URL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def evil_shop(monkeypatch):
    """The demo sandbox, with ESC and CSI in every live product's name."""
    sb = Sandbox.from_seed("demo")
    state = sb.state()
    for product in state["products"]:
        product["name"] = f"{product['name']}{EVIL}"
    sb.load_state(state)
    monkeypatch.setattr(AppContext, "sandbox_shop", lambda self: sb)
    return sb


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--catalog", str(ROOT / "catalog"), "--sandbox", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return info.value.code, out.out, out.err


def test_plan_text_escapes_control_characters_from_live_names(evil_shop, tmp_path, capsys):
    code, out, err = run(["plan", "--out", str(tmp_path / "plan.json")], capsys)
    assert code == 0, err
    assert "\x1b" not in out and "\x9b" not in out
    assert "\\u001b[2J\\x9b31m" in out  # a value: JSON-quoted, then the C1 escape
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    befores = [f["before"] for c in plan["changes"] for f in c.get("fields", ())]
    assert any(isinstance(b, str) and b.endswith(EVIL) for b in befores)  # exact in JSON


def test_plan_markdown_keeps_the_exact_text(evil_shop, capsys):
    """Markdown goes to a pull-request comment, not a terminal: not escaped for one (values
    are JSON-quoted there as everywhere, so ESC reads as \\u001b; the C1 character stays)."""
    code, out, _ = run(["plan", "--format", "markdown"], capsys)
    assert code == 0
    assert "\\u001b[2J\x9b31m" in out


def test_apply_report_and_errors_escape_control_characters(evil_shop, capsys, monkeypatch):
    from reconciler.errors import ValidationFailed
    from reconciler.shoptet import ShoptetClient

    def refuse(self, guid, body):
        raise ValidationFailed(
            f"Shoptet refused the name {EVIL}",
            status=400,
            errors=[{"errorCode": "invalid", "message": f"bad name {EVIL}"}],
        )

    monkeypatch.setattr(ShoptetClient, "patch_product", refuse)
    code, out, err = run(["apply", "--auto-approve", "--allow-bulk"], capsys)
    assert code == 1
    assert "\x1b" not in out + err and "\x9b" not in out + err
    assert "Shoptet refused the name \\x1b[2J\\x9b31m" in err
    assert "Apply:" in out
