"""Correctness is not traded for speed: random sequences of shop changes (edits, deletes,
creates, stock moves, price changes, variants added and removed) go through the sandbox
between runs; the cached plan always equals a cold plan of the same moment, and a scoped plan
always equals the cold plan restricted to its scope (with and without ``policy.prune``)."""

from __future__ import annotations

import contextlib
import json
import tempfile
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import example as also_try
from hypothesis import strategies as st

from reconciler import errors as E
from tests.live.cache_support import (
    Clock,
    cached_plan,
    cold_plan,
    example,
    sandbox,
    scoped_plan,
)
from tests.support.sandbox_client import sandbox_client

EXAMPLE = example()

OPS = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 999), st.integers(0, 99)),
    st.tuples(st.just("delete"), st.integers(0, 999)),
    st.tuples(st.just("create"), st.integers(0, 999)),
    st.tuples(
        st.just("stock"),
        st.integers(0, 999),
        st.integers(0, 9),
        st.sampled_from([1, 2]),
        st.integers(-3, 60),
    ),
    st.tuples(st.just("price"), st.integers(0, 999), st.integers(0, 9), st.integers(1, 999)),
    st.tuples(st.just("add-variant"), st.integers(0, 999)),
    st.tuples(st.just("drop-variant"), st.integers(0, 999), st.integers(0, 9)),
)
ROUNDS = st.lists(
    st.tuples(st.lists(OPS, max_size=6), st.integers(0, 240), st.integers(0, 2**32)),
    min_size=1,
    max_size=4,
)


class Shop:
    """Applies the drawn operations to the sandbox through a writing client."""

    def __init__(self, sb, loaded):
        self.sb, self.loaded = sb, loaded
        self.used = {p["guid"] for p in sb.state()["products"]}
        self.pool = [g for g in sorted(loaded.catalog.products) if g not in self.used]
        self.serial = 0

    def products(self):
        return sorted(self.sb.state()["products"], key=lambda p: p["guid"])

    def apply(self, op) -> None:
        kind, *args = op
        live = self.products()
        # suppress: e.g. a product used in a set; Shoptet refuses and nothing changes
        with (
            sandbox_client(self.sb) as w,
            contextlib.suppress(E.Conflict, E.ValidationFailed),
        ):
            self._one(w, kind, args, live)

    def _one(self, w, kind, args, live) -> None:
        if kind == "create":
            self.serial += 1
            guid = self.pool.pop(0) if self.pool else str(uuid.UUID(int=0xFEED0000 + self.serial))
            if guid in self.used:  # never re-create a deleted GUID
                return
            self.used.add(guid)
            w.create_product(
                {
                    "guid": guid,
                    "name": f"Created {self.serial}",
                    "defaultCategoryGuid": self.sb.state()["categories"][0]["guid"],
                    # with a parameter (issue 14): the GUID may be one the catalog creates with
                    # its own variants, and each needs a unique combination
                    "variants": [{"code": f"NEW-{self.serial}", "parameters": GROUND}],
                }
            )
            return
        if not live:
            return
        product = live[args[0] % len(live)]
        variants = product["variants"]
        if kind == "edit":
            w.patch_product(product["guid"], {"name": f"Edited {args[1]}"})
        elif kind == "delete":
            w.delete_product(product["guid"])
        elif kind == "stock":
            code = variants[args[1] % len(variants)]["code"]
            w.patch_stock_movements(args[2], [{"productCode": code, "realStock": args[3]}])
        elif kind == "price":
            code = variants[args[1] % len(variants)]["code"]
            w.patch_pricelist(1, [{"code": code, "price": {"price": f"{args[2]}.00"}}])
        elif kind == "add-variant":
            self.serial += 1
            item = {"code": f"ADD-{self.serial}", "parameters": COARSE}
            w.patch_product(product["guid"], {"variants": [item]})
        elif kind == "drop-variant" and len(variants) > 1:
            w.delete_variant(variants[args[1] % len(variants)]["code"])


GROUND = [{"nameIndex": "mleti", "valueIndex": "zrno"}]
COARSE = [{"nameIndex": "mleti", "valueIndex": "hrube"}]


def _changes(plan, scope=None):
    changes = json.loads(plan.to_json())["changes"]
    return [c for c in changes if scope is None or c["guid"] in scope]


def _registry(plan):
    """Variant-parameter registry additions (no product GUID; issue 14)."""
    return [c for c in json.loads(plan.to_json())["changes"] if c["guid"] == ""]


MINT = 7  # Čaj Máta peprná's place among the demo shop's products (sorted by GUID)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds=ROUNDS, prune=st.booleans())
# Found by this property once: the mint tea gains a variant with parameters, then loses the
# variant the catalog states (without parameters), so re-creating it breaks Shoptet's rule.
@also_try(rounds=[([("add-variant", MINT), ("drop-variant", MINT, 0)], 1, 0)], prune=False)
def test_cached_and_scoped_plans_equal_the_cold_plan(rounds, prune):
    catalog = EXAMPLE.catalog.model_copy(
        update={"policy": EXAMPLE.catalog.policy.model_copy(update={"prune": prune})}
    )
    loaded = type(EXAMPLE)(catalog=catalog, locations=EXAMPLE.locations, digest=EXAMPLE.digest)
    clock = Clock()
    sb = sandbox(clock)
    shop = Shop(sb, loaded)
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        cached_plan(sb, loaded, cache_dir, clock)  # the first read fills the cache
        for ops, minutes, pick in rounds:
            for op in ops:
                shop.apply(op)
            clock.advance(minutes=minutes)
            try:
                cold, _ = cold_plan(sb, loaded)
            except E.CatalogError as refused:
                # The shop moved so that the catalog would break Shoptet's variant-parameter
                # rule (e.g. a variant it states was deleted from a product that gained another
                # with parameters): plan refuses with located errors, and so must the cached plan.
                try:
                    cached_plan(sb, loaded, cache_dir, clock)
                except E.CatalogError as also:
                    assert also.problems == refused.problems
                else:
                    raise AssertionError("the cold plan was refused, the cached one was not")
                continue
            warm, _ = cached_plan(sb, loaded, cache_dir, clock)
            assert warm.to_json() == cold.to_json()

            candidates = sorted(set(loaded.catalog.products) | {p["guid"] for p in shop.products()})
            scope = {g for i, g in enumerate(candidates) if (pick >> (i % 32)) & 1}
            scoped = scoped_plan(sb, loaded, scope)
            # registry additions come from the products in scope: a subset of the cold plan's
            assert _changes(scoped, scope) == _changes(cold, scope)
            assert all(c in _registry(cold) for c in _registry(scoped))
