"""One pull-request comment for every shop a run planned (pure: results in, Markdown out).

Layout, top to bottom, so what a reviewer needs first survives any size:

1. the marker ``<!-- shoptet-catalog-plan -->`` (the workflow finds its sticky comment by it);
2. with several shops, one table row per shop: its result (no changes, N changes, refused by
   a guard and the label that allows it, plan failed, no plan), the products it creates,
   updates and deletes, and the guards that are not plainly ok;
3. per shop a ``### Shop `name``` section: a bold line first when the apply would be refused
   or the plan failed, then the shop's own Markdown plan (``render_markdown``);
4. the footer with the run's link.

The whole stays within ``COMMENT_LIMIT`` characters (GitHub refuses comments over 65,536).
Shops are given what they need, smallest first, so the unused share of a small shop goes to
the big ones; a shop that still gets too little has its product sections cut by
``render_markdown`` (which says how many changes are left out, and in which artifact), and
below ``SECTION_MINIMUM`` only its summary is shown. Nothing is ever cut inside a code block
or a ``<details>`` element.

Everything read from an artifact (shop names, plan files) is untrusted: names are reduced to
safe characters before they reach a code span or a heading, and a shop section whose Markdown
would leave a block open is replaced by its summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from reconciler.plan.model import Action, Plan
from reconciler.render.common import groups, no_changes, summary_line
from reconciler.render.markdown import MARKER, balanced_prefix, render_markdown

COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
SECTION_MINIMUM = 2_000  # render_markdown's own floor: summary table, guards and deletions fit
_UNLIMITED = 10**12
_NAME_LIMIT = 64
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]")
_GUARD_NAME = re.compile(r"[a-z][a-z-]{0,39}")
_ALLOW_FLAG = re.compile(r"--allow-([a-z]+(?:-[a-z]+){0,3})")
_RUN_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::\d+)?/[A-Za-z0-9._~/%+-]*")


class Outcome(Enum):
    NO_CHANGES = "no changes"
    CHANGES = "changes"
    REFUSED = "refused"
    FAILED = "failed"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class ShopResult:
    """What one shop's plan job left behind. Every field comes from an artifact: untrusted.

    ``exit_code``: the plan's exit code from meta.json (0 no changes, 2 changes, 3 refused by
    a guard, else failed), None when meta.json could not be read. ``plan``: the parsed plan
    file, None when there is none or it could not be read; shown, never acted on.
    """

    name: str
    artifact: str
    exit_code: int | None
    plan: Plan | None = None
    catalog_dir: str | None = None

    @property
    def outcome(self) -> Outcome:
        if self.exit_code is None:
            return Outcome.UNREADABLE
        if self.exit_code not in (0, 2, 3):
            return Outcome.FAILED
        if self.plan is None:
            return Outcome.UNREADABLE
        if self.exit_code == 3:
            return Outcome.REFUSED
        return Outcome.NO_CHANGES if self.plan.is_empty else Outcome.CHANGES


def safe_name(text: object) -> str:
    """A name from an artifact as it may appear in a code span or a heading: letters, digits,
    ``.``, ``_`` and ``-`` only (anything else becomes ``?``), at most 64 characters."""
    raw = str(text)
    out = "".join(ch if _SAFE_NAME.fullmatch(ch) else "?" for ch in raw[:_NAME_LIMIT])
    return (out + ("…" if len(raw) > _NAME_LIMIT else "")) or "?"


def render_combined(
    shops: Sequence[ShopResult], *, run_url: str | None = None, limit: int = COMMENT_LIMIT
) -> str:
    """The one comment for all shops, in the order given; never longer than ``limit``."""
    link = _run_link(run_url)
    footer = (
        f"<sub>Plan run: {link}. After merge, catalog-apply applies the last plan of this "
        "pull request's head commit.</sub>"
    )
    if not shops:
        return _join([MARKER, f"**No plan was made.** See the log: {link}", footer])
    multi = len(shops) > 1
    head = [MARKER, _table(shops)] if multi else [MARKER]
    fronts = [_front(shop, link, heading=multi) for shop in shops]
    # Everything but the plans' own Markdown, with a separator and a demoted title per body.
    fixed = len(_join([*head, *fronts, footer])) + 3 * len(shops)
    bodies = _bodies(shops, limit - fixed)
    if multi:  # the plan's own title goes one level below the shop's heading
        bodies = ["#" + b if b.startswith("### ") else b for b in bodies]
    sections = [_join_parts(front, body) for front, body in zip(fronts, bodies, strict=True)]
    return _fit(head, sections, footer, limit)


def _bodies(shops: Sequence[ShopResult], available: int) -> list[str]:
    """Each shop's plan Markdown within ``available`` characters in all: the smallest first,
    each given an equal share of what is left, so unused shares pass to the bigger plans."""
    full = [_body(shop, _UNLIMITED) for shop in shops]
    out = list(full)
    order = sorted(range(len(shops)), key=lambda i: len(full[i]))
    remaining = max(available, 0)
    for n, i in enumerate(order):
        share = remaining // (len(order) - n)
        if len(full[i]) > share:
            body = _body(shops[i], share) if share >= SECTION_MINIMUM else ""
            out[i] = body if len(body) <= share else ""
            if not out[i]:
                out[i] = _summary_only(shops[i])
        remaining -= len(out[i])
    return out


def _body(shop: ShopResult, max_chars: int) -> str:
    """The shop's own Markdown plan without its marker line; empty when there is no plan.
    A plan whose Markdown would leave a code block or ``<details>`` open (a hand-made plan
    file) is shown by its summary only."""
    plan = shop.plan
    if plan is None or shop.outcome in (Outcome.FAILED, Outcome.UNREADABLE):
        return ""
    artifact = safe_name(shop.artifact)

    def omitted(products: int, changes: int) -> str:
        return (
            f"**{changes} more change{'s' if changes != 1 else ''} ({products} "
            f"product{'s' if products != 1 else ''}) not shown here, to stay within GitHub's "
            f"comment size: they are in the artifact `{artifact}`.**"
        )

    # render_markdown's max_chars counts its marker line, which is dropped here.
    text = render_markdown(
        plan,
        catalog_dir=shop.catalog_dir,
        max_chars=min(max_chars + len(MARKER) + 1, _UNLIMITED),
        artifact=f"the artifact {artifact}",
        omitted_note=omitted,
        refusal_headline=False,  # said above the plan, where no cut can reach it (_front)
    )
    body = "\n".join(
        line for line in text.split("\n") if not line.startswith("<!-- shoptet-catalog-plan")
    ).strip("\n")
    if len(balanced_prefix(body + "\n", len(body) + 1)) != len(body) + 1:
        return _summary_only(shop)
    return body


def _summary_only(shop: ShopResult) -> str:
    plan = shop.plan
    if plan is None:
        return ""
    title = no_changes(plan) if plan.is_empty else summary_line(plan)
    return (
        f"**{title}** The changes are not shown here, to stay within GitHub's comment size: "
        f"they are in the artifact `{safe_name(shop.artifact)}`."
    )


def _front(shop: ShopResult, link: str, *, heading: bool) -> str:
    """The shop's heading and, when the apply would be refused or there is no plan, the bold
    line that says so: these come before the plan, so no cut can remove them."""
    parts = [f"### Shop `{safe_name(shop.name)}`"] if heading else []
    outcome = shop.outcome
    if outcome is Outcome.REFUSED:
        parts.append(f"**⛔ The apply would be refused: {_refusal(shop.plan)}.** Log: {link}")
    elif outcome is Outcome.FAILED:
        parts.append(f"**❌ The plan failed (exit {shop.exit_code}).** See the log: {link}")
    elif outcome is Outcome.UNREADABLE:
        parts.append(
            f"**No plan: the plan files in the artifact `{safe_name(shop.artifact)}` could "
            f"not be read.** See the log: {link}"
        )
    return "\n\n".join(parts)


def _refusal(plan: Plan | None) -> str:
    refusing = [g for g in plan.guards if not g.ok] if plan else []
    if not refusing:
        return "a guard said no; the log names it"
    reasons = []
    for g in refusing:
        label = _label(g.flag)
        if label:
            how = (
                f"a maintainer sets the label `{label}` after the last push, or the catalog changes"
            )
        else:
            how = "no label allows this: change the catalog or the shop.yaml policy"
        reasons.append(f"guard `{_guard_name(g.name)}` ({how})")
    return "; ".join(reasons)


def _table(shops: Sequence[ShopResult]) -> str:
    rows = [
        "| Shop | Result | Products created / updated / deleted | Guards |",
        "|---|---|---:|---|",
    ]
    for shop in shops:
        rows.append(
            f"| `{safe_name(shop.name)}` | {_result(shop)} | {_products(shop.plan)} "
            f"| {_guards(shop)} |"
        )
    return "\n".join(rows)


def _result(shop: ShopResult) -> str:
    outcome, plan = shop.outcome, shop.plan
    if outcome is Outcome.FAILED:
        return f"❌ plan failed (exit {shop.exit_code})"
    if outcome is Outcome.UNREADABLE or plan is None:
        return "no plan (file unreadable)"
    n = len(plan.changes)
    changes = f"{n} change{'s' if n != 1 else ''}"
    if outcome is Outcome.REFUSED:
        refusing = [g for g in plan.guards if not g.ok]
        names = ", ".join(
            f"`{_guard_name(g.name)}`" + (f" (label `{_label(g.flag)}`)" if _label(g.flag) else "")
            for g in refusing
        )
        return f"⛔ {changes}, refused by guard {names or '(see the log)'}"
    return "no changes" if outcome is Outcome.NO_CHANGES else changes


def _products(plan: Plan | None) -> str:
    if plan is None:
        return "–"
    counts = {a: 0 for a in Action}
    for group in groups(plan):
        counts[group.action] += 1
    return " / ".join(str(counts[a]) for a in (Action.CREATE, Action.UPDATE, Action.DELETE))


def _guards(shop: ShopResult) -> str:
    """The guards that are not plainly ok. After exit 2 (changes, not refused) a guard that
    needs a label was allowed by it: the plan job passed the pull request's labels."""
    plan = shop.plan
    if plan is None or shop.outcome in (Outcome.FAILED, Outcome.UNREADABLE):
        return "–"
    out = []
    for g in plan.guards:
        if g.ok:
            continue
        name, label = f"`{_guard_name(g.name)}`", _label(g.flag)
        if not label:
            out.append(f"{name} refused (no label allows it)")
        elif shop.outcome is Outcome.REFUSED:
            out.append(f"{name} needs label `{label}`")
        else:
            out.append(f"{name} allowed by label `{label}`")
    return "; ".join(out) or "ok"


