"""Values as a catalog author reads them, pure: prices with the shop's currency, numbers and
yes/no without quotes, text quoted, ``(none)`` for no value, and long text as a line diff.

    show("price", "219", names)                -> 219.00 Kč
    show_change("price", "219", "229", names)  -> 219.00 -> 229.00 Kč
    show("visible", True, names)               -> yes
    show("name", None, names)                  -> (none)
    show_change("parameters", {"barva": "bila"}, {"barva": "modra"}, names)
                                               -> Barva: Bílá -> Modrá
    line_diff(old_html, new_html)              -> ["  <p>Same</p>", "- <p>Old</p>", "+ <p>New</p>"]

The plan file keeps the exact values; this is display only.
"""

from __future__ import annotations

import difflib
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler import fields as F
from reconciler.plan.images import IMAGES
from reconciler.plan.images import describe as describe_gallery
from reconciler.plan.model import Currency, FieldChange, Names
from reconciler.render.campaign import action_price_words

NONE = "(none)"
PARAMETERS = "parameters"  # a variant's parameters, {nameIndex: valueIndex}
YES, NO = "yes", "no"
LONG_TEXT = 80  # characters; longer text (or text with line breaks) is shown as a line diff
_SENTENCE_SPLIT = 100  # a line longer than this is split after each sentence

# Money: the price fields that are amounts (vatRate is a percentage, includingVat a bool).
MONEY_FIELDS = frozenset(
    f.name for f in F.FIELDS if f.resource is F.Resource.PRICE and f.kind is F.Kind.DECIMAL
) - {"vatRate"}
_PERCENT_FIELDS = frozenset({"vatRate"})
_NUMBER_KINDS = (F.Kind.DECIMAL, F.Kind.INTEGER, F.Kind.STOCK_MAP)
_NAMED = {
    "defaultCategory": "category",
    "categories": "category",
    "brand": "brand",
    **dict.fromkeys(F.names(F.select(F.Level.PRODUCT, kind=F.Kind.PRODUCT_LINKS)), "product"),
}


def show(field: str, value: Any, names: Names) -> str:
    """One value, with its unit (``219.00 Kč``, ``21 %``) when it has one."""
    if value is None:
        return NONE
    prefix, suffix = _unit(field, names)
    return prefix + _bare(field, value, names) + suffix


def show_change(field: str, before: Any, after: Any, names: Names) -> str:
    """``before -> after``; a unit on the right is written once, at the end. Variant
    parameters: only the ones that differ (``parameter_change``)."""
    if field == PARAMETERS and _is_pairs(before) and _is_pairs(after) and before and after:
        return parameter_change(before, after, names)
    prefix, suffix = _unit(field, names)
    if prefix or not suffix or after is None:
        return f"{show(field, before, names)} -> {show(field, after, names)}"
    left = NONE if before is None else _bare(field, before, names)
    return f"{left} -> {_bare(field, after, names)}{suffix}"


def _unit(field: str, names: Names) -> tuple[str, str]:
    if field in _PERCENT_FIELDS:
        return "", " %"
    currency = names.currency
    if field not in MONEY_FIELDS or currency is None:
        return "", ""
    return (f"{currency.symbol} ", "") if currency.symbol_left else ("", f" {currency.symbol}")


def gallery_lines(f: FieldChange) -> list[str]:
    """The lines under an ``images`` change: ``+ image URL``, ``- image 106.jpg``, ``~ order:
    ...``, ``~ alt of 106.jpg: ...`` (``plan.images.describe``); none for other fields."""
    return describe_gallery(f.before, f.after) if f.field == IMAGES else []


def _bare(field: str, value: Any, names: Names) -> str:
    if field == IMAGES and isinstance(value, list):  # the lines below say what changes
        return f"{len(value)} image{'s' if len(value) != 1 else ''}"
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return "[" + ", ".join(_bare(field, item, names) for item in value) + "]"
    if isinstance(value, dict) and field == "descriptiveParameters":
        return _row_words(value)
    if field == PARAMETERS and _is_pairs(value):
        return parameter_words(value, names)
    if isinstance(value, dict) and field == "measureUnit":
        return measure_unit_words(value, names)
    if isinstance(value, dict):
        words = action_price_words(value) if field == "actionPrice" else None
        return words or json.dumps(value, ensure_ascii=False, sort_keys=True)
    number = _number(field, value, names.currency)
    if number is not None:
        return number
    text = json.dumps(value, ensure_ascii=False)
    lookup = _NAMED.get(field)
    name = getattr(names, lookup)(value) if lookup else names.assignment(field, value)
    return text + (f" ({' '.join(name.split())})" if name else "")


def _is_pairs(value: Any) -> bool:
    """A variant's parameters as a plan carries them: ``{nameIndex: valueIndex}`` (or none)."""
    return value is None or (
        isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    )


def _pair(index: str, value: str, names: Names) -> tuple[str, str]:
    """One parameter by the names the plan knows, else its slugs; on one line whatever the
    shop's names hold (a line break could pass for another line of the plan)."""
    name = names.parameter(index) or index
    shown = names.parameter_value(index, value) or value
    return " ".join(name.split()) or index, " ".join(shown.split()) or value


