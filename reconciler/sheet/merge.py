"""`sheet apply`: the edits of a sheet written into the catalog's YAML files.

The files are edited with the ruamel round-trip ``import`` uses (``importer.yaml_edit``):
comments, key order and quoting of everything not edited stay as they are. A value is written
as the loader reads it: codes and EANs double-quoted, decimals and booleans plain, text plain
when it cannot be misread and quoted otherwise, HTML with line breaks as a ``|`` block. A field
the entry did not state is added before its ``variants``.

Nothing is written until the edited catalog loads and the same sheet, read against it, has no
edit left; then each file is replaced atomically (a temporary file renamed over it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import fields as F
from reconciler.atomic import write_atomically
from reconciler.desired.load import LoadedCatalog, load_catalog
from reconciler.errors import CatalogError, ConfigError
from reconciler.importer import yaml_edit as Y
from reconciler.sheet.table import Cell, Edit, edits, spell

_SAFE_PLAIN = re.compile(r"\w[\w .,()/+-]*")
_RESERVED = {"", "~", "null", "true", "false", "yes", "no", "on", "off"}

__all__ = ["Merged", "merge_sheet"]


@dataclass(frozen=True)
class Merged:
    """What ``sheet apply`` changed: one line per edit, and the files written."""

    lines: list[str]
    files: list[Path]


def merge_sheet(
    catalog_dir: Path, loaded: LoadedCatalog, head: Sequence[Cell], body: Sequence[Sequence[Cell]]
) -> tuple[Merged, list[Any]]:
    """Merge the sheet into the catalog's files. Returns what changed and the problems (when
    there are problems, nothing was written)."""
    found, problems = edits(loaded.catalog, head, body)
    if problems or not found:
        return Merged([], []), problems
    docs: dict[Path, Any] = {}
    lines = []
    for e in found:
        path = Path(loaded.locations[(e.guid,)].file)
        if path not in docs:
            docs[path] = Y.load(path)
        entry = _entry(docs[path], e)
        old = _old(loaded, e)
        _set(entry, e)
        what = f"product {e.guid}" if e.code is None else f"variant {e.code}"
        name = e.field if e.stock_id is None else f"stock {e.stock_id}"
        lines.append(f"~ {path}: {what}: {name}: {old} -> {spell(e.value)}")
    texts = {path: Y.dump(doc) for path, doc in docs.items()}
    try:
        after = load_catalog(
            catalog_dir, overrides={p: t.encode("utf-8") for p, t in texts.items()}
        )
    except CatalogError as exc:
        raise ConfigError(
            "the sheet's values would make the catalog invalid, so nothing was written (lines "
            "are those of the files as they would be):\n"
            + "\n".join(f"  {p}" for p in exc.problems)
        ) from None
    left, again = edits(after.catalog, head, body)
    if left or again:  # a writer bug: never write what does not read back as the sheet says
        raise ConfigError(
            "internal error: the merged YAML does not read back as the sheet says (please "
            f"report it); nothing was written: {(left or again)[0]}"
        )
    for path, text in texts.items():
        _write(path, text)
    return Merged(lines, sorted(texts)), []


def _old(loaded: LoadedCatalog, e: Edit) -> str:
    p = loaded.catalog.products[e.guid]
    model: Any = p if e.code is None else p.variants[e.code]
    if e.field not in model.model_fields_set:
        return "(not stated)"
    value = getattr(model, e.field)
    if e.stock_id is not None:
        value = (value or {}).get(e.stock_id) if isinstance(value, dict) else None
    return spell(value)


def _entry(doc: Any, e: Edit) -> Any:
    products = doc["products"]
    key = next(k for k in products if str(k).lower() == e.guid.lower())
    entry = products[key]
    if e.code is None:
        return entry
    variants = entry["variants"]
    code = next(k for k in variants if str(k) == e.code)
    return variants[code]


def _node(e: Edit) -> Any:
    if e.value is None:
        return Y.plain("null")
    if isinstance(e.value, bool):
        return Y.plain("true" if e.value else "false")
    f = F.BY_NAME[e.field]
    if f.kind in (F.Kind.DECIMAL, F.Kind.INTEGER, F.Kind.STOCK_MAP):
        return Y.plain(e.text)
    text = str(e.value)
    if f.digits:
        return Y.quoted(text)
    if f.kind is F.Kind.HTML and "\n" in text:
        return Y.text_block(text)
    if _SAFE_PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not _numeric(text):
        return Y.plain(text)
    return Y.quoted(text)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+0-9._eE]+", text))


def _set(entry: Any, e: Edit) -> None:
    node = _node(e)
    if e.stock_id is not None:
        stock = entry.get("stock")
        if not isinstance(stock, dict):
            _put(entry, "stock", Y.flow_map({str(e.stock_id): node}))
            return
        key = next((k for k in stock if str(k) == str(e.stock_id)), str(e.stock_id))
        stock[key] = node
        return
    _put(entry, e.field, node)


def _put(entry: Any, key: str, node: Any) -> None:
    if key in entry:
        entry[key] = node
    elif "variants" in entry:
        entry.insert(list(entry.keys()).index("variants"), key, node)
    else:
        Y.append(entry, key, node)


def _write(path: Path, text: str) -> None:
    """Atomically, keeping the file's permissions (``reconciler.atomic``)."""
    write_atomically(path, [text])
