"""The plan as a pull-request comment (GitHub-flavoured Markdown).

Layout, top to bottom, so the important parts survive truncation:

1. a hidden marker line (``<!-- shoptet-catalog-plan ... -->``) so CI finds its sticky comment;
2. the headline (``⛔ Apply would be refused: ...`` when a guard refuses, else the summary
   line), the summary line and a summary table (resources x actions);
3. the scope statement when the plan is targeted;
4. guard verdicts and every deletion, in bold;
5. unmanaged products and ignore rules;
6. one collapsed ``<details>`` section per product, in catalog order, with its changes in a
   ``diff`` block: ``+`` created (GitHub shows it green), ``-`` deleted (red), ``!`` updated
   (orange; ``~`` would stay uncoloured), as Terraform comment tools do; a long text's line
   diff in a nested collapsed block.

Step 6 stops before the text would pass ``max_chars`` (default 60,000, well under GitHub's
65,536 limit) and says how many products were left out and where the full plan is. Steps 1-5
are always kept; if there are so many deletions that even their one-line list would not fit,
the list falls back to bare identifiers and, as a last resort, names how many are not shown.
Every cut is at a line outside any code block and any ``<details>`` (``_fit``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from reconciler.plan.model import (
    RENAME_FIELD,
    Action,
    CatalogEntry,
    Change,
    FieldChange,
    Names,
    Plan,
    Resource,
)
from reconciler.render.common import (
    FILES_SHOWN,
    POLICY_CHANGES_HEAD,
    REMOVED_HEAD,
    RENAME_HINTS_HEAD,
    ProductGroup,
    claim_note,
    deletions,
    files_touched,
    groups,
    guard_status,
    header_line,
    no_changes,
    refusal_headline,
    registry_changes,
    registry_head,
    registry_line,
    rename_hint_text,
    sales_note,
    sales_unread_line,
    shorten,
    subject,
    summary_line,
    unmentioned_head,
)
from reconciler.render.values import is_long, line_diff, long_summary, show, show_change

MARKER = "<!-- shoptet-catalog-plan -->"
DEFAULT_ARTIFACT = "the plan JSON artifact of this workflow run"
_VALUE_LIMIT = 300  # characters of one value shown in a comment; the plan file has them all
_NAME_LIMIT = 80
_LEGEND = "In the diffs: `+` create (green), `!` update (orange), `-` delete (red).\n\n"
_LONG_ROWS = 200  # lines of one long text's diff shown in a comment
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
    refusal_headline: bool = True,
) -> str:
    """The comment text; never longer than ``max_chars`` (at least 2,000).

    ``omitted_note(products, changes)``: the Markdown line said when product sections are
    left out (default: how many, and that the full plan is in ``artifact``); under 300
    characters. ``refusal_headline=False``: the summary is the headline even when a guard
    refuses (the combined comment says so above the plan already)."""
    max_chars = max(max_chars, 2_000)
    head = [marker(catalog_dir), *_title(plan, refusal_headline)]
    if not plan.is_empty:
        head += [_summary_table(plan), ""]
    head += [f"<sub>{_esc(header_line(plan))} · planId `{plan.plan_id[:12]}`</sub>", ""]
    head += _files(plan)
    if not plan.scope.is_full:
        head += [f"> **Scope:** {_esc(plan.scope.note)}", ""]
    if plan.policy_changes:
        head += [f"**{_esc(POLICY_CHANGES_HEAD)}**", ""]
        head += [f"- ⚠️ `{p.text}`" for p in plan.policy_changes] + [""]
    head += _removed(plan) + _rename_hints(plan)
    if not plan.is_empty:
        head += _guards(plan)
    tail = _unmanaged(plan) + _unmentioned(plan) + _ignored(plan)
    if unread := sales_unread_line(plan):
        tail += [unread, ""]
    fixed = "\n".join(head + tail)
    head_budget = max_chars - len(fixed) - _FOOTER_RESERVE
    head += _deletions(plan, head_budget, artifact)
    out = "\n".join(head + tail)
    if plan.is_empty:
        return _fit(out.rstrip("\n") + "\n", max_chars, artifact)
    out += _registry(plan, max_chars - len(out) - _FOOTER_RESERVE, artifact)
    out += "\n#### Changes by product\n\n" + _LEGEND
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


def _registry(plan: Plan, budget: int, artifact: str) -> str:
    registry = registry_changes(plan)
    if not registry:
        return ""
    block = _fenced("\n".join(registry_line(c) for c in registry))
    head = registry_head(registry)
    text = f"\n**{_esc(head)}**\n\n{block}"
    if len(text) <= budget:
        return text
    return (
        f"\n**{_esc(head)}** {len(registry)}, not listed here to stay within GitHub's "
        f"comment size; every one is in {_esc(artifact)}.\n"
    )


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


def _title(plan: Plan, with_refusal: bool = True) -> list[str]:
    """The headline: a refusal first (what a reviewer must act on), else the summary."""
    if plan.is_empty:
        return [f"### {no_changes(plan)}", ""]
    refusal = refusal_headline(plan) if with_refusal else None
    if refusal:
        return [f"### ⛔ {_esc(refusal)}", "", f"**{_esc(summary_line(plan))}**", ""]
    return [f"### {_esc(summary_line(plan))}", ""]


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
        status = f"{_esc(g.name)} ({_esc(guard_status(g, plan.allowed))}): {_esc(g.message)}"
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
    name = f"{_esc(shorten(c.name, _NAME_LIMIT))} " if c.name else ""
    what = (
        f"product {name}`{c.guid}`"
        if c.resource is Resource.PRODUCT
        else f"{c.resource.value} `{c.code}` of product {name}`{c.guid}`"
    )
    src = f" ({_esc(c.source)})" if c.source else ""
    return f"- **- {what}**{src}"


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
    out += [
        f"- {_esc(shorten(p.name, _NAME_LIMIT))} `{p.guid}`" if p.name else f"- `{p.guid}`"
        for p in u.listed
    ]
    if len(u.listed) < u.count:
        out.append(f"- … and {u.count - len(u.listed)} more")
    return [*out, "", "</details>", ""]


def _files(plan: Plan) -> list[str]:
    files = files_touched(plan)
    if not files:
        return []
    # a path from a plan file is untrusted: no backtick may end its code span early
    shown = ", ".join("`" + f.replace("`", "'") + "`" for f in files[:FILES_SHOWN])
    more = f" and {len(files) - FILES_SHOWN} more" if len(files) > FILES_SHOWN else ""
    return [f"**Catalog files:** {shown}{more}", ""]


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
        parts = rename_hint_text(h, plan).split("`")
        text = "".join(f"`{t}`" if i % 2 else _esc(t) for i, t in enumerate(parts))
        out.append(f"- {text}" + (f" ({_esc(h.source)})" if h.source else ""))
    return [*out, ""]


def _entry(e: CatalogEntry) -> str:
    name = f"{_esc(shorten(e.name, _NAME_LIMIT))} " if e.name else ""
    if e.code is None:
        return f"product {name}`{e.guid}`"
    return f"variant `{e.code}` of product {name}`{e.guid}`"


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
    name = f"{_esc(shorten(group.name, _NAME_LIMIT))} " if group.name else ""
    n = len(group.changes)
    summary = (
        f"{group.glyph} product {name}<code>{html.escape(group.guid)}</code> "
        f"({n} change{'s' if n != 1 else ''})"
    )
    long_texts = [_long_block(f) for c in group.changes for f in c.fields if is_long(f)]
    return (
        f"<details><summary>{summary}</summary>\n\n{_fenced(_diff_lines(group, names))}"
        + "".join(long_texts)
        + "\n</details>\n"
    )


def _fenced(body: str) -> str:
    """A ``diff`` code block whose fence no line of ``body`` can close."""
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}diff\n{body}\n{fence}\n"


def _glyph(action: Action) -> str:
    """GitHub colours ``!`` lines of a diff block orange; ``~`` would stay plain."""
    return "!" if action is Action.UPDATE else action.glyph


def _diff_lines(group: ProductGroup, names: Names) -> str:
    lines = []
    for change in group.changes:
        what = f"product {group.guid}" if change.resource is Resource.PRODUCT else None
        head = f"{_glyph(change.action)} {what or subject(change, names)}"
        if change.source:
            head += f"  # {change.source}"
        lines.append(head)
        if change.reason:
            lines.append(f"    # {change.reason}")
        if note := claim_note(change, names):
            lines.append(f"    {note}")
        if note := sales_note(change, names):
            lines.append(f"    {note}")
        lines.extend(
            _field_line(change.action, f, names)
            for f in change.fields
            if f.field != RENAME_FIELD  # shown on the change's own line (``subject``)
        )
    return "\n".join(lines)


def _field_line(action: Action, f: FieldChange, names: Names) -> str:
    src = f"  # {f.source}" if f.source else ""
    if is_long(f):
        text = f"{long_summary(f)}, line diff below"
    elif action is Action.CREATE:
        text = _cut(show(f.field, f.after, names))
    elif action is Action.DELETE:
        text = _cut(show(f.field, f.before, names))
    else:
        text = _cut(show_change(f.field, f.before, f.after, names))
    return f"{_glyph(action)}   {f.field}: {text}{src}"


def _long_block(f: FieldChange) -> str:
    """A long text's line diff in its own collapsed block, below the product's diff."""
    rows = line_diff(f.before, f.after)
    if len(rows) > _LONG_ROWS:
        rows = [*rows[:_LONG_ROWS], f"  … {len(rows) - _LONG_ROWS} more lines in the plan file"]
    rows = [shorten(row, _VALUE_LIMIT) for row in rows]
    return (
        f"\n<details><summary>{_esc(f.field)}: {_esc(long_summary(f))}</summary>\n\n"
        f"{_fenced(chr(10).join(rows))}\n</details>\n"
    )


def _cut(text: str) -> str:
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
