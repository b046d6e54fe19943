"""Property tests: the loader never silently coerces codes, EANs or decimals, and never crashes."""

import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.desired.load import load_catalog
from reconciler.desired.yamlload import NULLS
from reconciler.errors import CatalogError, Problem
from reconciler.model import Product

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefxyz0123456789_/ .-"
EAN_CHARS = "0123456789eExXoOnN.:+-_ "
TRICKY = [
    "00123",
    "1e5",
    "1E5",
    "NO",
    "no",
    "YES",
    "on",
    "12:30",
    "0x1F",
    "0o17",
    "1_000",
    ".5",
    "5.",
    "+5",
    "-0",
    "0012345678905",
    "true",
    "False",
    "~",
    "null",
    ".inf",
    ".NaN",
    "2001-12-14",
    "1:20:30",
    "0b101",
    "007.50",
    "1.",
    "8594001234567",
]

text_in = lambda chars: st.one_of(  # noqa: E731
    st.sampled_from(TRICKY), st.text(alphabet=chars, min_size=1, max_size=20)
)
style = st.sampled_from(["plain", "single", "double"])


def write(text: str, how: str) -> str:
    if how == "single":
        return "'" + text.replace("'", "''") + "'"
    if how == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def plain_ok(text: str) -> bool:
    """Text a person could write plain without YAML syntax changing its meaning."""
    return (
        text == text.strip()
        and " #" not in text
        and ": " not in text
        and not text.endswith(":")
        and not text.startswith(("- ", "-\t", "? ", "#", "&", "*", "!", "|", ">", "%", "@", "`"))
        and text not in ("-", "?")
    )


def load_one(tmp: Path, body: str):
    cat = tmp / "catalog"
    (cat / "products").mkdir(parents=True, exist_ok=True)
    (cat / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    variants:\n{body}", encoding="utf-8"
    )
    return load_catalog(cat)


def located(err: CatalogError) -> None:
    assert err.problems
    for p in err.problems:
        assert isinstance(p, Problem) and p.line >= 1 and p.column >= 1 and p.message
        assert p.file.endswith("p.yaml")


settings_fs = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_fs
@given(code=text_in(CODE_CHARS), code_style=style, ean=text_in(EAN_CHARS), ean_style=style)
def test_codes_and_eans_load_as_written_or_fail_located(tmp_path, code, code_style, ean, ean_style):
    assume(code_style != "plain" or plain_ok(code))
    assume(ean_style != "plain" or plain_ok(ean))
    body = f"      {write(code, code_style)}:\n        ean: {write(ean, ean_style)}\n"
    try:
        loaded = load_one(tmp_path, body)
    except CatalogError as err:
        located(err)
        return
    variants = loaded.catalog.products[GUID].variants
    assert list(variants) == [code]
    if ean_style == "plain" and ean in NULLS:
        assert variants[code].ean is None  # YAML's null spellings, documented
    else:
        assert variants[code].ean == ean


decimal_text = st.one_of(
    st.sampled_from(TRICKY),
    st.from_regex(r"\A-?[0-9]{1,8}(\.[0-9]{0,4})?\Z"),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
)


@settings_fs
@given(price=decimal_text, price_style=style, stock=decimal_text, stock_style=style)
def test_decimals_keep_exact_digits_or_fail_located(
    tmp_path, price, price_style, stock, stock_style
):
    assume(price_style != "plain" or plain_ok(price))
    assume(stock_style != "plain" or plain_ok(stock))
    body = (
        f"      A:\n        price: {write(price, price_style)}\n"
        f"        stock: {{1: {write(stock, stock_style)}}}\n"
    )
    try:
        loaded = load_one(tmp_path, body)
    except CatalogError as err:
        located(err)
        return
    v = loaded.catalog.products[GUID].variants["A"]
    assert v.price.as_tuple() == Decimal(price).as_tuple()
    assert v.stock[1].as_tuple() == Decimal(stock).as_tuple()


EXAMPLE = Path(__file__).parents[2] / "catalog"
BASIC = (Path(__file__).parent / "test_load_basic.py").read_text(encoding="utf-8")


