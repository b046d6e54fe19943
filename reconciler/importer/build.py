"""`import`: write catalog YAML for live products (bootstrap a catalog, or refresh entries).

    report = import_products(client, out_dir, guids=[...])   # or guids=None for every product

What is written, per product (read with every detail include, converted by ``live_convert``
exactly as ``plan`` converts it, so ``plan`` right after an import is empty):

- a product no catalog file declares is added to ``products/imported.yaml`` (created when
  needed) with every field the shop has a value for: name, visibility, brand, categories,
  texts, and per variant its codes, EAN, price, VAT, visibility, availability, weight and
  physical stock (a plain number for the default stock, a ``{stock id: amount}`` mapping when
  another stock holds something), and its variant parameters as the admin shows them
  (``parameters: {Hmotnost: 250 g}``: the shop's registry is read once when a variant has
  some), so a variant copied and edited (``{Hmotnost: 2 kg}``) still says what it means; a
  name that would not resolve back to the same slugs (two parameters with one name) is
  written as its slug; its gallery as ``images:`` and each variant's own ``image:``
  (``importer.images``: by ``src`` where the image lock knows it, else by name; the lock is
  rewritten without the images the shop no longer has); its flags by title where the title
  names that flag alone, else (and for Shoptet's system flags) by code
  (``plan.flag_changes.written_names``; the shop's flags are read once). A variant's row in another pricelist
  goes under ``prices:`` when it has a price and differs from the catalog's own pricelist
  (``OtherPricelists``; the shop's pricelist names are read once, when a variant has rows in
  several). Left out on purpose: ``type`` (create-only) and
  ``negativeStockAllowed`` (usually the shop-wide default; stating it would pin it);
- a product a file already declares is refreshed *in that file*: only the keys the entry
  already states get the live value (the entry's choice of what is managed is kept), and live
  variants the entry does not mention are added. Tombstones are left alone. Values equal to
  the live ones (``189`` vs ``189.00``) are not rewritten.

Files are edited through ruamel.yaml round-trip (``importer_yaml``): comments, key order and
quoting survive, and files with nothing to change are not written. Before anything is
written, the catalog as it would be is loaded with the project's loader from the produced
text (``load_catalog(overrides=...)``); if it does not validate, nothing is written. Each file
is written to a temporary file in its folder and renamed into place.

Refused, with nothing written: writing through a symbolic link (a file or folder of the
catalog that is a link), and editing a file that uses YAML anchors, aliases or merge keys.
Decided so because ruamel would keep the anchors, but a refresh that writes a value through
an alias (or replaces a merged one) silently changes, or stops sharing, the value of every
other entry using the anchor; a file with anchors that needs no change is left alone.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reconciler import atomic
from reconciler import errors as E
from reconciler import fields as F
from reconciler.assignments import find
from reconciler.desired.image_lock import LOCK_FILE, ImageLock
from reconciler.desired.image_lock import render as render_lock
from reconciler.desired.load import PRODUCTS_DIR, YAML_SUFFIXES, load_catalog
from reconciler.desired.values import (
    GUID_PATTERN,
    MEASURE_UNIT_KEYS,
    parse_descriptive_parameters,
    parse_filtering_parameters,
    parse_flags,
    parse_measure_unit,
    parse_reference,
)
from reconciler.desired.yamlload import MAX_FILE_BYTES
from reconciler.importer import yaml_edit as Y
from reconciler.importer.images import image_values, pruned, variant_image
from reconciler.importer.images import normal as images_normal
from reconciler.live.convert import product_from_detail
from reconciler.live.params import read_registry
from reconciler.live.read import read_assignment_lists, read_shop
from reconciler.model import ShopSettings
from reconciler.plan.flag_changes import lookup as lookup_flag
from reconciler.plan.flag_changes import shop_flags, shop_names, written_names
from reconciler.plan.normalize import canonical_object, price_row_form
from reconciler.plan.parameters import ParameterRegistry, resolve
from reconciler.plan.pricelists import PricelistNames
from reconciler.references import MEASURE_UNITS, SUPPLIERS, WARRANTIES
from reconciler.shoptet.client import DETAIL_INCLUDE, get_flags

IMPORTED_FILE = "imported.yaml"
LIVE_STOCK = "__live_stock__"  # the live {stock id: amount} beside the rendered ``stock``
LIVE_PRICES = "__live_prices__"  # every live pricelist row beside the rendered ``prices``
HEADER = (
    "yaml-language-server: $schema=../../schemas/products.schema.json\n\n"
    "Products imported from the live shop by `shoptet-catalog import`. Every field written\n"
    "here is managed: delete the lines of fields you want Shoptet's admin to own instead."
)


def _order(level: F.Level) -> tuple[str, ...]:
    """The fields ``import`` writes at ``level``, in file order: by import group, then in the
    registry's (the model's) order."""
    chosen = [f for f in F.select(level) if f.imported is not F.Imported.NO]
    return tuple(f.name for f in sorted(chosen, key=lambda f: f.import_group))


# What import writes and how, from the field registry (``reconciler.fields``).
PRODUCT_ORDER = _order(F.Level.PRODUCT)
VARIANT_ORDER = _order(F.Level.VARIANT)
NULL_SPELLINGS = frozenset(("", "~", "null", "Null", "NULL"))  # plain YAML for null
DECIMALS = frozenset(f.name for f in F.FIELDS if f.kind is F.Kind.DECIMAL)
BOOLS = frozenset(f.name for f in F.FIELDS if f.kind is F.Kind.BOOL)
QUOTED = frozenset(f.name for f in F.FIELDS if f.imported is F.Imported.QUOTED)
HTML = frozenset(f.name for f in F.FIELDS if f.imported is F.Imported.BLOCK)
OBJECTS = {f.name: f for f in F.FIELDS if f.kind is F.Kind.OBJECT}
LINKS = frozenset(f.name for f in F.FIELDS if f.kind is F.Kind.PRODUCT_LINKS)
DESCRIPTIVE = F.BY_NAME["descriptiveParameters"].name
FILTERING = F.BY_NAME["filteringParameters"].name
# fields the loader refuses to see null (Shoptet always has a value): a refresh that has no
# live value for one keeps what the file says (``type`` too, which import never writes)
NOT_NULL = frozenset(f.name for f in F.FIELDS if not f.nullable)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # tombstones, with the reason
    files: list[Path] = field(default_factory=list)  # files written


PER_FILE = 1000  # new products a file: ~1 MB for products with five variants
READ_BATCH = 100  # products read (concurrently) between two progress reports
# A new file is closed before its estimated size passes this: half the loader's limit, as the
# estimate (JSON length of the values) can be below the YAML written.
FILE_BUDGET = MAX_FILE_BYTES // 2


def import_products(
    client: Any,
    out_dir: Path,
    guids: Iterable[str] | None = None,
    *,
    per_file: int = PER_FILE,
    skip_declared: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import ``guids`` (None: every live product) into the catalog at ``out_dir``.

    ``per_file``: new products a file at most; ``skip_declared``: products a file already
    declares are not read again (how an interrupted import continues); ``progress(done,
    total)`` is called as products are read."""
    out_dir = Path(out_dir)
    if per_file < 1:
        raise E.ConfigError(f"--per-file must be at least 1, not {per_file}")
    settings, lock = ShopSettings(), ImageLock()
    if out_dir.is_dir() and any(out_dir.iterdir()):
        existing = load_catalog(out_dir)
        settings, lock = existing.catalog.shop, existing.image_lock
    shop = read_shop(client, settings)
    wanted = _guids(client, guids)
    report = ImportReport()
    files = _declared(out_dir / PRODUCTS_DIR)
    if skip_declared:
        report.skipped += [f"{g}: already in {files[g][0]}; not read again" for g in wanted if g in files]
        wanted = [g for g in wanted if g not in files]
    reader = _Reader(client, shop, len(wanted), progress, report)
    reader.lock = lock

    # Products a file declares: refreshed in place, all files validated together, then written.
    changed: dict[Path, Any] = {}
    declared = [g for g in wanted if g in files]
    for batch in _batches(declared, READ_BATCH):
        for guid, values in reader.read(batch).items():
            path, doc, key = files[guid]
            entry = doc["products"][key]
            if not isinstance(entry, Y.CommentedMap) or _is_true(entry.get("absent")):
                report.skipped.append(f"{guid}: a tombstone in {path}; left as it is")
                continue
            flags = reader.flag_names() if isinstance(entry.get("flags"), dict) else None
            if merge(entry, values, shop.default_stock_id, flags=flags):
                report.updated.append(guid)
                changed[path] = doc
            else:
                report.unchanged.append(guid)
    _write_all(out_dir, {path: Y.dump(doc) for path, doc in changed.items()}, report)

    # New products: appended to products/imported.yaml, imported-2.yaml, ... each file
    # written (validated first) as soon as it is full, so an interrupted import keeps them.
    new = [g for g in wanted if g not in files]
    target = _Target(out_dir / PRODUCTS_DIR, per_file)
    for batch in _batches(new, READ_BATCH):
        for guid, values in reader.read(batch).items():
            if target.full(values):
                _write_all(out_dir, {target.path: Y.dump(target.doc)}, report)
                target.next()
            target.add(guid, values)
            report.added.append(guid)
    if target.added:
        _write_all(out_dir, {target.path: Y.dump(target.doc)}, report)
    kept = pruned(lock, reader.galleries)
    if kept != lock:  # entries of images the shop no longer has
        _write(out_dir / LOCK_FILE, render_lock(kept))
        report.files.append(out_dir / LOCK_FILE)
    return report


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Reader:
    """Reads products in detail batch by batch, rendered for the YAML, reporting progress;
    the parameter registry is read once, when a product first has parameters."""

    def __init__(
        self, client: Any, shop: Any, total: int, progress: Any, report: ImportReport
    ) -> None:
        self.client, self.shop, self.total, self.progress = client, shop, total, progress
        self.report = report
        self.done = 0
        self.registry: ParameterRegistry | None = None
        self.pricelists: OtherPricelists | None = None
        self.lists: dict[str, Any] = {}  # warranties and suppliers, read when first needed
        self._flag_names: FlagNames | None = None
        self.lock: ImageLock = ImageLock()
        self.galleries: dict[str, list[str]] = {}  # guid -> image names, for the lock

    def flag_names(self) -> FlagNames:
        """The shop's flags' titles and the names import writes (read once, when a product
        has flags or an entry names some)."""
        if self._flag_names is None:
            self._flag_names = FlagNames.of(get_flags(self.client))
        return self._flag_names

    def read(self, guids: list[str]) -> dict[str, dict[str, Any]]:
        details = self.client.get_products(guids, include=DETAIL_INCLUDE)
        missing = [g for g, d in details.items() if d is None]
        if missing:
            written = self.report.files
            kept = (
                f"the {len(written)} file(s) already written are kept ({', '.join(map(str, written))})"
                if written
                else "nothing was written"
            )
            raise E.ConfigError(f"no product with GUID {', '.join(missing)} in the shop; {kept}")
        shop = self.shop
        live = {
            g: product_from_detail(
                d, pricelist_id=shop.pricelist_id, default_pricelist_id=shop.default_pricelist_id
            )
            for g, d in details.items()
        }
        filtering = any(p.filteringParameters for p in live.values())
        if (self.registry is None or (filtering and self.registry.filtering is None)) and (
            filtering
            or any(v.parameters for p in live.values() for v in (p.variants or {}).values())
        ):
            self.registry = read_registry(self.client, filtering=filtering)
        if self.pricelists is None and any(
            len(v.prices or {}) > 1 for p in live.values() for v in (p.variants or {}).values()
        ):  # GET /api/pricelists, once: the names other pricelists are written by
            names = {pl.id: pl.name for pl in self.client.get_pricelists()}
            self.pricelists = OtherPricelists(shop.pricelist_id, names)
        wanted = {
            kind
            for p in live.values()
            for kind, name in ((WARRANTIES, "warranty"), (SUPPLIERS, "supplier"))
            if getattr(p, name, None) is not None and kind not in self.lists
        }
        if MEASURE_UNITS not in self.lists and any(
            getattr(v, MEASURE_UNIT, None) for p in live.values() for v in (p.variants or {}).values()
        ):
            wanted.add(MEASURE_UNITS)
        if wanted:
            self.lists.update(read_assignment_lists(self.client, wanted))
        self.done += len(guids)
        if self.progress is not None:
            self.progress(self.done, self.total)
        for g, p in live.items():
            self.galleries[g] = [i["name"] for i in getattr(p, "images", None) or []]
        flags = self.flag_names() if any(p.flags for p in live.values()) else None
        return {
            g: render_product(
                p,
                shop.default_stock_id,
                self.registry,
                self.pricelists,
                self.lists,
                guid=g,
                lock=self.lock,
                flags=flags,
            )
            for g, p in live.items()
        }


