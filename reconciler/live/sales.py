"""Sales context (issue 19, display only): how many orders of the last 30 days contain the
variants whose price the plan changes or that it hides. One request a variant
(``count_orders``: ``itemsPerPage=1``, the paginator's ``totalCount``), at most ``SALES_CAP``
a plan; the plan says how many it left unread. Read only when shop.yaml sets
``shop.bestSellerOrders`` (plans without it make no extra request)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from reconciler import errors as E
from reconciler.model import Catalog
from reconciler.plan.guards import PRICE_FIELDS, removals
from reconciler.plan.model import Action, Change, Resource
from reconciler.ports import SalesReader

SALES_CAP = 50
SALES_DAYS = 30


def sales_targets(changes: Iterable[Change], live: Catalog) -> dict[str, list[str]]:
    """Change id -> the variant codes its sales context sums: a price change of an existing
    variant, a hidden variant, a hidden product (every live variant of it). Deletions are
    left out: the open-orders guard speaks for them."""
    changes = [c for c in changes if c.action is not Action.DELETE]
    out: dict[str, list[str]] = {}
    for c in changes:
        if (
            c.resource is Resource.PRICE
            and c.action is Action.UPDATE
            and c.code
            and any(f.field in PRICE_FIELDS for f in c.fields)
        ):
            out[c.id] = [c.code]
    products, variants = removals(changes)
    for c in changes:
        if c.resource is Resource.VARIANT and c.code in variants:
            out[c.id] = [c.code]
        elif c.resource is Resource.PRODUCT and c.guid in products:
            product = live.products.get(c.guid)
            codes = sorted((product.variants or {}) if product is not None else ())
            if codes:
                out[c.id] = codes
    return out


def read_sales(
    client: SalesReader, targets: dict[str, list[str]], now: datetime, cap: int = SALES_CAP
) -> tuple[dict[str, int], int]:
    """(change id -> orders in the last 30 days summed over its variants, how many variants
    were not read: past ``cap``, or all of them when the token may not read orders). A change
    with any variant unread is left out rather than shown too low."""
    codes = sorted({code for cs in targets.values() for code in cs})
    since = now - timedelta(days=SALES_DAYS)
    counts: dict[str, int] = {}
    try:
        for code in codes[:cap]:
            counts[code] = client.count_orders(code, since)
    except E.PermissionDenied:  # display only: a plan token without the orders right still plans
        return {}, len(codes)
    sales = {
        cid: sum(counts[c] for c in cs)
        for cid, cs in targets.items()
        if all(c in counts for c in cs)
    }
    return sales, len(codes) - len(counts)
