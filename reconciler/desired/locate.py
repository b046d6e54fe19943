"""Turn pydantic validation errors into ``file:line:column`` problems.

Each error's ``loc`` (e.g. ``("variants", "KAV-1", "price")``) is walked through the loaded
YAML data (``LMap``/``LSeq`` with positions) to the key or value it is about; ``ctx["at"]`` from
``reconciler.desired.values`` narrows it to one mapping key or list item. Messages are rewritten for a
person editing YAML ("unknown key 'nmae' (did you mean 'name'?)", "must not be empty").
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.desired.yamlload import LMap, LSeq, Pos
from reconciler.errors import Problem
from reconciler.model import (
    Catalog,
    FlagDefinition,
    Policy,
    PricelistPrices,
    Product,
    ShopSettings,
    Variant,
    did_you_mean,
)


class Location(NamedTuple):
    """Where something was written: file (as the user typed the catalog path), 1-based line/column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# No column is larger: a catalog file is at most 2 MiB (the parse cache's entries are held to it).
MAX_COLUMN = (1 << 24) - 1


class _Placed(NamedTuple):
    """One product's positions: its file, the keys of the product and of each variant in the
    order written, and every position (product key, its field keys, then per variant its code
    and field keys) as a line relative to ``line0`` and a column, in two arrays: a product
    from the parse cache keeps its entry's rows as they are, relative to its block. ``keys``,
    ``variant_keys`` and ``starts`` are shared between products of the same shape."""

    file: int
    keys: tuple[str, ...]
    codes: tuple[str, ...]
    variant_keys: tuple[tuple[str, ...], ...]
    starts: tuple[int, ...]  # where each variant's positions begin in ``rows``/``columns``
    line0: int
    rows: array
    columns: array


