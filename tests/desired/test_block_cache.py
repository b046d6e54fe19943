"""The parse cache's product entries (``plan --parse-cache``, ``desired.block_cache``): a warm
load gives exactly what loading the YAML gives (products, every location, digest, node
counts, every problem and its wording), parses only the blocks that changed, and refuses an
entry it could not have written."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from reconciler.desired import block_cache, load, yamlload
from reconciler.desired.blocks import split_blocks
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from tests.desired.test_parse_cache import MemoryCache, same_load


def guid(i: int) -> str:
    return str(uuid.UUID(int=(0xB10C << 96) + i))


def product(i: int, *, price: str = "100.00", extra: str = "") -> str:
    """A product block using most kinds of value: lists, nested mappings, pricelist rows,
    links, images, a block scalar kept with its trailing blank lines, comments."""
    return (
        f"  {guid(i)}:\n"
        f"    name: Produkt {i}  # a comment\n"
        "    description: |+\n"
        f"      Řádek {i}\n"
        "\n"
        f"    relatedProducts: [{guid(i + 1000)}]\n"
        "    images:\n"
        f"      - {{src: 'https://example.com/{i}.jpg', alt: Obrázek {i}}}\n"
        "    variants:\n"
        f"      C{i}-A:\n"
        f"        price: {price}\n"
        "        vatRate: 21.00\n"
        "        stock: {1: 5, 2: 0.500}\n"
        "        prices: {Velkoobchod: {price: 80.00}, 2: {price: 70.00}}\n"
        f"      C{i}-B: {{price: 12.50, ean: '0{i:012d}'}}\n"
        f"{extra}"
        "\n"
        "  # the next product\n"
    )


def write(catalog: Path, files: dict[str, list[str]]) -> None:
    (catalog / "products").mkdir(parents=True, exist_ok=True)
    (catalog / "shop.yaml").write_text("shop:\n  defaultStock: 1\n", encoding="utf-8")
    for name, blocks in files.items():
        text = "# header comment\nproducts:\n\n" + "".join(blocks)
        (catalog / "products" / name).write_text(text, encoding="utf-8")


def cached_then_repriced(catalog: Path) -> MemoryCache:
    """A cache filled from ``catalog``, then product 2's block in a.yaml changed (99.90)."""
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    path = catalog / "products" / "a.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(product(2), product(2, price="99.90")),
        encoding="utf-8",
    )
    return cache


class CountingParses:
    """Counts the product blocks ``load_yaml`` was given (lines that start a product)."""

    def __init__(self, monkeypatch) -> None:
        self.headers = 0
        original = load.load_yaml

        def counted(file, data):
            self.headers += data.count(b"\n  " + guid(0)[:8].encode())
            return original(file, data)

        monkeypatch.setattr(load, "load_yaml", counted)
        monkeypatch.setattr(load, "parse_yaml", lambda f, d, c: counted(f, d))


@pytest.fixture
def catalog(tmp_path) -> Path:
    root = tmp_path / "catalog"
    write(root, {"a.yaml": [product(i) for i in range(6)], "b.yaml": [product(i) for i in (6, 7)]})
    return root


def test_a_warm_load_is_the_yaml_load_and_parses_nothing(catalog, monkeypatch):
    plain = load_catalog(catalog)
    cache = MemoryCache()
    cold = load_catalog(catalog, parse_cache=cache)
    assert len(cache.entries) == 3  # shop.yaml's tree, one entry a product file
    parses = CountingParses(monkeypatch)
    warm = load_catalog(catalog, parse_cache=cache)
    assert parses.headers == 0 and not cache.bad
    same_load(cold, plain)
    same_load(warm, plain)
    # the kept values are exact: text, decimals with their places, the kept blank line
    variant = warm.catalog.products[guid(3)].variants["C3-A"]
    assert str(variant.price) == "100.00" and str(variant.stock[2]) == "0.500"
    assert warm.catalog.products[guid(3)].description == "Řádek 3\n\n"


