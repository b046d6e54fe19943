"""A catalog repository made by `shoptet-catalog init` (one shop and three), checked like this
repository: its workflows pass wfcheck and zizmor, its calls resolve to this repository's reusable
workflows with matching inputs and secrets at one pinned commit, its catalogs validate, and
`pre-commit run --all-files` with this repository's hooks passes (and fails on a broken file).

pre-commit runs offline: the hooks of the generated config are taken from this repository's
.pre-commit-hooks.yaml by id and run as `repo: local`, `language: system` hooks with the
shoptet-catalog of this venv (the generated config itself names the GitHub repository, which
pre-commit would clone).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reconciler.cli import main
from tests.support.git import git
from tests.support.tools import need_file
from tests.workflows import wfcheck
from tests.workflows.test_workflows import CALLERS, zizmor

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
TOOL_REPO = "acme/shoptet-catalog"
SHA = "89abcdef0123456789abcdef0123456789abcdef"
SHOP_SETS = {"one-shop": (), "three-shops": ("cz", "sk", "hu")}


def catalogs(shops: tuple[str, ...]) -> list[str]:
    return [f"shops/{s}/catalog" for s in shops] or ["catalog"]


@pytest.fixture(params=list(SHOP_SETS), scope="module")
def repo(request, tmp_path_factory) -> tuple[Path, tuple[str, ...]]:
    shops = SHOP_SETS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    git(root, "init", "-q", "-b", "main")
    args = ["init", str(root), "--tool-repo", TOOL_REPO, "--tool-sha", SHA, "--tool-ref", "v0.1.0"]
    for shop in shops:
        args += ["--shop", shop]
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0
    git(root, "add", "-A")
    return root, shops


def generated(root: Path) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.yml"))


def test_the_generated_workflows_pass_the_same_structural_checks(repo):
    root, _ = repo
    assert [p.name for p in generated(root)] == sorted(CALLERS)
    for path in generated(root):
        problems = wfcheck.check_file(path, reusable_dir=WORKFLOWS)
        assert problems == [], "\n".join(map(str, problems))


def test_zizmor_finds_nothing_in_the_generated_repository(repo):
    root, _ = repo
    # the whole repository: the workflows and .pre-commit-config.yaml (zizmor audits its pins)
    code, findings = zizmor(root, collect="all")
    assert findings == [] and code == 0, json.dumps(findings, indent=1)[:4000]


def test_each_call_resolves_to_this_repositorys_reusable_workflow_at_one_commit(repo):
    root, shops = repo
    for path in generated(root):
        (call,) = wfcheck.jobs(wfcheck.load(path)).values()
        uses = str(call["uses"])
        assert uses == f"{TOOL_REPO}/.github/workflows/{CALLERS[path.name]}@{SHA}"
        called = wfcheck.load(wfcheck.resolve_call(uses, path, WORKFLOWS))
        inputs, secrets = wfcheck.call_inputs(called), wfcheck.call_secrets(called)
        assert set(call["with"]) <= set(inputs)
        assert {k for k, v in inputs.items() if v.get("required")} <= set(call["with"])
        assert set(call["secrets"]) <= set(secrets)
        # the same commit is installed as is called
        assert (
            call["with"]["install"] == f"shoptet-catalog @ git+https://github.com/{TOOL_REPO}@{SHA}"
        )
        shop_list = json.loads(call["with"]["shops"])
        assert [s["catalog"] for s in shop_list] == catalogs(shops)
        assert call["with"]["sandbox"] is False


def _normalised(path: Path) -> list[str]:
    """The file without the lines that differ by design between this repository's callers and a
    generated one (what is called, which shops, what is installed, sandbox)."""
    skip = ("    uses: ", "      shops: ", "      install: ", "      sandbox: ")
    return [line for line in path.read_text().splitlines() if not line.startswith(skip)]


def test_the_generated_callers_are_this_repositorys_callers(repo):
    root, _ = repo
    for path in generated(root):
        assert _normalised(path) == _normalised(WORKFLOWS / path.name), path.name


def test_every_catalog_validates_in_the_new_repository(repo):
    root, shops = repo
    for catalog in catalogs(shops):
        out = subprocess.run(
            [str(BIN / "shoptet-catalog"), "validate", "--catalog", catalog],
            cwd=root, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert f"{catalog} is valid" in out.stdout


def test_the_pre_commit_config_uses_this_repositorys_hooks_at_the_same_commit(repo):
    root, shops = repo
    config = YAML(typ="safe").load(root / ".pre-commit-config.yaml")
    hook_ids = {h["id"] for h in YAML(typ="safe").load(ROOT / ".pre-commit-hooks.yaml")}
    (entry,) = config["repos"]
    assert entry["repo"] == f"https://github.com/{TOOL_REPO}" and entry["rev"] == SHA
    used = [h["id"] for h in entry["hooks"]]
    assert set(used) <= hook_ids
    assert used.count("shoptet-catalog-validate") == len(catalogs(shops))


def local_config(root: Path) -> Path:
    """The generated config with each hook taken from .pre-commit-hooks.yaml, run locally."""
    yaml = YAML(typ="safe")
    defs = {h["id"]: h for h in yaml.load(ROOT / ".pre-commit-hooks.yaml")}
    (entry,) = yaml.load(root / ".pre-commit-config.yaml")["repos"]
    hooks = [{**defs[h["id"]], **h, "language": "system"} for h in entry["hooks"]]
    out = root.parent / f"{root.name}-local-pre-commit.yaml"
    out.write_text(json.dumps({"repos": [{"repo": "local", "hooks": hooks}]}))
    return out


def pre_commit(root: Path) -> subprocess.CompletedProcess:
    need_file(PRE_COMMIT, "pre-commit", "pip install -e '.[dev]'")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files", "--config", str(local_config(root))],
        cwd=root, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_pre_commit_with_the_hooks_passes_and_fails_on_a_broken_catalog(repo):
    root, shops = repo
    ran = pre_commit(root)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.count("Passed") == len(catalogs(shops)) + 1  # + the schema check
    broken = root / catalogs(shops)[-1] / "products" / "broken.yaml"
    broken.write_text("products:\n  1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed:\n    nmae: x\n")
    git(root, "add", "-A")
    try:
        ran = pre_commit(root)
    finally:
        broken.unlink()
        git(root, "add", "-A")
    assert ran.returncode == 1
    assert f"{catalogs(shops)[-1]}/products/broken.yaml:3:5: unknown key 'nmae'" in ran.stdout


def test_pre_commit_fails_when_the_editors_schemas_are_stale(repo):
    root, _ = repo
    schema = root / "schemas" / "shop.schema.json"
    fresh = schema.read_text()
    schema.write_text(fresh.replace('"policy"', '"polisy"', 1))
    git(root, "add", "-A")
    try:
        ran = pre_commit(root)
    finally:
        schema.write_text(fresh)
        git(root, "add", "-A")
    assert ran.returncode == 1
    assert "schemas/shop.schema.json is stale; run `shoptet-catalog schema`" in ran.stdout
