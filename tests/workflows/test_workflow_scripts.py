"""The shell steps of the workflows, run for real with bash and a fake `shoptet-catalog`.

Each test takes a step's `run:` text from the workflow file, runs it the way GitHub does
(`bash --noprofile --norc -eo pipefail`), with the step's and the workflow's `env:` (expressions
replaced by test values), GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, and a fake tool on PATH
that records its arguments and exits with a chosen code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.tools import need
from tests.workflows import wfcheck

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
PLAN_WORKFLOWS = ["catalog-plan.yml", "catalog-apply.yml", "catalog-drift.yml"]
TOKEN = "tok-3f9a-not-a-real-token"
# The reusable workflows' env from inputs, as this repository's callers give them.
CALLER_INPUTS = {"SHOPTET_CATALOG_INSTALL": ".", "PLAN_WORKFLOW": "shoptet-plan.yml"}


@pytest.fixture(autouse=True)
def _jq():
    need("jq", "the steps use jq, as on GitHub's runners: apt-get install jq")


FAKE_TOOL = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_LOG"
out=""
summary=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--out" ]; then out="$2"; fi
  if [ "$1" = "--github-summary" ]; then summary=1; fi
  shift
done
if [ -n "$out" ] && [ "${FAKE_WRITE_OUT:-1}" = "1" ]; then
  printf '%s\n' "${FAKE_PLAN_JSON:-{\"formatVersion\": 1}}" > "$out"
fi
md='<!-- shoptet-catalog-plan catalog=shops/cz -->
### Plan: 1 to create, 2 to update, 0 to delete.'
echo "$md"
if [ -n "${FAKE_PRINT:-}" ]; then printf '%s\\n' "$FAKE_PRINT"; fi
if [ -n "$summary" ] && [ "${FAKE_EXIT:-0}" != 1 ]; then echo "$md" >> "$GITHUB_STEP_SUMMARY"; fi
echo "fake diagnostics" >&2
exit "${FAKE_EXIT:-0}"
"""


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    summary: str
    output: str
    calls: list[str]
    cwd: Path

    def meta(self) -> dict:
        return json.loads((self.cwd / "out" / "meta.json").read_text())


def find_step(workflow: str, job_id: str, name_start: str) -> tuple[dict, dict]:
    doc = wfcheck.load(WORKFLOWS / workflow)
    for step in wfcheck.steps(doc["jobs"][job_id]):
        if str(step.get("name", "")).startswith(name_start):
            return doc, step
    raise AssertionError(f"{workflow}:{job_id}: no step named {name_start!r}...")


def run_step(
    tmp_path: Path,
    workflow: str,
    job_id: str,
    name_start: str,
    values: dict[str, str],
    *,
    fake_exit: int = 0,
    write_out: bool = True,
    real_tool: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Ran:
    doc, step = find_step(workflow, job_id, name_start)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    tool = bin_dir / "shoptet-catalog"
    if real_tool:
        tool.unlink(missing_ok=True)
        bin_dir = Path(sys.executable).parent  # this venv's shoptet-catalog
    else:
        tool.write_text(FAKE_TOOL)
        tool.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    summary, output, log = tmp_path / "summary.md", tmp_path / "output", tmp_path / "calls"
    for f in (summary, output, log):
        f.write_text("")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
    }
    values = {**CALLER_INPUTS, **values}
    for key, value in {**dict(doc.get("env") or {}), **dict(step.get("env") or {})}.items():
        if "${{" in str(value):
            assert key in values, f"give the test a value for {key} ({value})"
            env[key] = values[key]
        else:
            env[key] = str(value)
    env.update(
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
        FAKE_LOG=str(log),
        FAKE_EXIT=str(fake_exit),
        FAKE_WRITE_OUT="1" if write_out else "0",
        **(extra_env or {}),
    )
    out = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", str(step["run"])],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return Ran(
        out.returncode,
        out.stdout,
        out.stderr,
        summary.read_text(),
        output.read_text(),
        log.read_text().splitlines() if not real_tool else [],
        work,
    )


