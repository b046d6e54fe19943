"""The CLI shell: version, help with examples, error mapping."""

import re
import subprocess
import sys

from click.testing import CliRunner

from reconciler import __version__
from reconciler.cli import cli


def test_version_prints_the_package_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_ends_with_examples():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "--sandbox" in result.output


def test_new_guid_prints_a_lowercase_guid():
    result = CliRunner().invoke(cli, ["new-guid"])
    assert result.exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}\n", result.output)


def test_console_entry_point_runs_as_module():
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert __version__ in out.stdout


def test_unknown_command_exits_1_without_traceback():
    # 2 is reserved for "changes" (plan --detailed-exitcode), so usage errors exit 1.
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", "no-such-command"], capture_output=True, text=True
    )
    assert out.returncode == 1
    assert "No such command" in out.stderr
    assert "Traceback" not in out.stderr
