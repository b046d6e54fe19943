"""Product content beyond the product body (issue 18): related and alternative products
(SPEC getListOfProductRelatedProducts, setRelatedProducts, addRelatedProduct and their
alternativeProducts twins). The state's lists and their read shape are
``reconciler.sandbox.content``.

Strict where the spec is silent: a GUID the shop lacks, the product itself, or a GUID twice
is refused with 422 (Shoptet links only existing, distinct products). Adding one (POST) puts
it at the end of the list; one the list already has is 409 ``...-already-exists`` (Shoptet's
status for duplicate data), and a 51st is 422 (a list is set with at most 50). Links made here
are ``linkType: physical``: one-way, so setting A's list leaves B's as it is (UNVERIFIED: how
Shoptet's ``reciprocal`` links show on the other product is not documented). Shoptet documents
no DELETE of one link (a PUT of the shorter list removes it), so none is served (405).
"""

from __future__ import annotations

from reconciler.sandbox.content import link_items
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err
from reconciler.sandbox.handlers_products import _by_guid
from reconciler.sandbox.schemas import ADD_PRODUCT_LINK, PRODUCT_LINKS
from reconciler.sandbox.validate import check_body


def _name(ctx: Ctx) -> str:
    return ctx.path.rstrip("/").rsplit("/", 1)[1]


def get_links(ctx: Ctx) -> Result:
    product = _by_guid(ctx)
    return Result(data={"items": link_items(ctx.state, product[_name(ctx)])})


MAX_LINKS = 50


def _check_target(ctx: Ctx, product: dict, guid: str, where: str) -> None:
    """A product ``product`` may link to: another one the shop has."""
    if guid == product["guid"]:
        raise Fail(422, err("invalid-request-data", "A product cannot be linked to itself.", where))
    if guid not in ctx.state.products:
        raise Fail(422, err("product-not-found", f'Product with guid "{guid}" not found.', where))


def put_links(ctx: Ctx) -> Result:
    product = _by_guid(ctx)
    name = _name(ctx)
    data = check_body(ctx.body, PRODUCT_LINKS[name])
    guids: list[str] = []
    for i, item in enumerate(data[name]):
        guid, where = item["guid"], f"data.{name}[{i}].guid"
        if guid in guids:
            raise Fail(422, err("invalid-request-data", f'Product "{guid}" is given twice.', where))
        _check_target(ctx, product, guid, where)
        guids.append(guid)
    product[name] = guids
    product["changeTime"] = ctx.state.touch()
    return Result(data={"items": link_items(ctx.state, guids)})


def add_link(ctx: Ctx) -> Result:
    """POST: one product at the end of the list; answers the whole list."""
    product = _by_guid(ctx)
    name = _name(ctx)
    one = name[:-1]  # relatedProduct, alternativeProduct
    guid = check_body(ctx.body, ADD_PRODUCT_LINK[name])[one]["guid"]
    where = f"data.{one}.guid"
    _check_target(ctx, product, guid, where)
    if guid in product[name]:
        kind = "related" if name == "relatedProducts" else "alternative"
        raise Fail(
            409,
            err(
                f"{kind}-product-already-exists",
                f'Product "{guid}" is already among the {kind} products of this product.',
                where,
            ),
        )
    if len(product[name]) >= MAX_LINKS:
        raise Fail(
            422,
            err(
                "invalid-request-data",
                f"The list already has {MAX_LINKS} products, the most it can have.",
                where,
            ),
        )
    product[name] = [*product[name], guid]
    product["changeTime"] = ctx.state.touch()
    return Result(data={"items": link_items(ctx.state, product[name])})
