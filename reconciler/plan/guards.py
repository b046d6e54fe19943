"""The safety rails of DESIGN §6, computed when a plan is built and stored in it as data.

``compute_guards`` returns five ``GuardVerdict`` values in a fixed order:

- ``delete-limit``: deletions (products and variants) need ``--allow-delete`` and must be
  within ``policy.maxDeletes`` (more than that: refused, no flag helps).
- ``protected``: a GUID in ``policy.protect`` deleted (product or one of its variants) or
  hidden (product visibility set to anything but ``visible``, or a variant's ``visible`` set
  to false) is always refused.
- ``delete-all``: a plan that deletes every existing managed product is always refused.
- ``bulk``: when more than ``policy.maxChangedShare`` of the existing managed products are
  updated or deleted, and at least 10 exist, apply needs ``--allow-bulk``. A product counts
  once however many of its resources change; products the plan creates never count.
- ``price``: a ``price`` or ``commonPrice`` of an existing variant (a price update) that drops
  or rises by more than ``policy.maxPriceChange`` of its live value, or becomes 0, needs
  ``--allow-price``. A price that was 0 (or unset) has no share to measure: raising it is not
  counted. New variants' prices never count.
- ``open-orders`` (issue 19; only when the plan deletes or hides something, so claims were
  read): deleting or hiding a product or variant that open orders still claim needs
  ``--allow-open-orders``. The verdict names the order codes (text) and the claimed amounts.
- ``stock-below-claim`` (issue 19; only with ``policy.stockBelowClaim: refuse`` and a plan that
  sets stock, so claims were read): physical stock set below what open orders claim at that
  stock needs ``--allow-stock-below-claim``. With ``warn`` (the default) it is a plan warning.

Apply enforces the verdicts with ``reconciler.plan.model.check_guards`` / ``raise_if_unsafe``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reconciler.plan.model import Action, Change, GuardVerdict, PolicyChange, Resource

BULK_MINIMUM = 10
_LISTED = 10  # protected items named in a message; numbers["touched"] has them all


def _listed(items: list[str], sep: str, more: str) -> str:
    """The first ``_LISTED`` of ``items`` joined by ``sep``, then "<more> N more"."""
    text = sep.join(items[:_LISTED])
    return text + (f"{more} {len(items) - _LISTED} more" if len(items) > _LISTED else "")


@dataclass(frozen=True)
class GuardPolicy:
    """The policy numbers the guards need (a subset of ``shop.yaml`` ``policy``)."""

    max_deletes: int = 10
    max_changed_share: Decimal = Decimal("0.25")
    protect: frozenset[str] = frozenset()
    max_price_change: Decimal = Decimal("0.5")
    stock_below_claim: str = "warn"  # or "refuse"

    @property
    def refuses_stock_below_claim(self) -> bool:
        return self.stock_below_claim == "refuse"

    @classmethod
    def from_policy(cls, policy: Any) -> GuardPolicy:
        return cls(
            max_deletes=int(policy.maxDeletes),
            max_changed_share=Decimal(str(policy.maxChangedShare)),
            protect=frozenset(g.lower() for g in (policy.protect or ())),
            max_price_change=Decimal(str(getattr(policy, "maxPriceChange", "0.5"))),
            stock_below_claim=str(getattr(policy, "stockBelowClaim", "warn")),
        )


def policy_changes(base: Any, new: Any) -> tuple[PolicyChange, ...]:
    """The ``policy`` settings that differ between the base's shop.yaml and the catalog's
    (both ``model.Policy``), JSON-ready, in a fixed order."""
    out = []
    for key in (
        "maxDeletes",
        "maxChangedShare",
        "maxPriceChange",
        "protect",
        "prune",
        "stockBelowClaim",
    ):
        before, after = _policy_json(getattr(base, key)), _policy_json(getattr(new, key))
        if before != after:
            out.append(PolicyChange(key, before, after))
    return tuple(out)


def _policy_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _fraction(value)
    if isinstance(value, list | tuple | frozenset | set):
        return sorted(str(v).lower() for v in value)
    return value


GUARD_NAMES = (
    "delete-limit",
    "protected",
    "delete-all",
    "bulk",
    "price",
    "open-orders",
    "stock-below-claim",
)
PRICE_FIELDS = ("price", "commonPrice")
PRICE_OBJECTS = ("actionPrice", "purchasePrice")  # guarded by the ``price`` inside them

# Visibility values that take a product away from (some) customers: anything but "visible".
_SHOWN = "visible"


def compute_guards(
    changes: Iterable[Change],
    *,
    policy: GuardPolicy,
    existing_managed: int,
    claims: Mapping[str, VariantClaims] | None = None,
    stock_claims: Mapping[str, str] | None = None,
) -> tuple[GuardVerdict, ...]:
    """The five verdicts, in a fixed order, then ``open-orders`` when ``claims`` were read
    (``claims=None``: the plan deletes and hides nothing, so no claim was read), then
    ``stock-below-claim`` when the policy refuses it and ``stock_claims`` were read (None: the
    plan sets no stock).

    ``existing_managed``: how many managed products exist live (the bulk-share denominator).
    A product counts as *changed* when any change touches it and the plan does not create it;
    creates never count.
    """
    changes = list(changes)
    created = {
        c.guid for c in changes if c.resource is Resource.PRODUCT and c.action is Action.CREATE
    }
    deleted_products = sorted(
        {c.guid for c in changes if c.resource is Resource.PRODUCT and c.action is Action.DELETE}
    )
    deletions = [c for c in changes if c.action is Action.DELETE]
    touched = {c.guid for c in changes if c.guid not in created and not c.resource.registry}
    verdicts: tuple[GuardVerdict, ...] = (
        _delete_limit(len(deletions), policy.max_deletes),
        _protected(changes, policy.protect),
        _delete_all(len(deleted_products), existing_managed),
        _bulk(len(touched), existing_managed, policy.max_changed_share),
        _price(changes, policy.max_price_change),
    )
    if claims is not None:
        verdicts = (*verdicts, open_orders_verdict(changes, claims))
    if stock_claims is not None and policy.refuses_stock_below_claim:
        verdicts = (*verdicts, stock_below_claim_verdict(changes, stock_claims))
    return verdicts


def _delete_limit(n: int, max_deletes: int) -> GuardVerdict:
    numbers = {"deletions": n, "maxDeletes": max_deletes}
    if n == 0:
        return GuardVerdict("delete-limit", True, "No deletions.", numbers)
    if n > max_deletes:
        return GuardVerdict(
            "delete-limit",
            False,
            f"{n} deletions exceed policy.maxDeletes ({max_deletes}); no flag allows this. "
            "Split the change or raise maxDeletes in shop.yaml.",
            numbers,
        )
    return GuardVerdict(
        "delete-limit",
        False,
        f"{n} deletion{'s' if n != 1 else ''} (policy.maxDeletes {max_deletes}) "
        "need --allow-delete.",
        numbers,
        "--allow-delete",
    )


def _protected(changes: list[Change], protect: frozenset[str]) -> GuardVerdict:
    hit: dict[str, str] = {}
    for c in changes:
        if c.guid not in protect:
            continue
        if c.action is Action.DELETE:
            hit[c.id] = "deleted"
        elif c.action is Action.UPDATE:
            for f in c.fields:
                if (
                    c.resource is Resource.PRODUCT and f.field == "visibility" and f.after != _SHOWN
                ) or (c.resource is Resource.VARIANT and f.field == "visible" and f.after is False):
                    hit[c.id] = "hidden"
    numbers = {"protected": len(protect), "touched": sorted(hit)}
    if not hit:
        return GuardVerdict(
            "protected", True, "No protected product is deleted or hidden.", numbers
        )
    items = _listed([f"{cid} ({how})" for cid, how in sorted(hit.items())], ", ", " and")
    return GuardVerdict(
        "protected",
        False,
        f"Protected products (policy.protect) would be deleted or hidden: {items}. "
        "No flag allows this; change the catalog or policy.protect.",
        numbers,
    )


def _delete_all(n_deleted: int, existing: int) -> GuardVerdict:
    numbers = {"productsDeleted": n_deleted, "existingManaged": existing}
    if n_deleted and n_deleted >= existing:
        return GuardVerdict(
            "delete-all",
            False,
            f"The plan deletes every managed product ({n_deleted} of {existing}); this is "
            "always refused.",
            numbers,
        )
    return GuardVerdict("delete-all", True, "Not every managed product is deleted.", numbers)


def _bulk(changed: int, existing: int, max_share: Decimal) -> GuardVerdict:
    share = Decimal(changed) / Decimal(existing) if existing else Decimal(0)
    numbers = {
        "changed": changed,
        "existingManaged": existing,
        "share": _fraction(share),
        "maxChangedShare": _fraction(max_share),
        "minimumProducts": BULK_MINIMUM,
    }
    text = (
        f"{changed} of {existing} existing managed products change ({_pct(share)}; "
        f"policy.maxChangedShare {_pct(max_share)})"
    )
    # exact: compare changed/existing > max without rounding the share
    if existing >= BULK_MINIMUM and Decimal(changed) > max_share * existing:
        return GuardVerdict("bulk", False, f"{text}: needs --allow-bulk.", numbers, "--allow-bulk")
    if existing < BULK_MINIMUM:
        text += f"; fewer than {BULK_MINIMUM} exist, so the bulk guard does not apply"
    return GuardVerdict("bulk", True, text + ".", numbers)


def _price(changes: list[Change], max_change: Decimal) -> GuardVerdict:
    hits: list[tuple[str, str]] = []  # (change id + field, the line that names it)
    for c in changes:
        if c.resource is not Resource.PRICE or c.action is not Action.UPDATE:
            continue
        for label, before, after in _guarded_prices(c):
            if after is None or before == after:
                continue
            new_and_free = before is None and after == 0 and "." in label  # a free sale
            if before is None and not new_and_free:
                continue
            if (
                new_and_free
                or after == 0
                or (before is not None and before > 0 and abs(after - before) > max_change * before)
            ):
                what = f"{c.name!r} ({c.guid})" if c.name else c.guid
                shown = "none" if before is None else before
                where = "" if c.pricelist_id is None else f" in pricelist {c.pricelist_id}"
                line = f"{what} variant {c.code}{where} {label} {shown} -> {after}"
                if before:
                    sign = "+" if after > before else "-"
                    line += f" ({sign}{_pct(abs(after - before) / before)})"
                hits.append((f"{c.id}/{label}", line))
    hits.sort()
    numbers = {
        "changed": len(hits),
        "maxPriceChange": _fraction(max_change),
        "prices": [key for key, _ in hits],
    }
    if not hits:
        return GuardVerdict(
            "price",
            True,
            f"No price drops or rises by more than {_pct(max_change)} "
            "(policy.maxPriceChange) or becomes 0.",
            numbers,
        )
    items = _listed([line for _, line in hits], "; ", "; and")
    n = len(hits)
    return GuardVerdict(
        "price",
        False,
        f"{n} price{'s' if n != 1 else ''} change by more than {_pct(max_change)} "
        f"(policy.maxPriceChange) or become 0 and need --allow-price: {items}.",
        numbers,
        "--allow-price",
    )


def _guarded_prices(change: Change) -> Iterable[tuple[str, Decimal | None, Decimal | None]]:
    """(label, before, after) of each guarded price a change moves: ``price``,
    ``commonPrice``, and the ``price`` inside ``actionPrice`` and ``purchasePrice``. A new one
    (none before) is not a move and passes unless it is 0; the loader already refuses an
    action price above the regular price."""
    for f in change.fields:
        if f.field in PRICE_FIELDS:
            yield f.field, _decimal(f.before), _decimal(f.after)
        elif f.field in PRICE_OBJECTS:
            yield f"{f.field}.price", _inner_price(f.before), _inner_price(f.after)


def _inner_price(value: Any) -> Decimal | None:
    return _decimal(value.get("price")) if isinstance(value, dict) else None


# ---------------------------------------------------------------------------------------------
# open-orders: the data comes from ``reconciler.live.claims`` (the reads), the verdict from here.


@dataclass(frozen=True)
class OrderClaim:
    """One open order's unfulfilled claim on a variant. ``order_code`` is text: Shoptet's
    order codes may have leading zeros, letters or dashes."""

    order_code: str
    amount: Decimal  # ordered minus completed


@dataclass(frozen=True)
class VariantClaims:
    """What open orders claim of one variant, with the product it belongs to."""

    guid: str
    orders: tuple[OrderClaim, ...]

    @property
    def total(self) -> Decimal:
        return sum((o.amount for o in self.orders), Decimal(0))


def removals(changes: Iterable[Change]) -> tuple[frozenset[str], dict[str, str]]:
    """What a plan deletes or hides, the changes the open-orders guard looks at: product GUIDs
    (every variant of theirs counts) and variant codes (code -> product GUID)."""
    products: set[str] = set()
    variants: dict[str, str] = {}
    for c in changes:
        if c.resource is Resource.PRODUCT and (c.action is Action.DELETE or _hides(c)):
            products.add(c.guid)
        elif c.resource is Resource.VARIANT and c.code and (c.action is Action.DELETE or _hides(c)):
            variants[c.code] = c.guid
    return frozenset(products), variants


def _hides(c: Change) -> bool:
    if c.action is not Action.UPDATE:
        return False
    for f in c.fields:
        if c.resource is Resource.PRODUCT and f.field == "visibility" and f.after != _SHOWN:
            return True
        if c.resource is Resource.VARIANT and f.field == "visible" and f.after is False:
            return True
    return False


def open_orders_verdict(
    changes: Iterable[Change], claims: Mapping[str, VariantClaims]
) -> GuardVerdict:
    """``open-orders``: the deleted or hidden products and variants that open orders claim
    (``claims``: variant code -> its open claims, as read for this plan)."""
    changes = list(changes)
    products, variants = removals(changes)
    hit_lines: list[tuple[str, str]] = []
    orders: set[str] = set()
    claimed: dict[str, str] = {}
    deleting = False
    for c in changes:
        if c.resource is Resource.PRODUCT and c.guid in products:
            codes = sorted(code for code, v in claims.items() if v.guid == c.guid and v.orders)
        elif c.resource is Resource.VARIANT and c.code in variants:
            codes = [c.code] if c.code in claims and claims[c.code].orders else []
        else:
            continue
        if not codes:
            continue
        deleting = deleting or c.action is Action.DELETE
        how = "deleted" if c.action is Action.DELETE else "hidden"
        what = f"{c.name!r} ({c.guid})" if c.name else c.guid
        parts = []
        for code in codes:
            vc = claims[code]
            orders.update(o.order_code for o in vc.orders)
            claimed[code] = _amount(vc.total)
            listed = _listed(
                [f'"{o.order_code}" ({_amount(o.amount)})' for o in vc.orders], ", ", " and"
            )
            parts.append(f"variant {code} claimed {_amount(vc.total)} by order(s) {listed}")
        hit_lines.append((c.id, f"{what} {how}: " + "; ".join(parts)))
    hit_lines.sort()
    numbers = {
        "changes": [cid for cid, _ in hit_lines],
        "orders": sorted(orders),
        "claimed": dict(sorted(claimed.items())),
    }
    if not hit_lines:
        return GuardVerdict(
            "open-orders", True, "No deleted or hidden product has open orders.", numbers
        )
    items = _listed([line for _, line in hit_lines], "; ", "; and")
    advice = (
        " To stop selling it and keep the orders' products, set `visibility: hidden` instead "
        "of deleting, and delete once the orders are done."
        if deleting
        else ""
    )
    return GuardVerdict(
        "open-orders",
        False,
        f"Open orders still claim what the plan deletes or hides and need "
        f"--allow-open-orders: {items}.{advice}",
        numbers,
        "--allow-open-orders",
    )


# ---------------------------------------------------------------------------------------------
# stock-below-claim: claims per "CODE@stockId" come from ``reconciler.live.claims.read_stock_claims``
# (or the detail reads), the verdict from here.


def sets_stock(changes: Iterable[Change]) -> frozenset[int]:
    """The stocks where a plan changes the physical stock of existing variants (empty: no
    claim to read; a variant the plan creates has no orders yet)."""
    return frozenset(
        c.stock_id
        for c in changes
        if c.resource is Resource.STOCK and c.action is Action.UPDATE and c.stock_id is not None
    )


def stock_below_claim_verdict(
    changes: Iterable[Change], stock_claims: Mapping[str, str]
) -> GuardVerdict:
    """``stock-below-claim``: stock changes that set physical stock below what open orders
    claim there (``stock_claims``: "CODE@stockId" -> the claim, read for this plan)."""
    hits: list[tuple[str, str]] = []
    for c in changes:
        if c.resource is not Resource.STOCK or c.action is Action.DELETE:
            continue
        claim = _decimal(stock_claims.get(f"{c.code}@{c.stock_id}"))
        after = next((_decimal(f.after) for f in c.fields if f.field == "stock"), None)
        if claim is None or after is None or after >= claim:
            continue
        what = f"{c.name!r} ({c.guid})" if c.name else c.guid
        hits.append(
            (
                c.id,
                f"{what} variant {c.code} in stock {c.stock_id}: {_amount(after)} below the "
                f"{_amount(claim)} open orders claim",
            )
        )
    hits.sort()
    numbers = {"changes": [cid for cid, _ in hits]}
    if not hits:
        return GuardVerdict(
            "stock-below-claim", True, "No stock is set below what open orders claim.", numbers
        )
    items = _listed([line for _, line in hits], "; ", "; and")
    return GuardVerdict(
        "stock-below-claim",
        False,
        f"Stock set below what open orders claim (available stock goes negative; "
        f"policy.stockBelowClaim: refuse) needs --allow-stock-below-claim: {items}. Count the "
        "stock again, or wait until the orders are dispatched.",
        numbers,
        "--allow-stock-below-claim",
    )


def _amount(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("0", "-0") else text


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"


def _fraction(share: Decimal) -> str:
    """A share as a short exact-enough decimal string, e.g. "0.3" or "0.1667"."""
    text = format(share.quantize(Decimal("0.0001")).normalize(), "f")
    return "0" if text in ("0", "-0") else text
