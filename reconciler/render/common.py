"""Helpers shared by the text and Markdown renderers, so both say the same things in the
same words: one summary line, one "No changes" line, one way to show a value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reconciler.plan.model import (
    Action,
    CatalogEntry,
    Change,
    GuardVerdict,
    Names,
    Plan,
    RenameHint,
    Resource,
)

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
    """'product "name" (GUID)' or 'variant CODE of product "name" (GUID)'; the GUID in full,
    as no catalog line points at it."""
    product = product_title(entry.guid, entry.name, full_guid=True)
    return product if entry.code is None else f"variant {entry.code} of {product}"


RENAME_HINTS_HEAD = "Looks like a rename (a note: the plan creates the new code as it stands)"


def rename_hint_text(hint: RenameHint, plan: Plan | None = None) -> str:
    """One look-alike: the new code, the live code with its EAN, and what to write; the
    product by name when the plan names it."""
    changes = plan.changes if plan else ()
    name = next((c.name for c in changes if c.guid == hint.guid and c.name), None)
    # The Markdown renderer keeps this text's backticks as code spans: none from a name.
    product = product_title(hint.guid, name and name.replace("`", "'"), full_guid=True)
    return (
        f"variant {hint.code} of {product} has EAN {format_value(hint.ean)} like live "
        f"variant {hint.old}, which the catalog does not mention: looks like a rename: write "
        f"`renamedFrom: {hint.old}` under {hint.code} to keep its stock and history"
    )


def unmentioned_head(plan: Plan) -> str:
    n, shown = plan.notes.unmentioned_count, len(plan.notes.unmentioned)
    return (
        f"Not in the catalog: left alone: {n} live variant{'s' if n != 1 else ''} of managed "
        "products" + (f" (first {shown} listed)" if shown < n else "")
    )


# Singular and plural words for the summary; products are counted as products, the rest
# as the things a reviewer checks (a stock amount, not a "stock resource").
_WORDS = {
    Resource.VARIANT: ("variant", "variants"),
    Resource.PRICE: ("price", "prices"),
    Resource.STOCK: ("stock amount", "stock amounts"),
    Resource.PARAMETER: ("variant parameter", "variant parameters"),
    Resource.PARAMETER_VALUE: ("parameter value", "parameter values"),
    Resource.FLAG: ("flag definition", "flag definitions"),
    Resource.FILTERING_PARAMETER: ("filtering parameter", "filtering parameters"),
    Resource.FILTERING_VALUE: ("filtering parameter value", "filtering parameter values"),
}


def counted(n: int, word: tuple[str, str]) -> str:
    return f"{n} {word[0] if n == 1 else word[1]}"


def summary_line(plan: Plan) -> str:
    """In plain words, products counted as products: 'Plan: 1 product created, 1 updated,
    1 deleted; 4 variants, 3 prices, 3 stock amounts changed.' (zero counts left out).
    The plan file's ``summary`` keeps the per-resource counts for machines."""
    by_action = {a: 0 for a in Action}
    for group in groups(plan):
        by_action[group.action] += 1
    done = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}
    products = [(n, done[a]) for a, n in by_action.items() if n]
    clauses = []
    if products:
        first = f"{counted(products[0][0], ('product', 'products'))} {products[0][1]}"
        clauses.append(", ".join([first, *(f"{n} {verb}" for n, verb in products[1:])]))
    # shop-wide definitions: their creates are "added", a flag definition's update "changed"
    per = {
        r: sum(
            1
            for c in plan.changes
            if c.resource is r and (c.action is not Action.CREATE or not r.registry)
        )
        for r in _WORDS
    }
    new = {
        r: sum(1 for c in plan.changes if c.resource is r and c.action is Action.CREATE)
        for r in _WORDS
        if r.registry
    }
    changed = [counted(per[r], _WORDS[r]) for r in _WORDS if per[r]]
    if changed:
        clauses.append(", ".join(changed) + " changed")
    added = [counted(n, _WORDS[r]) for r, n in new.items() if n]
    if added:
        clauses.append(" and ".join(added) + " added")
    return "Plan: " + ("; ".join(clauses) if clauses else "no changes") + "."


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
    """A value in JSON spelling, for messages that quote it exactly (the apply report)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


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
    """The shop-wide definitions the plan writes: variant-parameter registry additions and
    flag definitions (no product; applied before every product)."""
    return [c for c in plan.changes if c.resource.registry]


def registry_line(change: Change) -> str:
    """``+ variant parameter hmotnost "Hmotnost"``,
    ``+ variant parameter value hmotnost = "1 kg" (1-kg)``, ``+ flag "Vánoce" (color
    #d40000)`` or ``~ flag tip: color "#2196f3" -> "#d40000"``, with the catalog line."""
    code = change.code or ""
    after = change.after or {}
    kind = "variant" if change.resource in _VARIANT_REGISTRY else "filtering"
    if change.resource is Resource.FLAG:
        text = f"{change.action.glyph} flag " + _flag_text(change)
    elif change.resource in (Resource.PARAMETER, Resource.FILTERING_PARAMETER):
        text = (
            f"{change.action.glyph} {kind} parameter {code} {format_value(after.get('paramName'))}"
        )
    else:
        name, _, value = code.partition(":")
        text = (
            f"{change.action.glyph} {kind} parameter value {name} = "
            f"{format_value(after.get('paramValue'))} ({value})"
        )
    return text + (f"  # {change.source}" if change.source else "")


def _flag_text(change: Change) -> str:
    after = change.after or {}
    if change.action is Action.CREATE:
        color = after.get("color")
        return format_value(after.get("title")) + (f" (color {color})" if color else "")
    before = change.before or {}
    moves = ", ".join(
        f"{f} {format_value(before.get(f))} -> {format_value(after.get(f))}" for f in after
    )
    return f"{change.code} ({change.name}): {moves}" if change.name else f"{change.code}: {moves}"


REGISTRY_HEAD = (
    "Variant parameters the shop lacks (created first, through the variant-parameter endpoints):"
)
_VARIANT_REGISTRY = (Resource.PARAMETER, Resource.PARAMETER_VALUE)
PARAMETERS_HEAD = "Parameters the shop lacks (created first, through the parameter endpoints):"
FLAGS_HEAD = (
    "Flag definitions (shop.yaml `flags:`; written first, before the products that use them; "
    "never deleted):"
)
DEFINITIONS_HEAD = (
    "Variant parameters and flag definitions (written first, before the products that use them):"
)
ALL_DEFINITIONS_HEAD = (
    "Parameters and flag definitions (written first, before the products that use them):"
)


def registry_head(changes: list[Change]) -> str:
    """The heading over ``registry_changes``: what kinds of definition they are."""
    flags = sum(1 for c in changes if c.resource is Resource.FLAG)
    variant_only = all(
        c.resource in _VARIANT_REGISTRY for c in changes if c.resource is not Resource.FLAG
    )
    if flags == len(changes):
        return FLAGS_HEAD
    if not flags:
        return REGISTRY_HEAD if variant_only else PARAMETERS_HEAD
    return DEFINITIONS_HEAD if variant_only else ALL_DEFINITIONS_HEAD


def groups(plan: Plan) -> list[ProductGroup]:
    """Changes grouped by product, in catalog order (file, then line of the product's
    ``source``); products the catalog does not place (a prune deletion) last, by GUID.
    Registry additions (``registry_changes``) are not a product's."""
    by_guid: dict[str, list[Change]] = {}
    for change in plan.changes:
        if not change.resource.registry:
            by_guid.setdefault(change.guid, []).append(change)
    found = [_group(changes) for changes in by_guid.values()]
    return sorted(found, key=lambda g: catalog_position(g.changes, g.guid))


def catalog_position(changes: tuple[Change, ...], guid: str) -> tuple[Any, ...]:
    """Sort key: (0, file, line) of the first change with a source, else (1, guid)."""
    for change in changes:
        where = source_position(change.source)
        if where:
            return (0, *where)
    return (1, guid, 0)


FILES_SHOWN = 20


def files_touched(plan: Plan) -> list[str]:
    """The catalog files whose lines the plan's changes come from, sorted: what a reviewer
    (and CODEOWNERS, one file per category) needs to know to see whose approval counts."""
    files = set()
    for c in plan.changes:
        for src in (c.source, *(f.source for f in c.fields)):
            pos = source_position(src)
            if pos:
                files.add(pos[0])
    return sorted(files)


def source_position(source: str | None) -> tuple[str, int] | None:
    """``"products/a.yaml:12"`` -> ``("products/a.yaml", 12)``; None without a line."""
    path, _, line = (source or "").rpartition(":")
    return (path, int(line)) if path and line.isdigit() else None


def _group(changes: list[Change]) -> ProductGroup:
    product = next((c for c in changes if c.resource is Resource.PRODUCT), None)
    name = next((c.name for c in changes if c.name), None)
    others = [c for c in changes if c.resource is not Resource.PRODUCT]
    # Variants in the order the YAML lists them; a code's variant, price and stock together.
    first_line: dict[str | None, int | None] = {}
    for c in others:
        where = source_position(c.source)
        first_line.setdefault(c.code, where[1] if where else None)
    others.sort(key=lambda c: (first_line[c.code] is None, first_line[c.code] or 0))
    return ProductGroup(changes[0].guid, name, product, tuple(others))


def short_guid(guid: str) -> str:
    return guid[:8] + "…" if len(guid) > 9 else guid


def product_title(guid: str, name: str | None, *, full_guid: bool = False) -> str:
    """``product "Hořká čokoláda 70 %" (5c499a23…)``: the name first, the GUID short; the
    GUID in full when there is no name, or ``full_guid`` (no catalog line to find it by)."""
    if not name:
        return f"product {guid}"
    shown = guid if full_guid else short_guid(guid)
    return f"product {json.dumps(one_line(name), ensure_ascii=False)} ({shown})"


def group_title(group: ProductGroup) -> str:
    placed = any(source_position(c.source) for c in group.changes)
    return product_title(group.guid, group.name, full_guid=not placed)


def subject(change: Change, names: Names | None = None) -> str:
    """'variant CHOC-100', 'price CHOC-100', 'price CHOC-100 in pricelist 2 (Velkoobchod)',
    'stock CHOC-100 in stock 1 (Hlavní sklad)', 'product <guid>'; the stock's title and
    the pricelist's name when ``names`` has them."""
    if change.resource is Resource.PRODUCT:
        return f"product {change.guid}"
    if change.resource is Resource.STOCK:
        title = names.stock(change.stock_id) if names else None
        return f"stock {change.code} in stock {change.stock_id}" + (f" ({title})" if title else "")
    if change.pricelist_id is not None:  # a row in another pricelist (``prices:``)
        return f"price {change.code} in {pricelist_label(change.pricelist_id, names)}"
    if change.renamed_from:  # its ``code`` field is this line; renderers skip it below
        return f"variant {change.renamed_from} -> {change.code} (renamed)"
    return f"{change.resource.value} {change.code}"


def pricelist_label(pricelist_id: int, names: Names | None) -> str:
    """'pricelist 2 (Velkoobchod; customer groups: B2B, Partneři)', 'pricelist 2
    (Velkoobchod)', or 'pricelist 2' when the name is not known."""
    name = names.pricelist(pricelist_id) if names else None
    groups = names.groups(pricelist_id) if names else ()
    said = [one_line(name)] if name else []
    if groups:
        said.append("customer groups: " + ", ".join(one_line(g) for g in groups))
    return f"pricelist {pricelist_id}" + (f" ({'; '.join(said)})" if said else "")


def claim_note(change: Change, names: Names | None) -> str | None:
    """Beside a stock change: what open orders claim there (``Names.claims``, display only),
    and a warning when the new physical stock is below it (available would go negative)."""
    if change.resource is not Resource.STOCK or names is None:
        return None
    claim = names.claim(change.code, change.stock_id)
    if claim is None:
        return None
    after = next((f.after for f in change.fields if f.field == "stock"), None)
    try:
        below = after is not None and Decimal(str(after)) < Decimal(claim)
    except ArithmeticError:
        below = False
    if below:
        return (
            f"# WARNING: below the {claim} open orders claim: available stock goes negative "
            f"({after} - {claim})"
        )
    return f"# open orders claim {claim} of it"


def sales_note(change: Change, names: Names | None) -> str | None:
    """Beside a price change or a hide: orders in the last 30 days containing the variant(s),
    with the best-seller mark at shop.yaml's ``bestSellerOrders`` (display only)."""
    if names is None or change.id not in names.sales:
        return None
    n = names.sales[change.id]
    mark = " (best-seller)" if names.best_seller is not None and n >= names.best_seller else ""
    return f"# {n} order{'s' if n != 1 else ''} in the last 30 days{mark}"


def sales_unread_line(plan: Plan) -> str | None:
    """Said once when the sales context left variants unread."""
    n = plan.names.sales_unread
    if not n:
        return None
    return (
        f"Sales context: {n} variant{'s' if n != 1 else ''} not read (at most 50 a plan, "
        "or the token may not read orders)."
    )


def change_label(change: Change, plan: Plan) -> str:
    """What a change id refers to, in the shop's words, for the apply report:
    '"Káva Kolumbie Supremo", stock 1 (Hlavní sklad Brno)'. Empty when nothing is known."""
    parts = [format_value(one_line(change.name))] if change.name else []
    if change.resource is Resource.STOCK:
        title = plan.names.stock(change.stock_id)
        parts.append(f"stock {change.stock_id}" + (f" ({one_line(title)})" if title else ""))
    elif change.resource is Resource.PRICE and (
        pricelist := change.pricelist_id or plan.pricelist_id
    ):
        parts.append(pricelist_label(pricelist, plan.names))
    return ", ".join(parts)


def deletions(plan: Plan) -> list[Change]:
    """Every delete, in the order the product sections show them (catalog order)."""
    return [c for g in groups(plan) for c in g.changes if c.action is Action.DELETE]


def refusal_headline(plan: Plan) -> str | None:
    """'Apply would be refused: price guard (label shoptet:allow-price)'; None when every
    guard lets apply go ahead without a flag."""
    refused = [g for g in plan.guards if not g.ok and not (g.flag and g.flag in plan.allowed)]
    if not refused:
        return None
    why = [
        f"{g.name} guard ("
        + (f"label shoptet:{g.flag.lstrip('-')}" if g.flag else "no label allows it")
        + ")"
        for g in refused
    ]
    return "Apply would be refused: " + "; ".join(why)


def guard_status(verdict: GuardVerdict, allowed: tuple[str, ...] = ()) -> str:
    if verdict.ok:
        return "ok"
    if verdict.flag and verdict.flag in allowed:
        return f"allowed by {verdict.flag}"
    if verdict.flag:
        return f"needs {verdict.flag}"
    return "REFUSED"


POLICY_CHANGES_HEAD = (
    "Policy changes in shop.yaml (they take effect after the merge; this plan's guards use the "
    "base's policy):"
)
