"""A full live read through the incremental cache (``plan --cache DIR``; DESIGN §5, §10).

    live = read_live_cached(client, desired, shop=shop, cache_dir=Path(".cache"), notice=print)
    live = CachedRead(client, Path(".cache"), notice=print).read(desired, shop)  # a LiveSource

With a usable cache (``reconciler.live.cache_file``), the read costs only what changed since the last one:

1. ``GET /api/products/changes?from=T`` for the products edited, created (a create shows as an
   edit) or deleted since ``T`` = the cache's read time minus ``margin`` (clock skew between
   this machine and Shoptet; default 5 minutes);
2. ``GET /api/stocks/{id}/supplies?changedFrom=T`` per stock, because stock moves are not in the
   changes feed (notes §6); a supply row updates the cached product's stock in place
   (physical = amount + claim, ``normalize.live_physical_stock``), no detail read needed;
3. ``GET /api/products?productGuids=...`` (50 a request) for changed products that are not read
   in detail (unmanaged, tombstones), to keep the set of live GUIDs and names that unmanaged
   counting and pruning use, without the whole product list;
4. ``GET /api/products/{guid}`` for each managed product that changed, is new to the catalog,
   or now needs an include it was not read with (e.g. the YAML started managing stock).

Without a usable cache (none yet, damaged, another tool version or e-shop, older than the 30
days the feed guarantees) it says why in one line (``notice``) and reads the whole shop: the
product list and every managed product's detail, as a full read without the cache does. Either
way it then writes the new cache atomically: after a warm read only the products it changed,
as a delta against the base file it loaded (``cache_file.save_cache``).

Steps 1-3 and the details of the changed managed products (every warm read takes those fresh)
start from the cache file's header (``peek_cache``; ``EarlyReads``): steps 1-3 first, alone
(a few requests, each slowed many times over while the load holds the interpreter), then the
details beside the body's load: they are waits on Shoptet, the load is work for this process.
They are used only when the loaded cache is the one the header promised (same read time);
otherwise they were for nothing (a damaged body behind a sound header) but their details
still serve the full read.

With ``snapshot`` settings (``plan --cache DIR --read snapshot|auto``; issue 16), step 4 reads
the changed managed products from one products snapshot with ``changeTimeFrom`` = ``T``
(``live.snapshot``), once at least ``snapshot_from`` of them need reading; their stock is the
cached one brought up to date by step 2 (the export would read every stock in full). A cold
read takes the whole shop from one snapshot. Whatever the snapshot does not return (a product the
feed lists but whose change time Shoptet did not move, one that needs a new include, a deleted
one) is still read in detail, so the result is the detail read's. When the snapshot cannot
serve (no webhook, failed job, budget...), one ``Snapshot read:`` line and the detail reads.

The read time stored is taken *before* the first product request, so a change made while the
read runs is caught by the next one. Apply never uses the cache: its compare-before-write
re-read is always fresh (``apply.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from reconciler.assignments import variant_fields
from reconciler.errors import ConfigError
from reconciler.gcpause import gc_paused
from reconciler.live.base import LiveRead, ShopInfo, read_details
from reconciler.live.cache_file import (
    LiveCache,
    load_cache,
    peek_cache,
    products_from_summaries,
    save_cache,
)
from reconciler.live.convert import PER_STOCK, includes_for
from reconciler.live.snapshot import (
    SnapshotSettings,
    SnapshotUnavailable,
    managed_product,
    read_live_snapshot,
    snapshot_items,
)
from reconciler.model import Catalog, Product
from reconciler.plan.normalize import live_physical_stock
from reconciler.ports import ChangeFeed, ProductReader, Progress

__all__ = ["MARGIN", "CachedRead", "read_live_cached"]

MARGIN = timedelta(minutes=5)
_GUIDS_PER_LIST = 50  # Shoptet's limit for productGuids=


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CachedReader(ProductReader, ChangeFeed, Protocol):
    """The list, the details and the changes feed: what a cached read uses."""


@dataclass(frozen=True)
class CachedRead:
    """The live source of a full plan with ``--cache DIR``: see the module docstring.
    ``notice`` gets the one-line report (cache used, or why not; not saved)."""

    client: CachedReader
    cache_dir: Path
    notice: Callable[[str], None] | None = None
    snapshot: SnapshotSettings | None = None  # --read snapshot|auto: changed products by export
    snapshot_from: int = 1  # ... once at least this many need reading
    sleep: Callable[[float], None] = time.sleep

    def read(self, desired: Catalog, shop: ShopInfo, progress: Progress | None = None) -> LiveRead:
        return read_live_cached(
            self.client,
            desired,
            shop=shop,
            cache_dir=self.cache_dir,
            progress=progress,
            notice=self.notice,
            snapshot=self.snapshot,
            snapshot_from=self.snapshot_from,
            sleep=self.sleep,
        )


# A model per variant of the shop and no reference cycles: every automatic collection meanwhile
# would rescan the growing heap (0.5 s of 1.9 s CPU at 10,000); the catalog read is kept.
@gc_paused(keep=True)
def read_live_cached(
    client: CachedReader,
    desired: Catalog,
    *,
    shop: ShopInfo,
    cache_dir: Path,
    progress: Progress | None = None,
    notice: Callable[[str], None] | None = None,
    now: Callable[[], datetime] = _utcnow,
    margin: timedelta = MARGIN,
    snapshot: SnapshotSettings | None = None,
    snapshot_from: int = 1,
    sleep: Callable[[float], None] = time.sleep,
) -> LiveRead:
    """The live side of a full plan, read incrementally through the cache in ``cache_dir``."""
    notice = notice or (lambda line: None)
    started = now()  # before any product request: changes during the read are caught next time
    start_requests = client.request_count
    wanted = {g.lower(): p for g, p in desired.products.items()}
    early = None
    if snapshot is None:  # the snapshot path picks its reads after the load: no early reads
        header = peek_cache(cache_dir)
        if header is not None and header.unusable_for(shop, started, margin) is None:
            early = EarlyReads(client, header.read_at - margin, shop, wanted, desired, progress)
    try:
        managed = [g for g in sorted(wanted) if not wanted[g].absent]
        includes = _includes(wanted, managed, shop, desired.ignore)
        if early is not None:
            early.start(includes)  # the feed and supplies are already on their way
            # A few requests, slowed many times over while the load holds the interpreter
            # (every response waits for its turn): let them through first. The details,
            # the many requests, go on beside the load.
            early.wait_lists()
        cache, why = load_cache(cache_dir)
        if cache is not None:
            why = cache.unusable_for(shop, started, margin) or ""
            cache = None if why else cache
        return _read_with(
            client,
            desired,
            shop,
            cache_dir,
            progress,
            notice,
            margin,
            snapshot,
            snapshot_from,
            sleep,
            (started, start_requests, wanted, managed, includes, cache, why),
            early,
        )
    finally:
        if early is not None:
            early.join()


def _read_with(
    client: CachedReader,
    desired: Catalog,
    shop: ShopInfo,
    cache_dir: Path,
    progress: Progress | None,
    notice: Callable[[str], None],
    margin: timedelta,
    snapshot: SnapshotSettings | None,
    snapshot_from: int,
    sleep: Callable[[float], None],
    loaded: tuple,
    early: EarlyReads | None,
) -> LiveRead:
    started, start_requests, wanted, managed, includes, cache, why = loaded

    def fall_back(why: SnapshotUnavailable) -> None:
        notice(f"Snapshot read: {why}; reading product details instead.")

    whole = None
    if cache is None:
        notice(f"Live cache ({cache_dir}): not used, {why}; reading the whole shop.")
        if snapshot is not None and len(managed) >= snapshot_from:
            try:
                whole = read_live_snapshot(
                    client, desired, shop=shop, settings=snapshot, progress=progress, sleep=sleep
                ).catalog.products
            except SnapshotUnavailable as unusable:
                fall_back(unusable)
    stale: set[str] = set()
    moved: set[str] = set()  # products whose cached stock the supplies moved in place
    if whole is not None:  # the cold read from one snapshot: every product, managed in full
        names = {g: p.name for g, p in whole.items()}
        kept: dict = {g: (includes[g], whole[g]) for g in managed if g in whole}
        changed: set[str] = set()
    elif cache is None:
        if progress is not None:
            progress("products", 0, None)
        names = {item.guid.lower(): item.name for item in client.iter_products()}
        if progress is not None:
            progress("products", len(names), len(names))
        kept = {}
        changed = set(names)
    else:
        since = cache.read_at - margin
        if early is None or early.since != since:  # (load_cache checks the header's time)
            early = EarlyReads(client, since, shop, wanted, desired, progress, details=False)
            early.start(includes)
        changed, supplies, listed = early.lists()
        names = dict(cache.names)
        kept = {g: d for g, d in cache.details.items() if g not in changed and g in wanted}
        # the changed ones' cached stock, brought up to date too: a snapshot carries it over
        previous = {g: d for g, d in cache.details.items() if g in changed and g in wanted}
        stale, moved, rows = _apply_supplies(supplies, {**kept, **previous})
        _refresh_names(names, listed)
        notice(
            f"Live cache ({cache_dir}): {len(changed)} product(s) changed and {rows} stock "
            f"row(s) moved since {since.isoformat(timespec='seconds')}."
        )

    to_read = [
        g
        for g in managed
        if (g in names or g in changed)
        and (g in changed or g in stale or g not in kept or not set(includes[g]) <= set(kept[g][0]))
    ]
    exported = [g for g in to_read if g in changed]
    if cache is not None and snapshot is not None and len(exported) >= snapshot_from:
        try:
            got = _changed_by_snapshot(
                client, exported, includes, previous, shop, cache.read_at - margin, snapshot, sleep
            )
        except SnapshotUnavailable as unusable:
            fall_back(unusable)
            got = {}
        for g, product in got.items():
            names[g] = product.name
            kept[g] = (includes[g], product)
        to_read = [g for g in to_read if g not in got]
    # read early while the cache loaded (fresh: after ``started``), with these very includes;
    # for a full read (the cache proved unusable) only if they all went through
    details = {} if early is None else early.details(strict=cache is not None)
    rest = [g for g in to_read if g not in details]
    details.update(read_details(client, {g: wanted[g] for g in rest}, desired, shop, progress))
    for g in to_read:
        detail = details.get(g)
        if detail is None:
            names.pop(g, None)
            kept.pop(g, None)
        else:
            names[g] = detail.name
            kept[g] = (includes[g], detail)

    read = {g: kept[g] for g in managed if g in kept and g in names}
    # the others (unmanaged, tombstones) as the product list has them; in the list's order
    summaries = products_from_summaries({g: n for g, n in names.items() if g not in read})
    live = {g: read[g][1] if g in read else summaries[g] for g in names}
    new = LiveCache(
        eshop_id=shop.eshop_id,
        pricelist_id=shop.pricelist_id,
        default_pricelist_id=shop.default_pricelist_id,
        stocks=sorted(shop.stocks),
        read_at=started,
        names=names,
        details=read,
    )
    touched = None
    if cache is not None:  # a delta against the base it was loaded from: what this read changed
        new.base, new.base_guids, new.in_delta = cache.base, cache.base_guids, cache.in_delta
        touched = {*to_read, *moved, *(g for g in read if read[g] is not cache.details.get(g))}
    try:
        save_cache(cache_dir, new, touched)
    except ConfigError as err:  # the plan is still right; only the next one will be slower
        notice(f"Live cache: not saved: {err}")
    return LiveRead(
        catalog=Catalog.model_construct(products=live),
        shop=shop,
        scope=None,
        details=len(to_read),
        requests=client.request_count - start_requests,
        claims_read=False,  # claims move with every order: read fresh (``live.claims``)
    )


def _includes(
    wanted: dict[str, Product], managed: list[str], shop: ShopInfo, ignore: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """``includes_for`` of each managed product, computed once per distinct shape: the fields
    the product states and those its variants state together. That is all it looks at unless
    an ignore rule names a variant code (``variants.CODE.field``); then once per product.
    (100,000 products: 0.1 s instead of 4 s; tests/live/test_cache_includes.py.)"""
    rules = list(ignore)

    def of(product: Product) -> tuple[str, ...]:
        return includes_for(
            product,
            pricelist_id=shop.pricelist_id,
            default_pricelist_id=shop.default_pricelist_id,
            ignore=rules,
        )

    if any(r.startswith("variants.") and not r.startswith("variants.*.") for r in rules):
        return {g: of(wanted[g]) for g in managed}
    by_shape: dict[tuple[frozenset[str], frozenset[str]], tuple[str, ...]] = {}
    out = {}
    for g in managed:
        product = wanted[g]
        shape = (frozenset(product.model_fields_set), frozenset(variant_fields(product)))
        found = by_shape.get(shape)
        out[g] = by_shape[shape] = of(product) if found is None else found
    return out


def _changed_by_snapshot(
    client: CachedReader,
    guids: Iterable[str],
    includes: dict[str, tuple[str, ...]],
    previous: dict[str, tuple[tuple[str, ...], Product]],
    shop: ShopInfo,
    since: datetime,
    settings: SnapshotSettings,
    sleep: Callable[[float], None],
) -> dict:
    """The managed products among ``guids`` that one ``changeTimeFrom=since`` snapshot returns,
    converted as their detail reads would be. ``SnapshotUnavailable`` to fall back.

    Stock is not asked of the export (that would read every stock's supplies in full): each
    variant's comes from its ``previous`` cached version, already brought up to date from the
    supplies changed since. A product with a variant the cache has no stock for is left out
    (read in detail)."""
    wanted = set(guids)
    asked = sorted({i for g in wanted for i in includes[g]} - {PER_STOCK})
    out = {}
    try:
        for item in snapshot_items(client, asked, shop, settings, sleep=sleep, changed_from=since):
            guid = item["guid"].lower()
            if guid in wanted and (
                PER_STOCK not in includes[guid] or _carry_stock(item, previous.get(guid))
            ):
                out[guid] = managed_product(item, includes[guid], shop)
    except ValueError as err:  # pydantic's ValidationError is a ValueError
        raise SnapshotUnavailable(f"its result is not product details ({err!s:.200})") from None
    return out


def _carry_stock(item: dict, previous: tuple[tuple[str, ...], Product] | None) -> bool:
    """Give ``item``'s variants the ``perStockAmounts`` of their cached stock (physical, so
    claim 0); False when a variant has none cached."""
    if previous is None or PER_STOCK not in previous[0]:
        return False
    cached = previous[1].variants or {}
    rows = {}
    for variant in item.get("variants") or []:
        if not isinstance(variant, dict):
            return False
        old = cached.get(str(variant.get("code")).strip().upper())
        if old is None or not isinstance(old.stock, dict):
            return False
        rows[id(variant)] = [
            {"stockId": stock_id, "amount": str(physical), "claim": "0"}
            for stock_id, physical in old.stock.items()
        ]
    for variant in item.get("variants") or []:
        variant["perStockAmounts"] = rows[id(variant)]
    return True


class EarlyReads:
    """The requests a usable cache will need, started before it has loaded: the changes feed
    since ``since``, each stock's supplies changed since then, the names of changed products
    not read in detail and (``details``) the details of the changed managed products, which
    every cached read takes fresh. They run in one thread while the caller loads the cache
    (the requests are waits on the shop and its rate limit, the load is work for this process).

    ``wait_lists()`` waits for the few requests before the details (or their failure): the
    caller lets them through before it starts the load, which would slow each response many
    times over by holding the interpreter. ``lists()`` waits and returns them, so the cached
    products are brought up to date while the details still arrive; ``details()`` waits for
    everything. Both raise what a request raised; ``join()`` only waits (whatever happens, no
    request of this read outlives it)."""

    def __init__(
        self,
        client: CachedReader,
        since: datetime,
        shop: ShopInfo,
        wanted: dict[str, Product],
        desired: Catalog,
        progress: Progress | None,
        *,
        details: bool = True,
    ):
        self.since = since
        self._includes: dict[str, tuple[str, ...]] | None = None
        self._given = threading.Event()
        self._listed = threading.Event()
        self._lists: tuple[set[str], list[tuple[int, list[Any]]], dict] | None = None
        self._details: dict[str, Product | None] = {}
        self._error: BaseException | None = None
        self._details_error: BaseException | None = None

        def run() -> None:
            try:
                changed = {c.guid.lower() for c in client.iter_product_changes(since)}
                supplies = [
                    (stock_id, list(client.iter_supplies(stock_id, changed_from=since)))
                    for stock_id in sorted(shop.stocks)
                ]
                self._given.wait()
                includes = self._includes or {}
                listed = _listed(client, [g for g in sorted(changed) if g not in includes])
                self._lists = (changed, supplies, listed)
            except BaseException as exc:  # handed to the reading thread: lists(), details()
                self._error = exc
                return
            finally:
                self._listed.set()
            if details:
                try:
                    fresh = {g: wanted[g] for g in sorted(changed) if g in includes}
                    self._details = read_details(client, fresh, desired, shop, progress)
                except BaseException as exc:  # handed to the reading thread: details()
                    self._details_error = exc

        self._thread = threading.Thread(target=run, name="shoptet-cache-early", daemon=True)
        self._thread.start()

    def start(self, includes: dict[str, tuple[str, ...]]) -> None:
        """The managed products' includes: what decides which changed products are read."""
        self._includes = includes
        self._given.set()

    def join(self) -> None:
        self._given.set()
        self._thread.join()

    def wait_lists(self) -> None:
        self._given.set()
        self._listed.wait()

    def lists(self) -> tuple[set[str], list[tuple[int, list[Any]]], dict]:
        """(changed GUIDs, [(stock id, supply rows)], {GUID: name or None for gone})."""
        self.wait_lists()
        if self._error is not None:
            self.join()  # a failed read: nothing of it goes on after this raises
            raise self._error
        assert self._lists is not None
        return self._lists

    def details(self, strict: bool = True) -> dict[str, Product | None]:
        """The early details; not ``strict``: none (instead of the error) if a read failed."""
        self.join()
        if not strict and (self._error is not None or self._details_error is not None):
            return {}
        self.lists()
        if self._details_error is not None:
            raise self._details_error
        return dict(self._details)


