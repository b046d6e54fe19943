"""Undo an apply from its journal (issue 21). Pure: journal text in, changes and a plan out.

What an apply wrote is in its journal: every write line carries ``writes``, one record per
change the request carried, with the ``before`` and ``after`` of each field it wrote (and, for a
delete, ``deleted``: the live form of the product just before it was deleted), and ``shop``,
the e-shop, pricelist and default stock it went to (``written_records``).

``revert_changes`` turns those records into the changes that put the ``before`` values back:

- a field update becomes the update from ``after`` back to ``before`` (stock is an absolute
  ``realStock``, so back to the earlier physical amount); a rename is renamed back, and the
  price and stock of the renamed variant follow the old code;
- a product or variant create becomes its delete (the delete guard applies); its price and
  stock go with it;
- a delete becomes the creates of the product or variant as it was just before, as far as the
  catalog manages its fields (``reason`` says what is not restored: images, order history, ...);
- additions to the variant-parameter registry are kept (products may use them by now).

A change written twice in one journal (two runs of one plan) is reverted from the first
``before`` to the last ``after``. Which requests count as written: ``written``, ``partial``
(the items the shop did not refuse), ``unknown`` and ``interrupted`` (they may have landed;
compare-before-write tells: if the shop shows the ``before`` value, the revert is *done*);
``failed`` and ``already done`` wrote nothing.

Trust: the journal is not signed. Anyone who can replace the artifact chooses the values a
revert writes. So only fields the catalog manages are reverted, each value must be of its
field's kind, and apply runs compare-before-write (the shop must show the journal's ``after``
value: a forged ``after`` is a conflict) and every guard (deletes, bulk, price) on the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler import fields as F
from reconciler.errors import ConfigError
from reconciler.plan.model import RENAME_FIELD, Action, Change, FieldChange, Plan, Resource
from reconciler.plan.normalize import canonical_decimal

__all__ = [
    "MAX_JOURNAL_BYTES",
    "JournalFileError",
    "RevertSource",
    "journal_digest",
    "outside_catalog",
    "read_journal",
    "revert_changes",
    "revert_plan",
    "written_records",
]

# A journal is untrusted input (a CI artifact). One line per request of at most 300 items.
MAX_JOURNAL_BYTES = 50 * 1024 * 1024

NOT_RESTORED = (
    "images, related products, order history, reviews, negativeStockAllowed (the shop's "
    "default again), prices in pricelists other than the plan's and every field the catalog "
    "does not manage"
)
# Usually the shop-wide default on the live side; restoring it would pin it (as import would).
_NOT_RESTORED_FIELDS = {"negativeStockAllowed"}

# The outcomes of a request that may have changed the shop.
_MAY_HAVE_WRITTEN = {"written", "partial", "unknown", "interrupted"}
# an image journal line's method -> what it did to the gallery (``apply.images``)
_IMAGE_WRITES = {"POST": "added", "PATCH": "reordered or re-described", "DELETE": "deleted"}

_FIELDS_OF = {
    Resource.PRODUCT: set(F.names(F.select(F.Level.PRODUCT))),
    Resource.VARIANT: set(F.names(F.select(F.Level.VARIANT, resource=F.Resource.VARIANT))),
    Resource.PRICE: set(F.names(F.select(resource=F.Resource.PRICE))),
    Resource.STOCK: {"stock"},
}


class JournalFileError(ConfigError):
    """A journal that cannot be reverted: not a journal, from an older version, or forged."""


# ---------------------------------------------------------------------------------------------
# What apply records


def written_records(parts: Iterable[Any], deleted: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per ``program.Part``: the change and the fields the request writes, with
    the ``before`` compare-before-write confirmed live. A delete carries ``deleted``: the
    live form (``deleted``: GUID -> form) of the product, or of the variant, it removes."""
    out = []
    for part in parts:
        c = part.change
        before = {f.field: f.before for f in c.fields}
        record: dict[str, Any] = {
            "change": c.id,
            "action": c.action.value,
            "resource": c.resource.value,
            "guid": c.guid,
            "code": c.code,
            "stockId": c.stock_id,
            **({} if c.pricelist_id is None else {"pricelistId": c.pricelist_id}),
            "fields": [
                {
                    "field": name,
                    "before": None if c.action is Action.CREATE else before.get(name),
                    "after": value,
                }
                for name, value in part.fields.items()
            ],
        }
        if c.action is Action.DELETE:
            record["deleted"] = _snapshot(c, deleted.get(c.guid.lower()))
        out.append(record)
    return out