def plan_values(sandbox: str = "") -> dict[str, str]:
    return {
        "SHOPTET_SANDBOX": sandbox,
        "SHOPTET_PRIVATE_API_TOKEN": TOKEN,
        "CATALOG": "shops/cz",
        "SHOP": "cz",
        "BASE_SHA": "b" * 40,
        "HEAD_SHA": "a" * 40,
        "PR_NUMBER": "17",
        "ENVIRONMENT": "shoptet-plan-cz",
        "LABELS": "[]",
        "ALLOW_DELETE": "false",
        "ALLOW_BULK": "false",
        "ALLOW_PRICE": "false",
        "ALLOW_OPEN_ORDERS": "false",
        "ALLOW_STOCK_BELOW_CLAIM": "false",
    }


PLAN_STEPS = [
    ("catalog-plan.yml", "plan", "Plan (only"),
    ("catalog-apply.yml", "plan", "Plan (the whole"),
    ("catalog-drift.yml", "plan", "Plan the whole"),
]


# --- plan steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("wf", "job_id", "name"), PLAN_STEPS)
def test_plan_with_changes_records_them_and_fills_the_summary(tmp_path, wf, job_id, name):
    ran = run_step(tmp_path, wf, job_id, name, plan_values(), fake_exit=2)
    assert ran.code == 0, ran.stderr
    meta = ran.meta()
    assert meta["shop"] == "cz" and meta["catalog"] == "shops/cz"
    assert meta["exitCode"] == 2 and meta["changes"] is True
    assert "Plan: 1 to create" in ran.summary
    assert (ran.cwd / "out" / "plan.md").read_text().startswith("<!-- shoptet-catalog-plan ")
    (call,) = ran.calls
    assert call.startswith("--catalog shops/cz plan")
    assert "--out out/plan.json --format markdown --github-summary --detailed-exitcode" in call


@pytest.mark.parametrize(("wf", "job_id", "name"), PLAN_STEPS)
def test_plan_without_changes_is_a_success_without_changes(tmp_path, wf, job_id, name):
    ran = run_step(tmp_path, wf, job_id, name, plan_values(), fake_exit=0)
    assert ran.code == 0
    assert ran.meta()["changes"] is False and ran.meta()["exitCode"] == 0


@pytest.mark.parametrize(("wf", "job_id", "name"), PLAN_STEPS)
def test_plan_error_fails_the_step_with_an_annotation_and_records_it(tmp_path, wf, job_id, name):
    ran = run_step(tmp_path, wf, job_id, name, plan_values(), fake_exit=1)
    assert ran.code == 1
    assert "::error title=" in ran.stdout and "exited 1" in ran.stdout
    assert ran.meta()["exitCode"] == 1 and ran.meta()["changes"] is False
    assert ran.summary == ""


@pytest.mark.parametrize(("wf", "job_id", "name"), PLAN_STEPS)
def test_exit_2_without_a_plan_file_is_a_usage_error_not_changes(tmp_path, wf, job_id, name):
    ran = run_step(tmp_path, wf, job_id, name, plan_values(), fake_exit=2, write_out=False)
    assert ran.code == 1
    assert ran.meta()["changes"] is False


@pytest.mark.parametrize(("wf", "job_id", "name"), PLAN_STEPS)
def test_sandbox_variable_adds_the_sandbox_flag(tmp_path, wf, job_id, name):
    ran = run_step(tmp_path, wf, job_id, name, plan_values(sandbox="true"), fake_exit=0)
    assert ran.calls[0].startswith("--sandbox --catalog shops/cz plan")


REFUSING_PLAN = json.dumps(
    {
        "guards": [
            {"name": "delete-limit", "ok": False, "flag": "--allow-delete"},
            {"name": "protected", "ok": True, "flag": None},
            {"name": "price", "ok": False, "flag": "--allow-price", "message": "::x:: 'A' 9 -> 0"},
        ]
    }
)


