"""reconciler.scaffold: the text of a new catalog repository (the CLI's tests write it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from reconciler.cli.init_cmd import read_templates
from reconciler.scaffold import (
    WORKFLOWS,
    Tool,
    codeowners,
    precommit_config,
    render_workflow,
    shops_for,
    tag_commit_command,
)
from tests.support.git import git

ROOT = Path(__file__).resolve().parent.parent
# What this repository's callers give where a catalog repository has literals (see README).
THIS_REPO_SHOPS = """${{ vars.SHOPTET_SHOPS || '[{"name":"main","catalog":"catalog"}]' }}"""
THIS_REPO_SANDBOX = "${{ vars.SHOPTET_SANDBOX == 'true' }}"


@pytest.mark.parametrize("name", WORKFLOWS)
def test_this_repositorys_callers_are_the_templates_rendered_for_itself(name):
    text = render_workflow(read_templates()[name], Tool(None, "v0"), THIS_REPO_SHOPS,
                           THIS_REPO_SANDBOX)  # fmt: skip
    assert text == (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")


def test_a_template_marker_left_unfilled_is_a_bug_not_silence():
    with pytest.raises(RuntimeError, match="unfilled template marker"):
        render_workflow("uses: @@CALL@@x.yml@@REF@@\nfoo: @@NEW@@\n", Tool(None, "v0"), "", "")


def test_one_shop_is_main_in_catalog_and_several_get_a_directory_each():
    assert [(s.name, s.catalog) for s in shops_for(())] == [("main", "catalog")]
    assert [s.catalog for s in shops_for(("cz", "sk"))] == ["shops/cz/catalog", "shops/sk/catalog"]


def test_the_install_line_and_the_call_name_one_commit():
    tool = Tool("acme/sc", "v1.2.0", "a" * 40)
    assert tool.install == f"shoptet-catalog @ git+https://github.com/acme/sc@{'a' * 40}"
    text = render_workflow(read_templates()["shoptet-plan.yml"], tool, "'[]'", "false")
    assert f"uses: acme/sc/.github/workflows/catalog-plan.yml@{'a' * 40} # v1.2.0\n" in text
    assert json.dumps(tool.install) in text


def test_pre_commit_validates_each_shop_only_when_its_files_change():
    config = precommit_config(shops_for(("cz", "sk")), Tool("acme/sc", "v1.2.0", "b" * 40))
    assert f"rev: {'b' * 40}  # v1.2.0" in config
    assert "args: [--catalog, shops/cz/catalog]\n        files: ^shops/cz/catalog/" in config
    assert config.count("- id: shoptet-catalog-validate") == 2
    assert config.count("- id: shoptet-catalog-schema") == 1


def test_codeowners_keeps_workflows_and_policy_with_the_maintainers():
    text = codeowners(shops_for(("cz",)))
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0].split() == ["*", "@ORG/catalog-maintainers"]
    assert ["/.github/", "@ORG/catalog-maintainers"] in [line.split() for line in lines]
    assert ["/shops/cz/catalog/shop.yaml", "@ORG/catalog-maintainers"] in [
        line.split() for line in lines
    ]


@pytest.mark.parametrize("annotated", [True, False], ids=["annotated-tag", "lightweight-tag"])
def test_the_printed_command_gives_the_tags_commit(tmp_path, annotated):
    repo = tmp_path / "tool"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "release")
    git(repo, "tag", *(["-a", "-m", "v1.2.0"] if annotated else []), "v1.2.0")
    env = {
        **os.environ,
        # https://github.com/acme/sc is this local repository for the command's git
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{repo.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/acme/sc",
    }
    out = subprocess.run(["bash", "-c", tag_commit_command("acme/sc", "v1.2.0")], env=env,
                         capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert out.stdout.strip() == git(repo, "rev-parse", "HEAD")
