"""Loading benchmark (issue 16). Not part of the test run: pytest does not collect it.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_load.py --products 10000     # validate 10,000 / 50,000
    .venv/bin/python tests/bench/bench_load.py --products 100000    # validate 100,000 / 500,000
    .venv/bin/python tests/bench/bench_load.py --products 10000 --keep /tmp/cat10k  # keep the files
    .venv/bin/python tests/bench/bench_load.py --products 10000 --parse-cache  # + warm/cold cache
    .venv/bin/python tests/bench/bench_load.py --products 10000 --only-pr-plan --repeat 5
        # only the PR plan command, 5 runs, each with the cache filled at the base again

It writes a generated catalog (``--per-file`` products a file, ``--variants`` variants a
product, every product managing name, categories, and per variant EAN, price, VAT and stock in
two stocks, as ``bench_plan.build``) into a temporary directory, never the repository, then
measures, each in a fresh process (``shoptet-catalog`` as a user runs it):

1. ``validate``: wall time, CPU time (user + system: the steadier figure when other work
   shares the machine) and peak RSS of the child process (``wait4`` resource usage, which
   includes the loader's own forked child); ``SHOPTET_YAML_EXACT=1`` in the environment
   measures the exact (ruamel) path, as before, ``SHOPTET_LOAD_PROCESSES=1`` one process;
   then the load alone split by process: the CPU of the loading process and of the child
   it forks for the later files. The larger of the two is what the wall time comes to on
   two otherwise idle cores (this machine is seldom idle, so it is reported as such);
2. the load half of a pull-request plan: a git repository whose commit holds the catalog and
   whose working tree has ``--pr-products`` products renamed (spread over the files), loaded as
   ``plan --changed-since HEAD`` does (``load_catalog`` + ``changed_since`` with the load
   reused for unchanged files), in a fresh process: time, CPU and peak RSS; with
   ``--parse-cache`` also with ``plan --parse-cache``: cold (filling it), filled from the
   base's files at the same paths (what CI restores from ``main``: the changed products'
   blocks miss) and warm;
3. the memory of a plan without its HTTP part: the desired catalog loaded from the files, a
   live catalog of the same products (~1 % of prices differ, built as a read converts it),
   ``diff`` with the locations and the text, Markdown and JSON renders, in a fresh process:
   peak RSS (the issue's target: under 2 GB at 100,000 products).

Figures, not pass/fail: the issue's targets are 100,000 products validate < 20 s and < 1.5 GB,
a 20-product PR plan's loading < 10 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = [str(uuid.UUID(int=0xCA7000 + i)) for i in range(20)]


def guid(i: int) -> str:
    return str(uuid.UUID(int=(0x5EED << 96) + i))


def product_yaml(i: int, variants: int, renamed: bool = False) -> str:
    cats = [CATEGORIES[i % 20], CATEGORIES[(i * 7 + 3) % 20]]
    lines = [
        f"  {guid(i)}:",
        f"    name: {'PR ' if renamed else ''}Product {i}",
        f"    defaultCategory: {cats[0]}",
        "    categories:",
        f"      - {cats[0]}",
        f"      - {cats[1]}",
        "    variants:",
    ]
    for j in range(variants):
        lines += [
            f"      B{i:06d}-{j}:",
            f'        ean: "859{i:06d}{j:04d}"',
            f"        price: {100 + (i * 13 + j) % 900}.00",
            "        vatRate: 21.00",
            f"        stock: {{1: {(i + j) % 50}, 2: 3}}",
        ]
    return "\n".join(lines) + "\n"


def write_catalog(
    out: Path, products: int, variants: int, per_file: int, renamed: frozenset[int] = frozenset()
) -> None:
    (out / "products").mkdir(parents=True, exist_ok=True)
    (out / "shop.yaml").write_text("shop:\n  defaultStock: 1\n  pricelist: 1\n")
    for start in range(0, products, per_file):
        body = "".join(
            product_yaml(i, variants, i in renamed)
            for i in range(start, min(products, start + per_file))
        )
        (out / "products" / f"part-{start // per_file:04d}.yaml").write_text("products:\n" + body)


def run_measured(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds (user + system), peak RSS bytes of the child, its output's
    tail). On a shared machine the CPU time is the steadier figure."""
    t0 = time.perf_counter()
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out.strip()[-300:]


SPLIT_LOAD = """
import resource, sys, time
from pathlib import Path
from reconciler.desired.load import load_catalog
cpu = lambda who: (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(who))
start = cpu(resource.RUSAGE_SELF)
load_catalog(Path(sys.argv[1]))
here, child = cpu(resource.RUSAGE_SELF) - start, cpu(resource.RUSAGE_CHILDREN)
print(f"loading process {here:.2f} s CPU, its child {child:.2f} s CPU: on two idle cores "
      f"about {max(here, child):.2f} s wall (one process: {here + child:.2f} s CPU)")
"""


