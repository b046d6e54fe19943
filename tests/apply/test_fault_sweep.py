"""The single-fault sweep: one fault of each kind at every request index of a reference apply.

The reference plan (the example catalog plus a product tombstone and a variant tombstone
against the demo shop) creates products, adds a variant, updates fields, prices and stock and
deletes, and takes more than 20 requests. For each fault kind (timeout, reset before commit,
reset after commit, 429, 500, 503, 423) and each request index of a clean apply, a fresh shop
gets that one fault and the same plan file is applied, then re-run at most twice. Afterwards:
live equals desired (a fresh plan is empty), no product or variant exists twice, and every
planned stock change appears exactly once in the sandbox's movement log (none applied twice).

The full sweep runs in-process (the sandbox transport raises the same httpx errors a dropped
connection does: a read timeout, a read error for resets); a sample (first, middle and last
index per kind) runs over HTTP against a sandbox server, where the faults are real dropped
connections. ``-m slow`` runs the full sweep over HTTP too.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from reconciler.apply.preflight import ApplyOptions
from reconciler.desired.load import load_catalog
from reconciler.errors import ApiError
from reconciler.model import Catalog, Product, Variant
from reconciler.pipeline import apply_plan
from reconciler.plan.model import Plan
from reconciler.sandbox import Sandbox, SandboxConfig
from tests.apply.support import EXAMPLE_CATALOG, WRITES, demo_state, loaded, plan_of
from tests.support.sandbox_client import sandbox_client, served

KINDS = ("timeout", "reset_before", "reset_after", "429", "500", "503", "423")
TOMBSTONED = "ff8775eb-90cc-58a2-ac74-c29e9f8306ec"  # "Papírové filtry 100 ks", unmanaged
TWO_VARIANTS = "37b171f0-5796-5998-89c2-fcaf36b7c06b"  # 00124-BILA and 00124-CERNA
OPTIONS = ApplyOptions(allow_delete=True, allow_bulk=True)


_TIMES = frozenset({"changeTime", "creationTime", "lastAmountUpdate"})


def canonical(value):
    """Shop content without timestamps: equal after any apply that reached the same state."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items() if k not in _TIMES}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def products_of(sb: Sandbox) -> dict:
    return {p["guid"]: canonical(p) for p in sb.state()["products"]}


@cache
def clean_result() -> dict:
    """The shop's products after a clean (fault-free) apply of the reference plan."""
    desired, text, _ = reference()
    sb = Sandbox(demo_state())
    with sandbox_client(sb) as client:
        assert apply_plan(Plan.from_json(text), client, loaded(desired), options=OPTIONS).ok
    return products_of(sb)


@cache
def write_indices() -> tuple[int, ...]:
    """The request numbers (1-based) of the writes in a clean apply of the reference plan."""
    desired, text, _ = reference()
    sb = Sandbox(demo_state())
    with sandbox_client(sb) as client:
        apply_plan(Plan.from_json(text), client, loaded(desired), options=OPTIONS)
    return tuple(i + 1 for i, e in enumerate(sb.request_log) if e["method"] in WRITES)


@cache
def reference() -> tuple[Catalog, str, int]:
    """The desired catalog, the plan file text, and how many requests a clean apply makes."""
    products = dict(load_catalog(EXAMPLE_CATALOG).catalog.products)
    products[TOMBSTONED] = Product(absent=True)
    two = products[TWO_VARIANTS]
    variants = {**two.variants, "00124-CERNA": Variant(absent=True)}
    products[TWO_VARIANTS] = two.model_copy(update={"variants": variants})
    example = load_catalog(EXAMPLE_CATALOG).catalog
    desired = Catalog(products=products, shop=example.shop, policy=example.policy)
    sb = Sandbox(demo_state())
    plan = plan_of(sb, desired)
    with sandbox_client(sb) as client:
        start = len(sb.request_log)
        result = apply_plan(plan, client, loaded(desired), options=OPTIONS)
        assert result.ok
        requests = len(sb.request_log) - start
    return desired, plan.to_json(), requests


def run_case(kind: str, at: int, url_for=None) -> tuple[int, Sandbox]:
    """Apply the reference plan to a fresh demo shop whose request number ``at`` gets the
    fault ``kind``; re-run the same plan file until it succeeds (at most 3 runs). Returns how
    many runs it took and the shop."""
    desired, text, _ = reference()
    plan = Plan.from_json(text)
    sb = Sandbox(demo_state(), SandboxConfig(timeout_hold=0.01))
    sb.faults.add(kind=kind, at=at)
    server = sb.serve(port=0) if url_for else None
    try:
        url = server.url if server else None
        for run in range(1, 4):
            with sandbox_client(sb, url, read_timeout=5.0) as client:
                try:
                    result = apply_plan(plan, client, loaded(desired), options=OPTIONS)
                except ApiError:
                    continue
                if result.ok:
                    return run, sb
        return 99, sb
    finally:
        if server:
            server.close()