def _snapshot(c: Change, form: Any) -> dict[str, Any] | None:
    if form is None:
        return None
    variants = {code: _json_variant(v) for code, v in form["variants"].items()}
    code = (c.code or "").upper()
    if c.resource is Resource.VARIANT:
        if code not in variants:
            return None
        if len(variants) > 1:
            return {"variants": {code: variants[code]}}
        # the product's last variant: Shoptet deletes the product with it
        return {"fields": dict(form["fields"]), "variants": variants, "withProduct": True}
    return {"fields": dict(form["fields"]), "variants": variants}


def _json_variant(variant: dict[str, Any]) -> dict[str, Any]:
    out = dict(variant)
    if isinstance(out.get("stock"), dict):
        out["stock"] = {str(k): v for k, v in out["stock"].items()}
    return out


# ---------------------------------------------------------------------------------------------
# Reading a journal


@dataclass(frozen=True)
class Written:
    """One change record of the journal that may have been written, and where it is."""

    line: int
    record: dict[str, Any]


@dataclass(frozen=True)
class RevertSource:
    """A journal read for revert: its digest, the shop it wrote to, what it may have written
    (in journal order) and the plans it applied."""

    name: str
    digest: str
    eshop_id: int | None
    pricelist_id: int | None
    default_stock_id: int | None
    written: tuple[Written, ...]
    plan_ids: tuple[str, ...] = field(default=())
    # products whose image gallery the apply changed, with what it did (``added``, ...):
    # revert does not undo these, and says so per product (UNFINISHED: a real undo)
    galleries: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())


