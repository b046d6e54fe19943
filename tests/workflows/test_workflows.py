"""The GitHub workflows: zizmor clean, the project's security rules (wfcheck), and the behaviour
each workflow promises (README "Setting up the GitHub workflows"), so none of it can regress.

Fixtures under fixtures/ each break exactly one rule (named in their `# expect:` line) and prove
the rule bites; fixtures/unpinned.yml is the deliberately unpinned action.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.support.tools import need, need_file
from tests.workflows import wfcheck

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FIXTURES = Path(__file__).parent / "fixtures"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
FIXTURE_FILES = sorted(FIXTURES.glob("*.yml"))
ZIZMOR = Path(sys.executable).with_name("zizmor")
SHOPS = "fromJSON(inputs.shops)"
# This repository's own callers of the reusable workflows: what a catalog repository has (from
# `shoptet-catalog init`), with the tool installed from this checkout.
CALLERS = {
    "shoptet-plan.yml": "catalog-plan.yml",
    "shoptet-apply.yml": "catalog-apply.yml",
    "shoptet-drift.yml": "catalog-drift.yml",
}


def doc(name: str):
    return wfcheck.load(WORKFLOWS / name)


def job(name: str, job_id: str):
    return doc(name)["jobs"][job_id]


def run_text(j) -> str:
    return "\n".join(str(s.get("run", "")) for s in wfcheck.steps(j))


def test_the_workflows_are_ci_three_reusable_ones_and_their_callers():
    assert {p.name for p in WORKFLOW_FILES} == {"ci.yml", "catalog-revert.yml", *CALLERS, *CALLERS.values()}
    for reusable in CALLERS.values():
        assert wfcheck.triggers(doc(reusable)) == {"workflow_call"}, reusable


@pytest.mark.parametrize(("caller", "reusable"), CALLERS.items())
def test_each_caller_is_one_job_calling_its_reusable_workflow_here(caller, reusable):
    (call,) = wfcheck.jobs(doc(caller)).values()
    assert call["uses"] == f"./.github/workflows/{reusable}"
    assert call["with"]["install"] == "."  # this checkout: the tool under test
    assert wfcheck.resolve_call(call["uses"], WORKFLOWS / caller) == WORKFLOWS / reusable


# --- the rules, on the real workflows and on fixtures that break them ---------------------------


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_follows_every_security_rule(path):
    problems = wfcheck.check_file(path)
    assert problems == [], "\n".join(map(str, problems))


def _expected_rule(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = re.fullmatch(r"# expect: ([a-z-]+)", first)
    assert m, f"{path.name} must start with '# expect: <rule>'"
    return m.group(1)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_each_bad_fixture_breaks_exactly_its_rule(path):
    rules = {p.rule for p in wfcheck.check_file(path)}
    assert rules == {_expected_rule(path)}


def test_problems_name_file_line_and_what_to_do():
    (problem,) = wfcheck.check_file(FIXTURES / "unpinned.yml")
    assert str(problem) == (
        "unpinned.yml:18: [pin] `actions/setup-python@v5` (job `build`) "
        "is not pinned to a full commit SHA"
    )


# --- zizmor --------------------------------------------------------------------------------------


def zizmor(*paths: Path, collect: str = "default") -> tuple[int, list[dict]]:
    need_file(ZIZMOR, "zizmor", "pip install -e '.[dev]'")
    out = subprocess.run(
        [
            str(ZIZMOR),
            "--offline",
            "--persona",
            "pedantic",
            "--no-config",
            "--format",
            "json",
            f"--collect={collect}",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.returncode, json.loads(out.stdout or "[]")


def test_zizmor_finds_nothing_in_the_workflows_even_when_pedantic():
    code, findings = zizmor(WORKFLOWS)
    assert findings == [] and code == 0, json.dumps(findings, indent=1)[:4000]


def test_zizmor_fails_on_the_deliberately_unpinned_fixture():
    code, findings = zizmor(FIXTURES / "unpinned.yml")
    assert code != 0
    assert "unpinned-uses" in {f["ident"] for f in findings}


def test_zizmor_flags_the_template_injection_fixture():
    code, findings = zizmor(FIXTURES / "injection.yml")
    assert code != 0
    assert "template-injection" in {f["ident"] for f in findings}


# --- permissions: each job exactly what it needs ----------------------------------------------

EXPECTED_PERMISSIONS = {
    ("ci.yml", "test"): {"contents": "read"},
    ("ci.yml", "quick-start"): {"contents": "read"},
    ("catalog-plan.yml", "validate"): {"contents": "read"},
    ("catalog-plan.yml", "fork-notice"): {},
    ("catalog-plan.yml", "plan"): {"contents": "read"},
    ("catalog-plan.yml", "comment"): {"contents": "read", "pull-requests": "write"},
    ("shoptet-plan.yml", "plan"): {"contents": "read", "pull-requests": "write"},
    ("shoptet-apply.yml", "apply"): {
        "contents": "read",
        "actions": "read",
        "pull-requests": "read",
        "issues": "read",
    },
    ("shoptet-drift.yml", "drift"): {"contents": "read", "issues": "write"},
    ("catalog-apply.yml", "source"): {
        "contents": "read",
        "actions": "read",
        "pull-requests": "read",
        "issues": "read",
    },
    ("catalog-apply.yml", "plan"): {"contents": "read"},
    ("catalog-apply.yml", "gather"): {"actions": "read"},
    ("catalog-apply.yml", "apply"): {"contents": "read", "actions": "read"},
    ("catalog-drift.yml", "plan"): {"contents": "read"},
    ("catalog-drift.yml", "report"): {"issues": "write"},
    ("catalog-revert.yml", "source"): {"actions": "read"},
    ("catalog-revert.yml", "plan"): {"contents": "read", "actions": "read"},
    ("catalog-revert.yml", "apply"): {"contents": "read", "actions": "read"},
}


def test_every_job_has_exactly_the_permissions_it_needs():
    actual = {
        (p.name, job_id): dict(j.get("permissions") or {})
        for p in WORKFLOW_FILES
        for job_id, j in wfcheck.jobs(wfcheck.load(p)).items()
    }
    assert actual == EXPECTED_PERMISSIONS


def test_top_level_permissions_are_empty_everywhere():
    for p in WORKFLOW_FILES:
        assert dict(wfcheck.load(p)["permissions"]) == {}, p.name


# --- shells and scripts parse ------------------------------------------------------------------


def _all_scripts():
    for p in WORKFLOW_FILES:
        scripts = wfcheck._scripts(wfcheck.load(p))
        for i, (text, _node, key, job_id) in enumerate(scripts):
            yield pytest.param(key, text, id=f"{p.name}:{job_id}:{key}:{i}")


@pytest.mark.parametrize(("kind", "text"), list(_all_scripts()))
def test_every_script_is_syntactically_valid(kind, text, tmp_path):
    if kind == "run":
        out = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    else:
        node = need("node", "https://nodejs.org; GitHub's runners have it")
        # github-script runs the text as the body of an async function.
        js = tmp_path / "script.js"
        js.write_text(f"(async function (github, context, core, require) {{\n{text}\n}});\n")
        out = subprocess.run([node, "--check", str(js)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


# --- catalog-plan.yml --------------------------------------------------------------------------


def test_plan_runs_on_pull_requests_into_main_only():
    d = doc("shoptet-plan.yml")
    assert wfcheck.triggers(d) == {"pull_request"}
    assert dict(d["on"]["pull_request"]) == {
        "branches": ["main"],
        # a shoptet:allow-* label set or removed re-plans: the guard check follows the labels
        "types": ["opened", "synchronize", "reopened", "labeled", "unlabeled"],
    }


def test_plan_validates_with_github_annotations_without_any_secret():
    j = job("catalog-plan.yml", "validate")
    assert "validate --format github" in run_text(j)
    assert "secrets." not in wfcheck._text(j)
    assert "if" not in j  # forks get the validation too


def test_forks_get_a_clear_message_instead_of_a_failing_plan():
    plan = job("catalog-plan.yml", "plan")
    notice = job("catalog-plan.yml", "fork-notice")
    assert plan["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert notice["if"] == "github.event.pull_request.head.repo.full_name != github.repository"
    text = run_text(notice)
    assert "::notice" in text and "fork" in text and "GITHUB_STEP_SUMMARY" in text


def test_plan_uses_the_read_only_token_of_the_shops_plan_environment():
    plan = job("catalog-plan.yml", "plan")
    assert plan["environment"] == "shoptet-plan-${{ matrix.shop.name }}"
    assert wfcheck._shoptet_secrets(plan) == {"SHOPTET_READ_TOKEN"}


def test_plan_covers_only_the_pull_requests_changes_and_keeps_plan_json_and_markdown():
    plan = job("catalog-plan.yml", "plan")
    text = run_text(plan)
    assert '--changed-since "$BASE_SHA"' in text
    assert (
        "--out out/plan.json --format markdown --github-summary --detailed-exitcode "
        '"${allow[@]}" > out/plan.md' in text
    )
    checkout = wfcheck.steps(plan)[0]
    assert checkout["with"]["fetch-depth"] == 0  # the base commit must be there
    upload = [s for s in wfcheck.steps(plan) if "upload-artifact" in str(s.get("uses"))]
    assert upload[0]["with"]["name"] == "shoptet-plan-${{ matrix.shop.name }}"


def test_the_plan_comment_is_one_sticky_comment_found_by_the_plan_marker():
    comment = job("catalog-plan.yml", "comment")
    assert (
        'shoptet-catalog comment --plans plans --run-url "$RUN_URL" --out comment.md'
        in run_text(comment)
    )
    script = wfcheck.steps(comment)[-1]["with"]["script"]
    assert "fs.readFileSync('comment.md', 'utf8')" in script
    assert "const MARKER = '<!-- shoptet-catalog-plan -->';" in script
    assert "updateComment" in script and "createComment" in script
    assert "startsWith(MARKER)" in script
    assert "secrets." not in wfcheck._text(comment)


def test_the_comment_is_written_by_the_tool_installed_as_the_plan_job_installs_it():
    comment, plan = job("catalog-plan.yml", "comment"), job("catalog-plan.yml", "plan")
    steps = wfcheck.steps(comment)
    install = [s["run"] for s in steps if "pip install" in str(s.get("run", ""))]
    assert install == [s["run"] for s in wfcheck.steps(plan) if "pip install" in str(s.get("run"))]
    uses = [str(s.get("uses", "")).split("@")[0] for s in steps]
    assert uses == [
        "actions/checkout",
        "actions/setup-python",
        "",
        "actions/download-artifact",
        "",
        "actions/github-script",
    ]
    assert steps[3]["with"]["path"] == "plans"
    assert steps[4]["run"] == (
        'shoptet-catalog comment --plans plans --run-url "$RUN_URL" --out comment.md'
    )
    # the script only posts the file: no plan logic left in JavaScript
    script = steps[5]["with"]["script"]
    assert "readFileSync('comment.md'" in script and "plans" not in script


# --- catalog-apply.yml -------------------------------------------------------------------------


def test_apply_runs_after_merge_to_main_and_by_hand_never_on_pull_requests():
    assert wfcheck.triggers(doc("shoptet-apply.yml")) == {"push", "workflow_dispatch"}
    assert list(doc("shoptet-apply.yml")["on"]["push"]["branches"]) == ["main"]
    # the manual run's boxes reach the reusable workflow's inputs of the same name
    (call,) = wfcheck.jobs(doc("shoptet-apply.yml")).values()
    for box in (
        "allow_delete",
        "allow_bulk",
        "allow_price",
        "allow_open_orders",
        "allow_stock_below_claim",
    ):
        assert box in doc("shoptet-apply.yml")["on"]["workflow_dispatch"]["inputs"]
        assert call["with"][box] == "${{ inputs." + box + " == true }}"
    assert call["with"]["plan_workflow"] == "shoptet-plan.yml"  # whose runs hold the plans


def test_only_the_apply_job_holds_the_write_token_in_an_environment_with_a_per_shop_lock():
    holders = [
        (p.name, job_id)
        for p in WORKFLOW_FILES
        for job_id, j in wfcheck.jobs(wfcheck.load(p)).items()
        if wfcheck.WRITE_TOKEN in wfcheck._shoptet_secrets(j)
    ]
    # the calling job only passes it on (by name) to the reusable workflow's apply job
    # catalog-revert's apply job is checked in test_revert_workflow.py
    assert holders == [
        ("catalog-apply.yml", "apply"),
        ("catalog-revert.yml", "apply"),
        ("shoptet-apply.yml", "apply"),
    ]
    assert list(wfcheck.call_secrets(doc("catalog-apply.yml"))) == [
        "SHOPTET_READ_TOKEN",
        wfcheck.WRITE_TOKEN,
    ]
    for reusable in ("catalog-plan.yml", "catalog-drift.yml"):
        assert wfcheck.WRITE_TOKEN not in wfcheck.call_secrets(doc(reusable))
    apply = job("catalog-apply.yml", "apply")
    assert apply["environment"] == "shoptet-apply-${{ matrix.shop.name }}"
    assert dict(apply["concurrency"]) == {
        "group": "shoptet-apply-${{ matrix.shop.name }}",
        "cancel-in-progress": False,
    }


def test_only_the_apply_job_runs_the_apply_command():
    for p in WORKFLOW_FILES:
        for job_id, j in wfcheck.jobs(wfcheck.load(p)).items():
            if re.search(r"\bapply\b.*--auto-approve", run_text(j)):
                assert (p.name, job_id) in {
                    ("catalog-apply.yml", "apply"),
                    ("catalog-revert.yml", "apply"),
                }


def test_apply_applies_the_downloaded_reviewed_plan_and_keeps_the_journal():
    apply = job("catalog-apply.yml", "apply")
    text = run_text(apply)
    assert "args=(apply plan/plan.json --auto-approve --journal out/journal.jsonl)" in text
    download = next(s for s in wfcheck.steps(apply) if "download-artifact" in str(s.get("uses")))
    assert download["with"]["run-id"] == "${{ needs.source.outputs.run_id }}"
    assert download["with"]["name"] == "shoptet-plan-${{ matrix.shop.name }}"
    upload = wfcheck.steps(apply)[-1]
    assert "upload-artifact" in upload["uses"] and upload["if"] == "always()"
    assert "journal" in upload["with"]["name"]


def test_deletions_bulk_and_prices_only_from_the_label_check():
    apply = job("catalog-apply.yml", "apply")
    env = wfcheck.steps(apply)[-2]["env"]
    assert env["ALLOW_DELETE"] == "${{ needs.source.outputs.allow_delete }}"
    assert env["ALLOW_BULK"] == "${{ needs.source.outputs.allow_bulk }}"
    assert env["ALLOW_PRICE"] == "${{ needs.source.outputs.allow_price }}"
    assert env["ALLOW_OPEN_ORDERS"] == "${{ needs.source.outputs.allow_open_orders }}"
    assert env["ALLOW_STOCK_BELOW_CLAIM"] == "${{ needs.source.outputs.allow_stock_below_claim }}"
    text = run_text(apply)
    assert 'if [ "$ALLOW_DELETE" = "true" ]; then args+=(--allow-delete); fi' in text
    assert 'if [ "$ALLOW_PRICE" = "true" ]; then args+=(--allow-price); fi' in text
    assert text.count("--allow-delete") == 1 and text.count("--allow-bulk") == 1
    assert text.count("--allow-price") == 1
    assert 'if [ "$ALLOW_OPEN_ORDERS" = "true" ]; then args+=(--allow-open-orders); fi' in text
    assert text.count("--allow-open-orders") == 1
    below = 'if [ "$ALLOW_STOCK_BELOW_CLAIM" = "true" ]; then args+=(--allow-stock-below-claim); fi'
    assert below in text and text.count("--allow-stock-below-claim") == 1
    script = wfcheck.steps(job("catalog-apply.yml", "source"))[0]["with"]["script"]
    for label in ("DELETE", "BULK", "PRICE", "OPEN_ORDERS", "STOCK_BELOW_CLAIM"):
        assert f"env.LABEL_ALLOW_{label}, pushed, events)" in script
    assert doc("catalog-apply.yml")["env"]["LABEL_ALLOW_PRICE"] == "shoptet:allow-price"
    assert doc("catalog-apply.yml")["env"]["LABEL_ALLOW_OPEN_ORDERS"] == "shoptet:allow-open-orders"
    assert (
        doc("catalog-apply.yml")["env"]["LABEL_ALLOW_STOCK_BELOW_CLAIM"]
        == "shoptet:allow-stock-below-claim"
    )
    assert "['admin', 'maintain'].includes(data.role_name)" in script
    assert doc("catalog-apply.yml")["env"]["LABEL_ALLOW_DELETE"] == "shoptet:allow-delete"


def test_a_stale_plan_fails_with_a_message_to_re_plan():
    text = run_text(job("catalog-apply.yml", "apply"))
    stale = [line for line in text.splitlines() if line.strip().startswith("4)")]
    assert stale and "Stale plan" in stale[0] and "Re-plan" in stale[0]
    assert 'exit "$rc"' in text


def test_apply_takes_the_reviewed_plan_run_of_the_merged_pull_requests_head():
    step = wfcheck.steps(job("catalog-apply.yml", "source"))[0]
    script = step["with"]["script"]
    assert "listPullRequestsAssociatedWithCommit" in script
    assert "p.merge_commit_sha === sha" in script
    assert "head_sha: pr.head.sha" in script
    # no blind "newest run": every candidate is checked
    assert "const why = provenance(candidate, pr, rivals, baseChanges);" in script
    assert step["env"]["RUN_ATTEMPT"] == "${{ github.run_attempt }}"  # the replay check


# --- catalog-drift.yml -------------------------------------------------------------------------


def test_drift_is_scheduled_and_manages_one_issue_per_shop():
    assert wfcheck.triggers(doc("shoptet-drift.yml")) == {"schedule", "workflow_dispatch"}
    d = doc("catalog-drift.yml")
    plan = d["jobs"]["plan"]
    assert "--detailed-exitcode" in run_text(plan) and "--changed-since" not in run_text(plan)
    script = wfcheck.steps(d["jobs"]["report"])[-1]["with"]["script"]
    assert "<!-- shoptet-catalog-drift shop=${meta.shop} -->" in script
    assert "issues.create(" in script and "issues.update(" in script
    assert "state: 'closed'" in script


# --- many shops: one matrix job per shop -------------------------------------------------------

MATRIX_JOBS = [
    ("catalog-plan.yml", "validate"),
    ("catalog-plan.yml", "plan"),
    ("catalog-apply.yml", "plan"),
    ("catalog-drift.yml", "plan"),
]


@pytest.mark.parametrize(("name", "job_id"), MATRIX_JOBS)
def test_shop_jobs_run_a_matrix_over_the_configured_shops(name, job_id):
    j = job(name, job_id)
    assert j["strategy"]["matrix"]["shop"] == "${{ " + SHOPS + " }}"
    assert j["strategy"]["fail-fast"] is False
    assert '--catalog "$CATALOG"' in run_text(j)


def test_the_apply_matrix_is_the_shops_whose_reviewed_plan_has_changes():
    apply = job("catalog-apply.yml", "apply")
    assert apply["strategy"]["matrix"]["shop"] == "${{ fromJSON(needs.gather.outputs.shops) }}"
    assert "needs.gather.outputs.shops != '[]'" in apply["if"]


# --- the command lines match the tool's CLI (DESIGN §4) ----------------------------------------

# Every option the workflows pass, by command ("" = the group).
WORKFLOW_OPTIONS = {
    "": {"--catalog", "--sandbox"},
    "validate": {"--format"},
    "plan": {
        "--changed-since",
        "--out",
        "--format",
        "--github-summary",
        "--detailed-exitcode",
        "--cache",
        "--parse-cache",
    },
    "comment": {"--plans", "--run-url", "--out"},
    "apply": {
        "--auto-approve",
        "--journal",
        "--allow-delete",
        "--allow-bulk",
        "--allow-price",
        "--allow-open-orders",
        "--allow-stock-below-claim",
        "--policy-from",
        "--revert",
    },
    "revert": {"--out"},
}


def _used_options() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {k: set() for k in WORKFLOW_OPTIONS}
    for p in WORKFLOW_FILES:
        for j in wfcheck.jobs(wfcheck.load(p)).values():
            text = run_text(j).replace("\\\n", " ")
            for line in text.splitlines():
                if "pip install" in line:
                    continue
                cmd = None
                if m := re.search(r"shoptet-catalog\b.*?\b(validate|plan|apply|comment|revert)\b", line):
                    cmd = m.group(1)
                elif re.search(r"\bargs\+?=\(", line):
                    cmd = "apply"
                elif not re.search(r"shoptet-catalog|where=\(", line):
                    continue
                for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line):
                    used["" if opt in WORKFLOW_OPTIONS[""] else cmd].add(opt)
    return used


def test_the_workflows_pass_only_the_options_listed_here():
    assert _used_options() == WORKFLOW_OPTIONS


def test_the_tool_has_every_option_the_workflows_pass():
    from reconciler.cli import cli

    def options(command: click.Command) -> set[str]:
        return {o for p in command.params for o in getattr(p, "opts", [])}

    missing = sorted(
        f"{name or 'shoptet-catalog'} {opt}"
        for name, opts in WORKFLOW_OPTIONS.items()
        for opt in opts
        if opt not in options(cli.commands[name] if name else cli)
    )
    assert not missing, f"the workflows pass options the CLI does not have: {missing}"
    fmt = next(p for p in cli.commands["validate"].params if "--format" in p.opts)
    assert "github" in fmt.type.choices
    fmt = next(p for p in cli.commands["plan"].params if "--format" in p.opts)
    assert "markdown" in fmt.type.choices
