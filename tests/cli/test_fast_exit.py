"""The console script ends without freeing a loaded catalog (``cli.fast_exit``): the exit
status, the output and every file written are as with a normal exit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler import cli
from reconciler.cli import fast_exit

ROOT = Path(__file__).resolve().parents[2]


class Ended(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@pytest.fixture
def ends(monkeypatch):
    """``os._exit`` recorded instead of taken, and nothing parked before or after."""

    def record(code: int) -> None:
        raise Ended(code)

    monkeypatch.setattr(fast_exit.os, "_exit", record)
    monkeypatch.setattr(fast_exit, "_parked", [])
    monkeypatch.setattr(fast_exit, "_enabled", False)
    monkeypatch.setattr(fast_exit.gc, "freeze", lambda: None)
    yield


def test_a_command_that_parked_a_catalog_ends_the_process_with_its_status(ends, monkeypatch):
    def command() -> None:
        fast_exit.park(object())
        sys.exit(2)

    monkeypatch.setattr(cli, "main", command)
    with pytest.raises(Ended) as info:
        cli.run()
    assert info.value.code == 2


def test_outside_the_console_script_nothing_is_parked(ends):
    fast_exit.park(object())
    assert not fast_exit.parked()


def test_a_command_that_parked_nothing_exits_as_usual(ends, monkeypatch):
    monkeypatch.setattr(cli, "main", lambda: sys.exit(3))
    with pytest.raises(SystemExit) as info:
        cli.run()
    assert info.value.code == 3


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (4, 4), ("bye", 1)])
def test_exit_codes_are_those_of_sys_exit(code, status, capsys):
    assert fast_exit.exit_code(SystemExit(code)) == status
    assert capsys.readouterr().err == ("bye\n" if code == "bye" else "")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
        timeout=120,
    )


def test_validate_and_plan_end_with_their_output_and_files_whole(tmp_path):
    shutil.copytree(ROOT / "catalog", tmp_path / "catalog")
    done = run("validate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stdout + done.stderr

    done = run(
        "--sandbox",
        "plan",
        "--out",
        "plan.json",
        "--detailed-exitcode",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr  # changes, as without the fast exit
    assert json.loads(done.stdout)["planId"]  # the whole plan reached the pipe
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["planId"]
    assert "Plan written to plan.json" in done.stderr

    (tmp_path / "catalog" / "shop.yaml").write_text("shop: [\n", encoding="utf-8")
    done = run("validate", cwd=tmp_path)
    assert done.returncode == 1 and "shop.yaml" in done.stderr
