"""The actions/github-script steps, run under node against fake GitHub API answers.

github_script_harness.js runs a step's `script:` exactly as the action does (an async function of
github, context, core, require) and reports the API calls, outputs, warnings and failures.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.tools import need
from tests.workflows import wfcheck

HERE = Path(__file__).parent
WORKFLOWS = HERE.parents[1] / ".github" / "workflows"
NODE = shutil.which("node")


@pytest.fixture(autouse=True)
def _node():
    need("node", "https://nodejs.org; GitHub's runners have it")


SHA = "m" * 40
HEAD = "h" * 40
REPO = {"owner": "acme", "repo": "catalog"}


def script_of(workflow: str, job_id: str) -> tuple[str, dict]:
    doc = wfcheck.load(WORKFLOWS / workflow)
    (step,) = [
        s for s in wfcheck.steps(doc["jobs"][job_id]) if "github-script" in str(s.get("uses", ""))
    ]
    env = {
        k: str(v)
        for k, v in {**dict(doc.get("env") or {}), **dict(step.get("env") or {})}.items()
        if "${{" not in str(v)
    }
    return str(step["with"]["script"]), env


def run_script(workflow, job_id, *, context, responses, env=None, cwd: Path) -> dict:
    script, literal_env = script_of(workflow, job_id)
    scenario = cwd / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "script": script,
                "context": {"repo": REPO, "runId": 999, **context},
                "env": {**literal_env, **(env or {})},
                "responses": responses,
            }
        )
    )
    out = subprocess.run(
        [NODE, str(HERE / "github_script_harness.js"), str(scenario)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert "thrown" not in result, result["thrown"]
    return result


def calls(result, method) -> list[dict]:
    return [c["params"] for c in result["calls"] if c["method"] == method]


# --- catalog-apply: find the reviewed plan -----------------------------------------------------


THIS_REPO = "acme/catalog"
OLD = "o" * 40  # an earlier head commit of the pull request
RUN_CREATED = "2026-11-27T09:00:00Z"  # GitHub made the plan run when the last push arrived
BEFORE_PUSH = "2026-11-27T08:59:59Z"
AFTER_PUSH = "2026-11-27T09:30:00Z"


def merged_pr(
    labels=("shoptet:allow-delete",), merge_sha=SHA, base="main", repo=THIS_REPO, number=5
):
    return {
        "number": number,
        "merged_at": "2026-11-27T10:00:00Z",
        "merge_commit_sha": merge_sha,
        "head": {"sha": HEAD, "ref": "feature"},
        "base": {"ref": base, "repo": {"full_name": repo}},
        "labels": [{"name": n} for n in labels],
    }


def plan_run(
    run_id=123,
    *,
    pr=5,
    base="main",
    sha=HEAD,
    event="pull_request",
    status="completed",
    conclusion="success",
    head_repo=THIS_REPO,
    branch="feature",
    also=(),
    listed=True,
):
    """A catalog-plan run as GET /actions/workflows/{id}/runs lists it. `pull_requests` lists
    only open pull requests: after the merge, GitHub returns it empty (listed=False)."""
    return {
        "id": run_id,
        "html_url": f"https://gh/acme/catalog/actions/runs/{run_id}",
        "event": event,
        "status": status,
        "conclusion": conclusion,
        "head_sha": sha,
        "head_branch": branch,
        "created_at": RUN_CREATED,
        "repository": {"full_name": THIS_REPO},
        "head_repository": {"full_name": head_repo},
        "pull_requests": [
            {"number": n, "base": {"ref": b}, "head": {"sha": sha}} for n, b in [(pr, base), *also]
        ]
        if listed
        else [],
    }


ROLES = {
    "by": "username",
    "cases": {
        "bob": {"data": {"permission": "write", "role_name": "maintain"}},
        "ada": {"data": {"permission": "admin", "role_name": "admin"}},
        "eve": {"data": {"permission": "write", "role_name": "write"}},
    },
    "default": {"throw": "HttpError: Not Found"},
}


def source_responses(
    *,
    prs=None,
    runs=None,
    labelled_by=("bob",),
    labelled_at=AFTER_PUSH,
    roles=ROLES,
    main=SHA,
    same_branch=(),
    base_changed_at=None,
):
    return {
        "pulls.list": {"data": [merged_pr(), *same_branch]},
        "repos.getBranch": {"data": {"name": "main", "commit": {"sha": main}}},
        "repos.listPullRequestsAssociatedWithCommit": {
            "data": [merged_pr()] if prs is None else prs
        },
        "actions.listWorkflowRuns": {
            "data": {"workflow_runs": [plan_run()] if runs is None else runs}
        },
        "issues.listEvents": {
            "data": [{"event": "commented", "actor": {"login": "zed"}}]
            + [
                {
                    "event": "labeled",
                    "label": {"name": "shoptet:allow-delete"},
                    "actor": {"login": who},
                    "created_at": labelled_at,
                }
                for who in labelled_by
            ]
            + (
                [{"event": "base_ref_changed", "created_at": base_changed_at}]
                if base_changed_at
                else []
            )
        },
        "repos.getCollaboratorPermissionLevel": roles,
    }


PUSH = {"eventName": "push", "ref": "refs/heads/main", "sha": SHA, "actor": "carol"}


def source(tmp_path, context=PUSH, env=None, **kw) -> dict:
    return run_script(
        "catalog-apply.yml",
        "source",
        context=context,
        responses=source_responses(**kw),
        # PLAN_WORKFLOW: the calling plan workflow (input plan_workflow), as shoptet-plan.yml passes it
        env={"RUN_ATTEMPT": "1", "PLAN_WORKFLOW": "shoptet-plan.yml", **(env or {})},
        cwd=tmp_path,
    )


def test_push_takes_the_last_plan_run_of_the_merged_pull_requests_head(tmp_path):
    r = source(tmp_path)
    assert r["failed"] == []
    assert r["outputs"] == {
        "mode": "pr",
        "run_id": "123",
        "pr": "5",
        "allow_delete": "true",
        "allow_bulk": "false",
        "allow_price": "false",
        "allow_open_orders": "false",
        "allow_stock_below_claim": "false",
    }
    (runs,) = calls(r, "actions.listWorkflowRuns")
    assert runs["workflow_id"] == "shoptet-plan.yml"
    assert runs["head_sha"] == HEAD and runs["event"] == "pull_request"


# --- which plan run is the reviewed one (issue 12) ---------------------------------------------

REJECTED_RUNS = {
    "another-pull-request": (plan_run(pr=6), "belongs to pull request(s) #6, not #5"),
    "another-base-branch": (plan_run(base="mine"), 'planned #5 into "mine", not main'),
    "also-a-pull-request-into-another-base": (
        plan_run(also=[(6, "mine")]),
        '#6 into "mine" has the same head, so this may be that pull request\'s plan',
    ),
    "failed": (plan_run(conclusion="failure"), 'concluded "failure", not success'),
    "another-head-branch": (
        plan_run(branch="copy", listed=False),
        'ran for branch "copy", not #5\'s head branch "feature"',
    ),
    "fork": (
        plan_run(head_repo="mallory/catalog"),
        'its head is in repository "mallory/catalog" (a fork)',
    ),
    "older-head-sha": (
        plan_run(sha=OLD),
        'ran for commit "ooooooo", not the final head hhhhhhh of #5',
    ),
    "not-a-pull-request-event": (plan_run(event="push"), 'event "push", not pull_request'),
}


@pytest.mark.parametrize(("run", "reason"), REJECTED_RUNS.values(), ids=REJECTED_RUNS.keys())
def test_a_plan_run_that_is_not_the_merged_pull_requests_is_rejected(tmp_path, run, reason):
    r = source(tmp_path, runs=[run])
    (failure,) = r["failed"]
    assert "No reviewed plan for the last commit hhhhhhh of #5" in failure
    assert f"run 123 (https://gh/acme/catalog/actions/runs/123): {reason}" in failure
    assert "workflow_dispatch" in failure and "Re-plan" in failure
    assert r["outputs"] == {}  # no run id: gather and apply do not run


def test_the_right_run_is_taken_from_among_runs_of_other_pull_requests_and_forks(tmp_path):
    runs = [plan_run(9, pr=6), plan_run(8, head_repo="mallory/catalog"), plan_run(7, sha=OLD)]
    r = source(tmp_path, runs=[*runs, plan_run(4)])
    assert r["failed"] == [] and r["outputs"]["run_id"] == "4"
    skipped = [m for m in r["infos"] if m.startswith("Skipped run")]
    assert [m.split()[2] for m in skipped] == ["9", "8", "7"]


def test_after_the_merge_a_run_without_pull_requests_is_known_by_its_head(tmp_path):
    # GitHub empties `pull_requests` once the pull request is merged: the normal case here.
    r = source(tmp_path, runs=[plan_run(listed=False)])
    assert r["failed"] == [] and r["outputs"]["run_id"] == "123"
    (query,) = calls(r, "pulls.list")
    assert query["head"] == "acme:feature" and query["state"] == "all"


def test_a_pull_request_from_the_same_head_into_another_branch_makes_its_runs_ambiguous(
    tmp_path,
):
    rival = {**merged_pr(number=6, base="mine"), "merged_at": None, "state": "closed"}
    r = source(tmp_path, runs=[plan_run(listed=False)], same_branch=[rival])
    (failure,) = r["failed"]
    assert '#6 into "mine" has the same head, so this may be that pull request\'s plan' in (failure)
    assert "workflow_dispatch" in failure and r["outputs"] == {}


def test_an_earlier_pull_request_from_the_branch_at_another_commit_is_no_rival(tmp_path):
    old = {**merged_pr(number=4, base="mine"), "head": {"sha": OLD, "ref": "feature"}}
    into_main = merged_pr(number=6)
    r = source(tmp_path, runs=[plan_run(listed=False)], same_branch=[old, into_main])
    assert r["failed"] == [] and r["outputs"]["run_id"] == "123"


def test_a_run_made_before_the_base_branch_was_changed_is_rejected(tmp_path):
    r = source(tmp_path, runs=[plan_run(listed=False)], base_changed_at=AFTER_PUSH)
    (failure,) = r["failed"]
    assert "made before the base branch of #5 was changed" in failure
    ok = source(tmp_path, runs=[plan_run(listed=False)], base_changed_at=BEFORE_PUSH)
    assert ok["failed"] == [] and ok["outputs"]["run_id"] == "123"


def test_every_rejected_run_is_named_with_its_reasons(tmp_path):
    runs = [plan_run(9, pr=6, base="mine"), plan_run(8, sha=OLD, head_repo="mallory/catalog")]
    (failure,) = source(tmp_path, runs=runs)["failed"]
    assert "2 rejected" in failure
    assert "run 9 (https://gh/acme/catalog/actions/runs/9): belongs to pull request(s) #6" in (
        failure
    )
    assert '(a fork), not acme/catalog; ran for commit "ooooooo"' in failure


def test_a_newer_failed_plan_of_the_pull_request_is_not_skipped_for_an_older_one(tmp_path):
    r = source(tmp_path, runs=[plan_run(9, conclusion="failure"), plan_run(4)])
    (failure,) = r["failed"]
    assert 'run 9 (https://gh/acme/catalog/actions/runs/9): concluded "failure"' in failure
    assert "run 4" not in failure and r["outputs"] == {}


def test_a_pull_request_merged_into_another_branch_has_no_plan_for_main(tmp_path):
    r = source(tmp_path, prs=[merged_pr(base="mine")])
    (failure,) = r["failed"]
    assert '#5 was merged into "mine"' in failure and "workflow_dispatch" in failure
    assert calls(r, "actions.listWorkflowRuns") == [] and r["outputs"] == {}


def test_a_branch_name_carrying_a_workflow_command_is_logged_quoted(tmp_path):
    evil = "x\n::add-mask::%0A##[set-output name=run_id]1"
    r = source(tmp_path, runs=[plan_run(9, base=evil), plan_run(4)])
    (skipped,) = [m for m in r["infos"] if m.startswith("Skipped run 9")]
    assert "\n" not in skipped and "##[" not in skipped
    assert '"x\\n::add-mask::%250A#%23[set-output name=run_id]1"' in skipped
    assert r["outputs"]["run_id"] == "4"


# --- labels count only when set after the last push --------------------------------------------


def test_a_label_set_before_the_last_push_is_ignored_with_a_notice(tmp_path):
    r = source(tmp_path, labelled_at=BEFORE_PUSH)
    assert r["failed"] == [] and r["outputs"]["allow_delete"] == "false"
    (notice,) = r["notices"]
    assert '"shoptet:allow-delete" on #5 was set' in notice and "before the last push" in notice
    assert calls(r, "repos.getCollaboratorPermissionLevel") == []


def test_a_label_that_re_planned_counts_from_the_first_run_of_the_head_not_the_newest(tmp_path):
    # catalog-plan re-plans on `labeled`: the newest run is made after the label, the first
    # one at the push. The label was set between them: after the last push, so it counts.
    relabelled = {**plan_run(124), "created_at": "2026-11-27T09:31:00Z"}
    r = source(tmp_path, runs=[relabelled, plan_run(123)])
    assert r["failed"] == [] and r["outputs"]["run_id"] == "124"
    assert r["outputs"]["allow_delete"] == "true" and r["notices"] == []
    # a label set before the first run of the head (the push) is still ignored
    r = source(tmp_path, runs=[relabelled, plan_run(123)], labelled_at=BEFORE_PUSH)
    assert r["outputs"]["allow_delete"] == "false"


def test_a_label_set_after_the_last_push_is_honoured(tmp_path):
    r = source(tmp_path, labelled_at=AFTER_PUSH)
    assert r["outputs"]["allow_delete"] == "true" and r["notices"] == []


def test_a_label_set_in_the_same_second_as_the_push_or_without_a_time_is_ignored(tmp_path):
    assert source(tmp_path, labelled_at=RUN_CREATED)["outputs"]["allow_delete"] == "false"
    assert source(tmp_path, labelled_at=None)["outputs"]["allow_delete"] == "false"


# --- replays: a push-triggered apply runs once, for the head of main ---------------------------


def test_a_re_run_of_a_push_triggered_apply_is_refused(tmp_path):
    r = source(tmp_path, env={"RUN_ATTEMPT": "2"})
    (failure,) = r["failed"]
    assert "Re-running a push-triggered catalog-apply is refused" in failure
    assert "manual run" in failure and "workflow_dispatch" in failure
    assert r["outputs"] == {} and r["calls"] == []


def test_a_push_whose_commit_is_no_longer_the_head_of_main_is_refused(tmp_path):
    r = source(tmp_path, main="n" * 40)
    (failure,) = r["failed"]
    assert "Commit mmmmmmm is no longer the head of main (now nnnnnnn)" in failure
    assert "manual run" in failure and r["outputs"] == {}
    assert calls(r, "actions.listWorkflowRuns") == []


def test_a_re_run_of_a_manual_apply_is_allowed(tmp_path):
    context = {"eventName": "workflow_dispatch", "ref": "refs/heads/main", "sha": SHA,
               "actor": "eve"}  # fmt: skip
    r = source(tmp_path, context=context, env={"RUN_ATTEMPT": "2", "WANT_ALLOW_DELETE": "false",
                                                "WANT_ALLOW_BULK": "false"})  # fmt: skip
    assert r["failed"] == [] and r["outputs"]["mode"] == "replan"


def test_a_label_set_last_by_a_non_maintainer_does_not_allow_deletions(tmp_path):
    r = source(tmp_path, labelled_by=("bob", "eve"))
    assert r["outputs"]["allow_delete"] == "false"
    assert any("not set by a maintainer" in w for w in r["warnings"])


def test_an_admin_label_counts_and_an_unknown_role_fails_closed(tmp_path):
    assert source(tmp_path, labelled_by=("ada",))["outputs"]["allow_delete"] == "true"
    r = source(tmp_path, labelled_by=("mallory",))
    assert r["outputs"]["allow_delete"] == "false"
    assert any('Could not read the repository role of "mallory"' in w for w in r["warnings"])


def test_no_label_means_no_permission_lookup(tmp_path):
    r = source(tmp_path, prs=[merged_pr(labels=())])
    assert r["outputs"]["allow_delete"] == "false"
    assert calls(r, "repos.getCollaboratorPermissionLevel") == []


def test_a_direct_push_applies_nothing_and_says_how_to_catch_up(tmp_path):
    r = source(tmp_path, prs=[merged_pr(merge_sha="x" * 40)])
    assert r["failed"] == [] and r["outputs"]["mode"] == "none"
    assert "Run workflow" in r["warnings"][0]
    assert "Nothing applied" in r["summary"]


@pytest.mark.parametrize(
    ("runs", "message"),
    [
        ([], "No shoptet-plan.yml run exists for the last commit hhhhhhh of #5"),
        ([plan_run(7, status="in_progress", conclusion=None)], "had not finished"),
    ],
    ids=["no-plan-run", "plan-still-running"],
)
def test_without_a_finished_plan_run_it_fails_and_says_re_plan(tmp_path, runs, message):
    r = source(tmp_path, runs=runs)
    (failure,) = r["failed"]
    assert message in failure and "Re-plan" in failure
    assert "mode" not in r["outputs"]


def dispatch(tmp_path, actor, ref="refs/heads/main", delete="false", bulk="false"):
    return source(
        tmp_path,
        context={"eventName": "workflow_dispatch", "ref": ref, "sha": SHA, "actor": actor},
        env={"WANT_ALLOW_DELETE": delete, "WANT_ALLOW_BULK": bulk},
    )


def test_a_manual_run_re_plans_main_in_this_run(tmp_path):
    r = dispatch(tmp_path, "eve")
    assert r["outputs"]["mode"] == "replan" and r["outputs"]["run_id"] == "999"
    assert r["outputs"]["allow_delete"] == "false"
    assert calls(r, "repos.getCollaboratorPermissionLevel") == []


def test_only_maintainers_may_allow_deletions_in_a_manual_run(tmp_path):
    assert dispatch(tmp_path, "bob", delete="true")["outputs"]["allow_delete"] == "true"
    r = dispatch(tmp_path, "eve", bulk="true")
    assert r["failed"] == [
        "Only maintainers and admins may allow deletions or bulk changes; eve is neither."
    ]
    assert r["outputs"] == {}


def test_a_manual_run_off_main_is_refused(tmp_path):
    r = dispatch(tmp_path, "bob", ref="refs/heads/feature")
    assert r["failed"] and r["outputs"] == {}


# --- catalog-plan: the one sticky comment ------------------------------------------------------
# The script only posts comment.md, which `shoptet-catalog comment` wrote (what it says, and
# that it fits, is tested in tests/render/test_combined.py and tests/cli/test_comment_cmd.py).

MARKER = "<!-- shoptet-catalog-plan -->"


def comment(tmp_path, text: str | None = MARKER + "\n\nPlan: 1 to create.\n", existing=()):
    if text is not None:
        (tmp_path / "comment.md").write_text(text, encoding="utf-8")
    return run_script(
        "catalog-plan.yml",
        "comment",
        context={"eventName": "pull_request"},
        env={"PR_NUMBER": "17"},
        responses={
            "issues.listComments": {"data": list(existing)},
            "issues.createComment": {"data": {}},
            "issues.updateComment": {"data": {}},
        },
        cwd=tmp_path,
    )


def test_first_plan_creates_one_comment_with_the_files_text(tmp_path):
    r = comment(tmp_path)
    (created,) = calls(r, "issues.createComment")
    assert created["issue_number"] == 17
    assert created["body"] == MARKER + "\n\nPlan: 1 to create.\n"
    assert r["failed"] == []


def test_later_plans_update_the_bots_comment_in_place(tmp_path):
    existing = [
        {"id": 1, "user": {"type": "User"}, "body": MARKER + " quoted by a person"},
        {"id": 2, "user": {"type": "Bot"}, "body": MARKER + "\nold plan"},
    ]
    r = comment(tmp_path, MARKER + "\n\nNo changes.\n", existing)
    assert calls(r, "issues.createComment") == []
    (updated,) = calls(r, "issues.updateComment")
    assert updated["comment_id"] == 2 and updated["body"] == MARKER + "\n\nNo changes.\n"


@pytest.mark.parametrize(
    "text", ["Plan: 1 to create.\n", MARKER + "x" * 70_000], ids=["no-marker", "too-long"]
)
def test_a_file_that_is_no_plan_comment_is_not_posted(tmp_path, text):
    r = comment(tmp_path, text)
    assert r["failed"] == [
        "comment.md is not a plan comment of shoptet-catalog (no marker, or too long)"
    ]
    assert r["calls"] == []


def test_no_comment_file_fails_the_step_without_posting(tmp_path):
    # the tool step failed before writing it; the script must not post anything
    script, _ = script_of("catalog-plan.yml", "comment")
    result = subprocess.run(
        [NODE, str(HERE / "github_script_harness.js"), str(_scenario(tmp_path, script))],
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    out = json.loads(result.stdout)
    assert "ENOENT" in out["thrown"] and out["calls"] == []


def _scenario(tmp_path: Path, script: str) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"script": script, "context": {"repo": REPO}, "env": {},
                                "responses": {}}))  # fmt: skip
    return path


# --- catalog-drift: one issue per shop ----------------------------------------------------------


def write_drift(root: Path, shop: str, code: int) -> None:
    d = root / "plans" / f"shoptet-drift-{shop}"
    d.mkdir(parents=True)
    meta = {"shop": shop, "catalog": f"shops/{shop}", "headSha": SHA, "exitCode": code,
            "changes": code == 2}  # fmt: skip
    (d / "meta.json").write_text(json.dumps(meta))
    (d / "plan.md").write_text(f"{MARKER}\nPlan: 0 to create, 3 to update, 0 to delete.\n")


def drift(tmp_path, open_issues=(), plan_result="success") -> dict:
    return run_script(
        "catalog-drift.yml",
        "report",
        context={"eventName": "schedule"},
        env={"RUN_URL": "https://gh/run/2", "PLAN_RESULT": plan_result},
        responses={
            "issues.listForRepo": {"data": list(open_issues)},
            "issues.create": {"data": {"number": 42}},
            "issues.update": {"data": {}},
            "issues.createComment": {"data": {}},
        },
        cwd=tmp_path,
    )


def drift_issue(number, shop="cz", bot=True, pr=False):
    issue = {
        "number": number,
        "user": {"type": "Bot" if bot else "User"},
        "body": f"<!-- shoptet-catalog-drift shop={shop} -->\nold",
    }
    if pr:
        issue["pull_request"] = {}
    return issue


def test_drift_opens_one_issue_for_the_shop(tmp_path):
    write_drift(tmp_path, "cz", 2)
    r = drift(tmp_path, [drift_issue(3, bot=False), drift_issue(4, pr=True)])
    (created,) = calls(r, "issues.create")
    assert created["title"] == "Catalog drift: shop cz"
    assert created["body"].startswith("<!-- shoptet-catalog-drift shop=cz -->")
    assert "3 to update" in created["body"] and "catalog-apply" in created["body"]
    assert calls(r, "issues.update") == []


def test_drift_updates_the_open_issue_in_place(tmp_path):
    write_drift(tmp_path, "cz", 2)
    r = drift(tmp_path, [drift_issue(9, shop="sk"), drift_issue(8)])
    assert calls(r, "issues.create") == []
    (updated,) = calls(r, "issues.update")
    assert updated["issue_number"] == 8 and "3 to update" in updated["body"]


def test_no_drift_closes_the_issue_with_a_comment(tmp_path):
    write_drift(tmp_path, "cz", 0)
    r = drift(tmp_path, [drift_issue(8)])
    (commented,) = calls(r, "issues.createComment")
    assert commented["issue_number"] == 8 and "No drift any more" in commented["body"]
    (closed,) = calls(r, "issues.update")
    assert closed["state"] == "closed"


def test_no_drift_and_no_issue_touches_nothing_and_a_failed_plan_fails(tmp_path):
    write_drift(tmp_path, "cz", 0)
    r = drift(tmp_path, plan_result="failure")
    assert [c["method"] for c in r["calls"]] == ["issues.listForRepo"]
    assert r["failed"] == ["The drift check failed for at least one shop: https://gh/run/2"]
