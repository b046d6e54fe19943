"""Snapshot-read benchmark (issue 16). Not part of the test run: pytest does not collect it.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_snapshot.py                  # 10,000 products / 50,000 variants
    .venv/bin/python tests/bench/bench_snapshot.py --products 1000  # quicker

The shop and catalog are ``bench_plan.build`` (every product managed, stock in 2 stocks). The
sandbox serves it over HTTP on 127.0.0.1 from a child process that builds the same shop
(``--server thread``: from a thread of this process, whose CPU then competes with the
client's, as before) with Shoptet's limits (3 in flight, a 200-drop bucket
draining 10 drops/s, 1 drop a request), ``--latency`` Shoptet seconds a request, all
``--time-scale`` times faster than real time (the client's pacing and the snapshot's waits are
told the same scale). Two cold full plans' live reads are measured:

(a) details: the product list and one detail per managed product. Floor as in
    ``bench_fast_plans``: ``max((N - 200) / 10, ceil(N / 3) * latency) / time_scale``.
(b) snapshot: one products-snapshot job that is pending ``--job-queue`` and running
    ``--job-duration`` Shoptet seconds (no measurement of Shoptet's job times is published:
    these are assumptions), supplies for stock, and the download from the sandbox's second
    (e-shop) origin. Floor: the job's time + the API requests' floor + the gzip file at
    ``--bandwidth`` Mbit/s (all scaled), i.e. the wait nobody can skip plus the transfer.

The wall time of (b) beyond its floor is the wait schedule's overshoot (it polls the job list
0.5, 1, 2, 3, 4, 5, 5, 10, 10, then every 15 Shoptet seconds) plus parsing and converting the
JSON Lines, which is CPU time and does not scale; both plans must agree. The sandbox renders
the whole export while the submit request waits (Shoptet does that inside the job time): that
part of the wall is printed apart, with the seconds each kind of request waited (the
sandbox's stock pages, too, cost the sandbox CPU) and this process's own CPU.

The client's own CPU on the export alone, with no sandbox running at all:

    .venv/bin/python tests/bench/bench_snapshot.py --products 10000 --save /tmp/snap10k
    .venv/bin/python tests/bench/bench_snapshot.py --products 10000 --parse-only /tmp/snap10k

``--save DIR`` writes the export (``export.jsonl.gz``, the includes the catalog asks for) and the
supplies' rows (``supplies.json``) of the benchmark shop; ``--parse-only DIR`` times, in CPU
seconds (``time.process_time``) and wall, what the client does with them: the supplies' rows
into models and the stock map, then gunzip + line split, JSON, and the conversion into live
products, each stage cumulatively, ``--repeat`` times.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import build, peak_rss, served_shop

from reconciler.live import snapshot as S
from reconciler.live.read import read_live, read_shop
from reconciler.live.snapshot import SnapshotSettings, read_live_snapshot
from reconciler.sandbox import Sandbox
from reconciler.shoptet import ClientConfig, ShoptetClient
from reconciler.shoptet import jobs as J
from reconciler.shoptet.models import Supply

BUCKET, DRAIN, IN_FLIGHT = 200, 10.0, 3


def api_floor(requests: int, latency: float, scale: float) -> float:
    bucket = max(0, requests - BUCKET) / DRAIN
    concurrency = math.ceil(requests / IN_FLIGHT) * latency
    return max(bucket, concurrency) / scale


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--time-scale", type=float, default=20.0)
    ap.add_argument("--latency", type=float, default=0.15, help="Shoptet seconds per request")
    ap.add_argument("--job-queue", type=float, default=10.0, help="Shoptet seconds pending")
    ap.add_argument("--job-duration", type=float, default=30.0, help="Shoptet seconds running")
    ap.add_argument("--bandwidth", type=float, default=100.0, help="Mbit/s to the e-shop host")
    ap.add_argument("--skip-details", action="store_true", help="measure (b) only")
    ap.add_argument(
        "--server",
        choices=("process", "thread"),
        default="process",
        help="serve the shop from a child process (default) or a thread of this one",
    )
    ap.add_argument("--save", type=Path, metavar="DIR", help="write the export and supplies")
    ap.add_argument("--parse-only", type=Path, metavar="DIR", help="time the client on --save's")
    ap.add_argument("--repeat", type=int, default=3, help="runs of --parse-only")
    ap.add_argument("--serve-child", action="store_true", help=argparse.SUPPRESS)  # internal
    args = ap.parse_args()
    scale, latency = args.time_scale, args.latency

    if args.serve_child:
        serve_child(args)
        return
    state, desired = build(args.products, args.variants)
    if args.save:
        save(state, desired, args.save)
        return
    if args.parse_only:
        del state
        parse_only(desired, args.parse_only, args.repeat)
        return
    print(
        f"shop: {args.products:,} products, {args.products * args.variants:,} variants, 2 stocks;"
        f" limits: {IN_FLIGHT} in flight, {BUCKET}-drop bucket draining {DRAIN:g}/s, latency "
        f"{latency:g} s; job {args.job_queue:g} s pending + {args.job_duration:g} s running; "
        f"time scale {scale:g}; the shop served from a {args.server}"
    )
    if args.server == "process":
        del state
        shop_server: Any = ChildServer(sys.argv[1:])
    else:
        sb, server = served_shop(state, scale, latency, args.job_queue, args.job_duration)
        del state
        shop_server = ThreadServer(sb, server)
    config = ClientConfig(
        base_url=shop_server.url,
        private_token="sandbox-token",
        read_only=True,
        bucket_leak_per_second=DRAIN * scale,
    )

    def settle() -> None:
        time.sleep(BUCKET / DRAIN / scale + 0.2)

    try:
        details = None
        if not args.skip_details:
            with ShoptetClient(config) as client:
                t0 = time.perf_counter()
                shop = read_shop(client, desired.shop)
                details = read_live(client, desired, shop=shop)
                wall = time.perf_counter() - t0
                n = client.request_count
            floor = api_floor(n, latency, scale)
            print(
                f"(a) details:  {n:>7,} requests  wall {wall:7.2f} s  floor {floor:7.2f} s  "
                f"{wall / floor:5.2f}x the floor  (unscaled floor {floor * scale / 60:.1f} min)",
                flush=True,
            )
            settle()

        base = SnapshotSettings()
        settings = SnapshotSettings(
            budget=base.budget,  # real seconds: the sandbox's rendering of the export is CPU
            waits=tuple(w / scale for w in base.waits),
            detail_waits=tuple(w / scale for w in base.detail_waits),
        )
        timed = Timed(httpx.HTTPTransport())
        with ShoptetClient(config, transport=timed) as client:
            c0, t0 = time.process_time(), time.perf_counter()
            shop = read_shop(client, desired.shop)
            snap = read_live_snapshot(client, desired, shop=shop, settings=settings)
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0
            n = client.request_count
        size = shop_server.export_size()
        job_time = (args.job_queue + args.job_duration) / scale
        transfer = size * 8 / (args.bandwidth * 1e6) / scale
        floor = job_time + api_floor(n, latency, scale) + transfer
        render = timed.seconds(S_PATH)
        print(
            f"(b) snapshot: {n:>7,} requests  wall {wall:7.2f} s  floor {floor:7.2f} s  "
            f"{wall / floor:5.2f}x the floor  (job {job_time:.2f} s + {size / 1e6:.1f} MB gzip at "
            f"{args.bandwidth:g} Mbit/s {transfer:.2f} s + API {api_floor(n, latency, scale):.2f}"
            " s, scaled)",
            flush=True,
        )
        print(
            f"    of the wall: {render:.2f} s the sandbox rendering the export while the submit "
            f"waits (Shoptet does that inside the job time): {wall - render:.2f} s without it, "
            f"{(wall - render) / floor:.2f}x the floor; this process's CPU {cpu:.2f} s"
            + (" (the sandbox's threads included)" if args.server == "thread" else ""),
            flush=True,
        )
        print(f"    requests by kind (count, seconds waited): {timed.by_kind()}", flush=True)
        if details is not None:
            same = details.catalog.products == snap.catalog.products
            print(f"the two reads agree: {same}")
    finally:
        shop_server.close()


S_PATH = "/api/products/snapshot"


class Timed(httpx.BaseTransport):
    """The client's transport, timing each request by its path."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner, self.took = inner, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        t0 = time.perf_counter()
        response = self.inner.handle_request(request)
        response.read()
        self.took.append((request.url.path, time.perf_counter() - t0))
        return response

    def seconds(self, path: str) -> float:
        return sum(took for p, took in self.took if p == path)

    def by_kind(self) -> str:
        kinds: dict[str, list[float]] = {}
        for path, took in self.took:
            kind = re.sub(r"/[0-9a-f]{6,}[^/]*$", "/ID", re.sub(r"/\d+/", "/N/", path))
            kinds.setdefault(kind, []).append(took)
        return ", ".join(f"{k} {len(t)}, {sum(t):.2f} s" for k, t in sorted(kinds.items()))

    def close(self) -> None:
        self.inner.close()


