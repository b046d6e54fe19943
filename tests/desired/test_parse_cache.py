"""The parse cache (``plan --parse-cache``): an entry gives back exactly the tree the YAML
reader gave (values, key order, every position, node counts), and an entry the reader could
not have produced (an attacker's or a damaged one) is refused, never loaded."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired.parse_cache import BadEntry, decode, encode, entry_key
from reconciler.desired.yamlload import LMap, LSeq, load_yaml, text_problem
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


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
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