PR_LOAD = """
import sys, time
from pathlib import Path
from reconciler.cli.parse_cache_dir import DirParseCache
from reconciler.desired.load import load_catalog
from reconciler.desired.scope import changed_since
t0 = time.perf_counter()
catalog = Path(sys.argv[1])
cache = DirParseCache(Path(sys.argv[2]), print) if len(sys.argv) > 2 else None
loaded = load_catalog(catalog, parse_cache=cache)
t1 = time.perf_counter()
scope = changed_since(catalog, "HEAD", loaded.catalog, loaded)
t2 = time.perf_counter()
print(f"{len(scope.guids or ())} in scope ({scope.reason}); working tree {t1 - t0:.2f} s, "
      f"base {t2 - t1:.2f} s")
"""


PLAN_MEMORY = """
import sys, time
from decimal import Decimal
from pathlib import Path
from reconciler.desired.load import load_catalog
from reconciler.model import Catalog, Product, Variant
from reconciler.plan.diff import PlanContext, diff
from reconciler.render.formats import render_json, render_markdown, render_text
t0 = time.perf_counter()
loaded = load_catalog(Path(sys.argv[1]))
desired = loaded.catalog
# the live side as a read converts it: every product, ~1 % of prices 1 higher
live = {}
for k, (g, p) in enumerate(desired.products.items()):
    variants = {
        c: Variant.model_construct(**{**{n: getattr(v, n) for n in v.model_fields_set},
                                      "price": v.price + (1 if (k + j) % 97 == 0 else 0)})
        for j, (c, v) in enumerate(p.variants.items())
    }
    fields = {n: getattr(p, n) for n in p.model_fields_set if n != "variants"}
    live[g] = Product.model_construct(**fields, variants=variants)
live = Catalog.model_construct(products=live)
t1 = time.perf_counter()
context = PlanContext(catalog_digest=loaded.digest, default_stock_id=1, pricelist_id=1, eshop_id=1)
plan = diff(desired, live, locations=loaded.locations, context=context)
texts = render_text(plan), render_markdown(plan), render_json(plan)
print(f"{plan.summary['total']:,} changes; load + live {t1 - t0:.2f} s, diff + 3 renders "
      f"{time.perf_counter() - t1:.2f} s")
"""


# The plan command itself, as the console script runs it (``cli.run``: it ends without freeing
# the catalog), against an in-process sandbox holding the stocks, the categories and, as they
# are at the base, the products the pull request changed: what is left of its wall time beyond
# the load is the reads of those products (no latency, no rate limit), the diff and the render.
PR_PLAN = """
import sys
sys.path.insert(0, sys.argv[1])
from bench_load import CATEGORIES, guid
from reconciler.cli import context, run
from reconciler.sandbox import Sandbox
changed, variants = [int(i) for i in sys.argv[2].split(",")], int(sys.argv[3])
sb = Sandbox.from_seed("empty")
state = sb.state()
state["stocks"] = [{"id": 1, "title": "Main"}, {"id": 2, "title": "Shop"}]
state["categories"] = [
    {"guid": g, "name": f"Category {i}", "parentGuid": None, "visible": True}
    for i, g in enumerate(CATEGORIES)
]
state["products"] = [
    {
        "guid": guid(i),
        "name": f"Product {i}",
        "defaultCategoryGuid": CATEGORIES[i % 20],
        "categoryGuids": [CATEGORIES[i % 20], CATEGORIES[(i * 7 + 3) % 20]],
        "creationTime": "2026-01-05T10:00:00+0100",
        "changeTime": "2026-01-05T10:00:00+0100",
        "variants": [
            {
                "code": f"B{i:06d}-{j}",
                "ean": f"859{i:06d}{j:04d}",
                "prices": {"1": {"price": f"{100 + (i * 13 + j) % 900}.00", "vatRate": "21.00"}},
                "stocks": {
                    "1": {"realStock": f"{(i + j) % 50}.000", "claim": "0.000"},
                    "2": {"realStock": "3.000", "claim": "0.000"},
                },
            }
            for j in range(variants)
        ],
    }
    for i in changed
]
sb.load_state(state)
context.AppContext.sandbox_shop = lambda self: sb
sys.argv = ["shoptet-catalog", "--sandbox", "--catalog", "catalog", "plan", "--changed-since",
            "HEAD", *sys.argv[4:]]
run()
"""


FILL_CACHE = """
import sys
from pathlib import Path
from reconciler.cli.parse_cache_dir import DirParseCache
from reconciler.desired.load import load_catalog
load_catalog(Path("catalog"), parse_cache=DirParseCache(Path(sys.argv[1]), print))
"""


def fill_at_base(repo: Path, cache: str) -> None:
    """Fill ``cache`` from the catalog as committed (the base), at the same paths, as a plan
    on ``main`` leaves it for pull requests; the working tree is put back afterwards."""
    shutil.rmtree(cache, ignore_errors=True)
    products = sorted((repo / "catalog" / "products").iterdir())
    changed = {p: p.read_bytes() for p in products}
    git(repo, "checkout", "--", "catalog")
    try:
        run_measured([sys.executable, "-c", FILL_CACHE, cache], cwd=repo)
    finally:
        for path, data in changed.items():
            path.write_bytes(data)


