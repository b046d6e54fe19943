"""The parts of a plan besides its changes: scope, unmanaged products, ignore rules applied,
guard verdicts, and the order fields are listed in. Plain frozen data; ``reconciler.plan.model``
re-exports every name, so import them from there."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler import fields as F

UNMANAGED_LISTED = 20
_TARGETS_NAMED = 20  # in the scope note; the plan file's scope.targets has them all

# The order fields are listed in within a change (the model's order, which is the field
# registry's: identity and name first), so a reviewer reads a product the way its YAML is
# usually written. Unknown names go last.
PRODUCT_FIELD_ORDER = F.names(F.PRODUCT)
VARIANT_FIELD_ORDER = F.names(F.VARIANT)
# A variant update that renames the variant (``renamedFrom``) carries this field, the live
# code before and the catalog's after; it is listed first.
RENAME_FIELD = "code"
_FIELD_RANK = {
    RENAME_FIELD: -1,
    **{name: i for i, name in enumerate(PRODUCT_FIELD_ORDER + VARIANT_FIELD_ORDER)},
}


def field_order(name: str) -> tuple[int, str]:
    """Sort key for field names: the model's order, then alphabetical for anything else."""
    return (_FIELD_RANK.get(name, len(_FIELD_RANK)), name)


@dataclass(frozen=True)
class Scope:
    """What the plan covers: the whole shop, or only listed products (``--target`` /
    ``--changed-since``). A targeted plan says nothing about drift elsewhere."""

    kind: str = "full"  # "full" | "targeted"
    targets: tuple[str, ...] = ()  # GUIDs or variant codes
    ref: str | None = None  # the git ref of --changed-since, when used
    commit: str | None = None  # the commit ``ref`` resolved to (--changed-since)

    def __post_init__(self) -> None:
        if self.kind not in ("full", "targeted"):
            raise ValueError(f"unknown scope kind {self.kind!r}")
        object.__setattr__(self, "targets", tuple(sorted(set(self.targets))))

    @classmethod
    def targeted(
        cls, targets: Iterable[str], ref: str | None = None, commit: str | None = None
    ) -> Scope:
        return cls("targeted", tuple(targets), ref, commit)

    @property
    def is_full(self) -> bool:
        return self.kind == "full"

    @property
    def note(self) -> str:
        """The plain statement every renderer prints about coverage."""
        if self.is_full:
            return "This plan covers every product in the catalog and the whole live shop."
        what = ", ".join(self.targets[:_TARGETS_NAMED]) if self.targets else "no products"
        if len(self.targets) > _TARGETS_NAMED:
            what += f" and {len(self.targets) - _TARGETS_NAMED} more (all in the plan file)"
        at = f" = {self.commit[:12]}" if self.commit else ""
        since = f" (changed since {self.ref}{at})" if self.ref else ""
        return (
            f"This plan covers only the listed products{since}: {what}. "
            "Drift elsewhere in the shop is not checked here; that is the scheduled "
            "drift check's job."
        )

    def to_dict(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "targets": list(self.targets),
            "ref": self.ref,
            "note": self.note,
        }
        if self.commit:  # only --changed-since plans: older plan files keep their bytes
            out["commit"] = self.commit
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scope:
        return cls(
            data.get("kind", "full"),
            tuple(data.get("targets", ())),
            data.get("ref"),
            data.get("commit"),
        )


@dataclass(frozen=True)
class UnmanagedProduct:
    guid: str
    name: str | None


@dataclass(frozen=True)
class Unmanaged:
    """Live products no catalog file mentions: counted and listed, never changed.

    ``count`` is None when the plan is targeted (the live side was not read in full).
    """

    count: int | None = 0
    listed: tuple[UnmanagedProduct, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "listed": [{"guid": u.guid, "name": u.name} for u in self.listed],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unmanaged:
        return cls(
            data.get("count"),
            tuple(UnmanagedProduct(u["guid"], u.get("name")) for u in data.get("listed", [])),
        )


@dataclass(frozen=True)
class IgnoredRule:
    """An ``ignore`` rule from shop.yaml and how many stated fields it kept out of the diff."""

    rule: str
    fields: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "fields": self.fields}


@dataclass(frozen=True)
class GuardVerdict:
    """One safety rail's verdict on this plan (DESIGN §6).

    ``ok``: apply may go ahead without any flag. When not ok, ``flag`` names the command-line
    flag that allows it, or is None when nothing can (the plan must change).
    """

    name: str
    ok: bool
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)
    flag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "message": self.message,
            "numbers": dict(self.numbers),
            "flag": self.flag,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuardVerdict:
        return cls(
            data["name"],
            bool(data["ok"]),
            data["message"],
            dict(data.get("numbers", {})),
            data.get("flag"),
        )


