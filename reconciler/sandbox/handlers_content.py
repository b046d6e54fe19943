"""Product content beyond the product body (issue 18): related and alternative products
(SPEC getListOfProductRelatedProducts, setRelatedProducts and their alternativeProducts
twins). The state's lists and their read shape are ``reconciler.sandbox.content``.

Strict where the spec is silent: a GUID the shop lacks, the product itself, or a GUID twice
is refused with 422 (Shoptet links only existing, distinct products). Links made here are
``linkType: physical``: one-way, so setting A's list leaves B's as it is (UNVERIFIED: how
Shoptet's ``reciprocal`` links show on the other product is not documented).

UNFINISHED: ``POST .../relatedProducts`` (add one) and ``DELETE`` are not served.
"""

from __future__ import annotations

from reconciler.sandbox.content import link_items
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err
from reconciler.sandbox.handlers_products import _by_guid
from reconciler.sandbox.schemas import PRODUCT_LINKS
from reconciler.sandbox.validate import check_body


def _name(ctx: Ctx) -> str:
    return ctx.path.rstrip("/").rsplit("/", 1)[1]


def get_links(ctx: Ctx) -> Result:
    product = _by_guid(ctx)
    return Result(data={"items": link_items(ctx.state, product[_name(ctx)])})


def put_links(ctx: Ctx) -> Result:
    product = _by_guid(ctx)
    name = _name(ctx)
    data = check_body(ctx.body, PRODUCT_LINKS[name])
    guids: list[str] = []
    for i, item in enumerate(data[name]):
        guid, where = item["guid"], f"data.{name}[{i}].guid"
        if guid == product["guid"]:
            raise Fail(
                422, err("invalid-request-data", "A product cannot be linked to itself.", where)
            )
        if guid in guids:
            raise Fail(422, err("invalid-request-data", f'Product "{guid}" is given twice.', where))
        if guid not in ctx.state.products:
            raise Fail(
                422, err("product-not-found", f'Product with guid "{guid}" not found.', where)
            )
        guids.append(guid)
    product[name] = guids
    product["changeTime"] = ctx.state.touch()
    return Result(data={"items": link_items(ctx.state, guids)})
