"""The image lock file: which Shoptet image each source URL became (issue 18). No I/O here:
``parse`` takes the file's bytes, ``render`` returns its text; the loader and the CLI read and
write it.

Shoptet names every image itself (``106.jpg``) and keeps neither the source URL nor a hash,
so after an apply adds ``{src: URL}`` only this file can say that ``106.jpg`` *is* that URL.
It sits next to the catalog (``catalog/images.lock.yaml``), is written by ``apply`` (each
image it added) and by ``import`` (the mapping, pruned to the images the shop still has), and
is committed with the catalog. It is never edited by hand: its ``checksum`` covers the
mapping, and a file whose checksum does not match (or that does not parse) is a located error.

What happens if an apply's update of this file is lost (the CI run that applied did not commit
it back) is ``plan.images``'s business: a product whose gallery holds images that neither this
file nor the YAML explains is not given any image by URL (the plan refuses, naming them), so a
lost lock can never add an image twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticCustomError

from reconciler.desired.images import parse_name, parse_src
from reconciler.desired.values import parse_guid
from reconciler.desired.yamlload import LMap, LSeq, load_yaml
from reconciler.errors import Problem

LOCK_FILE = "images.lock.yaml"
VERSION = 1
HEADER = (
    "# Which Shoptet image each source URL became (Shoptet keeps no source URL).\n"
    "# Written by `shoptet-catalog apply` and `shoptet-catalog import`: do not edit it by hand\n"
    "# (the checksum would no longer match). Commit it with the catalog.\n"
)
_FIX = (
    "restore the file from git (`git checkout -- {file}`) or from the last apply's artifact; "
    "if it is lost, delete it and run `shoptet-catalog import` for the products it held"
)


@dataclass(frozen=True)
class LockEntry:
    src: str
    name: str


@dataclass(frozen=True)
class ImageLock:
    """``products``: GUID -> the images added by URL, each ``(src, name)``."""

    products: Mapping[str, tuple[LockEntry, ...]] = field(default_factory=dict)

    def entries(self, guid: str) -> tuple[LockEntry, ...]:
        return self.products.get(guid.lower(), ())

    def name_of(self, guid: str, src: str) -> str | None:
        return next((e.name for e in self.entries(guid) if e.src == src), None)

    def src_of(self, guid: str, name: str) -> str | None:
        return next((e.src for e in self.entries(guid) if e.name == name), None)

    def replaced(self, guid: str, entries: Iterable[LockEntry]) -> ImageLock:
        """This lock with ``guid``'s entries replaced (none: the product is dropped)."""
        products = dict(self.products)
        kept = tuple(sorted(set(entries), key=lambda e: (e.name, e.src)))
        if kept:
            products[guid.lower()] = kept
        else:
            products.pop(guid.lower(), None)
        return ImageLock(products)

    def added(self, guid: str, entries: Iterable[LockEntry]) -> ImageLock:
        """``guid``'s entries plus ``entries`` (a src learned again replaces its old name)."""
        new = list(entries)
        srcs = {e.src for e in new}
        return self.replaced(guid, [*(e for e in self.entries(guid) if e.src not in srcs), *new])

    def as_data(self) -> dict[str, list[dict[str, str]]]:
        return {
            g: [{"src": e.src, "name": e.name} for e in entries]
            for g, entries in sorted(self.products.items())
        }


def checksum(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def render(lock: ImageLock) -> str:
    """The file's text (deterministic: products by GUID, entries by name)."""
    data = lock.as_data()
    lines = [HEADER, f"version: {VERSION}\n", f"checksum: {checksum(data)}\n"]
    if not data:
        lines.append("products: {}\n")
    else:
        lines.append("products:\n")
        for guid, entries in data.items():
            lines.append(f"  {guid}:\n")
            for e in entries:
                lines.append(f"    - src: {json.dumps(e['src'], ensure_ascii=False)}\n")
                lines.append(f"      name: {json.dumps(e['name'])}\n")
    return "".join(lines)


def parse(file: str, data: bytes) -> tuple[ImageLock, list[Problem]]:
    """The lock in ``data`` and every problem found (then the lock is empty)."""
    doc, problems = load_yaml(file, data)
    if problems:
        fix = _FIX.format(file=file)
        return ImageLock(), [
            Problem(p.file, p.line, p.column, f"image lock: {p.message}; {fix}") for p in problems
        ]
    out: dict[str, tuple[LockEntry, ...]] = {}
    found: list[Problem] = []

    def bad(pos: tuple[int, int], message: str) -> None:
        found.append(Problem(file, pos[0], pos[1], f"image lock: {message}"))

    if not isinstance(doc, LMap) or set(doc) != {"version", "checksum", "products"}:
        bad(
            (1, 1),
            f"not an image lock file (version, checksum, products); {_FIX.format(file=file)}",
        )
        return ImageLock(), found
    if str(doc["version"]) != str(VERSION):
        bad(
            doc.val_pos["version"],
            f"version {doc['version']} is not {VERSION}: a newer tool wrote it",
        )
        return ImageLock(), found
    products = doc["products"]
    if not isinstance(products, LMap):
        bad(
            doc.val_pos["products"],
            f"products must be a mapping GUID -> images; {_FIX.format(file=file)}",
        )
        return ImageLock(), found
    for guid, items in products.items():
        try:
            parse_guid(guid)
            entries = _entries(items)
        except ValueError as err:
            bad(products.key_pos[guid], f"product {guid}: {err}; {_FIX.format(file=file)}")
            continue
        except PydanticCustomError as err:  # the value parsers' finished messages
            bad(
                products.key_pos[guid], f"product {guid}: {err.message()}; {_FIX.format(file=file)}"
            )
            continue
        out[guid] = entries
    if found:
        return ImageLock(), found
    lock = ImageLock(out)
    if str(doc["checksum"]) != checksum(lock.as_data()):
        bad(
            doc.key_pos["checksum"],
            "the checksum does not match the mapping: the file was edited by hand (or merged "
            f"by git). {_FIX.format(file=file)}",
        )
        return ImageLock(), found
    return lock, []


def _entries(items: Any) -> tuple[LockEntry, ...]:
    if not isinstance(items, LSeq):
        raise ValueError("must be a list of {src, name}")
    out: list[LockEntry] = []
    for item in items:
        if not isinstance(item, LMap) or set(item) != {"src", "name"}:
            raise ValueError("each image is {src, name}")
        out.append(LockEntry(parse_src(item["src"]), parse_name(item["name"])))
    if len({e.src for e in out}) != len(out) or len({e.name for e in out}) != len(out):
        raise ValueError("a src or a name is listed twice")
    return tuple(sorted(out, key=lambda e: (e.name, e.src)))
