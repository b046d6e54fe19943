"""The plan for a terminal, Terraform-style: ``+`` create, ``~`` update, ``-`` delete.

    ~ product "Hořká čokoláda" (7c9e6679…)  # products/a.yaml:12
        ~ name: "Old" -> "Hořká čokoláda"  # products/a.yaml:13
        ~ description: 1 line differs (120 -> 126 chars)  # products/a.yaml:14
              <p>Intro</p>
            - <p>Old text</p>
            + <p>New text</p>
        ~ price CHOC-100
            ~ price: 123.45 -> 129.00 Kč  # products/a.yaml:20

Products come in catalog order (``common.groups``); values are shown as an author reads
them (``render.values``).

Colour only when asked (``color=True``); the CLI decides from the TTY and ``NO_COLOR``.
Every line goes through ``terminal_safe``, so control characters in a product name, a code, a
file name or a message are printed as escapes (``\\x1b``), never acted on by the terminal;
the colour codes are added after that.
"""

from __future__ import annotations

from reconciler.errors import terminal_safe
from reconciler.plan.model import RENAME_FIELD, Action, Change, FieldChange, Names, Plan
from reconciler.render.common import (
    POLICY_CHANGES_HEAD,
    REMOVED_HEAD,
    RENAME_HINTS_HEAD,
    ProductGroup,
    claim_note,
    entry_text,
    format_value,
    group_title,
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
    subject,
    summary_line,
    unmentioned_head,
)
from reconciler.render.values import is_long, line_diff, long_summary, show, show_change

