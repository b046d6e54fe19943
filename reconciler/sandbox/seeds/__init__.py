"""Seeds for the sandbox shop: ``empty`` (built here), ``demo`` (demo.json, committed and stable:
the example catalog in ``catalog/`` is written against it) or a state file (the documented
format in :mod:`reconciler.sandbox.state`)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from reconciler.sandbox.state import FORMAT_VERSION, StateError

SEED_TIME = "2026-01-05T09:00:00+0100"


def empty_state() -> dict:
    """E-shop info (CZK, VAT 21/12/0), default stock 1, default pricelist 1, a small category
    tree and one brand; no products."""
    root = "0a0e5c3e-1b7a-4c1e-9d3a-000000000001"
    return {
        "formatVersion": FORMAT_VERSION,
        "eshop": {
            "eshopId": 100001,
            "name": "Sandbox e-shop",
            "url": "https://sandbox.myshoptet.com/",
            "currency": "CZK",
            "vatRates": ["21.00", "12.00", "0.00"],
            "defaultVatRate": "21.00",
            "trackStockClaims": True,
            "stockControlDisabled": False,
        },
        "defaultStockId": 1,
        "stocks": [{"id": 1, "title": "Hlavní sklad"}],
        "defaultPricelistId": 1,
        "pricelists": [{"id": 1, "name": "Základní ceník"}],
        "categories": [
            {"guid": root, "name": "Zboží", "parentGuid": None, "visible": True, "priority": 1},
            {
                "guid": "0a0e5c3e-1b7a-4c1e-9d3a-000000000002",
                "name": "Novinky",
                "parentGuid": root,
                "visible": True,
                "priority": 2,
            },
        ],
        "brands": [
            {"guid": "0a0e5c3e-1b7a-4c1e-9d3a-0000000000b1", "code": "sandbox", "name": "Sandbox"}
        ],
        "availabilities": [{"id": -1, "name": "Skladem"}, {"id": -2, "name": "Vyprodáno"}],
        "variantParameters": [],
        "products": [],
        "deletedProducts": [],
        "movements": [],
        "clock": {"last": SEED_TIME},
    }


def load_seed(seed: str | Path) -> dict:
    """``"empty"``, ``"demo"`` or a path to a state JSON file. Raises StateError clearly."""
    if seed == "empty":
        return empty_state()
    if seed == "demo":
        text = resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8")
        return json.loads(text)
    path = Path(seed)
    if not path.is_file():
        raise StateError(f"seed must be 'demo', 'empty' or a state file; {path} is not a file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"{path}: not a readable JSON state file ({exc})") from None
