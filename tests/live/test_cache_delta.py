"""The cache's delta file (issue 16): a warm read writes only the products it changed, against
the base file it loaded. A speed change, not a behaviour change: on random caches and random
changes, base + delta loads to exactly what a full write of the same cache loads to; a delta
for another base is left aside, a damaged one makes the cache unusable, a large one is folded
into a new base."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.live import cache_file as C
from reconciler.model import Product, Variant
from tests.live.test_cache import _rewrite_body
from tests.live.test_cache_codec import DETAILS, INCLUDES, PRODUCTS, looks

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _cache(details: dict, names: dict | None = None) -> C.LiveCache:
    names = names if names is not None else {g: f"name {g[:4]}" for g in details}
    return C.LiveCache(
        eshop_id=1,
        pricelist_id=1,
        default_pricelist_id=1,
        stocks=[1, 2],
        read_at=T0,
        names=names,
        details=dict(details),
    )


def _same(a: C.LiveCache, b: C.LiveCache, ordered: bool = True) -> None:
    """Same cache; ``ordered``: the names in the same order too (a write sorts them)."""
    assert (a.eshop_id, a.pricelist_id, a.default_pricelist_id, a.stocks, a.read_at) == (
        b.eshop_id,
        b.pricelist_id,
        b.default_pricelist_id,
        b.stocks,
        b.read_at,
    )
    assert list(a.names.items()) == list(b.names.items()) if ordered else a.names == b.names
    assert looks(dict(sorted(a.details.items()))) == looks(dict(sorted(b.details.items())))


def _load(path: Path) -> C.LiveCache:
    cache, why = C.load_cache(path)
    assert cache is not None, why
    return cache


CHANGES = st.tuples(
    st.lists(st.integers(0, 7), max_size=4),  # products dropped (by position)
    st.lists(st.tuples(st.integers(0, 7), INCLUDES, PRODUCTS), max_size=4),  # replaced
    st.dictionaries(st.uuids().map(str), st.tuples(INCLUDES, PRODUCTS), max_size=3),  # new
    st.lists(st.integers(0, 7), max_size=3),  # renamed in the list only
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=DETAILS, rounds=st.lists(CHANGES, min_size=1, max_size=3), share=st.sampled_from([1, 4])
)
def test_base_and_deltas_load_as_a_full_write_does(tmp_path_factory, base, rounds, share):
    cache_dir, full_dir = tmp_path_factory.mktemp("delta"), tmp_path_factory.mktemp("full")
    C.save_cache(cache_dir, _cache(base))
    for k, (dropped, replaced, new, renamed) in enumerate(rounds, 1):
        cache = _load(cache_dir)
        guids = sorted(cache.details)
        touched = set()
        for i in dropped:
            if guids:
                guid = guids[i % len(guids)]
                cache.details.pop(guid, None)
                cache.names.pop(guid, None)
        for i, include, product in replaced:
            if guids and guids[i % len(guids)] in cache.details:
                cache.details[guids[i % len(guids)]] = (include, product)
                touched.add(guids[i % len(guids)])
        for guid, pair in new.items():
            cache.details[guid], cache.names[guid] = pair, f"new {k}"
            touched.add(guid)
        for i in renamed:
            if guids:
                cache.names[guids[i % len(guids)]] = f"renamed {k}"
        cache.read_at = T0 + timedelta(hours=k)
        expected = copy.deepcopy(cache)
        original = C.DELTA_SHARE
        C.DELTA_SHARE = share  # 1: a delta whenever possible; 4: as shipped
        try:
            C.save_cache(cache_dir, cache, touched)
        finally:
            C.DELTA_SHARE = original
        C.save_cache(full_dir, copy.deepcopy(expected))
        _same(_load(cache_dir), expected, ordered=False)
        _same(_load(cache_dir), _load(full_dir))
        header = C.peek_cache(cache_dir)
        assert header is not None and header.read_at == cache.read_at


def _products(n: int) -> dict:
    return {
        f"00000000-0000-0000-0000-{i:012d}": (
            ("perStockAmounts",),
            Product.model_construct(
                name=f"P{i}", variants={f"V{i}": Variant.model_construct(stock={1: i})}
            ),
        )
        for i in range(n)
    }


@pytest.fixture
def loaded(tmp_path):
    C.save_cache(tmp_path, _cache(_products(20)))
    return tmp_path, _load(tmp_path)


def _one_changed(cache: C.LiveCache) -> str:
    guid = sorted(cache.details)[3]
    _, product = cache.details[guid]
    product.variants[f"V{3}"].stock[1] = 99  # as a supply row moves it, in place
    cache.read_at = T0 + timedelta(hours=1)
    return guid


def test_a_few_changes_write_only_a_delta(loaded):
    cache_dir, cache = loaded
    base_bytes = (cache_dir / C.CACHE_FILE).read_bytes()
    guid = _one_changed(cache)
    assert C.save_cache(cache_dir, cache, {guid}) == cache_dir / C.DELTA_FILE
    assert (cache_dir / C.CACHE_FILE).read_bytes() == base_bytes
    again = _load(cache_dir)
    assert again.details[guid][1].variants["V3"].stock == {1: 99}
    assert again.read_at == T0 + timedelta(hours=1)
    assert again.in_delta == {guid}
    # the next save keeps the delta's products in the delta
    again.read_at = T0 + timedelta(hours=2)
    C.save_cache(cache_dir, again, set())
    assert _load(cache_dir).details[guid][1].variants["V3"].stock == {1: 99}


def test_many_changes_fold_the_delta_into_a_new_base(loaded):
    cache_dir, cache = loaded
    _one_changed(cache)
    touched = set(sorted(cache.details)[: len(cache.details) // C.DELTA_SHARE + 1])
    assert C.save_cache(cache_dir, cache, touched) == cache_dir / C.CACHE_FILE
    assert not (cache_dir / C.DELTA_FILE).exists()
    assert _load(cache_dir).read_at == T0 + timedelta(hours=1)


def test_a_delta_for_another_base_is_left_aside(loaded):
    """A crash between writing a new base and removing the delta leaves the new base whole."""
    cache_dir, cache = loaded
    guid = _one_changed(cache)
    C.save_cache(cache_dir, cache, {guid})
    delta = (cache_dir / C.DELTA_FILE).read_bytes()
    newer = _cache(_products(5))
    newer.read_at = T0 + timedelta(hours=3)
    C.save_cache(cache_dir, newer)
    (cache_dir / C.DELTA_FILE).write_bytes(delta)
    _same(_load(cache_dir), newer, ordered=False)
    assert C.peek_cache(cache_dir).read_at == newer.read_at


def _rewrite_delta(cache_dir: Path, change) -> None:
    _rewrite_body(cache_dir, change, C.DELTA_FILE)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda path: path.write_bytes(b"not gzip"), "delta file is damaged (BadGzipFile)"),
        (
            lambda path: path.write_bytes(path.read_bytes()[:-20]),
            "delta file is damaged",
        ),
        (
            lambda path: _rewrite_delta(path.parent, lambda doc: doc["gone"].append("x")),
            "a product gone is not in the base",
        ),
        (
            lambda path: _rewrite_delta(path.parent, lambda doc: doc.update(gone="x")),
            "delta file is damaged (malformed: the products gone are not a list of GUIDs)",
        ),
        (
            lambda path: _rewrite_delta(path.parent, lambda doc: doc.update(readAt="x")),
            "delta file is damaged (its header does not match its body)",
        ),
        (
            lambda path: _rewrite_delta(path.parent, lambda doc: doc["products"].append([99])),
            "delta file is damaged (malformed: a block is not",
        ),
    ],
)
def test_a_damaged_delta_makes_the_cache_unusable(loaded, damage, reason):
    cache_dir, cache = loaded
    guid = _one_changed(cache)
    C.save_cache(cache_dir, cache, {guid})
    damage(cache_dir / C.DELTA_FILE)
    found, why = C.load_cache(cache_dir)
    assert found is None and reason in why


def test_a_delta_without_a_readable_header_starts_no_early_read(loaded):
    cache_dir, cache = loaded
    C.save_cache(cache_dir, cache, {_one_changed(cache)})
    (cache_dir / C.DELTA_FILE).write_bytes(b"not gzip")
    assert C.peek_cache(cache_dir) is None
