"""The parse cache's product entries (``plan --parse-cache DIR``, issue 16): each product of a
plainly laid out product file kept by its block's text, already checked.

Parsing the YAML is only half of a load; checking every product against the model is the other
half, so a cache of parsed trees (``parse_cache``) saves a quarter at most. Here a product file
that ``blocks.split_blocks`` cuts into one block a product has one entry (keyed by the file's
path, the tool's code and this format), mapping the sha256 of each block's text to what loading
that block gave: the product as the model dumps it (JSON: decimals as their exact text), the
keys and codes as written with their positions relative to the block's first line, the
pricelist rows' and link targets' positions, and the block's node count. A file whose blocks
are all there is not parsed at all; a pull request's changed file parses only its changed
blocks (``load`` cuts the others out and keeps the lines where they were).

What is kept is only what can be given back exactly: a product is kept only from a file that
loaded without any problem, and only when validating its dump gives the same product with the
same fields set (``payload`` checks it); the entry is keyed by the tool's code, so a changed
model misses. The cache is still a claim (see ``parse_cache``): ``restore`` validates every
dump with the model again (a dump the model refuses is a ``BadEntry``) and checks that the
keys, codes and positions fit the product and the block. A poisoned entry can therefore make a
plan show a product the YAML does not say, as a poisoned tree could, never run code or skip
the model; ``apply`` never reads the cache. JSON only.

Pure: no I/O here.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from reconciler import __version__
from reconciler.desired.locate import MAX_COLUMN, Location
from reconciler.desired.parse_cache import BadEntry
from reconciler.desired.values import MEASURE_UNIT_KEYS
from reconciler.model import Product

__all__ = ["Kept", "block_key", "decode_entry", "encode_entry", "file_key", "payload", "restore"]

FORMAT = 1
# [guid, dump, keys, codes, variant keys, lines (from the block's first), columns, other
# positions, nodes]
_PAYLOAD_LENGTH = 9
_TEXT, _WHOLE = frozenset((str,)), frozenset((int,))


def file_key(file: str, salt: str) -> str:
    """The entry of product file ``file`` (as shown in problems); ``salt``: the tool's code."""
    return hashlib.sha256(
        f"shoptet-catalog {__version__} blocks {FORMAT} {salt}\0{file}".encode()
    ).hexdigest()


def block_key(block: str) -> str:
    return hashlib.sha256(block.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Kept:
    """A product given back from an entry: positions already moved to the block's line."""

    product: Product
    keys: tuple[str, ...]
    codes: tuple[str, ...]
    variant_keys: tuple[tuple[str, ...], ...]
    start: int  # the block's first line: ``rows`` are relative to it
    rows: list[int]  # the positions as ``Locations.add_packed`` takes them
    columns: list[int]
    other: list[tuple[tuple, Location]]  # pricelist rows' and link targets' keys
    nodes: int


def _dump(product: Product) -> dict[str, Any]:
    """The product as the model dumps it, with the fields whose loaded form is not what the
    YAML states (flags, a variant's measureUnit) turned back into the YAML's form, so the dump
    validates back to the same product (``payload`` checks that it does)."""
    dump = product.model_dump(mode="json", exclude_unset=True)
    if dump.get("flags"):
        dump["flags"] = {name: _flag_as_written(state) for name, state in dump["flags"].items()}
    for variant in (dump.get("variants") or {}).values():
        if isinstance(variant, dict) and variant.get("measureUnit"):
            variant["measureUnit"] = {
                key: f"{variant['measureUnit'][amount]} {variant['measureUnit'][unit]}"
                for key, (amount, unit) in MEASURE_UNIT_KEYS.items()
            }
    return dump


def _flag_as_written(state: dict[str, Any] | None) -> bool | dict[str, Any]:
    """``parse_flags``'s result back as written: false, true, or ``{from, to}``."""
    if state is None:
        return False
    dates = {key: state[part] for key, part in (("from", "dateFrom"), ("to", "dateTo"))}
    return {key: day for key, day in dates.items() if day is not None} or True


def payload(
    guid: str,
    product: Product,
    start: int,
    placed: tuple[
        tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...], list[int], list[int]
    ],
    other: list[tuple[tuple, Location]],
    nodes: int,
) -> bytes | None:
    """What to keep of product ``guid`` loaded from a block starting on line ``start``
    (``placed``: ``Locations.positions`` from ``start``; ``other``: its keys outside that
    record);
    None when its dump does not validate back to the same product with the same fields set,
    or its written keys are not the fields set (then it is parsed every time)."""
    keys, codes, variant_keys, rows, columns = placed
    dump = _dump(product)
    try:
        again = Product.model_validate(dump)
    except ValidationError:
        return None
    if again != product or _dump(again) != dump or not _keys_fit(again, keys, codes, variant_keys):
        return None
    kept = [
        guid,
        dump,
        list(keys),
        list(codes),
        [list(v) for v in variant_keys],
        rows,
        columns,
        [[list(key[1:]), where.line - start, where.column] for key, where in other],
        nodes,
    ]
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()