def test_a_plan_a_guard_would_refuse_fails_the_check_naming_the_guard_and_label(tmp_path):
    ran = run_step(
        tmp_path,
        "catalog-plan.yml",
        "plan",
        "Plan (only",
        {**plan_values(), "LABELS": '["shoptet:allow-delete", "other"]'},
        fake_exit=3,
        extra_env={"FAKE_PLAN_JSON": REFUSING_PLAN},
    )
    assert ran.code == 1
    assert ran.calls[0].endswith("--detailed-exitcode --allow-delete")
    (annotation,) = [line for line in ran.stdout.splitlines() if line.startswith("::error")]
    assert annotation.startswith("::error title=Refused by a guard (cz)::")
    assert "price (a maintainer sets the label shoptet:allow-price after the last push)" in (
        annotation
    )
    assert "delete-limit" not in annotation  # its label is on the pull request
    assert "::x::" not in annotation  # the guards' messages never reach it
    assert ran.meta()["exitCode"] == 3 and ran.meta()["changes"] is True


def test_every_allow_label_becomes_its_plan_flag(tmp_path):
    labels = (
        '["shoptet:allow-open-orders", "shoptet:allow-price", "shoptet:allow-bulk", '
        '"shoptet:allow-stock-below-claim", "shoptet:allow-delete"]'
    )
    ran = run_step(
        tmp_path, "catalog-plan.yml", "plan", "Plan (only", {**plan_values(), "LABELS": labels}
    )
    assert ran.calls[0].endswith(
        "--allow-delete --allow-bulk --allow-price --allow-open-orders --allow-stock-below-claim"
    )


def test_pull_request_plan_covers_only_changes_since_the_base(tmp_path):
    ran = run_step(tmp_path, "catalog-plan.yml", "plan", "Plan (only", plan_values(), fake_exit=2)
    assert f"--changed-since {'b' * 40}" in ran.calls[0]
    assert ran.meta()["pr"] == 17 and ran.meta()["headSha"] == "a" * 40


def test_drift_plan_uses_the_per_shop_cache(tmp_path):
    ran = run_step(tmp_path, "catalog-drift.yml", "plan", "Plan the whole", plan_values())
    assert "--cache .shoptet-cache/cz" in ran.calls[0]


@pytest.mark.parametrize(
    ("wf", "name"), [("catalog-plan.yml", "Plan (only"), ("catalog-drift.yml", "Plan the whole")]
)
def test_plans_keep_the_per_shop_parse_cache_that_main_fills(tmp_path, wf, name):
    """The pull request's plan and main's daily plan share one parse cache a shop (issue 16):
    the daily plan fills it for main's files, a pull request's plan parses only its changes."""
    ran = run_step(tmp_path, wf, "plan", name, plan_values())
    assert "--parse-cache .shoptet-parse-cache/cz" in ran.calls[0]
    steps = wfcheck.jobs(wfcheck.load(WORKFLOWS / wf))["plan"]["steps"]
    (cache,) = [s for s in steps if s.get("with", {}).get("path") == ".shoptet-parse-cache"]
    assert cache["uses"].startswith("actions/cache@")
    assert cache["with"]["restore-keys"] == "shoptet-parse-cache-${{ matrix.shop.name }}-"
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])


# --- token checks --------------------------------------------------------------------------------

TOKEN_CHECKS = [
    ("catalog-plan.yml", "plan"),
    ("catalog-apply.yml", "plan"),
    ("catalog-drift.yml", "plan"),
]


@pytest.mark.parametrize(("wf", "job_id"), TOKEN_CHECKS)
def test_a_missing_token_says_which_secret_and_environment(tmp_path, wf, job_id):
    values = {**plan_values(), "SHOPTET_PRIVATE_API_TOKEN": ""}
    ran = run_step(tmp_path, wf, job_id, "Check that the read-only token", values)
    assert ran.code == 1
    assert "::error title=No Shoptet token::" in ran.stdout
    assert "SHOPTET_READ_TOKEN" in ran.stdout and "shoptet-plan-cz" in ran.stdout


