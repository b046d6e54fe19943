"""The plan as a value: actions, changes, guard verdicts, digests and the JSON plan file.

Everything here is plain, frozen data (STYLE 1). A ``Change`` says *what* differs (action,
resource, identity, field-level before/after, where the desired value was written);
``reconciler.apply`` decides *how* to write it. ``reason`` only explains a change to the
reader; apply must never branch on it (STYLE 2).

Identity and meaning of each resource kind:

==========  ==========================  =====================================================
resource    identity (``Change.id``)    fields
==========  ==========================  =====================================================
product     ``product:<guid>``          product-level fields (name, visibility, brand, ...).
                                        A *create* carries the stated product fields only; its
                                        variants follow as variant, price and stock creates.
                                        A *delete* carries the live ``name`` as before.
variant     ``variant:<guid>:<code>``   ean, manufacturerCode, visible, availability, weight,
                                        minStockSupply, negativeStockAllowed. A *create* is a
                                        new code, on a product this plan creates or on an
                                        existing one; a *delete* is ``DELETE .../code/<code>``.
                                        An *update* with a ``code`` field renames the live
                                        variant ``before`` to ``after`` (its ``code``,
                                        ``renamedFrom``); the other fields, and its price
                                        and stock changes, compare with the old variant.
price       ``price:<guid>:<code>``     price, commonPrice, vatRate, includingVat, actionPrice,
            (``...:<code>:pricelist-    purchasePrice, orderableAmount in the plan's pricelist;
            <id>``: another one)        with ``pricelistId``: the same fields (no purchase
                                        price) in that other pricelist (``prices:`` in the
                                        YAML). A *create* belongs to a variant that this plan
                                        creates: its ``before`` is null because the row did
                                        not exist when planned.
stock       ``stock:<guid>:<code>:<n>`` ``stock``: the physical amount (realStock) in stock n.
                                        A *create* belongs to a variant this plan creates.
parameter   ``parameter:<nameIndex>``   ``paramName``. A variant parameter the shop's registry
                                        lacks, *create* only; ``guid`` is empty and ``code`` is
                                        the nameIndex. Sorted (and applied) before every
                                        product: ``POST /api/products/variant-parameters``.
parameter-  ``parameter-value:``        ``paramValue``. A value a parameter lacks, *create*
value       ``<nameIndex>:<valueIndex>`` only; ``code`` is ``nameIndex:valueIndex``. Applied
                                        after the parameters, before every product:
                                        ``POST /api/products/variant-parameters/<nameIndex>``.
flag        ``flag:<code>``             ``title``, ``color``: a flag definition shop.yaml
                                        declares. *create* (``POST /api/products/flags``):
                                        Shoptet generates the code, so ``code`` is ``+`` and
                                        the title, and products name it so in ``flags`` until
                                        apply learns the code (``plan.flag_changes``);
                                        *update* (``PATCH .../flags/<code>``). Never deleted.
filtering-  ``filtering-parameter:``    ``paramName``. A filtering parameter the shop lacks, as
parameter   ``<code>``                  ``parameter`` is for variant parameters; Shoptet
                                        creates one with its first values, so apply sends
                                        the plan's new values of it in the same
                                        ``POST /api/products/filtering-parameters``.
filtering-  ``filtering-value:``        ``paramValue``. A value an existing (or new) filtering
value       ``<code>:<valueIndex>``     parameter lacks: ``POST .../filtering-parameters/
                                        <code>`` (a new parameter's travel with it).
==========  ==========================  =====================================================

Variant ``parameters`` (a variant field) holds the canonical slugs ``{nameIndex: valueIndex}``
(what product writes send, replace-all); the change's ``reason`` shows the display names.
Registry changes are compared before writing against the registry re-read by apply (it
exists already: done) and must be produced by apply's fresh diff like every other change
(``reconciler.plan.param_changes``).

One shape per fact (formatVersion 2): a new product's variant reads exactly like a new variant
of an existing product. How the creates travel (one ``POST /api/products`` per new product with
its variants, initial stock and default-pricelist price; the rest in the pricelist afterwards)
is apply's business (``reconciler.apply.program``), not the plan's.

The ``planId`` hashes the data apply acts on, not the wording shown to a reader: see
``hashed_content``.

Values in ``before``/``after`` are JSON-ready: decimals are canonical strings (``"1"`` not
``"1.000"``), stock maps have string keys, absent values are ``None``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler import __version__
from reconciler.errors import ConfigError, UnsafePlan
from reconciler.plan.parts import (
    NOTES_LISTED,
    PRODUCT_FIELD_ORDER,
    RENAME_FIELD,
    UNMANAGED_LISTED,
    VARIANT_FIELD_ORDER,
    CatalogEntry,
    CatalogNotes,
    Currency,
    GuardVerdict,
    IgnoredRule,
    Names,
    PolicyChange,
    RenameHint,
    Scope,
    Unmanaged,
    UnmanagedProduct,
    field_order,
)

__all__ = [
    "FORMAT_VERSION",
    "NOTES_LISTED",
    "PRODUCT_FIELD_ORDER",
    "RENAME_FIELD",
    "UNMANAGED_LISTED",
    "VARIANT_FIELD_ORDER",
    "Action",
    "CatalogEntry",
    "CatalogNotes",
    "Change",
    "Currency",
    "FieldChange",
    "GuardVerdict",
    "IgnoredRule",
    "Names",
    "Plan",
    "PlanFileError",
    "PolicyChange",
    "RenameHint",
    "Resource",
    "Scope",
    "Unmanaged",
    "UnmanagedProduct",
    "canonical_json",
    "check_guards",
    "field_order",
    "hashed_content",
    "plan_id_of",
    "raise_if_unsafe",
]

FORMAT_VERSION = 2
# Earlier formats and what changed since, for the message that refuses them.
_FORMAT_HISTORY = {1: "a product create nested its variants"}


class PlanFileError(ConfigError):
    """A plan file that cannot be used: not JSON, an unknown formatVersion, or edited by hand."""


class Action(StrEnum):
    """What happens to a resource. The glyph is the one every renderer shows (Terraform's)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def glyph(self) -> str:
        return _GLYPHS[self]

    @property
    def rank(self) -> int:
        return _ACTION_RANK[self]


_GLYPHS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
_ACTION_RANK = {Action.CREATE: 0, Action.UPDATE: 1, Action.DELETE: 2}


class Resource(StrEnum):
    """The kind of thing a change writes; each maps to one Shoptet endpoint family."""

    PRODUCT = "product"
    VARIANT = "variant"
    PRICE = "price"
    STOCK = "stock"
    PARAMETER = "parameter"  # the shop's variant-parameter registry: no product (guid "")
    PARAMETER_VALUE = "parameter-value"
    FLAG = "flag"  # a flag definition (shop.yaml ``flags:``): no product (guid "")
    FILTERING_PARAMETER = "filtering-parameter"  # the shop's filtering-parameter registry
    FILTERING_VALUE = "filtering-value"

    @property
    def rank(self) -> int:
        return _RESOURCE_RANK[self]

    @property
    def registry(self) -> bool:
        """A change of a shop-wide definition (the variant-parameter or filtering-parameter
        registry, a flag), not of a product: it has no GUID and is written before every
        product."""
        return self in _REGISTRY


_RESOURCE_RANK = {
    Resource.PRODUCT: 0,
    Resource.VARIANT: 1,
    Resource.PRICE: 2,
    Resource.STOCK: 3,
    Resource.PARAMETER: 4,
    Resource.PARAMETER_VALUE: 5,
    Resource.FLAG: 6,
    Resource.FILTERING_PARAMETER: 7,
    Resource.FILTERING_VALUE: 8,
}
_REGISTRY = frozenset(
    {
        Resource.PARAMETER,
        Resource.PARAMETER_VALUE,
        Resource.FILTERING_PARAMETER,
        Resource.FILTERING_VALUE,
        Resource.FLAG,
    }
)


@dataclass(frozen=True)
class FieldChange:
    """One field's value before (live) and after (desired), and where the desired value is."""

    field: str
    before: Any
    after: Any
    source: str | None = None  # "file:line" of the desired value

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldChange:
        return cls(data["field"], data["before"], data["after"], data.get("source"))


@dataclass(frozen=True)
class Change:
    """One write the plan proposes. ``name`` and ``reason`` are for the reader only."""

    action: Action
    resource: Resource
    guid: str
    code: str | None = None
    stock_id: int | None = None
    # a price change in a pricelist other than the plan's (``prices:``); None: the plan's
    pricelist_id: int | None = None
    fields: tuple[FieldChange, ...] = ()
    source: str | None = None  # "file:line" of the product or variant in the catalog
    name: str | None = None  # the product's name, for display
    reason: str | None = None  # explanation only; apply never branches on it

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "resource", Resource(self.resource))
        object.__setattr__(self, "fields", tuple(self.fields))
        if self.resource is not Resource.PRODUCT and not self.code:
            raise ValueError(f"a {self.resource.value} change needs a variant code")
        if (self.resource is Resource.STOCK) != (self.stock_id is not None):
            raise ValueError("stock_id is required for stock changes and only for them")
        if self.pricelist_id is not None and (
            self.resource is not Resource.PRICE or type(self.pricelist_id) is not int
        ):
            raise ValueError("pricelist_id is a whole number, and only for price changes")
        if self.resource is Resource.STOCK and self.action is Action.DELETE:
            raise ValueError("stock is never deleted; delete the variant instead")
        if self.resource is Resource.PRICE and self.action is Action.DELETE:
            raise ValueError("a price is never deleted; set it to null or delete the variant")
        if self.resource is Resource.FLAG:
            if self.action is Action.DELETE or self.guid:
                raise ValueError("a flag change is a create or update with no product GUID")
        elif self.resource.registry and (self.action is not Action.CREATE or self.guid):
            raise ValueError("a variant-parameter change is a create with no product GUID")

    def __hash__(self) -> int:
        # Values may be lists (categories); equal
        # changes have equal ids, so hashing the id keeps Change usable in sets and dict keys.
        return hash(self.id)

    @property
    def id(self) -> str:
        """Deterministic identity: the same resource always gets the same id."""
        if self.resource.registry:
            return f"{self.resource.value}:{self.code}"
        parts = [self.resource.value, self.guid]
        if self.code is not None and self.resource is not Resource.PRODUCT:
            parts.append(self.code)
        if self.stock_id is not None:
            parts.append(str(self.stock_id))
        if self.pricelist_id is not None:
            parts.append(f"pricelist-{self.pricelist_id}")
        return ":".join(parts)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """Product GUID; the product-level change first, then per variant code: variant,
        price, stock (by stock id). Reads top-down per product and variant (STYLE 5)."""
        return (
            self.guid,
            self.resource is not Resource.PRODUCT,
            self.code or "",
            self.resource.rank,
            -1 if self.stock_id is None else self.stock_id,
            -1 if self.pricelist_id is None else self.pricelist_id,
            self.action.rank,
        )

    @property
    def renamed_from(self) -> str | None:
        """The live code a variant update renames (``renamedFrom``); the new code is
        ``code``. None for every other change."""
        if self.resource is not Resource.VARIANT or self.action is not Action.UPDATE:
            return None
        for f in self.fields:
            if f.field == RENAME_FIELD and isinstance(f.before, str):
                return f.before
        return None

    @property
    def before(self) -> dict[str, Any] | None:
        """Live values of the changed fields; None for a create."""
        if self.action is Action.CREATE:
            return None
        return {f.field: f.before for f in self.fields}

    @property
    def after(self) -> dict[str, Any] | None:
        """Desired values of the changed fields."""
        if self.action is Action.DELETE:
            return None
        return {f.field: f.after for f in self.fields}

    def to_dict(self) -> dict[str, Any]:
        # ``pricelistId`` only where set: the plans of one pricelist read as they always did
        other = {} if self.pricelist_id is None else {"pricelistId": self.pricelist_id}
        return {
            **other,
            "id": self.id,
            "action": self.action.value,
            "resource": self.resource.value,
            "guid": self.guid,
            "code": self.code,
            "stockId": self.stock_id,
            "name": self.name,
            "source": self.source,
            "reason": self.reason,
            "fields": [f.to_dict() for f in self.fields],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(
            action=Action(data["action"]),
            resource=Resource(data["resource"]),
            guid=data["guid"],
            code=data.get("code"),
            stock_id=data.get("stockId"),
            pricelist_id=data.get("pricelistId"),
            fields=tuple(FieldChange.from_dict(f) for f in data.get("fields", [])),
            source=data.get("source"),
            name=data.get("name"),
            reason=data.get("reason"),
        )


@dataclass(frozen=True)
class Plan:
    """Everything a reviewer approves and apply executes. Changes are sorted on construction."""

    catalog_digest: str
    changes: tuple[Change, ...] = ()
    guards: tuple[GuardVerdict, ...] = ()
    unmanaged: Unmanaged = field(default_factory=Unmanaged)
    scope: Scope = field(default_factory=Scope)
    ignored: tuple[IgnoredRule, ...] = ()
    policy_changes: tuple[PolicyChange, ...] = ()
    eshop_id: int | None = None
    pricelist_id: int | None = None
    default_stock_id: int | None = None
    git_commit: str | None = None
    # A revert plan (``shoptet-catalog revert``): the sha256 of the journal it undoes. Apply
    # then re-derives the changes from that journal, never from this file.
    revert_of: str | None = None
    tool_version: str = __version__
    format_version: int = FORMAT_VERSION
    names: Names = field(default_factory=Names, compare=False)  # display only, not hashed
    notes: CatalogNotes = field(default_factory=CatalogNotes, compare=False)  # display only
    # display only: the --allow-* flags given to `plan` (the labels set on the pull request),
    # so a comment does not call a guard refusing that the run allowed; apply takes its own.
    allowed: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # Sorted here, once, so renders, checksums and golden files never depend on the
        # order the diff happened to visit things in.
        changes = tuple(sorted(self.changes, key=lambda c: c.sort_key))
        ids = [c.id for c in changes]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate change ids in a plan: {', '.join(dupes)}")
        object.__setattr__(self, "changes", changes)
        object.__setattr__(self, "guards", tuple(self.guards))
        object.__setattr__(self, "ignored", tuple(self.ignored))
        object.__setattr__(self, "policy_changes", tuple(self.policy_changes))

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def summary(self) -> dict[str, Any]:
        actions = {a.value: 0 for a in Action}
        resources = {r.value: 0 for r in Resource if not r.registry}
        for c in self.changes:
            resources.setdefault(c.resource.value, 0)
            actions[c.action.value] += 1
            resources[c.resource.value] += 1
        return {"actions": actions, "resources": resources, "total": len(self.changes)}

    def content(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict, without ``planId``. ``policyChanges`` appears only
        when there are some."""
        extra: dict[str, Any] = (
            {"policyChanges": [p.to_dict() for p in self.policy_changes]}
            if self.policy_changes
            else {}
        )
        if self.names:  # display only (left out of the planId); absent when there are none
            extra["names"] = self.names.to_dict()
        if self.notes:  # display only, like names: removed and unmentioned entries
            extra["notes"] = self.notes.to_dict()
        if self.allowed:  # display only
            extra["allowed"] = list(self.allowed)
        if self.revert_of is not None:  # hashed; absent from every other plan
            extra["revertOf"] = self.revert_of
        return {
            **extra,
            "formatVersion": self.format_version,
            "toolVersion": self.tool_version,
            "catalogDigest": self.catalog_digest,
            "gitCommit": self.git_commit,
            "eshopId": self.eshop_id,
            "pricelistId": self.pricelist_id,
            "defaultStockId": self.default_stock_id,
            "scope": self.scope.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
            "unmanaged": self.unmanaged.to_dict(),
            "ignored": [i.to_dict() for i in self.ignored],
            "guards": [g.to_dict() for g in self.guards],
            "summary": self.summary,
        }

    @property
    def plan_id(self) -> str:
        """sha256 of the data apply acts on (``hashed_content``): any change to a value, an
        id, an action, the shop or the catalog digest changes it; rewording does not."""
        return plan_id_of(self.content())

    def to_dict(self) -> dict[str, Any]:
        return {**self.content(), "planId": self.plan_id}

    def to_json(self) -> str:
        """The plan file: sorted keys, 2-space indent, UTF-8 text, trailing newline."""
        return (
            json.dumps(
                self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Read a plan file; refuses unknown format versions and hand-edited plans."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise PlanFileError(f"the plan file is not valid JSON: {exc}") from exc
        except RecursionError:
            raise PlanFileError(
                "the plan file nests JSON too deeply to be a plan; run `plan` again"
            ) from None
        if not isinstance(data, dict):
            raise PlanFileError("the plan file is not a JSON object")
        version = data.get("formatVersion")
        if type(version) is int and version in _FORMAT_HISTORY:
            raise PlanFileError(
                f"this plan file has formatVersion {version}, made by an older shoptet-catalog "
                f"({_FORMAT_HISTORY[version]}); this is shoptet-catalog {__version__}, which "
                f"reads formatVersion {FORMAT_VERSION} only. Re-run `plan` with this version "
                "and review the new plan"
            )
        if type(version) is not int or version != FORMAT_VERSION:
            raise PlanFileError(
                f"plan formatVersion {version!r} is not supported (this is shoptet-catalog "
                f"{__version__}, which reads formatVersion {FORMAT_VERSION}); re-run `plan` "
                "with this version"
            )
        try:
            plan = cls(
                catalog_digest=data["catalogDigest"],
                changes=tuple(Change.from_dict(c) for c in data["changes"]),
                guards=tuple(GuardVerdict.from_dict(g) for g in data["guards"]),
                unmanaged=Unmanaged.from_dict(data["unmanaged"]),
                scope=Scope.from_dict(data["scope"]),
                ignored=tuple(
                    IgnoredRule(i["rule"], i.get("fields", 0)) for i in data.get("ignored", [])
                ),
                policy_changes=tuple(
                    PolicyChange.from_dict(p) for p in data.get("policyChanges", [])
                ),
                eshop_id=data.get("eshopId"),
                pricelist_id=data.get("pricelistId"),
                default_stock_id=data.get("defaultStockId"),
                git_commit=data.get("gitCommit"),
                revert_of=data.get("revertOf"),
                tool_version=data["toolVersion"],
                format_version=version,
                names=Names.from_dict(data.get("names")),
                notes=CatalogNotes.from_dict(data.get("notes")),
                allowed=_allowed_flags(data.get("allowed")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanFileError(f"the plan file is malformed: {exc!s}") from exc
        if data.get("planId") != plan.plan_id:
            raise PlanFileError(
                "the plan file's planId does not match its content (was it edited?); "
                "re-run `plan` to get a plan you can apply"
            )
        return plan


# Display-only text, left out of the planId so rewording a message or a reason never changes
# it: per change ``name``, ``source``, ``reason`` and each field's ``source``; each guard's
# ``message``; the ``summary`` (counted from the changes); unmanaged products' names; the
# scope's ``note``; the ``names`` table (what the shop calls the categories, brands, stocks
# and pricelist the plan mentions); the ``notes`` (products and variants removed from the
# catalog, live variants it does not mention: apply acts on neither); the ``allowed`` flags
# given to `plan` (apply takes its own). Everything else is hashed.
_CHANGE_DISPLAY = ("name", "source", "reason")
_DISPLAY_KEYS = ("summary", "planId", "names", "notes", "allowed")
ALLOW_FLAGS = (
    "--allow-delete",
    "--allow-bulk",
    "--allow-price",
    "--allow-open-orders",
    "--allow-stock-below-claim",
)


def _allowed_flags(value: Any) -> tuple[str, ...]:
    """The recorded --allow-* flags; anything else in a (hand-edited) file is dropped."""
    if not isinstance(value, list):
        return ()
    return tuple(f for f in ALLOW_FLAGS if f in value)


def hashed_content(content: dict[str, Any]) -> dict[str, Any]:
    """The part of a plan's JSON content (``Plan.content()``, or a plan file without
    ``planId``) that the planId covers: every value apply acts on, no display text."""
    out = {k: v for k, v in content.items() if k not in _DISPLAY_KEYS}
    if isinstance(out.get("changes"), list):
        out["changes"] = [_hashed_change(c) for c in out["changes"]]
    if isinstance(out.get("guards"), list):
        out["guards"] = [
            {k: v for k, v in g.items() if k != "message"} if isinstance(g, dict) else g
            for g in out["guards"]
        ]
    unmanaged = out.get("unmanaged")
    if isinstance(unmanaged, dict):
        out["unmanaged"] = {
            **unmanaged,
            "listed": [
                {k: v for k, v in u.items() if k != "name"} if isinstance(u, dict) else u
                for u in unmanaged.get("listed") or []
            ],
        }
    if isinstance(out.get("scope"), dict):
        out["scope"] = {k: v for k, v in out["scope"].items() if k != "note"}
    return out


def _hashed_change(change: Any) -> Any:
    if not isinstance(change, dict):
        return change
    out = {k: v for k, v in change.items() if k not in _CHANGE_DISPLAY}
    if isinstance(out.get("fields"), list):
        out["fields"] = [
            {k: v for k, v in f.items() if k != "source"} if isinstance(f, dict) else f
            for f in out["fields"]
        ]
    return out


def plan_id_of(content: dict[str, Any]) -> str:
    """The planId of a plan's JSON content: sha256 of the canonical JSON of
    ``hashed_content``. A plan file's own ``planId`` key, if present, is ignored."""
    return hashlib.sha256(canonical_json(hashed_content(content)).encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON: the byte form digests are taken over."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


# ---------------------------------------------------------------------------------------------
# Enforcing guard verdicts. Apply enforces the verdicts it computes itself (``reconciler.apply.preflight``);
# the ones stored in a plan file are for display and for `plan --detailed-exitcode`.


def check_guards(
    verdicts: Plan | Iterable[GuardVerdict],
    *,
    allow_delete: bool = False,
    allow_bulk: bool = False,
    allow_price: bool = False,
    allow_open_orders: bool = False,
    allow_stock_below_claim: bool = False,
) -> list[str]:
    """The refusals for these verdicts (a plan: its stored ones) with these flags (empty: go
    ahead)."""
    if isinstance(verdicts, Plan):
        verdicts = verdicts.guards
    flags = {
        "--allow-delete": allow_delete,
        "--allow-bulk": allow_bulk,
        "--allow-price": allow_price,
        "--allow-open-orders": allow_open_orders,
        "--allow-stock-below-claim": allow_stock_below_claim,
    }
    return [
        g.message for g in verdicts if not g.ok and (g.flag is None or not flags.get(g.flag, False))
    ]


def raise_if_unsafe(
    verdicts: Plan | Iterable[GuardVerdict],
    *,
    allow_delete: bool = False,
    allow_bulk: bool = False,
    allow_price: bool = False,
    allow_open_orders: bool = False,
    allow_stock_below_claim: bool = False,
) -> None:
    """Raise ``UnsafePlan`` (exit 3) naming every refusal with its numbers."""
    refusals = check_guards(
        verdicts,
        allow_delete=allow_delete,
        allow_bulk=allow_bulk,
        allow_price=allow_price,
        allow_open_orders=allow_open_orders,
        allow_stock_below_claim=allow_stock_below_claim,
    )
    if refusals:
        raise UnsafePlan("Apply refused by a guard:\n" + "\n".join(f"  {r}" for r in refusals))
