"""References the catalog states, checked against what the shop has (plan step 2). Pure.

A catalog names things in the shop by id or code: categories (``defaultCategory``,
``categories``: GUIDs), a brand (``brand``: its code), VAT rates (``vatRate``, and
``includingVat`` which only a VAT payer has), availabilities (variant ``availability``: ids),
stocks (``stock: {id: n}``) and the pricelist (shop.yaml ``shop.pricelist``). A wrong one used
to pass ``validate`` and ``plan`` and fail only at ``apply``, after the merge.

    kinds = stated_kinds(catalog)                 # which lists the catalog needs read
    refs = live.read.read_references(client, catalog, shop)   # those lists, once each
    problems = check_references(catalog, refs, locations)     # every problem, located
    names = plan_names(plan, refs)                # display-only names for the plan's ids

Each problem is ``file:line:column: what is wrong, what exists, how to fix``. Fields kept out
by an ``ignore`` rule are never written, so they are neither checked nor read for. Everything
here is a function of its arguments; the reads are ``reconciler.live.read.read_references``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from reconciler.assignments import (
    assignment_problems,
    stated_fields,
    stated_lists,
    unconvertible_measure_units,
    variant_fields,
)
from reconciler.errors import Problem
from reconciler.model import Catalog, Product, Variant
from reconciler.plan.model import Names, Plan, Resource

__all__ = [
    "ASSIGNMENT_LISTS",
    "AVAILABILITIES",
    "BRANDS",
    "CATEGORIES",
    "MEASURE_UNITS",
    "PRICELISTS",
    "SUPPLIERS",
    "UNITS",
    "WARRANTIES",
    "ShopReferences",
    "check_references",
    "plan_names",
    "stated_kinds",
]

# The reference lists that cost a request each (VAT rates and stocks come with the shop's own
# two reads, GET /api/eshop and GET /api/stocks, so they cost nothing extra).
CATEGORIES = "categories"
BRANDS = "brands"
AVAILABILITIES = "availabilities"
PRICELISTS = "pricelists"
# the small assignments' lists (``reconciler.assignments``), named as ShopReferences' fields
WARRANTIES, UNITS, SUPPLIERS = "warranties", "units", "suppliers"
MEASURE_UNITS = "measure_units"
MEASURE_UNIT_PAIRS = "measure_unit_pairs"  # read with MEASURE_UNITS: which units convert
ASSIGNMENT_LISTS = (WARRANTIES, UNITS, SUPPLIERS, MEASURE_UNITS)

# variant fields holding an availability id (the second: shown once the variant is sold out)
_AVAILABILITY_FIELDS = ("availability", "availabilityWhenSoldOut")
_LISTED = 8  # at most this many existing ids are named in one message; more: see `lookup`

# A loader's location key: ``(guid, field)``, ``(guid, "variants", code, field)``, ...
Key = tuple[str, ...]


class Located(Protocol):
    """Where a key was written (``reconciler.desired.load.Location``)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


_Add = Callable[[Key, str], None]  # records one problem at a key


@dataclass(frozen=True)
class ShopReferences:
    """What the shop has, per kind of reference. ``None``: not read, because the catalog
    states no such field (then nothing of that kind is checked)."""

    categories: Mapping[str, str | None] | None = None  # lowercase GUID -> name
    brands: Mapping[str, str | None] | None = None  # code -> name
    availabilities: Mapping[int, str | None] | None = None  # id -> name
    pricelists: Mapping[int, str | None] | None = None  # id -> name
    # the small assignments' lists (``reconciler.assignments``): id (GUID) -> name
    warranties: Mapping[int, str | None] | None = None  # id -> description
    units: Mapping[int, str | None] | None = None  # id -> name
    suppliers: Mapping[str, str | None] | None = None  # lowercase GUID -> name
    measure_units: Mapping[int, str | None] | None = None  # id -> unitName
    measure_unit_pairs: frozenset[tuple[int, int]] | None = None  # (id, id) that convert
    stocks: Mapping[int, str | None] = field(default_factory=dict)  # id -> title
    vat_rates: tuple[str, ...] = ()  # as the shop spells them; empty: not known
    vat_payer: bool | None = None  # None: the shop did not say


# -- which fields are stated ----------------------------------------------------------------


