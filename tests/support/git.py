"""Run git in a test repository with a fixed author (no global git config needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """``git ARGS`` in ``repo``; its stdout, stripped. Fails the test on a non-zero exit."""
    out = subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def repo_with(where: Path, catalog: Path) -> Path:
    """A git repository ``where/repo`` holding a copy of ``catalog`` in catalog/, committed
    on ``main``."""
    repo = where / "repo"
    repo.mkdir()
    shutil.copytree(catalog, repo / "catalog")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    return repo
