"""Which customer groups buy from which pricelist (issue 17), for the plan's wording only:
``Velkoobchod (customer groups: B2B, Partneři)`` tells a reviewer who sees a B2B price.
One ``GET /api/customers/groups`` per plan, and only when the plan changes a pricelist other
than its own; a token that may not read customer groups gets the plan without them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler import errors as E
from reconciler.shoptet.client import get_customer_groups


def read_pricelist_groups(client: Any, pricelist_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """``{pricelist id: names of the groups whose default pricelist it is}`` for
    ``pricelist_ids`` (no request when there are none; {} when the groups cannot be read)."""
    wanted = set(pricelist_ids)
    if not wanted:
        return {}
    try:
        groups = get_customer_groups(client)
    except (E.PermissionDenied, E.NotFound):
        return {}  # display only: the plan is the same without the names
    out: dict[int, list[str]] = {}
    for g in groups:
        if g.defaultPricelistId in wanted and g.name:
            out.setdefault(g.defaultPricelistId, []).append(g.name)
    return {pid: tuple(names) for pid, names in sorted(out.items())}
