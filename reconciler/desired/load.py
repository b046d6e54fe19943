"""Load the catalog directory into a validated ``Catalog``, remembering where everything was written.

    catalog/
      shop.yaml            settings, policy, ignore rules, flag definitions (optional)
      products/**/*.yaml   each file holds ``products:`` GUID -> product

``load_catalog`` reads every file, checks it against the models in ``reconciler.model`` and
either returns a ``LoadedCatalog`` or raises one ``CatalogError`` holding every problem of the
run, each as ``file:line:column: message`` (file paths as the user typed ``--catalog``).
Cross-file rules live here: a GUID declared in two files, a variant code used by two products,
YAML files in places that are never read.
"""

from __future__ import annotations

import errno
import hashlib
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from pydantic_core import PydanticCustomError

from reconciler import fields as F
from reconciler.desired import block_cache, image_lock, yamlload
from reconciler.desired.blocks import HEAD_NODES, split_blocks
from reconciler.desired.forked import Forked, can_fork
from reconciler.desired.image_lock import LOCK_FILE, ImageLock
from reconciler.desired.locate import Location, Locations, describe, validate_located
from reconciler.desired.parse_cache import BadEntry, ParseCache, decode, encode, entry_key
from reconciler.desired.yamlload import MAX_FILE_BYTES, LMap, LSeq, Pos, load_yaml
from reconciler.errors import CatalogError, ConfigError, Problem
from reconciler.gcpause import gc_paused
from reconciler.model import (
    Catalog,
    Product,
    Variant,
    did_you_mean,
    parse_guid,
)

SHOP_FILE = "shop.yaml"
SHOP_KEYS = ("shop", "policy", "ignore", "flags")
PRODUCTS_DIR = "products"
YAML_SUFFIXES = (".yaml", ".yml")
# Top-level keys starting with this are ignored: a place for YAML anchors (`x-coffee: &coffee`)
# that merge keys (`<<: *coffee`) reuse, as in docker-compose files.
EXTENSION_PREFIX = "x-"
# Fields Shoptet always has a value for: `null` ("clear it") makes no sense there. The rule is
# the loader's, not the model's, so live models may still carry None where Shoptet sends none.
# Which fields those are is the field registry's (``reconciler.fields``, ``nullable``).
NOT_NULL_PRODUCT = frozenset(f.name for f in F.PRODUCT if not f.nullable) | {"variants", "absent"}
NOT_NULL_VARIANT = frozenset(f.name for f in F.VARIANT if not f.nullable) | {"absent"}
# ``renamedFrom: null`` is refused by the model (a code is expected), with its own message.


@dataclass(frozen=True)
class LoadedCatalog:
    """A valid catalog plus where each product, variant and field was written.

    ``locations`` keys: ``(guid,)``, ``(guid, field)``, ``(guid, "variants", code)`` and
    ``(guid, "variants", code, field)``, and ``("shop", key)`` in shop.yaml; each points at
    the key in the YAML.
    ``digest`` is sha256 over the sorted catalog file paths (relative to the catalog
    directory) and bytes; ``files`` are the files read, as the user typed the directory.
    """

    catalog: Catalog
    locations: Mapping[tuple, Location] = field(default_factory=dict)
    digest: str = ""
    files: list[Path] = field(default_factory=list)
    # sha256 of each file's bytes as read, by the file as shown in locations: lets
    # ``--changed-since`` reuse the products of files that are the same at the base
    file_hashes: dict[str, str] = field(default_factory=dict)
    # the git blob id of each file's bytes as read (``git hash-object --no-filters``), by the
    # same key: ``--changed-since`` compares them with the base tree's without unpacking it
    git_blobs: dict[str, str] = field(default_factory=dict)
    # which Shoptet image each source URL became (``images.lock.yaml``, in the digest too)
    image_lock: ImageLock = field(default_factory=ImageLock)
    # the nodes each product's block counts toward its file's MAX_NODES (products read by the
    # fast YAML path only): ``--changed-since`` keeps the limit a whole file's when it reuses
    # blocks
    product_nodes: dict[str, int] = field(default_factory=dict)


