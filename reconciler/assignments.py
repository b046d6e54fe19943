"""Small assignments by name (issue 17): a product's ``warranty`` and ``supplier``, a variant's
``unit`` and the two units of its ``measureUnit``. Pure: the shop's lists in, ids out, problems
located.

Each names an entry of a list Shoptet's API can only read (warranties, units and suppliers are
defined in the admin): by id (a supplier's GUID) or by name as the admin shows it (a
warranty's description, a unit's or supplier's name; case-insensitive). Writes take the id
(``warrantyId``, ``unitId``, ``supplierGuid``, ``measureUnit.packagingUnitId`` and
``.measureUnitId``), so the plan compares ids:

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
from itertools import chain
from operator import attrgetter
from typing import Any

from reconciler.model import Catalog, Product

__all__ = [
    "ASSIGNMENTS",
    "Assignment",
    "assign_ids",
    "assignment_problems",
    "find",
    "stated_fields",
    "unit_ids",
    "variant_fields",
]


@dataclass(frozen=True)
class Assignment:
    field: str
    variant: bool  # a variant field (else a product field)
    kind: str  # the ShopReferences attribute holding the list
    noun: str  # "warranty", "unit", "supplier"
    named_by: str  # what the name of an entry is
    lookup: str  # the `lookup` kind
    # an object field's parts that name an entry, each with the YAML key it is written under;
    # empty: the field's value is the name itself
    parts: tuple[tuple[str, str], ...] = ()


ASSIGNMENTS = (
    Assignment("warranty", False, "warranties", "warranty", "description", "warranties"),
    Assignment("supplier", False, "suppliers", "supplier", "name", "suppliers"),
    Assignment("unit", True, "units", "unit", "name", "units"),
    Assignment(
        "measureUnit",
        True,
        "measure_units",
        "measure unit",
        "name",
        "measure-units",
        (("packagingUnitId", "contents"), ("measureUnitId", "per")),
    ),
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


@dataclass(frozen=True)
class _Stated:
    """One name or id the catalog states: ``part`` of an object field, else the field."""

    assignment: Assignment
    key: tuple[str, ...]  # the field's location key
    part: str | None
    value: Any

    @property
    def label(self) -> str:
        """How the YAML writes it: ``unit``, ``measureUnit.per``."""
        yaml_key = dict(self.assignment.parts).get(self.part or "")
        return f"{self.assignment.field}.{yaml_key}" if yaml_key else self.assignment.field


def _stated(catalog: Catalog) -> Iterator[_Stated]:
    """Every stated, non-null assignment (each named part of an object field)."""
    product_fields, variant_fields_ = stated_fields(catalog)
    if product_fields.isdisjoint(_PRODUCT_FIELDS) and variant_fields_.isdisjoint(_VARIANT_FIELDS):
        return  # nobody states one
    for guid, product in sorted(catalog.products.items()):
        if product.absent:
            continue
        if not product.model_fields_set.isdisjoint(_PRODUCT_FIELDS):
            for a in ASSIGNMENTS:
                if not a.variant and a.field in product.model_fields_set:
                    yield from _values(a, (guid, a.field), getattr(product, a.field))
        # most products' variants state none: skip them unsorted (seconds at 100,000)
        if _VARIANT_FIELDS.isdisjoint(variant_fields(product)):
            continue
        for code, variant in sorted((product.variants or {}).items()):
            if variant.absent:
                continue
            for a in ASSIGNMENTS:
                if a.variant and a.field in variant.model_fields_set:
                    key = (guid, "variants", code, a.field)
                    yield from _values(a, key, getattr(variant, a.field))


def variant_fields(product: Product) -> set[str]:
    """Every field any variant of ``product`` states: one set operation in C, so a pass over
    a large catalog skips a product whose variants state none of what it looks for."""
    return set().union(*map(FIELDS_SET, (product.variants or {}).values()))


def stated_fields(catalog: Catalog) -> tuple[frozenset[str], frozenset[str]]:
    """Every field any product (not a tombstone) states, and any of their variants: two set
    unions in C, so a check of a field nobody states costs no walk of the catalog (issue 16:
    each walk costs tenths of a second at 100,000 products). A plan asks several times about
    one catalog, so the last answer is kept with the mapping it is for (catalogs are never
    changed in place: ``model_copy`` makes a new mapping)."""
    products = catalog.products
    if _last_stated is not None and _last_stated[0] is products:
        return _last_stated[1]
    live = [p for p in products.values() if not p.absent]
    variants = chain.from_iterable(p.variants.values() for p in live if p.variants)
    found = (
        frozenset().union(*map(FIELDS_SET, live)),
        frozenset().union(*map(FIELDS_SET, variants)),
    )
    _remember_stated(products, found)
    return found


_last_stated: tuple[Any, tuple[frozenset[str], frozenset[str]]] | None = None


def _remember_stated(products: Any, found: tuple[frozenset[str], frozenset[str]]) -> None:
    global _last_stated
    _last_stated = (products, found)


FIELDS_SET = attrgetter("__pydantic_fields_set__")  # model_fields_set, without its call
_PRODUCT_FIELDS = frozenset(a.field for a in ASSIGNMENTS if not a.variant)
_VARIANT_FIELDS = frozenset(a.field for a in ASSIGNMENTS if a.variant)


def _values(a: Assignment, key: tuple[str, ...], value: Any) -> Iterator[_Stated]:
    if value is None:
        return
    if not a.parts:
        yield _Stated(a, key, None, value)
        return
    for part, _ in a.parts:
        if value.get(part) is not None:
            yield _Stated(a, key, part, value[part])


def stated_lists(catalog: Catalog, ignored: Callable[[tuple[str, ...]], bool]) -> set[str]:
    """The lists (``Assignment.kind``) the catalog names an entry of; ``ignored``: whether
    an ``ignore`` rule drops the field at that key."""
    kinds = {s.assignment.kind for s in _stated(catalog) if not ignored(s.key)}
    return kinds | _cleared_objects(catalog, ignored)


def _cleared_objects(catalog: Catalog, ignored: Callable[[tuple[str, ...]], bool]) -> set[str]:
    """The lists of object fields a variant clears (``measureUnit: null``): the plan names
    the units of what it clears, which are otherwise only ids."""
    objects = [a for a in ASSIGNMENTS if a.parts and a.variant]
    fields = frozenset(a.field for a in objects)
    if stated_fields(catalog)[1].isdisjoint(fields):
        return set()
    return {
        a.kind
        for guid, product in catalog.products.items()
        if not product.absent and not fields.isdisjoint(variant_fields(product))
        for code, variant in (product.variants or {}).items()
        for a in objects
        if a.field in variant.model_fields_set
        and getattr(variant, a.field) is None
        and not ignored((guid, "variants", code, a.field))
    }


def assignment_problems(
    catalog: Catalog,
    lists: Mapping[str, Mapping[Any, str | None] | None],
    add: Callable[[tuple[str, ...], str], None],
) -> None:
    """``add(key, message)`` for every stated entry ``lists`` (kind -> id -> name; None: not
    read) does not have, or has twice under that name."""
    for s in _stated(catalog):
        a, key, value = s.assignment, s.key, s.value
        table = lists.get(a.kind)
        if table is None:
            continue
        found = _matches(value, table)
        where = f"variant {key[2]}: " if a.variant else ""
        plural = a.kind.replace("_", " ")
        if len(found) > 1:
            ids = ", ".join(str(k) for k in found)
            add(
                key,
                f"{where}{s.label}: {value!r} is the {a.named_by} of {len(found)} {plural} "
                f"({ids}); write the one you mean by its id",
            )
        elif not found:
            add(
                key,
                f"{where}{s.label}: {value!r} is not a {a.noun} of this e-shop (it has "
                f"{_listing(table)}); use an id or {a.named_by} from `shoptet-catalog lookup "
                f"{a.lookup}` (Shoptet's API cannot create {plural}: add it in the admin first)",
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
    for s in _stated(catalog):
        a, key = s.assignment, s.key
        table = lists.get(a.kind)
        found = None if table is None else find(s.value, table)
        if found is None or found == s.value:
            continue
        guid = key[0]
        product = changed.get(guid, catalog.products[guid])
        if a.variant:
            variant = _assigned(product.variants[key[2]], s, found)
            product = product.model_copy(update={"variants": {**product.variants, key[2]: variant}})
        else:
            product = _assigned(product, s, found)
        changed[guid] = product
    if not changed:
        return catalog
    return catalog.model_copy(update={"products": {**catalog.products, **changed}})


def _assigned(owner: Any, stated: _Stated, found: Any) -> Any:
    """``owner`` (a product or variant model) with ``stated`` replaced by the id ``found``."""
    field = stated.assignment.field
    value = found if stated.part is None else {**getattr(owner, field), stated.part: found}
    return owner.model_copy(update={field: value})


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


def convertible_pairs(items: Iterable[Mapping[str, Any]]) -> frozenset[tuple[int, int]]:
    """``GET /api/products/measure-units`` items as the (id, id) pairs that convert to each
    other (each unit's ``ratios``), both ways round."""
    pairs = set()
    for item in items:
        for ratio in item.get("ratios") or []:
            pairs |= {(item.get("id"), ratio.get("unitId")), (ratio.get("unitId"), item.get("id"))}
    return frozenset(pairs)


def unconvertible_measure_units(
    catalog: Catalog,
    units: Mapping[Any, str | None],
    pairs: frozenset[tuple[int, int]],
    add: Callable[[tuple[str, ...], str], None],
) -> None:
    """``add(key, message)`` for every ``measureUnit`` whose ``contents`` and ``per`` are units
    of the shop that do not convert to each other (a unit price of grams per litre means
    nothing; names the shop lacks are ``assignment_problems``')."""
    if "measureUnit" not in stated_fields(catalog)[1]:
        return
    for guid, product in sorted(catalog.products.items()):
        for code, variant in sorted((product.variants or {}).items()):
            value = None if product.absent or variant.absent else variant.measureUnit
            if "measureUnit" not in variant.model_fields_set or value is None:
                continue
            ids = [find(value[part], units) for part in ("packagingUnitId", "measureUnitId")]
            if None in ids or ids[0] == ids[1] or tuple(ids) in pairs:
                continue
            add(
                (guid, "variants", code, "measureUnit"),
                f"variant {code}: measureUnit: contents in {units[ids[0]]} and per "
                f"{units[ids[1]]} do not convert to each other; use units that measure the "
                "same thing (`shoptet-catalog lookup measure-units` lists which convert)",
            )


def listed(items: Iterable[Mapping[str, Any]], key: str, name: str) -> dict[Any, str | None]:
    """A list answer (``GET /api/products/units`` items ...) as id -> name."""
    out: dict[Any, str | None] = {}
    for item in items:
        ident = item.get(key)
        if ident is not None:
            out[ident.lower() if isinstance(ident, str) else ident] = item.get(name)
    return out
