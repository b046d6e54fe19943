"""`import` writes a variant's measureUnit as the YAML states it, ``{contents: 250 g, per:
1 kg}`` with the units by name, and the catalog then plans no changes. A refresh rewrites a
changed one and keeps a hand-written spelling that means the same; a variant without one
gets no key (left unmanaged)."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli
from tests.support.sandbox_client import served

G, KG = -15, -16  # the sandbox's ids (reconciler/sandbox/measure.py)
GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo: KAV-COL-250, -500


def measure(amount: str, unit: int, per: str, per_unit: int) -> dict:
    return {
        "packagingUnitId": unit,
        "packagingAmount": amount,
        "measureUnitId": per_unit,
        "measureAmount": per,
    }


@pytest.fixture
def shop():
    state = demo_state()
    product = next(p for p in state["products"] if p["guid"] == GUID)
    product["variants"][0]["measureUnit"] = measure("250.000", G, "1.000", KG)
    sb = Sandbox(state)
    with served(sb) as srv:
        yield sb, srv.url, product["guid"], [v["code"] for v in product["variants"]]


def test_import_writes_it_by_name_and_plans_empty(shop, tmp_path, monkeypatch, capsys):
    sb, url, guid, codes = shop
    args = ["import", "--guid", guid, "--out", "c"]
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, out + err
    path = tmp_path / "c" / "products" / "imported.yaml"
    written = path.read_text(encoding="utf-8")
    assert written.count("measureUnit: {contents: 250 g, per: 1 kg}\n") == 1
    assert len(codes) > 1 and written.count("measureUnit") == 1  # the others have none
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["--catalog", "c", "plan"], url=url)
    assert code == 0 and "No changes." in out + err, out + err

    # a hand-written spelling that means the same stays; a changed one is refreshed
    hand = written.replace("per: 1 kg}", "per: 1.000 KG}")
    path.write_text(hand, encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, out + err
    assert path.read_text(encoding="utf-8") == hand
    state = sb.state()
    next(p for p in state["products"] if p["guid"] == GUID)["variants"][0]["measureUnit"] = measure(
        "500.000", G, "1.000", KG
    )
    sb.load_state(state)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert code == 0, out + err
    assert "measureUnit: {contents: 500 g, per: 1 kg}\n" in path.read_text(encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["--catalog", "c", "plan"], url=url)
    assert code == 0 and "No changes." in out + err, out + err
