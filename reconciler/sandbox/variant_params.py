"""Variant parameters: the shop's registry (``/api/products/variant-parameters``) and Shoptet's
rule for the ``parameters`` of a product's variants.

Registry (state ``variantParameters``): a parameter has ``nameIndex`` (Shoptet's ``paramIndex``,
what product writes send as ``nameIndex``) and ``name`` (``paramName``); each value has
``valueIndex`` (``rawValue``, sent as ``valueIndex``) and ``name`` (``paramValue``). An index
not given is derived from the name as Shoptet's examples show (``Barevné spektrum`` ->
``barevne-spektrum``: ASCII, lower case, runs of other characters -> ``-``).

Duplicates are refused with 422 ``invalid-request-data`` in the words Shoptet uses for its
other registries ("Product availability name ... already exists.", SPEC createProductAvailability):
a parameter name or index the shop has, a value name or raw value the parameter has, and the
same within one request. The spec documents no error for these endpoints, so the messages and
the decision to refuse a *derived* index that collides (rather than renaming it) are the strict
reading (UNVERIFIED on a live shop). The sandbox has one language, so the "currently selected
language variant" of an identifier (SPEC "Languages") is simply the one stored.

Product rule (POST /api/products description, SPEC createProduct): each variant of a product
with more than one variant has a unique combination of ``parameters``; a ``nameIndex`` appears
once per variant; ``nameIndex``/``valueIndex`` must exist (nothing says a product write creates
them). Whether every variant must use the same parameter *names* is not documented and is not
checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.envelope import Fail, err
from reconciler.sandbox.render import slug
from reconciler.sandbox.state import ShopState


def _bad(message: str, instance: str) -> dict:
    return err("invalid-request-data", message, instance)


def not_found(param_index: str) -> Fail:
    # The spec lists no 404 code for these endpoints; named like product-not-found and
    # category-not-found (UNVERIFIED).
    return Fail(
        404,
        err(
            "variant-parameter-not-found",
            f'Variant parameter with identificator "{param_index}" not found.',
            param_index,
        ),
    )


# -- registry reads --------------------------------------------------------------------------


def render_value(value: dict) -> dict:
    """components.schemas.productVariantParameterValue."""
    return {
        "id": value["id"],
        "paramValue": value["name"],
        "rawValue": value["valueIndex"],
        "color": value["color"],
        "image": value["image"],
        "valuePriority": value["priority"],
    }


def render_param(param: dict, with_values: bool = True) -> dict:
    out = {
        "id": param["id"],
        "paramName": param["name"],
        "paramIndex": param["nameIndex"],
        "displayName": param["displayName"],
        "priority": param["priority"],
    }
    if with_values:
        out["values"] = [render_value(v) for v in param["values"]]
    return out


# -- registry writes -------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryKind:
    """A parameter registry of the state and its request spellings: variant parameters, and
    filtering parameters (``reconciler.sandbox.filtering``), which Shoptet keeps alike."""

    doc_key: str  # the state's list
    what: str  # for messages
    name: str  # a parameter's name in a create request
    index: str  # its index (slug)
    value_name: str
    value_index: str
    value_priority: str


VARIANT = RegistryKind(
    "variantParameters",
    "Variant parameter",
    "paramName",
    "paramIndex",
    "paramValue",
    "rawValue",
    "valuePriority",
)


def registry(state: ShopState, kind: RegistryKind) -> dict[str, dict]:
    """The parameters of ``kind`` by index."""
    if kind is VARIANT:
        return state.params
    return {p["nameIndex"]: p for p in state.doc[kind.doc_key]}


def _next_id(rows) -> int:
    return max((r["id"] for r in rows), default=0) + 1


def _new_values(
    state: ShopState, param: dict, items: list[dict], path: str, kind: RegistryKind = VARIANT
) -> list[dict]:
    """The value rows ``items`` describe, or Fail(422) listing every problem (nothing added)."""
    errors: list[dict] = []
    names = {v["name"].casefold() for v in param["values"]}
    raws = {v["valueIndex"] for v in param["values"]}
    rows = []
    next_id = _next_id(v for p in state.doc[kind.doc_key] for v in p["values"])
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        name = item[kind.value_name]
        raw = item.get(kind.value_index) or slug(name)
        if name.casefold() in names:
            errors.append(
                _bad(
                    f'Parameter value "{name}" already exists in parameter "{param["nameIndex"]}".',
                    f"{where}.{kind.value_name}",
                )
            )
        if raw in raws:
            errors.append(
                _bad(
                    f'Parameter value index "{raw}" already exists in parameter '
                    f'"{param["nameIndex"]}".',
                    f"{where}.{kind.value_index}",
                )
            )
        if item.get("image") is not None:
            # "Image needs to exist in your file folder." The sandbox has no file folder, so it
            # cannot confirm one exists: refused (strict).
            errors.append(
                _bad(f'Image "{item["image"]}" not found in the file folder.', f"{where}.image")
            )
        names.add(name.casefold())
        raws.add(raw)
        rows.append(
            {
                "valueIndex": raw,
                "name": name,
                "id": next_id + i,
                "color": item.get("color"),
                "image": None,
                "priority": item.get(kind.value_priority),
            }
        )
    if errors:
        raise Fail(422, errors)
    return rows


def create_param(state: ShopState, data: dict, kind: RegistryKind = VARIANT) -> dict:
    """POST /api/products/variant-parameters (or filtering-parameters; ``data`` already
    schema-checked)."""
    errors = []
    name = data[kind.name]
    index = data.get(kind.index) or slug(name)
    where_index = f"data.{kind.index}" if data.get(kind.index) else f"data.{kind.name}"
    have = registry(state, kind)
    if any(p["name"].casefold() == name.casefold() for p in have.values()):
        errors.append(_bad(f'{kind.what} name "{name}" already exists.', f"data.{kind.name}"))
    if index in have:
        errors.append(_bad(f'{kind.what} index "{index}" already exists.', where_index))
    param = {
        "nameIndex": index,
        "name": name,
        "id": _next_id(state.doc[kind.doc_key]),
        "displayName": data.get("displayName"),
        "priority": data.get("priority"),
        "values": [],
    }
    if kind is not VARIANT:
        param.update(description=data.get("description"), googleMapping=None)
    try:
        values = _new_values(state, param, data.get("values") or [], "data.values", kind)
    except Fail as fail:
        errors += fail.errors
        values = []
    if errors:
        raise Fail(422, errors)
    param["values"] = values
    state.doc[kind.doc_key].append(param)
    state.reindex()
    state.touch()
    return param


def add_values(state: ShopState, param: dict, data: dict, kind: RegistryKind = VARIANT) -> dict:
    """POST /api/products/variant-parameters/{paramIndex} (or filtering-parameters/{code}):
    add ``paramValues``."""
    param["values"] += _new_values(state, param, data["paramValues"], "data.paramValues", kind)
    state.touch()
    return param


# -- the product rule ------------------------------------------------------------------------


# One variant as the rule sees it: (request item path or None, code or None, its parameters).
VariantRow = tuple[str | None, str | None, list[dict[str, Any]]]


def variant_rule_errors(state: ShopState, rows: Sequence[VariantRow]) -> list[dict[str, Any]]:
    """Problems with a product's resulting variants. ``rows`` has one ``(instance, code,
    parameters)`` per variant: ``instance`` is the request item that sets them
    (``data.variants[1]``), None for a variant the request leaves as it is; ``code`` is None
    for a variant whose code Shoptet will generate."""
    errors: list[dict[str, Any]] = []
    for instance, _code, params in rows:
        if instance is None:
            continue
        for j, item in enumerate(params):
            where = f"{instance}.parameters[{j}]"
            param = state.params.get(item["nameIndex"])
            if param is None:
                errors.append(
                    _bad(
                        f'Variant parameter "{item["nameIndex"]}" not found.', f"{where}.nameIndex"
                    )
                )
            elif all(v["valueIndex"] != item["valueIndex"] for v in param["values"]):
                errors.append(
                    _bad(
                        f'Value "{item["valueIndex"]}" of variant parameter '
                        f'"{item["nameIndex"]}" not found.',
                        f"{where}.valueIndex",
                    )
                )
    if len(rows) < 2:
        return errors
    first_with: dict[frozenset, str] = {}
    for instance, code, params in rows:
        where = f"{instance}.parameters" if instance else "data.variants"
        name = f'"{code}"' if code else "without a code"
        if not params:
            errors.append(
                _bad(
                    f"Variant {name} has no parameters. When a product has more than one "
                    "variant, each variant must have a unique combination of parameters.",
                    where,
                )
            )
            continue
        combo = frozenset((p["nameIndex"], p["valueIndex"]) for p in params)
        if combo in first_with:
            errors.append(
                _bad(
                    f"Variant {name} has the same combination of parameters as variant "
                    f"{first_with[combo]}. Two variants with identical parameter combinations "
                    "are not allowed.",
                    where,
                )
            )
        else:
            first_with[combo] = name
    return errors