class _Target:
    """The file new products go to: the first of imported.yaml, imported-2.yaml, ... with
    room (fewer than ``per_file`` products, within the size budget)."""

    def __init__(self, products_dir: Path, per_file: int) -> None:
        self.dir, self.per_file, self.number = products_dir, per_file, 1
        self.open()

    def open(self) -> None:
        while True:
            self.path = self.dir / imported_name(self.number)
            self.doc = _load(self.path) if os.path.lexists(self.path) else _new_file()
            products = self.doc.get("products") if isinstance(self.doc, dict) else None
            self.count = len(products) if isinstance(products, dict) else 0
            self.size = self.path.stat().st_size if self.path.is_file() else 0
            self.added = 0
            if isinstance(products, dict) and self.count < self.per_file and self.size < FILE_BUDGET:
                return
            if not os.path.lexists(self.path):  # pragma: no cover - a new file has room
                return
            self.number += 1

    def next(self) -> None:
        self.number += 1
        self.open()

    def full(self, values: dict[str, Any]) -> bool:
        return self.count > 0 and (
            self.count >= self.per_file or self.size + _estimate(values) > FILE_BUDGET
        )

    def add(self, guid: str, values: dict[str, Any]) -> None:
        Y.append(self.doc["products"], guid, _mapping(values))
        self.doc["products"].yaml_set_comment_before_after_key(
            guid, before=f"\n{values.get('name') or guid}", indent=2
        )
        self.count += 1
        self.added += 1
        self.size += _estimate(values)