def git_blob_id(data: bytes) -> str:
    """The id git gives a blob of exactly these bytes (no filters, no line-end conversion)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _display(path: Path) -> str:
    return path.as_posix()


SYMLINK_HINT = (
    "is a symbolic link; the catalog does not follow links (one could read a file outside "
    "the repository): replace the link with the file or folder itself"
)


def _walk(catalog_dir: Path) -> tuple[list[Path], list[Path]]:
    """(the YAML files the loader looks at, every symbolic link among them or among their
    folders): all of ``products/``, elsewhere the catalog folder and one folder down. Links
    are never followed; hidden files and folders (editor backups, ``.git``) are skipped."""
    files: list[Path] = []
    links: list[Path] = []
    products_dir = catalog_dir / PRODUCTS_DIR
    for root, dirs, names in os.walk(catalog_dir, followlinks=False):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if here != catalog_dir and not here.is_relative_to(products_dir):
            dirs[:] = []  # outside products/, only one folder down is looked at
        for d in dirs:
            if (here / d).is_symlink():
                links.append(here / d)
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.suffix not in YAML_SUFFIXES:
                continue
            if path.is_symlink():
                links.append(path)
            elif path.is_file():
                files.append(path)
    return files, sorted(links)


def _find_files(catalog_dir: Path) -> tuple[Path | None, list[Path], list[Path], list[Path]]:
    """(shop file, product files, YAML files in places that are never read, symbolic links).

    Product files are every ``*.yaml``/``*.yml`` under ``products/`` (subfolders too; hidden
    files such as editor backups are skipped). YAML files directly in the catalog directory
    or one folder down (a typo like ``product/``) are reported, since they would be ignored.
    Symbolic links inside the catalog (files or folders) are reported and never read.
    """
    shop = catalog_dir / SHOP_FILE
    products_dir = catalog_dir / PRODUCTS_DIR
    found, links = _walk(catalog_dir)
    products = [p for p in found if p.is_relative_to(products_dir)]
    stray = [
        p
        for p in found
        if p not in (shop, catalog_dir / LOCK_FILE)
        and not p.is_relative_to(products_dir)
        and len(p.relative_to(catalog_dir).parts) <= 2
    ]
    return (shop if shop in found else None), products, sorted(stray), links


# ---------------------------------------------------------------------------------------------
# Files


def _top_mapping(
    doc: Any, file: str, allowed: tuple[str, ...], problems: list[Problem]
) -> LMap | None:
    if doc is None:
        return None
    if not isinstance(doc, LMap):
        problems.append(
            Problem(
                file,
                *doc.pos if isinstance(doc, LSeq) else (1, 1),
                f"the file must be a mapping with the keys: {', '.join(allowed)}",
            )
        )
        return None
    for key in doc:
        if key not in allowed and not key.startswith(EXTENSION_PREFIX):
            problems.append(
                Problem(
                    file,
                    *doc.key_pos[key],
                    f"unknown key '{key}'{did_you_mean(key, allowed)}; "
                    f"allowed here: {', '.join(allowed)} (and x-... keys, free for anchors)",
                )
            )
    return doc


@dataclass
class _Declared:
    file: str
    pos: Pos
    data: Any
    nodes: int | None = None  # the block's node count, when the fast YAML path counted it


def _load_products(
    doc: Any, file: str, declared: dict[str, _Declared], problems: list[Problem]
) -> list[str]:
    """Declare the products of one file; returns the GUIDs it newly declared."""
    fresh: list[str] = []
    top = _top_mapping(doc, file, ("products",), problems)
    if top is None or top.get("products") is None:
        return fresh
    products = top["products"]
    if not isinstance(products, LMap):
        problems.append(
            Problem(file, *top.val_pos["products"], "products must be a mapping GUID -> product")
        )
        return fresh
    for guid, data in products.items():
        pos = products.key_pos[guid]
        try:
            parse_guid(guid)
        except PydanticCustomError as err:
            problems.append(Problem(file, *pos, _stray_field(guid) or err.message()))
            continue
        if guid in declared:
            problems.append(_declared_twice(guid, file, pos, declared[guid]))
            continue
        if not isinstance(data, LMap):
            problems.append(
                Problem(
                    file,
                    *(pos if data is None else products.val_pos[guid]),
                    f"product {guid} must be a mapping of fields (e.g. name:, variants:), "
                    f"not {describe(data)}",
                )
            )
            continue
        sizes = products.sizes
        declared[guid] = _Declared(file, pos, data, None if sizes is None else sizes[guid])
        fresh.append(guid)
    return fresh


def _declared_twice(guid: str, file: str, pos: Pos, first: _Declared) -> Problem:
    return Problem(
        file,
        *pos,
        f"product {guid} is declared twice (first at {first.file}:{first.pos[0]}:{first.pos[1]})",
    )


def _stray_field(key: str) -> str | None:
    """A known field name written where product GUIDs go: what to do instead."""
    if key in Product.model_fields:
        return (
            f"'{key}' is a product field, but it is written where product GUIDs go: indent it "
            "under a product GUID"
        )
    if key in Variant.model_fields:
        return (
            f"'{key}' is a variant field, but it is written where product GUIDs go: indent it "
            "under a variant code in a product's 'variants:'"
        )
    return None


def _null_problems(decl: _Declared, problems: list[Problem]) -> None:
    def check(data: LMap, fields: frozenset[str], what: str) -> None:
        for key in sorted(fields & {k for k, v in data.items() if v is None}):
            problems.append(
                Problem(
                    decl.file,
                    *data.key_pos[key],
                    f"{what}{key}: null is not allowed here (Shoptet always has a value); "
                    "leave the key out to leave it unmanaged",
                )
            )

    check(decl.data, NOT_NULL_PRODUCT, "")
    variants = decl.data.get("variants")
    for code, vdata in variants.items() if isinstance(variants, LMap) else ():
        if isinstance(vdata, LMap):
            check(vdata, NOT_NULL_VARIANT, f"variant {code}: ")


def _other_places(guid: str, file: str, data: LMap) -> list[tuple[tuple, Location]]:
    """The keys of product ``guid`` a ``Locations`` product record does not hold: where each
    link target is written (``(guid, "relatedProducts", i)``, for the plan), and each pricelist
    row and its fields (``(guid, "variants", code, "prices", name[, field])``, the diff names
    them in its problems)."""
    out: list[tuple[tuple, Location]] = []
    for field_name in LINK_FIELDS:
        items = data.get(field_name)
        if isinstance(items, LSeq):
            out += [
                ((guid, field_name, i), Location(file, *pos))
                for i, pos in enumerate(items.item_pos)
            ]
    variants = data.get("variants")
    for code, vdata in variants.items() if isinstance(variants, LMap) else ():
        prices = vdata.get(F.PRICES) if isinstance(vdata, LMap) else None
        if not isinstance(prices, LMap):
            continue
        for name, row in prices.items():
            key = (
                guid,
                "variants",
                code,
                F.PRICES,
                unicodedata.normalize("NFC", str(name)).strip(),
            )
            out.append((key, Location(file, *prices.key_pos[name])))
            for name_ in row if isinstance(row, LMap) else ():
                out.append(((*key, name_), Location(file, *row.key_pos[name_])))
    return out


LINK_FIELDS = ("relatedProducts", "alternativeProducts")


def _self_link_problems(guid: str, decl: _Declared) -> list[Problem]:
    """A product listing itself as related or alternative (Shoptet links two products)."""
    out = []
    for name in LINK_FIELDS:
        items = decl.data.get(name)
        if not isinstance(items, LSeq):
            continue
        for i, item in enumerate(items):
            if isinstance(item, str) and item.lower() == guid:
                out.append(
                    Problem(
                        decl.file,
                        *items.item_pos[i],
                        f"{name}: product {guid} lists itself; list other products only",
                    )
                )
    return out


def read_nofollow(path: Path) -> bytes:
    """The bytes of ``path``, refusing (``OSError`` ELOOP) if it became a symbolic link."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()


