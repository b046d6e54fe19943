"""Warm cached plan, alone and repeated (issue 16): ``bench_fast_plans.py``'s run (c) without
(a), (b), (d) and the pure core, so a change to the cached read can be timed in a minute.
Not part of the test run: pytest does not collect it.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_warm.py                        # 10,000 products, 3 runs
    .venv/bin/python tests/bench/bench_warm.py --products 100000 --repeat 3
    .venv/bin/python tests/bench/bench_warm.py --profile /tmp/warm.prof  # cProfile of each (c), all threads

The shop (``bench_plan.build``) is served from its own process, with Shoptet's limits at
``--time-scale``, as in ``bench_fast_plans.py``. The cache is filled once from one products
snapshot (as that bench's ``--cold snapshot``); then, ``--repeat`` times: 1 % of products
renamed and 1 % of stock rows moved in the shop, an empty bucket, and one warm cached read
(``read_shop`` + ``read_live_cached``), which also writes the cache the next run uses.

Each run reports requests, wall against the rate-limit floor and the target (2x floor + 1 s),
and where the wall went: this process's CPU (children included), the shop's CPU, the seconds
the client's pacing slept (summed over its threads), and the wall of the cache load and save
inside the read. The last line gives the range over the runs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fast_plans import BUCKET, DRAIN, Clocks, _change_shop, floor_seconds
from bench_plan import ServedProcess, build, fmt_mb, peak_rss

from reconciler.live import cached
from reconciler.live.cached import read_live_cached
from reconciler.live.read import read_shop
from reconciler.live.snapshot import SnapshotSettings
from reconciler.shoptet import ClientConfig, ShoptetClient


class Timed:
    """Wall seconds spent in ``cached.<name>`` (the cache load and save), summed."""

    def __init__(self, name: str):
        self.name, self.seconds = name, 0.0
        self._real = getattr(cached, name)

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._real(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def __enter__(self) -> Timed:
        setattr(cached, self.name, self)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(cached, self.name, self._real)


class Sleeps:
    """The client's ``sleep``: sleeps, and sums what it slept (the pacing's waits)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds
        time.sleep(seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-scale", type=float, default=20.0)
    ap.add_argument("--latency", type=float, default=0.15, help="Shoptet seconds per request")
    ap.add_argument(
        "--profile", type=Path, help="write a cProfile of run k (all its threads) to PATH.k"
    )
    args = ap.parse_args()
    scale, latency = args.time_scale, args.latency

    _, desired = build(args.products, args.variants)
    served = ServedProcess(args.products, args.variants, scale, latency, 10.0, 30.0)
    cache_dir = Path(tempfile.mkdtemp(prefix="bench-warm-"))
    base = SnapshotSettings()
    snapshot = SnapshotSettings(
        waits=tuple(w / scale for w in base.waits),
        detail_waits=tuple(w / scale for w in base.detail_waits),
    )
    notices: list[str] = []

    def config() -> ClientConfig:
        return ClientConfig(
            base_url=served.url,
            private_token="sandbox-token",
            read_only=True,
            bucket_leak_per_second=DRAIN * scale,
        )

    def settle() -> None:
        time.sleep(BUCKET / DRAIN / scale + 0.2)

    walls, cpus = [], []
    try:
        started = time.perf_counter()
        with ShoptetClient(config()) as client:
            shop = read_shop(client, desired.shop)
            read_live_cached(
                client,
                desired,
                shop=shop,
                cache_dir=cache_dir,
                notice=notices.append,
                snapshot=snapshot,
            )
        print(
            f"{args.products:,} products: cache filled from one snapshot in "
            f"{time.perf_counter() - started:.1f} s ({fmt_mb(_size(cache_dir))})",
            flush=True,
        )
        for k in range(1, args.repeat + 1):
            # a longer tag each run: new names and new stock amounts
            edited, _ = _change_shop(served, args.products, args.variants, "r" * k)
            settle()
            sleeps = Sleeps()
            profile = cProfile.Profile() if args.profile else None
            threads: list[cProfile.Profile] = []
            with (
                ShoptetClient(config(), sleep=sleeps) as client,
                Timed("load_cache") as load,
                Timed("save_cache") as save,
                Clocks(served.cpu) as clocks,
            ):
                if profile is not None:
                    _profile_new_threads(threads)
                    profile.enable()
                shop = read_shop(client, desired.shop)
                live = read_live_cached(
                    client, desired, shop=shop, cache_dir=cache_dir, notice=notices.append
                )
                if profile is not None:
                    profile.disable()
                    threading.setprofile(None)  # type: ignore[arg-type]
            if profile is not None:
                stats = pstats.Stats(profile)
                for worker in threads:
                    stats.add(worker)
                stats.dump_stats(f"{args.profile}.{k}")
            assert len(live.catalog.products) == args.products, notices[-1]
            n = client.request_count
            floor = floor_seconds(n, latency, scale)
            walls.append(clocks.wall)
            cpus.append(clocks.cpu)
            print(
                f"(c) run {k}: {n:,} requests ({edited} products changed), wall "
                f"{clocks.wall:.2f} s, floor {floor:.2f} s, target {2 * floor + 1:.2f} s "
                f"({'met' if clocks.wall <= 2 * floor + 1 else 'NOT met'}); our CPU "
                f"{clocks.cpu:.2f} s, shop CPU {clocks.shop:.2f} s, pacing slept "
                f"{sleeps.seconds:.2f} s; cache load {load.seconds:.2f} s, save "
                f"{save.seconds:.2f} s wall",
                flush=True,
            )
    finally:
        served.close()
    print(
        f"(c) over {len(walls)} runs: wall {min(walls):.2f}-{max(walls):.2f} s, our CPU "
        f"{min(cpus):.2f}-{max(cpus):.2f} s; cache file {fmt_mb(_size(cache_dir))}; "
        f"peak RSS {fmt_mb(peak_rss())}"
    )


def _profile_new_threads(store: list[cProfile.Profile]) -> None:
    """Profile every thread started from now on (the detail reads' pool) into ``store``."""

    def start(frame: object, event: str, arg: object) -> None:
        sys.setprofile(None)
        worker = cProfile.Profile()
        store.append(worker)
        worker.enable()

    threading.setprofile(start)


def _size(cache_dir: Path) -> int:
    return sum(p.stat().st_size for p in cache_dir.iterdir())


if __name__ == "__main__":
    main()
