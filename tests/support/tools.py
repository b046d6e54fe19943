"""Tools some tests run as programs (node, jq, curl, zizmor). Locally a missing one skips the
test with a reason that says what to install; under CI (``CI`` set, as ``.ci/run`` and GitHub
Actions do) it fails: the dev extra installs zizmor and the runners have node, jq and curl, so a
missing tool there is a broken setup, not a reason to test less."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def under_ci() -> bool:
    return bool(os.environ.get("CI"))


def missing(message: str) -> None:
    """Skip the calling test with ``message``, or fail it under CI."""
    if under_ci():
        pytest.fail(f"CI: {message}; CI must run this test", pytrace=False)
    pytest.skip(message)


def need(tool: str, how: str) -> str:
    """The path of program ``tool`` on PATH (else skip, or fail under CI; ``how`` says how to
    install it)."""
    path = shutil.which(tool)
    if path is None:
        missing(f"{tool} is not installed ({how})")
    return path


def need_file(path: Path, what: str, how: str) -> Path:
    """``path`` when it exists (else skip, or fail under CI)."""
    if not path.exists():
        missing(f"{what} is not installed at {path} ({how})")
    return path
