"""Filtering parameters (issue 18): the shop's registry (``/api/products/filtering-parameters``:
list, detail, create with its first values, add values; SPEC getListOfFilteringParameters,
getDetailOfFilteringParameter, createFilteringParameter, createFilteringParameterValue) and a
product's assignment (``filteringParameters`` of a product create or PATCH, read with
``include=filteringParameters``).

The registry has the variant parameters' shape in the state (``filteringParameters``: a
parameter's ``nameIndex`` is its ``code``) and shares their write rules
(``variant_params.RegistryKind``). A product keeps ``[{code, values: [valueIndex, ...]}]``.
Strict where the spec is silent: a product write naming a code or value index the registry
lacks is refused with 422 (nothing says it creates them), as is a code twice; ``null`` (PATCH)
or ``[]`` clears the assignment, which is replaced whole.

Update and delete of parameters and values (SPEC updateFilteringParameter,
deleteFilteringParameter, updateFilteringParameterValue, deleteFilteringParameterValue) follow
the variant parameters' rules (``variant_params``): a renamed code or value index is renamed in
every product's assignment too; a parameter or value a product is assigned is not deleted
(409 ``filtering-parameter-used-by-products``: the spec does not say what Shoptet does, strict);
a value's ``valueIndex: null`` derives it from the name again, as a create does.
"""

from __future__ import annotations

from reconciler.sandbox.content import render_filtering_param as render_param
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err, invalid_parameter
from reconciler.sandbox.handlers_registry import RegistryWrites
from reconciler.sandbox.schemas import (
    ADD_FILTERING_PARAMETER_VALUES,
    CREATE_FILTERING_PARAMETER,
    UPDATE_FILTERING_PARAMETER,
    UPDATE_FILTERING_PARAMETER_VALUE,
)
from reconciler.sandbox.state import ShopState
from reconciler.sandbox.validate import check_body
from reconciler.sandbox.variant_params import (
    RegistryKind,
    add_values,
    create_param,
    find,
    registry,
)

FILTERING = RegistryKind(
    "filteringParameters", "Filtering parameter", "name", "code", "name", "valueIndex", "priority"
)


WRITES = RegistryWrites(
    FILTERING,
    "code",
    "valueIndex",
    render_param,
    UPDATE_FILTERING_PARAMETER,
    UPDATE_FILTERING_PARAMETER_VALUE,
)


def _param(ctx: Ctx) -> dict:
    return find(ctx.state, ctx.params["code"], FILTERING)


def list_params(ctx: Ctx) -> Result:
    if ctx.includes:
        raise invalid_parameter(
            "include", f'Invalid "include" parameter value(s): {", ".join(sorted(ctx.includes))}.'
        )
    chunk, pager = ctx.page(ctx.state.doc[FILTERING.doc_key], 100, 100)
    return Result(
        data={"filteringParameters": [render_param(p) for p in chunk], "paginator": pager}
    )


def get_param(ctx: Ctx) -> Result:
    return Result(data=render_param(_param(ctx)))


def create(ctx: Ctx) -> Result:
    data = check_body(ctx.body, CREATE_FILTERING_PARAMETER)
    return Result(status=201, data=render_param(create_param(ctx.state, data, FILTERING)))


def create_values(ctx: Ctx) -> Result:
    param = _param(ctx)
    data = check_body(ctx.body, ADD_FILTERING_PARAMETER_VALUES)
    return Result(status=201, data=render_param(add_values(ctx.state, param, data, FILTERING)))


# -- a product's assignment --------------------------------------------------------------------


def check_assignment(state: ShopState, data: dict) -> None:
    """``filteringParameters`` of a product write: every code and value index must exist."""
    errors = []
    have = registry(state, FILTERING)
    seen: set[str] = set()
    for i, item in enumerate(data.get("filteringParameters") or []):
        where = f"data.filteringParameters[{i}]"
        param = have.get(item["code"])
        if param is None:
            errors.append(
                err(
                    "invalid-request-data",
                    f'Filtering parameter "{item["code"]}" not found.',
                    f"{where}.code",
                )
            )
            continue
        if item["code"] in seen:
            errors.append(
                err("invalid-request-data", f'Parameter "{item["code"]}" is given twice.', where)
            )
        seen.add(item["code"])
        known = {v["valueIndex"] for v in param["values"]}
        for j, value in enumerate(item["values"]):
            if value not in known:
                errors.append(
                    err(
                        "invalid-request-data",
                        f'Value "{value}" of filtering parameter "{item["code"]}" not found.',
                        f"{where}.values[{j}]",
                    )
                )
    if errors:
        raise Fail(422, errors)


def apply_assignment(product: dict, data: dict) -> None:
    if "filteringParameters" in data:
        product["filteringParameters"] = [
            {"code": item["code"], "values": list(dict.fromkeys(item["values"]))}
            for item in data["filteringParameters"] or []
        ]
