"""Helpers shared by the text and Markdown renderers, so both say the same things in the
same words: one summary line, one "No changes" line, one way to show a value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.plan.model import (
    Action,
    CatalogEntry,
    Change,
    GuardVerdict,
    Names,
    Plan,
    Resource,
)
from reconciler.render.campaign import action_price_words

NO_CHANGES = "No changes. The live shop matches the catalog."
# An empty plan with notes (removed or unmentioned entries): the shop does not match the
# catalog's intent in every respect, so it must not say it does.
NO_CHANGES_TO_WRITE = "No changes to write."
REMOVED_HEAD = (
    "Removed from the catalog; stays in the shop, now unmanaged; to delete it write `absent: true`"
)


def no_changes(plan: Plan) -> str:
    """What an empty plan says: that the shop matches only when nothing is left to note."""
    return NO_CHANGES_TO_WRITE if plan.notes else NO_CHANGES


def entry_text(entry: CatalogEntry) -> str:
    """'product GUID "name"' or 'variant CODE of product GUID "name"'."""
    name = f" {json.dumps(one_line(entry.name), ensure_ascii=False)}" if entry.name else ""
    if entry.code is None:
        return f"product {entry.guid}{name}"
    return f"variant {entry.code} of product {entry.guid}{name}"


def unmentioned_head(plan: Plan) -> str:
    n, shown = plan.notes.unmentioned_count, len(plan.notes.unmentioned)
    return (
        f"Not in the catalog: left alone: {n} live variant{'s' if n != 1 else ''} of managed "
        "products"
        + (f" (first {shown} listed)" if shown < n else "")
    )


_RESOURCE_PLURAL = {
    Resource.PRODUCT: "products",
    Resource.VARIANT: "variants",
    Resource.PRICE: "prices",
    Resource.STOCK: "stock",
    Resource.PARAMETER: "variant parameters",
    Resource.PARAMETER_VALUE: "parameter values",
}


def summary_line(plan: Plan) -> str:
    """'Plan: 2 to create, 5 to update, 0 to delete (products 3, variants 1, prices 2, stock 4).'"""
    s = plan.summary
    a, r = s["actions"], s["resources"]
    per = ", ".join(
        f"{_RESOURCE_PLURAL[res]} {r[res.value]}"
        for res in Resource
        if not res.registry or r.get(res.value)
    )
    return (
        f"Plan: {a['create']} to create, {a['update']} to update, {a['delete']} to delete ({per})."
    )


def header_line(plan: Plan) -> str:
    parts = [f"e-shop {plan.eshop_id if plan.eshop_id is not None else 'unknown'}"]
    pricelist = plan.names.pricelist(plan.pricelist_id)
    if pricelist:  # the plan knows what its pricelist is called: say where prices go
        parts.append(f"pricelist {plan.pricelist_id} ({one_line(pricelist)})")
    parts.append(f"catalog digest {plan.catalog_digest[:12]}")
    if plan.git_commit:
        parts.append(f"commit {plan.git_commit[:12]}")
    parts.append(f"shoptet-catalog {plan.tool_version}")
    return "Plan for " + ", ".join(parts)


def format_value(value: Any) -> str:
    """One value as the reader sees it: JSON spelling (strings quoted, null, true/false)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def named_value(field: str, value: Any, names: Names) -> str:
    """A value as ``format_value`` spells it, with the shop's name beside each id the plan's
    ``names`` knows: ``"b9e6…" (Zrnková káva)`` for a category, ``"zrnkovna" (Zrnkovna)``
    for a brand code. Names are display only; the value stays exactly as written."""
    if field == "actionPrice" and (words := action_price_words(value)) is not None:
        return words
    lookup = {
        "defaultCategory": names.category,
        "categories": names.category,
        "brand": names.brand,
    }.get(field)
    if lookup is None:
        return format_value(value)

    def one(item: Any) -> str:
        name = lookup(item)
        return format_value(item) + (f" ({one_line(name)})" if name else "")

    if isinstance(value, list):
        return "[" + ", ".join(one(item) for item in value) + "]"
    return one(value)


def one_line(name: str) -> str:
    """A name from the shop on one line: runs of whitespace (newlines included) as one space."""
    return " ".join(name.split())


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


