"""Turn pydantic validation errors into ``file:line:column`` problems.

Each error's ``loc`` (e.g. ``("variants", "KAV-1", "price")``) is walked through the loaded
YAML data (``LMap``/``LSeq`` with positions) to the key or value it is about; ``ctx["at"]`` from
``reconciler.desired.values`` narrows it to one mapping key or list item. Messages are rewritten for a
person editing YAML ("unknown key 'nmae' (did you mean 'name'?)", "must not be empty").
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.desired.yamlload import LMap, LSeq, Pos
from reconciler.errors import Problem
from reconciler.model import (
    Catalog,
    FlagDefinition,
    Policy,
    PricelistPrices,
    Product,
    ShopSettings,
    Variant,
    did_you_mean,
)


def _model_for(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the last element of ``loc`` (for 'did you mean')."""
    current: type[BaseModel] | None = model
    i = 0
    while i < len(loc) - 1 and current is not None:
        part = loc[i]
        if current is Product and part == "variants":
            current, i = Variant, i + 2
        elif current is Variant and part == "prices":
            current, i = PricelistPrices, i + 2
        elif current is Catalog and part in ("shop", "policy"):
            current, i = (ShopSettings if part == "shop" else Policy), i + 1
        elif current is Catalog and part == "flags":
            current, i = FlagDefinition, i + 2
        else:
            return None
    return current if i == len(loc) - 1 else None


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"'{value}'"


def _message(err: ErrorDetails, model: type[BaseModel]) -> str:
    kind, loc, ctx = err["type"], err["loc"], err.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        holder = _model_for(model, loc)
        choices = tuple(holder.model_fields) if holder else ()
        return f"unknown key '{name}'{did_you_mean(name, choices)}"
    if kind == "catalog" or not loc:
        text = err["msg"]
    elif kind == "dict_type" and name == "variants":
        text = f"must be a mapping variant code -> fields, not {describe(err.get('input'))}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        text = f"must be a mapping of fields, not {describe(err.get('input'))}"
    elif kind == "list_type":
        text = f"must be a list, not {describe(err.get('input'))}"
    elif kind == "too_short" and ctx.get("min_length") == 1:
        text = "must not be empty"
    elif kind == "too_short" and "min_length" in ctx:
        text = f"must be at least {ctx['min_length']} characters long"
    elif kind == "too_long" and "max_length" in ctx:
        text = (
            f"must be at most {ctx['max_length']} characters long "
            f"(has {ctx.get('actual_length', '?')})"
        )
    else:
        text = err["msg"]
    if not loc or loc[-1] == "[key]" or isinstance(loc[-1], int):
        return text
    if len(loc) >= 2 and loc[-2] == "variants":
        return f"variant {name}: {text}"
    if len(loc) >= 4 and loc[-2] == "prices" and loc[-4] == "variants":
        return f"variant {loc[-3]}: pricelist {name}: {text}"
    return f"{name}: {text}"


def _locate(data: Any, loc: tuple, start: Pos, at: Any = None, key: bool = False) -> Pos:
    """The YAML position of ``loc`` inside ``data`` (an LMap/LSeq tree starting at ``start``)."""
    node, pos = data, start
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, LMap) and isinstance(part, str) and part in node:
            next_is_key = i + 1 < len(loc) and loc[i + 1] == "[key]"
            if next_is_key or (last and key):
                return node.key_pos[part]
            if last and (node[part] is None or isinstance(node[part], LMap)) and at is None:
                return node.key_pos[part]
            node, pos = node[part], node.val_pos[part]
        elif isinstance(node, LSeq) and isinstance(part, int) and 0 <= part < len(node):
            node, pos = node[part], node.item_pos[part]
        else:
            break
    if isinstance(at, list | tuple):  # a path below the field (a model-level rule's)
        return _locate(node, tuple(at), pos)
    if at is not None:
        if isinstance(node, LMap) and str(at) in node:
            return node.key_pos[str(at)]
        if isinstance(node, LSeq) and isinstance(at, int) and 0 <= at < len(node):
            return node.item_pos[at]
    return pos


PRODUCT_ONLY = frozenset(Product.model_fields) - frozenset(Variant.model_fields)
VARIANT_ONLY = frozenset(Variant.model_fields) - frozenset(Product.model_fields)


def _first_code(variants: Any, before: str | None = None) -> str | None:
    """A variant code of ``variants`` to name in a hint: the last one written before the
    key ``before`` (the variant a stray field most likely belongs to), else the first."""
    if not isinstance(variants, LMap):
        return None
    codes = [k for k in variants if k not in VARIANT_ONLY and k not in PRODUCT_ONLY]
    if before is not None and before in variants:
        earlier = [c for c in codes if variants.key_pos[c] < variants.key_pos[before]]
        if earlier:
            return earlier[-1]
    return codes[0] if codes else None


def misplaced_field(data: Any, loc: tuple, kind: str) -> str | None:
    """When a product's error is a known field name written at the wrong level (``stock:``
    at product level or among the variant codes, ``name:`` under a variant), what to do."""
    variants = data.get("variants") if isinstance(data, LMap) else None
    if kind == "extra_forbidden" and len(loc) == 1 and loc[0] in VARIANT_ONLY:
        code = _first_code(variants)
        example = f" (e.g. under '{code}')" if code else " (variants: CODE: ...)"
        return (
            f"'{loc[0]}' is a variant field, not a product field: indent it under a variant "
            f"code in 'variants:'{example}"
        )
    if (
        kind == "extra_forbidden"
        and len(loc) == 3
        and loc[0] == "variants"
        and loc[2] in PRODUCT_ONLY
    ):
        return (
            f"'{loc[2]}' is a product field, not a variant field: move it out of variant "
            f"{loc[1]} to the product's level, beside 'variants:'"
        )
    if len(loc) == 3 and loc[0] == "variants" and loc[2] == "[key]":
        name = str(loc[1])
        if name in VARIANT_ONLY:
            code = _first_code(variants, before=name)
            under = f"under '{code}' above" if code else "under a variant code"
            return (
                f"'{name}' is a variant field, but it is written where variant codes go (one "
                f"level too far out): indent it {under}"
            )
        if name in PRODUCT_ONLY:
            return (
                f"'{name}' is a product field, but it is written where variant codes go: move "
                "it out to the product's level, beside 'variants:'"
            )
    return None


M = TypeVar("M", bound=BaseModel)


def validate_located(
    model: type[M], data: Any, file: str, start: Pos, problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        hints = {
            i: misplaced_field(data, tuple(err["loc"]), err["type"]) if model is Product else None
            for i, err in enumerate(errors)
        }
        # a stray field among the variant codes: one problem, not also "not a variant mapping"
        stray = {tuple(errors[i]["loc"][:-1]) for i, hint in hints.items() if hint is not None}
        stray = {loc for loc in stray if len(loc) == 2}
        for i, err in enumerate(errors):
            loc = tuple(err["loc"])
            if hints[i] is None and any(loc[: len(s)] == s for s in stray):
                continue
            ctx = err.get("ctx") or {}
            line, col = _locate(
                data,
                loc,
                start,
                ctx.get("at"),
                key=err["type"] == "extra_forbidden" or hints[i] is not None,
            )
            problems.append(Problem(file, line, col, hints[i] or _message(err, model)))
        return None
