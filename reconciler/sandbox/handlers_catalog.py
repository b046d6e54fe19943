"""``/api/eshop``, ``/api/stocks``, ``/api/categories``, ``/api/brands``, availabilities."""

from __future__ import annotations

import uuid

from reconciler.sandbox import render
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err
from reconciler.sandbox.schemas import CREATE_CATEGORY
from reconciler.sandbox.validate import check_body


def get_eshop(ctx: Ctx) -> Result:
    e = ctx.state.doc["eshop"]
    default_pl = next(
        p for p in ctx.state.doc["pricelists"] if p["id"] == ctx.state.doc["defaultPricelistId"]
    )
    data = {
        "contactInformation": {
            "eshopId": e["eshopId"],
            "eshopName": e["name"],
            "eshopCategory": None,
            # the e-shop's own origin (job results live there): the HTTP face's results server
            "url": (ctx.config.result_origin + "/")
            if ctx.config and ctx.config.result_origin
            else e["url"],
            "eshopTitle": e["name"],
            "eshopSubtitle": None,
            "contactPerson": None,
            "email": None,
            "phone": None,
            "mobilePhone": None,
            "skypeAccount": None,
            "contactPhotoUrl": None,
        },
        "settings": {
            "vatPayer": ctx.config.vat_payer if ctx.config else True,
            "cashDeskOnly": False,
            "trackStockClaims": e.get("trackStockClaims", True),
            "maxProductAmount": 9999,
            "maxEmailAmount": 1000,
            "defaultPricelist": {"id": default_pl["id"], "name": default_pl["name"]},
            "eshopLanguage": "cs",
            "timezone": "Europe/Prague",
            "dateFormat": "d.m.Y",
            "timeFormat": "H:i:s",
            "internals": "",
            "exchangeRateFlip": False,
            "negativeStockAmount": (ctx.config.negative_stock_amount if ctx.config else "allowed"),
            "oss": False,
            "stockControlDisabled": e.get("stockControlDisabled", False),
            "wholesaleSplitActive": False,
        },
        "currencies": [
            {
                "code": e["currency"],
                "title": e["currency"],
                "isDefault": True,
                "isDefaultAdmin": True,
                "isDefaultDocuments": True,
                "isVisible": True,
                "exchangeRate": "1.00000000",
                "priority": 1,
                "display": {
                    "text": "Kč",
                    "location": "right",
                    "decimalsSeparator": ",",
                    "thousandsSeparator": " ",
                },
                "priceDecimalPlaces": 2,
                "documentPriceDecimalPlaces": 2,
                "rounding": "math",
                "minimalOrderValue": None,
                "bankAccount": {
                    "accountNumber": None,
                    "iban": None,
                    "bic": None,
                    "ownerName": None,
                },
            }
        ],
        "taxClasses": [
            {
                "title": f"{rate} %",
                "rates": [{"zone": "CZ", "vatRate": rate}],
                "isDefault": rate == e["defaultVatRate"],
            }
            for rate in e["vatRates"]
        ],
        "activeModules": [{"name": "stock", "title": "Sklad"}],
        "urls": [{"ident": "eshop", "url": e["url"]}],
    }
    return Result(data=data)


def get_stocks(ctx: Ctx) -> Result:
    stocks = [
        {
            "id": s["id"],
            "title": s["title"],
            "isDeliveryPoint": False,
            "visibleOnEshop": True,
            "deliveryPointTitle": None,
            "deliveryPointAddress": None,
        }
        for s in ctx.state.doc["stocks"]
    ]
    return Result(data={"stocks": stocks, "defaultStockId": ctx.state.doc["defaultStockId"]})


def list_categories(ctx: Ctx) -> Result:
    chunk, pager = ctx.page(ctx.state.doc["categories"], 500, 1000)
    return Result(
        data={"categories": [render.category(ctx.state, c) for c in chunk], "paginator": pager}
    )


def create_category(ctx: Ctx) -> Result:
    data = check_body(ctx.body, CREATE_CATEGORY)
    state = ctx.state
    guid = data.get("guid") or str(uuid.uuid4())
    if guid in state.categories:
        raise Fail(
            422,
            err(
                "invalid-request-data", f'Category with guid "{guid}" already exists.', "data.guid"
            ),
        )
    parent = data.get("parentGuid")
    if parent is not None and parent not in state.categories:
        raise Fail(
            422,
            err(
                "category-not-found", f'Category with guid "{parent}" not found.', "data.parentGuid"
            ),
        )
    row = {
        "guid": guid,
        "name": data["name"],
        "parentGuid": parent,
        "visible": data.get("visible", True),
        "priority": len(state.doc["categories"]) + 1,
    }
    state.doc["categories"].append(row)
    state.reindex()
    state.touch()
    return Result(status=201, data=render.category(state, row))


def list_brands(ctx: Ctx) -> Result:
    chunk, pager = ctx.page(ctx.state.doc["brands"], 500, 1000)
    return Result(data={"brands": [render.brand(b) for b in chunk], "paginator": pager})