def journal_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_journal(data: bytes, name: str) -> RevertSource:
    """Parse and check a journal file's bytes; ``JournalFileError`` names the line and what
    to do. ``name``: how to call the file in messages."""
    if len(data) > MAX_JOURNAL_BYTES:
        raise JournalFileError(
            f"{name} is larger than {MAX_JOURNAL_BYTES // (1024 * 1024)} MB; that is no journal "
            "this tool writes"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise JournalFileError(f"{name} is not UTF-8 text, so it is no apply journal") from None
    shop: tuple[Any, Any, Any] | None = None
    written: list[Written] = []
    plan_ids: list[str] = []
    pending_unknown: list[Written] = []
    galleries: dict[str, set[str]] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{name} line {n}"
        try:
            line = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            raise JournalFileError(
                f"{where} is not JSON; an apply journal (`apply --journal`) is one JSON object "
                "per line. Use the journal file apply wrote, unedited."
            ) from None
        if not isinstance(line, dict):
            raise JournalFileError(f"{where} is not a JSON object; is this an apply journal?")
        kind = line.get("kind")
        if kind == "image-names":
            continue  # what the shop named the added images: nothing written
        if kind == "image":
            if line.get("outcome") in _MAY_HAVE_WRITTEN:
                guid, what = line.get("product"), _IMAGE_WRITES.get(str(line.get("method")))
                if not isinstance(guid, str) or what is None:
                    raise JournalFileError(
                        f"{where}: an image line names no product or no write method; use the "
                        "journal file apply wrote, unedited"
                    )
                galleries.setdefault(guid.lower(), set()).add(what)
            continue
        if kind == "reread":
            applied = set(_str_list(line.get("applied"), where, "applied"))
            written += [w for w in pending_unknown if w.record["change"] in applied]
            pending_unknown = []
            continue
        if kind != "write":
            raise JournalFileError(
                f"{where} has kind {kind!r}; an apply journal has `write` and `reread` lines"
            )
        if "writes" not in line or "shop" not in line:
            raise JournalFileError(
                f"{where} was written by an older shoptet-catalog, whose journal does not "
                "record the values it wrote, so it cannot be reverted. Undo the change in the "
                "catalog instead (`git revert` the merge) and run plan and apply."
            )
        here = _shop(line.get("shop"), where)
        if shop is None:
            shop = here
        elif here != shop:
            raise JournalFileError(
                f"{where} wrote to e-shop/pricelist/stock {here}, earlier lines to {shop}; "
                "revert the journal of one shop at a time"
            )
        plan_id = line.get("planId")
        if isinstance(plan_id, str) and plan_id not in plan_ids:
            plan_ids.append(plan_id)
        outcome = line.get("outcome")
        records = [_record(r, where) for r in _list(line.get("writes"), where, "writes")]
        if outcome not in _MAY_HAVE_WRITTEN:
            continue
        refused = {
            str(e.get("instance") or "").upper()
            for e in _list(line.get("errors") or [], where, "errors")
            if isinstance(e, dict)
        }
        for r in records:
            if outcome == "partial" and str(r["code"] or r["guid"]).upper() in refused:
                continue
            w = Written(n, r)
            (pending_unknown if outcome == "unknown" else written).append(w)
    # an `unknown` with no `reread` after it (a crash): it may have landed, so it counts
    written += pending_unknown
    if shop is None and galleries:
        raise JournalFileError(
            f"{name} records only image gallery changes ({', '.join(sorted(galleries))}), "
            "which revert does not undo: state the gallery you want in `images:` and run plan "
            "and apply"
        )
    if shop is None:
        raise JournalFileError(f"{name} records no write, so there is nothing to revert")
    return RevertSource(
        name,
        journal_digest(data),
        shop[0],
        shop[1],
        shop[2],
        tuple(sorted(written, key=lambda w: w.line)),
        tuple(plan_ids),
        tuple((g, tuple(sorted(galleries[g]))) for g in sorted(galleries)),
    )


def _shop(value: Any, where: str) -> tuple[Any, Any, Any]:
    if not isinstance(value, dict):
        raise JournalFileError(f"{where}: `shop` is not an object")
    out = tuple(value.get(k) for k in ("eshopId", "pricelistId", "defaultStockId"))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in out):
        raise JournalFileError(f"{where}: `shop` must name eshopId, pricelistId, defaultStockId")
    return out  # type: ignore[return-value]