@dataclass(frozen=True)
class ProductGroup:
    """All changes of one product, for per-product rendering."""

    guid: str
    name: str | None
    product: Change | None  # the product-level change, if any
    others: tuple[Change, ...]  # variant, price and stock changes, in plan order

    @property
    def glyph(self) -> str:
        return self.product.action.glyph if self.product else Action.UPDATE.glyph

    @property
    def action(self) -> Action:
        return self.product.action if self.product else Action.UPDATE

    @property
    def changes(self) -> tuple[Change, ...]:
        return ((self.product,) if self.product else ()) + self.others


def registry_changes(plan: Plan) -> list[Change]:
    """The variant-parameter registry additions (no product; applied before every product)."""
    return [c for c in plan.changes if c.resource.registry]


def registry_line(change: Change) -> str:
    """``+ variant parameter hmotnost "Hmotnost"`` or
    ``+ variant parameter value hmotnost = "1 kg" (1-kg)``, with the catalog line."""
    code = change.code or ""
    after = change.after or {}
    if change.resource is Resource.PARAMETER:
        text = (
            f"{change.action.glyph} variant parameter {code} {format_value(after.get('paramName'))}"
        )
    else:
        name, _, value = code.partition(":")
        text = (
            f"{change.action.glyph} variant parameter value {name} = "
            f"{format_value(after.get('paramValue'))} ({value})"
        )
    return text + (f"  # {change.source}" if change.source else "")


REGISTRY_HEAD = (
    "Variant parameters the shop lacks (created first, through the variant-parameter endpoints):"
)


def groups(plan: Plan) -> Iterator[ProductGroup]:
    """Changes grouped by product GUID, in the plan's (sorted) order; registry additions
    (``registry_changes``) are not a product's."""
    current: list[Change] = []
    for change in plan.changes:
        if change.resource.registry:
            continue
        if current and change.guid != current[0].guid:
            yield _group(current)
            current = []
        current.append(change)
    if current:
        yield _group(current)


def _group(changes: list[Change]) -> ProductGroup:
    product = next((c for c in changes if c.resource is Resource.PRODUCT), None)
    name = next((c.name for c in changes if c.name), None)
    others = tuple(c for c in changes if c.resource is not Resource.PRODUCT)
    return ProductGroup(changes[0].guid, name, product, others)


def subject(change: Change, names: Names | None = None) -> str:
    """'variant CHOC-100', 'price CHOC-100', 'stock CHOC-100 in stock 1 (Hlavní sklad)',
    'product <guid>'; the stock's title when ``names`` has it."""
    if change.resource is Resource.PRODUCT:
        return f"product {change.guid}"
    if change.resource is Resource.STOCK:
        title = names.stock(change.stock_id) if names else None
        return f"stock {change.code} in stock {change.stock_id}" + (f" ({title})" if title else "")
    return f"{change.resource.value} {change.code}"


def change_label(change: Change, plan: Plan) -> str:
    """What a change id refers to, in the shop's words, for the apply report:
    '"Káva Kolumbie Supremo", stock 1 (Hlavní sklad Brno)'. Empty when nothing is known."""
    parts = [format_value(one_line(change.name))] if change.name else []
    if change.resource is Resource.STOCK:
        title = plan.names.stock(change.stock_id)
        parts.append(f"stock {change.stock_id}" + (f" ({one_line(title)})" if title else ""))
    elif change.resource is Resource.PRICE and plan.pricelist_id is not None:
        name = plan.names.pricelist(plan.pricelist_id)
        parts.append(f"pricelist {plan.pricelist_id}" + (f" ({one_line(name)})" if name else ""))
    return ", ".join(parts)


def deletions(plan: Plan) -> list[Change]:
    return [c for c in plan.changes if c.action is Action.DELETE]


def guard_status(verdict: GuardVerdict) -> str:
    if verdict.ok:
        return "ok"
    if verdict.flag:
        return f"needs {verdict.flag}"
    return "REFUSED"


POLICY_CHANGES_HEAD = (
    "Policy changes in shop.yaml (they take effect after the merge; this plan's guards use the "
    "base's policy):"
)
