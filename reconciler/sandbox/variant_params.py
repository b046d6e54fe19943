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

Updates and deletes (SPEC updateVariantParameter, deleteVariantParameter,
updateVariantParameterValue, deleteVariantParameterValue, and the filtering twins): a renamed
index keeps what uses it. Shoptet says only "when changed, you must use the new
paramIndex/rawValue/code in the next API calls", so the parameter stays the same entity and the
products that use it follow (their ``changeTime`` stays: whether Shoptet moves it is not
documented, and a client's cache must not count on it). What Shoptet does when a parameter or
value still in use is deleted is not documented: refused with 409 ``...-used-by-products``
(strict), worded like Shoptet's documented refusal to delete a category or brand products still
use (deleteCategory, deleteBrand). A name or index another parameter (value) has is 422, as on
create; an unknown value is 404 ``...-value-not-found``.

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

    @property
    def code(self) -> str:
        """The stem of its error codes: ``variant-parameter``, ``filtering-parameter``."""
        return self.what.lower().replace(" ", "-")


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


def not_found(index: str, kind: RegistryKind | None = None) -> Fail:
    # The spec lists no 404 code for these endpoints; named like product-not-found and
    # category-not-found (UNVERIFIED).
    kind = kind or VARIANT
    return Fail(
        404,
        err(
            f"{kind.code}-not-found", f'{kind.what} with identificator "{index}" not found.', index
        ),
    )


def find(state: ShopState, index: str, kind: RegistryKind) -> dict:
    """The parameter ``index`` names, or Fail(404)."""
    param = registry(state, kind).get(index)
    if param is None:
        raise not_found(index, kind)
    return param


def find_value(param: dict, value_index: str, kind: RegistryKind) -> dict:
    """The value of ``param`` that ``value_index`` names, or Fail(404)."""
    for value in param["values"]:
        if value["valueIndex"] == value_index:
            return value
    raise Fail(
        404,
        err(
            f"{kind.code}-value-not-found",
            f'Value "{value_index}" of {kind.what.lower()} "{param["nameIndex"]}" not found.',
            value_index,
        ),
    )


def _next_id(rows) -> int:
    return max((r["id"] for r in rows), default=0) + 1


def _param_clashes(
    have: dict[str, dict], name: str | None, index: str | None, where: tuple[str, str], kind
) -> list[dict]:
    """A parameter name (case-insensitive) or index another parameter in ``have`` has."""
    errors = []
    if name is not None and any(p["name"].casefold() == name.casefold() for p in have.values()):
        errors.append(_bad(f'{kind.what} name "{name}" already exists.', where[0]))
    if index is not None and index in have:
        errors.append(_bad(f'{kind.what} index "{index}" already exists.', where[1]))
    return errors


def _value_clashes(
    param: dict,
    names: set[str],
    raws: set[str],
    name: str | None,
    raw: str | None,
    where: str,
    kind: RegistryKind,
) -> list[dict]:
    """A value name (``names``: case-folded) or index (``raws``) the parameter has."""
    errors = []
    if name is not None and name.casefold() in names:
        errors.append(
            _bad(
                f'Parameter value "{name}" already exists in parameter "{param["nameIndex"]}".',
                f"{where}.{kind.value_name}",
            )
        )
    if raw is not None and raw in raws:
        errors.append(
            _bad(
                f'Parameter value index "{raw}" already exists in parameter '
                f'"{param["nameIndex"]}".',
                f"{where}.{kind.value_index}",
            )
        )
    return errors


def _image_refusal(item: dict, where: str) -> list[dict]:
    if item.get("image") is None:
        return []
    # "Image needs to exist in your file folder." The sandbox has no file folder, so it cannot
    # confirm one exists: refused (strict).
    return [_bad(f'Image "{item["image"]}" not found in the file folder.', f"{where}.image")]


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
        errors += _value_clashes(param, names, raws, name, raw, where, kind)
        errors += _image_refusal(item, where)
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


def _google_mapping(code: str | None) -> dict | None:
    """A request's ``googleMapping`` code as components.schemas.googleMappingType (the sandbox
    knows no Google names, so ``description`` is null)."""
    return None if code is None else {"value": code, "description": None}


def create_param(state: ShopState, data: dict, kind: RegistryKind = VARIANT) -> dict:
    """POST /api/products/variant-parameters (or filtering-parameters; ``data`` already
    schema-checked)."""
    name = data[kind.name]
    index = data.get(kind.index) or slug(name)
    where_index = f"data.{kind.index}" if data.get(kind.index) else f"data.{kind.name}"
    where = (f"data.{kind.name}", where_index)
    errors = _param_clashes(registry(state, kind), name, index, where, kind)
    param = {
        "nameIndex": index,
        "name": name,
        "id": _next_id(state.doc[kind.doc_key]),
        "displayName": data.get("displayName"),
        "priority": data.get("priority"),
        "values": [],
    }
    if kind is not VARIANT:
        param.update(
            description=data.get("description"),
            googleMapping=_google_mapping(data.get("googleMapping")),
        )
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


# -- registry updates and deletes --------------------------------------------------------------


def update_param(state: ShopState, param: dict, data: dict, kind: RegistryKind = VARIANT) -> dict:
    """PATCH /api/products/variant-parameters/{paramIndex} (or filtering-parameters/{code})."""
    others = {i: p for i, p in registry(state, kind).items() if p is not param}
    index = data.get(kind.index)
    where = (f"data.{kind.name}", f"data.{kind.index}")
    errors = _param_clashes(others, data.get(kind.name), index, where, kind)
    if errors:
        raise Fail(422, errors)
    if index is not None and index != param["nameIndex"]:
        _rename_uses(state, kind, param["nameIndex"], index)
        param["nameIndex"] = index
    for key, field in (
        (kind.name, "name"),
        ("displayName", "displayName"),
        ("priority", "priority"),
    ):
        if key in data:
            param[field] = data[key]
    if kind is not VARIANT:
        param.update({k: data[k] for k in ("description",) if k in data})
        if "googleMapping" in data:
            param["googleMapping"] = _google_mapping(data["googleMapping"])
    state.reindex()
    state.touch()
    return param


def update_value(
    state: ShopState, param: dict, value: dict, data: dict, kind: RegistryKind = VARIANT
) -> dict:
    """PATCH .../{paramIndex}/{rawValue} (or .../{code}/{valueIndex}): the parameter after."""
    others = [v for v in param["values"] if v is not value]
    name = data.get(kind.value_name)
    raw = data.get(kind.value_index)
    if kind.value_index in data and raw is None:  # filtering: null derives it from the name
        raw = slug(name or value["name"])
    errors = _value_clashes(
        param,
        {v["name"].casefold() for v in others},
        {v["valueIndex"] for v in others},
        name,
        raw,
        "data",
        kind,
    )
    errors += _image_refusal(data, "data")
    if errors:
        raise Fail(422, errors)
    if raw is not None and raw != value["valueIndex"]:
        _rename_uses(state, kind, param["nameIndex"], param["nameIndex"], value["valueIndex"], raw)
        value["valueIndex"] = raw
    for key, field in (
        (kind.value_name, "name"),
        ("color", "color"),
        ("image", "image"),
        (kind.value_priority, "priority"),
    ):
        if key in data:
            value[field] = data[key]
    state.touch()
    return param


def delete_param(state: ShopState, param: dict, kind: RegistryKind = VARIANT) -> None:
    users = uses(state, kind, param["nameIndex"])
    if users:
        raise _in_use(f'{kind.what} "{param["nameIndex"]}"', users, param["nameIndex"], kind)
    state.doc[kind.doc_key].remove(param)
    state.reindex()
    state.touch()


def delete_value(state: ShopState, param: dict, value: dict, kind: RegistryKind = VARIANT) -> None:
    users = uses(state, kind, param["nameIndex"], value["valueIndex"])
    if users:
        what = f'Value "{value["valueIndex"]}" of {kind.what.lower()} "{param["nameIndex"]}"'
        raise _in_use(what, users, value["valueIndex"], kind, "-value")
    param["values"].remove(value)
    state.touch()


def _in_use(what: str, users: list[str], instance: str, kind: RegistryKind, part="") -> Fail:
    shown = ", ".join(users[:10]) + (f" and {len(users) - 10} more" if len(users) > 10 else "")
    owners = "product variants" if kind is VARIANT else "products"
    return Fail(
        409,
        err(
            f"{kind.code}{part}-used-by-products",
            f"{what} cannot be deleted, because some {owners} use it ({shown}); "
            "change or remove them first.",
            instance,
        ),
    )


def uses(state: ShopState, kind: RegistryKind, index: str, value: str | None = None) -> list[str]:
    """Who uses parameter ``index`` (or its ``value``): variant codes for a variant parameter,
    product GUIDs for a filtering parameter."""
    found: list[str] = []
    for product in state.doc["products"]:
        if kind is VARIANT:
            found += [
                v["code"]
                for v in product["variants"]
                if any(
                    i["nameIndex"] == index and value in (None, i["valueIndex"])
                    for i in v["parameters"]
                )
            ]
        elif any(
            i["code"] == index and (value is None or value in i["values"])
            for i in product.get("filteringParameters", [])
        ):
            found.append(product["guid"])
    return found


def _rename_uses(
    state: ShopState, kind: RegistryKind, index: str, new_index: str, value=None, new_value=None
) -> None:
    """Point every use of parameter ``index`` (and of its ``value``) at the new index."""
    for product in state.doc["products"]:
        if kind is VARIANT:
            items = [i for v in product["variants"] for i in v["parameters"]]
            for item in items:
                if item["nameIndex"] == index and value in (None, item["valueIndex"]):
                    item["nameIndex"] = new_index
                    if value is not None:
                        item["valueIndex"] = new_value
            continue
        for item in product.get("filteringParameters", []):
            if item["code"] == index:
                item["code"] = new_index
                if value is not None:
                    item["values"] = [new_value if v == value else v for v in item["values"]]


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
