"""The live cache file (``plan --cache DIR``): what the last full read saw, and when.

One gzip-compressed file, ``DIR/live-cache.json.gz``, written atomically (a temporary file
renamed into place), so a crash leaves the previous cache or the new one, never half of one.
Its first line is a JSON header ``{"format": 3, "tool": "shoptet-catalog 0.1.0", "checksum":
sha256 of the body's bytes, "eshopId", "pricelistId", "defaultPricelistId", "stocks", "readAt"}``
(the last five as in the body), the rest is the JSON body::

    {"format": 3, "tool": "shoptet-catalog 0.1.0",
     "eshopId": 123, "pricelistId": 1, "defaultPricelistId": 1, "stocks": [1, 2],
     "readAt": "2026-11-27T14:00:00+00:00",   # taken BEFORE the read started
     "names": {guid: name, ...},               # every live product (the product list)
     "shapes": [...], "includes": [...],       # managed products, as read: column by
     "products": [...], "variants": [...]}     # column (see "product encoding" below)

The products are the *converted* live products (``live_convert.product_from_detail``), each
with the includes it was read with, so a product whose YAML now manages more (e.g. stock) is
re-read. Decimals and mappings come back with their types (``Decimal``, integer stock ids).
Format 1 (one JSON object per product) and 2 (no read time in the header) are other formats:
such a cache is not used.

``peek_cache`` reads the header alone (the first line: no decompressing the body), so a cached
read can start the requests a usable cache will need (the changes feed since its read time...)
while the body loads. The header is not trusted for anything else: ``load_cache`` refuses a
file whose header does not state what its body does.

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
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import chain, compress, repeat
from operator import attrgetter, call, itemgetter, ne
from pathlib import Path
from typing import Any

from reconciler import __version__
from reconciler.errors import ConfigError
from reconciler.gcpause import gc_paused
from reconciler.model import Product, Variant

__all__ = [
    "CACHE_FILE",
    "DELTA_FILE",
    "FEED_HISTORY",
    "FORMAT",
    "LiveCache",
    "decode_details",
    "encode_details",
    "load_cache",
    "peek_cache",
    "products_from_summaries",
    "save_cache",
]

CACHE_FILE = "live-cache.json.gz"
DELTA_FILE = "live-cache.delta.json.gz"
# A delta holding more than 1 in DELTA_SHARE products is folded into a new base file.
DELTA_SHARE = 4
# 2: products as rows against a table of shapes (issue 16: 3x faster); 3: the read time, e-shop,
# pricelists and stocks in the header too (``peek_cache``)
FORMAT = 3
TOOL = f"shoptet-catalog {__version__}"
MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_CONTENT_BYTES = 512 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_HEADER_BYTES = 64 * 1024  # a real header is about 250 bytes
# Models built per C-level pass: between passes the early reads' threads get the GIL (one pass
# over 500,000 variants held it 0.4 s, starving the detail reads beside the load).
BUILD_CHUNK = 20_000
_CHUNK = 1024 * 1024
# What the header repeats from the body (``peek_cache``); the load checks they agree.
_HEADED = ("eshopId", "pricelistId", "defaultPricelistId", "stocks", "readAt")
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
    # Where the products came from (``save_cache`` writes a delta against ``base``): the base
    # file's checksum, the GUIDs it holds products for, those the delta file replaced.
    base: str | None = field(default=None, compare=False, repr=False)
    base_guids: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    in_delta: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

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


def peek_cache(cache_dir: Path) -> LiveCache | None:
    """What the header of the cache in ``cache_dir`` says it is for (no names, no products),
    or None when there is no header of this format and tool version to read. Unchecked (the
    checksum covers only the body): use it to start early what a usable cache will need,
    never as the cache; ``load_cache`` refuses a header that differs from its body."""
    base = _peek_header(Path(cache_dir) / CACHE_FILE)
    if base is None:
        return None
    delta_path = Path(cache_dir) / DELTA_FILE
    if not delta_path.exists():
        return _headed_cache(base)
    delta = _peek_header(delta_path)
    if delta is None:
        return None  # a damaged delta: the load will say so
    return _headed_cache(delta if delta.get("base") == base.get("checksum") else base)


def _peek_header(path: Path) -> dict | None:
    """The first line of ``path`` as a header of this format and tool version, or None."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        with gzip.open(path, "rb") as f:
            line = f.readline(MAX_HEADER_BYTES)
        head = json.loads(line.decode("utf-8"))
    except (OSError, EOFError, ValueError, RecursionError):  # UnicodeDecodeError: a ValueError
        return None
    if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("tool") != TOOL:
        return None
    return head


