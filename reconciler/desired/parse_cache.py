"""The parse cache's format (``plan --parse-cache DIR``): one YAML file's parsed tree as JSON.

An entry holds what ``yamlload.load_yaml`` returned for a file that parsed without a problem:
the values (text or null), the key order and every position. It is keyed by the sha256 of the
tool version, this format's number and the file's bytes, so a changed file or tool misses.

The cache is a claim, like the plan file: anyone who can write the cache directory (in CI, a
pull request can write its own cache entry) can put any tree there. So ``decode`` accepts only
what ``load_yaml`` could have produced: text and null values in mappings and lists, positions
that are whole numbers, text without the characters the reader refuses and in NFC. Anything
else is ``BadEntry`` and the file is parsed from its YAML. The products are validated from the
tree exactly as from a parse, and ``apply`` never reads the cache. No pickle: JSON only.

Pure: no I/O here; the directory it lives in is the caller's (``ParseCache``).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from array import array
from functools import cached_property
from typing import Any, Protocol

from reconciler import __version__
from reconciler.desired.yamlload import MAX_NODES, LMap, LSeq

FORMAT = 1
# Meta keys: real keys never hold NUL (the reader refuses control characters in text).
_MAP, _SIZES, _SEQ, _ITEMS = "\x00m", "\x00s", "\x00q", "\x00i"
# Escapes of characters the reader never lets through: C0 controls but tab and line breaks,
# DEL, any surrogate (``json.dumps(ensure_ascii=False)`` escapes none but those and the meta
# keys); scanned left to right so an escaped backslash is consumed whole.
_ESCAPE = re.compile(
    r'\\(?:\\|u0000[msqi]"|[bf]|u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F][0-9a-fA-F]{2}))'
)
_HARMLESS_ESCAPES = frozenset(("\\\\", *(f'\\u0000{m}"' for m in "msqi")))


def _refused_text(text: str) -> bool:
    return "\x7f" in text or not set(_ESCAPE.findall(text)) <= _HARMLESS_ESCAPES


class BadEntry(Exception):
    """The entry is not a tree ``load_yaml`` could have produced."""


class ParseCache(Protocol):
    """Where entries are kept (the CLI's directory). ``salt`` names the tool's code, so a
    changed model misses the checked products ``block_cache`` keeps."""

    salt: str

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, blob: bytes) -> None: ...

    def rejected(self, key: str) -> None:
        """An entry failed ``decode``: it is ignored (and said once)."""


def entry_key(data: bytes) -> str:
    return hashlib.sha256(
        f"shoptet-catalog {__version__} parse {FORMAT}\0".encode() + data
    ).hexdigest()


def encode(tree: Any) -> bytes:
    return json.dumps(_plain(tree), ensure_ascii=False, separators=(",", ":")).encode()


def _plain(node: Any) -> Any:
    if isinstance(node, LMap):
        kp, vp = node.key_pos, node.val_pos
        packed = [*node.pos]
        for k in node:
            packed += (*kp[k], *vp[k])
        out: dict[str, Any] = {_MAP: packed}
        if node.sizes is not None:
            out[_SIZES] = [node.sizes[k] for k in node]
        for k, v in node.items():
            out[k] = _plain(v)
        return out
    if isinstance(node, LSeq):
        packed = [*node.pos]
        for p in node.item_pos:
            packed += p
        return {_SEQ: packed, _ITEMS: [_plain(v) for v in node]}
    return node


class _CachedMap(LMap):
    """An ``LMap`` from the cache: its key and value positions are unpacked on first use
    (most inner mappings, such as stock, never need them)."""

    _packed: array

    @cached_property
    def key_pos(self) -> dict[str, tuple[int, int]]:  # type: ignore[override]
        p = self._packed
        return dict(zip(self, zip(p[2::4], p[3::4], strict=True), strict=True))

    @cached_property
    def val_pos(self) -> dict[str, tuple[int, int]]:  # type: ignore[override]
        p = self._packed
        return dict(zip(self, zip(p[4::4], p[5::4], strict=True), strict=True))


_VALUE_TYPES = frozenset((str, type(None), _CachedMap, LSeq))


def _no_number(text: str) -> Any:
    raise BadEntry(f"a number ({text}) where only text is written")


def decode(blob: bytes) -> Any:
    """The tree of an entry; ``BadEntry`` when it is not one ``load_yaml`` could produce."""
    try:
        text = blob.decode("utf-8")
        if _refused_text(text) or not unicodedata.is_normalized("NFC", text):
            raise BadEntry("text the YAML reader refuses")
        counted = [0]  # values so far: the reader's MAX_NODES holds for an entry too

        def hook(obj: dict[str, Any]) -> Any:
            node = _hook(obj)
            counted[0] += len(node) + 1
            if counted[0] > MAX_NODES:
                raise BadEntry(f"more than {MAX_NODES} values")
            return node

        tree = json.loads(text, object_hook=hook, parse_float=_no_number, parse_constant=_no_number)
        if type(tree) not in _VALUE_TYPES:
            raise BadEntry("the document is not text, a mapping or a list")
        return tree
    except (ValueError, TypeError, OverflowError, KeyError, RecursionError) as err:
        # json's errors are ValueErrors; array() refuses non-integers and negatives
        raise BadEntry(str(err)) from None


def _hook(obj: dict[str, Any]) -> Any:
    packed = obj.pop(_MAP, None)
    if packed is not None:
        sizes = obj.pop(_SIZES, None)
        out = _CachedMap(obj)
        out._packed = positions = array("L", packed)
        if len(positions) != 2 + 4 * len(out) or not set(map(type, out.values())) <= _VALUE_TYPES:
            raise BadEntry("a mapping's positions or values do not fit")
        out.pos = (positions[0], positions[1])
        if sizes is not None:
            counts = array("L", sizes)
            if len(counts) != len(out):
                raise BadEntry("a mapping's sizes do not fit")
            out.sizes = dict(zip(out, counts, strict=True))
        return out
    packed, items = obj.pop(_SEQ, None), obj.pop(_ITEMS, None)
    if packed is None or obj or type(items) is not list:
        raise BadEntry("an object that is neither a mapping nor a list")
    positions = array("L", packed)
    if len(positions) != 2 + 2 * len(items) or not set(map(type, items)) <= _VALUE_TYPES:
        raise BadEntry("a list's positions or items do not fit")
    seq = LSeq(items)
    seq.pos = (positions[0], positions[1])
    seq.item_pos = list(zip(positions[2::2], positions[3::2], strict=True))
    return seq
