"""``/api/products/variant-parameters``: list (``include=values``), detail, create a parameter,
add values to one, update and delete a parameter or one of its values (SPEC
getListOfVariantParameters, getDetailOfVariantParameter, createVariantParameter,
createVariantParameterValue, updateVariantParameter, deleteVariantParameter,
updateVariantParameterValue, deleteVariantParameterValue). Registry rules, and what happens
to the variants that use a renamed or deleted parameter (the spec does not say; strict: a
parameter or value still in use is not deleted, 409): :mod:`variant_params`.
"""

from __future__ import annotations

from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Result, invalid_parameter
from reconciler.sandbox.handlers_registry import RegistryWrites
from reconciler.sandbox.schemas import (
    ADD_VARIANT_PARAMETER_VALUES,
    CREATE_VARIANT_PARAMETER,
    UPDATE_VARIANT_PARAMETER,
    UPDATE_VARIANT_PARAMETER_VALUE,
)
from reconciler.sandbox.validate import check_body
from reconciler.sandbox.variant_params import (
    VARIANT,
    add_values,
    create_param,
    find,
    render_param,
)

LIST_INCLUDES = {"values"}


def list_params(ctx: Ctx) -> Result:
    unknown = ctx.includes - LIST_INCLUDES
    if unknown:
        raise invalid_parameter(
            "include", f'Invalid "include" parameter value(s): {", ".join(sorted(unknown))}.'
        )
    chunk, pager = ctx.page(ctx.state.doc["variantParameters"], 50, 100)
    with_values = "values" in ctx.includes
    return Result(
        data={"parameters": [render_param(p, with_values) for p in chunk], "paginator": pager}
    )


def _param(ctx: Ctx) -> dict:
    return find(ctx.state, ctx.params["paramIndex"], VARIANT)


def get_param(ctx: Ctx) -> Result:
    return Result(data=render_param(_param(ctx)))


def create(ctx: Ctx) -> Result:
    data = check_body(ctx.body, CREATE_VARIANT_PARAMETER)
    return Result(status=201, data=render_param(create_param(ctx.state, data)))


def create_values(ctx: Ctx) -> Result:
    param = _param(ctx)
    data = check_body(ctx.body, ADD_VARIANT_PARAMETER_VALUES)
    return Result(status=201, data=render_param(add_values(ctx.state, param, data)))


WRITES = RegistryWrites(
    VARIANT,
    "paramIndex",
    "rawValue",
    render_param,
    UPDATE_VARIANT_PARAMETER,
    UPDATE_VARIANT_PARAMETER_VALUE,
)
