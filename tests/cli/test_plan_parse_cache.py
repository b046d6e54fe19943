"""`plan --parse-cache DIR` on the command line: the same plan cold and warm, a bad entry said
in one line on stderr (and the plan still the YAML's), and apply has no such option."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_cold_warm_and_a_bad_entry_give_the_plan_of_the_yaml(tmp_path, capsys):
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "catalog", catalog)
    base = ["--catalog", str(catalog), "--sandbox", "plan"]
    plain = run(base, capsys)
    assert plain[0] == 0, plain[2]
    cached = [*base, "--parse-cache", str(tmp_path / "pc")]
    cold = run(cached, capsys)
    entries = sorted(p for p in (tmp_path / "pc").iterdir() if p.name != ".gitignore")
    assert (tmp_path / "pc" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries) == 1 + len(list((catalog / "products").rglob("*.yaml")))
    warm = run(cached, capsys)
    assert cold[:2] == warm[:2] == plain[:2]
    assert "parse cache" not in cold[2] + warm[2]

    for entry in entries[:2]:
        entry.write_bytes(b'{"not": "an entry"}')
    code, out, err = run(cached, capsys)
    assert (code, out) == plain[:2]
    notes = [line for line in err.splitlines() if "parse cache" in line]
    assert len(notes) == 1 and "ignored" in notes[0]
    assert run(cached, capsys)[2].count("parse cache") == 0  # rewritten from the YAML


def test_apply_has_no_parse_cache_option(tmp_path, capsys):
    code, _, err = run(["--sandbox", "apply", "--parse-cache", str(tmp_path)], capsys)
    assert code != 0 and "No such option '--parse-cache'" in err