def imported_name(number: int) -> str:
    """products/imported.yaml, then imported-2.yaml, imported-3.yaml, ..."""
    return IMPORTED_FILE if number == 1 else f"imported-{number}{Path(IMPORTED_FILE).suffix}"


def _estimate(values: dict[str, Any]) -> int:
    """About how many bytes a product's YAML takes (its values as JSON, plus indentation)."""
    return len(json.dumps(values, default=str, ensure_ascii=False).encode("utf-8")) * 3 // 2


def _write_all(out_dir: Path, texts: dict[Path, str], report: ImportReport) -> None:
    """Check, validate (the whole catalog as it would be) and write ``texts``; nothing of
    them is written when one fails."""
    if not texts:
        return
    for path in texts:
        _check_target(out_dir, path)
    _validate(out_dir, texts)
    for path, text in texts.items():
        _write(path, text)
        if path not in report.files:
            report.files.append(path)


def _check_target(out_dir: Path, path: Path) -> None:
    """Refuse (nothing written yet) to write ``path`` through a symbolic link, or to edit a
    file that uses YAML anchors, aliases or merge keys: a refresh that writes through an
    alias, or replaces a merged value, would silently change (or stop sharing) the values
    of every other entry that uses the anchor."""
    for part in [path, *path.relative_to(out_dir).parents]:
        link = out_dir / part if part != path else path
        if link != out_dir and link.is_symlink():
            raise E.ConfigError(
                f"import does not write through symbolic links: {link} is one. Replace it "
                "with the file or folder itself (the catalog refuses links too); nothing was "
                "written"
            )
    if not path.exists():
        return
    try:
        where = Y.first_anchor(Y.read_text(path))
    except (OSError, ValueError) as exc:  # read before; changed since
        raise E.ConfigError(f"cannot read {path}: {exc}; nothing was written") from None
    if where is not None:
        raise E.ConfigError(
            f"{path}:{where[0]}:{where[1]}: import does not edit files that use YAML anchors, "
            "aliases or merge keys (an edit through one would change every entry sharing it). "
            "Refresh these products by hand, or write their values out without anchors and "
            "import again; nothing was written"
        )


