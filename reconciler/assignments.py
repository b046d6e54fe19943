"""Small assignments by name (issue 17): a product's ``warranty`` and ``supplier``, a variant's
``unit``. Pure: the shop's lists in, ids out, problems located.

Each names an entry of a list Shoptet's API can only read (warranties, units and suppliers are
defined in the admin): by id (a supplier's GUID) or by name as the admin shows it (a
warranty's description, a unit's or supplier's name; case-insensitive). Writes take the id
(``warrantyId``, ``unitId``, ``supplierGuid``), so the plan compares ids:

- ``assign_ids`` replaces each stated name in the desired catalog by its id, once the lists
  are read (``live.read.read_references``), before the diff (plan) or the fresh diff (apply);
- ``unit_ids`` does the same for the live side's units: a product detail names a variant's
  unit (``unit: "ks"``) but never its id;
- ``assignment_problems`` is every name or id the shop does not have, or a name two entries
  share, located (``references.check_references`` reports them with the other references).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.model import Catalog, Product

__all__ = [
    "ASSIGNMENTS",
    "Assignment",
    "assign_ids",
    "assignment_problems",
    "find",
    "unit_ids",
]


@dataclass(frozen=True)
class Assignment:
    field: str
    variant: bool  # a variant field (else a product field)
    kind: str  # the ShopReferences attribute holding the list
    noun: str  # "warranty", "unit", "supplier"
    named_by: str  # what the name of an entry is
    lookup: str  # the `lookup` kind


ASSIGNMENTS = (
    Assignment("warranty", False, "warranties", "warranty", "description", "warranties"),
    Assignment("supplier", False, "suppliers", "supplier", "name", "suppliers"),
    Assignment("unit", True, "units", "unit", "name", "units"),
)
_LISTED = 8


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _matches(value: Any, table: Mapping[Any, str | None]) -> list[Any]:
    if value in table:
        return [value]
    if not isinstance(value, str):
        return []
    folded = _fold(value)
    exact = [k for k, name in table.items() if name == value]
    return exact or [k for k, name in table.items() if name and _fold(name) == folded]


def find(value: Any, table: Mapping[Any, str | None]) -> Any:
    """The id ``value`` (an id or a name) names in ``table`` (id -> name), or None when it
    names none or several."""
    found = _matches(value, table)
    return found[0] if len(found) == 1 else None


def _stated(catalog: Catalog) -> Iterator[tuple[Assignment, tuple[str, ...], Any]]:
    """(assignment, location key, value) of every stated, non-null assignment."""
    for guid, product in sorted(catalog.products.items()):
        if product.absent:
            continue
        for a in ASSIGNMENTS:
            if not a.variant and a.field in product.model_fields_set:
                value = getattr(product, a.field)
                if value is not None:
                    yield a, (guid, a.field), value
        for code, variant in sorted((product.variants or {}).items()):
            if variant.absent:
                continue
            for a in ASSIGNMENTS:
                if a.variant and a.field in variant.model_fields_set:
                    value = getattr(variant, a.field)
                    if value is not None:
                        yield a, (guid, "variants", code, a.field), value


def stated_lists(catalog: Catalog, ignored: Callable[[tuple[str, ...]], bool]) -> set[str]:
    """The lists (``Assignment.kind``) the catalog names an entry of; ``ignored``: whether
    an ``ignore`` rule drops the field at that key."""
    return {a.kind for a, key, _ in _stated(catalog) if not ignored(key)}


def assignment_problems(
    catalog: Catalog,
    lists: Mapping[str, Mapping[Any, str | None] | None],
    add: Callable[[tuple[str, ...], str], None],
) -> None:
    """``add(key, message)`` for every stated entry ``lists`` (kind -> id -> name; None: not
    read) does not have, or has twice under that name."""
    for a, key, value in _stated(catalog):
        table = lists.get(a.kind)
        if table is None:
            continue
        found = _matches(value, table)
        where = f"variant {key[2]}: " if a.variant else ""
        if len(found) > 1:
            ids = ", ".join(str(k) for k in found)
            add(
                key,
                f"{where}{a.field}: {value!r} is the {a.named_by} of {len(found)} {a.kind} "
                f"({ids}); write the one you mean by its id",
            )
        elif not found:
            add(
                key,
                f"{where}{a.field}: {value!r} is not a {a.noun} of this e-shop (it has "
                f"{_listing(table)}); use an id or {a.named_by} from `shoptet-catalog lookup "
                f"{a.lookup}` (Shoptet's API cannot create {a.kind}: add it in the admin first)",
            )


def _listing(table: Mapping[Any, str | None]) -> str:
    shown = [f"{k} ({v})" if v else str(k) for k, v in table.items()]
    if not shown:
        return "none"
    if len(shown) > _LISTED:
        return ", ".join(shown[:_LISTED]) + f" and {len(shown) - _LISTED} more"
    return ", ".join(shown)


def assign_ids(catalog: Catalog, lists: Mapping[str, Mapping[Any, str | None] | None]) -> Catalog:
    """``catalog`` with each stated name replaced by its id (kinds not read, and names that
    name nothing, stay: ``assignment_problems`` reports those)."""
    changed: dict[str, Product] = {}
    for a, key, value in _stated(catalog):
        table = lists.get(a.kind)
        found = None if table is None else find(value, table)
        if found is None or found == value:
            continue
        guid = key[0]
        product = changed.get(guid, catalog.products[guid])
        if a.variant:
            code = key[2]
            variant = product.variants[code].model_copy(update={a.field: found})
            product = product.model_copy(update={"variants": {**product.variants, code: variant}})
        else:
            product = product.model_copy(update={a.field: found})
        changed[guid] = product
    if not changed:
        return catalog
    return catalog.model_copy(update={"products": {**catalog.products, **changed}})


def unit_ids(products: Mapping[str, Any], units: Mapping[int, str | None]) -> dict[str, Any]:
    """Live products (GUID -> ``Product`` or None) with each variant's unit name replaced by
    the id it names in ``units`` (a name that names none or several stays as read)."""
    out = dict(products)
    for guid, product in products.items():
        if product is None:
            continue
        variants = _with_unit_ids(product.variants or {}, units)
        if variants is not None:
            out[guid] = product.model_copy(update={"variants": variants})
    return out


def _with_unit_ids(variants: Mapping[str, Any], units: Mapping[int, str | None]) -> Any:
    changed = {}
    for code, v in variants.items():
        name = getattr(v, "unit", None) if "unit" in v.model_fields_set else None
        if isinstance(name, str):
            found = find(name, units)
            if found is not None:
                changed[code] = v.model_copy(update={"unit": found})
    return {**variants, **changed} if changed else None


def listed(items: Iterable[Mapping[str, Any]], key: str, name: str) -> dict[Any, str | None]:
    """A list answer (``GET /api/products/units`` items ...) as id -> name."""
    out: dict[Any, str | None] = {}
    for item in items:
        ident = item.get(key)
        if ident is not None:
            out[ident.lower() if isinstance(ident, str) else ident] = item.get(name)
    return out
