"""The live cache file (``plan --cache DIR``): what the last full read saw, and when.

One gzip-compressed file, ``DIR/live-cache.json.gz``, written atomically (a temporary file
renamed into place), so a crash leaves the previous cache or the new one, never half of one.
Its first line is a JSON header ``{"format": 1, "tool": "shoptet-catalog 0.1.0", "checksum":
sha256 of the body's bytes}``, the rest is the JSON body::

    {"format": 1, "tool": "shoptet-catalog 0.1.0",
     "eshopId": 123, "pricelistId": 1, "defaultPricelistId": 1, "stocks": [1, 2],
     "readAt": "2026-11-27T14:00:00+00:00",   # taken BEFORE the read started
     "names": {guid: name, ...},               # every live product (the product list)
     "details": {guid: {"include": [...], "product": {...}}}}   # managed products, as read

``details`` holds the *converted* live product (``live_convert.product_from_detail``), with the
includes it was read with, so a product whose YAML now manages more (e.g. stock) is re-read.
Decimals are written as ``{"$d": "1.000"}`` and mappings as ``{"$m": [[key, value], ...]}`` so
``Decimal`` values and integer stock ids come back with their types.

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
import gc
import gzip
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reconciler import __version__
from reconciler.errors import ConfigError
from reconciler.model import Product, Variant

__all__ = [
    "CACHE_FILE",
    "FEED_HISTORY",
    "FORMAT",
    "LiveCache",
    "decode_product",
    "encode_product",
    "load_cache",
    "save_cache",
]

CACHE_FILE = "live-cache.json.gz"
FORMAT = 1
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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while: building or walking a large cache makes
    hundreds of thousands of containers and no cycles, and each automatic collection would
    rescan the whole heap (most of the time of a 10,000-product cache)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
            details={
                str(g): (tuple(d["include"]), decode_product(d["product"]))
                for g, d in doc["details"].items()
            },
            tool=doc["tool"],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
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
    rest = _STRING.sub(b"", rest)
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
        "details": {
            g: {"include": list(inc), "product": encode_product(p)}
            for g, (inc, p) in sorted(cache.details.items())
        },
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


def encode_product(product: Product) -> dict:
    fields = {
        name: _enc(getattr(product, name))
        for name in sorted(product.model_fields_set)
        if name != "variants"
    }
    variants = {
        code: {name: _enc(getattr(v, name)) for name in sorted(v.model_fields_set)}
        for code, v in (product.variants or {}).items()
    }
    return {"fields": fields, "variants": variants}


def decode_product(doc: dict) -> Product:
    """The product of ``encode_product``, from JSON already read with the ``_hook``.

    Built without validation, as ``model_construct`` would, but ten times faster (pydantic's
    resolves every default of every field per instance, most of a warm plan's time at 10,000
    products). A field name the model does not have is damage (``ValueError``), not data."""
    variants = {code: _make_variant(vf) for code, vf in doc["variants"].items()}
    return _make_product(dict(doc["fields"], variants=variants))


def _constructor(model: Any) -> Any:
    """A ``values -> instance`` function for the frozen ``model``: its defaults copied, the
    values set, ``model_fields_set`` = the values given (as ``model_construct``)."""
    order = tuple(model.model_fields)
    known = frozenset(order)
    defaults: dict[str, Any] = {}
    factories: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif not info.is_required():
            defaults[name] = info.default  # None or an immutable value (frozen models)
    assert not model.__private_attributes__, "private attributes need model_construct"
    new, set_attr = model.__new__, object.__setattr__

    def make(values: dict[str, Any]) -> Any:
        if not known.issuperset(values):
            raise ValueError(f"unknown field(s) {sorted(set(values) - known)}")
        state = {  # in field order, as pydantic keeps it (dumps and reprs follow it)
            name: values[name]
            if name in values
            else factories[name]()
            if name in factories
            else defaults[name]
            for name in order
        }
        obj = new(model)
        set_attr(obj, "__dict__", state)
        set_attr(obj, "__pydantic_fields_set__", set(values))
        set_attr(obj, "__pydantic_extra__", None)
        set_attr(obj, "__pydantic_private__", None)
        return obj

    return make


_make_product = _constructor(Product)
_make_variant = _constructor(Variant)


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
