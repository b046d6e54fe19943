"""``/api/products/flags`` writes: create a flag (Shoptet generates its code), update its title
or colour, delete it (SPEC createProductFlag, updateProductFlag, deleteProductFlag; the list is
``handlers_lookup.flags``).

UNVERIFIED (not in the spec; strict where in doubt): the generated code's form (``custom1``,
``custom2``, ...), refusing a second flag with the same title (case-insensitive), what the
create answers in ``flags`` (here: the new flag alone; the tool matches it by title), and the
errors for an unknown code (404 ``flag-not-found``) and a system flag's deletion (422).
"""

from __future__ import annotations

from reconciler.sandbox import render
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err
from reconciler.sandbox.schemas import CREATE_FLAG, UPDATE_FLAG
from reconciler.sandbox.state import ShopState
from reconciler.sandbox.validate import check_body


def _flag(state: ShopState, code: str) -> dict:
    flag = state.flags.get(code)
    if flag is None:
        raise Fail(404, err("flag-not-found", f'Flag with code "{code}" not found.', code))
    return flag


def _title_taken(state: ShopState, title: str, code: str | None = None) -> None:
    for f in state.doc["flags"]:
        if f["code"] != code and f["title"].casefold() == title.casefold():
            raise Fail(
                422,
                err("invalid-request-data", f'Flag "{title}" already exists.', "data.title"),
            )


def _next_code(state: ShopState) -> str:
    n = 1
    while f"custom{n}" in state.flags:
        n += 1
    return f"custom{n}"


def create(ctx: Ctx) -> Result:
    data = check_body(ctx.body, CREATE_FLAG)
    state = ctx.state
    _title_taken(state, data["title"])
    flag = {
        "code": _next_code(state),
        "title": data["title"],
        "system": False,
        "color": data.get("color"),
    }
    state.doc["flags"].append(flag)
    state.reindex()
    state.touch()
    return Result(data={"flags": [render.flag(flag)]})


def update(ctx: Ctx) -> Result:
    state = ctx.state
    flag = _flag(state, ctx.params["code"])
    data = check_body(ctx.body, UPDATE_FLAG)
    if "title" in data:
        _title_taken(state, data["title"], flag["code"])
    flag.update({k: data[k] for k in ("title", "color") if k in data})
    state.touch()
    return Result(data={"flags": [render.flag(flag)]})


def delete(ctx: Ctx) -> Result:
    """Deletes the flag and takes it off every product (what else could they show?)."""
    state = ctx.state
    flag = _flag(state, ctx.params["code"])
    if flag.get("system"):
        raise Fail(
            422,
            err("invalid-request-data", "System flags cannot be deleted.", flag["code"]),
        )
    state.doc["flags"].remove(flag)
    for product in state.doc["products"]:
        product["flags"] = [f for f in product.get("flags", []) if f["code"] != flag["code"]]
    state.reindex()
    state.touch()
    return Result(data=None)
