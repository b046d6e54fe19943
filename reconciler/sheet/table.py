"""The catalog as a table, and a table's edits back as catalog edits (issue 21). Pure.

One row per variant (a product without variants: one row with no code), product fields repeated
on each of its rows. Every cell is text, spelled exactly as the catalog's value (``"00123"``,
``"1290.00"``, ``"true"``, ``"null"`` for a value stated as null); an empty cell is a field the
catalog does not state. Headers are Shoptet's field names (``brandCode``, ``availabilityId``,
``realStock``; ``realStock@2`` is the amount in stock 2). The first column, ``key``
(``GUID|CODE``), says which variant a row is: the file writer hides and locks it.

Reading back (``edits``): each cell is compared with the catalog; a cell that differs is an
edit, if it can be read exactly (a decimal with a dot, no exponent; ``true``/``false``; whole
numbers; text as typed). Refused, each located (row, column): unknown keys, a changed
``guid`` or ``code`` cell, a cell emptied where the catalog states a value (write ``null`` to
clear it), numbers where text is expected (a spreadsheet that dropped leading zeros), rows of
one product that disagree on a product field, and ``null`` for a field that cannot be null.

Categories, variant parameters and other pricelists' prices (lists and mappings: ``prices``),
``type`` and the directives (``absent``, ``renamedFrom``) are not in the sheet: they stay in
the YAML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reconciler import fields as F
from reconciler.model import Catalog

__all__ = ["KEY", "Cell", "Edit", "SheetProblem", "edits", "header", "rows"]

KEY = "key"
_SEP = "|"
_STOCK = "realStock"

_PRODUCT = tuple(
    f
    for f in F.select(F.Level.PRODUCT)
    if f.kind in (F.Kind.TEXT, F.Kind.HTML, F.Kind.ENUM, F.Kind.GUID) and f.name != "type"
)
_VARIANT = tuple(
    f
    for f in F.select(F.Level.VARIANT)
    if f.kind in (F.Kind.TEXT, F.Kind.DECIMAL, F.Kind.BOOL, F.Kind.INTEGER)
)
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Edit:
    """One cell that differs from the catalog. ``field`` is the catalog's name; for stock,
    ``stock`` with ``stock_id`` (None: the scalar, the default stock)."""

    guid: str
    code: str | None
    field: str
    value: Any  # None: null
    text: str  # the cell as read
    row: int
    column: int
    stock_id: int | None = None


@dataclass(frozen=True, order=True)
class SheetProblem:
    row: int
    column: int
    header: str
    message: str


@dataclass(frozen=True)
class Cell:
    """A cell as read from a file: its value (text, or a number or bool from an xlsx cell
    that is not text) and where it is."""

    value: Any
    row: int
    column: int


def _stock_ids(catalog: Catalog) -> list[int]:
    ids: set[int] = set()
    for p in catalog.products.values():
        for v in p.variants.values():
            if isinstance(v.stock, dict):
                ids.update(v.stock)
    return sorted(ids)


def header(catalog: Catalog) -> list[str]:
    """The header row: key, guid, code, product fields, variant fields, stock columns."""
    names = [KEY, "guid", "code"]
    names += [f.write_name for f in _PRODUCT]
    names += [f.write_name for f in _VARIANT]
    names += [_STOCK] + [f"{_STOCK}@{i}" for i in _stock_ids(catalog)]
    return names


def spell(value: Any) -> str:
    """A catalog value as the text of its cell."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def rows(catalog: Catalog) -> list[list[str]]:
    """The data rows (``header`` order), by product GUID and variant code as the catalog
    lists them; tombstoned products and variants are left out."""
    stock_ids = _stock_ids(catalog)
    out = []
    for guid, p in catalog.products.items():
        if p.absent:
            continue
        product = [_stated(p, f.name) for f in _PRODUCT]
        variants: list[tuple[str | None, Any]] = [
            (c, v) for c, v in p.variants.items() if not v.absent
        ] or [(None, None)]
        for code, v in variants:
            cells = [f"{guid}{_SEP}{code or ''}", guid, code or "", *product]
            cells += [_stated(v, f.name) if v is not None else "" for f in _VARIANT]
            stated = v is not None and "stock" in v.model_fields_set
            stock = v.stock if v is not None and stated else None
            cells.append(spell(stock) if stated and not isinstance(stock, dict) else "")
            cells += [
                spell(stock[i]) if isinstance(stock, dict) and i in stock else "" for i in stock_ids
            ]
            out.append(cells)
    return out