def load_catalog(
    catalog_dir: Path,
    *,
    overrides: dict[Path, bytes] | None = None,
    parse_cache: ParseCache | None = None,
) -> LoadedCatalog:
    """Load and validate ``catalog_dir``; raise ``CatalogError`` with every problem found.

    ``overrides`` maps product files (``catalog_dir/products/...``) to the bytes to read
    instead of the disk's, new files included: ``import`` validates what it is about to
    write before it writes anything. ``parse_cache`` (``plan --parse-cache``; never for
    ``apply``): parsed trees of files read before, by their bytes' hash; the products are
    validated from them as from a parse."""
    # Loading makes millions of small containers and no reference cycles; the cyclic
    # collector would rescan the growing heap again and again (a third of the time at 10,000
    # products), so it is paused while loading.
    with gc_paused():
        return _load_catalog(catalog_dir, overrides, parse_cache)


def _load_catalog(
    catalog_dir: Path, overrides: dict[Path, bytes] | None, parse_cache: ParseCache | None
) -> LoadedCatalog:
    catalog_dir = Path(catalog_dir)
    overrides = overrides or {}
    if not catalog_dir.is_dir() and not overrides:
        raise ConfigError(
            f"catalog directory '{_display(catalog_dir)}' not found "
            "(run in the repository root or pass --catalog DIR)"
        )
    shop_path, product_paths, stray, links = _find_files(catalog_dir)
    product_paths = sorted(set(product_paths) | set(overrides))
    problems: list[Problem] = [
        Problem(
            _display(p),
            1,
            1,
            f"this file is never read: product files go in {PRODUCTS_DIR}/, settings in "
            f"{SHOP_FILE}",
        )
        for p in stray
    ]
    problems += [Problem(_display(p), 1, 1, f"this {SYMLINK_HINT}") for p in links]
    digest = hashlib.sha256()
    files: list[Path] = []
    file_hashes: dict[str, str] = {}
    git_blobs: dict[str, str] = {}

    def fetch(path: Path) -> bytes | None:
        try:
            return overrides[path] if path in overrides else read_nofollow(path)
        except OSError as err:
            why = (
                f"this {SYMLINK_HINT}"
                if err.errno == errno.ELOOP
                else f"cannot read the file: {err.strerror}"
            )
            problems.append(Problem(_display(path), 1, 1, why))
            return None

    def account(path: Path, data: bytes) -> None:
        rel = path.relative_to(catalog_dir).as_posix().encode()
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
        file_hashes[_display(path)] = hashlib.sha256(data).hexdigest()
        git_blobs[_display(path)] = git_blob_id(data)
        files.append(path)

    def read(path: Path) -> Any:
        data = fetch(path)
        if data is None:
            return None
        account(path, data)
        doc, found = parse_yaml(_display(path), data, parse_cache)
        problems.extend(found)
        return doc

    shop_fields: dict[str, Any] = {}
    shop_locations: dict[tuple, Location] = {}
    if shop_path is not None:
        file = _display(shop_path)
        top = _top_mapping(read(shop_path), file, SHOP_KEYS, problems)
        for section in ("shop", "flags"):  # for the reference checks and flag definitions
            found = top.get(section) if top is not None else None
            if isinstance(found, LMap):
                for key in found:
                    shop_locations[(section, key)] = Location(file, *found.key_pos[key])
        if top is not None:
            shop_data = {k: v for k, v in top.items() if k in SHOP_KEYS}
            shop_data = {k: v for k, v in shop_data.items() if v is not None}
            wrapper = LMap(shop_data)
            wrapper.pos, wrapper.key_pos, wrapper.val_pos = top.pos, top.key_pos, top.val_pos
            checked = validate_located(Catalog, wrapper, file, top.pos, problems)
            if checked is not None:
                shop_fields = {
                    "shop": checked.shop,
                    "policy": checked.policy,
                    "ignore": checked.ignore,
                    "flags": checked.flags,
                }

    state = _Products(Locations(shop_locations), problems, parse_cache)
    # A large catalog's later files are parsed in a child process meanwhile (``_in_child``);
    # taken only if both halves are clean, else parsed here after all, as without the child.
    later = _later_half(product_paths, overrides, parse_cache is not None) if not problems else []
    prefetched = _prefetch(later, overrides)
    if prefetched is None:  # a file that cannot be read: its problem comes in file order
        later, prefetched = [], {}
    child = Forked(lambda: _in_child(later, prefetched, parse_cache)) if later else None
    try:
        for path in product_paths[: len(product_paths) - len(later)]:
            data = fetch(path)
            if data is not None:
                account(path, data)
                state.add_product_file(_display(path), data)
        part = child.result() if child is not None else None
        child = None
    finally:
        if child is not None:
            child.cancel()
    if part is not None and state.merge(part):
        for path in later:
            account(path, prefetched[path])
    else:
        for path in later:
            account(path, prefetched[path])
            state.add_product_file(_display(path), prefetched[path])
    products, locations, code_owner = state.products, state.locations, state.code_owner
    product_nodes = state.product_nodes

    if state.renames:  # else nobody renames: no walk of 500,000 sorted variants
        problems += _rename_problems(products, locations, code_owner)
    lock = _read_lock(catalog_dir, digest, problems)
    if problems:
        raise CatalogError(problems)
    # every product and GUID is checked already; validating the mapping again would walk
    # 100,000 products for nothing (half a second)
    catalog = Catalog.model_construct(products=products, **shop_fields)
    return LoadedCatalog(
        catalog=catalog,
        locations=locations,
        digest=digest.hexdigest(),
        files=files,
        file_hashes=file_hashes,
        git_blobs=git_blobs,
        image_lock=lock,
        product_nodes=product_nodes,
    )