class _Ignore:
    """shop.yaml ``ignore`` rules: ``FIELD``, ``variants.*.FIELD``, ``variants.CODE.FIELD``."""

    def __init__(self, rules: Iterable[str]) -> None:
        self.product = {r for r in rules if not r.startswith("variants.")}
        self.variant: set[tuple[str, str]] = set()
        for r in rules:
            if r.startswith("variants."):
                code, _, name = r[len("variants.") :].rpartition(".")
                self.variant.add((code.upper(), name))

    def drops(self, name: str, code: str | None = None) -> bool:
        if code is None:
            return name in self.product
        if not self.variant:  # the usual case: no variant rules, nothing to build
            return False
        return ("*", name) in self.variant or (code.upper(), name) in self.variant


def _stated(model: Product | Variant, name: str, ignore: _Ignore, code: str | None = None) -> Any:
    """The value of a field the YAML states (not null, not ignored), else None."""
    if name not in model.model_fields_set or ignore.drops(name, code):
        return None
    return getattr(model, name)


def _products(catalog: Catalog) -> Iterator[tuple[str, Product]]:
    for guid, product in sorted(catalog.products.items()):
        if not product.absent:
            yield guid, product


def _variants(product: Product) -> Iterator[tuple[str, Variant]]:
    for code, variant in sorted((product.variants or {}).items()):
        if not variant.absent:
            yield code, variant


def stated_kinds(catalog: Catalog) -> frozenset[str]:
    """The reference lists ``catalog`` needs read (``CATEGORIES``, ``BRANDS``,
    ``AVAILABILITIES``, ``PRICELISTS``): only those whose field it states somewhere, so a
    catalog that states none costs no extra request."""
    ignore = _Ignore(catalog.ignore)
    kinds: set[str] = set()
    # Which fields anybody states at all (in C), then, in no particular order, the first
    # product that states each (not ignored): at 100,000 products a full pass costs seconds.
    product_fields, variant_fields_ = stated_fields(catalog)
    wanted = set()
    if not product_fields.isdisjoint(("defaultCategory", "categories")):
        wanted.add(CATEGORIES)
    if "brand" in product_fields:
        wanted.add(BRANDS)
    if not variant_fields_.isdisjoint(_AVAILABILITY_FIELDS):
        wanted.add(AVAILABILITIES)
    live = (p for p in catalog.products.values() if not p.absent)
    for product in live if wanted else ():
        if CATEGORIES in wanted and (
            _stated(product, "defaultCategory", ignore) or _stated(product, "categories", ignore)
        ):
            kinds.add(CATEGORIES)
        if BRANDS in wanted and _stated(product, "brand", ignore):
            kinds.add(BRANDS)
        if AVAILABILITIES in wanted and _states_availability(product, ignore):
            kinds.add(AVAILABILITIES)
        wanted -= kinds
        if not wanted:
            break
    if "pricelist" in catalog.shop.model_fields_set and catalog.shop.pricelist is not None:
        kinds.add(PRICELISTS)
    if states_prices(catalog):
        kinds.add(PRICELISTS)
    kinds |= stated_lists(catalog, lambda key: _ignored_at(ignore, key))
    return frozenset(kinds)


def _states_availability(product: Product, ignore: _Ignore) -> bool:
    if variant_fields(product).isdisjoint(_AVAILABILITY_FIELDS):
        return False
    return any(
        not variant.absent
        and any(_stated(variant, name, ignore, code) is not None for name in _AVAILABILITY_FIELDS)
        for code, variant in (product.variants or {}).items()
    )


def _ignored_at(ignore: _Ignore, key: Key) -> bool:
    """Does an ``ignore`` rule drop the field at a location key?"""
    return ignore.drops(key[-1], key[2] if len(key) == 4 else None)


def states_prices(catalog: Catalog, guids: Iterable[str] | None = None) -> bool:
    """Does a variant (of a product in ``guids``; None: any) state ``prices`` (other
    pricelists, named by name or id: the shop's pricelist list resolves them)?"""
    ignore = _Ignore(catalog.ignore)
    chosen = None if guids is None else {g.lower() for g in guids}
    if "prices" not in stated_fields(catalog)[1]:
        return False
    return any(
        not variant.absent and _stated(variant, "prices", ignore, code) is not None
        for guid, product in catalog.products.items()
        if not product.absent
        and (chosen is None or guid.lower() in chosen)
        and "prices" in variant_fields(product)
        for code, variant in (product.variants or {}).items()
    )


