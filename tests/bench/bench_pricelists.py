"""Several-pricelists benchmark (issue 17): a campaign over N variants in two pricelists (an
action price in the default one, a B2B price with a dated action price in "Velkoobchod"),
plan -> apply -> plan, in the in-process sandbox. Not part of the test run.

Run it from the repository root:

    .venv/bin/python tests/bench/bench_pricelists.py                 # 2 x 160 variants
    .venv/bin/python tests/bench/bench_pricelists.py --per-product 500   # Shoptet: 512 at most

It reports, per step, the wall time and the requests by endpoint: what a second pricelist costs
(one GET /api/pricelists and at most one GET /api/customers/groups per plan, one GET
/api/pricelists in apply's preflight, and ceil(N / 300) PATCHes per pricelist).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import tests.apply.test_campaign_flow as flow
from reconciler.desired.load import load_catalog
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import plan_of, write_catalog
from tests.support.sandbox_client import sandbox_client

SALE = {"fromDate": "2026-12-01", "toDate": "2026-12-24"}


def endpoints(sb: Sandbox, since: int) -> Counter:
    """Requests after the first ``since`` log entries, by method and path (ids folded)."""
    out: Counter = Counter()
    for e in sb.request_log[since:]:
        path = re.sub(r"/[0-9a-f-]{36}", "/{guid}", e["path"])
        out[f"{e['method']} {path}"] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-product", type=int, default=160)
    args = parser.parse_args()
    flow.PER_PRODUCT = args.per_product
    state = flow.campaign_state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    state["customerGroups"] = [{"id": 5, "name": "B2B", "defaultPricelistId": 2}]
    sb = Sandbox(state)
    fields = {
        "actionPrice": {"price": "179.00", **SALE},
        "prices": {"Velkoobchod": {"price": "180.00", "actionPrice": {"price": "160.00", **SALE}}},
    }
    products = {
        guid: {"variants": {flow.code(p, i): fields for i in range(args.per_product)}}
        for p, guid in enumerate(flow.GUIDS)
    }
    with tempfile.TemporaryDirectory() as tmp:
        cat = load_catalog(write_catalog(Path(tmp), products))
        print(f"{2 * args.per_product} variants, 2 pricelists")
        plan = None
        for step in ("plan", "apply", "plan again"):
            since, start = len(sb.request_log), time.perf_counter()
            if step == "apply" and plan is not None:
                with sandbox_client(sb) as client:
                    result = apply_plan(plan, client, cat)
                assert result.ok, result.outcomes
            else:
                plan = plan_of(sb, cat)
            took = time.perf_counter() - start
            changes = len(plan.changes) if plan is not None else 0
            print(f"{step}: {took:.2f} s, {changes} changes in the plan")
            for endpoint, n in sorted(endpoints(sb, since).items()):
                print(f"    {n:5d}  {endpoint}")


if __name__ == "__main__":
    main()
