"""The live cache's column codec as it was before the issue-16 speed work (format 2), kept
verbatim as the slow reference: tests/live/test_cache_codec.py checks that the fast codec in
``reconciler.live.cache_file`` writes the same bytes and reads back the same products, and
refuses the same damaged documents with the same reason."""

# ruff: noqa
from __future__ import annotations

from decimal import Decimal
from typing import Any

from reconciler.model import Product, Variant

_PLAIN, _DECIMAL, _STOCK, _TAGGED = "p", "d", "s", "t"
_PLAIN_TYPES = frozenset({str, int, bool, type(None), list})
_SCALARS = frozenset({str, int, bool, type(None)})
_KINDS = frozenset({_PLAIN, _DECIMAL, _STOCK, _TAGGED})


def encode_details(details: dict[str, tuple[tuple[str, ...], Product]]) -> dict[str, list]:
    """``LiveCache.details`` as the body's ``shapes``, ``includes``, ``products``, ``variants``."""
    shapes: dict[tuple, int] = {}
    includes: dict[tuple[str, ...], int] = {}
    product_runs: list[tuple[tuple[str, ...], list]] = []
    variant_runs: list[tuple[tuple[str, ...], list]] = []
    for index, (guid, (include, product)) in enumerate(details.items()):
        fields = tuple(sorted(product.model_fields_set - {"variants"}))
        if not product_runs or product_runs[-1][0] != fields:
            product_runs.append((fields, []))
        product_runs[-1][1].append(
            (guid, includes.setdefault(tuple(include), len(includes)), product)
        )
        for code, variant in (product.variants or {}).items():
            fields = tuple(sorted(variant.model_fields_set))
            if not variant_runs or variant_runs[-1][0] != fields:
                variant_runs.append((fields, []))
            variant_runs[-1][1].append((index, code, variant))
    products = [
        _block(
            shapes, fields, [[g for g, _, _ in run], [i for _, i, _ in run]], [p for _, _, p in run]
        )
        for fields, run in product_runs
    ]
    variants = [
        _block(
            shapes, fields, [[i for i, _, _ in run], [c for _, c, _ in run]], [v for _, _, v in run]
        )
        for fields, run in variant_runs
    ]
    return {
        "shapes": [[list(pair) for pair in shape] for shape in shapes],
        "includes": [list(include) for include in includes],
        "products": products,
        "variants": variants,
    }


def _block(shapes: dict, fields: tuple[str, ...], keys: list[list], models: list) -> list:
    columns = [_encode_column([m.__dict__[name] for m in models]) for name in fields]
    shape = tuple((name, kind) for name, (kind, _) in zip(fields, columns, strict=True))
    return [shapes.setdefault(shape, len(shapes)), *keys, *(column for _, column in columns)]


def _encode_column(column: list) -> tuple[str, list]:
    """The kind of a column of values and the column as written."""
    types = set(map(type, column))
    if types <= _SCALARS:
        return _PLAIN, column
    if types == {Decimal} and all(map(Decimal.is_finite, column)):
        return _DECIMAL, list(map(str, column))
    if types == {dict}:
        keys = {tuple(value) for value in column}
        amounts = [a for value in column for a in value.values()]
        if (
            len(keys) == 1
            and (ids := next(iter(keys)))
            and set(map(type, ids)) == {int}
            and set(map(type, amounts)) == {Decimal}
            and all(map(Decimal.is_finite, amounts))
        ):
            return _STOCK, [list(ids), list(map(str, amounts))]
    if types == {list} and all(set(map(type, value)) <= {str} for value in column):
        return _PLAIN, column
    return _TAGGED, [_enc(value) for value in column]


def decode_details(doc: dict) -> dict[str, tuple[tuple[str, ...], Product]]:
    """The products of ``encode_details`` (JSON read with the object hook). Anything this
    format does not allow (a field the model lacks, a kind, a length, a type) is damage
    (``ValueError``, ``TypeError``, ``KeyError``), not data."""
    shapes, includes = doc["shapes"], doc["includes"]
    if type(shapes) is not list or type(includes) is not list:
        raise ValueError("the shape or include table is not a list")
    for include in includes:
        if type(include) is not list or set(map(type, include)) - {str}:
            raise ValueError("an include set is not a list of texts")
    product_shapes = [_compile(shape, Product) for shape in shapes]
    variant_shapes = [_compile(shape, Variant) for shape in shapes]
    blocks = doc["products"]
    if type(blocks) is not list or type(doc["variants"]) is not list:
        raise ValueError("the products or variants are not a list")
    total = sum(
        len(b[1]) if type(b) is list and len(b) > 1 and type(b[1]) is list else 0 for b in blocks
    )
    owned: list[dict[str, Variant]] = [{} for _ in range(total)]
    for block in doc["variants"]:
        names, owners, codes, columns = _decode_block(variant_shapes, block)
        if set(map(type, owners)) - {int} or set(map(type, codes)) - {str}:
            raise ValueError("a variant's product index or code is not of its type")
        made = _make_variants(names, zip(*columns, strict=True) if columns else [()] * len(codes))
        for owner, code, variant in zip(owners, codes, made, strict=True):
            if not 0 <= owner < total or code in owned[owner]:
                raise ValueError("a variant's product index is out of range or stated twice")
            owned[owner][code] = variant
    out: dict[str, tuple[tuple[str, ...], Product]] = {}
    position = 0
    for block in blocks:
        names, guids, which, columns = _decode_block(product_shapes, block)
        if set(map(type, guids)) - {str} or set(map(type, which)) - {int}:
            raise ValueError("a product's GUID or include index is not of its type")
        rows = zip(*columns, strict=True) if columns else [()] * len(guids)
        for guid, include, row in zip(guids, which, rows, strict=True):
            values = dict(zip(names, row, strict=True))
            values["variants"] = owned[position]
            position += 1
            if guid in out:
                raise ValueError(f"product {guid} is stated twice")
            out[guid] = (tuple(includes[include]), _make_product(values))
    return out


