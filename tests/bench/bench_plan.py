"""Plan benchmark (DESIGN §10). Not part of the test run: pytest does not collect this file.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_plan.py                       # 10,000 products / 50,000 variants
    .venv/bin/python tests/bench/bench_plan.py --products 1000       # a quicker, smaller shop
    .venv/bin/python tests/bench/bench_plan.py --strategies          # also count supplies+pricelist reads

It builds a sandbox shop of ``--products`` products with ``--variants`` variants each (2 stocks,
1 pricelist), a catalog that manages every product (name, categories, and per variant EAN,
price, VAT and stock in both stocks) with about 1 % of the values changed, then:

1. reads the live shop over HTTP (the sandbox's threaded server on 127.0.0.1, with Shoptet's
   limits: 3 requests in flight, a 200-drop bucket draining 10 drops/s, 1 drop a request) and
   reports the request count against the budget ``ceil(live/1000) + managed + 5``, and the wall
   time against the rate-limit floor ``max(0, requests - 200) / 10`` Shoptet seconds. The
   sandbox runs ``--time-scale`` times faster than real time (default 20) and the client's
   pacing is told the same, so the floor shrinks by that factor and the ratio stays meaningful;
2. times the pure core (normalize + diff, then the text, Markdown and JSON renders) on the
   data just read, on one core, in a fresh process that holds only the desired and live
   catalogs (as `plan` does), and reports that process's max RSS and, from a second run under
   tracemalloc (which slows code down), the peak the diff and renders add;
3. with ``--strategies``: counts the requests the alternative way of reading stock and prices
   (``GET /api/stocks/{id}/supplies`` per stock + ``GET /api/pricelists/{id}``) would add
   (slow on big shops: the sandbox renders the whole pricelist for each 100-row page).

DESIGN §10 targets: requests within the budget, wall time within 1.2x of the floor, pure work
for 10,000 / 50,000 under 5 s and 500 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import multiprocessing
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reconciler.live.read import read_live, read_shop
from reconciler.model import Catalog, Product, Variant
from reconciler.plan.diff import PlanContext, diff
from reconciler.render.formats import render_json, render_markdown, render_text
from reconciler.sandbox import Sandbox
from reconciler.shoptet import ClientConfig, ShoptetClient

CATEGORIES = [str(uuid.UUID(int=0xCA7000 + i)) for i in range(20)]
T = "2026-01-05T09:00:00+0100"


def guid(i: int) -> str:
    return str(uuid.UUID(int=(0x5EED << 96) + i))


def served_shop(state: dict, scale: float, latency: float, job_queue: float, job_duration: float):
    """The benchmark shop ``state`` in a sandbox with Shoptet's limits at ``scale`` and the
    assumed snapshot job times, served on 127.0.0.1 from a thread of THIS process (its CPU
    competes with the client's for the GIL): (sandbox, server)."""
    sb = Sandbox.from_seed(
        "empty", time_scale=scale, latency=latency, job_queue=job_queue, job_duration=job_duration
    )
    sb.load_state(state)
    return sb, sb.serve(port=0)


class ServedThread:
    """``served_shop`` behind ``ServedProcess``'s face (``cpu`` is None: the shop's CPU is
    this process's)."""

    cpu = None

    def __init__(
        self, state: dict, scale: float, latency: float, job_queue: float, job_duration: float
    ):
        self.sandbox, self._server = served_shop(state, scale, latency, job_queue, job_duration)
        self.url: str = self._server.url

    @contextlib.contextmanager
    def admin(self) -> Iterator[ShoptetClient]:
        config = self.sandbox.config
        cost, config.request_cost = config.request_cost, 0.0
        cfg = ClientConfig(base_url="http://127.0.0.1", private_token="sandbox-token")
        try:
            with ShoptetClient(cfg, transport=self.sandbox.transport()) as client:
                yield client
        finally:
            config.request_cost = cost

    def close(self) -> None:
        self._server.close()


class ServedProcess:
    """``build(products, variants)``'s shop served as ``served_shop`` serves it, but from a
    separate process, so the shop's own CPU (pages of 100,000 products, supplies, the changes
    feed; Shoptet's, not ours) neither holds the client's GIL nor counts in its CPU time.

    ``url``; ``cpu()`` the server process's CPU seconds so far; ``admin()`` a writing client
    whose requests cost nothing (the admin's edits are not the plan's requests); ``close()``."""

    def __init__(
        self,
        products: int,
        variants: int,
        scale: float,
        latency: float,
        job_queue: float,
        job_duration: float,
    ):
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, nothing shared
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_in_child,
            args=(child, products, variants, scale, latency, job_queue, job_duration),
            daemon=True,
        )
        self._process.start()
        child.close()
        self.url: str = self._conn.recv()
        self.latency = latency

    def cpu(self) -> float:
        """User + system CPU seconds of the server process (Linux ``/proc``)."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @contextlib.contextmanager
    def admin(self) -> Iterator[ShoptetClient]:
        self._configure(request_cost=0.0, latency=0.0)
        cfg = ClientConfig(base_url=self.url, private_token="sandbox-token")
        try:
            with ShoptetClient(cfg) as client:
                yield client
        finally:
            self._configure(request_cost=1.0, latency=self.latency)

    def _configure(self, **settings: float) -> None:
        response = httpx.patch(
            f"{self.url}/_sandbox/config",
            json=settings,
            headers={"Shoptet-Private-API-Token": "sandbox-token"},
        )
        response.raise_for_status()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()


def _serve_in_child(conn, products, variants, scale, latency, job_queue, job_duration) -> None:
    state, _ = build(products, variants)
    _, server = served_shop(state, scale, latency, job_queue, job_duration)
    del state
    conn.send(server.url)
    with contextlib.suppress(EOFError):
        conn.recv()  # "stop", or the parent is gone
    server.close()


def build(products: int, variants: int) -> tuple[dict, Catalog]:
    """The sandbox state and a catalog managing all of it, ~1 % of values changed."""
    state = Sandbox.from_seed("empty").state()
    state["stocks"] = [{"id": 1, "title": "Main"}, {"id": 2, "title": "Shop"}]
    state["categories"] = [
        {"guid": g, "name": f"Category {i}", "parentGuid": None, "visible": True}
        for i, g in enumerate(CATEGORIES)
    ]
    live, desired = [], {}
    for i in range(products):
        cats = [CATEGORIES[i % 20], CATEGORIES[(i * 7 + 3) % 20]]
        vs, dvs = [], {}
        for j in range(variants):
            code = f"B{i:05d}-{j}"
            price = Decimal(100 + (i * 13 + j) % 900)
            stock = Decimal((i + j) % 50)
            vs.append(
                {
                    "code": code,
                    "ean": f"859{i:06d}{j:04d}",
                    "prices": {"1": {"price": f"{price}.00", "vatRate": "21.00"}},
                    "stocks": {
                        "1": {"realStock": f"{stock}.000", "claim": "1.000"},
                        "2": {"realStock": "3.000", "claim": "0.000"},
                    },
                }
            )
            k = i * variants + j
            dvs[code] = Variant(
                ean=f"859{i:06d}{j:04d}",
                price=price + (1 if k % 97 == 0 else 0),
                vatRate="21.00",
                stock={1: stock + (2 if k % 101 == 0 else 0), 2: 3},
            )
        name = f"Product {i}"
        live.append(
            {
                "guid": guid(i),
                "name": name,
                "defaultCategoryGuid": cats[0],
                "categoryGuids": cats,
                "creationTime": T,
                "changeTime": T,
                "variants": vs,
            }
        )
        desired[guid(i)] = Product(
            name=name if i % 89 else f"{name} (renamed)",
            defaultCategory=cats[0],
            categories=cats,
            variants=dvs,
        )
    state["products"] = live
    return state, Catalog(products=desired)


def peak_rss() -> int:
    """This process's peak RSS in bytes (VmHWM: unlike ru_maxrss it is not inherited from the
    parent across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fmt_mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--time-scale", type=float, default=20.0)
    ap.add_argument("--strategies", action="store_true")
    ap.add_argument("--core", type=Path, help=argparse.SUPPRESS)  # internal: the subprocess
    args = ap.parse_args()
    if args.core:
        core(args.core)
        return

    t0 = time.perf_counter()
    state, desired = build(args.products, args.variants)
    print(
        f"shop: {args.products:,} products, {args.products * args.variants:,} variants, "
        f"2 stocks; catalog manages all of them (built in {time.perf_counter() - t0:.1f} s)"
    )
    sb = Sandbox.from_seed("empty", time_scale=args.time_scale)
    sb.load_state(state)
    del state
    server = sb.serve(port=0)
    try:
        config = ClientConfig(
            base_url=server.url,
            private_token="sandbox-token",
            read_only=True,
            bucket_leak_per_second=10.0 * args.time_scale,
        )
        with ShoptetClient(config) as client:
            t0 = time.perf_counter()
            shop = read_shop(client, desired.shop)
            live = read_live(client, desired, shop=shop)
            wall = time.perf_counter() - t0
            requests = sb.counters["requests"]
            writes = sb.counters["writes"]
            extra = None
            if args.strategies:
                before = sb.counters["requests"]
                for stock_id in shop.stocks:
                    for _ in client.iter_supplies(stock_id):
                        pass
                for _ in client.iter_pricelist(shop.pricelist_id):
                    pass
                extra = sb.counters["requests"] - before
    finally:
        server.close()
    # The tool's own process holds no sandbox: drop it so the pure-core figures are the CLI's.
    del sb, server

    managed = len(desired.products)
    budget = math.ceil(args.products / 1000) + managed + 5
    floor = max(0.0, requests - 200) / 10.0 / args.time_scale
    print(
        f"live read: {requests:,} requests (budget {budget:,}), {writes} writes, "
        f"wall {wall:.1f} s; rate-limit floor {floor:.1f} s at time scale {args.time_scale:g} "
        f"(= {floor * args.time_scale:.0f} s at Shoptet's real pace): "
        f"{wall / floor if floor else float('nan'):.2f}x the floor"
    )
    if extra is not None:
        print(
            f"stock and prices via supplies + pricelist instead: +{extra:,} requests "
            f"(the detail includes cost +0, the details are read anyway)"
        )

    context = PlanContext(
        catalog_digest="0" * 64,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
    )
    # The pure core runs in a fresh process holding only what `plan` holds at that point (the
    # desired and live catalogs), so its time and memory are not skewed by the sandbox.
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.pickle"
        inputs.write_bytes(pickle.dumps((desired, live.catalog, context), protocol=5))
        del desired, live
        gc.collect()
        subprocess.run([sys.executable, "-u", __file__, "--core", str(inputs)], check=True)


