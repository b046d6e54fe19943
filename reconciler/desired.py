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

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from reconciler.errors import CatalogError, ConfigError, Problem
from reconciler.model import (
    Catalog,
    Policy,
    Product,
    ShopSettings,
    Variant,
    did_you_mean,
    parse_guid,
)
from reconciler.yamlload import LMap, LSeq, Pos, load_yaml

SHOP_FILE = "shop.yaml"
PRODUCTS_DIR = "products"
YAML_SUFFIXES = (".yaml", ".yml")
# Top-level keys starting with this are ignored: a place for YAML anchors (`x-coffee: &coffee`)
# that merge keys (`<<: *coffee`) reuse, as in docker-compose files.
EXTENSION_PREFIX = "x-"
# Fields Shoptet always has a value for: `null` ("clear it") makes no sense there. The rule is
# the loader's, not the model's, so live models may still carry None where Shoptet sends none.
NOT_NULL_PRODUCT = frozenset(
    ("name", "visibility", "type", "defaultCategory", "categories", "variants", "absent")
)
NOT_NULL_VARIANT = frozenset(
    ("price", "vatRate", "includingVat", "visible", "negativeStockAllowed", "stock", "absent")
)


@dataclass(frozen=True, order=True)
class Location:
    """Where something was written: file (as the user typed the catalog path), 1-based line/column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class LoadedCatalog:
    """A valid catalog plus where each product, variant and field was written.

    ``locations`` keys: ``(guid,)``, ``(guid, field)``, ``(guid, "variants", code)`` and
    ``(guid, "variants", code, field)``; each points at the key in the YAML.
    ``digest`` is sha256 over the sorted catalog file paths (relative to the catalog
    directory) and bytes; ``files`` are the files read, as the user typed the directory.
    """

    catalog: Catalog
    locations: dict[tuple, Location] = field(default_factory=dict)
    digest: str = ""
    files: list[Path] = field(default_factory=list)


def _display(path: Path) -> str:
    return path.as_posix()


def _yaml_files(folder: Path, pattern: str) -> list[Path]:
    return sorted(
        p
        for p in folder.glob(pattern)
        if p.suffix in YAML_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _find_files(catalog_dir: Path) -> tuple[Path | None, list[Path], list[Path]]:
    """(shop file, product files, YAML files in places that are never read).

    Product files are every ``*.yaml``/``*.yml`` under ``products/`` (subfolders too; hidden
    files such as editor backups are skipped). YAML files directly in the catalog directory
    or one folder down (a typo like ``product/``) are reported, since they would be ignored.
    """
    shop = catalog_dir / SHOP_FILE
    products_dir = catalog_dir / PRODUCTS_DIR
    products = _yaml_files(products_dir, "**/*") if products_dir.is_dir() else []
    stray = [
        p
        for p in _yaml_files(catalog_dir, "*") + _yaml_files(catalog_dir, "*/*")
        if p != shop and not p.is_relative_to(products_dir)
    ]
    return (shop if shop.is_file() else None), products, sorted(stray)


# ---------------------------------------------------------------------------------------------
# Mapping pydantic errors back to YAML positions


def _model_for(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the last element of ``loc`` (for 'did you mean')."""
    current: type[BaseModel] | None = model
    i = 0
    while i < len(loc) - 1 and current is not None:
        part = loc[i]
        if current is Product and part == "variants":
            current, i = Variant, i + 2
        elif current is Catalog and part in ("shop", "policy"):
            current, i = (ShopSettings if part == "shop" else Policy), i + 1
        else:
            return None
    return current if i == len(loc) - 1 else None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"'{value}'"


def _message(err: dict, model: type[BaseModel]) -> str:
    kind, loc, ctx = err["type"], err["loc"], err.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        holder = _model_for(model, loc)
        choices = tuple(holder.model_fields) if holder else ()
        return f"unknown key '{name}'{did_you_mean(name, choices)}"
    if kind == "catalog" or not loc:
        text = err["msg"]
    elif kind == "dict_type" and name == "variants":
        text = f"must be a mapping variant code -> fields, not {_describe(err.get('input'))}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        text = f"must be a mapping of fields, not {_describe(err.get('input'))}"
    elif kind == "list_type":
        text = f"must be a list, not {_describe(err.get('input'))}"
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
    if at is not None:
        if isinstance(node, LMap) and str(at) in node:
            return node.key_pos[str(at)]
        if isinstance(node, LSeq) and isinstance(at, int) and 0 <= at < len(node):
            return node.item_pos[at]
    return pos


