"""`plan` on the command line: formats, plan file, exit codes, targets, GitHub summary, colour,
git commit and digest, determinism, request budget over HTTP, and the token errors."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest

from reconciler.cli import cli, main
from reconciler.cli.options import use_color
from reconciler.cli.plan_cmd import catalog_git_commit
from reconciler.desired.load import load_catalog
from reconciler.plan.model import Plan
from reconciler.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "catalog"
ENV_VARS = (
    "SHOPTET_PRIVATE_API_TOKEN",
    "SHOPTET_OAUTH_ACCESS_TOKEN",
    "SHOPTET_ESHOP_URL",
    "SHOPTET_API_URL",
    "GITHUB_STEP_SUMMARY",
    "NO_COLOR",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


@pytest.fixture
def served(monkeypatch):
    """A demo sandbox over HTTP, with the environment pointing the tool at it."""
    servers = []

    def start(seed="demo", token="sandbox-token", **settings):
        sb = Sandbox.from_seed(seed, **settings)
        server = sb.serve(port=0)
        servers.append(server)
        monkeypatch.setenv("SHOPTET_API_URL", server.url)
        if token is not None:
            monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", token)
        return sb

    yield start
    for server in servers:
        server.close()


def catalog_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "catalog"
    shutil.copytree(EXAMPLE, dest)
    return dest


# --- the demo ------------------------------------------------------------------------------


def test_sandbox_plan_on_the_example_shows_creates_updates_and_unmanaged(capsys):
    code, out, err = run(["--catalog", str(EXAMPLE), "--sandbox", "plan"], capsys)
    assert code == 0, err
    assert "\n+ product " in out and "\n~ product " in out
    assert "Unmanaged: 4 live products not in the catalog" in out
    assert out.rstrip().splitlines()[-1].startswith("Plan: 2 products created, 5 updated;")
    assert "\x1b[" not in out  # not a terminal: no colour
    assert err == ""  # no progress bar without a terminal


def test_detailed_exitcode(tmp_path, capsys):
    code, _, _ = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--detailed-exitcode"], capsys
    )
    assert code == 2
    converged = tmp_path / "c"
    (converged / "products").mkdir(parents=True)
    (converged / "products" / "p.yaml").write_text(
        "products:\n  70b1bb6c-3ea5-5822-b934-b29e437a0ad0:\n    name: Káva Etiopie Yirgacheffe\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        ["--catalog", str(converged), "--sandbox", "plan", "--detailed-exitcode"], capsys
    )
    assert code == 0  # a live variant the catalog does not mention is a note, not a change
    assert "\nNo changes to write." in out
    assert 'variant KAV-ETH-250 of product "Káva Etiopie Yirgacheffe" (70b1bb6c' in out


def test_out_writes_the_plan_file_whatever_the_format(tmp_path, capsys):
    out_file = tmp_path / "plan.json"
    code, out, err = run(
        [
            "--catalog",
            str(EXAMPLE),
            "--sandbox",
            "plan",
            "--out",
            str(out_file),
            "--format",
            "markdown",
        ],
        capsys,
    )
    assert code == 0
    plan = Plan.from_json(out_file.read_text(encoding="utf-8"))
    assert out.startswith("<!-- shoptet-catalog-plan catalog=")
    assert f"planId `{plan.plan_id[:12]}`" in out
    assert f"Plan written to {out_file} (planId {plan.plan_id[:12]})." in err
    code, as_json, _ = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--format", "json"], capsys
    )
    assert as_json == out_file.read_text(encoding="utf-8")


def test_the_plan_records_digest_commit_and_eshop(tmp_path, capsys):
    catalog = catalog_copy(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "c"], cwd=tmp_path, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()
    _code, out, _ = run(
        ["--catalog", str(catalog), "--sandbox", "plan", "--format", "json"], capsys
    )
    data = json.loads(out)
    assert data["gitCommit"] == head == catalog_git_commit(catalog)
    assert data["catalogDigest"] == load_catalog(catalog).digest
    assert data["eshopId"] == 222651


def test_no_git_commit_outside_a_work_tree(tmp_path):
    assert catalog_git_commit(tmp_path) is None
    assert catalog_git_commit(tmp_path / "missing") is None


def test_target_narrows_the_plan(capsys):
    code, out, _ = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--target", "KAV-COL-250"], capsys
    )
    assert code == 0
    assert "This plan covers only the listed products" in out
    assert "price: 209.00 -> 219.00 Kč" in out
    assert "Plan: 1 product updated; 1 price changed." in out


def test_an_unknown_target_is_an_error(capsys):
    code, out, err = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--target", "NO-SUCH-CODE"], capsys
    )
    assert code == 1 and out == ""
    assert "--target matches nothing to plan: NO-SUCH-CODE" in err


def test_an_invalid_catalog_exits_1_with_the_problems(tmp_path, capsys):
    (tmp_path / "c" / "products").mkdir(parents=True)
    (tmp_path / "c" / "products" / "p.yaml").write_text("products: [\n", encoding="utf-8")
    code, out, err = run(["--catalog", str(tmp_path / "c"), "--sandbox", "plan"], capsys)
    assert code == 1 and out == ""
    assert "p.yaml:" in err and "Traceback" not in err


def test_github_summary_appends_markdown(tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(["--catalog", str(EXAMPLE), "--sandbox", "plan", "--github-summary"], capsys)
    assert code == 0 and out.startswith("Plan for e-shop")  # stdout keeps its format
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n<!-- shoptet-catalog-plan")
    assert "#### Changes by product" in text


def test_github_summary_without_the_variable_says_so(capsys):
    code, _, err = run(["--catalog", str(EXAMPLE), "--sandbox", "plan", "--github-summary"], capsys)
    assert code == 0
    assert "GITHUB_STEP_SUMMARY is not set" in err


def test_an_unwritable_plan_file_is_a_clear_error(tmp_path, capsys):
    code, _, err = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--out", str(tmp_path / "no" / "p.json")],
        capsys,
    )
    assert code == 1
    assert "cannot write the plan file" in err and "Traceback" not in err


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self):
        return self.tty


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    assert use_color(_Stream(True)) is True
    assert use_color(_Stream(False)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Stream(True)) is False


def test_help_ends_with_examples():
    help_text = cli.commands["plan"].get_help(
        __import__("click").Context(cli.commands["plan"], info_name="plan")
    )
    tail = help_text.rstrip().splitlines()
    assert "Examples:" in help_text
    assert tail[-1].strip().startswith("shoptet-catalog plan --detailed-exitcode")
    for flag in ("--out", "--format", "--target", "--detailed-exitcode", "--github-summary"):
        assert flag in help_text


# --- determinism ---------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_plan_files(tmp_path, capsys):
    files = []
    for i in range(3):
        path = tmp_path / f"plan{i}.json"
        run(["--catalog", str(EXAMPLE), "--sandbox", "plan", "--out", str(path)], capsys)
        files.append(path.read_bytes())
    assert files[0] == files[1] == files[2]


def test_plan_id_changes_when_any_change_changes(tmp_path, capsys):
    catalog = catalog_copy(tmp_path)

    def plan_id() -> str:
        _code, out, _ = run(
            ["--catalog", str(catalog), "--sandbox", "plan", "--format", "json"], capsys
        )
        return json.loads(out)["planId"]

    first = plan_id()
    coffee = catalog / "products" / "coffee.yaml"
    coffee.write_text(
        coffee.read_text(encoding="utf-8").replace("price: 219.00", "price: 219.50"),
        encoding="utf-8",
    )
    second = plan_id()
    assert second != first
    coffee.write_text(
        coffee.read_text(encoding="utf-8").replace("price: 219.50", "price: 219.00"),
        encoding="utf-8",
    )
    assert plan_id() == first


def test_plan_id_changes_when_the_live_side_changes(served, capsys):
    sb = served()
    args = ["--catalog", str(EXAMPLE), "plan", "--format", "json"]
    first = json.loads(run(args, capsys)[1])
    state = sb.state()
    guid = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"
    product = next(p for p in state["products"] if p["guid"] == guid)
    product["variants"][0]["prices"]["1"]["price"] = "210.00"  # the before of a change
    sb.load_state(state)
    second = json.loads(run(args, capsys)[1])
    assert second["planId"] != first["planId"]
    assert second["catalogDigest"] == first["catalogDigest"]


# --- over HTTP: request budget, no writes ------------------------------------------------------


def _budget(live: int, managed: int) -> int:
    return math.ceil(live / 1000) + managed + 5


def test_example_plan_over_http_stays_within_the_request_budget(served, capsys):
    sb = served()
    code, _out, err = run(["--catalog", str(EXAMPLE), "plan", "--detailed-exitcode"], capsys)
    assert code == 2, err
    live = len(sb.state()["products"])
    managed = len(load_catalog(EXAMPLE).catalog.products)
    counters = sb.counters
    assert counters["requests"] <= _budget(live, managed)
    assert counters["writes"] == 0
    assert all(e["method"] == "GET" for e in sb.request_log)


def test_a_bigger_shop_over_http_stays_within_the_budget(served, tmp_path, capsys):
    """2,500 live products (3 list pages), 120 managed, each with stock and categories."""
    from tests.live.support import base_state

    state = base_state()
    cat = state["categories"][0]["guid"]
    products = []
    for i in range(2500):
        products.append(
            {
                "guid": f"00000000-0000-4000-8000-{i:012d}",
                "name": f"Product {i}",
                "defaultCategoryGuid": cat,
                "creationTime": "2026-01-05T09:00:00+0100",
                "changeTime": "2026-01-05T09:00:00+0100",
                "variants": [
                    {
                        "code": f"P{i}-{j}",
                        "prices": {"1": {"price": "10.00", "vatRate": "21.00"}},
                        "stocks": {"1": {"realStock": "5.000", "claim": "1.000"}},
                    }
                    for j in range(2)
                ],
            }
        )
    state["products"] = products
    lines = ["products:"]
    for i in range(0, 2500, 21)[:120]:
        lines += [
            f"  00000000-0000-4000-8000-{i:012d}:",
            f"    name: Product {i}",
            f"    categories: [{cat}]",
            "    variants:",
            f"      P{i}-0:",
            "        price: 10",
            "        stock: 5" if i % 2 else "        stock: 6",
        ]
    catalog = tmp_path / "c"
    (catalog / "products").mkdir(parents=True)
    (catalog / "products" / "p.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sb = served("empty", limits=False)
    sb.load_state(state)
    code, out, err = run(
        ["--catalog", str(catalog), "plan", "--detailed-exitcode", "--allow-bulk"], capsys
    )
    assert code == 2, err  # half the products change: without --allow-bulk, 3
    assert "Plan: 60 products updated; 60 stock amounts changed." in out
    assert "Unmanaged: 2380 live products" in out
    assert sb.counters["requests"] <= _budget(2500, 120)
    assert sb.counters["writes"] == 0


# --- tokens ------------------------------------------------------------------------------------


def test_no_token_exits_1_saying_how_to_fix_it(capsys):
    code, out, err = run(["--catalog", str(EXAMPLE), "plan"], capsys)
    assert code == 1 and out == ""
    assert "No Shoptet credentials: set SHOPTET_PRIVATE_API_TOKEN" in err
    assert "shoptet-catalog --sandbox plan" in err
    assert "Traceback" not in err


def test_a_wrong_token_exits_1_saying_which_and_how_to_fix_it(served, capsys):
    secret = "wrong-canary-8f3a1c-token"
    served(token=secret)
    code, out, err = run(["--catalog", str(EXAMPLE), "plan"], capsys)
    assert code == 1 and out == ""
    assert "HTTP 401 (invalid-token" in err
    assert "Shoptet refused the token" in err and "replace the secret" in err
    assert secret not in err and "Traceback" not in err


def test_a_token_without_product_rights_exits_1_naming_the_endpoint(served, capsys):
    sb = served(forbidden=("/api/products",))
    code, out, err = run(["--catalog", str(EXAMPLE), "plan"], capsys)
    assert code == 1 and out == ""
    assert "HTTP 403 (invalid-token-no-rights" in err
    assert "the token lacks rights for GET /api/products" in err
    assert "read access to the e-shop info, stocks and products" in err
    assert sb.counters["writes"] == 0


# --- progress ------------------------------------------------------------------------------------


def test_progress_bar_only_when_stderr_is_a_terminal(monkeypatch):
    import io
    import sys

    from reconciler.cli import plan_cmd

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with plan_cmd._progress_bar() as progress:
        assert progress is None

    class Tty(io.StringIO):
        def isatty(self):
            return True

    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    with plan_cmd._progress_bar() as progress:
        progress("products", 0, None)
        progress("products", 32, 32)
        progress("details", 3, 28)
    assert "Reading managed products" in fake.getvalue()


def test_out_prints_the_next_step_with_the_catalog_given(tmp_path, capsys):
    out_file = tmp_path / "plan.json"
    code, out, err = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--out", str(out_file)], capsys
    )
    assert code == 0
    assert f"Next: shoptet-catalog --catalog {EXAMPLE.as_posix()} apply {out_file.as_posix()}" in (
        err.splitlines()
    )
    assert "Next:" not in out  # stdout stays the plan only


def test_out_prints_the_next_step_without_catalog_for_the_default(tmp_path, monkeypatch, capsys):
    shutil.copytree(EXAMPLE, tmp_path / "catalog")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["--sandbox", "plan", "--out", "my plan.json"], capsys)
    assert code == 0
    assert "Next: shoptet-catalog apply 'my plan.json'" in err.splitlines()


def test_no_next_step_without_out(capsys):
    code, _, err = run(["--catalog", str(EXAMPLE), "--sandbox", "plan"], capsys)
    assert code == 0
    assert "Next:" not in err
