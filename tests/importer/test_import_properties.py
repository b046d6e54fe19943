"""import --all, then plan, is empty for generated shops (in-process sandbox; no faults).

The shops are the demo shop after applying a generated catalog (odd names, prices, stock,
EANs, new products and variants, deleted ones), so import meets values the demo seed does not
have. The imported catalog must validate and plan empty against the same shop."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings

from reconciler.apply.preflight import ApplyOptions
from reconciler.desired.load import load_catalog
from reconciler.errors import UnsafePlan
from reconciler.importer.build import import_products
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import loaded, plan_of
from tests.apply.test_properties import scenario
from tests.support.sandbox_client import sandbox_client


def _roundtrip(case):
    state, desired = case
    sb = Sandbox(state)
    with sandbox_client(sb) as client:
        try:
            apply_plan(plan_of(sb, desired), client, loaded(desired), options=ApplyOptions(True, True))
        except UnsafePlan:
            assume(False)
    with tempfile.TemporaryDirectory() as tmp, sandbox_client(sb, read_only=True) as client:
        out = Path(tmp) / "catalog"
        report = import_products(client, out)
        assert len(report.added) == len(sb.state()["products"])
        assert plan_of(sb, load_catalog(out)).is_empty
        again = import_products(client, out)
        assert again.files == [] and not again.added and not again.updated


@settings(max_examples=4)
@given(scenario())
def test_import_all_then_plan_is_empty(case):
    _roundtrip(case)


@pytest.mark.slow
@settings(max_examples=60)
@given(scenario())
def test_import_all_then_plan_is_empty_thorough(case):
    _roundtrip(case)


TRICKY = ["null", "~", "NULL", "true", "no", "123", "0012", " lead", "trail ", "a: b", "#hash",
          "x # y", "- dash", "'q'", '"dq"', "multi\nline", "tab\tx", "ünïcødé", "@at", "%pct"]  # fmt: skip


def test_tricky_text_values_survive_import():
    from tests.apply.support import demo_state

    state = demo_state()
    for i, text in enumerate(TRICKY):
        p = state["products"][i]
        p["name"] = f"{text}" if text.strip() else "x"
        p["shortDescription"] = text
        p["internalNote"] = text
        p["description"] = f"<p>{text}</p>\n<p>second line</p>\n"
        p["variants"][0]["ean"] = "0012345678905"
        p["variants"][0]["manufacturerCode"] = text[:32]
    sb = Sandbox(state)
    with tempfile.TemporaryDirectory() as tmp, sandbox_client(sb, read_only=True) as client:
        out = Path(tmp) / "catalog"
        import_products(client, out)
        loaded = load_catalog(out)
        names = {g: p.name for g, p in loaded.catalog.products.items()}
        for i, text in enumerate(TRICKY):
            assert names[state["products"][i]["guid"]] == text
        assert plan_of(sb, loaded).is_empty
