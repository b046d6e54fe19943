"""Live-cache benchmark (issue 16): saving and loading ``live-cache.json.gz`` for a large shop.
Not part of the test run: pytest does not collect it.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_cache.py                    # 10,000 products / 50,000 variants
    .venv/bin/python tests/bench/bench_cache.py --products 100000

The cache holds every product of ``bench_plan.build`` (name, categories, per variant EAN, price,
VAT and stock in two stocks) as a full plan with ``--cache`` stores it. It reports the file
size and the best of ``--repeat`` save and load times (CPU and wall) of the whole cache, then
of a warm read's save (a delta file: 1 product in ``--touched`` had its stock moved) and the
load of base + delta that follows, which are what a warm cached plan spends besides its
requests. Target (issue 16): load + save under 0.5 s at 10,000.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import build

from reconciler.live.cache_file import CACHE_FILE, DELTA_FILE, LiveCache, load_cache, save_cache


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--touched", type=int, default=10, help="1 product in N changed a read")
    args = ap.parse_args()
    _, desired = build(args.products, args.variants)
    cache = LiveCache(
        eshop_id=1,
        pricelist_id=1,
        default_pricelist_id=1,
        stocks=[1, 2],
        read_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        names={g: p.name for g, p in desired.products.items()},
        details={g: (("stock",), p) for g, p in desired.products.items()},
    )
    del desired
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        saves, loads = [], []
        for _ in range(args.repeat):
            gc.collect()
            w, c = time.perf_counter(), time.process_time()
            save_cache(Path(tmp), cache)
            saves.append((time.perf_counter() - w, time.process_time() - c))
            gc.collect()
            w, c = time.perf_counter(), time.process_time()
            loaded, why = load_cache(Path(tmp))
            loads.append((time.perf_counter() - w, time.process_time() - c))
            assert loaded is not None, why
            assert loaded.details == cache.details and loaded.names == cache.names
        size = (Path(tmp) / CACHE_FILE).stat().st_size
        deltas, delta_loads = [], []
        for _ in range(args.repeat):
            # a warm read's save: 1 product in --touched had its stock moved in place
            touched = sorted(loaded.details)[:: args.touched]
            for guid in touched:
                for variant in (loaded.details[guid][1].variants or {}).values():
                    variant.stock[1] += 1
            gc.collect()
            w, c = time.perf_counter(), time.process_time()
            save_cache(Path(tmp), loaded, touched)
            deltas.append((time.perf_counter() - w, time.process_time() - c))
            expected = loaded.details
            gc.collect()
            w, c = time.perf_counter(), time.process_time()
            loaded, why = load_cache(Path(tmp))
            delta_loads.append((time.perf_counter() - w, time.process_time() - c))
            assert loaded is not None, why
            assert loaded.details == expected
        delta_size = (Path(tmp) / DELTA_FILE).stat().st_size
    save, load = min(saves), min(loads)
    print(
        f"cache of {args.products:,} products: {size / 1e6:.1f} MB on disk; save wall "
        f"{save[0]:.2f} s (CPU {save[1]:.2f} s), load wall {load[0]:.2f} s (CPU {load[1]:.2f} "
        f"s); together {save[0] + load[0]:.2f} s wall, {save[1] + load[1]:.2f} s CPU"
    )
    save, load = min(deltas), min(delta_loads)
    print(
        f"a warm read's save, 1 product in {args.touched} changed (a delta file, "
        f"{delta_size / 1e6:.2f} MB after {args.repeat} saves): wall {save[0]:.2f} s (CPU "
        f"{save[1]:.2f} s); its load (base + delta) wall {load[0]:.2f} s (CPU {load[1]:.2f} s)"
    )


if __name__ == "__main__":
    main()