def test_products_stating_flags_and_unit_prices_are_kept_too(tmp_path, monkeypatch):
    # Their loaded form is not what the YAML states (flag dates, measureUnit's four parts):
    # the entry keeps them as written, so a warm load need not parse them again.
    flags = "    flags: {Akce: {from: 2026-12-01, to: 2026-12-24}, Novinka: false, custom1: true}\n"
    unit = "        measureUnit: {contents: 250 g, per: 1 kg}\n"
    by_id = "        measureUnit: {contents: '0.500 -16', per: 1 -3}\n"
    blocks = [
        product(0, extra=flags),
        product(1).replace("        vatRate: 21.00\n", "        vatRate: 21.00\n" + unit),
        product(2).replace("        vatRate: 21.00\n", "        vatRate: 21.00\n" + by_id),
    ]
    write(tmp_path, {"a.yaml": blocks})
    plain = load_catalog(tmp_path)
    cache = MemoryCache()
    load_catalog(tmp_path, parse_cache=cache)
    key = block_cache.file_key((tmp_path / "products" / "a.yaml").as_posix(), cache.salt)
    assert len(block_cache.decode_entry(cache.entries[key])) == 3
    parses = CountingParses(monkeypatch)
    warm = load_catalog(tmp_path, parse_cache=cache)
    assert parses.headers == 0 and not cache.bad
    same_load(warm, plain)
    assert spelled(warm.catalog.products) == spelled(plain.catalog.products)
    assert warm.catalog.products[guid(0)].flags == {
        "Akce": {"dateFrom": "2026-12-01", "dateTo": "2026-12-24"},
        "Novinka": None,
        "custom1": {"dateFrom": None, "dateTo": None},
    }


def test_only_the_changed_block_is_parsed_and_the_entry_follows(catalog, monkeypatch):
    cache = cached_then_repriced(catalog)
    plain = load_catalog(catalog)
    parses = CountingParses(monkeypatch)
    warm = load_catalog(catalog, parse_cache=cache)
    assert parses.headers == 1
    same_load(warm, plain)
    assert str(warm.catalog.products[guid(2)].variants["C2-A"].price) == "99.90"
    parses.headers = 0
    same_load(load_catalog(catalog, parse_cache=cache), plain)
    assert parses.headers == 0  # the entry now holds the changed block


def test_reordered_added_and_removed_blocks_keep_their_places(catalog):
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    write(catalog, {"a.yaml": [product(i) for i in (5, 9, 1, 0)], "b.yaml": [product(7)]})
    same_load(load_catalog(catalog, parse_cache=cache), load_catalog(catalog))
    assert not cache.bad


def problems(catalog: Path, cache=None) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog, parse_cache=cache)
    return [str(p) for p in info.value.problems]


BROKEN = {
    "an unknown key in a changed block": lambda t: t.replace(
        "        vatRate: 21.00\n", "        vatRat: 21.00\n", 1
    ),
    "a syntax error in a changed block": lambda t: t.replace("name: Produkt 1 ", "name: [x ", 1),
    "a null where Shoptet always has a value": lambda t: t.replace(
        "name: Produkt 2  # a comment", "name: null", 1
    ),
    "a product declared in both files": lambda t: t + product(6),
    "a variant code another file's product uses": lambda t: t.replace(
        "      C4-B:", "      C6-B:", 1
    ),
    "a renamedFrom claimed twice": lambda t: t.replace(
        "        vatRate: 21.00\n", "        vatRate: 21.00\n        renamedFrom: OLD\n"
    ),
    "a product listing itself": lambda t: t.replace(f"[{guid(1003)}]", f"[{guid(3)}]", 1),
}


@pytest.mark.parametrize("edit", BROKEN.values(), ids=BROKEN.keys())
def test_every_problem_is_found_and_worded_as_without_the_cache(catalog, edit):
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    path = catalog / "products" / "a.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    expected = problems(catalog)
    assert expected
    assert problems(catalog, cache) == expected
    assert problems(catalog, cache) == expected  # and again, whatever was kept meanwhile