@dataclass(frozen=True)
class PolicyChange:
    """A ``shop.yaml`` policy setting the catalog changes against its base (``--changed-since
    REF``). This plan's guards use the base's value; the new one takes effect after the merge,
    so a pull request cannot relax its own guards. Values are JSON-ready."""

    key: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolicyChange:
        return cls(data["key"], data["before"], data["after"])

    @property
    def text(self) -> str:
        return f"policy.{self.key}: {_policy_value(self.before)} -> {_policy_value(self.after)}"


def _policy_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Currency:
    """How the shop writes money, for display only (``Names.currency``): ISO code, the
    symbol Shoptet shows (``Kč``), on which side, and the decimals prices are shown with."""

    code: str
    symbol: str
    decimals: int = 2
    symbol_left: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "symbol": self.symbol,
            "decimals": self.decimals,
            "symbolLeft": self.symbol_left,
        }

    @classmethod
    def of(
        cls, code: Any, symbol: Any, decimals: Any = 2, symbol_left: Any = False
    ) -> Currency | None:
        """A currency from untrusted data (the shop, a plan file): None unless the code is
        3 letters; a symbol that could break a line or Markdown is replaced by the code."""
        if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{3}", code):
            return None
        if not isinstance(symbol, str) or not _SYMBOL.fullmatch(symbol):
            symbol = code
        if type(decimals) is not int or not 0 <= decimals <= 6:
            decimals = 2
        return cls(code, symbol, decimals, symbol_left is True)

    @classmethod
    def from_dict(cls, data: Any) -> Currency | None:
        """Tolerant like ``Names``: anything malformed is no currency (values shown bare)."""
        if not isinstance(data, dict):
            return None
        return cls.of(
            data.get("code"), data.get("symbol"), data.get("decimals", 2), data.get("symbolLeft")
        )


# A currency symbol as shops write it (Kč, €, zł, Ft, CHF, US$): letters, currency signs,
# dots and spaces, nothing a terminal or Markdown would act on.
_SYMBOL = re.compile(r"[^\W\d_]{1,6}|[^\W\d_]{0,3}[\$€£¥₽₴₺₹₩¢][^\W\d_]{0,3}|[^\W\d_]{1,4}\.")


