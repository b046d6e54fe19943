"""`validate` and `schema` on the command line."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli, main
from reconciler.cli.catalog_cmds import github_annotation
from reconciler.desired.schema import render_schemas
from reconciler.errors import Problem

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
BAD = f"products:\n  {GUID}:\n    nmae: x\n    visibility: normal\n"


@pytest.fixture
def bad_repo(tmp_path, monkeypatch):
    (tmp_path / "catalog" / "products").mkdir(parents=True)
    (tmp_path / "catalog" / "products" / "p.yaml").write_text(BAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_validate_text_lists_problems_on_stderr_and_exits_1(bad_repo, capsys):
    code, _, err = run(["validate"], capsys)
    assert code == 1
    assert err.splitlines() == [
        "catalog/products/p.yaml:3:5: unknown key 'nmae' (did you mean 'name'?)",
        "catalog/products/p.yaml:4:17: visibility: unknown visibility 'normal'; one of: "
        "visible, hidden, blocked, show-registered, block-unregistered, cash-desk-only, "
        "detail-only",
        "2 problems found.",
    ]


def test_validate_github_prints_annotations(bad_repo, capsys):
    code, out, err = run(["validate", "--format", "github"], capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=catalog/products/p.yaml,line=3,col=5::unknown key 'nmae' "
        "(did you mean 'name'?)"
    )
    assert "2 problems found." in err


def test_github_annotation_escapes_workflow_command_syntax():
    line = github_annotation(Problem("a,b:c.yaml", 1, 2, "50% off\nnext"))
    assert line == "::error file=a%2Cb%3Ac.yaml,line=1,col=2::50%25 off%0Anext"


def test_validate_json_is_an_object_with_the_problems(bad_repo, capsys):
    code, out, _ = run(["validate", "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["valid"] is False
    assert doc["problems"][0] == {
        "file": "catalog/products/p.yaml",
        "line": 3,
        "column": 5,
        "message": "unknown key 'nmae' (did you mean 'name'?)",
    }


def test_validate_uses_the_group_catalog_option(tmp_path, capsys):
    (tmp_path / "c" / "products").mkdir(parents=True)
    (tmp_path / "c" / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: x\n    variants:\n      A: {{stock: 1}}\n"
    )
    code, out, _ = run(["--catalog", str(tmp_path / "c"), "validate"], capsys)
    assert code == 0
    assert out.strip().endswith("is valid: 1 products, 1 variants in 1 files.")
    code, out, _ = run(["--catalog", str(tmp_path / "c"), "validate", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["valid"] is True


def test_validate_missing_directory_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["--catalog", "nope", "validate"], capsys)
    assert code == 1
    assert err.startswith("Error: catalog directory 'nope' not found")


def test_schema_writes_next_to_the_catalog_and_check_detects_stale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["schema", "--check"])
    assert result.exit_code == 1
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0
    for name, text in render_schemas().items():
        assert (tmp_path / "schemas" / name).read_text(encoding="utf-8") == text
    assert runner.invoke(cli, ["schema", "--check"]).exit_code == 0
    (tmp_path / "schemas" / "shop.schema.json").write_text("{}")
    result = runner.invoke(cli, ["schema", "--check"])
    assert result.exit_code == 1
    assert "shop.schema.json is stale" in result.output


def test_schema_out_option(tmp_path):
    result = CliRunner().invoke(cli, ["schema", "--out", str(tmp_path / "x")])
    assert result.exit_code == 0
    assert sorted(p.name for p in Path(tmp_path / "x").iterdir()) == sorted(render_schemas())


def _many_problems_repo(tmp_path, monkeypatch, n):
    fields = "".join(f"    zzq{i}: x\n" for i in range(n))
    (tmp_path / "catalog" / "products").mkdir(parents=True)
    (tmp_path / "catalog" / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: x\n{fields}", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)


def test_validate_github_lists_more_than_ten_problems_in_the_job_summary(
    tmp_path, monkeypatch, capsys
):
    _many_problems_repo(tmp_path, monkeypatch, 12)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = run(["validate", "--format", "github"], capsys)
    assert code == 1
    assert len([line for line in out.splitlines() if line.startswith("::error")]) == 12
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### shoptet-catalog validate: 12 problems\n")
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(items) == 12
    assert items[0] == "- `catalog/products/p.yaml:4:5`: unknown key 'zzq0'"
    assert "job summary" in err


def test_validate_github_leaves_the_summary_alone_for_ten_problems_or_fewer(
    tmp_path, monkeypatch, capsys
):
    _many_problems_repo(tmp_path, monkeypatch, 10)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, err = run(["validate", "--format", "github"], capsys)
    assert code == 1
    assert not summary.exists()
    assert "job summary" not in err


def test_validate_github_without_summary_variable_still_annotates(tmp_path, monkeypatch, capsys):
    _many_problems_repo(tmp_path, monkeypatch, 12)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code, out, _ = run(["validate", "--format", "github"], capsys)
    assert code == 1
    assert out.count("::error") == 12


def test_validate_text_shows_the_wrong_line_with_a_caret_for_a_yaml_mistake(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "catalog" / "products").mkdir(parents=True)
    (tmp_path / "catalog" / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: x\n   visibility: visible\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(
        "catalog/products/p.yaml:4:4: YAML syntax error: 'visibility' is indented less than "
        "'name' on line 3"
    )
    assert lines[1:] == ["     visibility: visible", "     ^", "1 problem found."]
    assert "while parsing" not in err and "<block end>" not in err


@pytest.mark.parametrize("command", [["--sandbox", "plan"], ["--sandbox", "apply", "--auto-approve"]])
def test_plan_and_apply_show_the_wrong_line_with_a_caret_too(
    tmp_path, monkeypatch, capsys, command
):
    (tmp_path / "catalog" / "products").mkdir(parents=True)
    (tmp_path / "catalog" / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: x\n   visibility: visible\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run(command, capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("catalog/products/p.yaml:4:4: YAML syntax error: ")
    assert lines[1:3] == ["     visibility: visible", "     ^"]
    assert "Traceback" not in err


def test_validate_text_caret_follows_an_escaped_tab(tmp_path, monkeypatch, capsys):
    (tmp_path / "catalog" / "products").mkdir(parents=True)
    (tmp_path / "catalog" / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: x\n  \tbrand: b\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("catalog/products/p.yaml:4:3: YAML syntax error: a tab")
    assert lines[1:3] == ["    \\x09brand: b", "    ^"]