def test_a_kept_rename_is_checked_against_a_code_a_changed_file_adds(catalog):
    # b.yaml's product 7 renames OLD and is kept; a.yaml then gains a variant coded OLD: the
    # rename check must run though the only renamedFrom comes from the cache
    path_b = catalog / "products" / "b.yaml"
    path_b.write_text(
        path_b.read_text(encoding="utf-8").replace(
            "      C7-B:", "      C7-C: {price: 1.00, renamedFrom: OLD}\n      C7-B:", 1
        ),
        encoding="utf-8",
    )
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)  # clean: b.yaml's product 7 is kept
    path_a = catalog / "products" / "a.yaml"
    path_a.write_text(
        path_a.read_text(encoding="utf-8").replace("      C1-B:", "      OLD:", 1),
        encoding="utf-8",
    )
    expected = problems(catalog)
    assert any("renamedFrom OLD, but OLD is a variant of" in p for p in expected)
    assert problems(catalog, cache) == expected
    assert not cache.bad


def test_the_node_limit_counts_the_kept_blocks(catalog, monkeypatch):
    cache = cached_then_repriced(catalog)
    whole = load_catalog(catalog).product_nodes
    file_nodes = 3 + sum(whole[guid(i)] for i in range(6))
    # the changed block alone is far below the limit, the whole file just above it
    monkeypatch.setattr(yamlload, "MAX_NODES", file_nodes - 1)
    expected = problems(catalog)
    assert any("a.yaml" in p for p in expected)
    assert problems(catalog, cache) == expected


def entry_of(cache: MemoryCache, catalog: Path, name: str) -> tuple[str, dict]:
    """The entry's key and its payloads, decoded: block sha256 -> payload (a list)."""
    key = block_cache.file_key((catalog / "products" / name).as_posix(), cache.salt)
    lines = cache.entries[key].decode().splitlines()
    return key, {sha: json.loads(raw) for sha, _, raw in (x.partition(" ") for x in lines)}


def encoded(entry: dict) -> bytes:
    return b"".join(f"{sha} {json.dumps(p)}\n".encode() for sha, p in entry.items())


POISON = {
    "another product's payload": lambda p: p.__setitem__(0, guid(99)),
    "a price the model refuses": lambda p: p[1]["variants"]["C1-A"].__setitem__("price", "x"),
    "a field the keys do not name": lambda p: p[1].__setitem__("brand", "acme"),
    "keys that are not the fields": lambda p: p[2].append("brand"),
    "a key that is a list": lambda p: p[2].__setitem__(0, ["name"]),
    "codes out of order": lambda p: p[3].reverse(),
    "a line outside the block": lambda p: p[5].__setitem__(1, 500),
    "a line that is text": lambda p: p[5].__setitem__(1, "2"),
    "a column of 0": lambda p: p[6].__setitem__(1, 0),
    "positions missing": lambda p: p[5].pop(),
    "another position not a triple": lambda p: p[7].__setitem__(0, "x"),
    "another position outside the block": lambda p: p[7][0].__setitem__(1, -1),
    "no node count": lambda p: p.__setitem__(8, 0),
    "the product's key elsewhere": lambda p: p[6].__setitem__(0, 4),
}


@pytest.mark.parametrize("poison", POISON.values(), ids=POISON.keys())
def test_an_entry_that_does_not_fit_is_refused_and_the_yaml_loaded(catalog, poison):
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    key, entry = entry_of(cache, catalog, "a.yaml")
    split = split_blocks((catalog / "products" / "a.yaml").read_text(encoding="utf-8"))
    assert split is not None
    sha = block_cache.block_key(split[1][1][1])  # product 1's block
    poison(entry[sha])
    cache.entries[key] = encoded(entry)
    same_load(load_catalog(catalog, parse_cache=cache), load_catalog(catalog))
    assert cache.bad == [key]


