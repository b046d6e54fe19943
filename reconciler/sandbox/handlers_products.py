"""``/api/products``: list, detail (by GUID and by code), create, PATCH, DELETE, changes."""

from __future__ import annotations

import re
from decimal import Decimal

from reconciler.sandbox import render
from reconciler.sandbox.content import unlink
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err, invalid_parameter, not_found_product
from reconciler.sandbox.product_writes import apply_create, apply_patch
from reconciler.sandbox.schemas import CREATE_PRODUCT, PATCH_PRODUCT
from reconciler.sandbox.state import fmt, parse_time
from reconciler.sandbox.validate import GUID, check_body

LIST_FILTER_MAX = 50


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def list_products(ctx: Ctx) -> Result:
    state, q = ctx.state, ctx.query
    products = list(state.doc["products"])
    if "productCodes" in q and "productGuids" in q:
        raise invalid_parameter(
            "productCodes",
            'Invalid "productCodes" parameter. You can use '
            '"productCodes" or "productGuids", but not both.',
        )
    for name in ("productCodes", "productGuids"):
        if name in q:
            values = _split(q[name])
            if len(values) > LIST_FILTER_MAX:
                raise invalid_parameter(
                    name,
                    f'Invalid "{name}" parameter. Expected max. '
                    f"{LIST_FILTER_MAX} elements, but {len(values)} given.",
                )
            if name == "productGuids":
                wanted = {v.lower() for v in values}
                products = [p for p in products if p["guid"] in wanted]
            else:
                owners = {state.code_owner.get(v.upper()) for v in values}
                products = [p for p in products if p["guid"] in owners]
            break
    else:
        products = _filtered(ctx, products)
    chunk, pager = ctx.page(products, 20, 1000)
    return Result(
        data={"products": [render.list_item(state, p) for p in chunk], "paginator": pager}
    )


def _filtered(ctx: Ctx, products: list[dict]) -> list[dict]:
    q = ctx.query
    for name, key in (("creationTimeFrom", "creationTime"), ("changeTimeFrom", "changeTime")):
        since = ctx.time_param(name)
        if since is not None:
            products = [p for p in products if parse_time(p[key]) >= since]
    for name, key in (("creationTimeTo", "creationTime"), ("changeTimeTo", "changeTime")):
        until = ctx.time_param(name)
        if until is not None:
            products = [p for p in products if parse_time(p[key]) <= until]
    simple = {
        "visibility": "visibility",
        "type": "type",
        "brandCode": "brandCode",
        "defaultCategoryGuid": "defaultCategoryGuid",
    }
    for name, key in simple.items():
        if q.get(name):
            products = [p for p in products if p[key] == q[name]]
    if q.get("categoryGuid"):
        products = [p for p in products if q["categoryGuid"] in p["categoryGuids"]]
    return products


def _includes(ctx: Ctx) -> set[str]:
    includes = ctx.includes
    unknown = includes - render.DETAIL_INCLUDES
    if unknown:
        raise invalid_parameter(
            "include", f'Invalid "include" parameter value(s): {", ".join(sorted(unknown))}.'
        )
    return includes


def _by_guid(ctx: Ctx) -> dict:
    guid = ctx.params["guid"]
    product = ctx.state.products.get(guid) if re.match(GUID, guid) else None
    if product is None:
        raise not_found_product(guid)
    return product


def _by_code(ctx: Ctx) -> dict:
    code = ctx.params["code"]
    found = ctx.state.variant(code)
    if found is None:
        raise not_found_product(code)
    return found[0]


def get_product(ctx: Ctx) -> Result:
    product = _by_guid(ctx)
    return Result(data=_physical(ctx, render.detail(ctx.state, product, _includes(ctx))))


def get_product_by_code(ctx: Ctx) -> Result:
    product = _by_code(ctx)
    return Result(data=_physical(ctx, render.detail(ctx.state, product, _includes(ctx))))