def _validate(model: type[BaseModel], data: Any, file: str, start: Pos, problems: list[Problem]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            ctx = err.get("ctx") or {}
            line, col = _locate(
                data, err["loc"], start, ctx.get("at"), key=err["type"] == "extra_forbidden"
            )
            problems.append(Problem(file, line, col, _message(err, model)))
        return None


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
) -> None:
    top = _top_mapping(doc, file, ("products",), problems)
    if top is None or top.get("products") is None:
        return
    products = top["products"]
    if not isinstance(products, LMap):
        problems.append(
            Problem(file, *top.val_pos["products"], "products must be a mapping GUID -> product")
        )
        return
    for guid, data in products.items():
        pos = products.key_pos[guid]
        try:
            parse_guid(guid)
        except PydanticCustomError as err:
            problems.append(Problem(file, *pos, err.message()))
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
                    f"not {_describe(data)}",
                )
            )
            continue
        declared[guid] = _Declared(file, pos, data)


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
    variants = data.get("variants")
    if isinstance(variants, LMap):
        for code, vdata in variants.items():
            locations[(guid, "variants", code)] = Location(decl.file, *variants.key_pos[code])
            if isinstance(vdata, LMap):
                for key in vdata:
                    locations[(guid, "variants", code, key)] = Location(
                        decl.file, *vdata.key_pos[key]
                    )


def load_catalog(catalog_dir: Path) -> LoadedCatalog:
    """Load and validate ``catalog_dir``; raise ``CatalogError`` with every problem found."""
    catalog_dir = Path(catalog_dir)
    if not catalog_dir.is_dir():
        raise ConfigError(
            f"catalog directory '{_display(catalog_dir)}' not found "
            "(run in the repository root or pass --catalog DIR)"
        )
    shop_path, product_paths, stray = _find_files(catalog_dir)
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
    digest = hashlib.sha256()
    files: list[Path] = []

    def read(path: Path) -> Any:
        try:
            data = path.read_bytes()
        except OSError as err:
            problems.append(Problem(_display(path), 1, 1, f"cannot read the file: {err.strerror}"))
            return None
        rel = path.relative_to(catalog_dir).as_posix().encode()
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
        files.append(path)
        doc, found = load_yaml(_display(path), data)
        problems.extend(found)
        return doc

    shop_fields: dict[str, Any] = {}
    if shop_path is not None:
        file = _display(shop_path)
        top = _top_mapping(read(shop_path), file, ("shop", "policy", "ignore"), problems)
        if top is not None:
            shop_data = {k: v for k, v in top.items() if k in ("shop", "policy", "ignore")}
            shop_data = {k: v for k, v in shop_data.items() if v is not None}
            wrapper = LMap(shop_data)
            wrapper.pos, wrapper.key_pos, wrapper.val_pos = top.pos, top.key_pos, top.val_pos
            checked = _validate(Catalog, wrapper, file, top.pos, problems)
            if checked is not None:
                shop_fields = {
                    "shop": checked.shop,
                    "policy": checked.policy,
                    "ignore": checked.ignore,
                }

    declared: dict[str, _Declared] = {}
    for path in product_paths:
        _load_products(read(path), _display(path), declared, problems)

    products: dict[str, Product] = {}
    locations: dict[tuple, Location] = {}
    code_owner: dict[str, tuple[str, Location]] = {}
    for guid, decl in declared.items():
        _null_problems(decl, problems)
        product = _validate(Product, decl.data, decl.file, decl.pos, problems)
        _record_locations(guid, decl, locations)
        if product is not None:
            products[guid] = product
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

    if problems:
        raise CatalogError(problems)
    catalog = Catalog(products=products, **shop_fields)
    return LoadedCatalog(
        catalog=catalog, locations=locations, digest=digest.hexdigest(), files=files
    )