def _headed_cache(fields: dict) -> LiveCache | None:
    """A LiveCache of the ``_HEADED`` fields (no names, no products); None when they are not
    there or not of their types."""
    try:
        cache = LiveCache(**_headed_arguments(fields))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return cache if cache.read_at.tzinfo is not None else None


def _headed_arguments(fields: dict) -> dict[str, Any]:
    """``LiveCache``'s arguments from the ``_HEADED`` fields and the tool, of a header or a
    body; KeyError, TypeError, ValueError or AttributeError when one is missing or wrong."""
    return {
        "eshop_id": fields["eshopId"],
        "pricelist_id": fields["pricelistId"],
        "default_pricelist_id": fields["defaultPricelistId"],
        "stocks": [int(s) for s in fields["stocks"]],
        "read_at": datetime.fromisoformat(fields["readAt"]),
        "tool": fields["tool"],
    }


def _load_cache(cache_dir: Path) -> tuple[LiveCache | None, str]:
    path = Path(cache_dir) / CACHE_FILE
    if not path.is_file():
        return None, "no cache yet"
    read = _read_document(path, "the cache file")
    if isinstance(read, str):
        return None, read
    head, doc = read
    try:
        cache = LiveCache(
            **_headed_arguments(doc),
            names={str(g): n for g, n in doc["names"].items()},
            details=decode_details(doc),
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
        # ArithmeticError: decimal.InvalidOperation, a text that is no number
        return None, f"the cache file is damaged (malformed: {exc!s})"
    cache.base, cache.base_guids = head["checksum"], frozenset(cache.details)
    delta_path = Path(cache_dir) / DELTA_FILE
    if delta_path.exists():
        why = _apply_delta(cache, delta_path)
        if why:
            return None, why
    if cache.read_at.tzinfo is None:
        return None, "the cache file is damaged (read time without a time zone)"
    if not cache.details.keys() <= cache.names.keys():
        return None, "the cache is inconsistent (a product read in detail is not in its list)"
    return cache, ""


def _apply_delta(cache: LiveCache, path: Path) -> str:
    """Bring ``cache`` (the base file's) up to the delta file at ``path``; the reason it
    cannot be used, or "". A delta written for another base (left by a crash between writing
    a new base and removing the delta) is not this base's: the base alone is the cache."""
    read = _read_document(path, "the cache's delta file")
    if isinstance(read, str):
        return read
    head, doc = read
    if head.get("base") != cache.base:
        return ""
    try:
        gone = doc["gone"]
        if type(gone) is not list or set(map(type, gone)) - {str}:
            raise ValueError("the products gone are not a list of GUIDs")
        details = decode_details(doc)
        read_at = datetime.fromisoformat(doc["readAt"])
        names = {str(g): n for g, n in doc["names"].items()}
        stocks = [int(s) for s in doc["stocks"]]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
        return f"the cache's delta file is damaged (malformed: {exc!s})"
    if not set(gone) <= cache.base_guids or not details.keys().isdisjoint(gone):
        return "the cache's delta file is damaged (a product gone is not in the base, or back)"
    for guid in gone:
        del cache.details[guid]
    cache.details.update(details)
    cache.names, cache.read_at, cache.stocks = names, read_at, stocks
    cache.eshop_id, cache.pricelist_id = doc["eshopId"], doc["pricelistId"]
    cache.default_pricelist_id = doc["defaultPricelistId"]
    cache.in_delta = frozenset(details)
    return ""


def _read_document(path: Path, what: str) -> tuple[dict, dict] | str:
    """The header and body of the cache document at ``path``, checked (limits, format, tool,
    checksum, nesting, header against body), or the reason it cannot be used, naming it
    ``what``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return f"{what} is larger than {_mib(MAX_FILE_BYTES)}"
        raw = _decompress_bounded(path)
        if raw is None:
            return (
                f"{what} decompresses to more than {_mib(MAX_CONTENT_BYTES)} "
                "(damaged, or not written by this tool)"
            )
        head_raw, _, body = raw.partition(b"\n")
        head = json.loads(head_raw.decode("utf-8"))
    except (OSError, EOFError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        return f"{what} is damaged ({type(exc).__name__})"
    if not isinstance(head, dict):
        return f"{what} is damaged (not a JSON object)"
    if head.get("format") != FORMAT or head.get("tool") != TOOL:
        return (
            f"it was written by {head.get('tool')!s} (format {head.get('format')!s}), "
            f"this is {TOOL} (format {FORMAT})"
        )
    if head.get("checksum") != hashlib.sha256(body).hexdigest():
        return f"{what} is damaged (checksum mismatch)"
    if _too_deep(body, MAX_JSON_DEPTH):
        return f"{what} is damaged (JSON nested deeper than {MAX_JSON_DEPTH} levels)"
    try:
        doc = json.loads(body.decode("utf-8"), object_hook=_hook)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return f"{what} is damaged ({type(exc).__name__})"
    if not isinstance(doc, dict) or any(head.get(k, head) != doc.get(k, doc) for k in _HEADED):
        return f"{what} is damaged (its header does not match its body)"
    return head, doc


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
    if b"\\" in body:  # (a cache's body rarely holds one: two scans of it saved)
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    rest = body.translate(None, _NOT_STRUCTURE)
    rest = _STRING.sub(b"", rest.replace(b'""', b""))  # most strings hold no bracket: fast
    for _ in range(limit):
        if not rest:
            return False
        rest = _PAIR.sub(b"", rest)
    return bool(rest)


def save_cache(cache_dir: Path, cache: LiveCache, touched: Iterable[str] | None = None) -> Path:
    """Write ``cache`` atomically into ``cache_dir`` (created if missing).

    ``touched``: the GUIDs whose products changed since ``cache`` was loaded from its base
    file (re-read, replaced, stock moved in place). Then only those, the ones the delta held
    already and the names are written, to the delta file (a save in proportion to the
    changes, not to the shop). Without them, without a base, or when the delta would hold
    more than 1 in ``DELTA_SHARE`` products, the whole cache is written as a new base and the
    delta removed."""
    with gc_paused():
        return _save_cache(Path(cache_dir), cache, touched)


def _save_cache(cache_dir: Path, cache: LiveCache, touched: Iterable[str] | None) -> Path:
    if touched is not None and cache.base is not None:
        dirty = (set(touched) | cache.in_delta) & cache.details.keys()
        gone = sorted(cache.base_guids - cache.details.keys())
        if (len(dirty) + len(gone)) * DELTA_SHARE <= len(cache.details):
            doc = {
                **_headed(cache),
                "base": cache.base,
                "names": dict(sorted(cache.names.items())),
                "gone": gone,
                **encode_details({g: cache.details[g] for g in sorted(dirty)}),
            }
            _write(cache_dir / DELTA_FILE, doc, base=cache.base)
            return cache_dir / DELTA_FILE
    doc = {
        **_headed(cache),
        "names": dict(sorted(cache.names.items())),
        **encode_details(dict(sorted(cache.details.items()))),
    }
    path = cache_dir / CACHE_FILE
    _write(path, doc)
    try:
        (cache_dir / DELTA_FILE).unlink(missing_ok=True)  # it was against the old base
    except OSError as exc:
        raise ConfigError(f"cannot remove the old {cache_dir / DELTA_FILE}: {exc}") from None
    return path


def _headed(cache: LiveCache) -> dict:
    return {
        "format": FORMAT,
        "tool": cache.tool,
        "eshopId": cache.eshop_id,
        "pricelistId": cache.pricelist_id,
        "defaultPricelistId": cache.default_pricelist_id,
        "stocks": sorted(cache.stocks),
        "readAt": cache.read_at.isoformat(),
    }


def _write(path: Path, doc: dict, **extra: Any) -> None:
    """``doc`` as header line + body, gzip, written to a temporary file renamed to ``path``."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head = {
        "format": FORMAT,
        "tool": doc["tool"],
        "checksum": hashlib.sha256(body).hexdigest(),
        **{k: doc[k] for k in _HEADED},
        **extra,
    }
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(head).encode("utf-8") + b"\n" + body
        tmp.write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the live cache {path}: {exc.strerror or exc}") from None


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
    guids = list(details)
    pairs = list(details.values())
    which = [includes.setdefault(tuple(include), len(includes)) for include, _ in pairs]
    products = [product for _, product in pairs]
    owners: list[int] = []
    codes: list[str] = []
    variants: list[Variant] = []
    for index, product in enumerate(products):
        if product.variants:
            owners += repeat(index, len(product.variants))
            codes += product.variants
            variants += product.variants.values()
    product_blocks = [
        _block(shapes, fields, [guids[a:b], which[a:b]], products[a:b])
        for fields, a, b in _runs(products, {"variants"})
    ]
    variant_blocks = [
        _block(shapes, fields, [owners[a:b], codes[a:b]], variants[a:b])
        for fields, a, b in _runs(variants, set())
    ]
    return {
        "shapes": [[list(pair) for pair in shape] for shape in shapes],
        "includes": [list(include) for include in includes],
        "products": product_blocks,
        "variants": variant_blocks,
    }