@dataclass(frozen=True)
class Names:
    """What the ids in a plan are called in the shop, for display only (never hashed into the
    planId; see ``plan.model.hashed_content``): category GUID -> name, brand code -> name,
    stock id -> title, pricelist id -> name; and the currency prices are shown in. Only the ids the plan mentions are kept, so a
    large shop's lists never bloat the plan file. Missing ids are simply shown without a name."""

    categories: dict[str, str] = field(default_factory=dict)
    brands: dict[str, str] = field(default_factory=dict)
    stocks: dict[int, str] = field(default_factory=dict)
    pricelists: dict[int, str] = field(default_factory=dict)
    currency: Currency | None = None
    # "CODE@stockId" -> what open orders claim there, for the plan's stock changes only
    claims: dict[str, str] = field(default_factory=dict)
    # sales context: change id -> orders in the last 30 days with its variant(s); how many
    # variants were not read (past the cap, or no orders right); shop.yaml's best-seller mark
    sales: dict[str, int] = field(default_factory=dict)
    sales_unread: int = 0
    best_seller: int | None = None
    # pricelist id -> the customer groups whose default pricelist it is (other pricelists only)
    pricelist_groups: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # warranty, unit, supplier, measureUnit: field -> id (as text) -> the name the shop gives it
    assigned: dict[str, dict[str, str]] = field(default_factory=dict)
    # product GUID -> name, for the related/alternative products the plan's changes name
    products: dict[str, str] = field(default_factory=dict)
    # variant parameters the plan's changes write: nameIndex -> name, and nameIndex ->
    # valueIndex -> value name (the shop's, or as the YAML writes one the shop lacks)
    parameters: dict[str, str] = field(default_factory=dict)
    parameter_values: dict[str, dict[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.categories
            or self.brands
            or self.stocks
            or self.pricelists
            or self.currency
            or self.claims
            or self.sales
            or self.sales_unread
            or self.pricelist_groups
            or self.assigned
            or self.products
            or self.parameters
            or self.parameter_values
        )

    def claim(self, code: Any, stock_id: Any) -> str | None:
        return self.claims.get(f"{code}@{stock_id}") if isinstance(code, str) else None

    def category(self, guid: Any) -> str | None:
        return self.categories.get(guid.lower()) if isinstance(guid, str) else None

    def product(self, guid: Any) -> str | None:
        return self.products.get(guid.lower()) if isinstance(guid, str) else None

    def brand(self, code: Any) -> str | None:
        return self.brands.get(code) if isinstance(code, str) else None

    def stock(self, stock_id: Any) -> str | None:
        return self.stocks.get(stock_id) if isinstance(stock_id, int) else None

    def assignment(self, name: str, ident: Any) -> str | None:
        """What the shop calls warranty, unit, supplier or measure unit ``ident`` (``name``:
        the field)."""
        return self.assigned.get(name, {}).get(str(ident)) if ident is not None else None

    def parameter(self, index: str) -> str | None:
        return self.parameters.get(index)

    def parameter_value(self, index: str, value: str) -> str | None:
        return self.parameter_values.get(index, {}).get(value)

    def pricelist(self, pricelist_id: Any) -> str | None:
        return self.pricelists.get(pricelist_id) if isinstance(pricelist_id, int) else None

    def groups(self, pricelist_id: Any) -> tuple[str, ...]:
        return self.pricelist_groups.get(pricelist_id, ()) if isinstance(pricelist_id, int) else ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; integer ids become string keys, as JSON needs. ``currency`` only when
        known, so plans without one keep their old shape."""
        out: dict[str, Any] = {
            "categories": dict(sorted(self.categories.items())),
            "brands": dict(sorted(self.brands.items())),
            "stocks": {str(k): v for k, v in sorted(self.stocks.items())},
            "pricelists": {str(k): v for k, v in sorted(self.pricelists.items())},
        }
        if self.currency:
            out["currency"] = self.currency.to_dict()
        if self.claims:  # only when some stock change has a claim: older plans keep their shape
            out["claims"] = dict(sorted(self.claims.items()))
        if self.pricelist_groups:  # only then: older plans keep their shape
            out["pricelistGroups"] = {
                str(k): list(v) for k, v in sorted(self.pricelist_groups.items())
            }
        if self.products:  # only when a link change names products: older plans keep their shape
            out["products"] = dict(sorted(self.products.items()))
        if self.sales or self.sales_unread:
            out["sales"] = {
                "orders30d": dict(sorted(self.sales.items())),
                "unread": self.sales_unread,
                "bestSellerOrders": self.best_seller,
            }
        if self.assigned:  # only when the plan assigns one: older plans keep their shape
            out["assigned"] = {k: dict(sorted(v.items())) for k, v in sorted(self.assigned.items())}
        if self.parameters or self.parameter_values:  # only then: older plans keep their shape
            out["parameters"] = dict(sorted(self.parameters.items()))
            out["parameterValues"] = {
                k: dict(sorted(v.items())) for k, v in sorted(self.parameter_values.items())
            }
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Names:
        """Tolerant: display data only, so anything malformed is dropped, never an error."""
        if not isinstance(data, dict):
            return cls()

        def texts(key: str, ident: Callable[[Any], Any]) -> dict[Any, str]:
            raw = data.get(key)
            out: dict[Any, str] = {}
            for k, v in raw.items() if isinstance(raw, dict) else ():
                try:
                    if isinstance(v, str):
                        out[ident(k)] = v
                except (TypeError, ValueError):
                    continue
            return out

        return cls(
            texts("categories", str),
            texts("brands", str),
            texts("stocks", int),
            texts("pricelists", int),
            Currency.from_dict(data.get("currency")),
            texts("claims", str),
            *_sales(data.get("sales")),
            _groups(data.get("pricelistGroups")),
            assigned=_nested_texts(data.get("assigned")),
            products=texts("products", str),
            parameters=texts("parameters", str),
            parameter_values=_nested_texts(data.get("parameterValues")),
        )


def _groups(raw: Any) -> dict[int, tuple[str, ...]]:
    """Names.pricelist_groups from a plan file (tolerant: display only)."""
    out: dict[int, tuple[str, ...]] = {}
    for k, v in raw.items() if isinstance(raw, dict) else ():
        if isinstance(k, str) and k.isdigit() and isinstance(v, list):
            out[int(k)] = tuple(n for n in v if isinstance(n, str))
    return out


def _nested_texts(raw: Any) -> dict[str, dict[str, str]]:
    """Names.assigned or Names.parameter_values from a plan file (tolerant: display only)."""
    out: dict[str, dict[str, str]] = {}
    for name, table in raw.items() if isinstance(raw, dict) else ():
        if isinstance(name, str) and isinstance(table, dict):
            out[name] = {str(k): v for k, v in table.items() if isinstance(v, str)}
    return out


def _sales(raw: Any) -> tuple[dict[str, int], int, int | None]:
    """Names.sales, sales_unread, best_seller from a plan file (tolerant: display only)."""
    if not isinstance(raw, dict):
        return {}, 0, None

    def count(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

    orders = raw.get("orders30d")
    sales = {
        k: n
        for k, v in (orders.items() if isinstance(orders, dict) else ())
        if isinstance(k, str) and (n := count(v)) is not None
    }
    return sales, count(raw.get("unread")) or 0, count(raw.get("bestSellerOrders"))


NOTES_LISTED = 20  # live variants the catalog does not mention, listed before a count


@dataclass(frozen=True)
class CatalogEntry:
    """A product (``code`` None) or one of its variants, with the product's name to show."""

    guid: str
    code: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"guid": self.guid, "code": self.code, "name": self.name}

    @classmethod
    def from_dict(cls, data: Any) -> CatalogEntry | None:
        if not isinstance(data, dict) or not isinstance(data.get("guid"), str):
            return None
        code, name = data.get("code"), data.get("name")
        return cls(
            data["guid"],
            code if isinstance(code, str) else None,
            name if isinstance(name, str) else None,
        )


