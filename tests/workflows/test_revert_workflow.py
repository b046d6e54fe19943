"""catalog-revert.yml (README "Undoing an apply"): a manual run only, the journal taken only from
a catalog-apply run of this repository on main, the revert plan made with the read-only token
and applied with `apply --revert` only in the apply environment, after approval."""

from __future__ import annotations

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