def _validate(out_dir: Path, texts: dict[Path, str]) -> None:
    """Load the catalog as it would be after writing ``texts``, before writing any of it."""
    try:
        load_catalog(out_dir, overrides={p: t.encode("utf-8") for p, t in texts.items()})
    except E.CatalogError as err:
        raise E.ConfigError(
            "import wrote nothing: the catalog it would write does not validate:\n"
            + "\n".join(f"  {p}" for p in err.problems)
            + "\nA live value the catalog refuses (for example a control character in a "
            "name) must be fixed in the Shoptet admin first; otherwise this is a bug, please "
            "report it."
        ) from None


def _guids(client: Any, guids: Iterable[str] | None) -> list[str]:
    import re

    if guids is None:
        return sorted(p.guid.lower() for p in client.iter_products())
    out: list[str] = []
    bad: list[str] = []
    for g in guids:
        g = g.strip().lower()
        (out if re.fullmatch(GUID_PATTERN, g) else bad).append(g)
    if bad:
        raise E.ConfigError(f"not a product GUID: {', '.join(bad)} (expected e.g. {_EXAMPLE})")
    return list(dict.fromkeys(out))


_EXAMPLE = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"


# ---------------------------------------------------------------------------------------------
# live Product -> YAML values


def render_product(
    product: Any,
    default_stock_id: int,
    registry: ParameterRegistry | None = None,
    pricelists: OtherPricelists | None = None,
    lists: dict[str, Any] | None = None,
    guid: str = "",
    lock: ImageLock | None = None,
    flags: FlagNames | None = None,
) -> dict[str, Any]:
    """The values ``import`` writes for a live product, in file order (text, lists, maps).
    ``registry``: the shop's variant parameters, for their names (else slugs are written);
    ``pricelists``: the catalog's own pricelist and the shop's names, for ``prices``;
    ``lists``: warranties and suppliers (``live.read.read_assignment_lists``), for their
    names (else the id or GUID is written). A variant's unit is read as its name.
    ``lock``: the image lock, for the ``src`` of images added by URL (``importer.images``).
    ``flags``: the shop's flags, so flags are written by title where that names them back
    (``FlagNames``; else by code)."""
    lock = lock or ImageLock()
    out: dict[str, Any] = {}
    for name in PRODUCT_ORDER:
        value = getattr(product, name, None)
        if value in (None, "", [], {}):
            continue
        if name == "flags":
            out[name] = _flags(value, flags.written if flags else {})
            continue
        if name in _BY_NAME:
            out[name] = _by_name(value, (lists or {}).get(_BY_NAME[name]))
            continue
        if name == FILTERING:
            out[name] = _filtering(value, registry.filtering if registry else None)
            continue
        out[name] = _value(name, value, default_stock_id)
    out.update(image_values(guid, product, lock))
    variants = {}
    for code, variant in sorted((product.variants or {}).items()):
        values = {}
        for name in VARIANT_ORDER:
            value = getattr(variant, name, None)
            if value in (None, "") or (name in ("stock", "parameters") and not value):
                continue
            if name == "parameters":
                values[name] = _parameters(value, registry)
                continue
            if name == MEASURE_UNIT:
                shown = _measure_unit(value, (lists or {}).get(MEASURE_UNITS))
                if shown is not None:
                    values[name] = shown
                continue
            if name in OBJECTS:
                shown = _object(OBJECTS[name], value)
                if shown is not None:
                    values[name] = shown
                continue
            values[name] = _value(name, value, default_stock_id)
            if name == "stock":
                values[LIVE_STOCK] = value
        rows = getattr(variant, F.PRICES, None)
        if pricelists is not None and rows:
            values[LIVE_PRICES] = (rows, pricelists)
            shown = pricelists.render(rows)
            if shown:
                values[F.PRICES] = shown
        image = variant_image(guid, getattr(variant, "image", None), lock)
        if image is not None:
            values["image"] = image
        variants[code.upper()] = values
    if variants:
        out["variants"] = variants
    return out


