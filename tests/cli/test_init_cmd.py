"""`init` on the command line: what it writes, what it refuses, what it prints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler import __version__
from reconciler.cli import main
from reconciler.scaffold import required_checks, shops_for
from tests.workflows import wfcheck

SHA = "0123456789abcdef0123456789abcdef01234567"
WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
ONE_SHOP_FILES = {
    ".github/workflows/shoptet-plan.yml",
    ".github/workflows/shoptet-apply.yml",
    ".github/workflows/shoptet-drift.yml",
    "catalog/shop.yaml",
    "catalog/products/example.yaml",
    "schemas/products.schema.json",
    "schemas/shop.schema.json",
    ".pre-commit-config.yaml",
    ".vscode/settings.json",
    "CODEOWNERS",
    ".gitignore",
}


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def written(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def init(tmp_path, capsys, *extra):
    return run(["init", str(tmp_path), "--tool-repo", "acme/shoptet-catalog", "--tool-sha", SHA,
                *extra], capsys)  # fmt: skip


def test_one_shop_gets_the_whole_repository_and_a_valid_catalog(tmp_path, capsys):
    code, out, err = init(tmp_path, capsys)
    assert (code, err) == (0, "")
    assert written(tmp_path) == ONE_SHOP_FILES
    assert f"Wrote {len(ONE_SHOP_FILES)} files in {tmp_path}." in out
    code, out, _ = run(["validate", "--catalog", str(tmp_path / "catalog")], capsys)
    assert code == 0 and "is valid: 0 products" in out


def test_several_shops_get_a_catalog_each_and_share_the_schemas(tmp_path, capsys):
    code, _, _ = init(tmp_path, capsys, "--shop", "cz", "--shop", "sk")
    assert code == 0
    files = written(tmp_path)
    for shop in ("cz", "sk"):
        assert f"shops/{shop}/catalog/shop.yaml" in files
    assert "catalog/shop.yaml" not in files
    shop_yaml = (tmp_path / "shops/cz/catalog/shop.yaml").read_text()
    # the editor finds the shared schema from the shop's own directory
    assert shop_yaml.startswith("# yaml-language-server: $schema=../../../schemas/shop.schema.json")
    assert (tmp_path / "shops/cz/catalog/../../../schemas/shop.schema.json").is_file()
    settings = json.loads((tmp_path / ".vscode/settings.json").read_text())
    assert settings["yaml.schemas"]["./schemas/products.schema.json"] == [
        "shops/cz/catalog/products/*.yaml",
        "shops/sk/catalog/products/*.yaml",
    ]
    plan = wfcheck.load(tmp_path / ".github/workflows/shoptet-plan.yml")
    assert json.loads(plan["jobs"]["plan"]["with"]["shops"]) == [
        {"name": "cz", "catalog": "shops/cz/catalog"},
        {"name": "sk", "catalog": "shops/sk/catalog"},
    ]


def test_the_uncommented_example_is_a_valid_product(tmp_path, capsys):
    init(tmp_path, capsys)
    example = tmp_path / "catalog/products/example.yaml"
    lines = example.read_text().splitlines()
    start = lines.index("# products:")
    example.write_text("\n".join(line[2:] for line in lines[start:]) + "\n")
    code, out, err = run(["validate", "--catalog", str(tmp_path / "catalog")], capsys)
    assert code == 0, err
    assert "1 products, 1 variants" in out


def test_existing_files_are_never_overwritten_and_nothing_is_written(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("* @me\n")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog/shop.yaml").write_text("policy: {}\n")
    code, out, err = init(tmp_path, capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"Nothing written: 2 file(s) already exist in {tmp_path}:",
        "  CODEOWNERS",
        "  catalog/shop.yaml",
        "Move them away (or init another directory) and run init again.",
    ]
    assert written(tmp_path) == {"CODEOWNERS", "catalog/shop.yaml"}
    assert (tmp_path / "CODEOWNERS").read_text() == "* @me\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shop", "cz sk"], "--shop 'cz sk': a shop name is 1-40 letters, digits and '-'"),
        (["--shop", "cz", "--shop", "CZ"], "--shop 'CZ' is given twice"),
        (["--tool-repo", "not a repo"], "--tool-repo 'not a repo': give the GitHub repository"),
        (["--tool-ref", "v1..2"], "--tool-ref 'v1..2': give a tag such as v0.2.0"),
        (["--tool-sha", "abc123"], "--tool-sha 'abc123': give the tag's full 40-character"),
    ],
    ids=["shop-name", "shop-twice", "repo", "ref", "sha"],
)
def test_bad_options_say_which_and_what_to_give(tmp_path, capsys, args, message):
    code, _, err = run(["init", str(tmp_path), *args], capsys)
    assert code == 1
    assert message in err and "Traceback" not in err
    assert written(tmp_path) == set()


def test_import_fills_the_catalog_from_the_shop_read_only(tmp_path, capsys):
    code, out, err = run(["--sandbox", "init", str(tmp_path), "--import", "--tool-sha", SHA],
                         capsys)  # fmt: skip
    assert code == 0, err
    assert re.search(r"Imported \d+ products into catalog", out)
    products = written(tmp_path / "catalog/products")
    assert "example.yaml" not in products and products  # the shop's products instead
    code, out, _ = run(["validate", "--catalog", str(tmp_path / "catalog")], capsys)
    assert code == 0 and "is valid: 0 products" not in out
    assert "shoptet-catalog import --all" not in out  # no import step left to print


@pytest.mark.http
def test_import_over_http_reads_only_and_the_token_appears_nowhere(
    tmp_path, capsys, shop, monkeypatch
):
    sb, url = shop
    token = "sandbox-token"  # the served sandbox's token
    monkeypatch.setenv("SHOPTET_API_URL", url)
    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", token)
    code, out, err = run(["init", str(tmp_path), "--import", "--tool-sha", SHA], capsys)
    assert code == 0, err
    assert sb.counters["requests"] > 0 and sb.counters["writes"] == 0
    assert token not in out + err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(encoding="utf-8"), path


def test_import_of_several_real_shops_asks_for_one_token_each(tmp_path, capsys):
    code, _, err = run(["init", str(tmp_path), "--shop", "cz", "--shop", "sk", "--import"],
                       capsys)  # fmt: skip
    assert code == 1
    assert "run init without --import, then per shop" in err
    assert written(tmp_path) == set()


def test_next_steps_are_exact_gh_commands_per_shop(tmp_path, capsys):
    _, out, _ = init(tmp_path, capsys, "--shop", "cz", "--shop", "sk")
    for shop in ("cz", "sk"):
        assert f"gh secret set SHOPTET_READ_TOKEN --env shoptet-plan-{shop}" in out
        assert f"gh secret set SHOPTET_WRITE_TOKEN --env shoptet-apply-{shop}" in out
        assert f"environments/shoptet-apply-{shop}/deployment-branch-policies -f name=main" in out
        assert f"shoptet-catalog import --all --catalog shops/{shop}/catalog" in out
    for label in ("delete", "bulk", "price"):
        assert f"gh label create shoptet:allow-{label} " in out
    assert "default_workflow_permissions=read" in out
    protection = json.loads(out.split("branches/main/protection --input - <<'JSON'\n")[1]
                            .split("\nJSON")[0])  # fmt: skip
    assert protection["required_status_checks"]["contexts"] == [
        "plan / validate (cz)",
        "plan / plan (cz)",
        "plan / validate (sk)",
        "plan / plan (sk)",
    ]
    assert "! The workflows" not in out  # pinned to a commit, a real repository: no warnings


def test_the_required_checks_are_the_names_github_gives_the_called_jobs():
    # A check of a called job is "<calling job id> / <called job name>".
    (caller_id,) = wfcheck.jobs(wfcheck.load(WORKFLOWS / "shoptet-plan.yml"))
    called = wfcheck.jobs(wfcheck.load(WORKFLOWS / "catalog-plan.yml"))
    names = [
        f"{caller_id} / " + str(called[j]["name"]).replace("${{ matrix.shop.name }}", "cz")
        for j in ("validate", "plan")
    ]
    assert required_checks(shops_for(("cz",))) == names


def test_without_a_commit_the_tag_is_used_and_init_says_how_to_pin_it(tmp_path, capsys):
    code, out, _ = run(["init", str(tmp_path)], capsys)
    assert code == 0
    ref = f"v{__version__}"
    plan = (tmp_path / ".github/workflows/shoptet-plan.yml").read_text()
    assert f"uses: OWNER/REPO/.github/workflows/catalog-plan.yml@{ref} # UNPINNED" in plan
    assert "! The workflows and .pre-commit-config.yaml name OWNER/REPO: replace it" in out
    assert f"! The workflows call the tag {ref}, which its owner can move" in out
    # and the structural check refuses the unpinned call, as it should
    problems = wfcheck.check_file(tmp_path / ".github/workflows/shoptet-plan.yml", WORKFLOWS)
    assert {p.rule for p in problems} == {"pin"}


def test_version_is_printed_and_the_changelog_starts_with_it(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"shoptet-catalog, version {__version__}"
    changelog = (Path(__file__).resolve().parents[2] / "CHANGELOG.md").read_text()
    first = re.search(r"^## \[?v?(\d+\.\d+\.\d+)", changelog, re.M)
    assert first and first.group(1) == __version__


def test_the_readmes_shell_completion_line_prints_a_completion_script():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert 'eval "$(_SHOPTET_CATALOG_COMPLETE=bash_source shoptet-catalog)"' in readme
    out = subprocess.run(
        [str(Path(sys.executable).with_name("shoptet-catalog"))],
        env={**os.environ, "_SHOPTET_CATALOG_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    assert "complete -o nosort -F _shoptet_catalog_completion shoptet-catalog" in out.stdout


def test_the_readme_installs_from_a_git_tag_not_a_version_that_exists_nowhere():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert 'pip install "shoptet-catalog @ git+https://github.com/OWNER/REPO@vX.Y.Z"' in readme
    assert "shoptet-catalog==" not in readme
