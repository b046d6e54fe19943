"""DESIGN §10: normalize + diff + render for 10,000 products / 50,000 variants under 5 s and
500 MB. Slow (building the models alone takes seconds): run with `-m slow`."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from reconciler.model import Catalog, Product, Variant
from reconciler.plan.diff import PlanContext, diff
from reconciler.render.formats import render_json, render_markdown, render_text

CAT = "0f2b1c3d-0000-4000-8000-000000000001"


def _catalogs(n_products: int):
    desired, live = {}, {}
    for n in range(n_products):
        guid = f"00000000-0000-4000-8000-{n:012d}"
        dv, lv = {}, {}
        for k in range(5):
            code = f"P{n}-{k}"
            dv[code] = Variant(ean=f"{n}{k}", price="10.5", vatRate="21", stock=str(k))
            lv[code] = Variant(
                ean=f"{n}{k}",
                price="10.50" if n % 10 else "11.00",  # 10% of products drift
                vatRate="21.00",
                includingVat=True,
                stock={1: f"{k}.000", 2: "0.000"},
                visible=True,
                availability=-1,
                weight="0.500",
                negativeStockAllowed=False,
            )
        desired[guid] = Product(
            name=f"Produkt {n}",
            visibility="visible",
            defaultCategory=CAT,
            categories=[CAT],
            description="<p>x</p>\n",
            variants=dv,
        )
        live[guid] = Product(
            name=f"Produkt {n}",
            visibility="visible",
            defaultCategory=CAT,
            categories=[CAT],
            description="<p>x</p>",
            shortDescription="",
            type="product",
            variants=lv,
        )
    return Catalog(products=desired), Catalog(products=live)


@pytest.mark.slow
def test_pure_work_for_10000_products_is_fast_and_small():
    desired, live = _catalogs(10_000)
    start = time.process_time()
    plan = diff(desired, live, context=PlanContext("a" * 64))
    render_text(plan)
    render_markdown(plan)
    render_json(plan)
    cpu = time.process_time() - start
    assert len(plan.changes) == 5_000
    assert cpu < 5.0, f"normalize + diff + render took {cpu:.2f} s of CPU"
    tracemalloc.start()
    try:
        render_json(diff(desired, live, context=PlanContext("a" * 64)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 500 * 2**20