def _value(name: str, value: Any, default_stock_id: int) -> Any:
    if name == "stock":
        return _stock(value, default_stock_id)
    if name == "categories" or name in LINKS:
        return Y.CommentedSeq([str(g).lower() for g in value])
    if name == DESCRIPTIVE:
        return _descriptive(value)
    if isinstance(value, bool):
        return Y.plain("true" if value else "false")
    if isinstance(value, Decimal):
        return Y.plain(format(value, "f"))
    if isinstance(value, int):
        return Y.plain(str(value))
    text = str(value)
    if name in QUOTED or text.strip() in NULL_SPELLINGS:
        return Y.quoted(text)  # quoted: always text, never null
    if name in HTML:
        return Y.text_block(text)
    return text


_BY_NAME = {"warranty": WARRANTIES, "supplier": SUPPLIERS}
MEASURE_UNIT = F.BY_NAME["measureUnit"].name


def _measure_unit(value: Any, table: dict[Any, str | None] | None) -> Any:
    """``{contents: 250 g, per: 1 kg}``, each unit by name where the name names just that
    unit (else by id); None when the shop has none, or only half of one (the YAML cannot
    state that, so it is left unmanaged)."""
    canonical = canonical_object(F.BY_NAME[MEASURE_UNIT], value)
    if not isinstance(canonical, dict):
        return None
    out = {}
    for key, (amount_part, unit_part) in MEASURE_UNIT_KEYS.items():
        amount, unit = canonical.get(amount_part), canonical.get(unit_part)
        if amount is None or unit is None:
            return None
        name = (table or {}).get(unit)
        if name and name.strip() and find(parse_reference(name), table or {}) == unit:
            out[key] = f"{amount} {name.strip()}"
        else:
            out[key] = f"{amount} {unit}"
    return Y.flow_map(out)


def _by_name(ident: Any, table: dict[Any, str | None] | None) -> Any:
    """A warranty's description or a supplier's name where it names just this entry (the
    plan resolves it back to the same id), else the id or GUID."""
    name = (table or {}).get(ident.lower() if isinstance(ident, str) else ident)
    if name and name.strip() and find(parse_reference(name), table or {}) == ident:
        return Y.quoted(name) if name.strip() in NULL_SPELLINGS else name
    return Y.plain(str(ident)) if isinstance(ident, int) else str(ident)


def _parameters(pairs: dict[str, str], registry: ParameterRegistry | None) -> Any:
    """``{nameIndex: valueIndex}`` as the admin shows it (``{Hmotnost: 250 g}``), pair by
    pair where the name resolves back to the same slugs, else as the slugs."""
    out = {}
    for index, value in sorted(pairs.items()):
        key, text = index, value
        if registry is not None:
            name, shown = registry.name_of(index), registry.value_name(index, value)
            if resolve({name: shown}, registry).pairs == {index: value}:
                key, text = name, shown
        out[key] = Y.quoted(text) if text.strip() in NULL_SPELLINGS else text
    return Y.flow_map(out)


def _descriptive(rows: list[dict[str, Any]]) -> Any:
    """Specification rows as ``- {name: .., value: ..}``: a value or description only when
    there is one, a priority only when it is not the row's position (the loader's default)."""
    out = Y.CommentedSeq()
    for i, row in enumerate(rows, start=1):
        item: dict[str, Any] = {"name": _text(row["name"])}
        for key in ("value", "description"):
            if row.get(key) is not None:
                item[key] = _text(row[key])
        if row.get("priority") != i:
            item["priority"] = Y.plain(str(row.get("priority")))
        out.append(Y.flow_map(item))
    return out


def _text(value: Any) -> Any:
    """Text that reads back as the same text (quoted where the loader would read null)."""
    text = str(value)
    return Y.quoted(text) if text.strip() in NULL_SPELLINGS else text


