"""README's *Exit codes* table lists exactly the codes the CLI uses, with the same meaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.cli import EXIT_INTERRUPTED, EXIT_TERMINATED, main
from reconciler.errors import ApplyError, CatalogError, ConfigError, StalePlan, UnsafePlan

README = Path(__file__).resolve().parents[2] / "README.md"


def table() -> dict[int, str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Exit codes") :]
    section = section[: section.index("\n## ", 1)]
    return {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| ([^|]+) \|", section, re.M)}


def test_the_readme_table_matches_the_code():
    rows = table()
    assert sorted(rows) == [0, 1, 2, 3, 4, EXIT_INTERRUPTED, EXIT_TERMINATED]
    assert (EXIT_INTERRUPTED, EXIT_TERMINATED) == (130, 143)
    assert "Ctrl-C" in rows[130] and "SIGTERM" in rows[143]
    assert "guard" in rows[UnsafePlan.exit_code] and "stale" in rows[StalePlan.exit_code]
    for error in (ConfigError, CatalogError, ApplyError):
        assert error.exit_code == 1
    assert "usage error" in rows[1] and "usage" not in rows[2]


def test_a_usage_error_exits_1_as_the_table_says(capsys):
    with pytest.raises(SystemExit) as info:
        main(["plan", "--no-such-option"])
    assert info.value.code == 1
    assert "No such option" in capsys.readouterr().err