def _runs(models: list, left_out: set[str]) -> list[tuple[tuple[str, ...], int, int]]:
    """``models`` cut into runs of consecutive models that state the same fields (less
    ``left_out``): (sorted field names, start, end). The field sets are compared in C; only
    where one changes are they sorted."""
    sets = list(map(attrgetter("__pydantic_fields_set__"), models))
    runs: list[tuple[tuple[str, ...], int, int]] = []
    starts = [0, *compress(range(1, len(sets)), map(ne, sets, sets[1:]))]
    for start, end in zip(starts, [*starts[1:], len(sets)], strict=True):
        if start == end:
            continue  # no models at all
        fields = tuple(sorted(sets[start] - left_out))
        if runs and runs[-1][0] == fields:
            runs[-1] = (fields, runs[-1][1], end)
        else:
            runs.append((fields, start, end))
    return runs


def _block(shapes: dict, fields: tuple[str, ...], keys: list[list], models: list) -> list:
    states = list(map(vars, models))
    columns = [_encode_column(list(map(itemgetter(name), states))) for name in fields]
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
        keys = set(map(tuple, column))
        amounts = list(chain.from_iterable(map(dict.values, column)))
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
    (``ValueError``, ``TypeError``, ``KeyError``, ``IndexError``), not data.

    Whole blocks are checked and built at once (C-level ``map``); where a check fails, the
    block is gone through row by row, so the reason given is the first damaged row's."""
    shapes, includes = doc["shapes"], doc["includes"]
    if type(shapes) is not list or type(includes) is not list:
        raise ValueError("the shape or include table is not a list")
    for include in includes:
        if type(include) is not list or set(map(type, include)) - {str}:
            raise ValueError("an include set is not a list of texts")
    include_sets = list(map(tuple, includes))
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
        made = _make_variants(names, columns, len(codes))
        if owners and (min(owners) < 0 or max(owners) >= total):
            raise ValueError("a variant's product index is out of range or stated twice")
        # owned[owner][code] = variant, for the whole block in C; a pair stated twice (in
        # this block or an earlier one) adds fewer variants than rows
        touched = list(map(owned.__getitem__, set(owners)))
        before = sum(map(len, touched))
        deque(map(dict.__setitem__, map(owned.__getitem__, owners), codes, made), maxlen=0)
        if sum(map(len, touched)) - before != len(codes):
            raise ValueError("a variant's product index is out of range or stated twice")
    out: dict[str, tuple[tuple[str, ...], Product]] = {}
    position = 0
    for block in blocks:
        names, guids, which, columns = _decode_block(product_shapes, block)
        if set(map(type, guids)) - {str} or set(map(type, which)) - {int}:
            raise ValueError("a product's GUID or include index is not of its type")
        end = position + len(guids)
        # a bad include index alone raises below, with the IndexError a row-by-row read gave
        if len(set(guids)) != len(guids) or not out.keys().isdisjoint(guids):
            _refuse_products(out, guids, which, include_sets)
        made = _make_products((*names, "variants"), [*columns, owned[position:end]], len(guids))
        kept = zip(map(include_sets.__getitem__, which), made, strict=True)
        out.update(zip(guids, kept, strict=True))
        position = end
    return out