def _stated(model: Any, name: str) -> str:
    return spell(getattr(model, name)) if name in model.model_fields_set else ""


def edits(
    catalog: Catalog, head: Sequence[Cell], body: Iterable[Sequence[Cell]]
) -> tuple[list[Edit], list[SheetProblem]]:
    """The cells of ``body`` that differ from ``catalog``, and every problem (none: the edits
    may be written). ``head``: the header row as read."""
    names = [str(c.value or "").strip() for c in head]
    problems: list[SheetProblem] = []
    col = {n: i for i, n in enumerate(names) if n}
    if KEY not in col:
        problems.append(SheetProblem(head[0].row if head else 1, 1, KEY, _NO_KEY))
        return [], problems
    by_write = {f.write_name: f for f in (*_PRODUCT, *_VARIANT)}
    for i, n in enumerate(names):
        per_stock = n.startswith(f"{_STOCK}@") and n[len(_STOCK) + 1 :].isdigit()
        if n and n not in by_write and n not in (KEY, "guid", "code", _STOCK) and not per_stock:
            problems.append(
                SheetProblem(head[i].row, head[i].column, n, "is not a column of this sheet")
            )
    found: list[Edit] = []
    product_cells: dict[tuple[str, str], list[tuple[str, Cell]]] = {}
    seen: dict[str, int] = {}
    for line in body:
        if not any(_text(c) for c in line):
            continue
        at = {n: line[i] for n, i in col.items() if i < len(line)}
        key_cell = at[KEY]
        key = _text(key_cell)
        guid, _, code = key.partition(_SEP)
        product = catalog.products.get(guid)
        variant = product.variants.get(code) if product is not None and code else None
        known = (
            product is not None
            and not product.absent
            and _SEP in key
            and (
                variant is not None and not variant.absent
                if code
                else all(v.absent for v in product.variants.values())
            )
        )
        if not known:
            problems.append(_at(key_cell, KEY, f"{key!r} is no product or variant of the catalog"))
            continue
        if key in seen:
            problems.append(_at(key_cell, KEY, f"{key!r} is also on row {seen[key]}"))
            continue
        seen[key] = key_cell.row
        for name, expect in (("guid", guid), ("code", code)):
            cell = at.get(name)
            if cell is not None and _text(cell) != expect:
                problems.append(
                    _at(cell, name, f"is {expect!r} in the catalog; a {name} cannot change here")
                )
        for name, cell in at.items():
            if name in (KEY, "guid", "code"):
                continue
            if name in by_write and by_write[name].level is F.Level.PRODUCT:
                product_cells.setdefault((guid, name), []).append((key, cell))
                continue
            if variant is None:
                if _text(cell):
                    problems.append(_at(cell, name, "this product has no variant in the catalog"))
                continue
            if name in by_write:
                f = by_write[name]
                _compare(found, problems, cell, name, f, _stated(variant, f.name), guid, code, None)
            elif name.startswith(_STOCK):
                _stock_cell(found, problems, cell, name, variant, guid, code)
    for (guid, name), cells in product_cells.items():
        texts = {_text(c) for _, c in cells}
        if len(texts) > 1:
            where = ", ".join(str(c.row) for _, c in cells)
            problems.append(
                _at(cells[-1][1], name, f"rows {where} of product {guid} disagree on it")
            )
            continue
        f = by_write[name]
        _compare(
            found,
            problems,
            cells[0][1],
            name,
            f,
            _stated(catalog.products[guid], f.name),
            guid,
            None,
            None,
        )
    return found, sorted(set(problems))


_NO_KEY = (
    "the sheet has no `key` column (the hidden first column of `sheet export`); edit a sheet "
    "that `sheet export` wrote"
)


