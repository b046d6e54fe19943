"""Read the live shop into the catalog model, read-only (DESIGN §5; API notes §5, §6, §11).

    shop = read_shop(client, desired.shop)            # GET /api/eshop + GET /api/stocks
    live = read_live(client, desired, shop=shop)      # the live side, as a Catalog
    live = FullRead(client).read(desired, shop)       # the same, as a ``ports.LiveSource``
    live = ScopedRead(client, guids).read(desired, shop)   # only these products

What is read, in this order:

1. ``GET /api/eshop`` (e-shop id, default pricelist) and ``GET /api/stocks`` (default stock,
   every stock id). ``shop.yaml`` ``shop.defaultStock`` / ``shop.pricelist`` override the
   defaults; a stock id the shop does not have is an error before anything else is read.
2. Full scope: ``GET /api/products`` at 1000 a page, for the set of live GUIDs and their names
   (unmanaged products are reported from this list alone).
3. ``GET /api/products/{guid}`` for each *managed* product that exists live and is not a
   tombstone, at most ``max_in_flight`` (3) at once, with exactly the includes its managed
   fields need (``live_convert.includes_for``): a product that states no categories, stock or
   other-pricelist prices is read without any include, which keeps Shoptet's response, and its
   leaky-bucket cost, small. A product the YAML does not manage is never read in detail.
   A tombstoned product needs no detail: the list already says it exists and what it is called.

Scoped reads (``scope`` = a set of GUIDs, e.g. from ``--target`` or ``--changed-since``) skip
the list: each scoped product's detail is read (a 404 means "not live"), so a plan of k products
costs k + 2 requests whatever the size of the shop. With ``policy.prune``, scoped GUIDs the
catalog no longer declares are read too (no includes), so the scoped plan can delete them.

Reading strategy for stock and prices, measured: the product detail's includes
(``perStockAmounts``, ``perPricelistPrices``) cost **no extra request**, because the detail of a
managed product is read anyway (for its variant codes and product fields); supplies and the
pricelist cost extra pages on top: one ``GET /api/stocks/{id}/supplies`` page per 1000 variants
of the *whole shop* per stock, and one ``GET /api/pricelists/{id}`` page per *100* variants.
Counted against the sandbox: the example catalog on the demo shop (32 live products, 59
variants, 28 managed products live, 2 stocks) costs 31 requests with the includes (eshop,
stocks, 1 list page, 28 details); supplies and the pricelist would add 3 (2 supplies pages,
1 pricelist page) for nothing. (Plan step 2 adds one read per reference list the catalog
states, ``read_references``: 3 for the example, categories, brands and availabilities, so a
whole example plan is 34 requests.) A 10,000-product / 50,000-variant shop managed in full costs
10,012 requests with the includes; the bulk reads would add 600 (2 x 50 supplies pages and 500
pricelist pages) (``tests/bench/bench_plan.py --strategies``). Bulk reads could only win for a
catalog that manages nothing but the stock and prices of more products than those pages cost
(its details could then be skipped), which is not the catalog this tool is for, so live.py
reads stock and prices from the detail includes. The incremental cache (``--cache``,
``reconciler.live.cached``) is where supplies ``changedFrom`` pays off: a warm full plan re-reads
only the products the changes feed names and updates cached stock from the changed supplies.

Stock: the model's ``stock`` is the physical amount (``realStock``); the read side's ``amount``
is what is available for ordering, so physical = ``amount`` + ``claim``, computed only by
``reconciler.plan.normalize.live_physical_stock`` (the sandbox's ``state.available`` is its inverse).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler import errors as E
from reconciler.assignments import convertible_pairs, listed
from reconciler.desired.values import GUID_PATTERN
from reconciler.errors import CatalogError, ConfigError
from reconciler.live.base import LiveRead, ShopInfo, quiet, read_details
from reconciler.live.convert import product_from_summary
from reconciler.model import Catalog, Product, ShopSettings
from reconciler.plan.model import Currency
from reconciler.ports import DetailReader, ProductReader, Progress, ReferenceReader, ShopReader
from reconciler.references import (
    AVAILABILITIES,
    BRANDS,
    CATEGORIES,
    MEASURE_UNIT_PAIRS,
    MEASURE_UNITS,
    PRICELISTS,
    SUPPLIERS,
    UNITS,
    WARRANTIES,
    ShopReferences,
    check_references,
    stated_kinds,
    states_prices,
)
from reconciler.shoptet.client import (
    get_measure_units,
    get_suppliers,
    get_units,
    get_warranties,
)

__all__ = [
    "FullRead",
    "ScopedRead",
    "check_stock_ids",
    "raise_for_references",
    "read_assignment_lists",
    "read_live",
    "read_references",
    "read_shop",
    "resolve_targets",
]

GUID_RE = re.compile(GUID_PATTERN)


def read_shop(client: ShopReader, settings: ShopSettings | None = None) -> ShopInfo:
    """``GET /api/eshop`` and ``GET /api/stocks``; shop.yaml's settings override the defaults.
    Raises ``ConfigError`` when shop.yaml names a stock the e-shop does not have."""
    settings = settings or ShopSettings()
    eshop = client.get_eshop()
    stocks = client.get_stocks()
    titles = {int(s.id): s.title for s in stocks.stocks}
    default_stock = settings.defaultStock or stocks.defaultStockId
    if default_stock is None:
        raise ConfigError(
            "Shoptet's GET /api/stocks named no default stock; set shop.defaultStock in "
            "shop.yaml to the stock id a plain `stock:` means"
        )
    if titles and int(default_stock) not in titles:
        raise ConfigError(
            f"shop.yaml: shop.defaultStock {default_stock} is not a stock of this e-shop "
            f"(it has {_stock_list(titles)}); fix shop.defaultStock"
        )
    default_pricelist = eshop.default_pricelist_id
    pricelist = settings.pricelist or default_pricelist
    eshop_settings = eshop.settings or {}
    vat_payer = eshop_settings.get("vatPayer")
    default_name = (eshop_settings.get("defaultPricelist") or {}).get("name")
    return ShopInfo(
        eshop_id=_int_or_none(eshop.eshop_id),
        default_stock_id=int(default_stock),
        default_pricelist_id=_int_or_none(default_pricelist),
        pricelist_id=_int_or_none(pricelist),
        stocks=titles,
        vat_payer=vat_payer if isinstance(vat_payer, bool) else None,
        vat_rates=tuple(
            str(rate["vatRate"])
            for tax_class in eshop.taxClasses or []
            for rate in tax_class.get("rates") or []
            if isinstance(rate, dict) and rate.get("vatRate") is not None
        ),
        default_pricelist_name=default_name if isinstance(default_name, str) else None,
        currency=default_currency(eshop.currencies),
        eshop_url=url
        if isinstance(url := (eshop.contactInformation or {}).get("url"), str)
        else None,
    )


def default_currency(currencies: list[dict] | None) -> Currency | None:
    """The shop's default currency (``isDefault``) as prices are shown: prices in a pricelist
    are in it. None when the shop lists none or it is malformed (prices are shown bare)."""
    rows = [c for c in currencies or [] if isinstance(c, dict)]
    row = next((c for c in rows if c.get("isDefault") is True), rows[0] if rows else None)
    if row is None:
        return None
    display: dict[str, Any] = row["display"] if isinstance(row.get("display"), dict) else {}
    return Currency.of(
        row.get("code"),
        display.get("text"),
        row.get("priceDecimalPlaces", 2),
        display.get("location") == "left",
    )


def read_references(client: ReferenceReader, desired: Catalog, shop: ShopInfo) -> ShopReferences:
    """What the shop has for each kind of reference ``desired`` states, for
    ``references.check_references``: one (paged) read per kind the catalog states, none for a
    kind it does not (``references.stated_kinds``). VAT rates, the VAT-payer flag and stocks
    come from ``shop`` (already read). The pricelist list is read only when shop.yaml's
    ``shop.pricelist`` is not the e-shop's default (``GET /api/eshop`` names the default), or
    a variant states ``prices`` (other pricelists, resolved by name)."""
    kinds = stated_kinds(desired)
    categories = brands = availabilities = pricelists = None
    if CATEGORIES in kinds:  # GET /api/categories, 1000 a page
        categories = {c.guid.lower(): c.name for c in client.iter_categories()}
    if BRANDS in kinds:  # GET /api/brands, 1000 a page; the list calls the code indexName
        brands = {code: b.name for b in client.iter_brands() if (code := b.code or b.indexName)}
    if AVAILABILITIES in kinds:  # GET /api/products/availabilities (not paged)
        availabilities = {a.id: a.name for a in client.get_availabilities().availabilities}
    if PRICELISTS in kinds:
        wanted = desired.shop.pricelist
        if (
            wanted is not None
            and wanted == shop.default_pricelist_id
            and not states_prices(desired)
        ):
            pricelists = {wanted: shop.default_pricelist_name}  # known from GET /api/eshop
        else:  # GET /api/pricelists (not paged)
            pricelists = {p.id: p.name for p in client.get_pricelists()}
    return ShopReferences(
        categories=categories,
        brands=brands,
        availabilities=availabilities,
        pricelists=pricelists,
        **read_assignment_lists(client, kinds),
        stocks=shop.stocks,
        vat_rates=shop.vat_rates,
        vat_payer=shop.vat_payer,
    )


def read_assignment_lists(client: Any, kinds: Iterable[str]) -> dict[str, Any]:
    """The lists of the small assignments among ``kinds`` (``reconciler.assignments``), one
    request each (suppliers: each page), as ``ShopReferences`` keyword arguments."""
    wanted = set(kinds)
    out: dict[str, Any] = {}
    if WARRANTIES in wanted:
        out[WARRANTIES] = listed(get_warranties(client), "id", "description")
    if UNITS in wanted:
        out[UNITS] = listed(get_units(client), "id", "name")
    if SUPPLIERS in wanted:
        out[SUPPLIERS] = listed(get_suppliers(client), "guid", "name")
    if MEASURE_UNITS in wanted:
        items = get_measure_units(client)
        out[MEASURE_UNITS] = listed(items, "id", "unitName")
        out[MEASURE_UNIT_PAIRS] = convertible_pairs(items)
    return out


def raise_for_references(desired: Catalog, refs: ShopReferences, locations: Mapping | None) -> None:
    """``CatalogError`` (exit 1) listing every reference the shop does not have."""
    problems = check_references(desired, refs, locations)
    if problems:
        raise CatalogError(problems)


def check_stock_ids(desired: Catalog, shop: ShopInfo, locations: Mapping | None = None) -> None:
    """Every stock id a variant states (``stock: {3: 5}``) must exist in the e-shop; raises
    ``CatalogError`` with each place that names an unknown one. (The plan checks every kind
    of reference at once: ``read_references`` and ``raise_for_references``.)"""
    raise_for_references(desired, ShopReferences(stocks=shop.stocks), locations)


def resolve_targets(
    client: DetailReader, desired: Catalog, targets: Iterable[str]
) -> frozenset[str]:
    """The GUIDs (lowercase) of ``--target`` values: a GUID, or a variant code of a catalog
    product; a code the catalog does not state is looked up live (one request) and counts when
    its product is managed. Raises ``ConfigError`` naming every target that matches nothing."""
    owner = {
        code.upper(): guid.lower()
        for guid, product in desired.products.items()
        for code in (product.variants or {})
    }
    managed = {g.lower() for g in desired.products}
    found, unknown = set(), []
    for raw in targets:
        target = raw.strip()
        if GUID_RE.match(target.lower()):
            if target.lower() in managed:
                found.add(target.lower())
            else:
                unknown.append(f"{target} (no catalog file declares this product)")
        elif target.upper() in owner:
            found.add(owner[target.upper()])
        else:
            guid = _live_owner(client, target)
            if guid in managed:
                found.add(guid)
            else:
                why = (
                    "not in the shop either" if guid is None else f"its product {guid} is unmanaged"
                )
                unknown.append(f"{target} (no catalog variant has this code; {why})")
    if unknown:
        raise ConfigError(
            "--target matches nothing to plan: "
            + "; ".join(unknown)
            + ". Give a product GUID or a variant code from the catalog."
        )
    return frozenset(found)


def _live_owner(client: DetailReader, code: str) -> str | None:
    try:
        return client.get_product_by_code(code, include=()).guid.lower()
    except E.NotFound:
        return None


def read_live(
    client: ProductReader,
    desired: Catalog,
    *,
    shop: ShopInfo,
    scope: Collection[str] | None = None,
    progress: Progress | None = None,
    prune: bool = False,
) -> LiveRead:
    """Read the live side for ``desired`` (see the module docstring for what is read).

    ``scope``: None reads the whole shop's product list and every managed product's detail;
    a set of GUIDs reads only those products' details (no list; unmanaged products are then
    neither read nor counted). With ``prune`` (``policy.prune``), scoped GUIDs the catalog no
    longer declares are read too (without includes), so the scoped plan can delete them."""
    progress = progress or quiet
    start = client.request_count
    wanted = {g.lower(): p for g, p in desired.products.items()}
    live: dict[str, Product] = {}
    if scope is None:
        progress("products", 0, None)
        for item in client.iter_products():
            live[item.guid.lower()] = product_from_summary(item.name)
        progress("products", len(live), len(live))
        to_read = [g for g in sorted(wanted) if g in live and not wanted[g].absent]
    else:
        to_read = sorted({g.lower() for g in scope} & wanted.keys())
        if prune:  # a product removed from the catalog: a tombstone read, only existence matters
            strays = sorted({g.lower() for g in scope} - wanted.keys())
            wanted.update({g: Product.model_construct(absent=True) for g in strays})
            to_read += strays
    claims: dict[str, str] = {}
    details = read_details(client, {g: wanted[g] for g in to_read}, desired, shop, progress, claims)
    for guid in to_read:
        found = details.get(guid)
        if found is None:
            live.pop(guid, None)  # gone since the list was read (or not live at all)
        else:
            live[guid] = found
    return LiveRead(
        catalog=Catalog.model_construct(products=live),
        shop=shop,
        scope=None if scope is None else frozenset(g.lower() for g in scope),
        details=len(to_read),
        requests=client.request_count - start,
        claims=claims,
    )


@dataclass(frozen=True)
class FullRead:
    """The live source of a full plan without the cache: the product list, then the details
    of the managed products in it."""

    client: ProductReader

    def read(self, desired: Catalog, shop: ShopInfo, progress: Progress | None = None) -> LiveRead:
        return read_live(self.client, desired, shop=shop, progress=progress)


@dataclass(frozen=True)
class ScopedRead:
    """The live source of a scoped plan (``--target``, ``--changed-since``): the details of
    the ``scope`` GUIDs only, no list; with ``prune`` also of scoped GUIDs the catalog no
    longer declares."""

    client: ProductReader
    scope: frozenset[str]
    prune: bool = False

    def read(self, desired: Catalog, shop: ShopInfo, progress: Progress | None = None) -> LiveRead:
        return read_live(
            self.client, desired, shop=shop, scope=self.scope, progress=progress, prune=self.prune
        )


def _stock_list(titles: dict[int, str | None]) -> str:
    return ", ".join(f"{i} ({t})" if t else str(i) for i, t in sorted(titles.items()))


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
