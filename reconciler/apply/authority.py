"""The plan file is a claim; the checked-out catalog is the authority (issue 12). Pure.

Anyone who can edit a pull request can edit ``plan.json`` and recompute its ``planId``, so apply
takes nothing from the file that it cannot derive itself:

- **Header** (``header_problems``): the plan must name the e-shop, pricelist and default stock
  that apply derives now from the token's e-shop and ``shop.yaml``, and must come from this
  tool version. A plan without them, or with others, is refused.
- **Changes** (``unproduced``): apply re-runs the diff for every product the plan touches,
  between the checked-out catalog and the live values it re-read for compare-before-write
  (the *fresh* changes). Then:

  * every field apply would write must be a field the fresh diff writes, with the same value
    (a price the catalog does not state, or a field it does not manage, is refused);
  * every delete apply would send must be a fresh delete (a tombstone, or ``policy.prune``);
  * a rename apply would send must be the fresh rename of the same live code (``renamedFrom``
    in the catalog): the new code alone is not enough, the variant renamed must match too;
  * every field the fresh diff writes for a change the plan contains must be in the plan with
    the same value (a field removed from a change is refused), and a product or variant the
    plan creates must be created whole (a removed follow-up price or stock is refused).

  Changes that are already live (compare-before-write says *done*) are never written, so they
  are not held against the plan; conflicts are reported by compare-before-write as stale.
  Products the plan does not touch are neither read nor written: a plan that leaves a whole
  product out writes less than the catalog states, which the next plan shows.
- **Guards** are recomputed by apply (``guards.compute_guards``) from the plan's changes, the
  live counts and the base policy; the verdicts stored in the file are for display only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler import __version__
from reconciler.apply.check import Check, Verdict
from reconciler.plan.model import RENAME_FIELD, Action, Change, Plan, Resource

__all__ = ["header_problems", "unproduced"]


def header_problems(
    plan: Plan,
    *,
    eshop_id: int | None,
    pricelist_id: int | None,
    default_stock_id: int | None,
) -> list[str]:
    """What is wrong with the plan's header against what apply derives now (empty: fine)."""
    problems = []
    if plan.tool_version != __version__:
        problems.append(
            f"the plan was made by shoptet-catalog {plan.tool_version!r}; this is {__version__}, "
            "which applies only its own plans"
        )
    for label, planned, now in (
        ("e-shop", plan.eshop_id, eshop_id),
        ("pricelist", plan.pricelist_id, pricelist_id),
        ("default stock", plan.default_stock_id, default_stock_id),
    ):
        if planned is None:
            problems.append(f"the plan names no {label} (apply derives {_show(now)})")
        elif planned != now:
            problems.append(
                f"the plan was made for {label} {planned}, but the token and shop.yaml give "
                f"{_show(now)}"
            )
    return problems


def unproduced(
    planned: Iterable[Change], checks: Iterable[Check], fresh: Iterable[Change]
) -> list[str]:
    """Every way the plan's changes differ from what the catalog produces now (empty: apply
    may write them). ``checks``: compare-before-write's verdicts for ``planned``; ``fresh``:
    the diff of the checked-out catalog against the live values read for those checks."""
    planned = tuple(planned)
    fresh_by_id = {c.id: c for c in fresh}
    problems: list[str] = []

    for k in checks:
        c = k.change
        if k.verdict is not Verdict.WRITE:
            continue  # done: nothing is written; conflict: refused as stale
        f = fresh_by_id.get(c.id)
        if c.action is Action.DELETE:
            if f is None or f.action is not Action.DELETE:
                problems.append(f"- {c.id}: {_no_delete(c)}")
            continue
        renames = c.renamed_from and RENAME_FIELD in k.pending
        if renames and (f is None or f.renamed_from != c.renamed_from):
            problems.append(
                f"{c.action.glyph} {c.id}: renames {c.renamed_from} to {c.code}, but "
                + (
                    f"the catalog renames {f.renamed_from} to {c.code}"
                    if f is not None and f.renamed_from
                    else f"the catalog does not rename {c.renamed_from} "
                    "(renamedFrom on the variant)"
                )
            )
            continue
        want = {} if f is None or f.action is Action.DELETE else (f.after or {})
        for name, value in sorted(k.pending.items()):
            if name not in want:
                problems.append(
                    f"{c.action.glyph} {c.id}: {name} -> {_show(value)} is not a change the "
                    "catalog makes"
                )
            elif want[name] != value:
                problems.append(
                    f"{c.action.glyph} {c.id}: {name} -> {_show(value)}, but the catalog "
                    f"states {_show(want[name])}"
                )

    by_id = {c.id: c for c in planned}
    created = _created(planned)
    for f in fresh_by_id.values():
        mine = by_id.get(f.id)
        if mine is None:
            if f.guid in created or (f.guid, f.code) in created:
                problems.append(
                    f"{f.action.glyph} {f.id}: the catalog creates this with "
                    f"{_fields(f)}, but the plan does not contain it"
                )
            continue
        if f.action is Action.DELETE or mine.action is Action.DELETE:
            continue  # a delete's fields are display only; a mismatch is reported above
        have = mine.after or {}
        for fc in f.fields:
            if fc.field not in have:
                problems.append(
                    f"{mine.action.glyph} {mine.id}: the catalog states {fc.field} = "
                    f"{_show(fc.after)}, which the plan leaves out"
                )
    return sorted(dict.fromkeys(problems))


def _created(changes: Iterable[Change]) -> set[Any]:
    """GUIDs of products and ``(guid, code)`` of variants the plan creates."""
    out: set[Any] = set()
    for c in changes:
        if c.action is not Action.CREATE:
            continue
        if c.resource is Resource.PRODUCT:
            out.add(c.guid)
        elif c.resource is Resource.VARIANT:
            out.add((c.guid, c.code))
    return out


def _no_delete(c: Change) -> str:
    what = "product" if c.resource is Resource.PRODUCT else f"variant {c.code}"
    return (
        f"the catalog does not delete this {what} (deletes come only from `absent: true`, or "
        "from policy.prune for products no catalog file mentions)"
    )


def _fields(c: Change) -> str:
    return ", ".join(f.field for f in c.fields) or "no fields"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