def _stock_cell(found, problems, cell, name, variant, guid, code) -> None:
    stated = "stock" in variant.model_fields_set
    stock = variant.stock if stated else None
    if name == _STOCK:
        if isinstance(stock, dict):
            if _text(cell):
                problems.append(
                    _at(cell, name, "this variant states stock per stock: use realStock@<id>")
                )
            return
        now = spell(stock) if stated else ""
        _compare(found, problems, cell, name, F.BY_NAME["stock"], now, guid, code, None)
        return
    sid = int(name.partition("@")[2])
    if stated and not isinstance(stock, dict):
        if _text(cell):
            problems.append(_at(cell, name, "this variant states one amount: use realStock"))
        return
    now = spell(stock[sid]) if isinstance(stock, dict) and sid in stock else ""
    _compare(found, problems, cell, name, F.BY_NAME["stock"], now, guid, code, sid)


def _compare(found, problems, cell, name, f, now, guid, code, stock_id) -> None:
    text = _text(cell)
    if text == now:
        return
    numeric = f.kind in (F.Kind.DECIMAL, F.Kind.INTEGER, F.Kind.STOCK_MAP)
    exact = cell.value is None or isinstance(cell.value, str | bool)
    if not exact and not (numeric and isinstance(cell.value, int)):
        problems.append(
            _at(
                cell,
                name,
                f"is the number {cell.value!r}, not text: it cannot be read exactly (a "
                "spreadsheet may have dropped leading zeros or decimals). Format the "
                "column as Text and type the value again",
            )
        )
        return
    if text == "":
        problems.append(
            _at(
                cell,
                name,
                f"is empty, but the catalog states {now!r}: write null to clear it, or remove "
                "the field in the YAML to stop managing it",
            )
        )
        return
    if f.digits and now.isdigit() and _mangled(now, text):
        problems.append(
            _at(
                cell,
                name,
                f"{text!r} looks like {now!r} after a spreadsheet read it as a number (leading "
                "zeros dropped, or written as 1.2E+12). Open the sheet as .xlsx or with the "
                "column as Text; if you mean it, change it in the YAML",
            )
        )
        return
    value, why = _read(f, text)
    if why:
        problems.append(_at(cell, name, why))
        return
    if now and now != "null" and value is not None and _same(f, now, value):
        return  # the same number spelled otherwise (199.0 for 199.00): nothing to change
    found.append(Edit(guid, code, f.name, value, text, cell.row, cell.column, stock_id))


def _mangled(now: str, text: str) -> bool:
    """``text`` is what a spreadsheet makes of the digits ``now`` when it takes them for a
    number: the leading zeros gone, or scientific notation."""
    if text.lstrip("0") == now.lstrip("0"):
        return True
    return bool(re.fullmatch(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+", text.replace(",", ".")))


def _read(f: F.Field, text: str) -> tuple[Any, str]:
    if text == "null":
        if not f.nullable and f.kind is not F.Kind.STOCK_MAP:
            return None, f"{f.name} cannot be null"
        if f.kind is F.Kind.STOCK_MAP:
            return None, "stock cannot be null here (remove it in the YAML)"
        return None, ""
    if f.kind in (F.Kind.DECIMAL, F.Kind.STOCK_MAP):
        if not _DECIMAL.fullmatch(text):
            return None, (
                f"{text!r} is not a decimal this tool reads exactly: digits with a dot, no "
                "exponent or thousands separator (e.g. 1290.50)"
            )
        return Decimal(text), ""
    if f.kind is F.Kind.INTEGER:
        if not _INTEGER.fullmatch(text):
            return None, f"{text!r} is not a whole number"
        return int(text), ""
    if f.kind is F.Kind.BOOL:
        if text.lower() not in ("true", "false"):
            return None, f"{text!r} is not true or false"
        return text.lower() == "true", ""
    return text, ""


def _same(f: F.Field, now: str, value: Any) -> bool:
    if f.kind in (F.Kind.DECIMAL, F.Kind.STOCK_MAP):
        return bool(_DECIMAL.fullmatch(now)) and Decimal(now) == value
    return False


def _text(cell: Cell) -> str:
    """A cell's text, in NFC as the catalog loader reads all text (so a composed and a
    decomposed spelling of one letter are one value)."""
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return unicodedata.normalize("NFC", str(v))


def _at(cell: Cell, name: str, message: str) -> SheetProblem:
    return SheetProblem(cell.row, cell.column, name, message)


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA (how spreadsheets name columns)."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out