@pytest.mark.parametrize(
    "blob",
    [
        b"not an entry",
        b"[]",
        b'{"blocks": []}',
        b"\xff",
        ("a" * 64 + "\n").encode(),  # no payload
        ("A" * 64 + " [1]\n").encode(),  # not a lowercase sha256
    ],
)
def test_an_entry_that_is_not_one_is_refused(catalog, blob):
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    key, _ = entry_of(cache, catalog, "a.yaml")
    cache.entries[key] = blob
    same_load(load_catalog(catalog, parse_cache=cache), load_catalog(catalog))
    assert cache.bad == [key]


def test_another_version_of_the_code_misses(catalog, monkeypatch):
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    cache.salt = "changed"
    parses = CountingParses(monkeypatch)
    load_catalog(catalog, parse_cache=cache)
    assert parses.headers == 8


def test_a_file_that_is_not_cut_into_blocks_keeps_its_tree(catalog):
    """Anchors and aliases (or a header the parse does not find where the cut put it) leave
    a file to the tree entries: a block could mean something else elsewhere."""
    path = catalog / "products" / "b.yaml"
    path.write_text(
        "x-base: &base {vatRate: 21.00}\n" + path.read_text(encoding="utf-8"), encoding="utf-8"
    )
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    entry_of(cache, catalog, "a.yaml")  # a.yaml has its entry
    assert block_cache.file_key(path.as_posix(), cache.salt) not in cache.entries
    same_load(load_catalog(catalog, parse_cache=cache), load_catalog(catalog))
    assert cache.hits == 3


def test_a_header_inside_a_quoted_text_is_not_a_block(catalog):
    path = catalog / "products" / "b.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "name: Produkt 6  # a comment", f'name: "Produkt 6\n  {guid(50)}:\n      konec"', 1
    )
    path.write_text(text, encoding="utf-8")
    cache = MemoryCache()
    try:
        expected = load_catalog(catalog)
    except CatalogError:
        assert problems(catalog, cache) == problems(catalog)
        return
    same_load(load_catalog(catalog, parse_cache=cache), expected)
    same_load(load_catalog(catalog, parse_cache=cache), expected)
    assert guid(50) not in expected.catalog.products


def test_two_processes_with_a_warm_cache_load_what_one_loads(tmp_path, monkeypatch):
    root = tmp_path / "catalog"
    # over TWO_PROCESSES_FROM_BYTES in eight files, so the later ones load in a child
    write(root, {f"p{n}.yaml": [product(n * 1000 + i) for i in range(700)] for n in range(8)})
    assert sum(p.stat().st_size for p in (root / "products").iterdir()) > (
        load.TWO_PROCESSES_FROM_BYTES
    )
    cache = MemoryCache()
    load_catalog(root, parse_cache=cache)
    path = root / "products" / "p6.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(product(6005), product(6005, price="1.00")),
        encoding="utf-8",
    )
    monkeypatch.setenv("SHOPTET_LOAD_PROCESSES", "1")
    one = load_catalog(root)
    monkeypatch.delenv("SHOPTET_LOAD_PROCESSES")
    same_load(load_catalog(root, parse_cache=cache), one)