def parameter_words(pairs: dict[str, str], names: Names) -> str:
    """``Barva: Zelená, Velikost: XL``; ``(none)`` for no parameters."""
    words = [": ".join(_pair(i, v, names)) for i, v in sorted(pairs.items())]
    return ", ".join(words) or NONE


def parameter_change(before: dict[str, str], after: dict[str, str], names: Names) -> str:
    """The parameters that differ: ``Barva: Bílá -> Modrá, Velikost: M (added), Mletí:
    Zrnková (removed)``."""
    words = []
    for index in sorted(before.keys() | after.keys()):
        old, new = before.get(index), after.get(index)
        if old == new:
            continue
        if old is None or new is None:  # on one side only
            name, shown = _pair(index, old or new or "", names)
            words.append(f"{name}: {shown} ({'added' if old is None else 'removed'})")
        else:
            name, shown = _pair(index, old, names)
            words.append(f"{name}: {shown} -> {_pair(index, new, names)[1]}")
    return ", ".join(words) or "unchanged"


def measure_unit_words(value: dict[str, Any], names: Names) -> str:
    """A unit price basis as the YAML writes it: ``250 g per 1 kg`` (a unit the plan has no
    name for shows as its id)."""

    def amount(amount_part: str, unit_part: str) -> str:
        number = value.get(amount_part)
        unit = value.get(unit_part)
        name = names.assignment("measureUnit", unit) or ("?" if unit is None else f"(unit {unit})")
        return f"{'?' if number is None else number} {name}"

    return (
        amount("packagingAmount", "packagingUnitId")
        + " per "
        + amount("measureAmount", "measureUnitId")
    )


def _row_words(row: dict[str, Any]) -> str:
    """A specification-table row: ``2. Materiál: "bavlna" (popis)``."""
    value = NONE if row.get("value") is None else json.dumps(row["value"], ensure_ascii=False)
    about = f" ({row['description']})" if row.get("description") else ""
    return f"{row.get('priority')}. {row.get('name')}: {value}{about}"


def _number(field: str, value: Any, currency: Currency | None) -> str | None:
    """A number's text without quotes; None when ``value`` is not a number of a number field."""
    spec = F.BY_NAME.get(field)
    if spec is None or spec.kind not in _NUMBER_KINDS or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if field in MONEY_FIELDS:
        places = currency.decimals if currency else spec.decimals
        exponent = number.as_tuple().exponent
        # Never round a value away: more places than the currency shows are shown as written.
        if isinstance(exponent, int) and -exponent <= places:
            return f"{number:.{places}f}"
    return str(value)


# -- long text --------------------------------------------------------------------------------


def is_long(f: FieldChange) -> bool:
    """Text too long or too many lines to read as one ``a -> b`` line."""
    return any(
        isinstance(v, str) and (len(v) > LONG_TEXT or "\n" in v.strip())
        for v in (f.before, f.after)
    )


_BLOCK = r"(?:p|div|h[1-6]|li|ul|ol|table|thead|tbody|tr|td|th|blockquote|pre|section|article)"
_BREAK_BEFORE = re.compile(rf"(?=<{_BLOCK}[\s>/])", re.IGNORECASE)
_BREAK_AFTER = re.compile(rf"(</{_BLOCK}>|<br\s*/?>|<hr\s*/?>)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def text_lines(value: Any) -> list[str]:
    """Text or HTML split so one changed word changes one line: at line breaks, around block
    elements (``<p>``, ``<li>``, ...) and ``<br>``, and long lines after each sentence."""
    if not isinstance(value, str):
        return [] if value is None else [json.dumps(value, ensure_ascii=False)]
    text = _BREAK_AFTER.sub(r"\1\n", _BREAK_BEFORE.sub("\n", value))
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        out.extend(_SENTENCE_END.split(line) if len(line) > _SENTENCE_SPLIT else [line])
    return out


def line_diff(before: Any, after: Any, context: int = 1) -> list[str]:
    """A unified diff of two texts as ``"- old"``, ``"+ new"``, ``"  same"`` lines, hunks
    separated by ``"  …"``; a created text is all ``+``, a removed one all ``-``."""
    out: list[str] = []
    rows = difflib.unified_diff(text_lines(before), text_lines(after), lineterm="", n=context)
    for row in rows:
        if row.startswith(("---", "+++")):
            continue
        if row.startswith("@@"):
            if out:
                out.append("  …")
            continue
        out.append(f"{row[0]} {row[1:]}" if row[0] in "+-" else f"  {row[1:]}")
    return out


def long_summary(f: FieldChange) -> str:
    """What the one-line form of a long field says instead of the values:
    ``2 lines changed (230 -> 236 chars)``."""
    matcher = difflib.SequenceMatcher(None, text_lines(f.before), text_lines(f.after), False)
    changed = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    lines = f"{changed} line{'s' if changed != 1 else ''}"
    if not isinstance(f.before, str):
        return f"{lines} added ({_size(f.after)} chars)"
    if not isinstance(f.after, str):
        return f"{lines} removed ({_size(f.before)} chars)"
    return f"{lines} changed ({_size(f.before)} -> {_size(f.after)} chars)"


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0
