"""Fast-plan benchmark (issue 8, DESIGN §10). Not part of the test run: pytest does not collect it.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_fast_plans.py                  # 10,000 products / 50,000 variants
    .venv/bin/python tests/bench/bench_fast_plans.py --products 1000  # quicker

The shop and catalog are ``bench_plan.build`` (every product managed: name, categories, and per
variant EAN, price, VAT and stock in 2 stocks; ~1 % of values differ). The sandbox serves it over
HTTP on 127.0.0.1 from a separate process (``--in-process``: from a thread of this one, whose
CPU then competes with the tool's for the GIL and counts in its wall time) with Shoptet's
limits (3 requests in flight per token, a 200-drop bucket draining 10 drops/s, 1 drop a
request) and ``--latency`` Shoptet seconds per request, all
``--time-scale`` times faster than real time (the client's pacing is told the same scale).
Three plans are measured:

(a) cold full plan: no cache (the cache directory is empty, so this read also fills it);
    ``--cold snapshot`` reads it from one products snapshot instead (a 100,000-product run
    then takes minutes, not the detail reads' ten);
(b) pull-request plan: the catalog differs from the base in 20 products
    (``scope.compare_catalogs``, the pure part of ``--changed-since``) and only those are read;
(c) warm cached full plan after 1 % of the products (names) and 1 % of the stock rows
    changed in the shop (by an admin client whose requests cost no drops);
(d) the same again with ``--read snapshot`` (issue 16): the changed products come from one
    ``changeTimeFrom`` snapshot (a job ``--job-queue`` + ``--job-duration`` Shoptet seconds,
    assumed) instead of one detail request each. Floor: the job's time + the API requests'
    floor.

For each: requests, wall time, and the ratio of the wall time to the *floor*, the shortest
time Shoptet's limits allow for that many requests::

    floor(N) = max( (N - B) / R ,  ceil(N / K) * L )  / time_scale

with B = 200 drops of bucket (a burst of B requests is free), R = 10 drops/s drained, K = 3
requests in flight, L = the per-request latency. The first term is the bucket (after the burst
only R requests a second get through), the second is concurrency (at most K requests can be
waiting on their latency at once). Each is a lower bound on its own, so their maximum is too.
Targets: (a) within 1.2x of its floor; (b) at most 30 requests; (c) at most
``changed products + stock pages + 10`` requests and a wall time within 2x its floor + 1 s
(issue 16).

Each run also reports the CPU seconds of this process (the tool: client, cache, conversions)
and of the shop's process (Shoptet's work, not ours), so a wall time above the floor can be
told apart into our CPU, the shop's and waiting.

Then the pure core (normalize + diff + text/Markdown/JSON renders) on the warm read, on one
core, and its peak memory (tracemalloc, a separate run); and the process's max RSS.
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import ServedProcess, ServedThread, build, fmt_mb, guid

from reconciler.desired.load import LoadedCatalog
from reconciler.desired.scope import compare_catalogs
from reconciler.live.cache_file import load_cache, save_cache
from reconciler.live.cached import read_live_cached
from reconciler.live.read import read_shop
from reconciler.live.snapshot import SnapshotSettings
from reconciler.model import Catalog
from reconciler.pipeline import PlanRequest, make_plan
from reconciler.plan.diff import PlanContext, diff
from reconciler.render.formats import render_json, render_markdown, render_text
from reconciler.shoptet import ClientConfig, ShoptetClient

BUCKET, DRAIN, IN_FLIGHT = 200, 10.0, 3


def floor_seconds(requests: int, latency: float, time_scale: float) -> float:
    bucket = max(0, requests - BUCKET) / DRAIN
    concurrency = math.ceil(requests / IN_FLIGHT) * latency
    return max(bucket, concurrency) / time_scale


@dataclass
class Run:
    name: str
    requests: int
    wall: float
    floor: float
    budget: str
    client_cpu: float = float("nan")  # this process: the tool's work
    server_cpu: float | None = None  # the shop's process (None: served in this process)

    def line(self) -> str:
        ratio = self.wall / self.floor if self.floor else float("nan")
        cpu = f"client CPU {self.client_cpu:.2f} s"
        cpu += f", shop CPU {self.server_cpu:.2f} s" if self.server_cpu is not None else ""
        return (
            f"{self.name:<34} {self.requests:>7,} requests ({self.budget})  wall {self.wall:7.2f} s"
            f"  floor {self.floor:7.2f} s  {ratio:5.2f}x the floor  [{cpu}]"
        )


class Clocks:
    """Wall, this process's CPU (children included) and the served shop's CPU over a block."""

    def __init__(self, shop_cpu: Callable[[], float] | None):
        self.shop_cpu = shop_cpu

    def __enter__(self) -> Clocks:
        self._wall, self._cpu = time.perf_counter(), _own_cpu()
        self._shop = self.shop_cpu() if self.shop_cpu else 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = _own_cpu() - self._cpu
        self.shop = self.shop_cpu() - self._shop if self.shop_cpu else None


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped children only
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--time-scale", type=float, default=20.0)
    ap.add_argument("--latency", type=float, default=0.15, help="Shoptet seconds per request")
    ap.add_argument("--pr-products", type=int, default=20)
    ap.add_argument("--job-queue", type=float, default=10.0, help="Shoptet seconds pending")
    ap.add_argument("--job-duration", type=float, default=30.0, help="Shoptet seconds running")
    ap.add_argument(
        "--cold",
        choices=("details", "snapshot"),
        default="details",
        help="how (a) reads the shop (snapshot: one job; quicker for 100,000 products)",
    )
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="serve the shop from a thread of this process (as before issue 16's cache work)",
    )
    args = ap.parse_args()
    scale, latency = args.time_scale, args.latency

    state, desired = build(args.products, args.variants)
    print(
        f"shop: {args.products:,} products, {args.products * args.variants:,} variants, 2 stocks;"
        f" limits: {IN_FLIGHT} in flight, {BUCKET}-drop bucket draining {DRAIN:g}/s, latency "
        f"{latency:g} s; time scale {scale:g}; served from "
        + ("a thread of this process" if args.in_process else "a separate process")
    )
    times = (scale, latency, args.job_queue, args.job_duration)
    if args.in_process:
        served: ServedThread | ServedProcess = ServedThread(state, *times)
    else:
        served = ServedProcess(args.products, args.variants, *times)
    del state
    config = ClientConfig(
        base_url=served.url,
        private_token="sandbox-token",
        read_only=True,
        bucket_leak_per_second=DRAIN * scale,
    )
    runs: list[Run] = []
    cache_dir = Path(tempfile.mkdtemp(prefix="bench-cache-"))

    def settle() -> None:
        """Start each run with an empty bucket, as after a quiet spell."""
        time.sleep(BUCKET / DRAIN / scale + 0.2)

    def measured(name: str, floor_extra: float, budget: str, read) -> Any:
        with ShoptetClient(config) as client, Clocks(served.cpu) as clocks:
            result = read(client)
        n = client.request_count
        floor = floor_extra + floor_seconds(n, latency, scale)
        runs.append(Run(name, n, clocks.wall, floor, budget, clocks.cpu, clocks.shop))
        return result

    def full_read(client, **options):
        shop = read_shop(client, desired.shop)
        live = read_live_cached(
            client, desired, shop=shop, cache_dir=cache_dir, notice=print, **options
        )
        return shop, live

    base = SnapshotSettings()
    snapshot = SnapshotSettings(
        waits=tuple(w / scale for w in base.waits),
        detail_waits=tuple(w / scale for w in base.detail_waits),
    )
    job_time = (args.job_queue + args.job_duration) / scale
    try:
        # (a) cold full plan
        if args.cold == "snapshot":
            shop, live = measured(
                "(a) cold full plan, --read snapshot",
                job_time,
                f"job {job_time:.2f} s in the floor",
                lambda client: full_read(client, snapshot=snapshot),
            )
        else:
            budget = math.ceil(args.products / 1000) + len(desired.products) + 5
            shop, live = measured("(a) cold full plan", 0.0, f"budget {budget:,}", full_read)
        print(runs[-1].line(), flush=True)

        # (b) pull-request plan touching k products
        settle()
        changed = desired.model_copy(deep=True)
        for i in range(0, args.products, max(1, args.products // args.pr_products))[
            : args.pr_products
        ]:
            product = changed.products[guid(i)]
            changed.products[guid(i)] = product.model_copy(update={"name": f"PR {i}"})
        guids, reason = compare_catalogs(desired, changed)
        pr_loaded = LoadedCatalog(catalog=changed, locations={}, digest="1" * 64)
        pr_plan = measured(
            f"(b) pull-request plan, {reason}",
            0.0,
            "target <= 30",
            lambda client: make_plan(client, pr_loaded, PlanRequest(scope=guids, ref="base")),
        )
        print(runs[-1].line(), f"[{pr_plan.summary['total']} changes]", flush=True)

        # (c) warm cached full plan after 1 % of products and 1 % of stock changed
        edited, moved = _change_shop(served, args.products, args.variants)
        settle()
        stock_pages = sum(max(1, math.ceil(m / 1000)) for m in moved.values())
        target = f"target <= {edited} + {stock_pages} + 10 = {edited + stock_pages + 10}"
        shop, live = measured("(c) warm cached full plan", 0.0, target, full_read)
        print(runs[-1].line(), flush=True)
        warm = runs[-1]

        # (d) warm cached full plan through a changeTimeFrom snapshot, after the same edits
        edited, moved = _change_shop(served, args.products, args.variants, "again")
        settle()
        shop, live = measured(
            "(d) warm cached, --read snapshot",
            job_time,
            f"{edited} products changed, job {job_time:.2f} s in the floor",
            lambda client: full_read(client, snapshot=snapshot),
        )
        print(runs[-1].line(), flush=True)
    finally:
        served.close()
    print(
        f"(c) against its target: wall {warm.wall:.2f} s, target 2 x floor + 1 s = "
        f"{2 * warm.floor + 1:.2f} s ({'met' if warm.wall <= 2 * warm.floor + 1 else 'NOT met'})"
    )
    cache_size = sum(p.stat().st_size for p in cache_dir.iterdir())
    with Clocks(None) as load:
        cache, _ = load_cache(cache_dir)
    with Clocks(None) as save:
        save_cache(cache_dir, cache)
    print(
        f"cache files: {fmt_mb(cache_size)} (gzip JSON, base + delta); loading them takes "
        f"{load.wall:.2f} s (CPU {load.cpu:.2f} s, inside (c)'s wall time, beside its requests) "
        f"and writing the whole cache {save.wall:.2f} s (CPU {save.cpu:.2f} s; (c) writes only "
        "a delta of what it changed unless that holds over a quarter of the products)"
    )
    del cache
    _pure_core(desired, live, shop)


def _change_shop(
    served: ServedThread | ServedProcess, products: int, variants: int, tag: str = ""
) -> tuple[int, dict[int, int]]:
    """1 % of products renamed, 1 % of stock rows moved, through the shop's admin client (the
    bucket switched off: the admin's edits are not the plan's requests)."""
    edited = max(1, products // 100)
    rows = max(1, products * variants * 2 // 100)  # 2 stock rows per variant
    with served.admin() as w:
        step = products // edited
        for i in range(0, edited * step, step):
            w.patch_product(guid(i), {"name": f"Edited in the admin {tag}{i}"})
        items = [
            {
                "productCode": f"B{(k * 7) % products:05d}-{k % variants}",
                "realStock": 1000 + k + len(tag),
            }
            for k in range(rows)
        ]
        items = list({it["productCode"]: it for it in items}.values())
        for start in range(0, len(items), 300):
            w.patch_stock_movements(1, items[start : start + 300])
    return edited, {1: len(items), 2: 0}


def _pure_core(desired: Catalog, live, shop) -> None:
    context = PlanContext(
        catalog_digest="0" * 64,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
    )

    def core():
        plan = diff(desired, live.catalog, locations={}, context=context)
        return plan, render_text(plan), render_markdown(plan), render_json(plan)

    gc.collect()
    t0 = time.perf_counter()
    plan, *_ = core()
    elapsed = time.perf_counter() - t0
    print(
        f"pure core (normalize + diff + 3 renders): {elapsed:.2f} s; "
        f"{plan.summary['total']:,} changes"
    )
    del plan
    gc.collect()
    tracemalloc.start()
    core()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"pure core peak memory (tracemalloc): {fmt_mb(peak)}; process max RSS {fmt_mb(rss)}")


if __name__ == "__main__":
    main()
