"""The plan's pure core alone (issue 16): normalize + diff + text/Markdown/JSON renders on
``bench_plan.build``'s catalogs, without a server. Not part of the test run: pytest does not
collect it.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_diff.py                     # 10,000 products, 3 runs
    .venv/bin/python tests/bench/bench_diff.py --products 100000 --inputs /tmp/core100k.pickle

The desired catalog is ``bench_plan.build``'s (every product managed: name, categories, and
per variant EAN, price, VAT and stock in 2 stocks; ~1 % of values differ). The live catalog is
what a detail read of that shop converts to: the sandbox renders each product's detail with
the includes the catalog needs and ``live.convert.product_from_detail`` turns it into the
live model, as a real read would, with no HTTP in between. ``--inputs PATH`` keeps both
catalogs in a pickle file (built when missing), so repeated runs skip the building.

Each run reports the CPU seconds (``time.process_time``) of the diff and of the three renders
and their range over ``--repeat`` runs, and a digest of the three renders and the plan id, so
two versions of the code can be checked to produce the very same plan. ``--profile FILE``
writes a cProfile of one run; ``--memory`` adds tracemalloc's peak of one run (slower). The
max RSS is this process's: both catalogs (and, on the run that builds them, the shop). A
plan's own peak is ``bench_load.py``'s "plan without HTTP".

To compare with older code, run this file from an export of it (``git archive REV | tar -x -C
DIR``, then ``cd DIR && /path/to/.venv/bin/python tests/bench/bench_diff.py --inputs ...``):
it puts its own tree first on ``sys.path``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import pickle
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import build, fmt_mb

from reconciler.gcpause import gc_paused
from reconciler.live.convert import includes_for, product_from_detail
from reconciler.live.read import read_shop
from reconciler.model import Catalog
from reconciler.plan.diff import PlanContext, diff
from reconciler.render.formats import render_json, render_markdown, render_text
from reconciler.sandbox import Sandbox, render
from reconciler.shoptet import ClientConfig, ShoptetClient
from reconciler.shoptet.models import ProductDetail


def inputs(products: int, variants: int) -> tuple[Catalog, Catalog, PlanContext]:
    """The desired catalog, the live catalog a detail read would give, and the diff's context."""
    state, desired = build(products, variants)
    sandbox = Sandbox.from_seed("empty", request_cost=0.0)
    sandbox.load_state(state)
    del state
    config = ClientConfig(base_url="http://127.0.0.1", private_token="sandbox-token")
    with ShoptetClient(config, transport=sandbox.transport()) as client:
        shop = read_shop(client, desired.shop)
    shop_state = sandbox._state  # the bench reads the shop's state directly: no HTTP per product
    live = {}
    with gc_paused():
        for guid, product in desired.products.items():
            wanted = includes_for(
                product,
                pricelist_id=shop.pricelist_id,
                default_pricelist_id=shop.default_pricelist_id,
            )
            data = render.detail(shop_state, shop_state.products[guid], {i.lower() for i in wanted})
            live[guid] = product_from_detail(
                ProductDetail.model_validate(data),
                pricelist_id=shop.pricelist_id,
                default_pricelist_id=shop.default_pricelist_id,
            )
    context = PlanContext(
        catalog_digest="0" * 64,
        default_stock_id=shop.default_stock_id,
        pricelist_id=shop.pricelist_id,
        eshop_id=shop.eshop_id,
    )
    return desired, Catalog.model_construct(products=live), context


def load_inputs(path: Path | None, products: int, variants: int) -> Any:
    if path is not None and path.exists():
        found = pickle.loads(path.read_bytes())
        if found[0] == (products, variants):
            return found[1]
        print(f"{path} holds another size: rebuilding it")
    t0 = time.perf_counter()
    built = inputs(products, variants)
    print(f"inputs built in {time.perf_counter() - t0:.1f} s")
    if path is not None:
        path.write_bytes(pickle.dumps(((products, variants), built), protocol=5))
    return built


def core(desired: Catalog, live: Catalog, context: PlanContext) -> tuple[float, float, str, Any]:
    """One run: (diff CPU s, renders CPU s, digest of the renders and plan id, plan)."""
    t0 = time.process_time()
    plan = diff(desired, live, locations={}, context=context)
    t1 = time.process_time()
    rendered = (render_text(plan), render_markdown(plan), render_json(plan))
    t2 = time.process_time()
    digest = hashlib.sha256()
    for text in (*rendered, plan.plan_id):
        digest.update(text.encode())
        digest.update(b"\0")
    return t1 - t0, t2 - t1, digest.hexdigest()[:16], plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--inputs", type=Path, help="pickle file keeping the two catalogs")
    ap.add_argument("--profile", type=Path, help="write a cProfile of one more run here")
    ap.add_argument("--memory", action="store_true", help="tracemalloc peak of one more run")
    args = ap.parse_args()

    desired, live, context = load_inputs(args.inputs, args.products, args.variants)
    gc.collect()
    print(
        f"pure core on {args.products:,} products / {args.products * args.variants:,} variants "
        f"(CPU seconds, {args.repeat} runs)"
    )
    diffs, renders, digests = [], [], set()
    for _ in range(args.repeat):
        t_diff, t_render, digest, plan = core(desired, live, context)
        changes = plan.summary["total"]
        del plan
        gc.collect()
        diffs.append(t_diff)
        renders.append(t_render)
        digests.add(digest)
        print(
            f"  normalize + diff {t_diff:6.2f} s, 3 renders {t_render:6.2f} s, "
            f"total {t_diff + t_render:6.2f} s; {changes:,} changes; renders+planId {digest}"
        )
    totals = [d + r for d, r in zip(diffs, renders, strict=True)]
    print(
        f"range: diff {min(diffs):.2f}-{max(diffs):.2f} s, renders {min(renders):.2f}-"
        f"{max(renders):.2f} s, total {min(totals):.2f}-{max(totals):.2f} s "
        f"({min(totals) / args.products * 1e3:.3f} ms a product at best)"
    )
    if len(digests) > 1:
        print(f"THE RUNS DIFFER: {sorted(digests)}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        core(desired, live, context)
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile of one run: {args.profile}")
    if args.memory:
        tracemalloc.start()
        core(desired, live, context)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak the diff and renders add (tracemalloc): {fmt_mb(peak)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"process max RSS {fmt_mb(rss)}")


if __name__ == "__main__":
    main()
