"""The shop's product flags, read when the catalog names or declares some (issue 17):
``flags`` in the YAML name them by code or title, shop.yaml ``flags:`` defines them, and the
diff resolves both against this list (``plan.flag_changes``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.model import Catalog
from reconciler.shoptet.client import get_flags


def needs_flags(desired: Catalog, guids: Iterable[str] | None) -> bool:
    """Does shop.yaml declare flags, or a product in scope (``guids``; None: every product)
    state ``flags``?"""
    if desired.flags:
        return True
    wanted = {g.lower(): p for g, p in desired.products.items()}
    chosen = set(wanted) if guids is None else {g.lower() for g in guids}
    return any(
        p is not None and "flags" in p.model_fields_set for p in (wanted.get(g) for g in chosen)
    )


def read_flags(client: Any) -> tuple[dict[str, Any], ...]:
    """``GET /api/products/flags``: one request, the flags' codes and titles."""
    return tuple(get_flags(client))