def _decode_block(compiled: list, block: Any) -> tuple[tuple[str, ...], list, list, list]:
    if type(block) is not list or len(block) < 3:
        raise ValueError("a block is not [shape, keys, keys, columns...]")
    shape, first, second, *columns = block
    if type(shape) is not int or not 0 <= shape < len(compiled) or compiled[shape] is None:
        raise ValueError(f"unknown field(s) or shape {shape!r}")
    names, kinds = compiled[shape]
    length = len(first) if type(first) is list else -1
    if (
        length < 0
        or type(second) is not list
        or len(second) != length
        or len(columns) != len(names)
    ):
        raise ValueError("a block's keys or columns do not match its shape")
    decoded = []
    for kind, column in zip(kinds, columns, strict=True):
        if type(column) is not list:
            raise ValueError("a column is not a list")
        if kind == _STOCK:
            decoded.append(_stock_column(column, length))
            continue
        if len(column) != length:
            raise ValueError("a column's length does not match its keys")
        decoded.append(_DECODE[kind](column))
    return names, first, second, decoded


def _compile(shape: Any, model: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The field names and kinds of ``shape``, or None when it names a field ``model`` lacks
    or ``variants`` (so only a row of the other model may use it)."""
    if type(shape) is not list or not all(
        type(p) is list and len(p) == 2 and type(p[0]) is str and p[1] in _KINDS for p in shape
    ):
        raise ValueError("a shape is not a list of [field, kind] pairs")
    names = tuple(p[0] for p in shape)
    known = set(model.model_fields) - {"variants"}
    if len(set(names)) != len(names) or not set(names) <= known:
        return None
    return names, tuple(p[1] for p in shape)


def _plain_column(column: list) -> list:
    if set(map(type, column)) - _PLAIN_TYPES:
        raise ValueError("a plain value is not text, a number, a truth value, null or a list")
    return column


def _decimal_column(column: list) -> list:
    if set(map(type, column)) - {str}:
        raise ValueError("a decimal is not text")
    values = list(map(Decimal, column))
    if not all(map(Decimal.is_finite, values)):
        raise ValueError("a decimal is not finite")
    return values


def _stock_column(column: list, length: int) -> list:
    """``[[id, ...], [amount, ...]]``: the same stock ids for every value, amounts in rows."""
    if len(column) != 2 or type(column[0]) is not list or type(column[1]) is not list:
        raise ValueError("a stock column is not [ids, amounts]")
    ids, texts = column
    width = len(ids)
    if not width or set(map(type, ids)) != {int} or len(set(ids)) != width:
        raise ValueError("a stock column's ids are not distinct whole numbers")
    if len(texts) != width * length:
        raise ValueError("a stock column's amounts do not match its ids")
    amounts = _decimal_column(texts)
    return [
        dict(zip(ids, amounts[i : i + width], strict=True)) for i in range(0, len(amounts), width)
    ]


def _tagged_column(column: list) -> list:
    return column  # already restored by the object hook


_DECODE = {
    _PLAIN: _plain_column,
    _DECIMAL: _decimal_column,
    _TAGGED: _tagged_column,
}


def _constructor(model: Any) -> tuple[Any, Any]:
    """``values -> instance`` and ``(names, rows) -> instances`` for the frozen ``model``, as
    ``model_construct`` would build them (defaults copied, ``model_fields_set`` = the fields
    given) but without resolving every default per instance: ten times faster. Field names
    must be the model's (the shape decoder checks them once per shape)."""
    template: dict[str, Any] = {}
    factories: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories[name] = info.default_factory
            template[name] = None
        elif not info.is_required():
            template[name] = info.default  # None or an immutable value (frozen models)
        else:
            raise AssertionError(f"{model.__name__}.{name} is required: use model_construct")
    assert not model.__private_attributes__, "private attributes need model_construct"
    new, set_attr = model.__new__, object.__setattr__

    def build(state: dict[str, Any], given: set[str]) -> Any:
        for name, factory in factories.items():
            if name not in given:
                state[name] = factory()
        obj = new(model)
        set_attr(obj, "__dict__", state)
        set_attr(obj, "__pydantic_fields_set__", given)
        set_attr(obj, "__pydantic_extra__", None)
        set_attr(obj, "__pydantic_private__", None)
        return obj

    def make(values: dict[str, Any]) -> Any:
        state = template.copy()  # in field order, as pydantic keeps it (dumps, reprs)
        state.update(values)
        return build(state, set(values))

    def make_many(names: tuple[str, ...], rows: Any) -> list:
        if factories and not set(factories) <= set(names):
            return [make(dict(zip(names, row, strict=True))) for row in rows]
        given = set(names)
        copy = template.copy
        out: list[Any] = []
        append = out.append
        for row in rows:  # build() inlined: the hot path of a load
            state = copy()
            state.update(zip(names, row))  # noqa: B905 (rows are as wide as names: zip(*columns))
            obj = new(model)
            set_attr(obj, "__dict__", state)
            set_attr(obj, "__pydantic_fields_set__", set(given))
            set_attr(obj, "__pydantic_extra__", None)
            set_attr(obj, "__pydantic_private__", None)
            append(obj)
        return out

    return make, make_many


_make_product, _ = _constructor(Product)
_, _make_variants = _constructor(Variant)


def _enc(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, dict):
        return {"$m": [[k, _enc(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_enc(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__} value")