@pytest.mark.parametrize(("wf", "job_id"), TOKEN_CHECKS)
def test_token_check_passes_with_a_token_or_in_sandbox_mode(tmp_path, wf, job_id):
    ok = run_step(tmp_path, wf, job_id, "Check that the read-only token", plan_values())
    assert ok.code == 0 and TOKEN not in ok.stdout + ok.stderr
    values = {**plan_values(sandbox="true"), "SHOPTET_PRIVATE_API_TOKEN": ""}
    sandbox = run_step(tmp_path, wf, job_id, "Check that the read-only token", values)
    assert sandbox.code == 0


def test_fork_notice_explains_and_writes_the_summary(tmp_path):
    ran = run_step(tmp_path, "catalog-plan.yml", "fork-notice", "Explain", {"SHOPTET_SANDBOX": ""})
    assert ran.code == 0
    assert ran.stdout.startswith("::notice title=No plan for pull requests from forks::")
    assert "no secrets" in ran.summary


# --- apply step ---------------------------------------------------------------------------------


def apply_values(**over: str) -> dict[str, str]:
    return {
        "SHOPTET_SANDBOX": "",
        "SHOPTET_PRIVATE_API_TOKEN": TOKEN,
        "CATALOG": "shops/cz",
        "SHOP": "cz",
        "ALLOW_DELETE": "false",
        "ALLOW_BULK": "false",
        "ALLOW_PRICE": "false",
        "ALLOW_OPEN_ORDERS": "false",
        "ALLOW_STOCK_BELOW_CLAIM": "false",
        "MODE": "replan",
        "BEFORE_MERGE": "",
        **over,
    }


def run_apply(tmp_path, code=0, printed="", **over) -> Ran:
    return run_step(
        tmp_path,
        "catalog-apply.yml",
        "apply",
        "Apply the reviewed plan",
        apply_values(**over),
        fake_exit=code,
        extra_env={"FAKE_PRINT": printed},
    )


def test_apply_runs_the_downloaded_plan_with_auto_approve_and_a_journal(tmp_path):
    ran = run_apply(tmp_path)
    assert ran.code == 0
    assert ran.calls == [
        "--catalog shops/cz apply plan/plan.json --auto-approve --journal out/journal.jsonl"
    ]
    assert "## Apply: cz (exit 0)" in ran.summary and "fake diagnostics" in ran.summary
    assert (ran.cwd / "out" / "apply.txt").exists()  # kept in the journal artifact


BASE = "0123456789abcdef0123456789abcdef01234567"


def test_a_merged_pull_requests_plan_is_applied_with_the_policy_before_the_merge(tmp_path):
    """Issue 12: a pull request must not relax the guards it passes."""
    ran = run_apply(tmp_path, MODE="pr", BEFORE_MERGE=BASE)
    assert ran.code == 0
    assert ran.calls[-1].endswith(f"--journal out/journal.jsonl --policy-from {BASE}")
    assert "--policy-from" not in run_apply(tmp_path, MODE="replan", BEFORE_MERGE=BASE).calls[-1]


@pytest.mark.parametrize("before", ["", "0" * 40, "HEAD~1", f"{BASE} --allow-delete"])
def test_a_pull_request_apply_without_a_usable_base_commit_fails_before_the_tool(tmp_path, before):
    ran = run_apply(tmp_path, MODE="pr", BEFORE_MERGE=before)
    assert ran.code == 1 and ran.calls == []
    assert "No base commit" in ran.stdout