@dataclass(frozen=True)
class RenameHint:
    """A variant the plan creates whose EAN an unmentioned live variant of the same product
    has: probably a rename the catalog forgot to declare (``renamedFrom``)."""

    guid: str
    code: str  # the new code the plan creates
    old: str  # the live variant with the same EAN
    ean: str
    source: str | None = None  # "file:line" of the new variant

    def to_dict(self) -> dict[str, Any]:
        return {
            "guid": self.guid,
            "code": self.code,
            "old": self.old,
            "ean": self.ean,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RenameHint | None:
        if not isinstance(data, dict):
            return None
        guid, code, old, ean = (data.get(k) for k in ("guid", "code", "old", "ean"))
        if not (isinstance(guid, str) and isinstance(code, str)):
            return None
        if not (isinstance(old, str) and isinstance(ean, str)):
            return None
        source = data.get("source")
        return cls(guid, code, old, ean, source if isinstance(source, str) else None)


@dataclass(frozen=True)
class CatalogNotes:
    """What the plan leaves alone that a reader should know about, for display only (never
    hashed into the planId; see ``plan.model.hashed_content``):

    - ``removed``: products and variants a pull request removed from the YAML (present at the
      ``--changed-since`` ref, gone now, no tombstone). They stay in the shop, unmanaged.
    - ``unmentioned``: live variants of a managed product that its YAML entry does not
      mention (the first ``NOTES_LISTED``), and ``unmentioned_count`` of them in all.
    - ``renames``: new variants that look like a rename of an unmentioned live variant (same
      EAN): the plan creates them, and the note says how to keep the old one's stock instead.
    """

    removed: tuple[CatalogEntry, ...] = ()
    unmentioned: tuple[CatalogEntry, ...] = ()
    unmentioned_count: int = 0
    renames: tuple[RenameHint, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.removed or self.unmentioned_count or self.renames)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "removed": [e.to_dict() for e in self.removed],
            "unmentioned": [e.to_dict() for e in self.unmentioned],
            "unmentionedCount": self.unmentioned_count,
        }
        if self.renames:  # only when there are some: plan files without them stay as they were
            out["renames"] = [h.to_dict() for h in self.renames]
        return out

    @classmethod
    def from_dict(cls, data: Any) -> CatalogNotes:
        """Tolerant: display data only, so anything malformed is dropped, never an error."""
        if not isinstance(data, dict):
            return cls()

        def entries(key: str) -> tuple[CatalogEntry, ...]:
            raw = data.get(key)
            found = (CatalogEntry.from_dict(e) for e in (raw if isinstance(raw, list) else ()))
            return tuple(e for e in found if e is not None)

        unmentioned = entries("unmentioned")
        count = data.get("unmentionedCount")
        if type(count) is not int or count < len(unmentioned):
            count = len(unmentioned)
        raw = data.get("renames")
        hints = (RenameHint.from_dict(h) for h in (raw if isinstance(raw, list) else ()))
        renames = tuple(h for h in hints if h is not None)
        return cls(entries("removed"), unmentioned, count, renames)
