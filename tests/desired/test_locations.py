"""The loader's compact ``Locations`` map answers exactly as the plain dict it replaced (one
``Location`` per product, field, variant and variant field), for any shape of YAML tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired.load import load_catalog
from reconciler.desired.locate import Location, Locations
from reconciler.desired.yamlload import LMap, load_yaml

ROOT = Path(__file__).resolve().parents[2]


def plain_dict(products: LMap, file: str) -> dict[tuple, Location]:
    """What the loader recorded before (a dict of every key): the reference."""
    out: dict[tuple, Location] = {}
    for guid, data in products.items():
        out[(guid,)] = Location(file, *products.key_pos[guid])
        if not isinstance(data, LMap):
            continue
        for key in data:
            out[(guid, key)] = Location(file, *data.key_pos[key])
        variants = data.get("variants")
        if isinstance(variants, LMap):
            for code, vdata in variants.items():
                out[(guid, "variants", code)] = Location(file, *variants.key_pos[code])
                if isinstance(vdata, LMap):
                    for key in vdata:
                        out[(guid, "variants", code, key)] = Location(file, *vdata.key_pos[key])
    return out


def compact(products: LMap, file: str, other: dict | None = None) -> Locations:
    places = Locations(other)
    for guid, data in products.items():
        if isinstance(data, LMap):
            places.add_product(guid, file, products.key_pos[guid], data)
    return places


_key = st.sampled_from(["name", "price", "stock", "ean", "visible", "x", "variants"])
_value = st.one_of(st.just("1"), st.none(), st.just(["a", "b"]))
_variant = st.one_of(st.none(), st.just("text"), st.dictionaries(_key, _value, max_size=4))
_product = st.fixed_dictionaries(
    {},
    optional={
        "name": st.just("N"),
        "variants": st.one_of(
            st.none(),
            st.just("oops"),
            st.dictionaries(st.sampled_from(["A-1", "B-2", "C 3", "d"]), _variant, max_size=4),
        ),
        "brand": st.just("b"),
    },
)


def to_yaml(value, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return " {}\n"
        body = "".join(f"{pad}{k}:{to_yaml(v, indent + 2)}" for k, v in value.items())
        return "\n" + body
    if isinstance(value, list):
        return " [" + ", ".join(value) + "]\n"
    return " null\n" if value is None else f" {value}\n"


@given(
    products=st.dictionaries(st.sampled_from(["g1", "g2", "g3"]), _product, min_size=1),
    blank_lines=st.integers(0, 3),
)
def test_compact_locations_answer_as_the_plain_dict(products, blank_lines):
    text = "\n" * blank_lines + "products:" + to_yaml(products, 2)
    doc, problems = load_yaml("p.yaml", text.encode())
    assert not problems
    tree = doc["products"]
    expected = plain_dict(tree, "p.yaml")
    expected = {k: v for k, v in expected.items() if isinstance(tree[k[0]], LMap)}
    shop = {("shop", "pricelist"): Location("shop.yaml", 2, 3)}
    places = compact(tree, "p.yaml", shop)
    assert dict(places.items()) == {**shop, **expected}
    assert len(places) == len(expected) + 1 and bool(places)
    for key, where in expected.items():
        assert key in places and places[key] == where and places.get(key) == where
    for missing in [("g9",), ("g1", "nope"), ("g1", "variants", "Z-9"), ("g1", "variants",
                    "A-1", "nope"), ("g1", "variants", "A-1", "x", "y"), (), (1, 2)]:
        assert missing not in places and places.get(missing) is None
    assert dict(places.products()) == {k[0]: v for k, v in expected.items() if len(k) == 1}


def test_an_empty_map_is_false_and_holds_nothing():
    assert not Locations() and len(Locations()) == 0 and dict(Locations()) == {}


def test_the_example_catalog_locations_match_the_reference():
    loaded = load_catalog(ROOT / "catalog")
    expected: dict[tuple, Location] = {}
    for path in sorted((ROOT / "catalog" / "products").glob("*.yaml")):
        shown = (ROOT / "catalog" / "products" / path.name).as_posix()
        doc, _ = load_yaml(shown, path.read_bytes())
        expected |= plain_dict(doc["products"], shown)
    got = {k: v for k, v in loaded.locations.items() if k[0] != "shop"}
    assert got == expected
    assert len(got) > 100  # the example catalog is not trivially small


def test_other_keys_are_recorded_beside_the_products():
    tree, _ = load_yaml("p.yaml", b"products:\n  g1:\n    name: N\n")
    places = compact(tree["products"], "p.yaml")
    row = ("g1", "variants", "A-1", "prices", "B2B")
    places[row] = Location("p.yaml", 9, 11)
    assert places[row] == Location("p.yaml", 9, 11) and row in places
    assert dict(places.items()) == {
        row: Location("p.yaml", 9, 11),
        ("g1",): Location("p.yaml", 2, 3),
        ("g1", "name"): Location("p.yaml", 3, 5),
    }
    with pytest.raises(KeyError):
        places[("g1", "name")] = Location("p.yaml", 1, 1)  # a product's own key: add_product