def _list(value: Any, where: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise JournalFileError(f"{where}: `{key}` is not a list")
    return value


def _str_list(value: Any, where: str, key: str) -> list[str]:
    items = _list(value, where, key)
    if not all(isinstance(i, str) for i in items):
        raise JournalFileError(f"{where}: `{key}` must list change ids")
    return items


def _record(r: Any, where: str) -> dict[str, Any]:
    """A write record, checked: a known action and resource, identity fields of the right
    type, only managed fields, each value of its field's kind."""
    if not isinstance(r, dict):
        raise JournalFileError(f"{where}: a `writes` record is not an object")
    try:
        action, resource = Action(str(r.get("action"))), Resource(str(r.get("resource")))
    except ValueError:
        raise JournalFileError(
            f"{where}: {r.get('change')!r} has an unknown action or resource"
        ) from None
    guid, code, stock_id = r.get("guid"), r.get("code"), r.get("stockId")
    if not isinstance(guid, str) or not (code is None or isinstance(code, str)):
        raise JournalFileError(f"{where}: {r.get('change')!r} has no valid guid or code")
    if stock_id is not None and (not isinstance(stock_id, int) or isinstance(stock_id, bool)):
        raise JournalFileError(f"{where}: {r.get('change')!r} has a stockId that is no number")
    pricelist_id = r.get("pricelistId")
    if resource.registry:
        return {**r, "action": action, "resource": resource, "fields": []}
    try:
        Change(action, resource, guid, code, stock_id, pricelist_id)
    except ValueError as exc:
        raise JournalFileError(f"{where}: {r.get('change')!r}: {exc}") from None
    fields = []
    for f in _list(r.get("fields"), where, "fields"):
        name = f.get("field") if isinstance(f, dict) else None
        allowed = _FIELDS_OF[resource] | (
            {RENAME_FIELD} if resource is Resource.VARIANT and action is Action.UPDATE else set()
        )
        if name not in allowed:
            raise JournalFileError(
                f"{where}: {resource.value} field {name!r} is not a field the catalog manages; "
                "revert writes only managed fields (was the journal edited?)"
            )
        for side in ("before", "after"):
            if not _of_kind(name, f.get(side)):
                raise JournalFileError(
                    f"{where}: {name} {side} {f.get(side)!r} is not a valid {name} value "
                    "(was the journal edited?)"
                )
        fields.append({"field": name, "before": f.get("before"), "after": f.get("after")})
    deleted = r.get("deleted")
    if action is Action.DELETE and deleted is not None:
        deleted = _checked_form(deleted, where)
    return {
        "change": str(r.get("change")),
        "action": action,
        "resource": resource,
        "guid": guid,
        "code": code,
        "stockId": stock_id,
        "pricelistId": pricelist_id,
        "fields": fields,
        "deleted": deleted,
    }


def _checked_form(form: Any, where: str) -> dict[str, Any]:
    """A recorded live form, keeping only managed fields with values of their kind."""
    if not isinstance(form, dict) or not isinstance(form.get("variants", {}), dict):
        raise JournalFileError(f"{where}: `deleted` is not a product form")
    fields = form.get("fields") or {}
    if not isinstance(fields, dict):
        raise JournalFileError(f"{where}: `deleted.fields` is not an object")
    variants = {}
    for code, v in (form.get("variants") or {}).items():
        if not isinstance(v, dict):
            raise JournalFileError(f"{where}: `deleted` variant {code!r} is not an object")
        variants[code] = {k: x for k, x in v.items() if k in F.BY_NAME and _of_kind(k, x)}
    return {
        "fields": {
            k: x for k, x in fields.items() if k in _FIELDS_OF[Resource.PRODUCT] and _of_kind(k, x)
        },
        "variants": variants,
        "withProduct": form.get("withProduct") is True,
    }


def _of_kind(name: str, value: Any) -> bool:
    """Whether ``value`` is a canonical value of field ``name`` (None always is)."""
    if value is None:
        return True
    if name == RENAME_FIELD:
        return isinstance(value, str) and 0 < len(value) <= 64
    field = F.BY_NAME[name]
    kind = field.kind
    if kind is F.Kind.OBJECT:  # only the field's parts, each of its kind
        parts = {p.name: p for p in field.parts}
        return isinstance(value, dict) and all(
            k in parts and _part_of_kind(parts[k], v) for k, v in value.items()
        )
    if kind is F.Kind.DECIMAL:
        return _decimal(value)
    if kind is F.Kind.STOCK_MAP:  # a stock change's amount, or a recorded {id: amount}
        if isinstance(value, dict):
            return all(str(k).isdigit() and _decimal(v) for k, v in value.items())
        return _decimal(value)
    if kind is F.Kind.BOOL:
        return isinstance(value, bool)
    if kind is F.Kind.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is F.Kind.GUID_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is F.Kind.PARAMETERS:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    return isinstance(value, str)


def _part_of_kind(part: F.Part, value: Any) -> bool:
    if value is None:
        return True
    if part.kind is F.Kind.DECIMAL:
        return _decimal(value)
    if part.kind is F.Kind.BOOL:
        return isinstance(value, bool)
    if part.kind is F.Kind.REFERENCE:  # a list entry's id, as written: a whole number
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def _decimal(value: Any) -> bool:
    try:
        return isinstance(value, str) and canonical_decimal(value) == value
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
# The revert


def revert_changes(source: RevertSource) -> tuple[Change, ...]:
    """The changes that put back what ``source`` wrote (module docstring)."""
    first: dict[str, dict[str, Any]] = {}  # change id -> the merged record
    created: dict[str, dict[str, Any]] = {}
    deleted: dict[str, dict[str, Any]] = {}
    renamed: dict[tuple[str, str], str] = {}  # (guid, NEW) -> OLD
    for w in source.written:
        r = w.record
        if r["resource"].registry:
            continue
        cid = r["change"]
        if r["action"] is Action.CREATE:
            if r["resource"] in (Resource.PRODUCT, Resource.VARIANT):
                created.setdefault(cid, r)
            continue
        if r["action"] is Action.DELETE:
            deleted.setdefault(cid, r)
            continue
        merged = first.setdefault(cid, {**r, "fields": {}})
        for f in r["fields"]:
            was = merged["fields"].get(f["field"])
            merged["fields"][f["field"]] = (was[0] if was else f["before"], f["after"])
            if f["field"] == RENAME_FIELD and isinstance(f["before"], str):
                renamed[(r["guid"], str(f["after"]).upper())] = f["before"]
    both = sorted(created.keys() & deleted.keys())
    if both:
        raise JournalFileError(
            f"{source.name} both creates and deletes {', '.join(both)}; revert the journal of "
            "each apply on its own, the newest first"
        )
    gone: set[tuple[str, str | None]] = {
        (r["guid"], None) for r in created.values() if r["resource"] is Resource.PRODUCT
    }
    gone |= {
        (r["guid"], (r["code"] or "").upper())
        for r in created.values()
        if r["resource"] is Resource.VARIANT
    }
    changes: dict[str, Change] = {}

    def add(c: Change) -> None:
        changes.setdefault(c.id, c)

    for r in created.values():
        if r["resource"] is Resource.VARIANT and (r["guid"], None) in gone:
            continue  # a variant of a product the apply created goes with the product
        add(_undo_create(r))
    for r in deleted.values():
        for c in _undo_delete(r, first):
            add(c)
        whole = r["code"] is None or (r.get("deleted") or {}).get("withProduct")
        gone.add((r["guid"], None if whole else r["code"].upper()))
    for r in first.values():
        # deleted with what the apply created, or restored whole from its recorded form
        if (r["guid"], None) in gone or (r["guid"], (r["code"] or "").upper()) in gone:
            continue
        undo = _undo_update(r, renamed)
        if undo is not None:
            add(undo)
    return tuple(changes.values())


def _undo_create(r: dict[str, Any]) -> Change:
    after = {f["field"]: f["after"] for f in r["fields"]}
    if r["resource"] is Resource.PRODUCT:
        name = after.get("name")
        return Change(
            Action.DELETE,
            Resource.PRODUCT,
            r["guid"],
            fields=(FieldChange("name", name, None),),
            name=name,
            reason="created by the apply reverted: deleted (with its variants)",
        )
    return Change(
        Action.DELETE,
        Resource.VARIANT,
        r["guid"],
        r["code"],
        reason="created by the apply reverted: deleted (with its price and stock)",
    )


def _undo_update(r: dict[str, Any], renamed: dict[tuple[str, str], str]) -> Change | None:
    pairs = {k: v for k, v in r["fields"].items() if v[0] != v[1]}
    if not pairs:
        return None
    code = r["code"]
    if code is not None:
        code = renamed.get((r["guid"], code.upper()), code)  # the old code, once renamed back
    fields = tuple(
        FieldChange(name, after, before)
        for name, (before, after) in sorted(pairs.items(), key=lambda kv: _order(kv[0]))
    )
    return Change(
        Action.UPDATE,
        r["resource"],
        r["guid"],
        code,
        stock_id=r["stockId"],
        pricelist_id=r.get("pricelistId"),
        fields=fields,
        reason="put back as it was before the apply",
    )


def _undo_delete(r: dict[str, Any], updates: dict[str, dict[str, Any]]) -> list[Change]:
    """The creates of a deleted product or variant from its recorded form; a field the same
    journal had updated before deleting comes back with its value from before that."""
    form = r.get("deleted")
    what = "product" if r["resource"] is Resource.PRODUCT else f"variant {r['code']}"
    if form is None:
        raise JournalFileError(
            f"the journal does not record what the deleted {what} ({r['change']}) was, so it "
            "cannot be created again; restore it by hand or from a backup"
        )
    guid = r["guid"]
    note = f"restored as recorded before the apply deleted it; not restored: {NOT_RESTORED}"
    out: list[Change] = []
    if r["resource"] is Resource.PRODUCT or form.get("withProduct"):
        values = _earlier(form["fields"], updates.get(f"product:{guid}"))
        out.append(
            Change(
                Action.CREATE,
                Resource.PRODUCT,
                guid,
                fields=_creates(values),
                name=values.get("name"),
                reason=note,
            )
        )
    for code, variant in sorted(form["variants"].items()):
        if r["resource"] is Resource.VARIANT and code != (r["code"] or "").upper():
            continue
        own = _earlier(variant, updates.get(f"variant:{guid}:{code}"))
        own = _earlier(own, updates.get(f"price:{guid}:{code}"))
        out.append(
            Change(
                Action.CREATE,
                Resource.VARIANT,
                guid,
                code,
                fields=_creates(own, _FIELDS_OF[Resource.VARIANT]),
                reason=note,
            )
        )
        prices = _creates(own, _FIELDS_OF[Resource.PRICE])
        if prices:
            out.append(Change(Action.CREATE, Resource.PRICE, guid, code, fields=prices))
        for sid, amount in sorted((own.get("stock") or {}).items(), key=lambda kv: int(kv[0])):
            stock = updates.get(f"stock:{guid}:{code}:{sid}")
            amount = stock["fields"]["stock"][0] if stock and "stock" in stock["fields"] else amount
            if amount is not None:
                out.append(
                    Change(
                        Action.CREATE,
                        Resource.STOCK,
                        guid,
                        code,
                        stock_id=int(sid),
                        fields=(FieldChange("stock", None, amount),),
                    )
                )
    return out


def _earlier(values: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    if update is None:
        return dict(values)
    return {**values, **{k: v[0] for k, v in update["fields"].items() if k != RENAME_FIELD}}


def _creates(values: dict[str, Any], names: set[str] | None = None) -> tuple[FieldChange, ...]:
    names = _FIELDS_OF[Resource.PRODUCT] if names is None else names
    return tuple(
        FieldChange(k, None, v)
        for k, v in sorted(values.items(), key=lambda kv: _order(kv[0]))
        if k in names and v is not None and k != "stock" and k not in _NOT_RESTORED_FIELDS
    )


def _order(name: str) -> int:
    names = list(F.BY_NAME)
    return names.index(name) if name in names else -1


def outside_catalog(changes: Iterable[Change], mentioned: Iterable[str]) -> list[str]:
    """The changes of a revert on products the catalog does not mention (``mentioned``: its
    GUIDs, tombstones included), other than creating again a product the apply deleted (a
    pruned one). An apply writes only what the catalog manages, so a revert that writes
    elsewhere comes from a forged journal (or one of another catalog): refused."""
    known = {g.lower() for g in mentioned}
    restored = {
        c.guid for c in changes if c.action is Action.CREATE and c.resource is Resource.PRODUCT
    }
    return [
        f"{c.action.glyph} {c.id}"
        for c in changes
        if c.guid.lower() not in known and c.guid not in restored
    ]


def revert_plan(source: RevertSource, *, catalog_digest: str) -> Plan:
    """The revert plan of a journal: its changes, for the shop it wrote to, naming the
    journal's digest (``Plan.revert_of``). Guards are apply's (recomputed there)."""
    return Plan(
        catalog_digest=catalog_digest,
        changes=revert_changes(source),
        eshop_id=source.eshop_id,
        pricelist_id=source.pricelist_id,
        default_stock_id=source.default_stock_id,
        revert_of=source.digest,
    )