def _physical(ctx: Ctx, data: dict) -> dict:
    """With ``SandboxConfig.per_stock_amount = "physical"``, ``perStockAmounts[].amount`` is
    realStock instead of the available amount (a shop `doctor` must catch)."""
    if getattr(ctx.config, "per_stock_amount", "available") != "physical":
        return data
    for variant in data.get("variants") or []:
        for row in variant.get("perStockAmounts") or []:
            row["amount"] = fmt(Decimal(row["amount"]) + Decimal(row["claim"]), 3)
    return data


def create_product(ctx: Ctx) -> Result:
    includes = _includes(ctx)
    data = check_body(ctx.body, CREATE_PRODUCT)
    product = apply_create(ctx.state, data, enforce=ctx.enforce_variant_parameters)
    return Result(status=201, data={"product": render.detail(ctx.state, product, includes)})


def patch_product(ctx: Ctx) -> Result:
    includes = _includes(ctx)
    product = _by_guid(ctx)
    data = check_body(ctx.body, PATCH_PRODUCT)
    apply_patch(ctx.state, product, data, enforce=ctx.enforce_variant_parameters)
    return Result(data=render.detail(ctx.state, product, includes))


def patch_product_by_code(ctx: Ctx) -> Result:
    includes = _includes(ctx)
    product = _by_code(ctx)
    data = check_body(ctx.body, PATCH_PRODUCT)
    apply_patch(ctx.state, product, data, enforce=ctx.enforce_variant_parameters)
    return Result(data=render.detail(ctx.state, product, includes))


def _delete(state, product: dict) -> None:
    # UNFINISHED: product sets and gifts are not modelled, so 409 product-used-in-set never
    # happens here.
    state.doc["products"].remove(product)
    unlink(state, product["guid"])
    state.doc["deletedProducts"] = [
        d for d in state.doc["deletedProducts"] if d["guid"] != product["guid"]
    ]
    state.doc["deletedProducts"].append({"guid": product["guid"], "changeTime": state.touch()})
    state.reindex()


def delete_product(ctx: Ctx) -> Result:
    _delete(ctx.state, _by_guid(ctx))
    return Result(data=None)


def delete_variant(ctx: Ctx) -> Result:
    """One variant by code; deleting the last variant deletes the product (notes §5a)."""
    product = _by_code(ctx)
    code = ctx.params["code"].upper()
    if len(product["variants"]) == 1:
        _delete(ctx.state, product)
    else:
        product["variants"] = [v for v in product["variants"] if v["code"] != code]
        product["changeTime"] = ctx.state.touch()
        ctx.state.reindex()
    return Result(data=None)


def product_changes(ctx: Ctx) -> Result:
    """Each product once with its last change; a create appears as an edit (notes §5a)."""
    since = ctx.time_param("from")
    if since is None:
        raise Fail(400, err("missing-parameter", 'Missing value for parameter "from".', "from"))
    change_type = ctx.query.get("changeType")
    if change_type not in (None, "", "edit", "delete"):
        raise invalid_parameter(
            "changeType", 'Invalid "changeType" parameter. Use "edit" or "delete".'
        )
    rows = []
    if change_type in (None, "", "edit"):
        rows += [
            {"guid": p["guid"], "changeTime": p["changeTime"], "changeType": "edit"}
            for p in ctx.state.doc["products"]
        ]
    if change_type in (None, "", "delete"):
        rows += [
            {"guid": d["guid"], "changeTime": d["changeTime"], "changeType": "delete"}
            for d in ctx.state.doc["deletedProducts"]
        ]
    # Shoptet lists a product once, with its last change, even if it was deleted and re-created
    # (or a state file holds both records).
    last: dict[str, dict] = {}
    for row in rows:
        seen = last.get(row["guid"])
        if seen is None or parse_time(row["changeTime"]) >= parse_time(seen["changeTime"]):
            last[row["guid"]] = row
    rows = [r for r in last.values() if parse_time(r["changeTime"]) >= since]
    rows.sort(key=lambda r: (parse_time(r["changeTime"]), r["guid"]))
    chunk, pager = ctx.page(rows, 1000, 1000)
    return Result(data={"changes": chunk, "paginator": pager})
