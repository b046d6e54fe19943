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
from reconciler.apply.result import Status
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


# --- an apply that adds images (issue 18) ------------------------------------------------------

IMAGE_GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo
IMAGE_SRCS = ("https://cdn.example.cz/a.jpg", "https://cdn.example.cz/b.png")


def image_state() -> dict:
    state = demo_state()
    product = next(p for p in state["products"] if p["guid"] == IMAGE_GUID)
    product["images"] = [{"name": "7.jpg", "priority": 1, "description": "Staré"}]
    return state


def image_catalog(root):
    from tests.apply.support import write_catalog

    images = [{"name": "7.jpg", "alt": "Nové"}, *({"src": s} for s in IMAGE_SRCS)]
    product = {"images": images, "variants": {"KAV-COL-500": {"image": IMAGE_SRCS[1]}}}
    return write_catalog(root, {IMAGE_GUID: product})


def image_case(kind: str | None, at: int, root) -> tuple[Sandbox, list[str]]:
    """Plan, then apply the image plan to a fresh shop whose request number ``at`` (counted
    from the plan's first request) gets ``kind``, writing the lock after each apply as the CLI
    does; then plan and apply again (at most twice more). Returns the shop and what each round
    ended with."""
    from reconciler.apply.images import ImageWait
    from reconciler.desired.image_lock import LOCK_FILE, render
    from reconciler.errors import CatalogError, StalePlan

    cat = image_catalog(root)
    (cat / LOCK_FILE).unlink(missing_ok=True)
    sb = Sandbox(image_state(), SandboxConfig(timeout_hold=0.01))
    plan = plan_of(sb, load_catalog(cat))
    if kind is not None:
        sb.faults.add(kind=kind, at=at)
    options = ApplyOptions(image_wait=ImageWait(waits=(0,), budget=5))
    rounds: list[str] = []
    for _ in range(3):
        with sandbox_client(sb, read_timeout=5.0) as client:
            try:
                result = apply_plan(plan, client, load_catalog(cat), options=options)
            except (ApiError, StalePlan) as exc:
                rounds.append(type(exc).__name__)
                result = None
        if result is not None and result.image_lock is not None:
            (cat / LOCK_FILE).write_text(render(result.image_lock), encoding="utf-8")
        try:
            plan = plan_of(sb, load_catalog(cat))
        except CatalogError:  # the lost-lock guard: refused rather than added twice
            rounds.append("refused")
            break
        if plan.is_empty:
            rounds.append("converged")
            break
        rounds.append("again")
    return sb, rounds


def gallery_of(sb: Sandbox) -> list[str]:
    product = next(p for p in sb.state()["products"] if p["guid"] == IMAGE_GUID)
    return sorted(i["name"] for i in product["images"])


def assert_no_duplicate_image(sb: Sandbox, rounds: list[str], where: str) -> None:
    gallery = gallery_of(sb)
    assert len(gallery) <= 1 + len(IMAGE_SRCS), f"{where}: {gallery} ({rounds})"
    posts = [e for e in sb.request_log if e["method"] == "POST" and "/images/" in e["path"]]
    if rounds[-1] == "converged":
        assert len(gallery) == 1 + len(IMAGE_SRCS), f"{where}: {gallery}"
    else:  # never pretends: refused by the guard, with nothing duplicated
        assert rounds[-1] == "refused", f"{where}: {rounds}"
    assert posts, where


def image_apply_requests(tmp_path) -> tuple[int, int, int]:
    """(the first request of the apply, its add POST, its last request), numbered like the
    faults (from 1, the plan's requests first) in a clean run."""
    sb, rounds = image_case(None, 0, tmp_path / "clean")
    assert rounds == ["converged"], rounds
    log = sb.request_log
    planned = Sandbox(image_state())
    plan_of(planned, load_catalog(image_catalog(tmp_path / "p")))
    first_apply = len(planned.request_log) + 1
    end_of_apply = next(
        (i for i, e in enumerate(log) if i >= first_apply and e["path"] == "/api/eshop"), len(log)
    )  # the plan after the apply starts with the e-shop read
    post = next(i for i, e in enumerate(log) if e["method"] == "POST" and "/images/" in e["path"])
    return first_apply, post + 1, end_of_apply


def fired(sb: Sandbox, kind: str, where: str) -> None:
    assert [e["fault"] for e in sb.request_log if e["fault"]] == [kind], f"{where}: not fired"


def test_a_lost_answer_to_the_image_add_never_adds_twice(tmp_path):
    """The default run: the add job's POST loses its answer (after the shop queued it) and a
    timeout on it; the apply learns the names from the gallery instead of sending it again."""
    _, post, _ = image_apply_requests(tmp_path)
    # reset_after: the shop queued the job and the answer was lost: the apply learns the names
    # from the gallery. timeout: the request never arrived: the apply does not send it again
    # (it cannot know), reports the images as not added, and the next plan adds them.
    for kind, expected in (("reset_after", ["converged"]), ("timeout", ["again", "converged"])):
        sb, rounds = image_case(kind, post, tmp_path / kind)
        fired(sb, kind, kind)
        assert_no_duplicate_image(sb, rounds, f"{kind} on the add")
        assert rounds == expected, (kind, rounds)
        posts = [
            i
            for i, e in enumerate(sb.request_log)
            if e["method"] == "POST" and "/images/" in e["path"]
        ]
        assert posts[0] == post - 1 and len(posts) == len(expected)  # once per apply