def test_a_kept_block_after_a_changed_one_ending_in_kept_blank_lines(tmp_path, monkeypatch):
    """A block scalar with ``|+`` keeps the blank lines after it: the blocks cut out after a
    changed block must not become part of it (they are left as comment lines)."""
    root = tmp_path / "catalog"
    last = "    shortDescription: |+\n      Konec\n\n"
    write(
        root,
        {"a.yaml": [product(0, extra=last).replace("\n  # the next product\n", ""), product(1)]},
    )
    cache = MemoryCache()
    load_catalog(root, parse_cache=cache)
    path = root / "products" / "a.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Produkt 0 ", "Produkt nula ", 1),
        encoding="utf-8",
    )
    plain = load_catalog(root)
    assert plain.catalog.products[guid(0)].shortDescription == "Konec\n\n"
    parses = CountingParses(monkeypatch)
    same_load(load_catalog(root, parse_cache=cache), plain)
    assert parses.headers == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"[" * 100_000,
        b"[" + b"9" * 30 + b"]",  # JSON, but beyond 64 bits (orjson refuses it)
        b'["\\ud800"]',  # a lone surrogate
        b'["\xff"]',  # not UTF-8
        b"[NaN]",
    ],
)
def test_a_payload_that_is_not_one_is_refused(catalog, raw):
    cache = MemoryCache()
    load_catalog(catalog, parse_cache=cache)
    key, entry = entry_of(cache, catalog, "a.yaml")
    split = split_blocks((catalog / "products" / "a.yaml").read_text(encoding="utf-8"))
    assert split is not None
    sha = block_cache.block_key(split[1][1][1])
    lines = [
        f"{s} {json.dumps(p)}".encode() if s != sha else f"{s} ".encode() + raw
        for s, p in entry.items()
    ]
    cache.entries[key] = b"\n".join(lines) + b"\n"
    same_load(load_catalog(catalog, parse_cache=cache), load_catalog(catalog))
    assert cache.bad == [key]


# -- a restored product is the parsed one, spelled out ------------------------------------------


