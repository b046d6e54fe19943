"""The README's quick start, run as written, so the README cannot drift from the tool.

The two fenced commands under "## Quick start" are extracted from README.md. The slow test runs
both in a temporary copy of the working tree (a real new venv; pip may reuse its cache); its
second command runs this test suite, so the copy is told (SHOPTET_README_INNER=1) not to run
these tests again. The fast test runs the quick start's tool command with the current venv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.openapi_spec import spec_path

ROOT = Path(__file__).resolve().parents[1]
INNER = "SHOPTET_README_INNER"
PLAN_SUMMARY = re.compile(
    r"\b\d+\s+to\s+(create|add|update|change|delete|destroy)\b|\bno changes\b"
    r"|^Plan: \d+ .*\b(created|updated|deleted|changed|added)\.$",
    re.I | re.M,
)

pytestmark = pytest.mark.skipif(
    os.environ.get(INNER) == "1", reason="already inside the README quick-start run"
)


def quick_start_commands(readme: str) -> list[str]:
    """The fenced blocks of the "## Quick start" section, in order."""
    m = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    if not m:
        raise AssertionError('README.md has no "## Quick start" section')
    return [b.strip() for b in re.findall(r"^```(?:sh|bash)?\n(.*?)^```", m.group(1), re.S | re.M)]


def tool_command(install_block: str) -> str:
    """The tool invocation at the end of the install block (`... && shoptet-catalog ...`)."""
    last = install_block.split("&&")[-1].strip()
    assert last.startswith("shoptet-catalog "), install_block
    return last


@pytest.fixture(scope="module")
def commands() -> list[str]:
    return quick_start_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def test_quick_start_is_install_and_try_then_run_the_tests(commands):
    assert len(commands) == 2
    install, tests = commands
    assert install.startswith("python3 -m venv .venv && . .venv/bin/activate")
    assert "pip install -e '.[dev]'" in install
    assert tool_command(install) == "shoptet-catalog --sandbox plan"
    assert tests == ". .venv/bin/activate && python -m pytest"


def test_extraction_reads_only_the_quick_start_section():
    readme = (
        "# x\n\n## Quick start\n\n```sh\none\n```\n\ntext\n\n```\ntwo\n```\n\n"
        "## Other\n\n```sh\nthree\n```\n"
    )
    assert quick_start_commands(readme) == ["one", "two"]
    with pytest.raises(AssertionError, match='no "## Quick start"'):
        quick_start_commands("# nothing\n")


def _env_without_venv() -> dict[str, str]:
    env = dict(os.environ)
    venv = env.pop("VIRTUAL_ENV", None)
    bin_dirs = {str(Path(sys.executable).parent)} | ({str(Path(venv) / "bin")} if venv else set())
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p not in bin_dirs
    )
    env.update(NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def test_quick_start_tool_command_runs_with_the_current_venv(commands):
    env = _env_without_venv()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    out = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", tool_command(commands[0])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert PLAN_SUMMARY.search(out.stdout), out.stdout
    assert "Traceback" not in out.stderr


def copy_working_tree(dest: Path) -> None:
    """Tracked and untracked-but-not-ignored files (so no .venv, caches or build output), as a
    fresh git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git_env = dict(
        os.environ,
        GIT_AUTHOR_NAME="readme-test",
        GIT_AUTHOR_EMAIL="readme-test@example.invalid",
        GIT_COMMITTER_NAME="readme-test",
        GIT_COMMITTER_EMAIL="readme-test@example.invalid",
    )
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run(["git", *args], cwd=dest, env=git_env, check=True)


@pytest.mark.slow
@pytest.mark.openapi_unchecked  # everything runs in subprocesses; the inner run checks it
@pytest.mark.timeout(1500)
def test_quick_start_runs_as_written_in_a_fresh_copy(commands, tmp_path):
    repo = tmp_path / "shoptet-catalog"
    repo.mkdir()
    copy_working_tree(repo)
    env = _env_without_venv()
    env[INNER] = "1"
    # The README's test command is the default run: no slow tests, the default profile.
    for name in ("SHOPTET_SLOW", "HYPOTHESIS_PROFILE", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    # The copy has no ../shared next to it: name the OpenAPI file this run found, if any. Without
    # one, the inner run is not CI's conformance run (the test job is), so it may skip those.
    spec = spec_path()
    if spec is not None:
        env["SHOPTET_OPENAPI"] = str(spec.resolve())
    else:
        env.pop("CI", None)
    for block, limit in zip(commands, (600, 900), strict=True):
        out = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", block],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=limit,
        )
        assert out.returncode == 0, f"$ {block}\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
        if block is commands[0]:
            assert (repo / ".venv" / "bin" / "python").exists()
            assert PLAN_SUMMARY.search(out.stdout), out.stdout