def test_labels_turn_into_the_allow_flags_and_nothing_else_does(tmp_path):
    assert "--allow" not in run_apply(tmp_path).calls[0]
    both = run_apply(tmp_path, ALLOW_DELETE="true", ALLOW_BULK="true").calls[-1]
    assert both.endswith("--auto-approve --journal out/journal.jsonl --allow-delete --allow-bulk")
    price = run_apply(tmp_path, ALLOW_PRICE="true").calls[-1]
    assert price.endswith("--journal out/journal.jsonl --allow-price")
    assert "--allow-price" not in run_apply(tmp_path, ALLOW_PRICE="yes").calls[-1]
    orders = run_apply(tmp_path, ALLOW_OPEN_ORDERS="true").calls[-1]
    assert orders.endswith("--journal out/journal.jsonl --allow-open-orders")
    below = run_apply(tmp_path, ALLOW_STOCK_BELOW_CLAIM="true").calls[-1]
    assert below.endswith("--journal out/journal.jsonl --allow-stock-below-claim")
    assert "--allow-stock" not in run_apply(tmp_path, ALLOW_STOCK_BELOW_CLAIM="yes").calls[-1]
    assert "--allow-delete" not in run_apply(tmp_path, ALLOW_DELETE="yes").calls[-1]


@pytest.mark.parametrize(
    ("code", "title", "advice"),
    [
        (3, "Refused by a guard (cz)", "shoptet:allow-delete"),
        (4, "Stale plan (cz)", "Re-plan: run catalog-apply by hand"),
        (1, "Apply failed (cz)", "the journal artifact lists every write"),
    ],
)
def test_apply_failures_keep_their_exit_code_and_say_what_to_do(tmp_path, code, title, advice):
    ran = run_apply(tmp_path, code)
    assert ran.code == code
    (annotation,) = [line for line in ran.stdout.splitlines() if line.startswith("::error")]
    assert annotation.startswith(
        f"::error title={title}::Nothing was written" if code != 1 else f"::error title={title}::"
    )
    assert advice in annotation
    assert f"(exit {code})" in ran.summary


def test_apply_without_the_write_token_fails_before_running_the_tool(tmp_path):
    ran = run_apply(tmp_path, SHOPTET_PRIVATE_API_TOKEN="")
    assert ran.code == 1 and ran.calls == []
    assert "SHOPTET_WRITE_TOKEN" in ran.stdout and "shoptet-apply-cz" in ran.stdout


# A product name in plan.json (an artifact) that the tool prints, carrying workflow commands and
# markup that would end the summary's block.
FORGED = "Mug ::add-mask::x\n::error title=forged::y\n::set-output name=shops::[]\n</pre>\n```\n<img src=z>"


def test_the_tools_output_cannot_issue_workflow_commands(tmp_path):
    ran = run_apply(tmp_path, printed=FORGED)
    assert ran.code == 0
    lines = ran.stdout.splitlines()
    stop = [i for i, line in enumerate(lines) if line.startswith("::stop-commands::")]
    assert len(stop) == 1
    token = lines[stop[0]].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    resume = lines.index(f"::{token}::")
    forged = [i for i, line in enumerate(lines) if "::add-mask::" in line or "forged" in line]
    assert forged and all(stop[0] < i < resume for i in forged)
    again = run_apply(tmp_path, printed=FORGED).stdout
    assert f"::stop-commands::{token}" not in again  # a new token every run


def test_the_tools_output_is_escaped_in_the_summary(tmp_path):
    ran = run_apply(tmp_path, printed=FORGED)
    assert ran.summary.count("<pre>") == 1 and ran.summary.count("</pre>") == 1
    assert ran.summary.rstrip().endswith("</pre>")
    assert "&lt;/pre&gt;" in ran.summary and "&lt;img src=z&gt;" in ran.summary
    assert "<img" not in ran.summary
    assert "fake diagnostics" in ran.summary


# --- the apply job refuses a re-run of a push-triggered apply --------------------------------


def run_guard(tmp_path, event: str, attempt: str) -> Ran:
    values = {"EVENT_NAME": event, "RUN_ATTEMPT": attempt, "SHOPTET_SANDBOX": ""}
    return run_step(tmp_path, "catalog-apply.yml", "apply", "Refuse a re-run", values)