def _filtering(assigned: dict[str, list[str]], shop: ParameterRegistry | None) -> Any:
    """``{code: [valueIndex]}`` as the admin shows it (``{Materiál: [Bavlna, Len]}``), one
    value as a plain value, each name only where it resolves back to the same code and value
    index (else the code or index is written)."""
    out: dict[str, Any] = {}
    for code, indexes in sorted(assigned.items()):
        name = shop.name_of(code) if shop is not None else code
        if shop is None or any(
            resolve({name: shop.value_name(code, i)}, shop).pairs != {code: i} for i in indexes
        ):
            name, shown = code, list(indexes)
        else:
            shown = [shop.value_name(code, i) for i in indexes]
        texts = [_text(v) for v in shown]
        out[name] = texts[0] if len(texts) == 1 else Y.flow_seq(texts)
    return Y.flow_map(out)


@dataclass(frozen=True)
class FlagNames:
    """The shop's flags for import: ``names`` every name a product may give one -> its code
    (as the plan resolves them) and ``written`` code -> the name import writes
    (``plan.flag_changes.written_names``)."""

    names: dict[str, str]
    written: dict[str, str]

    @classmethod
    def of(cls, items: Iterable[dict[str, Any]]) -> FlagNames:
        items = list(items)
        return cls(shop_names(shop_flags(items)), written_names(items))

    def name(self, code: str) -> str:
        return self.written.get(code, code)


def _flags(flags: dict[str, Any], written: dict[str, str]) -> Any:
    """Live flags by the name import writes for them (``written``: code -> title; else by
    code): ``true``, or ``{from, to}`` where the flag has dates."""
    out: dict[str, Any] = {}
    for code, dates in sorted(flags.items(), key=lambda item: written.get(item[0], item[0])):
        name = _text(written.get(code, code))  # a title spelled like null is quoted
        start, end = (dates or {}).get("dateFrom"), (dates or {}).get("dateTo")
        if start is None and end is None:
            out[name] = Y.plain("true")
            continue
        span = {}
        if start is not None:
            span["from"] = Y.plain(str(start)[:10])
        if end is not None:
            span["to"] = Y.plain(str(end)[:10])
        out[name] = Y.flow_map(span)
    return Y.flow_map(out)


def _object(field: F.Field, value: Any) -> Any:
    """A pricelist-row object as a flow mapping of all its parts (``null`` where the shop has
    none, so the entry manages the whole object); None when it means nothing (no action
    price, no purchase price, no orderable limits)."""
    canonical = canonical_object(field, value)
    if not isinstance(canonical, dict):
        return None
    out: dict[str, Any] = {}
    for part in field.parts:
        item = canonical.get(part.name)
        if item is None:
            out[part.name] = Y.plain("null")
        elif isinstance(item, bool):
            out[part.name] = Y.plain("true" if item else "false")
        elif part.kind is F.Kind.DECIMAL and part.places is not None:
            out[part.name] = Y.plain(
                format(Decimal(item).quantize(Decimal(1).scaleb(-part.places)), "f")
            )
        else:
            out[part.name] = Y.plain(str(item))
    return Y.flow_map(out)


class OtherPricelists:
    """How ``import`` writes a variant's rows in pricelists other than the catalog's own
    (``prices:``). Decided: a row is written when it has a price and differs from the
    catalog's own pricelist's row, with only the fields that differ, keyed by the pricelist's
    name (its id when the name is not unique or looks like an id). A row equal to the own one
    says nothing a reader needs, and leaving it out leaves that pricelist unmanaged for the
    variant: nothing is written to it until the catalog states it."""

    def __init__(self, own: int | None, names: dict[int, str | None]) -> None:
        self.own, self.names = own, names
        folded = [str(n or "").casefold() for n in names.values()]
        self.keys = {
            pid: name
            if name and not name.strip().isdigit() and folded.count(name.casefold()) == 1
            else str(pid)
            for pid, name in names.items()
        }
        self.resolver = PricelistNames(names, own)

    def render(self, rows: dict[str, Any]) -> Any:
        mine = price_row_form(rows.get(str(self.own)) or {})
        out: dict[str, Any] = {}
        for pid, row in sorted(rows.items(), key=lambda item: int(item[0])):
            form = price_row_form(row)
            if int(pid) == self.own or form.get("price") is None:
                continue
            shown = {
                f.name: _row_field(f, row.get(f.name))
                for f in F.PER_PRICELIST
                if form.get(f.name) != mine.get(f.name) and (f.nullable or row.get(f.name) is not None)
            }
            if shown:
                out[self.keys.get(int(pid), str(pid))] = Y.flow_map(shown)
        return Y.CommentedMap(out) if out else None


def _row_field(f: F.Field, value: Any) -> Any:
    if f.name in OBJECTS:
        return _object(OBJECTS[f.name], value) or Y.plain("null")
    return Y.plain("null") if value is None else _value(f.name, value, 0)