class Locations(Mapping[tuple, Location]):
    """Where each product, variant and field was written: the loader's ``locations``.

    Keys as the loader has always used them: ``(guid,)``, ``(guid, field)``, ``(guid,
    "variants", code)``, ``(guid, "variants", code, field)``, plus any other (``("shop",
    key)``). A plain dict of those took about 30 tuples and a ``Location`` a product (680 MB
    at 100,000 products); here a product is one record of packed positions, and a
    ``Location`` is made when asked for."""

    def __init__(self, other: Mapping[tuple, Location] | None = None) -> None:
        self._other: dict[tuple, Location] = dict(other or {})
        self._files: list[str] = []
        self._file_index: dict[str, int] = {}
        self._products: dict[str, _Placed] = {}
        self._shapes: dict[Any, Any] = {}  # one shared tuple per distinct shape

    def _shared(self, value: Any) -> Any:
        return self._shapes.setdefault(value, value)

    def add_product(self, guid: str, file: str, pos: Pos, data: LMap) -> None:
        """Record product ``guid`` (its key at ``pos`` in ``file``; ``data`` its fields)."""
        key_pos = data.key_pos
        keys = tuple(data)
        at = [pos, *(key_pos[k] for k in keys)]
        variants = data.get("variants")
        codes: tuple[str, ...] = ()
        shapes: list[tuple[str, ...]] = []
        if isinstance(variants, LMap):
            codes = tuple(variants)
            for code in codes:
                at.append(variants.key_pos[code])
                vdata = variants[code]
                if isinstance(vdata, LMap):
                    vkeys = tuple(vdata)
                    vpos = vdata.key_pos
                    at += [vpos[k] for k in vkeys]
                else:
                    vkeys = ()
                shapes.append(vkeys)
        rows, columns = zip(*at, strict=True)
        self.add_packed(guid, file, keys, codes, tuple(shapes), 0, rows, columns)

    def add_packed(
        self,
        guid: str,
        file: str,
        keys: tuple[str, ...],
        codes: tuple[str, ...],
        variant_keys: tuple[tuple[str, ...], ...],
        line0: int,
        rows: Sequence[int],
        columns: Sequence[int],
    ) -> None:
        """Record product ``guid`` from positions as ``positions`` gives them (the parse
        cache's entries): lines relative to ``line0`` and columns of the product key, its
        field keys, then per variant its code and field keys."""
        index = self._file_index.get(file)
        if index is None:
            index = self._file_index[file] = len(self._files)
            self._files.append(file)
        variant_keys = self._shared(tuple(self._shared(v) for v in variant_keys))
        starts = self._shapes.get((len(keys), variant_keys))
        if starts is None:
            offset, begin = 1 + len(keys), []
            for vkeys in variant_keys:
                begin.append(offset)
                offset += 1 + len(vkeys)
            starts = self._shapes[(len(keys), variant_keys)] = tuple(begin)
        self._products[guid] = _Placed(
            index,
            self._shared(keys),
            codes,
            variant_keys,
            starts,
            line0,
            array("i", rows),
            array("i", columns),
        )

    def positions(
        self, guid: str, line0: int
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...], list[int], list[int]]:
        """Product ``guid``'s keys, variant codes, variant keys, and its positions' lines
        (relative to ``line0``) and columns, as ``add_packed`` takes them."""
        placed = self._products[guid]
        shift = placed.line0 - line0
        rows = [r + shift for r in placed.rows]
        return placed.keys, placed.codes, placed.variant_keys, rows, placed.columns.tolist()

    def __setitem__(self, key: tuple, where: Location) -> None:
        """Record a key a product record does not hold (``("shop", key)``, deeper keys such
        as a pricelist row's); products go in through ``add_product``."""
        if self._index(key) is not None:
            raise KeyError(f"{key!r} is a product's key: it is recorded by add_product")
        self._other[key] = where

    def update_from(self, other: Locations) -> None:
        """Add ``other``'s products (loaded elsewhere, e.g. in a child process) after these."""
        for file in other._files:
            if file not in self._file_index:
                self._file_index[file] = len(self._files)
                self._files.append(file)
        moved = [self._file_index[f] for f in other._files]
        for guid, placed in other._products.items():
            self._products[guid] = placed._replace(file=moved[placed.file])
        self._other.update(other._other)

    def _at(self, placed: _Placed, i: int) -> Location:
        return Location(self._files[placed.file], placed.line0 + placed.rows[i], placed.columns[i])

    def _index(self, key: tuple) -> tuple[_Placed, int] | None:
        placed = self._products.get(key[0]) if key and isinstance(key[0], str) else None
        if placed is None:
            return None
        n = len(key)
        if n == 1:
            return placed, 0
        if n == 2 and key[1] in placed.keys:
            return placed, 1 + placed.keys.index(key[1])
        if n in (3, 4) and key[1] == "variants" and key[2] in placed.codes:
            v = placed.codes.index(key[2])
            if n == 3:
                return placed, placed.starts[v]
            if key[3] in placed.variant_keys[v]:
                return placed, placed.starts[v] + 1 + placed.variant_keys[v].index(key[3])
        return None

    def __getitem__(self, key: tuple) -> Location:
        found = self._index(key)
        if found is None:
            return self._other[key]
        return self._at(*found)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, tuple) and self._index(key) is not None:
            return True
        return key in self._other

    def __iter__(self) -> Iterator[tuple]:
        yield from self._other
        for guid, placed in self._products.items():
            yield (guid,)
            for k in placed.keys:
                yield (guid, k)
            for code, vkeys in zip(placed.codes, placed.variant_keys, strict=True):
                yield (guid, "variants", code)
                for k in vkeys:
                    yield (guid, "variants", code, k)

    def __bool__(self) -> bool:  # without counting every key (``locations or {}``)
        return bool(self._products or self._other)

    def __len__(self) -> int:
        return len(self._other) + sum(
            1 + len(p.keys) + len(p.codes) + sum(map(len, p.variant_keys))
            for p in self._products.values()
        )

    def guids_by_file(self) -> dict[str, list[str]]:
        """Each file's product GUIDs in the order loaded (no ``Location`` made for each)."""
        by_index: dict[int, list[str]] = {}
        for guid, placed in self._products.items():
            by_index.setdefault(placed.file, []).append(guid)
        return {self._files[i]: guids for i, guids in by_index.items()}

    def products(self) -> Iterator[tuple[str, Location]]:
        """Each product's GUID and where its key is, in the order loaded (cheaper than
        filtering every key)."""
        for guid, placed in self._products.items():
            yield guid, self._at(placed, 0)