def _guard_name(name: object) -> str:
    text = str(name)
    return text if _GUARD_NAME.fullmatch(text) else "?"


def _label(flag: object) -> str | None:
    """The pull-request label that stands for an ``--allow-*`` flag; None when there is no
    flag (nothing allows it) or it is not one the tool makes."""
    m = _ALLOW_FLAG.fullmatch(str(flag)) if flag else None
    return f"shoptet:allow-{m.group(1)}" if m else None


def _run_link(run_url: str | None) -> str:
    if run_url and _RUN_URL.fullmatch(run_url):
        return run_url
    return "the workflow run's page"


def _join(parts: Sequence[str]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n"


def _join_parts(front: str, body: str) -> str:
    return "\n\n".join(p for p in (front, body) if p)


def _fit(head: list[str], sections: list[str], footer: str, limit: int) -> str:
    """The comment; when many shops' minimum sections do not fit together, the last sections
    give way to one line saying so (the table above still names every shop), and with far
    too many shops for even the table, the table is cut between rows."""
    text = _join([*head, *sections, footer])
    kept = list(sections)
    while len(text) > limit and kept:
        kept.pop()
        rest = len(sections) - len(kept)
        note = (
            f"**{rest} more shop{'s' if rest != 1 else ''} not shown here, to stay within "
            "GitHub's comment size: each plan is in its artifact of this run.**"
        )
        text = _join([*head, *kept, note, footer])
    if len(text) > limit:
        cut = "**… the table is cut to fit; every plan is in its artifact of this run.**"
        room = limit - len(_join([head[0], "", cut, footer])) - 2
        table = balanced_prefix("\n".join(head[1:]) + "\n", max(room, 0)).rstrip("\n")
        text = _join([head[0], table, cut, footer])
    return text
