"""catalog-revert.yml (README "Undoing an apply"): a manual run only, the journal taken only from
a catalog-apply run of this repository on main, the revert plan made with the read-only token
and applied with `apply --revert` only in the apply environment, after approval."""

from __future__ import annotations

import pytest

from tests.support.tools import need
from tests.workflows.test_github_scripts import run_script
from tests.workflows.test_workflows import doc, job, run_text

NAME = "catalog-revert.yml"


def test_it_runs_only_by_hand():
    assert list(doc(NAME)["on"]) == ["workflow_dispatch"]
    assert {"run_id", "attempt", "shop", "allow_delete"} <= set(
        doc(NAME)["on"]["workflow_dispatch"]["inputs"]
    )


def test_the_journal_comes_only_from_this_repositorys_catalog_apply_on_main():
    script = job(NAME, "source")["steps"][0]["with"]["script"]
    assert "run.path !== '.github/workflows/catalog-apply.yml'" in script
    assert "run.head_repository.full_name !== full" in script
    assert "run.head_branch !== 'main'" in script
    assert "getCollaboratorPermissionLevel" in script  # allow boxes: maintainers only
    download = next(
        s for s in job(NAME, "plan")["steps"] if "download-artifact" in str(s.get("uses"))
    )
    assert download["with"]["run-id"] == "${{ needs.source.outputs.run_id }}"


def test_the_plan_uses_the_read_token_and_the_apply_the_write_token_after_approval():
    plan, apply = job(NAME, "plan"), job(NAME, "apply")
    assert plan["environment"].startswith("shoptet-plan-")
    assert "SHOPTET_WRITE_TOKEN" not in str(plan)
    assert "revert out/journal.jsonl" in run_text(plan) and "--out out/revert.json" in run_text(
        plan
    )
    assert apply["environment"] == "shoptet-apply-${{ needs.source.outputs.shop }}"
    assert apply["concurrency"]["group"] == "shoptet-apply-${{ needs.source.outputs.shop }}"
    assert "apply --revert plan/journal.jsonl plan/revert.json" in run_text(apply)
    assert "--journal out/journal.jsonl" in run_text(apply)
    assert "::stop-commands::" in run_text(apply) and "::stop-commands::" in run_text(plan)


# --- the source script, under node against fake GitHub answers ---------------------------------

MAIN = {"eventName": "workflow_dispatch", "ref": "refs/heads/main", "actor": "carol"}
GOOD_RUN = {
    "path": ".github/workflows/catalog-apply.yml",
    "repository": {"full_name": "acme/catalog"},
    "head_repository": {"full_name": "acme/catalog"},
    "head_branch": "main",
    "event": "push",
}
INPUTS = {
    "RUN_ID": "123",
    "ATTEMPT": "1",
    "SHOP": "main",
    "SHOPS": '[{"name":"main","catalog":"catalog"}]',
    "WANT_ALLOW_DELETE": "false",
    "WANT_ALLOW_BULK": "false",
    "WANT_ALLOW_PRICE": "false",
}


def check(tmp_path, context=MAIN, run=None, role="write", **env) -> dict:
    need("node", "https://nodejs.org; GitHub's runners have it")
    return run_script(
        NAME,
        "source",
        context=context,
        responses={
            "actions.getWorkflowRun": {"data": {**GOOD_RUN, **(run or {})}},
            "repos.getCollaboratorPermissionLevel": {
                "data": {"permission": role, "role_name": role}
            },
        },
        env={**INPUTS, **env},
        cwd=tmp_path,
    )


def test_a_catalog_apply_run_on_main_names_its_journal_artifact(tmp_path):
    r = check(tmp_path)
    assert r["failed"] == []
    assert r["outputs"]["artifact"] == "shoptet-journal-main-123-1"
    assert (r["outputs"]["catalog"], r["outputs"]["allow_delete"]) == ("catalog", "false")


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        ({"path": ".github/workflows/catalog-plan.yml"}, "catalog-plan.yml"),
        ({"head_repository": {"full_name": "mallory/catalog"}}, "a fork"),
        ({"head_branch": "feature"}, 'branch "feature"'),
        ({"event": "pull_request"}, 'event "pull_request"'),
    ],
)
def test_a_journal_of_any_other_run_is_not_used(tmp_path, run, reason):
    r = check(tmp_path, run=run)
    assert len(r["failed"]) == 1 and reason in r["failed"][0]
    assert "artifact" not in r["outputs"]


@pytest.mark.parametrize(
    ("context", "env", "message"),
    [
        ({**MAIN, "ref": "refs/heads/x"}, {}, "on main only"),
        (MAIN, {"RUN_ID": "1; echo"}, "must be numbers"),
        (MAIN, {"SHOP": "other"}, 'No shop named "other"'),
    ],
)
def test_bad_inputs_fail_before_any_lookup(tmp_path, context, env, message):
    r = check(tmp_path, context=context, **env)
    assert len(r["failed"]) == 1 and message in r["failed"][0]
    assert r["calls"] == []


def test_only_maintainers_may_tick_an_allow_box(tmp_path):
    r = check(tmp_path, WANT_ALLOW_DELETE="true")
    assert "Only maintainers and admins" in r["failed"][0]
    r = check(tmp_path, role="maintain", WANT_ALLOW_DELETE="true")
    assert r["failed"] == [] and r["outputs"]["allow_delete"] == "true"
