"""A full live read through Shoptet's products snapshot (``plan --read snapshot``; issue 16).

    live = SnapshotRead(client, FullRead(client), notice=print).read(desired, shop)  # plan
    details = SnapshotDetails(client, notice=print).get_products(guids, include)      # import

Instead of the product list plus one detail request per managed product (about 10 a second:
16 minutes for 10,000 products), one asynchronous export:

1. ``GET /api/products/snapshot?include=...`` with the union of the includes the managed
   products need (``live.convert.includes_for``, the same rule the detail read uses), except
   ``perStockAmounts``: stock comes from ``GET /api/stocks/{id}/supplies`` (1000 variants a
   page per stock), read while the job runs, as the detail read would see it now rather than
   when the export ran.
2. Wait for the job. Shoptet answers 403 from the 11th detail read of an unprocessed job, so
   the wait polls the job list (``GET /api/system/jobs``, which has no such limit documented)
   on a widening schedule and reads the job's detail once it has finished; if the list cannot
   be read, at most ``detail_polls`` (8) detail reads. All within ``budget`` seconds.
3. Download the result (``shoptet.jobs.iter_result_lines``) only from the e-shop's own origin
   (``GET /api/eshop`` ``contactInformation.url``), without the token, capped, gzip sniffed;
   each line is converted as the detail read converts a detail (``product_from_detail``), after
   removing the sections that product's own includes would not have asked for, so the plan is
   the detail read's plan.

Falls back to the detail read with a one-line ``notice`` when Shoptet refuses the snapshot
(403: no ``job:finished`` webhook registered, or no rights), the job fails, is killed or has
expired, the budget runs out, the detail-read limit is reached, the token may not read stock
supplies or the result cannot be read.
A result URL on any other host is an error (``ResultHostRefused``), not a fallback: Shoptet
documents results on the e-shop's domain, so another host means a wrong ``SHOPTET_API_URL``
or a tampered answer, which a silent fallback would hide.

The incremental cache (``--cache`` with ``--read snapshot|auto``, ``live.cached``) uses the
same export with ``changeTimeFrom`` for the products changed since its last read
(``snapshot_items(..., changed_from=...)``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler import errors as E
from reconciler.gcpause import gc_paused
from reconciler.live.base import LiveRead, ShopInfo, quiet
from reconciler.live.convert import (
    ALL_CATEGORIES,
    PER_PRICELIST,
    PER_STOCK,
    VARIANT_PARAMETERS,
    claims_from_detail,
    includes_for,
    product_from_detail,
    product_from_summary,
)
from reconciler.model import Catalog, Product
from reconciler.plan.links import LINK_FIELDS
from reconciler.ports import LiveSource, Progress
from reconciler.shoptet import jobs as J
from reconciler.shoptet.envelope import MAX_JSON_DEPTH, JsonTooDeep, load_json
from reconciler.shoptet.models import ProductDetail

__all__ = [
    "SnapshotRead",
    "SnapshotSettings",
    "SnapshotUnavailable",
    "items_of_lines",
    "live_products",
    "managed_product",
    "read_live_snapshot",
    "snapshot_includes",
    "snapshot_items",
]

DESCRIPTIVE, FILTERING = "descriptiveParameters", "filteringParameters"
MEASURE_UNIT = "measureUnit"  # the include and the variant's key
# Where each include puts its section: (level, key). Removed from a product that did not ask.
_SECTIONS: dict[str | None, tuple[str, str]] = {
    ALL_CATEGORIES: ("product", "categories"),
    VARIANT_PARAMETERS: ("variant", "parameters"),
    PER_PRICELIST: ("variant", "perPricelistPrices"),
    PER_STOCK: ("variant", "perStockAmounts"),
    MEASURE_UNIT: ("variant", MEASURE_UNIT),
    **{name: ("product", name) for name in (*LINK_FIELDS, DESCRIPTIVE, FILTERING)},
}


@dataclass(frozen=True)
class SnapshotSettings(J.JobWait):
    """How long and how often to wait for the job (``budget``: to the last byte of its
    result), and the download's limits."""

    limits: J.DownloadLimits = field(default_factory=J.DownloadLimits)


