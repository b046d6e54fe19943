"""Related and alternative products in the plan (issue 18). Pure.

``relatedProducts`` / ``alternativeProducts`` name other products by GUID. Shoptet refuses a
link to a product it does not have, so the plan checks every target before anything is
written: it must be a product of the catalog (one this plan creates is fine: apply creates
products before it writes links) or of the shop, and not one this plan deletes (a tombstone,
or ``policy.prune``). The plan shows each target with its name (``Names.products``).

    targets = stated_targets(desired.products, guids)     # what to look for in the shop
    problems = link_problems(wanted, in_scope, known, deleted, locations)
    names = link_names(plan.changes, {guid: name, ...})   # display only
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from reconciler import fields as F
from reconciler.plan.model import Change

__all__ = ["LINK_FIELDS", "link_names", "link_problems", "stated_targets"]

LINK_FIELDS: tuple[str, ...] = F.names(F.select(F.Level.PRODUCT, kind=F.Kind.PRODUCT_LINKS))

# (key, message): records one problem at a loader location key
_Add = Callable[[tuple[Any, ...], str], None]


def _stated(product: Any) -> Iterable[tuple[str, list[str]]]:
    if product is None or getattr(product, "absent", False):
        return
    for name in LINK_FIELDS:
        if name in product.model_fields_set and getattr(product, name) is not None:
            yield name, getattr(product, name)


def stated_targets(products: Mapping[str, Any], guids: Iterable[str] | None) -> set[str]:
    """The GUIDs (lowercase) the products in scope (``guids``; None: all) link to."""
    chosen = products if guids is None else {g: products.get(g) for g in guids}
    return {t.lower() for p in chosen.values() for _, items in _stated(p) for t in items}


def link_problems(
    wanted: Mapping[str, Any],
    in_scope: Iterable[str],
    known: Mapping[str, Any],
    deleted: set[str],
    add: _Add,
) -> None:
    """Record (``add``) each link of a product in ``in_scope`` to a product that is neither
    in the catalog nor in ``known`` (the shop's products the plan read), or that this plan
    deletes (``deleted``: lowercase GUIDs of its product deletes and tombstones)."""
    for guid in sorted(in_scope):
        for name, items in _stated(wanted.get(guid)):
            for i, target in enumerate(items):
                target = target.lower()
                entry = wanted.get(target)
                if target in deleted or getattr(entry, "absent", False):
                    add(
                        (guid, name, i),
                        f"{name}: product {target} is deleted by this plan (a tombstone, or "
                        "policy.prune), so it cannot be linked; remove it from the list or "
                        "keep the product",
                    )
                elif entry is None and target not in known:
                    add(
                        (guid, name, i),
                        f"{name}: product {target} is neither in the catalog nor in the shop; "
                        "list the GUID of an existing product, or add the product to the "
                        "catalog",
                    )


def link_names(changes: Iterable[Change], names: Mapping[str, str | None]) -> dict[str, str]:
    """The names of the products the plan's link changes mention (display only)."""
    out: dict[str, str] = {}
    for change in changes:
        for f in change.fields:
            if f.field not in LINK_FIELDS:
                continue
            for value in (f.before, f.after):
                for guid in value if isinstance(value, list) else ():
                    name = names.get(str(guid).lower())
                    if name:
                        out[str(guid).lower()] = name
    return dict(sorted(out.items()))