def _refresh_prices(stated: dict, live: dict[str, Any], names: OtherPricelists) -> bool:
    """The fields a ``prices`` entry states, per pricelist it names, get the live values;
    a name that resolves to no other pricelist is left for the plan to report."""
    changed = False
    for key, fields in stated.items():
        pid = names.resolver.resolve(str(key))
        row = live.get(str(pid)) if isinstance(pid, int) else None
        if row is None or not isinstance(fields, dict):
            continue
        for f in F.PER_PRICELIST:
            if f.name not in fields or (row.get(f.name) is None and not f.nullable):
                continue
            new = _row_field(f, row.get(f.name))
            if not _same(f.name, fields[f.name], new, 0):
                fields[f.name] = new
                changed = True
    return changed


def _amount(value: Any) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _stock(stock: Any, default_stock_id: int) -> Any:
    if not isinstance(stock, dict):
        return Y.plain(_amount(stock))
    rows = {int(k): v for k, v in stock.items()}
    others = {k: v for k, v in rows.items() if k != default_stock_id and Decimal(str(v))}
    if not others:
        return Y.plain(_amount(rows.get(default_stock_id, 0)))
    return Y.flow_map({str(k): Y.plain(_amount(v)) for k, v in sorted(rows.items())})


def _mapping(values: dict[str, Any]) -> Y.CommentedMap:
    out = Y.CommentedMap()
    for key, value in values.items():
        if key in (LIVE_STOCK, LIVE_PRICES):
            continue
        if key == "variants":
            out[key] = Y.CommentedMap((code, _mapping(v)) for code, v in value.items())
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# refreshing an existing entry


def merge(
    entry: Y.CommentedMap,
    values: dict[str, Any],
    default_stock_id: int,
    *,
    flags: FlagNames | None = None,
) -> bool:
    """Refresh the keys ``entry`` states from ``values`` and add missing live variants.
    ``flags``: the shop's flags, so flags the entry names by code or title keep their names
    (``_refreshed_flags``). Returns whether anything changed."""
    if isinstance(entry.get("flags"), dict):
        shop_flags = flags or FlagNames({}, {})
        values = {**values, "flags": _refreshed_flags(entry["flags"], values, shop_flags)}
    changed = _refresh(entry, values, default_stock_id, skip=("variants", "absent"))
    live_variants = values.get("variants") or {}
    if not live_variants:
        return changed
    if not isinstance(entry.get("variants"), Y.CommentedMap):
        if "variants" in entry:
            return changed
        Y.append(entry, "variants", _mapping({"variants": live_variants})["variants"])
        return True
    stated = entry["variants"]
    index = {str(code).upper(): code for code in stated}
    # a live code a stated variant is renamed from is that variant, not a new one: the rename
    # is the plan's to make, so import leaves both alone
    pending = {
        str(v.get("renamedFrom")).upper()
        for v in stated.values()
        if isinstance(v, Y.CommentedMap) and v.get("renamedFrom") is not None
    }
    for code, vvalues in live_variants.items():
        if code in pending and code not in index:
            continue
        if code not in index:
            Y.append(stated, code, _mapping(vvalues))
            changed = True
            continue
        ventry = stated[index[code]]
        if isinstance(ventry, Y.CommentedMap) and not _is_true(ventry.get("absent")):
            changed |= _refresh(ventry, vvalues, default_stock_id, skip=("absent", "renamedFrom"))
    return changed


def _refresh(entry: Y.CommentedMap, values: dict, default_stock_id: int, skip) -> bool:
    changed = False
    for key in list(entry.keys()):
        if key in skip:
            continue
        if key == F.PRICES:
            if isinstance(entry[key], dict) and LIVE_PRICES in values:
                changed |= _refresh_prices(entry[key], *values[LIVE_PRICES])
            continue  # never null (the loader refuses it); nothing read: kept as written
        if key == "stock" and isinstance(entry[key], dict) and LIVE_STOCK in values:
            new = _stated_stock(entry[key], values[LIVE_STOCK], default_stock_id)
        elif key in values:
            new = values[key]
        elif key in LINKS or key == DESCRIPTIVE:  # the shop has none: empty, not null
            new = Y.empty_seq()
        elif key == FILTERING:
            new = Y.flow_map({})
        elif key in NOT_NULL:
            continue  # the shop sent nothing for it; keep what the file says
        else:
            new = Y.plain("null")
        if _same(key, entry[key], new, default_stock_id):
            continue
        entry[key] = new
        changed = True
    return changed


def _refreshed_flags(stated: dict, values: dict[str, Any], flags: FlagNames) -> Any:
    """The entry's ``flags`` as the shop has them, in the entry's own words: a flag it names
    (by code or title) keeps its name and gets the live value; one the shop has unset is
    ``false``, never dropped, since a stated ``Tip: false`` still means "make sure it is unset"
    (the shop lists only set flags); a name the shop has no flag for (one shop.yaml declares,
    not created yet) stays as written; live flags the entry does not name are added by the
    name import writes (``FlagNames.name``)."""
    code_of = {name: code for code, name in flags.written.items()}
    live = {code_of.get(str(k), str(k)): v for k, v in (values.get("flags") or {}).items()}
    out: dict[Any, Any] = {}
    named: set[str] = set()
    for key, value in stated.items():
        name = str(key)
        code = name if name in live else lookup_flag(flags.names, name)
        if code is None:
            out[key] = value
            continue
        named.add(code)
        out[key] = live.get(code, Y.plain("false"))
    for code, value in live.items():
        if code not in named:
            out[flags.name(code)] = value
    return Y.flow_map(out)


