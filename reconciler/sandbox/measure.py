"""Measure units (a variant's ``measureUnit``, its unit price basis): Shoptet's system list,
the detail's object with its computed ``measurePrice``, and the write check.

Shoptet's measure units "are convertible to each other and cannot be redefined or extended"
(OpenAPI tag 'Measure units'), so every e-shop has the same list and it is no part of the
state document. UNVERIFIED: the ids and names below (the OpenAPI file shows only ``-16 kg``
in the list's example, and ``-22 kg`` in a detail's); the units are grouped by what they
measure, and only units of one group convert to each other.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reconciler.sandbox.envelope import Fail, err
from reconciler.sandbox.state import fmt

# (id, unitName, priority, what it measures, size in that group's smallest unit)
_UNITS = (
    (-14, "mg", 1, "mass", Decimal(1)),
    (-15, "g", 2, "mass", Decimal(1000)),
    (-16, "kg", 3, "mass", Decimal(1000000)),
    (-20, "ml", 4, "volume", Decimal(1)),
    (-21, "cl", 5, "volume", Decimal(10)),
    (-22, "dl", 6, "volume", Decimal(100)),
    (-23, "l", 7, "volume", Decimal(1000)),
    (-24, "m3", 8, "volume", Decimal(1000000)),
    (-30, "mm", 9, "length", Decimal(1)),
    (-31, "cm", 10, "length", Decimal(10)),
    (-32, "m", 11, "length", Decimal(1000)),
    (-40, "m2", 12, "area", Decimal(1)),
)
UNITS = {u[0]: u for u in _UNITS}
_RATIO_PLACES = 9  # typeUnitRatio: '^[0-9]+\.[0-9]{9}$'


def list_items() -> list[dict[str, Any]]:
    """``GET /api/products/measure-units`` items: each unit with the units of its group and
    how many of it one of them is (``g`` under ``kg``: ``0.001000000``)."""
    return [
        {
            "id": ident,
            "unitName": name,
            "priority": priority,
            "ratios": [
                {"unitId": other[0], "ratio": fmt(other[4] / size, _RATIO_PLACES)}
                for other in _UNITS
                if other[3] == group and other[0] != ident
            ],
        }
        for ident, name, priority, group, size in _UNITS
    ]


def check(item: dict, path: str) -> None:
    """A variant item's ``measureUnit``: each unit id it gives must be a measure unit, and the
    two must measure the same thing (UNVERIFIED: refused as the admin only offers convertible
    pairs; the error codes are made up like the other must-exist checks)."""
    value = item.get("measureUnit")
    if not isinstance(value, dict):
        return
    for key in ("packagingUnitId", "measureUnitId"):
        ident = value.get(key)
        if ident is not None and ident not in UNITS:
            raise Fail(
                422,
                err(
                    "measure-unit-not-found",
                    f'Measure unit with id "{ident}" not found.',
                    f"{path}.measureUnit.{key}",
                ),
            )
    packaging, measure = value.get("packagingUnitId"), value.get("measureUnitId")
    if packaging is not None and measure is not None and UNITS[packaging][3] != UNITS[measure][3]:
        raise Fail(
            422,
            err(
                "measure-units-not-convertible",
                f'Measure units "{UNITS[packaging][1]}" and "{UNITS[measure][1]}" are not '
                "convertible.",
                f"{path}.measureUnit",
            ),
        )


def stored(value: dict | None) -> dict | None:
    """What the state keeps of a written ``measureUnit`` (null: none)."""
    if value is None:
        return None
    return {
        k: value.get(k)
        for k in ("packagingUnitId", "packagingAmount", "measureUnitId", "measureAmount")
    }


def detail(value: dict | None, price: Any) -> dict | None:
    """A detail variant's ``measureUnit`` (include ``measureUnit``): the stored parts, the unit
    names, and ``measurePrice``, the price of ``measureAmount`` of the measure unit at the
    variant's ``price`` for ``packagingAmount`` of the packaging unit."""
    if value is None:
        return None
    packaging, measure = UNITS.get(value["packagingUnitId"]), UNITS.get(value["measureUnitId"])
    return {
        "packagingAmount": fmt(value["packagingAmount"], 3),
        "packagingUnitId": value["packagingUnitId"],
        "packagingUnitName": packaging[1] if packaging else None,
        "measureAmount": fmt(value["measureAmount"], 3),
        "measureUnitId": value["measureUnitId"],
        "measureUnitName": measure[1] if measure else None,
        "measurePrice": _measure_price(value, packaging, measure, price),
    }


def _measure_price(value: dict, packaging: Any, measure: Any, price: Any) -> str | None:
    amount, per = value["packagingAmount"], value["measureAmount"]
    if price is None or packaging is None or measure is None or amount is None or per is None:
        return None
    contents = Decimal(str(amount)) * packaging[4]
    if not contents:
        return None
    return fmt(Decimal(str(price)) * Decimal(str(per)) * measure[4] / contents, 2)
