"""The parse cache (``plan --parse-cache``): an entry gives back exactly the tree the YAML
reader gave (values, key order, every position, node counts), and an entry the reader could
not have produced (an attacker's or a damaged one) is refused, never loaded."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli.parse_cache_dir import MAX_ENTRY_BYTES, DirParseCache
from reconciler.desired import yamlload
from reconciler.desired.load import load_catalog
from reconciler.desired.parse_cache import BadEntry, decode, encode, entry_key
from reconciler.desired.yamlload import LMap, LSeq, load_yaml, text_problem
from reconciler.errors import CatalogError
from tests.desired.test_fast_yaml import EDITS, corpus, mutate, seeds

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"


def same_with_sizes(a, b) -> bool:
    """Equal values, key order, every position and node count (a cached mapping is an
    ``LMap`` whose positions are unpacked on use)."""
    if isinstance(a, LMap):
        return (
            isinstance(b, LMap)
            and list(a) == list(b)
            and (a.pos, a.key_pos, a.val_pos, a.sizes) == (b.pos, b.key_pos, b.val_pos, b.sizes)
            and all(same_with_sizes(a[k], b[k]) for k in a)
        )
    if isinstance(a, LSeq):
        return (
            type(b) is LSeq
            and len(a) == len(b)
            and (a.pos, a.item_pos) == (b.pos, b.item_pos)
            and all(map(same_with_sizes, a, b))
        )
    return type(a) is type(b) and a == b


def round_trips(data: bytes) -> None:
    tree, problems = load_yaml("f.yaml", data)
    if problems:
        return
    back = decode(encode(tree))
    assert same_with_sizes(tree, back), (tree, back)


def test_every_corpus_file_round_trips():
    for data in corpus():
        round_trips(data)


def test_merge_keys_and_unusual_text_round_trip():
    round_trips(
        b"x-base: &base {vatRate: '21', note: 'a\\\\b c:\\\\ d'}\n"
        b"products:\n  " + GUID.encode() + b':\n    name: "tab\\there\\r\\n\\\\b"\n'
        b"    variants:\n      A:\n        <<: *base\n        price: 1\n      B: {}\n"
        b"    categories: []\n    text: |\n      \xc4\x8cokol\xc3\xa1da \\u0001\n"
    )


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), edits=EDITS)
def test_mutated_files_round_trip(data, edits):
    round_trips(mutate(data.draw(st.sampled_from(seeds())), edits))


READABLE = st.text(max_size=12).filter(
    lambda t: text_problem(t) is None and unicodedata.is_normalized("NFC", t)
)


@settings(max_examples=300)
@given(keys=st.lists(READABLE, unique=True, max_size=5), values=st.lists(READABLE, max_size=5))
def test_any_text_the_reader_accepts_round_trips(keys, values):
    tree = LMap(zip(keys, values, strict=False))
    tree.pos = (1, 1)
    tree.key_pos = {k: (i + 2, 1) for i, k in enumerate(tree)}
    tree.val_pos = {k: (i + 2, 5) for i, k in enumerate(tree)}
    seq = LSeq(values)
    seq.pos, seq.item_pos = (9, 3), [(10 + i, 3) for i in range(len(values))]
    tree["\x7e"] = seq
    tree.key_pos["\x7e"] = tree.val_pos["\x7e"] = (8, 1)
    assert same_with_sizes(decode(encode(tree)), tree)


def entry(products_value) -> bytes:
    """An entry as the cache writes it, with ``products`` replaced by a crafted value."""
    tree, _ = load_yaml("f.yaml", f"products:\n  {GUID}:\n    name: A\n".encode())
    plain = json.loads(encode(tree))
    plain["products"][GUID]["name"] = products_value
    return json.dumps(plain, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "blob",
    [
        entry(12),  # a number: the reader only ever gives text
        entry(1.5),
        entry(True),
        entry(["a"]),  # a list without its positions
        entry({"a": "b"}),  # a mapping without its positions
        entry("bell\x07"),  # control characters the reader refuses
        entry("back\bspace"),
        entry("form\ffeed"),
        entry("del\x7f"),
        entry("A\u030a"),  # not NFC (the reader normalises)
        entry("x").replace(b'"x"', b'"\\ud800"'),  # a lone surrogate
        entry("x").replace(b'"x"', b'"\\ud83d\\ude00"'),  # escaped pairs are never written
        entry("x").replace(b'"\\u0000m": [1, 1', b'"\\u0000m": [1, -1', 1),  # negative position
        entry("x").replace(b'"\\u0000m": [1, 1', b'"\\u0000m": [1, 1, 1', 1),  # one too many
        entry("x").replace(b'"\\u0000m": [1, 1', b'"\\u0000m": [1, "1"', 1),
        entry("x").replace(b'"\\u0000s": [', b'"\\u0000s": [1, ', 1),  # sizes do not fit
        entry("x")[:-3],  # cut short
        b"\xff\xfe not UTF-8",
        b"12",  # not a document the reader returns
        b'{"\\u0000q": [1, 1], "\\u0000i": [], "extra": "x"}',
        # more values than the reader's node limit lets a file have
        b'{"\\u0000q": [1, 1%s], "\\u0000i": [%s]}'
        % (b", 1, 1" * (yamlload.MAX_NODES + 1), b",".join([b'"a"'] * (yamlload.MAX_NODES + 1))),
    ],
)
def test_an_entry_the_reader_could_not_have_written_is_refused(blob):
    with pytest.raises(BadEntry):
        decode(blob)


def test_the_crafted_entries_differ_only_where_crafted():
    # the refusal cases above start from an entry that is accepted as it is
    assert decode(entry("x"))["products"][GUID]["name"] == "x"


def test_the_key_is_the_bytes_and_the_tool_version():
    assert entry_key(b"a") != entry_key(b"b")
    assert entry_key(b"a") == entry_key(b"a")
    assert len(entry_key(b"a")) == 64


# --- load_catalog with a cache ---------------------------------------------------------------


class MemoryCache:
    """A ``ParseCache`` in a dict, counting what the loader asked for."""

    salt = "test"

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}
        self.hits = 0
        self.bad: list[str] = []

    def get(self, key):
        blob = self.entries.get(key)
        self.hits += blob is not None
        return blob

    def put(self, key, blob):
        self.entries[key] = blob

    def rejected(self, key):
        self.bad.append(key)


ROOT = Path(__file__).resolve().parents[2]


def example(tmp_path) -> Path:
    dest = tmp_path / "catalog"
    shutil.copytree(ROOT / "catalog", dest)
    return dest


def same_load(a, b) -> None:
    assert a.catalog == b.catalog
    assert dict(a.locations.items()) == dict(b.locations.items())
    assert (a.digest, a.file_hashes, a.product_nodes) == (b.digest, b.file_hashes, b.product_nodes)


def test_a_warm_cache_loads_exactly_what_the_yaml_loads(tmp_path):
    catalog = example(tmp_path)
    plain = load_catalog(catalog)
    cache = MemoryCache()
    cold = load_catalog(catalog, parse_cache=cache)
    assert len(cache.entries) == len(plain.files) and cache.hits == 0
    warm = load_catalog(catalog, parse_cache=cache)
    assert cache.hits == len(plain.files) and not cache.bad
    same_load(cold, plain)
    same_load(warm, plain)


def poison(cache: MemoryCache, old: bytes, new: bytes) -> None:
    for key, blob in cache.entries.items():
        if old in blob:
            cache.entries[key] = blob.replace(old, new, 1)
            return
    raise AssertionError(f"{old!r} is in no entry")


def test_a_poisoned_entry_with_an_invalid_value_is_still_refused_by_validation(tmp_path):
    catalog = example(tmp_path)
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    poison(cache, b'"price":"', b'"price":"not a price')  # well-formed: only validation sees it
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog, parse_cache=cache)
    assert "price" in str(info.value) and "not a price" in str(info.value)


def test_a_bad_entry_is_ignored_said_and_rewritten(tmp_path):
    catalog = example(tmp_path)
    plain = load_catalog(catalog)
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    poison(cache, b'"price":"', b'"price":7,"x":"')
    got = load_catalog(catalog, parse_cache=cache)
    assert len(cache.bad) == 1
    same_load(got, plain)
    cache.bad.clear()
    load_catalog(catalog, parse_cache=cache)
    assert not cache.bad  # the entry was rewritten from the YAML


def test_a_file_with_a_problem_is_never_cached_so_its_message_comes_from_the_yaml(tmp_path):
    catalog = example(tmp_path)
    broken = sorted((catalog / "products").rglob("*.yaml"))[0]
    broken.write_text(broken.read_text(encoding="utf-8") + "  oops: [\n", encoding="utf-8")
    cache = MemoryCache()
    for _ in range(2):
        with pytest.raises(CatalogError) as info:
            load_catalog(catalog, parse_cache=cache)
        assert "YAML syntax error" in str(info.value)
    assert len(cache.entries) == len(load_catalog_files(catalog)) - 1


def load_catalog_files(catalog: Path) -> list[Path]:
    return [catalog / "shop.yaml", *sorted((catalog / "products").rglob("*.yaml"))]


# --- the directory (plan --parse-cache DIR) --------------------------------------------------


def test_the_directory_store_round_trips_ignores_links_and_oversized_entries(tmp_path):
    said: list[str] = []
    store = DirParseCache(tmp_path / "pc", said.append)
    assert store.get("a" * 64) is None
    store.put("a" * 64, b"{}")
    assert store.get("a" * 64) == b"{}"
    assert sorted(p.name for p in (tmp_path / "pc").iterdir()) == [".gitignore", "a" * 64 + ".json"]
    (tmp_path / "elsewhere.json").write_bytes(b"{}")
    (tmp_path / "pc" / ("b" * 64 + ".json")).symlink_to(tmp_path / "elsewhere.json")
    assert store.get("b" * 64) is None  # a link is never followed
    (tmp_path / "pc" / ("c" * 64 + ".json")).write_bytes(b" " * (MAX_ENTRY_BYTES + 1))
    assert store.get("c" * 64) is None
    store.rejected("d" * 64)
    assert len(said) == 1 and "parse cache" in said[0] and "ignored" in said[0]


def test_a_directory_that_cannot_be_written_is_said_once_and_loading_goes_on(tmp_path):
    said: list[str] = []
    (tmp_path / "file").write_text("x")
    store = DirParseCache(tmp_path / "file" / "pc", said.append)
    catalog = example(tmp_path)
    same_load(load_catalog(catalog, parse_cache=store), load_catalog(catalog))
    assert len(said) == 1 and "cannot write" in said[0]