def seeds() -> list[bytes]:
    files = sorted(EXAMPLE.rglob("*.yaml")) if EXAMPLE.is_dir() else []
    out = [p.read_bytes() for p in files]
    out.append(
        f"products:\n  {GUID}:\n    name: Čokoláda\n    variants:\n      A: {{price: 1.50, "
        "stock: {1: 2}, visible: true, ean: '00123'}\n      B: &b {weight: 0.250}\n"
        "      C: *b\n".encode()
    )
    return out


@settings_fs
@given(
    data=st.data(),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["set", "insert", "delete"]),
            st.floats(0, 1),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_files_fail_only_with_located_errors_and_quickly(tmp_path, data, edits):
    original = data.draw(st.sampled_from(seeds()))
    buf = bytearray(original)
    for op, where, chunk in edits:
        i = int(where * len(buf))
        if op == "set" and buf:
            buf[min(i, len(buf) - 1)] = chunk[0]
        elif op == "insert":
            buf[i:i] = chunk
        elif buf:
            del buf[i : i + len(chunk)]
    cat = tmp_path / "catalog"
    (cat / "products").mkdir(parents=True, exist_ok=True)
    (cat / "products" / "p.yaml").write_bytes(bytes(buf))
    start = time.process_time()  # CPU, not wall: a busy machine must not fail it
    try:
        load_catalog(cat)
    except CatalogError as err:
        located(err)
    assert time.process_time() - start < 1.0


def test_nfc_and_nfd_spellings_load_equal(tmp_path):
    nfc, nfd = "Čokoláda", "C\u030cokola\u0301da"
    assert nfc != nfd
    a = tmp_path / "a"
    b = tmp_path / "b"
    for root, name in ((a, nfc), (b, nfd)):
        (root / "products").mkdir(parents=True)
        (root / "products" / "p.yaml").write_text(
            f"products:\n  {GUID}:\n    name: {name}\n", encoding="utf-8"
        )
    pa = load_catalog(a).catalog.products[GUID]
    pb = load_catalog(b).catalog.products[GUID]
    assert pa == pb and pa.name == nfc


def test_products_differing_only_by_normalisation_compare_equal():
    # live.py builds models from Shoptet's JSON: the model normalises too, so no false diff.
    assert Product(name="Caf\u00e9") == Product(name="Cafe\u0301")


def test_keys_differing_only_by_normalisation_are_duplicates(tmp_path):
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: x\n    variants:\n      A:\n        stock: {{1: 1}}\n"
        "    internalNote: Caf\u00e9\n    internalNote: Cafe\u0301\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="duplicate key 'internalNote'"):
        load_catalog(tmp_path)


def test_oversized_file_is_refused_before_parsing(tmp_path):
    (tmp_path / "products").mkdir()
    big = tmp_path / "products" / "big.yaml"
    big.write_bytes(b"products: {}\n" + b"#" * (3 * 1024 * 1024))
    start = time.perf_counter()
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert time.perf_counter() - start < 1.0
    assert [str(p) for p in info.value.problems] == [
        f"{big.as_posix()}:1:1: file is larger than 2 MiB; split it"
    ]


@pytest.mark.slow
@settings(max_examples=3000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["set", "insert", "delete"]),
            st.floats(0, 1),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_mutated_files_long_run(tmp_path, data, edits):
    test_mutated_files_fail_only_with_located_errors_and_quickly.hypothesis.inner_test(
        tmp_path, data, edits
    )


def test_nfd_yaml_name_against_nfc_live_name_is_not_a_diff(tmp_path):
    from reconciler.plan.normalize import NormContext, normalize_product

    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "p.yaml").write_text(
        f"products:\n  {GUID}:\n    name: C\u030cokola\u0301da\n", encoding="utf-8"
    )
    desired = load_catalog(tmp_path).catalog.products[GUID]
    live = Product.model_construct(name="Čokoláda")  # as live_convert builds it
    ctx = NormContext(default_stock_id=1)
    assert normalize_product(desired, ctx) == normalize_product(live, ctx)
