"""`shoptet-catalog comment`: reads the plan jobs' artifacts (one directory per shop) and writes
the one pull-request comment; unreadable or hostile files make a shop "no plan", never a
traceback, and the plan files are read exactly as `apply` reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.cli.comment_cmd import read_shop_results
from reconciler.render.combined import COMMENT_LIMIT
from reconciler.render.markdown import MARKER
from tests.plan.sample import empty_plan, sample_plan
from tests.render.test_combined import assert_well_formed, large_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "catalog"
RUN = "https://github.com/acme/catalog/actions/runs/7"


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def artifact(root: Path, shop: str, code, plan_json: str | None = None, meta=None) -> Path:
    d = root / f"shoptet-plan-{shop}"
    d.mkdir(parents=True)
    if meta is None:
        meta = {"shop": shop, "catalog": f"shops/{shop}", "exitCode": code, "changes": code == 2}
    (d / "meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    if plan_json is not None:
        (d / "plan.json").write_text(plan_json)
    return d


def test_comment_combines_the_shops_into_one_file(tmp_path, capsys):
    plans = tmp_path / "plans"
    artifact(plans, "cz", 2, large_plan(700, seed=2).to_json())
    artifact(plans, "hu", 0, empty_plan().to_json())
    artifact(plans, "sk", 1)  # a failed plan leaves no plan.json
    out = tmp_path / "comment.md"
    code, stdout, err = run(
        ["comment", "--plans", str(plans), "--run-url", RUN, "--out", str(out)], capsys
    )
    assert code == 0, err
    assert stdout == ""
    assert f"Comment for 3 shop(s) written to {out}" in err
    md = out.read_text(encoding="utf-8")
    shops = read_shop_results(plans)
    assert [s.name for s in shops] == ["cz", "hu", "sk"]
    assert_well_formed(md, shops)
    assert "| `cz` | 1400 changes |" in md and "| `hu` | no changes |" in md
    assert f"**❌ The plan failed (exit 1).** See the log: {RUN}" in md
    assert "they are in the artifact `shoptet-plan-cz`" in md


def test_without_out_the_comment_is_printed(tmp_path, capsys):
    artifact(tmp_path, "main", 2, sample_plan().to_json())
    code, stdout, err = run(["comment", "--plans", str(tmp_path)], capsys)
    assert code == 0, err
    # exit 2: the run's labels allowed what the guards ask, so the summary is the headline
    assert stdout.startswith(MARKER + "\n\n### Plan: 1 product created, 1 updated, 1 deleted")
    assert "### Shop" not in stdout  # one shop: its plan, as the comment was before


def test_a_plan_made_by_the_tool_on_the_sandbox_is_shown(tmp_path, capsys):
    d = tmp_path / "plans" / "shoptet-plan-main"
    d.mkdir(parents=True)
    code, _, err = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--out", str(d / "plan.json")], capsys
    )
    assert code == 0, err
    (d / "meta.json").write_text(json.dumps({"shop": "main", "exitCode": 2}))
    artifact(tmp_path / "plans", "sk", 0, empty_plan().to_json())
    code, md, err = run(["comment", "--plans", str(tmp_path / "plans")], capsys)
    assert code == 0, err
    assert "| `main` | 21 changes |" in md and "#### Plan: 2 products created, 5 updated;" in md


BAD_FILES = {
    "plan-not-json": ({"exitCode": 2}, "{not json", "the plan file is not valid JSON"),
    "plan-edited": (
        {"exitCode": 2},
        sample_plan()
        .to_json()
        .replace('"Stará tyčinka"', '"Nová"')
        .replace('"price": "99"', '"price": "1"'),
        "planId does not match its content",
    ),
    "plan-missing": ({"exitCode": 3}, None, "cannot read the plan file"),
    "plan-not-utf8": ({"exitCode": 0}, "\udcff", "is not UTF-8 text"),
    "meta-not-json": ("{", "{}", "not a meta.json the plan job writes"),
    "meta-a-list": ("[]", "{}", "not a JSON object"),
    "exit-code-a-string": ({"exitCode": "2"}, "{}", "exitCode is not a number"),
}


@pytest.mark.parametrize(("meta", "plan_json", "warning"), BAD_FILES.values(), ids=BAD_FILES)
def test_an_unreadable_file_makes_that_shop_no_plan_with_a_warning(
    tmp_path, capsys, meta, plan_json, warning
):
    if isinstance(meta, dict):
        meta = {"shop": "cz", **meta}
    d = artifact(tmp_path, "cz", None, None, meta=meta)
    if plan_json is not None:
        (d / "plan.json").write_bytes(plan_json.encode("utf-8", "surrogateescape"))
    artifact(tmp_path, "sk", 0, empty_plan().to_json())
    code, md, err = run(["comment", "--plans", str(tmp_path), "--run-url", RUN], capsys)
    assert code == 0, err
    assert "| `cz` | no plan (file unreadable) | – | – |" in md
    assert "| `sk` | no changes |" in md
    assert warning in err and str(d) in err and "Traceback" not in err


def test_a_missing_meta_json_shows_the_directory_name(tmp_path, capsys):
    (tmp_path / "shoptet-plan-cz").mkdir()
    artifact(tmp_path, "sk", 0, empty_plan().to_json())
    code, md, err = run(["comment", "--plans", str(tmp_path)], capsys)
    assert code == 0
    assert "| `cz` | no plan (file unreadable) |" in md
    assert "meta.json: cannot be read" in err


def test_a_hostile_shop_name_in_meta_json_is_neutralised(tmp_path, capsys):
    evil = "cz`\n### Shop `sk`\n<details>\x1b[31m"
    artifact(tmp_path, "a", 2, large_plan(3).to_json(), meta={"shop": evil, "exitCode": 2})
    artifact(tmp_path, "b", 0, empty_plan().to_json())
    code, md, err = run(["comment", "--plans", str(tmp_path)], capsys)
    assert code == 0, err
    assert "### Shop `cz??????Shop??sk???details???31m`" in md
    assert md.count("### Shop") == 2 and "\x1b" not in md
    assert_well_formed(md, read_shop_results(tmp_path))


def test_no_artifacts_at_all_still_make_a_comment(tmp_path, capsys):
    code, md, err = run(["comment", "--plans", str(tmp_path / "plans"), "--run-url", RUN], capsys)
    assert code == 0
    assert md.startswith(f"{MARKER}\n\n**No plan was made.** See the log: {RUN}")
    assert "no plan artifact was downloaded" in err


def test_an_unwritable_out_file_is_a_clear_error(tmp_path, capsys):
    artifact(tmp_path / "plans", "sk", 1)
    out = tmp_path / "missing-dir" / "comment.md"
    code, _, err = run(["comment", "--plans", str(tmp_path / "plans"), "--out", str(out)], capsys)
    assert code == 1
    assert f"Error: cannot write the comment to {out}" in err and "Traceback" not in err


def test_many_large_shops_from_files_stay_within_the_limit(tmp_path, capsys):
    for n in range(12):
        artifact(tmp_path, f"s{n:02d}", 2, large_plan(300, seed=n % 3).to_json())
    code, md, _ = run(["comment", "--plans", str(tmp_path)], capsys)
    assert code == 0
    assert len(md) <= COMMENT_LIMIT and md.count("### Shop `s") == 12
