"""Lookup reads (issue 14): availabilities, price lists, customer groups, webhooks and the
token's endpoint list. Read-only; shapes as the OpenAPI file requires them."""

from __future__ import annotations

from reconciler.sandbox import measure, render
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Result

# What GET /api/system/endpoints lists: (identifier, description, group, path prefix).
# UNCERTAIN: Shoptet documents the identifier only by the example "orders"; these follow it.
ENDPOINTS = (
    ("eshop", "E-shop info", "E-shop", "/api/eshop"),
    ("products", "Products", "Products", "/api/products"),
    ("products-changes", "Product changes", "Products", "/api/products/changes"),
    ("products-availabilities", "Product availabilities", "Products", "/api/products/avail"),
    ("categories", "Categories", "Categories", "/api/categories"),
    ("brands", "Brands", "Brands", "/api/brands"),
    ("stocks", "Stocks", "Stocks", "/api/stocks"),
    ("stocks-supplies", "Stock supplies", "Stocks", "/api/stocks/1/supplies"),
    ("stocks-movements", "Stock movements", "Stocks", "/api/stocks/1/movements"),
    ("pricelists", "Price lists", "Price lists", "/api/pricelists"),
    ("customers-groups", "Customer groups", "Customers", "/api/customers/groups"),
    ("webhooks", "Webhooks", "Webhooks", "/api/webhooks"),
)


def flags(ctx: Ctx) -> Result:
    """``GET /api/products/flags`` (not paginated); the writes: ``handlers_flags``."""
    return Result(data={"flags": [render.flag(f) for f in ctx.state.doc["flags"]]})


def warranties(ctx: Ctx) -> Result:
    """``GET /api/products/warranties`` (not paginated; read-only in the API)."""
    rows = [
        {k: w[k] for k in ("id", "inMonths", "description")} | {"system": w["id"] < 0}
        for w in ctx.state.doc["warranties"]
    ]
    return Result(data={"warranties": rows})


def units(ctx: Ctx) -> Result:
    """``GET /api/products/units`` (not paginated; read-only in the API)."""
    rows = [
        {"id": u["id"], "name": u["name"], "system": u["id"] < 0} for u in ctx.state.doc["units"]
    ]
    return Result(data={"units": rows})


def measure_units(ctx: Ctx) -> Result:
    """``GET /api/products/measure-units`` (not paginated): Shoptet's system units."""
    return Result(data={"measureUnits": measure.list_items()})


def suppliers(ctx: Ctx) -> Result:
    """``GET /api/suppliers``: 200 a page by default, at most 500."""
    rows = [{"guid": s["guid"], "name": s["name"]} for s in ctx.state.doc["suppliers"]]
    chunk, pager = ctx.page(rows, 200, 500)
    return Result(data={"suppliers": chunk, "paginator": pager})


def availabilities(ctx: Ctx) -> Result:
    items = [
        {
            "id": a["id"],
            "name": a["name"],
            "indexName": None,
            "description": None,
            "color": None,
            "system": a["id"] < 0,
            "onStockInHours": None,
            "deliveryInHours": None,
            "googleAvailability": None,
        }
        for a in ctx.state.doc.get("availabilities", [])
    ]
    ids = {a["id"] for a in items}
    defaults = {
        "onStock": -1 if -1 in ids else None,
        "soldOutNegativeStockAllowed": None,
        "soldOutNegativeStockForbidden": -2 if -2 in ids else None,
    }
    return Result(data={"availabilities": items, "defaultAvailabilities": defaults})


def pricelists(ctx: Ctx) -> Result:
    rows = [{"id": p["id"], "name": p["name"]} for p in ctx.state.doc["pricelists"]]
    return Result(data={"pricelists": rows})


def customer_groups(ctx: Ctx) -> Result:
    """``GET /api/customers/groups`` (not paginated, "ordered by priority"): every field
    Shoptet's schema requires; what the state does not say is a neutral default."""
    groups = sorted(
        ctx.state.doc["customerGroups"],
        key=lambda g: (g.get("priority") is None, g.get("priority") or 0, g["id"]),
    )
    return Result(data={"customerGroups": [_customer_group(g) for g in groups]})


def _customer_group(group: dict) -> dict:
    return {
        "id": group["id"],
        "name": group["name"],
        "customerGroupCode": group.get("customerGroupCode"),
        "description": group.get("description"),
        "defaultPricelistId": group.get("defaultPricelistId"),
        "maxDiscount": group.get("maxDiscount"),
        "priority": group.get("priority"),
        "emailNotification": bool(group.get("emailNotification", False)),
        "authRequired": bool(group.get("authRequired", False)),
        "registrationAllowed": bool(group.get("registrationAllowed", True)),
        "wholesale": bool(group.get("wholesale", False)),
        "tableLayout": bool(group.get("tableLayout", False)),
        "fullProfileRequired": bool(group.get("fullProfileRequired", False)),
        "defaultDueDays": group.get("defaultDueDays"),
        "defaultOrderStatusId": group.get("defaultOrderStatusId"),
    }


def system_endpoints(ctx: Ctx) -> Result:
    config = ctx.config
    forbidden = tuple(config.forbidden) if config else ()
    read_only = tuple(config.read_only_rights) if config else ()
    groups: dict[str, int] = {}
    rows = []
    for ident, description, group, path in ENDPOINTS:
        if any(path.startswith(p) for p in forbidden):
            continue
        group_id = groups.setdefault(group, len(groups) + 1)
        access = "read" if any(path.startswith(p) for p in read_only) else "both"
        rows.append(
            {
                "endpoint": ident,
                "description": description,
                "group": {"id": group_id, "description": group},
                "access": access,
                "action": None,
            }
        )
    return Result(data={"endpoints": rows})