def _model_for(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the last element of ``loc`` (for 'did you mean')."""
    current: type[BaseModel] | None = model
    i = 0
    while i < len(loc) - 1 and current is not None:
        part = loc[i]
        if current is Product and part == "variants":
            current, i = Variant, i + 2
        elif current is Variant and part == "prices":
            current, i = PricelistPrices, i + 2
        elif current is Catalog and part in ("shop", "policy"):
            current, i = (ShopSettings if part == "shop" else Policy), i + 1
        elif current is Catalog and part == "flags":
            current, i = FlagDefinition, i + 2
        else:
            return None
    return current if i == len(loc) - 1 else None


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"'{value}'"


def _message(err: ErrorDetails, model: type[BaseModel]) -> str:
    kind, loc, ctx = err["type"], err["loc"], err.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        holder = _model_for(model, loc)
        choices = tuple(holder.model_fields) if holder else ()
        return f"unknown key '{name}'{did_you_mean(name, choices)}"
    if kind == "catalog" or not loc:
        text = err["msg"]
    elif kind == "dict_type" and name == "variants":
        text = f"must be a mapping variant code -> fields, not {describe(err.get('input'))}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        text = f"must be a mapping of fields, not {describe(err.get('input'))}"
    elif kind == "list_type":
        text = f"must be a list, not {describe(err.get('input'))}"
    elif kind == "too_short" and ctx.get("min_length") == 1:
        text = "must not be empty"
    elif kind == "too_short" and "min_length" in ctx:
        text = f"must be at least {ctx['min_length']} characters long"
    elif kind == "too_long" and "max_length" in ctx:
        text = (
            f"must be at most {ctx['max_length']} characters long "
            f"(has {ctx.get('actual_length', '?')})"
        )
    else:
        text = err["msg"]
    if not loc or loc[-1] == "[key]" or isinstance(loc[-1], int):
        return text
    if len(loc) >= 2 and loc[-2] == "variants":
        return f"variant {name}: {text}"
    if len(loc) >= 4 and loc[-2] == "prices" and loc[-4] == "variants":
        return f"variant {loc[-3]}: pricelist {name}: {text}"
    return f"{name}: {text}"


def _locate(data: Any, loc: tuple, start: Pos, at: Any = None, key: bool = False) -> Pos:
    """The YAML position of ``loc`` inside ``data`` (an LMap/LSeq tree starting at ``start``)."""
    node, pos = data, start
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, LMap) and isinstance(part, str) and part in node:
            next_is_key = i + 1 < len(loc) and loc[i + 1] == "[key]"
            if next_is_key or (last and key):
                return node.key_pos[part]
            if last and (node[part] is None or isinstance(node[part], LMap)) and at is None:
                return node.key_pos[part]
            node, pos = node[part], node.val_pos[part]
        elif isinstance(node, LSeq) and isinstance(part, int) and 0 <= part < len(node):
            node, pos = node[part], node.item_pos[part]
        else:
            break
    if isinstance(at, list | tuple):  # a path below the field (a model-level rule's)
        return _locate(node, tuple(at), pos)
    if at is not None:
        if isinstance(node, LMap) and str(at) in node:
            return node.key_pos[str(at)]
        if isinstance(node, LSeq) and isinstance(at, int) and 0 <= at < len(node):
            return node.item_pos[at]
    return pos


PRODUCT_ONLY = frozenset(Product.model_fields) - frozenset(Variant.model_fields)
VARIANT_ONLY = frozenset(Variant.model_fields) - frozenset(Product.model_fields)


def _first_code(variants: Any, before: str | None = None) -> str | None:
    """A variant code of ``variants`` to name in a hint: the last one written before the
    key ``before`` (the variant a stray field most likely belongs to), else the first."""
    if not isinstance(variants, LMap):
        return None
    codes = [k for k in variants if k not in VARIANT_ONLY and k not in PRODUCT_ONLY]
    if before is not None and before in variants:
        earlier = [c for c in codes if variants.key_pos[c] < variants.key_pos[before]]
        if earlier:
            return earlier[-1]
    return codes[0] if codes else None


def misplaced_field(data: Any, loc: tuple, kind: str) -> str | None:
    """When a product's error is a known field name written at the wrong level (``stock:``
    at product level or among the variant codes, ``name:`` under a variant), what to do."""
    variants = data.get("variants") if isinstance(data, LMap) else None
    if kind == "extra_forbidden" and len(loc) == 1 and loc[0] in VARIANT_ONLY:
        code = _first_code(variants)
        example = f" (e.g. under '{code}')" if code else " (variants: CODE: ...)"
        return (
            f"'{loc[0]}' is a variant field, not a product field: indent it under a variant "
            f"code in 'variants:'{example}"
        )
    if (
        kind == "extra_forbidden"
        and len(loc) == 3
        and loc[0] == "variants"
        and loc[2] in PRODUCT_ONLY
    ):
        return (
            f"'{loc[2]}' is a product field, not a variant field: move it out of variant "
            f"{loc[1]} to the product's level, beside 'variants:'"
        )
    if len(loc) == 3 and loc[0] == "variants" and loc[2] == "[key]":
        name = str(loc[1])
        if name in VARIANT_ONLY:
            code = _first_code(variants, before=name)
            under = f"under '{code}' above" if code else "under a variant code"
            return (
                f"'{name}' is a variant field, but it is written where variant codes go (one "
                f"level too far out): indent it {under}"
            )
        if name in PRODUCT_ONLY:
            return (
                f"'{name}' is a product field, but it is written where variant codes go: move "
                "it out to the product's level, beside 'variants:'"
            )
    return None


M = TypeVar("M", bound=BaseModel)


def validate_located(
    model: type[M], data: Any, file: str, start: Pos, problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        hints = {
            i: misplaced_field(data, tuple(err["loc"]), err["type"]) if model is Product else None
            for i, err in enumerate(errors)
        }
        # a stray field among the variant codes: one problem, not also "not a variant mapping"
        stray = {tuple(errors[i]["loc"][:-1]) for i, hint in hints.items() if hint is not None}
        stray = {loc for loc in stray if len(loc) == 2}
        for i, err in enumerate(errors):
            loc = tuple(err["loc"])
            if hints[i] is None and any(loc[: len(s)] == s for s in stray):
                continue
            ctx = err.get("ctx") or {}
            line, col = _locate(
                data,
                loc,
                start,
                ctx.get("at"),
                key=err["type"] == "extra_forbidden" or hints[i] is not None,
            )
            problems.append(Problem(file, line, col, hints[i] or _message(err, model)))
        return None