def assert_converged(
    sb: Sandbox, runs: int, kind: str, at: int, *, replan=False, fired=True
) -> None:
    """Live equals desired: the shop holds exactly what a clean apply produces (and, with
    ``replan``, a fresh plan is empty too; the clean result itself is checked that way)."""
    desired, text, _ = reference()
    where = f"fault {kind} at request {at}"
    if fired:
        assert [e["fault"] for e in sb.request_log if e["fault"]] == [kind], f"{where}: not fired"
    assert runs <= 3, f"{where}: not finished after two re-runs"
    if replan:
        assert plan_of(sb, loaded(desired)).is_empty, f"{where}: a new plan is not empty"
    state = sb.state()
    assert {p["guid"]: canonical(p) for p in state["products"]} == clean_result(), where
    guids = [p["guid"] for p in state["products"]]
    assert len(guids) == len(set(guids)) == 32 + 2 - 1, where
    codes = [v["code"] for p in state["products"] for v in p["variants"]]
    assert len(codes) == len(set(codes)), where
    changes = Plan.from_json(text).changes
    # A new product's initial stock travels in its create (stocksLocations), not as a movement.
    created = {c.guid for c in changes if c.resource == "product" and c.action == "create"}
    planned = {
        (c.stock_id, c.code) for c in changes if c.resource == "stock" and c.guid not in created
    }
    moved = Counter((m["stockId"], m["productCode"]) for m in state["movements"])
    assert moved == Counter(planned), f"{where}: stock movements {dict(moved)}"


def test_the_clean_apply_reaches_the_desired_catalog():
    desired, text, _ = reference()
    sb = Sandbox(demo_state())
    with sandbox_client(sb) as client:
        assert apply_plan(Plan.from_json(text), client, loaded(desired), options=OPTIONS).ok
    assert plan_of(sb, loaded(desired)).is_empty
    assert products_of(sb) == clean_result()


def test_the_reference_plan_needs_at_least_20_requests():
    _, text, requests = reference()
    plan = Plan.from_json(text)
    assert requests >= 20
    kinds = {(c.action.value, c.resource.value) for c in plan.changes}
    assert {
        ("create", "product"),
        ("create", "variant"),
        ("update", "product"),
        ("update", "price"),
        ("update", "stock"),
        ("delete", "product"),
        ("delete", "variant"),
    } <= kinds


def _cases(full: bool) -> list[tuple[str, int]]:
    """Full: every kind at every request. Default: every kind at every write request and at
    every fifth read (faults on reads are retried by the client, whose own tests sweep them)."""
    _, _, n = reference()
    writes = set(write_indices())
    indices = range(1, n + 1) if full else sorted(writes | set(range(1, n + 1, 5)))
    return [(kind, at) for kind in KINDS for at in indices]


def _sweep(full: bool) -> int:
    cases = _cases(full)
    runs_needed = Counter()
    for kind, at in cases:
        runs, sb = run_case(kind, at)
        assert_converged(sb, runs, kind, at)
        runs_needed[runs] += 1
    print(f"\nfault sweep (in-process): {len(cases)} cases, runs needed: {dict(runs_needed)}")
    return len(cases)


def test_single_fault_sweep_in_process():
    """Every kind at every write request and every fifth read, in-process."""
    assert _sweep(full=False) >= 7 * len(write_indices())


@pytest.mark.slow
def test_single_fault_full_sweep_in_process():
    """Every kind at every request index, in-process (7 x every request of the apply)."""
    assert _sweep(full=True) >= 7 * 20


@pytest.mark.http
@pytest.mark.parametrize("kind", KINDS)
def test_single_fault_sample_over_http(kind):
    """Each kind once over real HTTP, at a write request (a different one per kind)."""
    writes = write_indices()
    at = writes[KINDS.index(kind) % len(writes)]
    runs, sb = run_case(kind, at, url_for=True)
    assert_converged(sb, runs, kind, at, replan=True)


@pytest.mark.slow
@pytest.mark.http
def test_single_fault_sweep_over_http():
    cases = _cases(full=True)
    runs_needed = Counter()
    for kind, at in cases:
        runs, sb = run_case(kind, at, url_for=True)
        assert_converged(sb, runs, kind, at)
        runs_needed[runs] += 1
    print(f"\nfault sweep (HTTP): {len(cases)} cases, runs needed: {dict(runs_needed)}")


def test_served_helper_closes(tmp_path):
    sb = Sandbox(demo_state())
    with served(sb) as server:
        assert server.url.startswith("http://127.0.0.1:")