def spelled(value: Any) -> Any:
    """A loaded value spelled out so that only the very same one compares equal: models by
    type, fields set (recursively) and values; decimals by their digits; every type named."""
    if isinstance(value, BaseModel):
        fields = {k: spelled(v) for k, v in value.__dict__.items()}
        return (type(value).__name__, sorted(value.model_fields_set), fields)
    if isinstance(value, dict):
        return ("dict", [(spelled(k), spelled(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [spelled(v) for v in value])
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, value)


TEXTS = st.sampled_from(
    ["Káva", "Cafe\u0301 (decomposed)", "'100'", '"true"', "'00123'", "'a: b'", "'  x  '", "ł"]
)
PRICES = st.sampled_from(["0", "1", "12.5", "12.50", "100.00", "'99.90'", "007.10", "0.00"])
AMOUNTS = st.sampled_from(["0", "5", "0.500", "1.5", "12", "'3.000'", "-2"])
PRODUCT_FIELDS = {
    "name": TEXTS,
    "visibility": st.sampled_from(["visible", "hidden", "detail-only"]),
    "shortDescription": st.sampled_from(["|\n      Řádek\n      dva\n", "null", "''", "<p>x</p>"]),
    "brand": TEXTS,
    "defaultCategory": st.just(guid(900)),
    "categories": st.sampled_from([f"[{guid(900)}]", f"[{guid(900)}, {guid(901)}]"]),
    "flags": st.sampled_from(["{Akce: true}", "{Novinka: false, Akce: {from: 2026-12-01}}"]),
    "warranty": st.sampled_from(["2 roky", "3", "null"]),
    "supplier": st.sampled_from(["Pražírna s.r.o.", guid(902).upper()]),
    "relatedProducts": st.sampled_from(["[]", f"[{guid(903)}, {guid(904)}]"]),
    "filteringParameters": st.sampled_from(["{Barva: [červená, modrá]}", "{}"]),
    "descriptiveParameters": st.sampled_from(["[{name: Materiál, value: len}]", "[]"]),
}
VARIANT_FIELDS = {
    "ean": st.sampled_from(['"8590000000001"', "'0012'", "null"]),
    "manufacturerCode": TEXTS,
    "price": PRICES,
    "commonPrice": PRICES,
    "vatRate": st.sampled_from(["21.00", "21", "15.0", "0"]),
    "includingVat": st.sampled_from(["true", "False"]),
    "stock": st.one_of(
        AMOUNTS, st.sampled_from(["{1: 5, 2: 0.500}", "{'3': 1, 1: 0}", "{2: -1.250}"])
    ),
    "visible": st.sampled_from(["true", "false"]),
    "availability": st.sampled_from(["-1", "4", "null"]),
    "unit": st.sampled_from(["ks", "7"]),
    "weight": st.sampled_from(["0.250", "1", "99999.999"]),
    "minStockSupply": AMOUNTS.filter(lambda a: a != "-2"),
    "negativeStockAllowed": st.sampled_from(["true", "false"]),
    "parameters": st.sampled_from(["{Barva: Bílá}", "{Hmotnost: 250 g, Mletí: 1}", "null"]),
    "purchasePrice": st.sampled_from(["80.00", "{price: 80, vatRate: 21, includingVat: true}"]),
    "orderableAmount": st.sampled_from(
        ["{minimumAmount: 1}", "{minimumAmount: 1, maximumAmount: 2.5}"]
    ),
    "actionPrice": st.sampled_from(["null", "{price: 0.00, fromDate: 2026-01-01}"]),
    "prices": st.sampled_from(
        ["{Velkoobchod: {price: 80.00}, 2: {vatRate: 15, includingVat: true}}"]
    ),
    "measureUnit": st.sampled_from(["{contents: 250 g, per: 1 kg}", "null"]),
}


def fields_yaml(fields: dict[str, str], indent: str) -> str:
    out = ""
    for key, value in fields.items():
        lines = value.split("\n", 1)
        out += f"{indent}{key}: {lines[0]}\n" + (lines[1] if len(lines) > 1 else "")
    return out


@st.composite
def product_blocks(draw, i: int) -> str:
    chosen = draw(st.lists(st.sampled_from(list(PRODUCT_FIELDS)), min_size=1, unique=True))
    text = f"  {guid(i)}:\n" + fields_yaml({k: draw(PRODUCT_FIELDS[k]) for k in chosen}, "    ")
    codes = draw(st.lists(st.sampled_from(["A", "B-1", "00123", "X/Y", "C.D"]), unique=True))
    if codes or draw(st.booleans()):
        text += "    variants:\n" if codes else "    variants: {}\n"
    for code in codes:
        keys = draw(st.lists(st.sampled_from(list(VARIANT_FIELDS)), unique=True))
        text += f"      {code}-{i}:" + (" {}\n" if not keys else "\n")
        text += fields_yaml({k: draw(VARIANT_FIELDS[k]) for k in keys}, "        ")
    return text + "\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.tuples(*(product_blocks(i) for i in range(3))), st.integers(0, 2))
def test_a_restored_product_is_the_parsed_one(tmp_path_factory, blocks, changed):
    """Whatever a product states, loading it from the cache (whole, and beside a changed
    block) gives the very product, fields set, digits and positions the YAML gives."""
    root = tmp_path_factory.mktemp("catalog")
    write(root, {"a.yaml": list(blocks)})
    try:
        plain = load_catalog(root)
    except CatalogError as err:  # nothing is kept from a file with a problem (tested above)
        event(f"refused: {err.problems[0].message[:40]}")
        return
    cache = MemoryCache()
    load_catalog(root, parse_cache=cache)
    key = block_cache.file_key((root / "products" / "a.yaml").as_posix(), cache.salt)
    event(f"{len(block_cache.decode_entry(cache.entries.get(key, b'')))} of 3 products kept")
    warm = load_catalog(root, parse_cache=cache)
    assert not cache.bad
    same_load(warm, plain)
    assert spelled(warm.catalog.products) == spelled(plain.catalog.products)
    path = root / "products" / "a.yaml"  # one block changed: the others restored beside it
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            f"  {guid(changed)}:\n", f"  {guid(changed)}:\n    internalNote: nová\n", 1
        ),
        encoding="utf-8",
    )
    plain = load_catalog(root)
    beside = load_catalog(root, parse_cache=cache)
    assert not cache.bad
    same_load(beside, plain)
    assert spelled(beside.catalog.products) == spelled(plain.catalog.products)