class SnapshotUnavailable(Exception):
    """Why the snapshot cannot serve this read (the caller falls back to detail reads)."""


@dataclass(frozen=True)
class SnapshotRead:
    """The live source of ``plan --read snapshot``: the snapshot, else ``fallback`` (the
    detail read) after a one-line ``notice``."""

    client: Any  # a ShoptetClient: the snapshot calls are functions over it (shoptet.jobs)
    fallback: LiveSource
    notice: Callable[[str], None] | None = None
    settings: SnapshotSettings = SnapshotSettings()
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def read(self, desired: Catalog, shop: ShopInfo, progress: Progress | None = None) -> LiveRead:
        start = self.client.request_count
        try:
            return read_live_snapshot(
                self.client,
                desired,
                shop=shop,
                settings=self.settings,
                progress=progress,
                sleep=self.sleep,
                clock=self.clock,
            )
        except SnapshotUnavailable as why:
            (self.notice or (lambda line: None))(
                f"Snapshot read: {why}; reading product details instead."
            )
        live = self.fallback.read(desired, shop, progress)
        return replace(live, requests=self.client.request_count - start)


def read_live_snapshot(
    client: Any,
    desired: Catalog,
    *,
    shop: ShopInfo,
    settings: SnapshotSettings = SnapshotSettings(),
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> LiveRead:
    """The live side of a full plan from one products snapshot (see the module docstring).
    Raises ``SnapshotUnavailable`` for every reason to fall back, ``ResultHostRefused`` for a
    result on another host."""
    progress = progress or quiet
    begin = client.request_count
    includes = snapshot_includes(desired, shop)
    asked = sorted({i for inc in includes.values() for i in inc})
    claims: dict[str, str] = {}
    progress("snapshot", 0, None)
    items = snapshot_items(client, asked, shop, settings, sleep=sleep, clock=clock)
    live = live_products(items, includes, shop, claims, progress)
    progress("snapshot", len(live), len(live))
    managed = [g for g in includes if g in live]
    return LiveRead(
        catalog=Catalog.model_construct(products=live),
        shop=shop,
        scope=None,
        details=len(managed),
        requests=client.request_count - begin,
        claims=claims,
    )


def snapshot_includes(desired: Catalog, shop: ShopInfo) -> dict[str, tuple[str, ...]]:
    """Lowercase GUID -> the detail includes of each managed (not ``absent``) product."""
    return {
        g.lower(): includes_for(
            p,
            pricelist_id=shop.pricelist_id,
            default_pricelist_id=shop.default_pricelist_id,
            ignore=desired.ignore,
        )
        for g, p in desired.products.items()
        if not p.absent
    }


def live_products(
    items: Iterable[dict],
    includes: dict[str, tuple[str, ...]],
    shop: ShopInfo,
    claims: dict[str, str],
    progress: Progress = quiet,
) -> dict[str, Product]:
    """The live products of a snapshot's ``items`` (pure): a product with ``includes`` (by
    lowercase GUID) as the detail read converts it, any other (unmanaged, a tombstone) by its
    name; ``claims`` collects the managed variants' claims. ``SnapshotUnavailable`` when an
    item is not a product detail."""
    live: dict[str, Product] = {}
    try:
        # building 100,000 products makes millions of objects and no cycles: each full
        # collection would walk all made before (about a quarter of the conversion); they
        # are the read's catalog, kept for the plan
        with gc_paused(keep=True):
            for number, item in enumerate(items, start=1):
                guid = item["guid"].lower()
                if guid in includes:
                    live[guid] = managed_product(item, includes[guid], shop, claims)
                else:  # unmanaged or a tombstone: existence and name only
                    name = item.get("name")
                    live[guid] = product_from_summary(name if isinstance(name, str) else None)
                if number % 1000 == 0:
                    progress("snapshot", number, None)
    except ValueError as err:  # pydantic's ValidationError is a ValueError
        raise SnapshotUnavailable(f"its result is not product details ({err!s:.200})") from None
    return live


def managed_product(
    item: dict, include: Iterable[str], shop: ShopInfo, claims: dict[str, str] | None = None
) -> Product:
    """One snapshot line as the detail read with ``include`` would have converted it (pydantic's
    ``ValidationError``, a ``ValueError``, when it is not a product detail); ``claims`` collects
    its variants' claims."""
    _keep_only(item, include)
    detail = ProductDetail.model_validate(item)
    if claims is not None:
        claims.update(claims_from_detail(detail))
    return product_from_detail(
        detail, pricelist_id=shop.pricelist_id, default_pricelist_id=shop.default_pricelist_id
    )


def snapshot_items(
    client: Any,
    include: Iterable[str],
    shop: ShopInfo,
    settings: SnapshotSettings = SnapshotSettings(),
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    product_guids: Iterable[str] | None = None,
    changed_from: datetime | None = None,
) -> Iterator[dict]:
    """Every product of one snapshot with ``include``, as the raw detail dict, one at a time.
    ``perStockAmounts`` is not asked of the export: when included, each variant's rows come
    from the supplies, read while the job runs. ``product_guids`` (at most 50) limits the
    export, ``changed_from`` (``changeTimeFrom``) to the products changed since then. Raises
    ``SnapshotUnavailable`` (fall back) or ``ResultHostRefused`` (stop)."""
    wanted = set(include)
    stock_wanted = PER_STOCK in wanted
    started = clock()
    since = datetime.now(UTC) - timedelta(minutes=10)  # list filter; generous for clock skew
    try:
        filters: dict[str, Any] = {"productGuids": ",".join(product_guids)} if product_guids else {}
        if changed_from is not None:
            filters["changeTimeFrom"] = changed_from
        job_id = J.submit_products_snapshot(client, sorted(wanted - {PER_STOCK}), **filters)
    except E.PermissionDenied as err:
        raise SnapshotUnavailable(
            f"Shoptet refused the products snapshot (HTTP 403 {err.error_code or ''}); it "
            "needs a registered job:finished webhook (`shoptet-catalog webhooks ensure --url "
            "URL`, with a token that may write webhooks) and product read rights"
        ) from None
    try:
        stock = _read_stock(client, shop) if stock_wanted else {}
    except E.PermissionDenied as err:  # detail reads take stock from perStockAmounts instead
        raise SnapshotUnavailable(
            f"the token may not read stock supplies ({err.method} {err.path}: HTTP 403)"
        ) from None
    job = _wait(client, job_id, since, settings, sleep, clock, started)
    if job.status != "completed" or not job.resultUrl:
        log = f": {job.log.strip()[:200]}" if job.log and job.log.strip() else ""
        raise SnapshotUnavailable(f"the snapshot job {job_id} ended {job.status}{log}")
    remaining = settings.budget - (clock() - started)
    limits = replace(settings.limits, deadline=max(1.0, min(settings.limits.deadline, remaining)))
    try:
        lines = J.iter_result_lines(client, job.resultUrl, shop.eshop_url, limits, clock)
        yield from items_of_lines(lines, stock if stock_wanted else None)
    except J.ResultUnavailable as err:
        raise SnapshotUnavailable(f"its result could not be read ({err.message})") from None


def items_of_lines(lines: Iterable[bytes], stock: dict[str, list[dict]] | None) -> Iterator[dict]:
    """The result's JSON lines as detail dicts (pure), each variant's ``perStockAmounts`` from
    ``stock`` (variant code -> rows, ``_read_stock``) unless it is None. ``ResultUnavailable``
    for a line that is not a product with a guid."""
    for number, line in enumerate(lines, start=1):
        item = _parse(line, number)
        if stock is not None:
            for variant in _variants(item):
                if isinstance(variant, dict):
                    code = str(variant.get("code")).strip().upper()
                    variant["perStockAmounts"] = stock.get(code, [])
        yield item


def _wait(
    client: Any,
    job_id: str,
    since: datetime,
    settings: SnapshotSettings,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    started: float,
) -> J.Job:
    """The job's detail once it has finished (``shoptet.jobs.wait_for_job``);
    ``SnapshotUnavailable`` when the budget or the detail-read allowance runs out first."""
    try:
        return J.wait_for_job(client, job_id, since, settings, sleep, clock, started)
    except J.JobWaitExpired as why:
        hint = " (--snapshot-budget)" if "budget" in str(why) else ""
        raise SnapshotUnavailable(f"the snapshot job {why}{hint}") from None
    except J.JobDetailRefused as why:
        raise SnapshotUnavailable(f"Shoptet refused the job detail of {why}") from None


def _read_stock(client: Any, shop: ShopInfo) -> dict[str, list[dict]]:
    """variant code -> its ``perStockAmounts`` rows, from every stock's supplies."""
    rows: dict[str, list[dict]] = {}
    for stock_id in sorted(shop.stocks):
        for supply in client.iter_supplies(stock_id):
            code = str(supply.code).strip().upper()
            rows.setdefault(code, []).append(
                {"stockId": stock_id, "amount": supply.amount, "claim": supply.claim}
            )
    return rows


def _parse(line: bytes, number: int) -> dict:
    try:
        if line.count(b"{") + line.count(b"[") <= MAX_JSON_DEPTH:
            # that few brackets cannot nest deeper than load_json allows: skip its walk
            item = json.loads(line)
        else:
            item = load_json(line)
    except (JsonTooDeep, ValueError, UnicodeDecodeError):
        raise J.ResultUnavailable(f"line {number} is not JSON") from None
    if not isinstance(item, dict) or not isinstance(item.get("guid"), str):
        raise J.ResultUnavailable(f"line {number} is not a product with a guid")
    return item


def _keep_only(item: dict, wanted: Iterable[str]) -> None:
    """Make ``item`` what a detail read with ``wanted`` includes returns: drop the sections of
    the other includes."""
    keep = set(wanted)
    for include, (level, key) in _SECTIONS.items():
        if include in keep:
            continue
        if level == "product":
            item.pop(key, None)
        else:
            for variant in _variants(item):
                if isinstance(variant, dict):
                    variant.pop(key, None)


def _variants(item: dict) -> list:
    """The line's variants when they are a list; else none here, and the detail model refuses
    the line (the plan falls back) rather than this code crashing on, say, a number."""
    variants = item.get("variants")
    return variants if isinstance(variants, list) else []


class SnapshotDetails:
    """The client, except that ``get_products`` serves the details from one snapshot
    (``import --read snapshot``): the importer's own reads stay as they are. When the snapshot
    cannot serve, one ``notice`` line and the client's detail reads."""

    def __init__(
        self,
        client: Any,
        notice: Callable[[str], None] | None = None,
        settings: SnapshotSettings = SnapshotSettings(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._client, self._notice, self._settings = client, notice, settings
        self._sleep, self._clock = sleep, clock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_products(self, guids: Iterable[str], include: Iterable[str] = ()) -> dict:
        from reconciler.live.read import read_shop  # e-shop URL and stocks; no shop.yaml needed

        wanted = list(dict.fromkeys(g.lower() for g in guids))
        include = tuple(include)
        found: dict[str, ProductDetail] = {}
        try:
            shop = read_shop(self._client)
            items = snapshot_items(
                self._client,
                include,
                shop,
                self._settings,
                sleep=self._sleep,
                clock=self._clock,
                product_guids=wanted if len(wanted) <= J.MAX_GUIDS else None,
            )
            keep = set(wanted)
            for item in items:
                guid = item["guid"].lower()
                if guid in keep:
                    _keep_only(item, include)
                    found[guid] = ProductDetail.model_validate(item)
        except (SnapshotUnavailable, ValueError) as why:
            (self._notice or (lambda line: None))(
                f"Snapshot read: {why}; reading product details instead."
            )
            return self._client.get_products(wanted, include=include)
        return {g: found.get(g) for g in wanted}
