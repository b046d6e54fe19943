"""Seeds and the state format (issue: seeds; DESIGN §3 stock reading)."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.sandbox import Sandbox, StateError, available
from reconciler.sandbox.state import ShopState, real_stock_for_available

GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")


def test_demo_seed_is_a_believable_shop():
    """Issue: at least 30 products with 1-5 variants, prices, stock in two stocks, claims,
    lowercase GUIDs, uppercase codes (some numeric-looking), EANs as strings."""
    state = Sandbox.from_seed("demo").state()
    products = state["products"]
    assert len(products) >= 30
    assert {s["id"] for s in state["stocks"]} == {1, 2} and state["defaultStockId"] == 1
    assert state["eshop"]["currency"] == "CZK"
    assert state["eshop"]["vatRates"] == ["21.00", "12.00", "0.00"]
    codes = [v["code"] for p in products for v in p["variants"]]
    assert len(codes) == len(set(codes))
    assert all(c == c.upper() for c in codes) and "00123" in codes
    assert all(1 <= len(p["variants"]) <= 5 for p in products)
    assert all(GUID.match(p["guid"]) for p in products)
    variants = [v for p in products for v in p["variants"]]
    assert all(isinstance(v["ean"], str) for v in variants if v["ean"] is not None)
    assert all(v["prices"]["1"]["price"] for v in variants)
    assert any(Decimal(r["claim"]) > 0 for v in variants for r in v["stocks"].values())
    assert any("2" in v["stocks"] for v in variants)
    assert {p["visibility"] for p in products} == {"visible", "hidden"}


def test_demo_seed_is_reproducible_from_its_builder():
    """demo.json is exactly what build_demo.py writes (deterministic GUIDs and times)."""
    out = subprocess.run(
        [sys.executable, "-m", "reconciler.sandbox.seeds.build_demo", "--check"],
        capture_output=True,
        timeout=60,
    )
    assert out.returncode == 0, "demo.json differs from build_demo.py's output"


def test_empty_seed():
    """Issue: empty = e-shop info (CZK, VAT 21/12/0), stock 1, pricelist 1, a small category
    tree and a brand."""
    state = Sandbox.from_seed("empty").state()
    assert state["products"] == []
    assert state["defaultStockId"] == 1 and state["defaultPricelistId"] == 1
    assert len(state["categories"]) >= 2 and len(state["brands"]) == 1
    child = state["categories"][1]
    assert child["parentGuid"] == state["categories"][0]["guid"]


def test_state_round_trips_through_load_state():
    sb = Sandbox.from_seed("demo")
    doc = sb.state()
    other = Sandbox.from_seed("empty")
    other.load_state(doc)
    assert other.state() == doc


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("stocks"), "missing keys: stocks"),
        (lambda d: d.update(formatVersion=2), "formatVersion"),
        (lambda d: d["products"][0].update(variants=[]), "has no variants"),
        (lambda d: d["products"][0].pop("variants"), "malformed product"),
        (
            lambda d: d["products"][0]["variants"][0]["stocks"]["1"].update(realStock="x"),
            "malformed product",
        ),
    ],
)
def test_bad_state_documents_are_refused_clearly(mutate, message):
    doc = Sandbox.from_seed("demo").state()
    mutate(doc)
    with pytest.raises(StateError, match=message):
        Sandbox.from_seed("empty").load_state(doc)


def test_state_must_be_an_object():
    with pytest.raises(StateError):
        ShopState([])


@given(
    real=st.decimals(min_value=-1000, max_value=1000, places=3),
    claim=st.decimals(min_value=0, max_value=1000, places=3),
)
def test_available_and_its_inverse(real, claim):
    """DESIGN §3: available = realStock - claim, in one named function (and its inverse)."""
    assert available(real, claim) == real - claim
    assert real_stock_for_available(available(real, claim), claim) == real