# -- the checks -----------------------------------------------------------------------------


def check_references(
    catalog: Catalog, refs: ShopReferences, locations: Mapping[Key, Located] | None = None
) -> list[Problem]:
    """Every reference ``catalog`` states that the shop does not have, as located problems
    (empty: all good). A kind the shop's ``refs`` did not read is not checked."""
    locations = locations or {}
    ignore = _Ignore(catalog.ignore)
    problems: list[Problem] = []

    def add(key: Key, message: str) -> None:
        loc = locations.get(key)
        if loc is None and len(key) > 1:
            loc = locations.get(key[:-1])
        problems.append(
            Problem.at(
                loc,
                message,
            )
        )

    rates = _RateCheck(refs.vat_rates)
    if not _all_known(catalog, refs, rates):  # else: nothing to find, no ordered walk
        for guid, product in _products(catalog):
            _check_product(guid, product, refs, ignore, add)
            for code, variant in _variants(product):
                if not variant.model_fields_set.isdisjoint(_CHECKED_VARIANT_FIELDS):
                    _check_variant(guid, code, variant, refs, ignore, add, rates)
    lists = {k: getattr(refs, k) for k in ASSIGNMENT_LISTS}

    def not_ignored(key: Key, message: str) -> None:
        if not _ignored_at(ignore, key):
            add(key, message)

    assignment_problems(catalog, lists, not_ignored)
    if refs.measure_units is not None and refs.measure_unit_pairs is not None:
        units, pairs = refs.measure_units, refs.measure_unit_pairs
        unconvertible_measure_units(catalog, units, pairs, not_ignored)
    pricelist = catalog.shop.pricelist if "pricelist" in catalog.shop.model_fields_set else None
    if pricelist is not None and refs.pricelists is not None and pricelist not in refs.pricelists:
        add(
            ("shop", "pricelist"),
            f"shop.pricelist: price list {pricelist} is not a price list of this e-shop "
            f"(it has {_listing(refs.pricelists)}); set shop.pricelist to one of them "
            "(`shoptet-catalog lookup pricelists`), or leave it out for the e-shop's default",
        )
    return problems


def _all_known(catalog: Catalog, refs: ShopReferences, rates: _RateCheck) -> bool:
    """Whether every category, brand, VAT rate, availability and stock id that any product
    or variant states (ignored ones too: a superset) is one the shop has, so the checks
    below can find nothing. One quick pass in no order instead of the ordered walk, which
    costs seconds at 100,000 products."""
    categories: set[Any] = set()
    brands: set[Any] = set()
    stated_rates: set[Any] = set()
    availabilities: set[Any] = set()
    stock_ids: set[Any] = set()
    vat_fields = False
    for product in catalog.products.values():
        if product.absent:
            continue
        fields = product.__pydantic_fields_set__  # model_fields_set, without its call
        if "defaultCategory" in fields:
            categories.add(product.defaultCategory)
        if "categories" in fields:
            categories.update(product.categories or ())
        if "brand" in fields:
            brands.add(product.brand)
        for variant in (product.variants or {}).values():
            stated = variant.__pydantic_fields_set__
            if variant.absent or stated.isdisjoint(_CHECKED_VARIANT_FIELDS):
                continue
            if "vatRate" in stated:
                stated_rates.add(variant.vatRate)
                vat_fields = True
            if "includingVat" in stated and variant.includingVat is not None:
                vat_fields = True
            if "stock" in stated and isinstance(variant.stock, dict):
                stock_ids.update(variant.stock)
            for name in _AVAILABILITY_FIELDS:
                if name in stated:
                    availabilities.add(getattr(variant, name))
    categories.discard(None)
    brands.discard(None)
    stated_rates.discard(None)
    availabilities.discard(None)
    if refs.categories is not None and any(
        not isinstance(g, str) or g.lower() not in refs.categories for g in categories
    ):
        return False
    if refs.brands is not None and any(
        not isinstance(b, str) or b not in refs.brands for b in brands
    ):
        return False
    if refs.vat_payer is False and vat_fields:
        return False
    if refs.vat_payer is not False and any(rates.unknown(r) for r in stated_rates):
        return False
    if refs.availabilities is not None and not availabilities <= refs.availabilities.keys():
        return False
    return not (refs.stocks and not stock_ids <= refs.stocks.keys())


