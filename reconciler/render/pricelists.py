"""Price changes grouped by pricelist (issue 17), the campaign view of a plan. Pure.

A campaign changes the same few values on hundreds of variants in one or more pricelists; the
product sections list each variant, this view says per pricelist how many variants change and
the changes they share, most common first, with action prices in words::

    Prices by pricelist:
      pricelist 1 (Základní ceník): 320 variants
        ~ actionPrice: (none) -> 179.00 from 1 Dec 2026 to 24 Dec 2026  (320 variants)
      pricelist 2 (Velkoobchod; customer groups: B2B): 320 variants
        ~ price: 200.00 -> 180.00 Kč  (320 variants)

Shown only when the plan changes a pricelist other than its own (``prices:``); a plan of one
pricelist reads as it always did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from reconciler.plan.model import Action, FieldChange, Plan, Resource
from reconciler.render.common import pricelist_label
from reconciler.render.values import show, show_change

__all__ = ["PRICES_HEAD", "SHARED_SHOWN", "PricelistBlock", "pricelist_blocks"]

PRICES_HEAD = "Prices by pricelist"
SHARED_SHOWN = 5  # shared changes listed per pricelist; the product sections have the rest


@dataclass(frozen=True)
class PricelistBlock:
    """One pricelist's price changes: its label, how many variants, and the changes they
    share as (action, text, how many variants), most common first."""

    label: str
    variants: int
    shared: tuple[tuple[Action, str, int], ...]
    more: int  # distinct changes not listed


def pricelist_blocks(plan: Plan) -> list[PricelistBlock]:
    """The plan's pricelists with price changes, its own first, then by id; empty when every
    price change is in its own pricelist."""
    prices = [c for c in plan.changes if c.resource is Resource.PRICE]
    if not any(c.pricelist_id is not None for c in prices):
        return []
    by_pricelist: dict[int | None, list[Any]] = {}
    for c in prices:
        by_pricelist.setdefault(c.pricelist_id, []).append(c)
    out = []
    for pid in sorted(by_pricelist, key=lambda p: -1 if p is None else p):
        changes = by_pricelist[pid]
        counts: Counter[tuple[Action, str]] = Counter()
        for c in changes:
            for f in c.fields:
                counts[(c.action, _text(c.action, f, plan))] += 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1]))
        shared = tuple((action, text, n) for (action, text), n in ranked[:SHARED_SHOWN])
        own = pid if pid is not None else plan.pricelist_id
        label = pricelist_label(own, plan.names) if own is not None else "the plan's pricelist"
        out.append(PricelistBlock(label, len(changes), shared, max(0, len(ranked) - SHARED_SHOWN)))
    return out


def _text(action: Action, f: FieldChange, plan: Plan) -> str:
    if action is Action.CREATE:
        return f"{f.field}: {show(f.field, f.after, plan.names)}"
    return f"{f.field}: {show_change(f.field, f.before, f.after, plan.names)}"