def test_a_re_run_of_a_push_triggered_apply_job_is_refused_before_any_write(tmp_path):
    ran = run_guard(tmp_path, "push", "2")
    assert ran.code == 1
    assert ran.stdout.startswith("::error title=Re-run refused::")
    assert "manual run" in ran.stdout and "workflow_dispatch" in ran.stdout
    doc, guard = find_step("catalog-apply.yml", "apply", "Refuse a re-run")
    assert wfcheck.steps(doc["jobs"]["apply"])[0] == guard  # before checkout and the apply
    assert "if" not in guard  # it always runs


@pytest.mark.parametrize(("event", "attempt"), [("push", "1"), ("workflow_dispatch", "2")])
def test_a_first_attempt_or_a_manual_re_run_goes_ahead(tmp_path, event, attempt):
    assert run_guard(tmp_path, event, attempt).code == 0


# --- gather: which shops have something to apply -------------------------------------------------


def run_gather(tmp_path, metas: list[dict], shops: str) -> Ran:
    for meta in metas:
        d = tmp_path / "work" / "plans" / f"shoptet-plan-{meta['shop']}"
        d.mkdir(parents=True)
        (d / "meta.json").write_text(json.dumps(meta))
    values = {"SHOPS": shops, "SHOPTET_SANDBOX": ""}
    return run_step(tmp_path, "catalog-apply.yml", "gather", "List the shops", values)


def meta(shop: str, code: int) -> dict:
    return {"shop": shop, "catalog": f"shops/{shop}", "exitCode": code, "changes": code == 2}


SHOPS = '[{"name":"cz","catalog":"shops/cz"},{"name":"sk","catalog":"shops/sk"}]'


def test_gather_lists_only_the_shops_with_changes(tmp_path):
    ran = run_gather(tmp_path, [meta("cz", 2), meta("sk", 0)], SHOPS)
    assert ran.code == 0, ran.stdout + ran.stderr
    (line,) = ran.output.splitlines()
    assert line.startswith("shops=")
    assert json.loads(line.removeprefix("shops=")) == [{"name": "cz", "catalog": "shops/cz"}]
    assert "Shops with changes to apply: cz" in ran.stdout


def test_gather_takes_the_catalog_directory_from_the_shops_variable_not_the_artifact(tmp_path):
    forged = {**meta("cz", 2), "catalog": "elsewhere"}
    ran = run_gather(tmp_path, [forged, meta("sk", 0)], SHOPS)
    assert ran.output.strip() == 'shops=[{"name":"cz","catalog":"shops/cz"}]'


def test_gather_with_nothing_to_apply_gives_an_empty_list(tmp_path):
    ran = run_gather(tmp_path, [meta("cz", 0), meta("sk", 0)], SHOPS)
    assert ran.output.strip() == "shops=[]"
    assert "Shops with changes to apply: none" in ran.stdout


@pytest.mark.parametrize(
    ("metas", "named"),
    [([meta("cz", 2)], "sk"), ([meta("cz", 2), meta("sk", 1)], "sk"), ([], "")],
    ids=["shop-without-plan", "failed-plan", "no-artifacts"],
)
def test_gather_refuses_when_a_shop_has_no_usable_plan(tmp_path, metas, named):
    ran = run_gather(tmp_path, metas, SHOPS)
    assert ran.code == 1 and ran.output == ""
    assert re.search(r"::error title=No (usable )?plan::", ran.stdout)
    assert named in ran.stdout and "Re-plan" in ran.stdout


EVIL_SHOP = "sk\n::add-mask::tok%0A##[set-output name=shops]x"


def test_gather_quotes_a_shop_name_from_meta_json_in_its_error(tmp_path):
    ran = run_gather(tmp_path, [meta("cz", 2), {**meta("x", 1), "shop": EVIL_SHOP}], SHOPS)
    assert ran.code == 1 and ran.output == ""
    commands = [line for line in ran.stdout.splitlines() if line.lstrip().startswith("::")]
    (error,) = commands
    assert error.startswith("::error title=No usable plan::")
    assert '"sk\\n::add-mask::tok%250A#%23[set-output name=shops]x"' in error


