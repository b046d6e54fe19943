"""``/api/products/variant-parameters``: list (``include=values``), detail, create a parameter,
add values to one (SPEC getListOfVariantParameters, getDetailOfVariantParameter,
createVariantParameter, createVariantParameterValue). Registry rules: :mod:`variant_params`.

UNFINISHED: PATCH and DELETE of parameters and values (SPEC updateVariantParameter,
deleteVariantParameter, updateVariantParameterValue, deleteVariantParameterValue) answer 405;
what Shoptet does with a parameter that variants still use is not documented.
"""

from __future__ import annotations

from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Result, invalid_parameter
from reconciler.sandbox.schemas import ADD_VARIANT_PARAMETER_VALUES, CREATE_VARIANT_PARAMETER
from reconciler.sandbox.validate import check_body
from reconciler.sandbox.variant_params import add_values, create_param, not_found, render_param

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
    index = ctx.params["paramIndex"]
    param = ctx.state.params.get(index)
    if param is None:
        raise not_found(index)
    return param


def get_param(ctx: Ctx) -> Result:
    return Result(data=render_param(_param(ctx)))


def create(ctx: Ctx) -> Result:
    data = check_body(ctx.body, CREATE_VARIANT_PARAMETER)
    return Result(status=201, data=render_param(create_param(ctx.state, data)))


def create_values(ctx: Ctx) -> Result:
    param = _param(ctx)
    data = check_body(ctx.body, ADD_VARIANT_PARAMETER_VALUES)
    return Result(status=201, data=render_param(add_values(ctx.state, param, data)))