def _read_lock(catalog_dir: Path, digest: Any, problems: list[Problem]) -> ImageLock:
    """The image lock next to the catalog (none: empty); its bytes join the digest, so a plan
    made with one lock is not applied with another."""
    path = catalog_dir / LOCK_FILE
    if not path.exists() and not path.is_symlink():
        return ImageLock()
    try:
        data = read_nofollow(path)
    except OSError as err:
        why = f"this {SYMLINK_HINT}" if err.errno == errno.ELOOP else err.strerror
        problems.append(Problem(_display(path), 1, 1, f"cannot read the image lock: {why}"))
        return ImageLock()
    rel = LOCK_FILE.encode()
    digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
    lock, found = image_lock.parse(_display(path), data)
    problems.extend(found)
    return lock


@dataclass
class _Products:
    """The products declared so far, file by file, and what the cross-file checks need.
    With ``cache`` (``plan --parse-cache``), products come from its entries where they can
    (``_add_from_blocks``) and clean files are kept there."""

    locations: Locations
    problems: list[Problem]
    cache: ParseCache | None = None
    declared: dict[str, _Declared] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    code_owner: dict[str, str] = field(default_factory=dict)  # variant code -> first product
    renames: bool = False  # a variant may state renamedFrom (for ``_rename_problems``)
    product_nodes: dict[str, int] = field(default_factory=dict)

    def add_product_file(self, file: str, data: bytes) -> None:
        """Add the products of product file ``file`` (its bytes ``data``). With the cache, a
        file cut into blocks keeps its products (``_add_from_blocks``, ``_keep``), any other
        its parsed tree (``parse_yaml``)."""
        split = _blocks_of(data) if self.cache is not None else None
        if split is not None and self._add_from_blocks(file, split):
            return
        before = len(self.problems)
        doc, found = parse_yaml(file, data, self.cache if split is None else None)
        self.problems.extend(found)
        placed = self.add_file(doc, file)
        if split is not None and len(self.problems) == before:
            self._keep(file, split, placed)

    def add_file(self, doc: Any, file: str) -> dict[str, list[tuple[tuple, Location]]]:
        """Add the products of a parsed file; returns each one's ``_other_places``."""
        # File by file, so each file's YAML tree is dropped once its products are validated:
        # at 100,000 products the trees of all files together would be gigabytes.
        placed = {}
        for guid in _load_products(doc, file, self.declared, self.problems):
            decl = self.declared[guid]
            if decl.nodes is not None:
                self.product_nodes[guid] = decl.nodes
            product, found = _check_declared(guid, decl)
            self.problems += found
            placed[guid] = self._place_parsed(guid, decl, product)
        return placed

    def _place_parsed(
        self, guid: str, decl: _Declared, product: Product | None
    ) -> list[tuple[tuple, Location]]:
        """Record a parsed product's locations and variant codes, then forget its YAML tree
        (only file and position stay, for the duplicate check)."""
        self.locations.add_product(guid, decl.file, decl.pos, decl.data)
        other = _other_places(guid, decl.file, decl.data)
        for key, where in other:
            self.locations[key] = where
        if product is not None:
            self.products[guid] = product
            self.renames = self.renames or any(
                "renamedFrom" in v.__pydantic_fields_set__
                for v in (product.variants or {}).values()
            )
        variants = decl.data.get("variants")
        self._claim_codes(guid, tuple(variants) if isinstance(variants, LMap) else ())
        decl.data = None
        return other

    def _claim_codes(self, guid: str, codes: tuple[str, ...]) -> None:
        owner = self.code_owner
        if owner.keys().isdisjoint(codes):  # the usual case, in C (a product's codes differ)
            owner.update(zip(codes, repeat(guid)))
            return
        for code in codes:
            other_guid = self.code_owner.setdefault(code, guid)  # the first product to use it
            if other_guid != guid:
                here = self.locations[(guid, "variants", code)]
                there = self.locations[(other_guid, "variants", code)]
                self.problems.append(
                    Problem(
                        here.file,
                        here.line,
                        here.column,
                        f"variant code {code} is also used by product {other_guid} "
                        f"(at {there}); codes are unique in the whole shop",
                    )
                )

    # -- the parse cache's product entries (``block_cache``) --------------------------------

    def _entry(self, key: str) -> dict[str, bytes]:
        assert self.cache is not None
        blob = self.cache.get(key)
        if blob is None:
            return {}
        try:
            return block_cache.decode_entry(blob)
        except BadEntry:
            self.cache.rejected(key)
            return {}

    def _add_from_blocks(self, file: str, split: tuple[str, list[tuple[str, str]]]) -> bool:
        """Add a plainly laid out file's products from the cache where its entry holds their
        blocks, parsing only the other blocks (the kept ones cut out, their lines left as
        comments so every position stays). False, with nothing added, when the file is not
        cut into blocks, nothing is kept for it, or anything is unsure (a parsed block with
        a problem, a block not found where it was cut, the file's node limit): then the file
        is parsed whole, so every problem is found and worded as without the cache."""
        assert self.cache is not None
        head, blocks = split
        if not all(map(_is_guid, (guid for guid, _ in blocks))):
            return False  # an uppercase GUID: the whole file's parse says so
        key = block_cache.file_key(file, self.cache.salt)
        stored = self._entry(key)
        starts, line = [], head.count("\n") + 1
        for _, block in blocks:
            starts.append(line)
            line += block.count("\n")
        shas = [block_cache.block_key(block) for _, block in blocks]
        kept: dict[str, block_cache.Kept] = {}
        found = [i for i, sha in enumerate(shas) if sha in stored]
        decoded = block_cache.decode_payloads([stored[shas[i]] for i in found])
        for i, payload in zip(found, decoded, strict=True):
            (guid, block), start = blocks[i], starts[i]
            try:
                kept[guid] = block_cache.restore(payload, guid, file, start, block.count("\n"))
            except BadEntry:
                self.cache.rejected(key)
        if not kept:
            return False
        parsed = self._parse_missing(file, head, blocks, starts, kept)
        if parsed is None:
            return False
        nodes = {g: k.nodes for g, k in kept.items()}
        nodes.update({g: decl.nodes for g, (decl, _) in parsed.items() if decl.nodes is not None})
        if HEAD_NODES + sum(nodes.values()) > yamlload.MAX_NODES:
            return False
        # From here on as a parse of the whole file goes: declare all, then each in order.
        fresh = {
            guid
            for (guid, _), start in zip(blocks, starts, strict=True)
            if self._declare(guid, file, (start, 3), nodes[guid])
        }
        payloads: dict[str, bytes] = {}
        for guid, sha, start in zip((g for g, _ in blocks), shas, starts, strict=True):
            if guid not in fresh:
                continue
            if guid in kept:
                self._place_kept(guid, file, kept[guid])
                payloads[sha] = stored[sha]
            else:
                decl, product = parsed[guid]
                other = self._place_parsed(guid, decl, product)
                made = self._payload(guid, product, start, other)
                if made is not None:
                    payloads[sha] = made
        if len(fresh) == len(blocks) and payloads.keys() != stored.keys():
            self.cache.put(key, block_cache.encode_entry(payloads))
        return True

    def _parse_missing(
        self,
        file: str,
        head: str,
        blocks: list[tuple[str, str]],
        starts: list[int],
        kept: dict[str, block_cache.Kept],
    ) -> dict[str, tuple[_Declared, Product]] | None:
        """The blocks ``kept`` does not hold, parsed and checked (nothing recorded yet); None
        when one has a problem or is not found where it was cut."""
        missing = [guid for guid, _ in blocks if guid not in kept]
        if not missing:
            return {}
        text = head + "".join(
            "#\n" * block.count("\n") if guid in kept else block for guid, block in blocks
        )
        doc, found = load_yaml(file, text.encode("utf-8"))
        declared: dict[str, _Declared] = {}
        problems: list[Problem] = []
        if found or _load_products(doc, file, declared, problems) != missing or problems:
            return None
        at = dict(zip((g for g, _ in blocks), starts, strict=True))
        parsed = {}
        for guid in missing:
            decl = declared[guid]
            if decl.pos != (at[guid], 3) or decl.nodes is None:
                return None
            product, found = _check_declared(guid, decl)
            if found or product is None:
                return None
            parsed[guid] = (decl, product)
        return parsed

    def _declare(self, guid: str, file: str, pos: Pos, nodes: int) -> bool:
        if guid in self.declared:
            self.problems.append(_declared_twice(guid, file, pos, self.declared[guid]))
            return False
        self.declared[guid] = _Declared(file, pos, None, nodes)
        self.product_nodes[guid] = nodes
        return True

    def _place_kept(self, guid: str, file: str, kept: block_cache.Kept) -> None:
        self.locations.add_packed(
            guid,
            file,
            kept.keys,
            kept.codes,
            kept.variant_keys,
            kept.start,
            kept.rows,
            kept.columns,
        )
        for key, where in kept.other:
            self.locations[key] = where
        self.products[guid] = kept.product
        self._claim_codes(guid, kept.codes)
        self.renames = self.renames or any("renamedFrom" in k for k in kept.variant_keys)

    def _payload(
        self, guid: str, product: Product, start: int, other: list[tuple[tuple, Location]]
    ) -> bytes | None:
        nodes = self.product_nodes.get(guid)
        if nodes is None:
            return None
        placed = self.locations.positions(guid, start)
        return block_cache.payload(guid, product, start, placed, other, nodes)

    def _keep(
        self,
        file: str,
        split: tuple[str, list[tuple[str, str]]],
        placed: dict[str, list[tuple[tuple, Location]]],
    ) -> None:
        """Keep a file that loaded without a problem, when it cuts into blocks that are
        exactly the products the parse found, each on its block's first line."""
        assert self.cache is not None
        head, blocks = split
        if [g for g, _ in blocks] != list(placed):
            return
        line = head.count("\n") + 1
        payloads = {}
        for guid, block in blocks:
            where = self.locations.get((guid,))
            product = self.products.get(guid)
            if where is None or where.line != line or where.file != file or product is None:
                return
            made = self._payload(guid, product, line, placed[guid])
            if made is not None:
                payloads[block_cache.block_key(block)] = made
            line += block.count("\n")
        if payloads:
            self.cache.put(
                block_cache.file_key(file, self.cache.salt), block_cache.encode_entry(payloads)
            )

    def merge(self, part: _ChildPart) -> bool:
        """Take the child's products after these; False (nothing taken) unless both are
        clean and no GUID or variant code is in both: then the caller parses those files
        here, so every problem is found and worded as in one process."""
        if self.problems or part.problems or not self.declared.keys().isdisjoint(part.products):
            return False
        if not self.code_owner.keys().isdisjoint(part.code_owner):
            return False
        self.products.update(part.products)
        self.code_owner.update(part.code_owner)
        self.renames = self.renames or part.renames
        self.product_nodes.update(part.product_nodes)
        self.locations.update_from(part.locations)
        return True