def _keys_fit(
    product: Product,
    keys: tuple[Any, ...],
    codes: tuple[Any, ...],
    variant_keys: tuple[tuple[Any, ...], ...],
) -> bool:
    """The keys are the fields set, each once; the codes the variants, in order."""
    fields_set = product.__pydantic_fields_set__  # model_fields_set, without its call
    if len(keys) != len(fields_set) or set(keys) != fields_set:
        return False
    variants = product.variants if "variants" in fields_set else {}
    if len(codes) != len(variants) or list(codes) != list(variants):
        return False
    if len(variant_keys) != len(codes):
        return False
    for variant, vkeys in zip(variants.values(), variant_keys, strict=True):
        fields_set = variant.__pydantic_fields_set__
        if len(vkeys) != len(fields_set) or set(vkeys) != fields_set:
            return False
    return True


def encode_entry(blocks: dict[str, bytes]) -> bytes:
    """An entry: one line a block, its sha256 and its payload (JSON), so a file with one
    changed block is written again without encoding the others."""
    return b"".join(sha.encode() + b" " + raw + b"\n" for sha, raw in blocks.items())


def decode_entry(blob: bytes) -> dict[str, bytes]:
    """Block sha256 -> payload (JSON, decoded and checked when used, by ``restore``);
    ``BadEntry`` when the entry is not lines of a sha256 and a payload."""
    blocks: dict[str, bytes] = {}
    if not blob:
        return blocks
    for line in blob.split(b"\n")[:-1] if blob.endswith(b"\n") else [blob]:
        sha, _, raw = line.partition(b" ")
        if len(sha) != 64 or not raw or _HEX.fullmatch(sha) is None:
            raise BadEntry("not an entry of product blocks")
        blocks[sha.decode()] = raw
    return blocks


_HEX = re.compile(rb"[0-9a-f]{64}")


def _lists(*values: Any) -> None:
    if not all(isinstance(v, list) for v in values):
        raise BadEntry("keys or positions that are not lists")


def decode_payloads(raws: list[bytes]) -> list[Any]:
    """Each payload's JSON (None where it is not JSON, or JSON orjson refuses: an integer
    beyond 64 bits, a lone surrogate; such a block is parsed again), in one parse when every
    one is: a parse a file costs far less than a parse a block."""
    try:
        joined = orjson.loads(b"[" + b",".join(raws) + b"]")
        if isinstance(joined, list) and len(joined) == len(raws):
            return joined
    except orjson.JSONDecodeError:  # invalid UTF-8 too
        pass
    out: list[Any] = []
    for raw in raws:  # one by one, so one bad payload costs only its block
        try:
            out.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            out.append(None)
    return out


def restore(kept: Any, guid: str, file: str, start: int, lines: int) -> Kept:
    """Payload ``kept`` (``decode_payloads``) as product ``guid`` of a block of ``lines``
    lines starting on line ``start`` of ``file``; ``BadEntry`` unless it has the payload's
    shape, the model accepts the dump and the keys, codes and positions fit it and the
    block."""
    if not isinstance(kept, list) or len(kept) != _PAYLOAD_LENGTH:
        raise BadEntry("a payload that is not a list of its parts")
    got, dump, keys, codes, variant_keys, rows, columns, other, nodes = kept
    if got != guid or not isinstance(dump, dict) or type(nodes) is not int or nodes < 1:
        raise BadEntry("a payload of another product, or no node count")
    try:
        product = Product.model_validate(dump)
    except ValidationError as err:
        raise BadEntry(f"a product the model refuses ({err.error_count()} errors)") from None
    _lists(keys, codes, variant_keys, rows, columns, other, *variant_keys)
    vkeys = tuple(map(tuple, variant_keys))
    try:  # equal to the fields set (text), so every key is text
        fit = _keys_fit(product, tuple(keys), tuple(codes), vkeys)
    except TypeError:  # a key that is a list or a mapping
        fit = False
    if not fit:
        raise BadEntry("keys that do not fit the product")
    count = 1 + len(keys) + sum(1 + len(v) for v in vkeys)
    if len(rows) != count or len(columns) != count:
        raise BadEntry("positions that do not fit the keys")
    if not set(map(type, rows)) <= _WHOLE or not set(map(type, columns)) <= _WHOLE:
        raise BadEntry("positions that are not whole numbers")
    if (rows[0], columns[0]) != (0, 3) or min(rows) < 0 or max(rows) >= lines:
        raise BadEntry("a position outside the block, or the product's key not at its start")
    if min(columns) < 1 or max(columns) > MAX_COLUMN:
        raise BadEntry("a column outside the block")
    placed = []
    for item in other:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], list)):
            raise BadEntry("another position that is not [key, line, column]")
        suffix, line, column = item
        if not suffix or not set(map(type, suffix)) <= _TEXT | _WHOLE:
            raise BadEntry("another position's key is not text and numbers")
        if type(line) is not int or type(column) is not int or not 0 <= line < lines:
            raise BadEntry("another position outside the block")
        if not 1 <= column <= MAX_COLUMN:
            raise BadEntry("another position outside the block")
        placed.append(((guid, *suffix), Location(file, start + line, column)))
    return Kept(product, tuple(keys), tuple(codes), vkeys, start, rows, columns, placed, nodes)
