"""What every live source shares: the resolved shop it reads for (``ShopInfo``), what it
returns (``LiveRead``) and the concurrent read of product details (``read_details``).

``live.read`` (full and scoped reads) and ``live.cached`` (the incremental cache) both build
on this module and neither imports the other; ``reconciler.pipeline`` chooses between them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from reconciler import errors as E
from reconciler.live.convert import (
    claims_from_detail,
    includes_for,
    product_from_detail,
    product_from_summary,
)
from reconciler.model import Catalog, Product
from reconciler.plan.model import Currency
from reconciler.ports import DetailReader, Progress

__all__ = ["LiveRead", "ShopInfo", "quiet", "read_details"]


@dataclass(frozen=True)
class ShopInfo:
    """The e-shop as this catalog uses it, resolved once (``live.read.read_shop``): Shoptet's
    defaults with shop.yaml's overrides applied. The plan's diff and every apply step take the
    default stock and the pricelist from here, never from shop.yaml again."""

    eshop_id: int | None
    default_stock_id: int  # shop.yaml defaultStock, else Shoptet's defaultStockId
    default_pricelist_id: int | None  # the e-shop's default pricelist
    pricelist_id: int | None  # shop.yaml pricelist, else the default pricelist
    stocks: dict[int, str | None] = field(default_factory=dict)  # id -> title
    # From the same GET /api/eshop, for the plan-time reference checks (``references``):
    vat_payer: bool | None = None  # settings.vatPayer; None: the shop did not say
    vat_rates: tuple[str, ...] = ()  # taxClasses[].rates[].vatRate, as Shoptet spells them
    default_pricelist_name: str | None = None  # settings.defaultPricelist.name
    currency: Currency | None = None  # the default of currencies[], for showing prices
    # contactInformation.url: the only host a snapshot result is downloaded from
    eshop_url: str | None = None


@dataclass(frozen=True)
class LiveRead:
    """The live side of a diff. ``catalog.products`` holds every live product read: managed
    ones in full, listed-only ones (unmanaged, tombstones) with just their name."""

    catalog: Catalog
    shop: ShopInfo
    scope: frozenset[str] | None  # None: the whole shop was listed
    details: int  # product details read
    requests: int  # HTTP requests this read cost (from the client's counter)
    # display only: "CODE@stockId" -> what open orders claim (``convert.claims_from_detail``)
    claims: dict[str, str] = field(default_factory=dict)
    # False when the source keeps no claims (the cache): the plan then reads them fresh
    claims_read: bool = True


def quiet(phase: str, done: int, total: int | None) -> None:
    """The progress callback when nobody watches."""
    return None


def read_details(
    client: DetailReader,
    products: dict[str, Product],
    desired: Catalog,
    shop: ShopInfo,
    progress: Progress | None = None,
    claims: dict[str, str] | None = None,
) -> dict[str, Product | None]:
    """Details of ``products`` (GUID -> desired product), concurrently within the client's
    in-flight cap; None for a product that is not live (404). Tombstones are read without
    includes: only their existence and name matter. ``claims``, when given, collects the
    variants' claims (``convert.claims_from_detail``, display only)."""

    def one(guid: str) -> Product | None:
        product = products[guid]
        include = (
            ()
            if product.absent
            else includes_for(
                product,
                pricelist_id=shop.pricelist_id,
                default_pricelist_id=shop.default_pricelist_id,
                ignore=desired.ignore,
            )
        )
        try:
            detail = client.get_product(guid, include=include)
        except E.NotFound:
            return None
        if product.absent:
            return product_from_summary(detail.name)
        if claims is not None:
            claims.update(claims_from_detail(detail))
        return product_from_detail(
            detail, pricelist_id=shop.pricelist_id, default_pricelist_id=shop.default_pricelist_id
        )

    progress = progress or quiet
    total = len(products)
    progress("details", 0, total)
    out: dict[str, Product | None] = {}
    if not total:
        return out
    workers = max(1, min(int(getattr(client.config, "max_in_flight", 3)), total))
    with ThreadPoolExecutor(workers, "shoptet-live") as pool:
        futures = {pool.submit(one, g): g for g in products}
        try:
            for future in as_completed(futures):
                out[futures[future]] = future.result()  # raises the first error
                progress("details", len(out), total)
        finally:
            for future in futures:
                future.cancel()  # after an error, read no further (no-op when all are done)
    return out
