"""The live cache file (``plan --cache DIR``): what the last full read saw, and when.

One gzip-compressed file, ``DIR/live-cache.json.gz``, written atomically (a temporary file
renamed into place), so a crash leaves the previous cache or the new one, never half of one.
Its first line is a JSON header ``{"format": 2, "tool": "shoptet-catalog 0.1.0", "checksum":
sha256 of the body's bytes}``, the rest is the JSON body::

    {"format": 2, "tool": "shoptet-catalog 0.1.0",
     "eshopId": 123, "pricelistId": 1, "defaultPricelistId": 1, "stocks": [1, 2],
     "readAt": "2026-11-27T14:00:00+00:00",   # taken BEFORE the read started
     "names": {guid: name, ...},               # every live product (the product list)
     "shapes": [...], "includes": [...],       # managed products, as read: column by
     "products": [...], "variants": [...]}     # column (see "product encoding" below)

The products are the *converted* live products (``live_convert.product_from_detail``), each
with the includes it was read with, so a product whose YAML now manages more (e.g. stock) is
re-read. Decimals and mappings come back with their types (``Decimal``, integer stock ids).
Format 1 (one JSON object per product) is another format: such a cache is not used.

The cache never holds a token or anything from the environment: only what the shop answered.

``load_cache`` returns the cache or a one-line reason it cannot be used: missing, damaged
(not gzip, not JSON, wrong shape, checksum mismatch), another format or tool version, or over
a limit. Limits, so a damaged or planted file (a gzip bomb) cannot exhaust memory: the file
itself at most ``MAX_FILE_BYTES`` (128 MiB), its decompressed content at most
``MAX_CONTENT_BYTES`` (512 MiB; decompressed in bounded chunks, stopping as soon as the limit
is passed, never all at once) and JSON nested at most ``MAX_JSON_DEPTH`` levels (a real cache
nests about 10 deep). Over a limit the cache is not used: the caller's one-line notice and a
full read.
Whether it fits *this* read (e-shop, pricelist, stocks, age) is ``LiveCache.unusable_for``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reconciler import __version__
from reconciler.errors import ConfigError
from reconciler.gcpause import gc_paused
from reconciler.model import Product, Variant

__all__ = [
    "CACHE_FILE",
    "FEED_HISTORY",
    "FORMAT",
    "LiveCache",
    "decode_details",
    "encode_details",
    "load_cache",
    "save_cache",
]

CACHE_FILE = "live-cache.json.gz"
FORMAT = 2  # 2: products as rows against a table of shapes (issue 16: 3x faster)
TOOL = f"shoptet-catalog {__version__}"
MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_CONTENT_BYTES = 512 * 1024 * 1024
MAX_JSON_DEPTH = 32
_CHUNK = 1024 * 1024
# Shoptet guarantees 30 days of history in the changes feed and supplies changedFrom (notes §5a, §6).
FEED_HISTORY = timedelta(days=30)


@dataclass
class LiveCache:
    eshop_id: int | None
    pricelist_id: int | None
    default_pricelist_id: int | None
    stocks: list[int]
    read_at: datetime
    names: dict[str, str | None] = field(default_factory=dict)
    details: dict[str, tuple[tuple[str, ...], Product]] = field(default_factory=dict)
    tool: str = TOOL

    def unusable_for(self, shop: Any, now: datetime, margin: timedelta) -> str | None:
        """Why this cache cannot serve a read of ``shop`` at ``now``, or None when it can."""
        if self.tool != TOOL:
            return f"it was written by {self.tool}, this is {TOOL}"
        if self.eshop_id != shop.eshop_id:
            return f"it is for e-shop {self.eshop_id}, this is e-shop {shop.eshop_id}"
        if (self.pricelist_id, self.default_pricelist_id) != (
            shop.pricelist_id,
            shop.default_pricelist_id,
        ):
            return "the pricelist it was read with is not this plan's"
        if sorted(self.stocks) != sorted(shop.stocks):
            return "the e-shop's stocks changed since it was written"
        if self.read_at > now + margin:
            return f"its read time {self.read_at.isoformat()} is in the future (clock skew?)"
        if self.read_at - margin < now - FEED_HISTORY:
            return (
                f"it is from {self.read_at.isoformat()}, older than the 30 days Shoptet's "
                "changes feed guarantees"
            )
        return None


def load_cache(cache_dir: Path) -> tuple[LiveCache | None, str]:
    """The cache in ``cache_dir``, or None and the reason it cannot be used."""
    with gc_paused():
        return _load_cache(cache_dir)


def _load_cache(cache_dir: Path) -> tuple[LiveCache | None, str]:
    path = Path(cache_dir) / CACHE_FILE
    if not path.is_file():
        return None, "no cache yet"
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, f"the cache file is larger than {_mib(MAX_FILE_BYTES)}"
        raw = _decompress_bounded(path)
        if raw is None:
            return None, (
                f"the cache file decompresses to more than {_mib(MAX_CONTENT_BYTES)} "
                "(damaged, or not written by this tool)"
            )
        head_raw, _, body = raw.partition(b"\n")
        head = json.loads(head_raw.decode("utf-8"))
    except (OSError, EOFError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, f"the cache file is damaged ({type(exc).__name__})"
    if not isinstance(head, dict):
        return None, "the cache file is damaged (not a JSON object)"
    if head.get("format") != FORMAT or head.get("tool") != TOOL:
        return None, (
            f"it was written by {head.get('tool')!s} (format {head.get('format')!s}), "
            f"this is {TOOL} (format {FORMAT})"
        )
    if head.get("checksum") != hashlib.sha256(body).hexdigest():
        return None, "the cache file is damaged (checksum mismatch)"
    if _too_deep(body, MAX_JSON_DEPTH):
        return None, f"the cache file is damaged (JSON nested deeper than {MAX_JSON_DEPTH} levels)"
    try:
        doc = json.loads(body.decode("utf-8"), object_hook=_hook)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, f"the cache file is damaged ({type(exc).__name__})"
    try:
        cache = LiveCache(
            eshop_id=doc["eshopId"],
            pricelist_id=doc["pricelistId"],
            default_pricelist_id=doc["defaultPricelistId"],
            stocks=[int(s) for s in doc["stocks"]],
            read_at=datetime.fromisoformat(doc["readAt"]),
            names={str(g): n for g, n in doc["names"].items()},
            details=decode_details(doc),
            tool=doc["tool"],
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
        # ArithmeticError: decimal.InvalidOperation, a text that is no number
        return None, f"the cache file is damaged (malformed: {exc!s})"
    if cache.read_at.tzinfo is None:
        return None, "the cache file is damaged (read time without a time zone)"
    if not set(cache.details) <= set(cache.names):
        return None, "the cache is inconsistent (a product read in detail is not in its list)"
    return cache, ""


def _mib(n: int) -> str:
    return f"{n // 1024 // 1024} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _decompress_bounded(path: Path) -> bytes | None:
    """The decompressed bytes of ``path``, or None as soon as they pass
    ``MAX_CONTENT_BYTES`` (at most one chunk more is ever held)."""
    out = bytearray()
    with gzip.open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            out += chunk
            if len(out) > MAX_CONTENT_BYTES:
                return None
    return bytes(out)


_STRING = re.compile(rb'"[^"]*"')
_PAIR = re.compile(rb"\[\]|\{\}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def _too_deep(body: bytes, limit: int) -> bool:
    """Whether the JSON in ``body`` nests deeper than ``limit``, checked before parsing so a
    deeply nested file never reaches the recursive decoder. Escapes are dropped (``\\\\``
    first, then ``\\"``), then everything but quotes and brackets, then the strings, then
    innermost bracket pairs once per level: all at C speed."""
    rest = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    rest = _STRING.sub(b"", rest.replace(b'""', b""))  # most strings hold no bracket: fast
    for _ in range(limit):
        if not rest:
            return False
        rest = _PAIR.sub(b"", rest)
    return bool(rest)


def save_cache(cache_dir: Path, cache: LiveCache) -> Path:
    """Write ``cache`` atomically into ``cache_dir`` (created if missing)."""
    with gc_paused():
        return _save_cache(cache_dir, cache)


def _save_cache(cache_dir: Path, cache: LiveCache) -> Path:
    cache_dir = Path(cache_dir)
    doc = {
        "format": FORMAT,
        "tool": cache.tool,
        "eshopId": cache.eshop_id,
        "pricelistId": cache.pricelist_id,
        "defaultPricelistId": cache.default_pricelist_id,
        "stocks": sorted(cache.stocks),
        "readAt": cache.read_at.isoformat(),
        "names": dict(sorted(cache.names.items())),
        **encode_details(dict(sorted(cache.details.items()))),
    }
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head = {"format": FORMAT, "tool": cache.tool, "checksum": hashlib.sha256(body).hexdigest()}
    path = cache_dir / CACHE_FILE
    tmp = cache_dir / f".{CACHE_FILE}.{os.getpid()}.tmp"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        data = json.dumps(head).encode("utf-8") + b"\n" + body
        tmp.write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the live cache {path}: {exc.strerror or exc}") from None
    return path


def _hook(obj: dict) -> Any:
    """``json.loads`` object hook: the tagged values back to their types."""
    if len(obj) == 1:
        if "$d" in obj:
            return Decimal(obj["$d"])
        if "$m" in obj:
            return {k: v for k, v in obj["$m"]}
    return obj


# -- product encoding ----------------------------------------------------------------------
#
# Column by column, so a load or save converts whole columns with C-level ``map`` instead of
# calling Python per value (issue 16: 10,000 products in well under 0.5 s). The body holds
#
#   "shapes":   [[[field, kind], ...], ...]  field names written once, checked once per file
#   "includes": [[include, ...], ...]        the distinct include sets
#   "products": [[shape, [guid, ...], [include index, ...], column, ...], ...]
#   "variants": [[shape, [product index, ...], [code, ...], column, ...], ...]
#
# A block is a run of consecutive products (or variants, in product then variant order) that
# state the same fields, so order is kept; a product index counts products across blocks.
# Kinds: ``p`` text, a whole number, a truth value, null or a list of texts, as JSON has them;
# ``d`` a Decimal as its text; ``s`` mappings of the same integer stock ids to Decimals as
# ``[[id, ...], ["text", ...]]`` (the amounts row by row); ``t`` anything else, tagged
# (``{"$d": ...}``, ``{"$m": [[key, value], ...]}``, restored by the JSON object hook).

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
