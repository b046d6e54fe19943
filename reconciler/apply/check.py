"""Compare-before-write (DESIGN §6): each planned change against what is live right now. Pure.

For every change: live equals ``after`` -> already done; live equals ``before`` -> write it;
anything else -> a conflict (the shop changed since the plan). Creates have no ``before``:

- a product create is *write* while the GUID does not exist, *done* when a product with that
  GUID exists and has the product fields the create sets (a crashed earlier apply created it),
  *write* of its link lists alone when only those differ and are still empty (their PUT after
  the create was lost), and a conflict when it exists and differs (someone else created it);
- a variant create (of a new product's variant, or a new code on an existing product) is
  *write* while the code does not exist on the product, else done or a conflict as above;
- the price and stock rows of a product or variant that this plan creates are *write* until
  live equals ``after`` (there was no row to compare with when the plan was made).

Deletes: gone -> done; a product still named as planned -> write; renamed -> conflict.

Variant renames (``Change.renamed_from``: OLD -> NEW). The variant update and the price and
stock changes of NEW are checked against the live variant OLD while only OLD exists (the
rename is *write*), against NEW once only NEW exists (the rename is *done*); both live, or
neither, is a conflict (someone else created NEW, or OLD is gone: the shop moved).

Flag definitions (``flag``) are checked against the shop's flags apply re-reads: a create is
done once a flag with its title exists, an update compares ``title``/``color`` like a field.
A product change naming a flag the plan creates carries a placeholder (``plan.flag_changes``),
bound to the live code before it is checked (``preflight``) or written (``executor``).

Variant-parameter registry additions (``parameter``, ``parameter-value``) are checked against
the registry apply re-reads: the parameter (or the parameter's value index) exists -> done,
else write. Existing means done whatever its display name: the slug is what products use.

The live side is the canonical form of ``normalize.normalize_product`` over the live models
(``live.py``), the same form the plan's values came from, so equal means equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from reconciler import fields as F
from reconciler.apply.bodies import UNREAD
from reconciler.plan.flag_changes import ShopFlag, flag_check_values
from reconciler.plan.model import RENAME_FIELD, Action, Change, Resource
from reconciler.plan.normalize import Form, NormContext, normalize_product, stated_parts

_LINK_FIELDS = frozenset(f.name for f in F.FIELDS if f.body is F.Body.PRODUCT_LINKS)


class Verdict(StrEnum):
    WRITE = "write"
    DONE = "done"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Check:
    """One change's verdict. ``pending``: the fields (with their ``after`` values) still to
    write; ``reason``: what changed, for a conflict."""

    change: Change
    verdict: Verdict
    pending: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    detail: str = ""  # the differing values alone (for the convergence report)
    # a price change: the variant's price in the change's pricelist as read now (``UNREAD``:
    # no live variant); a pricelist row may need it (``bodies.price_row``)
    live_price: Any = UNREAD


def live_forms(products: dict[str, Any], default_stock_id: int) -> dict[str, Form | None]:
    """``{guid: live product model or None}`` -> ``{guid: canonical form or None}``."""
    ctx = NormContext(default_stock_id)
    return {
        g.lower(): (None if p is None else normalize_product(p, ctx)) for g, p in products.items()
    }


def renamed_keys(changes: Iterable[Change]) -> dict[tuple[str, str], str]:
    """``{(guid, NEW): OLD}`` for the variant renames among ``changes``."""
    return {(c.guid, (c.code or "").upper()): c.renamed_from for c in changes if c.renamed_from}


def created_keys(changes: Iterable[Change]) -> set[tuple[str, str | None]]:
    """What the plan creates: ``(guid, None)`` for products and ``(guid, CODE)`` for
    variants (a new product's and new codes on existing products alike)."""
    keys: set[tuple[str, str | None]] = set()
    for c in changes:
        if c.action is not Action.CREATE:
            continue
        if c.resource is Resource.PRODUCT:
            keys.add((c.guid, None))
        elif c.resource is Resource.VARIANT:
            keys.add((c.guid, (c.code or "").upper()))
    return keys


def check_all(
    changes: Iterable[Change],
    forms: dict[str, Form | None],
    created: set[tuple[str, str | None]],
    registry: Any = None,
    renamed: dict[tuple[str, str], str] | None = None,
    flags: tuple[ShopFlag, ...] | None = None,
) -> list[Check]:
    return [check(c, forms.get(c.guid), created, registry, renamed, flags) for c in changes]


def check(
    change: Change,
    form: Form | None,
    created: set[tuple[str, str | None]],
    registry: Any = None,
    renamed: dict[tuple[str, str], str] | None = None,
    flags: tuple[ShopFlag, ...] | None = None,
) -> Check:
    """The verdict for one change given the live form of its product (None: not in the shop);
    a registry addition is checked against ``registry`` (``plan.parameters.ParameterRegistry``),
    a flag definition against ``flags`` (the shop's, ``plan.flag_changes.shop_flags``);
    ``renamed``: the plan's renames (``renamed_keys``)."""
    if change.resource is Resource.FLAG:
        return flag_check(change, flags)
    verdict = _check(change, form, created, registry, renamed)
    if change.resource is Resource.PRICE and form:
        code = (change.code or "").upper()
        old = (renamed or {}).get((change.guid, code))
        live = form["variants"].get(code) or form["variants"].get(old or "")
        if live is not None:
            return replace(verdict, live_price=_variant_values(change, live).get("price"))
    return verdict


def _check(
    change: Change,
    form: Form | None,
    created: set[tuple[str, str | None]],
    registry: Any,
    renamed: dict[tuple[str, str], str] | None,
) -> Check:
    c = change
    if c.resource.registry:
        return registry_check(c, registry)
    code = (c.code or "").upper() or None
    if c.resource is Resource.PRODUCT:
        if c.action is Action.CREATE:
            return _product_create(c, form)
        if c.action is Action.DELETE:
            if form is None:
                return Check(c, Verdict.DONE)
            return _compare(c, {"name": form["fields"].get("name")}, delete=True)
        if form is None:
            return _conflict(c, "the product no longer exists in the shop")
        return _compare(c, form["fields"])
    old = (renamed or {}).get((c.guid, code or ""))
    if old is not None and form is not None:
        return _renamed(c, form["variants"], code or "", old)
    live_variant = None if form is None else form["variants"].get(code)
    if c.action is Action.DELETE:  # a variant
        return Check(c, Verdict.DONE) if live_variant is None else Check(c, Verdict.WRITE)
    if c.action is Action.CREATE:
        if live_variant is None:
            if (c.guid, code) in created or (c.guid, None) in created:
                return Check(c, Verdict.WRITE, dict(c.after or {}))
            where = "product" if form is None else f"variant {code}"
            return _conflict(c, f"the {where} no longer exists in the shop")
        values = _variant_values(c, live_variant)
        differ = {
            f: v for f, v in (c.after or {}).items() if stated_parts(f, v, values.get(f)) != v
        }
        if not differ:
            return Check(c, Verdict.DONE)
        if c.resource is Resource.VARIANT:
            return _conflict(
                c, "a variant with this code was created since the plan" + _diff(differ, values)
            )
        return Check(c, Verdict.WRITE, differ)
    if form is None:
        return _conflict(c, "the product no longer exists in the shop")
    if live_variant is None:
        return _conflict(c, f"variant {code} no longer exists in the shop")
    return _compare(c, _variant_values(c, live_variant))


def _renamed(c: Change, variants: dict[str, Any], new: str, old: str) -> Check:
    """A change of variant NEW, which the plan renames from OLD: compared with whichever of
    the two is live, with its code as the ``code`` field."""
    if new in variants and old in variants:
        return _conflict(
            c,
            f"variant {new} was created in the shop since the plan, and {old} is still there: "
            f"{old} cannot be renamed to {new}",
        )
    if new not in variants and old not in variants:
        return _conflict(c, f"variant {old} (to be renamed to {new}) no longer exists in the shop")
    now = new if new in variants else old
    return _compare(c, _variant_values(c, {**variants[now], RENAME_FIELD: now}))


def registry_check(c: Change, registry: Any) -> Check:
    """A variant parameter or value the plan adds: done when the registry has it already."""
    filtering = c.resource in (Resource.FILTERING_PARAMETER, Resource.FILTERING_VALUE)
    if filtering and registry is not None:
        registry = registry.filtering
    if registry is None:
        what = "filtering" if filtering else "variant"
        return _conflict(c, f"the shop's {what} parameters could not be read")
    name, _, value = (c.code or "").partition(":")
    param = registry.parameters.get(name)
    if c.resource in (Resource.PARAMETER, Resource.FILTERING_PARAMETER):
        exists = param is not None
    else:
        exists = param is not None and value in param.values
    return Check(c, Verdict.DONE) if exists else Check(c, Verdict.WRITE, dict(c.after or {}))


def flag_check(c: Change, flags: tuple[ShopFlag, ...] | None) -> Check:
    """A flag definition: a create is done once a flag with its title exists (with the
    planned colour; another colour is a conflict: someone else made it), an update compares
    title and colour with the flag of its code."""
    if flags is None:
        return _conflict(c, "the shop's flags could not be read")
    live = flag_check_values(flags, c)
    if c.action is Action.CREATE:
        if live is None:
            return Check(c, Verdict.WRITE, dict(c.after or {}))
        differ = {f: v for f, v in (c.after or {}).items() if live.get(f) != v}
        if not differ:
            return Check(c, Verdict.DONE)
        return _conflict(
            c, "a flag with this title was created since the plan" + _diff(differ, live)
        )
    if live is None:
        return _conflict(c, f"flag {c.code} no longer exists in the shop")
    return _compare(c, live)


def _variant_values(c: Change, variant: dict[str, Any]) -> dict[str, Any]:
    if c.resource is Resource.STOCK:
        return {"stock": (variant.get("stock") or {}).get(c.stock_id)}
    if c.pricelist_id is not None:  # the variant's row in that other pricelist
        return (variant.get(F.PRICES) or {}).get(str(c.pricelist_id)) or {}
    return variant


def _compare(c: Change, live: dict[str, Any], *, delete: bool = False) -> Check:
    pending, changed = {}, {}
    for f in c.fields:
        value = stated_parts(f.field, f.after, live.get(f.field))
        if not delete and value == f.after:
            continue
        if value == f.before:
            pending[f.field] = f.after
        else:
            changed[f.field] = (value, f.before)
    if changed:
        text = "; ".join(
            f"{name}: planned from {_show(before)}, now {_show(now)}"
            for name, (now, before) in sorted(changed.items())
        )
        return Check(c, Verdict.CONFLICT, reason=f"changed since the plan ({text})", detail=text)
    if delete:
        return Check(c, Verdict.WRITE)
    return Check(c, Verdict.WRITE, pending) if pending else Check(c, Verdict.DONE)


def _product_create(c: Change, form: Form | None) -> Check:
    after = dict(c.after or {})
    if form is None:
        return Check(c, Verdict.WRITE, after)
    differ = {
        f: form["fields"].get(f)
        for f, v in after.items()
        if stated_parts(f, v, form["fields"].get(f)) != v
    }
    if not differ:
        return Check(c, Verdict.DONE)
    if all(f in _LINK_FIELDS and not v for f, v in differ.items()):
        # Created (by this plan: every other field matches) but a link list is still empty,
        # as the create leaves it: its full-list PUT, idempotent, is what is left to send.
        return Check(c, Verdict.WRITE, {f: after[f] for f in differ})
    shown = "; ".join(f"{k}: now {_show(v)}" for k, v in sorted(differ.items())[:5])
    return _conflict(
        c, f"a product with this GUID was created in the shop since the plan ({shown})"
    )


def _diff(differ: dict[str, Any], values: dict[str, Any]) -> str:
    shown = "; ".join(
        f"{k}: planned {_show(v)}, now {_show(values.get(k))}" for k, v in differ.items()
    )
    return f" ({shown})"


def _conflict(c: Change, reason: str) -> Check:
    return Check(c, Verdict.CONFLICT, reason=reason)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(check_: Check) -> str:
    """One line naming the change and what is wrong, for the stale-plan report."""
    c = check_.change
    return f"{c.action.glyph} {c.id}: {check_.reason}"