def _check_product(
    guid: str, product: Product, refs: ShopReferences, ignore: _Ignore, add: _Add
) -> None:
    if refs.categories is not None:
        for name in ("defaultCategory", "categories"):
            value = _stated(product, name, ignore)
            wanted = [value] if isinstance(value, str) else list(value or [])
            unknown = [g for g in dict.fromkeys(wanted) if g.lower() not in refs.categories]
            if unknown:
                which = ", ".join(unknown)
                noun = "category" if len(unknown) == 1 else "categories"
                verb = "is not a category" if len(unknown) == 1 else "are not categories"
                add(
                    (guid, name),
                    f"{name}: {noun} {which} {verb} of this e-shop "
                    f"({_count(refs.categories, 'category', 'categories')}); use a category "
                    "GUID from `shoptet-catalog lookup categories`, or create the category "
                    "in the Shoptet admin first",
                )
    brand = _stated(product, "brand", ignore)
    if refs.brands is not None and isinstance(brand, str) and brand not in refs.brands:
        add((guid, "brand"), f"brand: {_brand_message(brand, refs.brands)}")


def _brand_message(code: str, brands: Mapping[str, str | None]) -> str:
    same = [c for c in brands if c.lower() == code.lower()]
    if same:
        return (
            f"brand code '{code}' is not in this e-shop, but '{same[0]}' is (codes are "
            f"case-sensitive): did you mean '{same[0]}'?"
        )
    close = difflib.get_close_matches(code, list(brands), n=1, cutoff=0.75)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return (
        f"brand code '{code}' is not a brand of this e-shop "
        f"({_count(brands, 'brand', 'brands', codes=True)}).{hint} Use a code from "
        "`shoptet-catalog lookup brands`, or create the brand in the Shoptet admin first"
    )


# the variant fields ``_check_variant`` looks at (a variant stating none is skipped)
_CHECKED_VARIANT_FIELDS = frozenset(("vatRate", "includingVat", "stock", *_AVAILABILITY_FIELDS))


class _RateCheck:
    """The shop's VAT rates by value (``21`` is ``21.00``), and what each rate a catalog
    states came to: a catalog states the same few rates on every variant."""

    def __init__(self, vat_rates: Iterable[str]) -> None:
        known = {_rate(r): r for r in vat_rates}
        known.pop(None, None)
        self.known = known
        self._seen: dict[Any, bool] = {}

    def unknown(self, rate: Any) -> bool:
        """``rate`` is not one of the shop's (never, when the shop's are not known)."""
        if not self.known:
            return False
        try:
            seen = self._seen.get(rate)
        except TypeError:  # unhashable: decide without remembering
            return _rate(rate) not in self.known
        if seen is None:
            seen = self._seen[rate] = _rate(rate) not in self.known
        return seen


def _check_variant(
    guid: str,
    code: str,
    variant: Variant,
    refs: ShopReferences,
    ignore: _Ignore,
    add: _Add,
    rates: _RateCheck,
) -> None:
    where = (guid, "variants", code)
    if refs.vat_payer is False:
        for name in ("vatRate", "includingVat"):
            if _stated(variant, name, ignore, code) is not None:
                add(
                    (*where, name),
                    f"variant {code}: {name}: this e-shop is not a VAT payer (GET /api/eshop "
                    "settings.vatPayer is false), so it has no VAT rates; leave "
                    f"{name} out",
                )
    elif "vatRate" in variant.model_fields_set:
        rate = _stated(variant, "vatRate", ignore, code)
        if rate is not None and rates.unknown(rate):
            have = ", ".join(dict.fromkeys(rates.known.values()))
            add(
                (*where, "vatRate"),
                f"variant {code}: vatRate {rate} is not a VAT rate of this e-shop (it has "
                f"{have}); use one of them (`shoptet-catalog lookup vat-rates`)",
            )
    availabilities = refs.availabilities
    if availabilities is not None:
        for name in _AVAILABILITY_FIELDS:
            availability = _stated(variant, name, ignore, code)
            if availability is not None and availability not in availabilities:
                add(
                    (*where, name),
                    f"variant {code}: {name} {availability} is not an availability of this "
                    f"e-shop (it has {_listing(availabilities)}); use one of their ids "
                    "(`shoptet-catalog lookup availabilities`)",
                )
    stock = _stated(variant, "stock", ignore, code) if refs.stocks else None
    if isinstance(stock, dict) and not stock.keys() <= refs.stocks.keys():
        unknown = sorted(int(k) for k in stock if int(k) not in refs.stocks)
        if unknown:
            add(
                (*where, "stock"),
                f"variant {code}: stock id {', '.join(map(str, unknown))} is not a stock of "
                f"this e-shop (it has {_listing(refs.stocks)}); use one of those ids "
                "(`shoptet-catalog lookup stocks`)",
            )