class ThreadServer:
    """The sandbox served by a thread of this process (its CPU competes with the client's)."""

    def __init__(self, sb: Sandbox, server):
        self.sb, self.server, self.url = sb, server, server.url

    def export_size(self) -> int:
        return len(next(iter(self.sb.jobs.jobs.values())).body)

    def close(self) -> None:
        self.server.close()


class ChildServer:
    """The sandbox served by a child process (``--serve-child``) that builds the same shop: its
    CPU runs beside the client's, as Shoptet's does. Asked over stdin/stdout."""

    def __init__(self, argv: list[str]):
        self.child = subprocess.Popen(
            [sys.executable, "-u", __file__, *argv, "--serve-child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.child.stdin is not None and self.child.stdout is not None
        self.url = self.child.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit(f"the shop's process did not start: {self.url!r}")

    def export_size(self) -> int:
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write("size\n")
        self.child.stdin.flush()
        return int(self.child.stdout.readline())

    def close(self) -> None:
        assert self.child.stdin is not None
        self.child.stdin.close()
        self.child.wait(timeout=60)


def serve_child(args: argparse.Namespace) -> None:
    """The child of ``ChildServer``: serve the shop, print its URL, answer ``size`` lines."""
    state, _ = build(args.products, args.variants)
    sb = Sandbox.from_seed(
        "empty",
        time_scale=args.time_scale,
        latency=args.latency,
        job_queue=args.job_queue,
        job_duration=args.job_duration,
    )
    sb.load_state(state)
    del state
    server = sb.serve(port=0)
    print(server.url, flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "size":
                print(len(next(iter(sb.jobs.jobs.values())).body), flush=True)
    finally:
        server.close()


def save(state: dict, desired, where: Path) -> None:
    """The benchmark shop's export (with the includes the catalog asks for) and supplies."""
    sb = Sandbox.from_seed("empty", limits=False, request_cost=0.0)
    sb.load_state(state)
    config = ClientConfig(base_url="http://127.0.0.1", private_token="sandbox-token")
    with ShoptetClient(config, transport=sb.transport()) as client:
        shop = read_shop(client, desired.shop)
        includes = S.snapshot_includes(desired, shop)
        asked = sorted({i for inc in includes.values() for i in inc} - {S.PER_STOCK})
        job = sb.jobs.jobs[J.submit_products_snapshot(client, asked)]
        supplies = {
            stock_id: client._pages(
                f"/api/stocks/{stock_id}/supplies", "supplies", 1000, ident="code"
            )
            for stock_id in sorted(shop.stocks)
        }
    where.mkdir(parents=True, exist_ok=True)
    (where / "export.jsonl.gz").write_bytes(job.body)
    (where / "supplies.json").write_text(json.dumps(supplies))
    print(f"wrote {where}: export {len(job.body) / 1e6:.1f} MB gzip, includes {asked}")


class SavedSupplies:
    """``iter_supplies`` over the saved rows, as the client validates each page's items."""

    def __init__(self, rows: dict[str, list[dict]]):
        self.rows = rows

    def iter_supplies(self, stock_id: int):
        for item in self.rows[str(stock_id)]:
            yield Supply.model_validate(item)


def parse_only(desired, where: Path, repeat: int) -> None:
    """CPU and wall of the client's work on a saved export, stage by stage."""
    body = (where / "export.jsonl.gz").read_bytes()
    supplies = SavedSupplies(json.loads((where / "supplies.json").read_text()))
    stocks = {int(k): None for k in supplies.rows}
    shop = S.ShopInfo(
        eshop_id=1, default_stock_id=1, default_pricelist_id=1, pricelist_id=1, stocks=stocks
    )
    includes = S.snapshot_includes(desired, shop)

    def lines():
        chunks = (body[i : i + (1 << 16)] for i in range(0, len(body), 1 << 16))
        return J._lines(chunks, J.DownloadLimits(), time.monotonic, time.monotonic())

    def stage_stock():
        return S._read_stock(supplies, shop)  # type: ignore[arg-type]

    def stage_lines():
        return sum(1 for _ in lines())

    def stage_json():
        return sum(1 for _ in S.items_of_lines(lines(), stock))

    def stage_convert():
        return S.live_products(S.items_of_lines(lines(), stock), includes, shop, {})

    stock = stage_stock()
    print(
        f"export {len(body) / 1e6:.1f} MB gzip, {len(includes):,} managed products, "
        f"{sum(len(r) for r in supplies.rows.values()):,} supply rows"
    )
    for name, stage in [
        ("supplies -> models -> stock map", stage_stock),
        ("gunzip + lines", stage_lines),
        ("  + JSON + stock rows", stage_json),
        ("  + conversion (live products)", stage_convert),
    ]:
        cpu, wall = [], []
        for _ in range(repeat):
            gc.collect()
            c0, w0 = time.process_time(), time.perf_counter()
            result = stage()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            del result
        print(
            f"{name:34} CPU {min(cpu):6.2f}-{max(cpu):6.2f} s  wall {min(wall):6.2f}-"
            f"{max(wall):6.2f} s  ({repeat} runs)",
            flush=True,
        )
    print(f"peak RSS {peak_rss() / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