def core(inputs: Path) -> None:
    """Time normalize + diff and the renders on pickled inputs; then their peak memory."""
    rss_before = peak_rss()
    desired, live, context = pickle.loads(inputs.read_bytes())
    gc.collect()
    rss_inputs = peak_rss()
    t0 = time.perf_counter()
    plan = diff(desired, live, locations={}, context=context)
    t_diff = time.perf_counter() - t0
    t1 = time.perf_counter()
    text, md, js = render_text(plan), render_markdown(plan), render_json(plan)
    t_render = time.perf_counter() - t1
    rss_after = peak_rss()
    summary = plan.summary
    print(
        f"pure core: {t_diff + t_render:.2f} s (normalize + diff {t_diff:.2f} s, renders "
        f"{t_render:.2f} s: text {len(text):,} B, markdown {len(md):,} B, json {len(js):,} B); "
        f"{summary['total']:,} changes {summary['resources']}"
    )
    del plan, text, md, js
    gc.collect()
    tracemalloc.start()
    plan = diff(desired, live, locations={}, context=context)
    render_text(plan), render_markdown(plan), render_json(plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"pure core memory: max RSS {fmt_mb(rss_after)} for the whole process (interpreter "
        f"{fmt_mb(rss_before)}, + desired and live catalogs {fmt_mb(rss_inputs - rss_before)}); "
        f"the diff and renders themselves peak at {fmt_mb(peak)} (tracemalloc)"
    )


if __name__ == "__main__":
    main()