def _refuse_products(out: dict, guids: list, which: list, include_sets: list) -> None:
    """The error of the first product of a block that is stated twice (one is) or, before it,
    names an include set the table lacks: what a row-by-row read reported first."""
    seen = set(out)
    for guid, include in zip(guids, which, strict=True):
        if guid in seen:
            raise ValueError(f"product {guid} is stated twice")
        seen.add(guid)
        include_sets[include]  # IndexError, as a damaged index always was
    raise AssertionError("a block refused without a damaged product")


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
    decoded: list[list | _Same] = []
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


class _Same:
    """A decoded column whose rows all hold the one immutable ``value`` (a field nobody
    fills, one VAT rate...): its models take it from their block's template, and no row
    is touched for it (most of a real cache's columns: 2x faster builds)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __getitem__(self, rows: slice) -> _Same:
        return self  # any chunk of it is the same

    __iter__ = None  # not a sequence: iterating by __getitem__ would never end


_SAME_TYPES = (frozenset({str}), frozenset({int}), frozenset({bool}))


def _plain_column(column: list) -> list | _Same:
    types = set(map(type, column))
    if types - _PLAIN_TYPES:
        raise ValueError("a plain value is not text, a number, a truth value, null or a list")
    if types == {type(None)}:
        return _Same(None)
    # one type, so == is sameness (1 == True, but not when all are ints or all truth values)
    if types in _SAME_TYPES and column.count(column[0]) == len(column):
        return _Same(column[0])
    return column


def _decimal_column(column: list) -> list | _Same:
    numbers = _decimals(column)
    if len(numbers) == 1:
        return _Same(numbers[column[0]])
    return list(map(numbers.__getitem__, column))


def _decimals(column: list) -> dict[str, Decimal]:
    """The Decimals of ``column``'s texts, one object per distinct text (Decimals are
    immutable; prices, VAT rates and stock amounts repeat: 4x faster, less memory)."""
    if set(map(type, column)) - {str}:
        raise ValueError("a decimal is not text")
    distinct = dict.fromkeys(column)  # first occurrence first: the same text fails first
    numbers = dict(zip(distinct, map(Decimal, distinct), strict=True))
    if not all(map(Decimal.is_finite, numbers.values())):
        raise ValueError("a decimal is not finite")
    return numbers


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
    amounts = map(_decimals(texts).__getitem__, texts)
    rows = zip(*[amounts] * width)  # noqa: B905 (width divides the length)
    return list(map(dict, map(zip, repeat(ids), rows)))


def _tagged_column(column: list) -> list:
    return column  # already restored by the object hook


_DECODE = {
    _PLAIN: _plain_column,
    _DECIMAL: _decimal_column,
    _TAGGED: _tagged_column,
}


def _constructor(model: Any) -> Any:
    """``(names, columns, length) -> instances`` for the frozen ``model``, as
    ``model_construct`` would build them (defaults copied, ``model_fields_set`` = the fields
    given, one set shared by the block) but a whole block at a time with C-level ``map``: no
    Python code runs per instance.
    Field names must be the model's (the shape decoder checks them once per shape)."""
    template: dict[str, Any] = {}  # in field order, as pydantic keeps it (dumps, reprs)
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

    def make_many(names: tuple[str, ...], columns: list, length: int) -> list:
        if length <= BUILD_CHUNK:
            return make_chunk(names, columns, length)
        made: list = []
        for start in range(0, length, BUILD_CHUNK):
            part = [column[start : start + BUILD_CHUNK] for column in columns]
            made += make_chunk(names, part, min(BUILD_CHUNK, length - start))
        return made

    def make_chunk(names: tuple[str, ...], columns: list, length: int) -> list:
        named = list(zip(names, columns, strict=True))
        # the template's field order, with the block's values of the columns that never vary
        block = {**template, **{n: c.value for n, c in named if type(c) is _Same}}
        varying = [(n, c) for n, c in named if type(c) is not _Same]
        states = list(map(dict.copy, repeat(block, length)))  # a copy beats a build
        if varying:
            keys, varied = [n for n, _ in varying], [c for _, c in varying]
            rows = map(zip, repeat(keys), zip(*varied))  # noqa: B905 (all `length` long)
            deque(map(dict.update, states, rows), maxlen=0)
        for name in set(factories) - set(names):
            deque(
                map(
                    dict.__setitem__,
                    states,
                    repeat(name),
                    map(call, repeat(factories[name], length)),
                ),
                maxlen=0,
            )
        objs = list(map(new, repeat(model, length)))
        # One set for the block: nothing changes a model's fields set in place (pydantic's
        # model_copy updates a copy's own), and a set per model was 40 % of the cache's memory.
        fields_set = repeat(set(names), length)
        attributes: tuple[tuple[str, Iterable[Any]], ...] = (
            ("__dict__", states),
            ("__pydantic_fields_set__", fields_set),
            ("__pydantic_extra__", repeat(None, length)),
            ("__pydantic_private__", repeat(None, length)),
        )
        for attribute, values in attributes:
            deque(map(set_attr, objs, repeat(attribute), values), maxlen=0)
        return objs

    return make_many


_make_products = _constructor(Product)
_make_variants = _constructor(Variant)


def products_from_summaries(names: dict[str, str | None]) -> dict[str, Product]:
    """``convert.product_from_summary`` of every name, built a whole column at a time (pydantic's
    ``model_construct`` resolves every default per call: 180 µs a product)."""
    made = _make_products(("name",), [[name or None for name in names.values()]], len(names))
    return dict(zip(names, made, strict=True))


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
