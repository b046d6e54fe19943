"""Pricelists named in a variant's ``prices:`` -> pricelist ids (issue 17). Pure.

A catalog names another pricelist as the admin shows it (``Velkoobchod``) or by its id
(``2``); the diff resolves each name against the shop's pricelists (``GET /api/pricelists``,
read at plan time only when a product in scope states ``prices``). A name is matched whole,
ignoring case; one that matches no pricelist, or more than one, is a problem, and so is the
plan's own pricelist (``shop.pricelist``, else the e-shop's default): the variant's plain
price fields already say that one, and a value has one place.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.model import did_you_mean

__all__ = ["PricelistNames", "describe_pricelists"]


def _folded(name: Any) -> str:
    return unicodedata.normalize("NFC", str(name or "")).strip().casefold()


def describe_pricelists(pricelists: Mapping[int, str | None]) -> str:
    """``1 Hlavní ceník, 2 Velkoobchod`` (by id), or ``none``."""
    return ", ".join(f"{i} {n or '(no name)'}" for i, n in sorted(pricelists.items())) or "none"


@dataclass
class PricelistNames:
    """The shop's pricelists (id -> name; None: not read) and the plan's pricelist."""

    pricelists: Mapping[int, str | None] | None
    plan_pricelist: int | None
    # (guid, CODE, pricelist id) -> the key the YAML wrote it under, for locations
    written: dict[tuple[str, str, int], str] = field(default_factory=dict)

    def resolve(self, written: str) -> int | str:
        """The id ``written`` names, or the problem (text) why it names none."""
        shop = self.pricelists
        if shop is None:
            return (
                f"prices names pricelist {written!r}, but the shop's pricelists were not read "
                "(a bug: please report it)"
            )
        found = self._find(written, shop)
        if isinstance(found, str):
            return found
        if found == self.plan_pricelist:
            return (
                f"prices names pricelist {written!r}, which is this catalog's own pricelist "
                f"({found}, shop.pricelist in shop.yaml, else the e-shop's default): state "
                "these prices as the variant's own fields (price:, actionPrice:, ...) instead; "
                "a value has one place"
            )
        return found

    def _find(self, written: str, shop: Mapping[int, str | None]) -> int | str:
        text = str(written).strip()
        if text.isdigit() and int(text) in shop:
            return int(text)
        matches = sorted(i for i, name in shop.items() if _folded(name) == _folded(text))
        if len(matches) == 1:
            return matches[0]
        listing = describe_pricelists(shop)
        if matches:
            return (
                f"pricelist {written!r} is ambiguous: pricelists "
                f"{', '.join(map(str, matches))} share that name; write the id instead "
                f"(the shop has: {listing})"
            )
        names = tuple(str(n) for n in shop.values() if n)
        return (
            f"pricelist {written!r} is not a pricelist of this e-shop"
            f"{did_you_mean(text, names)} (it has: {listing}); use a name or id from "
            "`shoptet-catalog lookup pricelists`, or create the pricelist in the Shoptet "
            "admin first"
        )