def _stated_stock(stated: dict, live: Any, default_stock_id: int) -> Any:
    """A stock mapping refreshed for the stock ids it states (the others stay unmanaged)."""
    rows = live if isinstance(live, dict) else {default_stock_id: live}
    rows = {int(k): v for k, v in rows.items()}
    return Y.flow_map({str(k): Y.plain(_amount(rows.get(int(k), 0))) for k in stated})


def _same(key: str, old: Any, new: Any, default_stock_id: int) -> bool:
    return _norm(key, old, default_stock_id) == _norm(key, new, default_stock_id)


def _norm(key: str, value: Any, default_stock_id: int) -> Any:
    if value is None or (Y.is_plain(value) and value.strip() in NULL_SPELLINGS):
        return None
    try:
        if key == "stock":
            if isinstance(value, dict):
                return {int(k): Decimal(str(v)).normalize() for k, v in value.items()}
            return {default_stock_id: Decimal(str(value)).normalize()}
        if key in DECIMALS:
            return Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return str(value)
    if key in BOOLS:
        return str(value).strip().lower()
    if key == "flags" and isinstance(value, dict):
        try:
            return parse_flags(dict(value))
        except ValueError:  # a hand-written mistake: compared as text, so it is refreshed
            return str(value)
    if key == MEASURE_UNIT and isinstance(value, dict):
        try:
            parts = parse_measure_unit(dict(value))
        except ValueError:  # a hand-written mistake: compared as text, so it is refreshed
            return str(value)
        canonical = canonical_object(OBJECTS[key], parts)  # 1.000 is 1; KG is kg
        return {k: str(v).casefold() for k, v in canonical.items()}
    if key in OBJECTS and isinstance(value, dict):
        parts = {
            k: None if Y.is_plain(v) and v.strip() in NULL_SPELLINGS else v
            for k, v in value.items()
        }
        return canonical_object(OBJECTS[key], parts)
    if key == "parameters" and isinstance(value, dict):
        return sorted((str(k), str(v)) for k, v in value.items())
    if key == "images":
        return images_normal(value)
    if key == FILTERING and isinstance(value, dict):
        try:
            parsed = parse_filtering_parameters(dict(value))
        except (ValueError, TypeError):  # a hand-written mistake: compared as text, refreshed
            return str(value)
        return sorted((k, sorted(v)) for k, v in parsed.items())
    if key == DESCRIPTIVE and isinstance(value, list):
        try:
            return parse_descriptive_parameters([dict(row) for row in value])
        except (ValueError, TypeError):  # a hand-written mistake: compared as text, refreshed
            return str(value)
    if key in LINKS and isinstance(value, list):  # ordered: the shop shows them so
        return [str(g).lower() for g in value]
    if key == "categories" and isinstance(value, list):
        return sorted({str(g).lower() for g in value})
    if key in HTML:
        return str(value).replace("\r\n", "\n").strip()
    return str(value)


def _is_true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


# ---------------------------------------------------------------------------------------------
# files


def _declared(products_dir: Path) -> dict[str, tuple[Path, Any, Any]]:
    """GUID -> (file, round-trip document, the key as written) for every product file."""
    out: dict[str, tuple[Path, Any, Any]] = {}
    if not products_dir.is_dir():
        return out
    for path in sorted(products_dir.rglob("*")):
        if path.suffix not in YAML_SUFFIXES or path.is_symlink() or not path.is_file():
            continue
        doc = _load(path)
        products = doc.get("products") if isinstance(doc, dict) else None
        if not isinstance(products, dict):
            continue
        for key in products:
            out.setdefault(str(key).lower(), (path, doc, key))
    return out


def _new_file() -> Y.CommentedMap:
    doc = Y.CommentedMap()
    doc["products"] = Y.CommentedMap()
    doc.yaml_set_start_comment(HEADER)
    return doc


def _load(path: Path) -> Any:
    try:
        return Y.load(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise E.ConfigError(
                f"import does not read through symbolic links: {path} is one. Replace it with "
                "the file itself; nothing was written"
            ) from None
        raise E.ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None


def write_catalog_file(path: Path, text: str) -> None:
    """``_write`` for other writers of catalog files (apply's image lock)."""
    _write(path, text)


def _write(path: Path, text: str) -> None:
    """Write ``text`` to a new temporary file in the same folder (``mkstemp``: created
    exclusively, so never through a link), then rename it over ``path`` atomically: a crash
    leaves the old file or the new one, and a link at ``path`` is replaced, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic.write_atomically(path, [text])
    except OSError as exc:
        raise E.ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
