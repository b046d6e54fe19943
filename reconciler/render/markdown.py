"""The plan as a pull-request comment (GitHub-flavoured Markdown).

Layout, top to bottom, so the important parts survive truncation:

1. a hidden marker line (``<!-- shoptet-catalog-plan ... -->``) so CI finds its sticky comment;
2. the summary line and a summary table (resources x actions);
3. the scope statement when the plan is targeted;
4. guard verdicts and every deletion, in bold;
5. unmanaged products and ignore rules;
6. one collapsed ``<details>`` section per product with its changes.

Step 6 stops before the text would pass ``max_chars`` (default 60,000, well under GitHub's
65,536 limit) and says how many products were left out and where the full plan is. Steps 1-5
are always kept; if there are so many deletions that even their one-line list would not fit,
the list falls back to bare identifiers and, as a last resort, names how many are not shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from reconciler.plan.model import (
    RENAME_FIELD,
    Action,
    CatalogEntry,
    Change,
    Names,
    Plan,
    Resource,
)
from reconciler.render.common import (
    POLICY_CHANGES_HEAD,
    REGISTRY_HEAD,
    REMOVED_HEAD,
    RENAME_HINTS_HEAD,
    ProductGroup,
    deletions,
    groups,
    guard_status,
    header_line,
    named_value,
    no_changes,
    registry_changes,
    registry_line,
    rename_hint_text,
    shorten,
    subject,
    summary_line,
    unmentioned_head,
)

MARKER = "<!-- shoptet-catalog-plan -->"
DEFAULT_ARTIFACT = "the plan JSON artifact of this workflow run"
_VALUE_LIMIT = 300  # characters of one value shown in a comment; the plan file has them all
_NAME_LIMIT = 80
_FOOTER_RESERVE = 400


def marker(catalog_dir: str | None = None) -> str:
    """The hidden first line CI searches for; one per catalog directory (one per shop)."""
    if not catalog_dir:
        return MARKER
    safe = str(catalog_dir).replace("--", "-").replace(">", "")
    return f"<!-- shoptet-catalog-plan catalog={safe} -->"


def render_markdown(
    plan: Plan,
    *,
    catalog_dir: str | None = None,
    max_chars: int = 60_000,
    artifact: str = DEFAULT_ARTIFACT,
    omitted_note: Callable[[int, int], str] | None = None,
) -> str:
    """The comment text; never longer than ``max_chars`` (at least 2,000).

    ``omitted_note(products, changes)``: the Markdown line said when product sections are
    left out (default: how many, and that the full plan is in ``artifact``); under 300
    characters."""
    max_chars = max(max_chars, 2_000)
    head = [
        marker(catalog_dir),
        f"### {_title(plan)}",
        "",
    ]
    if not plan.is_empty:
        head += [_summary_table(plan), ""]
    head += [f"<sub>{_esc(header_line(plan))} · planId `{plan.plan_id[:12]}`</sub>", ""]
    if not plan.scope.is_full:
        head += [f"> **Scope:** {_esc(plan.scope.note)}", ""]
    if plan.policy_changes:
        head += [f"**{_esc(POLICY_CHANGES_HEAD)}**", ""]
        head += [f"- ⚠️ `{p.text}`" for p in plan.policy_changes] + [""]
    head += _removed(plan) + _rename_hints(plan)
    if not plan.is_empty:
        head += _guards(plan)
    tail = _unmanaged(plan) + _unmentioned(plan) + _ignored(plan)
    fixed = "\n".join(head + tail)
    head_budget = max_chars - len(fixed) - _FOOTER_RESERVE
    head += _deletions(plan, head_budget, artifact)
    out = "\n".join(head + tail)
    if plan.is_empty:
        return _fit(out.rstrip("\n") + "\n", max_chars, artifact)
    registry = registry_changes(plan)
    if registry:
        out += f"\n**{_esc(REGISTRY_HEAD)}**\n\n```diff\n"
        out += "\n".join(registry_line(c) for c in registry) + "\n```\n"
    out += "\n#### Changes by product\n\n"
    shown = 0
    all_groups = list(groups(plan))
    for group in all_groups:
        section = _section(group, plan.names)
        if len(out) + len(section) + _FOOTER_RESERVE > max_chars:
            break
        out += section
        shown += 1
    if shown < len(all_groups):
        left = all_groups[shown:]
        n_changes = sum(len(g.changes) for g in left)
        note = (omitted_note or _omitted_note(artifact))(len(left), n_changes)
        out += f"\n{note}\n"
    return _fit(out, max_chars, artifact)


def _omitted_note(artifact: str) -> Callable[[int, int], str]:
    def note(products: int, changes: int) -> str:
        return (
            f"**{products} more product{'s' if products != 1 else ''} "
            f"({changes} change{'s' if changes != 1 else ''}) not shown here to stay "
            f"within GitHub's comment size. The full plan is in {_esc(artifact)}.**"
        )

    return note


def _fit(text: str, max_chars: int, artifact: str) -> str:
    """Last resort for a tiny ``max_chars``: cut the end (the summary is at the top), at a
    line where no code block or ``<details>`` is open, so the cut never swallows what follows
    (another shop's section in a combined comment)."""
    if len(text) <= max_chars:
        return text
    note = f"\n\n**… cut to fit; the full plan is in {_esc(artifact)}.**\n"
    return balanced_prefix(text, max_chars - len(note)).rstrip("\n") + note


# A fenced code block's opening or closing line (GFM: up to 3 spaces, then ``` or ~~~).
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def balanced_prefix(text: str, limit: int) -> str:
    """The longest prefix of ``text``, at most ``limit`` characters and ending at a line end,
    where every fenced code block and ``<details>`` element opened in it is closed again."""
    fence: str | None = None
    depth = 0
    best = pos = 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        if pos > limit:
            break
        if fence is not None:
            m = _FENCE.match(line)
            closes = m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
            if m and closes and not line[m.end() :].strip():
                fence = None
        elif m := _FENCE.match(line):
            fence = m.group(1)
        else:
            depth += line.count("<details") - line.count("</details>")
        if fence is None and depth == 0:
            best = pos
    return text[:best]


def _title(plan: Plan) -> str:
    return no_changes(plan) if plan.is_empty else summary_line(plan)


def _summary_table(plan: Plan) -> str:
    counts = {(r, a): 0 for r in Resource for a in Action}
    for c in plan.changes:
        counts[(c.resource, c.action)] += 1
    rows = ["| | + create | ~ update | - delete |", "|---|---:|---:|---:|"]
    for r in Resource:
        if r.registry and not any(counts[(r, a)] for a in Action):
            continue
        rows.append(f"| {r.value} | " + " | ".join(str(counts[(r, a)]) for a in Action) + " |")
    totals = plan.summary["actions"]
    rows.append("| **total** | " + " | ".join(f"**{totals[a.value]}**" for a in Action) + " |")
    return "\n".join(rows)


def _guards(plan: Plan) -> list[str]:
    out = ["**Guards**", ""]
    for g in plan.guards:
        icon = "✅" if g.ok else ("⚠️" if g.flag else "⛔")
        status = f"{_esc(g.name)} ({_esc(guard_status(g))}): {_esc(g.message)}"
        out.append(f"- {icon} **{status}**")
    return [*out, ""]


def _deletions(plan: Plan, budget: int, artifact: str) -> list[str]:
    dels = deletions(plan)
    if not dels:
        return []
    title = [f"**Deletions ({len(dels)})**", ""]
    for style in (_deletion_full, _deletion_short):
        lines = [style(c) for c in dels]
        if sum(len(x) + 1 for x in lines) <= budget:
            return [*title, *lines, ""]
    lines, used = [], 0
    for c in dels:
        line = _deletion_short(c)
        if used + len(line) + 1 > budget - 200:
            break
        lines.append(line)
        used += len(line) + 1
    rest = len(dels) - len(lines)
    lines.append(f"- **… and {rest} more deletions: every one is listed in {_esc(artifact)}.**")
    return [*title, *lines, ""]


def _deletion_full(c: Change) -> str:
    name = f" {_esc(shorten(c.name, _NAME_LIMIT))}" if c.name else ""
    what = (
        f"product `{c.guid}`"
        if c.resource is Resource.PRODUCT
        else f"{c.resource.value} `{c.code}` of product `{c.guid}`"
    )
    src = f" ({_esc(c.source)})" if c.source else ""
    return f"- **- {what}{name}**{src}"


def _deletion_short(c: Change) -> str:
    return f"- **`{c.guid if c.resource is Resource.PRODUCT else c.code}`**"


def _unmanaged(plan: Plan) -> list[str]:
    u = plan.unmanaged
    if u.count is None:
        return ["Unmanaged products: not counted (this plan does not read the whole shop).", ""]
    if not u.count:
        return []
    out = [
        f"<details><summary>Unmanaged: {u.count} live product{'s' if u.count != 1 else ''} "
        "not in the catalog, left alone</summary>",
        "",
    ]
    out += [f"- `{p.guid}` {_esc(shorten(p.name or '(no name)', _NAME_LIMIT))}" for p in u.listed]
    if len(u.listed) < u.count:
        out.append(f"- … and {u.count - len(u.listed)} more")
    return [*out, "", "</details>", ""]


def _removed(plan: Plan) -> list[str]:
    removed = plan.notes.removed
    if not removed:
        return []
    head = REMOVED_HEAD.split("`")  # the code span stays code, the rest is escaped
    title = "".join(f"`{t}`" if i % 2 else _esc(t) for i, t in enumerate(head))
    out = [f"**⚠️ {title} ({len(removed)})**", ""]
    out += [f"- {_entry(e)}" for e in removed]
    return [*out, ""]


def _rename_hints(plan: Plan) -> list[str]:
    hints = plan.notes.renames
    if not hints:
        return []
    out = [f"**⚠️ {_esc(RENAME_HINTS_HEAD)} ({len(hints)})**", ""]
    for h in hints:
        # the text's code spans stay code (renamedFrom: ...), the rest is escaped
        parts = rename_hint_text(h).split("`")
        text = "".join(f"`{t}`" if i % 2 else _esc(t) for i, t in enumerate(parts))
        out.append(f"- {text}" + (f" ({_esc(h.source)})" if h.source else ""))
    return [*out, ""]


def _entry(e: CatalogEntry) -> str:
    name = f" {_esc(shorten(e.name, _NAME_LIMIT))}" if e.name else ""
    if e.code is None:
        return f"product `{e.guid}`{name}"
    return f"variant `{e.code}` of product `{e.guid}`{name}"


def _unmentioned(plan: Plan) -> list[str]:
    notes = plan.notes
    if not notes.unmentioned_count:
        return []
    out = [f"<details><summary>{_esc(unmentioned_head(plan))}</summary>", ""]
    out += [f"- {_entry(e)}" for e in notes.unmentioned]
    if len(notes.unmentioned) < notes.unmentioned_count:
        out.append(f"- … and {notes.unmentioned_count - len(notes.unmentioned)} more")
    return [*out, "", "</details>", ""]


def _ignored(plan: Plan) -> list[str]:
    if not plan.ignored:
        return []
    rules = ", ".join(f"`{i.rule}` ({i.fields})" for i in plan.ignored)
    return [f"Ignored by shop.yaml (fields kept out of the diff): {rules}", ""]


def _section(group: ProductGroup, names: Names) -> str:
    name = f" {_esc(shorten(group.name, _NAME_LIMIT))}" if group.name else ""
    n = len(group.changes)
    summary = (
        f"{group.glyph} product <code>{group.guid}</code>{name} ({n} change{'s' if n != 1 else ''})"
    )
    body = _diff_lines(group, names)
    fence = "```"
    while fence in body:
        fence += "`"
    return f"<details><summary>{summary}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>\n"


def _diff_lines(group: ProductGroup, names: Names) -> str:
    lines = []
    for change in group.changes:
        head = f"{change.action.glyph} {subject(change, names)}"
        if change.source:
            head += f"  # {change.source}"
        lines.append(head)
        if change.reason:
            lines.append(f"    # {change.reason}")
        for f in change.fields:
            if f.field == RENAME_FIELD:
                continue  # shown on the change's own line (``subject``)
            src = f"  # {f.source}" if f.source else ""
            before, after = _val(f.field, f.before, names), _val(f.field, f.after, names)
            if change.action is Action.CREATE:
                lines.append(f"+   {f.field}: {after}{src}")
            elif change.action is Action.DELETE:
                lines.append(f"-   {f.field}: {before}{src}")
            else:
                lines.append(f"~   {f.field}: {before} -> {after}{src}")
    return "\n".join(lines)


def _val(field: str, value: Any, names: Names) -> str:
    text = named_value(field, value, names)
    if len(text) > _VALUE_LIMIT:
        return shorten(text, _VALUE_LIMIT) + f" ({len(text)} chars; full value in the plan file)"
    return text


def _esc(text: str) -> str:
    """Escape for Markdown/HTML text: no tags, no table or emphasis breakage."""
    return (
        html.escape(str(text), quote=False)
        .replace("|", "\\|")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("`", "'")
    )
