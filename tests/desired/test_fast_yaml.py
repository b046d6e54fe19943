"""The libyaml fast path of the YAML loader against the exact (ruamel) path.

The fast path may only *accept*: whatever it returns must be exactly what the exact path
returns for the same text (values, every position, no problems); everything else it leaves to
the exact path. These tests compare the two on the example catalog, the bad corpus, hand-picked
YAML 1.1/1.2 differences and hypothesis-mutated files, and check the fast path is really taken
for the plain files ``import`` writes (else the speed-up could vanish unnoticed).
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired import yamlload
from reconciler.desired.yamlload import LMap, LSeq, load_yaml

ROOT = Path(__file__).resolve().parents[2]
GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"


def same(a, b) -> bool:
    """Equal values, types and every recorded position, recursively."""
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, LMap):
        return (
            a.pos == b.pos
            and a.key_pos == b.key_pos
            and a.val_pos == b.val_pos
            and list(a) == list(b)
            and all(same(a[k], b[k]) for k in a)
        )
    if isinstance(a, LSeq):
        return a.pos == b.pos and a.item_pos == b.item_pos and all(map(same, a, b))
    return True


def check_agrees(data: bytes) -> bool:
    """Assert load_yaml (fast path allowed) equals the exact path; True if the fast path
    decided the file itself."""
    got, problems = load_yaml("f.yaml", data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if len(data) > yamlload.MAX_FILE_BYTES:
        return False
    exact, exact_problems = yamlload._exact_load("f.yaml", text)
    assert problems == exact_problems
    assert same(got, exact), (got, exact)
    return yamlload._fast_load(text) is not yamlload._UNDECIDED


def corpus() -> list[bytes]:
    files = sorted((ROOT / "catalog").rglob("*.yaml"))
    files += sorted((ROOT / "tests" / "desired" / "bad").rglob("*.yaml"))
    return [f.read_bytes() for f in files]


def test_every_corpus_file_loads_the_same_and_the_examples_take_the_fast_path():
    fast = [check_agrees(data) for data in corpus()]
    assert len(fast) > 100
    examples = sorted((ROOT / "catalog" / "products").glob("*.yaml"))
    assert all(yamlload._fast_load(p.read_text()) is not yamlload._UNDECIDED for p in examples)


TRICKY = [
    "a: 1\nb: 2\n",
    "a: [1, 2, {b: c}]\n",
    "a: {b: [1, 2], c: ''}\n",
    "a: |\n  x\n   y\n",
    "a: >-\n  x\n  y\n\n  z\n",
    'a: "x\\/y\\ty\\u00e9\\x41"\n',
    "a: 'it''s'\n",
    "a:\n- 1\n- 2\n",
    "a:\n  - b: 1\n    c: 2\n  -\n  - ~\n",
    "? a\n: b\n",
    "a: b\n  c\n",
    "a: b # comment\n# c\n",
    "- a\n- b\n",
    "plain text\n",
    "",
    "# only a comment\n",
    "---\na: 1\n...\n",
    "---\na: 1\n---\nb: 2\n",
    "%YAML 1.2\n---\na: 1\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: !custom 1\n",
    "<<: {a: 1}\n",
    "a: 1\na: 2\n",
    "~: 1\n",
    "'': 1\n",
    "null: 1\n",
    "[a, b]: 1\n",
    "{a: 1}: 2\n",
    "a: x\u2028y\n",
    "a: x\x85y\n",
    "a: x\u2029y\n",
    "a: \"\\u2028\"\n",
    "a: \"\\N\\_\\L\\P\"\n",
    "a: \"\\0\"\n",
    "a: \"\\ud83d\\ude00\"\n",
    "a: \"\\ud800\"\n",
    "a: C\u030cokola\u0301da\n",
    "a: [a:b, c]\n",
    "a: {b:c}\n",
    "a: {b: c, d}\n",
    "a: [b: c]\n",
    "a:\tb\n",
    "a: b\t\n",
    "a:\n\t- b\n",
    "a: 'x\n  y'\n",
    "a: \"x\n\n  y\"\n",
    "a: - b\n",
    "a: b: c\n",
    "a:\n  b: 1\n c: 2\n",
    "a: [1, 2\n",
    "a: @b\n",
    "a: `b\n",
    "a: %b\n",
    "a: b%\n",
    "a: x #y\n",
    "a: x#y\n",
    "-1: x\n",
    "a: 0x1F\n",
    "? |\n  block key\n: v\n",
    "a: !!binary aGk=\n",
    "a: ! x\n",
    "\ufeffa: 1\n",
    "a: 1\r\nb: 2\r\n",
    "a: 1\rb: 2\r",
    "a: {? b}\n",
    "a: [? b : c]\n",
    "a:\n- - - x\n",
    "key with spaces: v\n",
    "a:    \n",
    "'a\nb': c\n",
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_yaml_loads_the_same(text):
    check_agrees(text.encode("utf-8", "surrogatepass"))


def test_the_fast_path_is_taken_for_plain_files_and_not_for_special_ones():
    plain = f"products:\n  {GUID}:\n    name: x\n    variants:\n      A: {{price: 1.50}}\n"
    assert check_agrees(plain.encode())
    for special in (
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "<<: {a: 1}\n",
        "a: 1\na: 2\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: x\u2028y\n",
        'a: "\\0"\n',
        "a:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 45)),
    ):
        assert not check_agrees(special.encode()), special


def test_without_libyaml_every_file_takes_the_exact_path(monkeypatch):
    monkeypatch.setattr(yamlload, "_CParser", None)
    doc, problems = load_yaml("f.yaml", b"a: [1, 2]\n")
    assert problems == [] and doc == {"a": ["1", "2"]} and doc["a"].item_pos == [(1, 5), (1, 8)]


def seeds() -> list[bytes]:
    out = [data for data in corpus() if len(data) < 6000]
    out.append(
        f"products:\n  {GUID}:\n    name: Čokoláda\n    variants:\n      A: {{price: 1.50, "
        "stock: {1: 2}, visible: true, ean: '00123'}\n      B:\n        weight: 0.250\n"
        "        parameters: [x, 'y', \"z\"]\n".encode()
    )
    return out


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["set", "insert", "delete"]),
        st.floats(0, 1),
        st.one_of(
            st.binary(min_size=1, max_size=3),
            st.sampled_from([b":", b" ", b"\n", b"-", b"'", b'"', b"\t", b"#", b"[", b"{", b"?"]),
        ),
    ),
    min_size=1,
    max_size=6,
)


def mutate(original: bytes, edits) -> bytes:
    buf = bytearray(original)
    for op, where, chunk in edits:
        i = int(where * len(buf))
        if op == "set" and buf:
            buf[min(i, len(buf) - 1)] = chunk[0]
        elif op == "insert":
            buf[i:i] = chunk
        elif buf:
            del buf[i : i + len(chunk)]
    return bytes(buf)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), edits=EDITS)
def test_mutated_files_load_the_same(data, edits):
    check_agrees(mutate(data.draw(st.sampled_from(seeds())), edits))


@pytest.mark.slow
@pytest.mark.timeout(900)  # 20,000 examples take ~285 s alone: the default 300 s left no margin
@settings(max_examples=20_000, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), edits=EDITS)
def test_mutated_files_load_the_same_long_run(data, edits):
    check_agrees(mutate(data.draw(st.sampled_from(seeds())), edits))


@pytest.mark.parametrize("exact", [True, False])
def test_a_folded_block_scalar_is_its_folded_text_on_both_paths(monkeypatch, exact):
    # ruamel's round-trip scanner marks folds with BEL; it used to be reported as a control
    # character the user never wrote.
    if exact:
        monkeypatch.setenv("SHOPTET_YAML_EXACT", "1")
    doc, problems = load_yaml("f.yaml", b"a: >-\n  x\n  y\n\n  z\nb: >\n  p\n  q\n")
    assert problems == [] and doc == {"a": "x y\nz", "b": "p q\n"}


def test_repeated_keys_and_decimals_are_shared_not_copied(tmp_path, monkeypatch):
    """Memory at 100,000 products: one str per distinct key and one Decimal per spelling."""
    from reconciler.desired import values
    from reconciler.desired.load import load_catalog

    (tmp_path / "products").mkdir()
    body = "".join(
        f"  {GUID[:-2]}{i:02x}:\n    variants:\n      A{i}: {{price: 21.00, vatRate: 21.00}}\n"
        for i in range(3)
    )
    (tmp_path / "products" / "p.yaml").write_text("products:\n" + body)
    products = list(load_catalog(tmp_path).catalog.products.values())
    variants = [next(iter(p.variants.values())) for p in products]
    assert len({id(v.price) for v in variants} | {id(v.vatRate) for v in variants}) == 1
    doc, _ = load_yaml("f.yaml", ("a:\n" + "  - {price: 1}\n" * 3).encode())
    assert len({id(next(iter(m))) for m in doc["a"]}) == 1
    monkeypatch.setattr(values, "_DECIMAL_MEMO", {})
    monkeypatch.setattr(values, "_DECIMAL_MEMO_MAX", 2)
    for text in ("1.0", "2.0", "3.0", "3.0"):
        assert str(values.parse_decimal(text, places=2)) == text
    assert list(values._DECIMAL_MEMO) == ["1.0", "2.0"]