_COLORS = {Action.CREATE: "\x1b[32m", Action.UPDATE: "\x1b[33m", Action.DELETE: "\x1b[31m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
INDENT = "    "


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def action(self, action: Action, text: str) -> str:
        text = plain(text)
        return f"{_COLORS[action]}{text}{_RESET}" if self.color else text

    def bold(self, text: str) -> str:
        text = plain(text)
        return f"{_BOLD}{text}{_RESET}" if self.color else text


def plain(text: str) -> str:
    """One line of the plan, safe for a terminal (see the module docstring)."""
    return terminal_safe(text, keep_newlines=False)


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as terminal text, ending with a newline."""
    paint = _Painter(color)
    lines = [plain(header_line(plan))]
    if not plan.scope.is_full:
        lines.append(paint.bold("Scope: " + plan.scope.note))
    lines.append("")
    if plan.policy_changes:
        lines.append(paint.bold(POLICY_CHANGES_HEAD))
        lines.extend(f"{INDENT}~ {p.text}" for p in plan.policy_changes)
        lines.append("")
    if plan.notes.removed:
        lines.append(paint.bold(REMOVED_HEAD + ":"))
        lines.extend(plain(f"{INDENT}{entry_text(e)}") for e in plan.notes.removed)
        lines.append("")
    if plan.is_empty:
        lines.extend([no_changes(plan), ""])
    else:
        lines.append("Symbols: + create, ~ update, - delete")
        lines.append("")
        registry = registry_changes(plan)
        if registry:
            lines.append(paint.bold(registry_head(registry)))
            lines.extend(paint.action(c.action, INDENT + registry_line(c)) for c in registry)
            lines.append("")
        for group in groups(plan):
            lines.extend(_group_lines(group, paint, plan.names))
            lines.append("")
    lines.extend(_unmanaged_lines(plan))
    lines.extend(_unmentioned_lines(plan))
    lines.extend(_rename_hint_lines(plan))
    lines.extend(_ignored_lines(plan))
    if unread := sales_unread_line(plan):
        lines.extend([plain(unread), ""])
    if not plan.is_empty:
        lines.extend(_guard_lines(plan, paint))
        lines.append("")
        refusal = refusal_headline(plan)
        if refusal:
            lines.append(paint.bold(refusal + "."))
        lines.append(paint.bold(summary_line(plan)))
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _group_lines(group: ProductGroup, paint: _Painter, names: Names) -> list[str]:
    head = f"{group.glyph} {group_title(group)}"
    product = group.product
    if product and product.source:
        head += f"  # {product.source}"
    out = [paint.action(group.action, head)]
    if product:
        if product.reason:
            out.append(plain(f"{INDENT}# {product.reason}"))
        if note := sales_note(product, names):
            out.append(plain(f"{INDENT}{note}"))
        out.extend(_field_lines(product, paint, 1, names))
    for change in group.others:
        line = f"{INDENT}{change.action.glyph} {subject(change, names)}"
        if change.source and all(f.field == RENAME_FIELD for f in change.fields):
            line += f"  # {change.source}"
        out.append(paint.action(change.action, line))
        if change.reason:
            out.append(plain(f"{INDENT * 2}# {change.reason}"))
        if note := claim_note(change, names):
            out.append(plain(f"{INDENT * 2}{note}"))
        if note := sales_note(change, names):
            out.append(plain(f"{INDENT * 2}{note}"))
        out.extend(_field_lines(change, paint, 2, names))
    return out


def _field_lines(change: Change, paint: _Painter, depth: int, names: Names) -> list[str]:
    out: list[str] = []
    for f in change.fields:
        if f.field == RENAME_FIELD:
            continue  # shown on the change's own line (``subject``)
        text = _field_text(change.action, f, names)
        out.append(paint.action(change.action, INDENT * depth + text))
        if is_long(f):
            out.extend(_diff_line(row, paint, depth) for row in line_diff(f.before, f.after))
    return out


def _diff_line(row: str, paint: _Painter, depth: int) -> str:
    """One line of a long text's diff, under its field, coloured like a create or delete."""
    text = INDENT * depth + "  " + row
    action = {"+": Action.CREATE, "-": Action.DELETE}.get(row[:1])
    return paint.action(action, text) if action else plain(text)


def field_value_text(action: Action, f: FieldChange, names: Names) -> str:
    """``name: "Old" -> "New"`` (or one side for a create or delete); for long text, how
    many lines differ (the diff follows it)."""
    if is_long(f):
        return f"{f.field}: {long_summary(f)}"
    if action is Action.CREATE:
        return f"{f.field}: {show(f.field, f.after, names)}"
    if action is Action.DELETE:
        return f"{f.field}: {show(f.field, f.before, names)}"
    return f"{f.field}: {show_change(f.field, f.before, f.after, names)}"


def _field_text(action: Action, f: FieldChange, names: Names) -> str:
    text = f"{action.glyph} {field_value_text(action, f, names)}"
    return text + (f"  # {f.source}" if f.source else "")


def _unmanaged_lines(plan: Plan) -> list[str]:
    u = plan.unmanaged
    if u.count is None:
        return ["Unmanaged products: not counted (this plan does not read the whole shop)."]
    if not u.count:
        return []
    out = [
        f"Unmanaged: {u.count} live product{'s' if u.count != 1 else ''} "
        "not in the catalog, left alone"
        + (f" (first {len(u.listed)} listed):" if len(u.listed) < u.count else ":")
    ]
    out.extend(
        plain(f"{INDENT}{format_value(p.name)} ({p.guid})" if p.name else f"{INDENT}{p.guid}")
        for p in u.listed
    )
    return [*out, ""]


def _unmentioned_lines(plan: Plan) -> list[str]:
    notes = plan.notes
    if not notes.unmentioned_count:
        return []
    out = [plain(unmentioned_head(plan) + ":")]
    out.extend(plain(f"{INDENT}{entry_text(e)}") for e in notes.unmentioned)
    if len(notes.unmentioned) < notes.unmentioned_count:
        out.append(f"{INDENT}... and {notes.unmentioned_count - len(notes.unmentioned)} more")
    return [*out, ""]


def _rename_hint_lines(plan: Plan) -> list[str]:
    if not plan.notes.renames:
        return []
    out = [plain(RENAME_HINTS_HEAD + ":")]
    for h in plan.notes.renames:
        where = f"  # {h.source}" if h.source else ""
        out.append(plain(f"{INDENT}{rename_hint_text(h, plan)}{where}"))
    return [*out, ""]


def _ignored_lines(plan: Plan) -> list[str]:
    if not plan.ignored:
        return []
    rules = ", ".join(
        f"{i.rule} ({i.fields} field{'s' if i.fields != 1 else ''})" for i in plan.ignored
    )
    return [plain(f"Ignored (shop.yaml ignore): {rules}"), ""]


def _guard_lines(plan: Plan, paint: _Painter) -> list[str]:
    out = ["Guards:"]
    for g in plan.guards:
        line = f"{INDENT}[{guard_status(g, plan.allowed)}] {g.name}: {g.message}"
        out.append(plain(line) if g.ok else paint.bold(line))
    return out