def _is_guid(text: str) -> bool:
    try:
        parse_guid(text)
    except PydanticCustomError:
        return False
    return True


def _blocks_of(data: bytes) -> tuple[str, list[tuple[str, str]]] | None:
    """``split_blocks`` of a product file's bytes (None: too large, not UTF-8, not plain)."""
    if len(data) > MAX_FILE_BYTES:
        return None
    try:
        return split_blocks(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


class _ChildPart(NamedTuple):
    products: dict[str, Product]
    locations: Locations
    product_nodes: dict[str, int]
    code_owner: dict[str, str]
    renames: bool
    problems: int


# Below this many bytes of product files a second process costs more than it saves.
TWO_PROCESSES_FROM_BYTES = 2 * 1024 * 1024


# The share of the bytes the loading process keeps: the child also pickles what it loaded
# and this process unpickles it, so an even split leaves this process waiting. Checking
# products from the parse cache costs less than parsing them, so there sending them back
# weighs more (measured at 100,000 products: tests/bench/bench_load.py).
PARENT_SHARE = 0.54
PARENT_SHARE_CACHED = 0.58


def _later_half(paths: list[Path], overrides: dict[Path, bytes], cached: bool) -> list[Path]:
    """The last product files, a bit under half the bytes (``PARENT_SHARE``), for a child
    process to load; none when not worth it or not possible (``SHOPTET_LOAD_PROCESSES=1``
    turns it off)."""
    if os.environ.get("SHOPTET_LOAD_PROCESSES") == "1" or len(paths) < 2 or not can_fork():
        return []
    try:
        sizes = [len(overrides[p]) if p in overrides else p.stat().st_size for p in paths]
    except OSError:
        return []
    total = sum(sizes)
    if total < TWO_PROCESSES_FROM_BYTES:
        return []
    share = PARENT_SHARE_CACHED if cached else PARENT_SHARE
    here, i = 0, 0
    while i < len(paths) - 1 and here + sizes[i] <= total * share:
        here += sizes[i]
        i += 1
    return paths[max(i, 1) :]


def _prefetch(paths: list[Path], overrides: dict[Path, bytes]) -> dict[Path, bytes] | None:
    """The bytes of ``paths`` (read once, here, for the child and the digest); None when
    one cannot be read."""
    try:
        return {p: overrides[p] if p in overrides else read_nofollow(p) for p in paths}
    except OSError:
        return None


def _in_child(
    paths: list[Path], data: dict[Path, bytes], parse_cache: ParseCache | None
) -> _ChildPart:
    """In the child process: the products of ``paths`` (their bytes read by the parent)."""
    state = _Products(Locations(), [], parse_cache)
    for path in paths:
        state.add_product_file(_display(path), data[path])
    return _ChildPart(
        state.products,
        state.locations,
        state.product_nodes,
        state.code_owner,
        state.renames,
        len(state.problems),
    )


def parse_yaml(file: str, data: bytes, cache: ParseCache | None) -> tuple[Any, list[Problem]]:
    """``load_yaml``, or the tree ``cache`` holds for these bytes. Only trees parsed without
    a problem are kept, so every problem still comes from the YAML itself; an entry that fails
    ``decode`` is ignored (``cache.rejected``) and the file parsed."""
    if cache is None or len(data) > MAX_FILE_BYTES:
        return load_yaml(file, data)
    key = entry_key(data)
    blob = cache.get(key)
    if blob is not None:
        try:
            return decode(blob), []
        except BadEntry:
            cache.rejected(key)
    doc, found = load_yaml(file, data)
    if not found:
        cache.put(key, encode(doc))
    return doc, found


def _rename_problems(
    products: dict[str, Product], locations: Locations, code_owner: dict[str, str]
) -> list[Problem]:
    """``renamedFrom`` across variants: the old code names one live variant to rename, so it
    must differ from the new code, be claimed once, and not be a code the catalog declares
    (a declared code is a variant of its own; codes are unique in the whole shop)."""
    problems: list[Problem] = []
    claimed: dict[str, tuple[str, Location]] = {}
    for guid, product in products.items():
        for code, variant in sorted(product.variants.items()):
            old = variant.renamedFrom
            if old is None:
                continue
            here = locations[(guid, "variants", code, "renamedFrom")]

            def problem(message: str, at: Location = here) -> None:
                problems.append(Problem(at.file, at.line, at.column, message))

            if old == code:
                problem(
                    f"variant {code}: renamedFrom names the variant's own code; write the code "
                    "it had before, or remove renamedFrom"
                )
            elif old in code_owner:
                owner = code_owner[old]
                there = locations[(owner, "variants", old)]
                whose = "this product" if owner == guid else f"product {owner}"
                problem(
                    f"variant {code}: renamedFrom {old}, but {old} is a variant of {whose} in "
                    f"the catalog too (at {there}); a renamed code is gone from the catalog: "
                    f"remove the {old} entry, or remove renamedFrom"
                )
            elif old in claimed:
                other, there = claimed[old]
                problem(
                    f"variant {code}: renamedFrom {old}, but variant {other} is renamed from "
                    f"{old} too (at {there}); one live variant can become only one: keep "
                    "renamedFrom on one of them"
                )
            else:
                claimed[old] = (code, here)
    return problems


def _check_declared(guid: str, decl: _Declared) -> tuple[Product | None, list[Problem]]:
    """One declared product checked on its own: nulls, the model, links to itself."""
    problems: list[Problem] = []
    _null_problems(decl, problems)
    product = validate_located(Product, decl.data, decl.file, decl.pos, problems)
    if product is not None:
        problems += _self_link_problems(guid, decl)
    return product, problems