def _rate(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return None


def _listing(items: Mapping[Any, str | None]) -> str:
    """'1 (Hlavní sklad), 2 (Prodejna)'; the first few when there are many."""
    shown = [f"{k} ({v})" if v else str(k) for k, v in sorted(items.items(), key=_order)]
    if not shown:
        return "none"
    if len(shown) > _LISTED:
        return ", ".join(shown[:_LISTED]) + f" and {len(shown) - _LISTED} more"
    return ", ".join(shown)


def _count(items: Mapping[str, str | None], one: str, many: str, codes: bool = False) -> str:
    if not items:
        return f"it has no {many}"
    if codes and len(items) <= _LISTED:
        return "it has " + _listing(items)
    return f"it has {len(items)} {one if len(items) == 1 else many}"


def _order(item: tuple[object, str | None]) -> tuple[int, int, str]:
    key = item[0]
    return (0, key, "") if isinstance(key, int) else (1, 0, str(key))


# -- names for the plan's ids ---------------------------------------------------------------


def plan_names(plan: Plan, refs: ShopReferences, pricelist_name: str | None = None) -> Names:
    """The names of the categories, brands, stocks and pricelist ``plan`` mentions, from the
    lists already read (display only: ``Plan.names``, never in the planId)."""
    categories: dict[str, str] = {}
    brands: dict[str, str] = {}
    stocks: dict[int, str] = {}
    for change in plan.changes:
        if change.resource is Resource.STOCK and change.stock_id is not None:
            title = refs.stocks.get(change.stock_id)
            if title:
                stocks[change.stock_id] = title
        for f in change.fields:
            values = [v for v in (f.before, f.after) if v is not None]
            if f.field in ("defaultCategory", "categories") and refs.categories is not None:
                for value in values:
                    for guid in [value] if isinstance(value, str) else value:
                        name = isinstance(guid, str) and refs.categories.get(guid.lower())
                        if name:
                            categories[guid.lower()] = name
            elif f.field == "brand" and refs.brands is not None:
                for code in values:
                    name = isinstance(code, str) and refs.brands.get(code)
                    if name:
                        brands[code] = name
    assigned = _assigned_names(plan, refs)
    pricelists: dict[int, str] = {}
    if plan.pricelist_id is not None:
        name = (refs.pricelists or {}).get(plan.pricelist_id) or pricelist_name
        if name:
            pricelists[plan.pricelist_id] = name
    for change in plan.changes:  # other pricelists (``prices:``)
        other = change.pricelist_id
        if other is not None and (name := (refs.pricelists or {}).get(other)):
            pricelists[other] = name
    return Names(categories, brands, stocks, pricelists, assigned=assigned)


def _assigned_names(plan: Plan, refs: ShopReferences) -> dict[str, dict[str, str]]:
    """Warranty, unit, supplier and measure unit names for the ids the plan's changes show."""
    out: dict[str, dict[str, str]] = {}
    for change in plan.changes:
        for f in change.fields:
            if f.field not in _LIST_OF:
                continue
            table: Mapping[Any, str | None] = getattr(refs, _LIST_OF[f.field]) or {}
            for ident in _ids_shown(f.field, f.before, f.after):
                if not isinstance(ident, int | str):
                    continue
                name = table.get(ident.lower() if isinstance(ident, str) else ident)
                if name:
                    out.setdefault(f.field, {})[str(ident)] = name
    return out


def _ids_shown(field: str, *values: Any) -> list[Any]:
    """The ids a change's values hold: the values, or a measureUnit's two unit ids."""
    if field != "measureUnit":
        return list(values)
    return [v.get(part) for v in values if isinstance(v, dict) for part in _MEASURE_UNIT_IDS]


_LIST_OF = {
    "warranty": WARRANTIES,
    "unit": UNITS,
    "supplier": SUPPLIERS,
    "measureUnit": MEASURE_UNITS,
}
_MEASURE_UNIT_IDS = ("packagingUnitId", "measureUnitId")