def _apply_supplies(
    supplies: list[tuple[int, list[Any]]], kept: dict
) -> tuple[set[str], set[str], int]:
    """Bring the cached stock of ``kept`` products up to date from the ``supplies`` changed
    since the cache's read; returns the products whose rows did not fit (re-read them), those
    whose stock moved and the row count."""
    owner = {
        code: g
        for g, (inc, product) in kept.items()
        if PER_STOCK in inc
        for code in (product.variants or {})
    }
    stale: set[str] = set()
    moved: set[str] = set()
    rows = 0
    for stock_id, stock_rows in supplies:
        for row in stock_rows:
            rows += 1
            code = str(row.code).strip().upper()
            guid = owner.get(code) or (row.productGuid or "").lower()
            if guid not in kept or PER_STOCK not in kept[guid][0]:
                continue  # not managed, or its stock is not read: nothing cached to update
            variant = (kept[guid][1].variants or {}).get(code)
            if variant is None or not isinstance(variant.stock, dict):
                stale.add(guid)  # a variant the cache does not know: read the product again
                continue
            variant.stock[int(stock_id)] = live_physical_stock(row.amount, row.claim)
            moved.add(guid)
    return stale, moved, rows


def _listed(client: ProductReader, guids: list[str]) -> dict[str, tuple[bool, str | None]]:
    """Existence and name of changed products that are not read in detail, by productGuids=:
    GUID -> (listed, name)."""
    out: dict[str, tuple[bool, str | None]] = {}
    for i in range(0, len(guids), _GUIDS_PER_LIST):
        chunk = guids[i : i + _GUIDS_PER_LIST]
        found = {item.guid.lower(): item.name for item in client.iter_products(productGuids=chunk)}
        out.update((g, (g in found, found.get(g))) for g in chunk)
    return out


def _refresh_names(names: dict, listed: dict[str, tuple[bool, str | None]]) -> None:
    for g, (exists, name) in listed.items():
        if exists:
            names[g] = name
        else:
            names.pop(g, None)