@pytest.mark.slow
def test_image_apply_fault_sweep_never_duplicates_an_image(tmp_path):
    """Every kind at every request of an apply that adds two images by URL, deletes nothing,
    changes an alt text and sets a variant's image: the gallery never holds an image twice,
    and each case ends converged or refused by the lost-lock guard, never pretending."""
    first, _, last = image_apply_requests(tmp_path)
    ends = Counter()
    for kind in (*KINDS, "timeout_after"):  # applied, then the answer times out
        for at in range(first, last + 1):
            sb, rounds = image_case(kind, at, tmp_path / f"{kind}-{at}")
            fired(sb, kind, f"{kind} at {at}")
            assert_no_duplicate_image(sb, rounds, f"{kind} at {at}")
            ends[rounds[-1]] += 1
    print(f"\nimage fault sweep: {sum(ends.values())} cases, ends: {dict(ends)}")


# --- a lost answer to a link list's PUT after a product create (issue 18) ---------------------

LINKED_NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
LINK_TARGETS = {
    "relatedProducts": ["70b1bb6c-3ea5-5822-b934-b29e437a0ad0"],  # Káva Etiopie Yirgacheffe
    "alternativeProducts": ["5c421358-5da0-5a2f-af0c-47b8e35ce00a"],  # Káva Kolumbie Supremo
}


@pytest.mark.parametrize("times", [1, 3], ids=["resent-in-run", "finished-by-a-re-run"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_lost_link_put_after_a_create_is_sent_again_never_a_conflict(kind, times, tmp_path):
    """A new product with both link lists; every kind of fault on the related list's PUT,
    once (the apply re-reads and re-sends it) or three times (the apply gives up on it, and a
    re-run of the same plan file sends only that PUT): the same plan converges, the product is
    created once, and nothing is reported as changed by someone else."""
    from reconciler.desired.load import load_catalog as load
    from reconciler.errors import StalePlan
    from tests.apply.support import write_catalog

    product = {
        "name": "Káva Peru",
        "defaultCategory": "b9e6b7dc-3057-5ac1-9792-f17d839243b8",
        "variants": {"KAV-PER-250": {"price": "239"}},
        **LINK_TARGETS,
    }
    cat = load(write_catalog(tmp_path, {LINKED_NEW: product}))
    sb = Sandbox(demo_state(), SandboxConfig(timeout_hold=0.01))
    plan = Plan.from_json(plan_of(sb, cat).to_json())  # the plan file, as apply reads it
    sb.faults.add(kind=kind, method="PUT", path="*/relatedProducts", times=times)
    outcomes = []
    for _ in range(3):
        with sandbox_client(sb, read_timeout=5.0) as client:
            try:
                result = apply_plan(plan, client, cat)
            except StalePlan as exc:  # the bug: the created product taken for someone else's
                pytest.fail(f"{kind} x{times}: {exc}")
            except ApiError:
                continue
        outcomes.append(
            {
                k: o.message
                for k, o in result.outcomes.items()
                if o.status in (Status.FAILED, Status.SKIPPED)
            }
        )
        if result.ok:
            break
    assert result.ok, outcomes
    assert not any("since the plan" in m for o in outcomes for m in o.values()), outcomes
    assert plan_of(sb, cat).is_empty
    live = next(p for p in sb.state()["products"] if p["guid"] == LINKED_NEW)
    assert {k: live[k] for k in LINK_TARGETS} == LINK_TARGETS
    posts = [e for e in sb.request_log if (e["method"], e["path"]) == ("POST", "/api/products")]
    assert len(posts) == 1
    fired = sum(1 for e in sb.request_log if e["fault"])
    # reset_after: the shop took the first PUT and the re-read confirms it; nothing is resent
    assert fired == (1 if kind == "reset_after" else times)
    if times == 3 and kind in ("timeout", "reset_before", "500"):  # the client retries the rest
        assert len(outcomes) == 2, outcomes  # the first apply gave up; the re-run finished


def test_a_created_product_whose_links_someone_else_set_is_still_a_conflict(tmp_path):
    """Only an empty list (what the create leaves) is taken as a lost PUT: a list someone
    else filled since is a conflict, and the same plan file writes nothing."""
    from reconciler.desired.load import load_catalog as load
    from reconciler.errors import StalePlan
    from tests.apply.support import write_catalog, write_requests

    product = {
        "name": "Káva Peru",
        "defaultCategory": "b9e6b7dc-3057-5ac1-9792-f17d839243b8",
        "variants": {"KAV-PER-250": {"price": "239"}},
        **LINK_TARGETS,
    }
    cat = load(write_catalog(tmp_path, {LINKED_NEW: product}))
    sb = Sandbox(demo_state())
    plan = Plan.from_json(plan_of(sb, cat).to_json())
    with sandbox_client(sb) as client:
        assert apply_plan(plan, client, cat).ok
        other = [{"guid": "693b24f4-fa81-5f3e-9d7f-6419a06506d5"}]  # Káva Brazílie Santos
        client.put_product_links(LINKED_NEW, "relatedProducts", {"relatedProducts": other})
        before = len(sb.request_log)
        with pytest.raises(StalePlan, match="relatedProducts"):
            apply_plan(plan, client, cat)
    assert write_requests(sb, before) == []
