"""cli/options.py: the shared options are accepted before and after the subcommand, with the
same effect, and one given after the subcommand wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.errors import ConfigError

EXAMPLE = str(Path(__file__).resolve().parents[2] / "catalog")
NO_TOKEN = {k: None for k in os.environ if k.startswith("SHOPTET_")} | {"NO_COLOR": "1"}


def run(args: list[str], cwd: Path):
    """Run the CLI in ``cwd`` (no catalog/ there: only --catalog can point at one), with no
    token in the environment (only --sandbox can reach a shop)."""
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, args, env=NO_TOKEN)
    finally:
        os.chdir(old)


SHARED = ["--catalog", EXAMPLE, "--sandbox"]
COMMANDS = {
    "plan": ["plan", "--format", "json"],
    "apply": ["apply", "--auto-approve", "--allow-delete", "--allow-bulk"],
    "validate": ["validate", "--format", "json"],
    "import": ["import", "--all", "--out", "imported"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_shared_options_work_before_and_after_the_subcommand(command, tmp_path):
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    name, *rest = COMMANDS[command]
    before = run([*SHARED, name, *rest], tmp_path / "before")
    after = run([name, *SHARED, *rest], tmp_path / "after")
    assert before.exit_code == 0, before.output
    assert after.exit_code == 0, after.output
    assert after.output == before.output


def test_without_the_shared_options_there_is_no_catalog_and_no_shop(tmp_path):
    """The counterpart of the test above: what --catalog and --sandbox change."""
    assert "catalog directory 'catalog' not found" in str(run(["validate"], tmp_path).exception)
    plan = run(["plan", "--catalog", EXAMPLE], tmp_path)
    assert isinstance(plan.exception, ConfigError)
    assert "SHOPTET_PRIVATE_API_TOKEN" in str(plan.exception)


def test_an_option_given_after_the_subcommand_wins(tmp_path):
    result = run(
        ["--catalog", str(tmp_path / "missing"), "validate", "--catalog", EXAMPLE], tmp_path
    )
    assert result.exit_code == 0 and "is valid" in result.output
    result = run(
        ["--catalog", EXAMPLE, "validate", "--catalog", str(tmp_path / "missing")], tmp_path
    )
    assert isinstance(result.exception, ConfigError) and "missing" in str(result.exception)


def test_import_writes_into_the_catalog_given_after_the_subcommand(tmp_path):
    result = run(["import", "--sandbox", "--catalog", "mine", "--all"], tmp_path)
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "mine" / "products").glob("*.yaml"))