def measure_pr_plan(repo: Path, cache: str, renamed: list[int], variants: int, repeat: int) -> None:
    """The PR plan command ``repeat`` times, each with the cache filled at the base again;
    each run's figures and their range (wall, CPU incl. the loader's child, peak RSS)."""
    argv = [
        sys.executable,
        "-c",
        PR_PLAN,
        str(Path(__file__).parent),
        ",".join(map(str, renamed)),
        str(variants),
        "--parse-cache",
        cache,
    ]
    runs = []
    for _ in range(repeat):
        fill_at_base(repo, cache)
        wall, cpu, rss, out = run_measured(argv, cwd=repo)
        runs.append((wall, cpu, rss))
        said = [line for line in out.splitlines() if line.startswith(("Plan:", "--changed"))]
        print(
            f"PR plan, the command (shoptet-catalog plan --changed-since HEAD --parse-cache, "
            f"cache filled at the base, an in-process shop holding the changed products): "
            f"wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss / 1e6:.0f} MB  "
            f"[{' '.join(said) or out[-200:]}]  (load average {os.getloadavg()[0]:.1f})"
        )
    if repeat > 1:
        walls, cpus, rsss = zip(*runs, strict=True)
        print(
            f"PR plan, the command, {repeat} runs: wall {min(walls):.2f}-{max(walls):.2f} s, "
            f"CPU {min(cpus):.2f}-{max(cpus):.2f} s, peak RSS {min(rsss) / 1e6:.0f}-"
            f"{max(rsss) / 1e6:.0f} MB"
        )


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--per-file", type=int, default=1_000)
    ap.add_argument("--pr-products", type=int, default=20)
    ap.add_argument("--keep", type=Path, help="write the catalogs here and keep them")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="validate runs (the best is shown) and PR-plan command runs (each is shown)",
    )
    ap.add_argument(
        "--only-pr-plan",
        action="store_true",
        help="measure only the PR plan command (implies --parse-cache), --repeat times",
    )
    ap.add_argument(
        "--parse-cache",
        action="store_true",
        help="also the PR-plan load with plan --parse-cache: cold (filling it), then warm",
    )
    args = ap.parse_args()
    args.parse_cache = args.parse_cache or args.only_pr_plan
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        new, repo = base / "new", base / "repo"
        step = max(1, args.products // args.pr_products)
        renamed = frozenset(range(0, args.products, step)[: args.pr_products])
        if not (new / "products").is_dir():
            t0 = time.perf_counter()
            write_catalog(new, args.products, args.variants, args.per_file, renamed)
            write_catalog(repo / "catalog", args.products, args.variants, args.per_file)
            git(repo, "init", "-q", "-b", "main")
            git(repo, "add", ".")
            git(repo, "-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-qm", "base")
            write_catalog(repo / "catalog", args.products, args.variants, args.per_file, renamed)
            print(f"wrote the catalogs in {time.perf_counter() - t0:.1f} s to {base}")
        size = sum(p.stat().st_size for p in (new / "products").iterdir())
        print(
            f"catalog: {args.products:,} products, {args.products * args.variants:,} variants, "
            f"{args.per_file:,} products a file, {size / 1e6:.1f} MB of YAML"
        )
        cache = str(base / "parse-cache")
        if not args.only_pr_plan:
            exe = str(Path(sys.executable).parent / "shoptet-catalog")
            best: tuple[float, float, int, str] | None = None
            for _ in range(args.repeat):
                got = run_measured([exe, "validate", "--catalog", str(new)])
                best = got if best is None or got[0] < best[0] else best
            assert best is not None
            wall, cpu, rss, out = best
            print(
                f"validate: wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss / 1e6:.0f} MB  "
                f"[{out[-120:]}]  (load average {os.getloadavg()[0]:.1f})"
            )
            _, _, _, out = run_measured([sys.executable, "-c", SPLIT_LOAD, str(new)])
            print(f"validate's load by process (imports excluded): {out}")
            pr_argv = [sys.executable, "-c", PR_LOAD, "catalog"]
            runs: list[tuple[str, list[str]]] = [("", pr_argv)]
            if args.parse_cache:
                runs += [
                    (", parse cache cold", [*pr_argv, cache]),
                    (", parse cache filled at the base, as CI restores main's", [*pr_argv, cache]),
                    (", parse cache warm", [*pr_argv, cache]),
                ]
            for label, argv in runs:
                if "cold" in label:
                    shutil.rmtree(cache, ignore_errors=True)
                if "at the base" in label:
                    fill_at_base(repo, cache)
                wall, cpu, rss, out = run_measured(argv, cwd=repo)
                print(
                    f"PR-plan load (working tree + changed_since{label}): wall {wall:.2f} s, CPU "
                    f"{cpu:.2f} s, peak RSS {rss / 1e6:.0f} MB  [{out}]"
                )
        if args.parse_cache:
            measure_pr_plan(repo, cache, sorted(renamed), args.variants, args.repeat)
        if args.only_pr_plan:
            return
        wall, cpu, rss, out = run_measured([sys.executable, "-c", PLAN_MEMORY, str(new)])
        print(
            f"plan without HTTP (desired loaded + live catalog + diff + renders): wall "
            f"{wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss / 1e6:.0f} MB  [{out}]"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