def test_gather_prints_and_outputs_no_string_of_meta_json(tmp_path):
    forged = {**meta("x", 2), "shop": "cz\n::set-output name=shops::[]"}
    ran = run_gather(tmp_path, [meta("cz", 2), meta("sk", 0), forged], SHOPS)
    assert ran.code == 0
    assert ran.output == 'shops=[{"name":"cz","catalog":"shops/cz"}]\n'
    assert not any(line.lstrip().startswith("::") for line in ran.stdout.splitlines())
    assert "set-output" not in ran.stdout


# --- end to end: the real tool in sandbox mode through plan, gather and apply ----------------------

CATALOG = Path(__file__).resolve().parents[2] / "catalog"


def _real(values: dict[str, str]) -> dict[str, str]:
    return {**values, "SHOPTET_SANDBOX": "true", "SHOPTET_PRIVATE_API_TOKEN": ""}


def plan_then_gather(tmp_path: Path) -> Ran:
    values = _real({**plan_values(), "CATALOG": str(CATALOG), "SHOP": "main"})
    planned = run_step(
        tmp_path, "catalog-apply.yml", "plan", "Plan (the whole", values, real_tool=True
    )
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.meta()["changes"] is True
    assert "products created" in planned.summary  # written by the tool's --github-summary
    artifact = planned.cwd / "plans" / "shoptet-plan-main"
    artifact.parent.mkdir()
    (planned.cwd / "out").rename(artifact)
    return planned


def apply_real(tmp_path: Path, catalog: Path) -> Ran:
    work = tmp_path / "work"
    (work / "plan").mkdir()
    shutil.copy(work / "plans" / "shoptet-plan-main" / "plan.json", work / "plan" / "plan.json")
    values = _real(apply_values(CATALOG=str(catalog), SHOP="main"))
    return run_step(
        tmp_path, "catalog-apply.yml", "apply", "Apply the reviewed plan", values, real_tool=True
    )


def test_sandbox_plan_gather_and_apply_run_end_to_end_with_the_real_tool(tmp_path):
    plan_then_gather(tmp_path)
    values = {"SHOPS": '[{"name":"main","catalog":"catalog"}]', "SHOPTET_SANDBOX": ""}
    gathered = run_step(tmp_path, "catalog-apply.yml", "gather", "List the shops", values)
    assert gathered.output.strip() == 'shops=[{"name":"main","catalog":"catalog"}]'
    applied = apply_real(tmp_path, CATALOG)
    assert applied.code == 0, applied.stdout + applied.stderr
    assert "## Apply: main (exit 0)" in applied.summary
    journal = (applied.cwd / "out" / "journal.jsonl").read_text().splitlines()
    assert journal and all(json.loads(line) for line in journal)


def test_a_catalog_changed_after_the_plan_stops_the_apply_as_stale(tmp_path):
    plan_then_gather(tmp_path)
    changed = tmp_path / "changed-catalog"
    shutil.copytree(CATALOG, changed)
    (changed / "shop.yaml").write_text((changed / "shop.yaml").read_text() + "\n# edited\n")
    applied = apply_real(tmp_path, changed)
    assert applied.code == 4, applied.stdout + applied.stderr
    assert "::error title=Stale plan (main)::Nothing was written" in applied.stdout


def test_an_apply_that_changed_the_image_lock_keeps_it_and_says_to_commit_it(tmp_path):
    work = tmp_path / "work"
    (work / "shops" / "cz").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    unchanged = run_apply(tmp_path)
    assert "image lock" not in unchanged.stdout and not (work / "out" / "images.lock.yaml").exists()
    (work / "shops" / "cz" / "images.lock.yaml").write_text("# lock\n")  # what apply wrote
    ran = run_apply(tmp_path)
    assert ran.code == 0
    assert (work / "out" / "images.lock.yaml").read_text() == "# lock\n"  # in the artifact
    (warning,) = [line for line in ran.stdout.splitlines() if line.startswith("::warning")]
    assert warning.startswith("::warning title=Commit the image lock (cz)::")
    assert "shops/cz/images.lock.yaml" in warning
    assert "Commit the image lock" in ran.summary
