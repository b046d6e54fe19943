"""What open orders claim of the products a plan deletes or hides (issue 19, the open-orders
guard). Read only when the plan deletes or hides something; the verdict itself is pure
(``plan.guards.open_orders_verdict``).

Two ways to read, whichever costs fewer requests for the plan at hand:

- **per variant**: ``GET /api/orders/claims?productCode=X`` for each deleted or hidden
  variant (one request each, 250 claims a page);
- **per stock**: ``GET /api/stocks/{id}/supplies?onlyWithClaim=true`` for every stock (1000
  rows a page; the rows name the product GUID, so deleted products need no variant list),
  then the claims of only the variants found claimed, for their order codes.

A deleted or hidden *product* counts as its variants when the caller knows them (``plan``:
from the live read); otherwise (``apply``, before its re-reads) it goes per stock.

``read_stock_claims`` reads what open orders claim per variant and stock, for the stock-below-claim
guard and the claims shown beside stock when the live side came from the cache: one
``onlyWithClaim`` supplies read per stock the plan sets (1000 claimed rows a page), always
fresh, so a claim that grew since the last read can never hide a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler.live.convert import claim_key, claim_text
from reconciler.plan.guards import OrderClaim, VariantClaims, removals
from reconciler.plan.model import Change
from reconciler.ports import ClaimReader


def claims_for(
    client: ClaimReader,
    changes: Iterable[Change],
    stock_ids: Iterable[int],
    variant_codes: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, VariantClaims] | None:
    """The claims the open-orders guard needs for these changes; None (and no request) when
    they delete and hide nothing. ``variant_codes``: product GUID -> its live variant codes,
    when known (a product then costs one request per variant if that is cheaper)."""
    products, variants = removals(changes)
    if not products and not variants:
        return None
    known = variant_codes or {}
    if all(g in known for g in products):
        expanded = {code: g for g in products for code in known[g]}
        variants = {**expanded, **variants}
        products = frozenset()
    return read_claims(client, products=products, variants=variants, stock_ids=stock_ids)


def read_claims(
    client: ClaimReader,
    *,
    products: Iterable[str],
    variants: Mapping[str, str],
    stock_ids: Iterable[int],
) -> dict[str, VariantClaims]:
    """Variant code -> its open claims, for the deleted or hidden ``products`` (GUIDs) and
    ``variants`` (code -> product GUID). Only claimed variants are in the result."""
    products = frozenset(g.lower() for g in products)
    stock_ids = sorted(set(stock_ids))
    if not products and not variants:
        return {}
    if not products and len(variants) <= len(stock_ids):
        targets = dict(variants)
    else:
        targets = {}
        for stock_id in stock_ids:
            for row in client.iter_supplies(stock_id, only_with_claim=True):
                guid = (row.productGuid or "").lower()
                if guid in products or row.code in variants:
                    targets[row.code] = variants.get(row.code, guid)
    out: dict[str, VariantClaims] = {}
    for code, guid in sorted(targets.items()):
        per_order: dict[str, Decimal] = {}  # an order may claim the variant on several lines
        for row in client.iter_order_claims(code):
            if row.productCode == code:
                order = str(row.orderCode)
                per_order[order] = per_order.get(order, Decimal(0)) + _open(row)
        orders = tuple(OrderClaim(o, a) for o, a in sorted(per_order.items()) if a > 0)
        if orders:
            out[code] = VariantClaims(guid, orders)
    return out


def read_stock_claims(client: ClaimReader, stock_ids: Iterable[int]) -> dict[str, str]:
    """``"CODE@stockId" -> claim`` for every claimed variant in ``stock_ids``, read now."""
    out: dict[str, str] = {}
    for stock_id in sorted(set(stock_ids)):
        for row in client.iter_supplies(stock_id, only_with_claim=True):
            claim = claim_text(row.claim)
            if claim is not None and row.code:
                out[claim_key(row.code, stock_id)] = claim
    return out


def _open(row: Any) -> Decimal:
    """Ordered minus completed: what the order still claims."""
    return _dec(row.amount) - _dec(row.amountCompleted)


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
