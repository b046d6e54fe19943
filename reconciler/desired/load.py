"""Load the catalog directory into a validated ``Catalog``, remembering where everything was written.

    catalog/
      shop.yaml            settings, policy and ignore rules (optional)
      products/**/*.yaml   each file holds ``products:`` GUID -> product

``load_catalog`` reads every file, checks it against the models in ``reconciler.model`` and
either returns a ``LoadedCatalog`` or raises one ``CatalogError`` holding every problem of the
run, each as ``file:line:column: message`` (file paths as the user typed ``--catalog``).
Cross-file rules live here: a GUID declared in two files, a variant code used by two products,
YAML files in places that are never read.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic_core import PydanticCustomError

from reconciler import fields as F
from reconciler.desired.locate import describe, validate_located
from reconciler.desired.yamlload import LMap, LSeq, Pos, load_yaml
from reconciler.errors import CatalogError, ConfigError, Problem
from reconciler.model import (
    Catalog,
    Product,
    Variant,
    did_you_mean,
    parse_guid,
)

SHOP_FILE = "shop.yaml"
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


class Location(NamedTuple):
    """Where something was written: file (as the user typed the catalog path), 1-based line/column.

    A tuple, not a dataclass: a large catalog records millions (about 30 a product), and a
    tuple is a third of the memory and quick to make."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


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
    locations: dict[tuple, Location] = field(default_factory=dict)
    digest: str = ""
    files: list[Path] = field(default_factory=list)
    # sha256 of each file's bytes as read, by the file as shown in locations: lets
    # ``--changed-since`` reuse the products of files that are the same at the base
    file_hashes: dict[str, str] = field(default_factory=dict)


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
        if p != shop
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
            first = declared[guid]
            problems.append(
                Problem(
                    file,
                    *pos,
                    f"product {guid} is declared twice (first at "
                    f"{first.file}:{first.pos[0]}:{first.pos[1]})",
                )
            )
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
        declared[guid] = _Declared(file, pos, data)
        fresh.append(guid)
    return fresh


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


def _record_locations(guid: str, decl: _Declared, locations: dict[tuple, Location]) -> None:
    data = decl.data
    locations[(guid,)] = Location(decl.file, *decl.pos)
    for key in data:
        locations[(guid, key)] = Location(decl.file, *data.key_pos[key])
        if key in LINK_FIELDS and isinstance(data[key], LSeq):  # each target, for the plan
            for i, pos in enumerate(data[key].item_pos):
                locations[(guid, key, i)] = Location(decl.file, *pos)
    variants = data.get("variants")
    if isinstance(variants, LMap):
        for code, vdata in variants.items():
            locations[(guid, "variants", code)] = Location(decl.file, *variants.key_pos[code])
            if isinstance(vdata, LMap):
                for key in vdata:
                    locations[(guid, "variants", code, key)] = Location(
                        decl.file, *vdata.key_pos[key]
                    )


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


def load_catalog(catalog_dir: Path, *, overrides: dict[Path, bytes] | None = None) -> LoadedCatalog:
    """Load and validate ``catalog_dir``; raise ``CatalogError`` with every problem found.

    ``overrides`` maps product files (``catalog_dir/products/...``) to the bytes to read
    instead of the disk's, new files included: ``import`` validates what it is about to
    write before it writes anything."""
    # Loading makes millions of small containers and no reference cycles; the cyclic
    # collector would rescan the growing heap again and again (a third of the time at 10,000
    # products), so it is paused while loading.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_catalog(catalog_dir, overrides)
    finally:
        if enabled:
            gc.enable()


def _load_catalog(catalog_dir: Path, overrides: dict[Path, bytes] | None) -> LoadedCatalog:
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

    def read(path: Path) -> Any:
        try:
            data = overrides[path] if path in overrides else read_nofollow(path)
        except OSError as err:
            why = (
                f"this {SYMLINK_HINT}"
                if err.errno == errno.ELOOP
                else f"cannot read the file: {err.strerror}"
            )
            problems.append(Problem(_display(path), 1, 1, why))
            return None
        rel = path.relative_to(catalog_dir).as_posix().encode()
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
        file_hashes[_display(path)] = hashlib.sha256(data).hexdigest()
        files.append(path)
        doc, found = load_yaml(_display(path), data)
        problems.extend(found)
        return doc

    shop_fields: dict[str, Any] = {}
    shop_locations: dict[tuple, Location] = {}
    if shop_path is not None:
        file = _display(shop_path)
        top = _top_mapping(read(shop_path), file, ("shop", "policy", "ignore"), problems)
        shop_map = top.get("shop") if top is not None else None
        if isinstance(shop_map, LMap):  # for the reference checks
            for key in shop_map:
                shop_locations[("shop", key)] = Location(file, *shop_map.key_pos[key])
        if top is not None:
            shop_data = {k: v for k, v in top.items() if k in ("shop", "policy", "ignore")}
            shop_data = {k: v for k, v in shop_data.items() if v is not None}
            wrapper = LMap(shop_data)
            wrapper.pos, wrapper.key_pos, wrapper.val_pos = top.pos, top.key_pos, top.val_pos
            checked = validate_located(Catalog, wrapper, file, top.pos, problems)
            if checked is not None:
                shop_fields = {
                    "shop": checked.shop,
                    "policy": checked.policy,
                    "ignore": checked.ignore,
                }

    declared: dict[str, _Declared] = {}
    products: dict[str, Product] = {}
    locations: dict[tuple, Location] = dict(shop_locations)
    code_owner: dict[str, tuple[str, Location]] = {}
    # File by file, so each file's YAML tree is dropped once its products are validated:
    # at 100,000 products the trees of all files together would be gigabytes.
    for path in product_paths:
        fresh = _load_products(read(path), _display(path), declared, problems)
        for guid in fresh:
            _validate_declared(guid, declared[guid], products, locations, code_owner, problems)

    problems += _rename_problems(products, locations, code_owner)
    if problems:
        raise CatalogError(problems)
    catalog = Catalog(products=products, **shop_fields)
    return LoadedCatalog(
        catalog=catalog,
        locations=locations,
        digest=digest.hexdigest(),
        files=files,
        file_hashes=file_hashes,
    )


def _rename_problems(
    products: dict[str, Product],
    locations: dict[tuple, Location],
    code_owner: dict[str, tuple[str, Location]],
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
                owner, there = code_owner[old]
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


def _validate_declared(
    guid: str,
    decl: _Declared,
    products: dict[str, Product],
    locations: dict[tuple, Location],
    code_owner: dict[str, tuple[str, Location]],
    problems: list[Problem],
) -> None:
    """Check one declared product: nulls, the model, its locations and the shop-wide
    uniqueness of its variant codes; then forget its YAML tree (only file and position stay,
    for the duplicate check)."""
    _null_problems(decl, problems)
    product = validate_located(Product, decl.data, decl.file, decl.pos, problems)
    _record_locations(guid, decl, locations)
    if product is not None:
        products[guid] = product
        problems += _self_link_problems(guid, decl)
    variants = decl.data.get("variants")
    for code in variants if isinstance(variants, LMap) else ():
        here = locations[(guid, "variants", code)]
        if code in code_owner and code_owner[code][0] != guid:
            other_guid, there = code_owner[code]
            problems.append(
                Problem(
                    here.file,
                    here.line,
                    here.column,
                    f"variant code {code} is also used by product {other_guid} "
                    f"(at {there}); codes are unique in the whole shop",
                )
            )
        else:
            code_owner.setdefault(code, (guid, here))
    decl.data = None
