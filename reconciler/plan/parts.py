"""The parts of a plan besides its changes: scope, unmanaged products, ignore rules applied,
guard verdicts, and the order fields are listed in. Plain frozen data; ``reconciler.plan.model``
re-exports every name, so import them from there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

UNMANAGED_LISTED = 20
_TARGETS_NAMED = 20  # in the scope note; the plan file's scope.targets has them all

# The order fields are listed in within a change (the model's order: identity and name first),
# so a reviewer reads a product the way its YAML is usually written. Unknown names go last.
PRODUCT_FIELD_ORDER = (
    "name",
    "visibility",
    "type",
    "shortDescription",
    "description",
    "metaTitle",
    "metaDescription",
    "additionalName",
    "brand",
    "defaultCategory",
    "categories",
    "internalNote",
)
VARIANT_FIELD_ORDER = (
    "ean",
    "manufacturerCode",
    "price",
    "commonPrice",
    "vatRate",
    "includingVat",
    "stock",
    "visible",
    "availability",
    "weight",
    "minStockSupply",
    "negativeStockAllowed",
    "parameters",
)
_FIELD_RANK = {name: i for i, name in enumerate(PRODUCT_FIELD_ORDER + VARIANT_FIELD_ORDER)}


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
