"""Hypothesis over random catalogs (issue 21): a sheet exported and read back unedited changes
no byte of the catalog, in .xlsx and .csv; one edited cell changes exactly that value."""

from __future__ import annotations

import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired.load import load_catalog
from reconciler.sheet.files import read_sheet, write_sheet
from reconciler.sheet.merge import merge_sheet
from reconciler.sheet.table import header, rows
from tests.apply.support import write_catalog

codes = st.from_regex(r"[0-9A-Z][0-9A-Z-]{0,7}", fullmatch=True)
digits = st.from_regex(r"[0-9]{1,13}", fullmatch=True)
prices = st.decimals(min_value=0, max_value=99999, places=2).map(str)
names = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=24
).filter(
    # a name starting like a formula is refused for .csv (test_sheet.py checks that refusal)
    lambda s: s.strip() == s and s.lower() != "null" and not s.startswith(("=", "+", "@", "-"))
)
variant = st.fixed_dictionaries(
    {},
    optional={
        "ean": digits,
        "manufacturerCode": st.one_of(digits, codes),
        "price": prices,
        "stock": st.one_of(
            st.integers(0, 500), st.dictionaries(st.sampled_from(["1", "2"]), st.integers(0, 9))
        ),
        "visible": st.booleans(),
    },
)


@st.composite
def catalogs(draw):
    """1-3 products; variant codes unique in the whole catalog (as Shoptet's are)."""
    guids = draw(st.lists(st.uuids().map(str), min_size=1, max_size=3, unique=True))
    all_codes = draw(st.lists(codes, min_size=len(guids), max_size=8, unique_by=str.upper))
    out = {}
    for i, guid in enumerate(guids):
        mine = all_codes[i :: len(guids)]
        out[guid] = {
            "name": draw(names),
            "variants": {c: draw(variant) for c in mine},
        }
    return out


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


@given(products=catalogs(), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_an_unedited_sheet_changes_nothing(products, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cat = write_catalog(root, products)
        before = files(cat)
        loaded = load_catalog(cat)
        write_sheet(root / f"s{suffix}", header(loaded.catalog), rows(loaded.catalog))
        head, body = read_sheet(root / f"s{suffix}")
        merged, problems = merge_sheet(cat, loaded, head, body)
        assert problems == [] and merged.lines == []
        assert files(cat) == before


@given(products=catalogs(), data=st.data())
def test_one_edited_cell_changes_exactly_that_value(products, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cat = write_catalog(root, products)
        loaded = load_catalog(cat)
        head, table = header(loaded.catalog), rows(loaded.catalog)
        r = data.draw(st.integers(0, len(table) - 1), label="row")
        guid, _, code = table[r][0].partition("|")
        field, value = data.draw(
            st.one_of(st.tuples(st.just("name"), names), st.tuples(st.just("price"), prices))
        )
        if field == "name":  # a product field: the same on every row of the product
            for line in table:
                if line[1] == guid:
                    line[head.index("name")] = value
        else:
            table[r][head.index("price")] = value
        write_sheet(root / "s.csv", head, table)
        _merged, problems = merge_sheet(cat, loaded, *read_sheet(root / "s.csv"))
        assert problems == []
        after = load_catalog(cat).catalog
        p = after.products[guid]
        if field == "name":
            assert p.name == unicodedata.normalize("NFC", value)  # as the loader reads text
        else:
            assert p.variants[code].price == Decimal(value)
        # everything else reads as before
        again = rows(after)
        assert len(again) == len(table)
        for old, new in zip(rows(loaded.catalog), again, strict=True):
            changed = [h for h, a, b in zip(head, old, new, strict=True) if a != b]
            assert set(changed) <= {field}
