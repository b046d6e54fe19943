"""The bad-catalog corpus: one directory per pitfall or model rule.

Each ``tests/desired/bad/<case>/`` holds a ``catalog/`` directory and ``expected.txt`` with the
exact problems (``file:line:column: message``, sorted) that loading it must report. Every case
must also make ``shoptet-catalog validate`` exit 1 without a traceback.
"""

from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError

BAD = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_case_reports_exactly_the_expected_problems(case, monkeypatch):
    monkeypatch.chdir(BAD / case)
    expected = (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    with pytest.raises(CatalogError) as info:
        load_catalog(Path("catalog"))
    assert [str(p) for p in info.value.problems] == expected


@pytest.mark.parametrize("case", CASES)
def test_case_makes_validate_exit_1_without_traceback(case, monkeypatch, capsys):
    monkeypatch.chdir(BAD / case)
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Internal error" not in err
    first = (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first in err.splitlines()


def test_console_script_prints_no_traceback_for_a_bad_catalog():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate"],
        cwd=BAD / "alias-bomb",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("catalog/products/choc.yaml:6:4: this expands to more than")


def test_alias_bomb_fails_fast(monkeypatch):
    import time

    monkeypatch.chdir(BAD / "alias-bomb")
    start = time.perf_counter()
    with pytest.raises(CatalogError):
        load_catalog(Path("catalog"))
    assert time.perf_counter() - start < 0.5
