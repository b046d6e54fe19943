"""State to Shoptet's response shapes (the spec's required fields, decimals as strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reconciler.sandbox import gallery, measure
from reconciler.sandbox.content import (
    LINK_LISTS,
    assignment_items,
    descriptive_items,
    link_items,
)
from reconciler.sandbox.gallery import slug
from reconciler.sandbox.state import ShopState, available, dec, fmt

DETAIL_INCLUDES = frozenset(
    {
        "images",
        "variantparameters",
        "allcategories",
        "flags",
        "descriptiveparameters",
        "measureunit",
        "surchargeparameters",
        "setitems",
        "filteringparameters",
        "recyclingfee",
        "consumptiontax",
        "warranty",
        "sortvariants",
        "gifts",
        "alternativeproducts",
        "relatedproducts",
        "relatedvideos",
        "relatedfiles",
        "perstockamounts",
        "perpricelistprices",
    }
)
_EMPTY_LISTS = {
    "surchargeparameters": "surchargeParameters",
    "gifts": "gifts",
    "relatedfiles": "relatedFiles",
    "relatedvideos": "relatedVideos",
}


def flag(f: dict) -> dict:
    """An item of ``GET /api/products/flags``."""
    return {
        "code": f["code"],
        "title": f["title"],
        "system": bool(f.get("system", False)),
        "color": f.get("color"),
        "showInDetail": f.get("showInDetail", True),
        "showInCategory": f.get("showInCategory", True),
    }


def paginator(total: int, page: int, per_page: int, on_page: int) -> dict:
    pages = max(1, -(-total // per_page)) if total else 0
    return {
        "totalCount": total,
        "page": page,
        "pageCount": pages,
        "itemsOnPage": on_page,
        "itemsPerPage": per_page,
    }


def category(state: ShopState, c: dict) -> dict:
    index = slug(c["name"])
    return {
        "guid": c["guid"],
        "name": c["name"],
        "image": None,
        "description": None,
        "secondDescription": None,
        "indexName": index,
        "url": f"{state.doc['eshop']['url']}{index}/",
        "parentGuid": c["parentGuid"],
        "priority": c.get("priority"),
        "menuTitle": None,
        "title": None,
        "metaTagDescription": None,
        "visible": c.get("visible", True),
        "similarProductsCategory": None,
        "relatedProductsCategory": None,
        "customerVisibility": "all",
        "productOrdering": "default",
        "catalogueMapping": [],
    }


def brand(b: dict) -> dict:
    return {
        "guid": b["guid"],
        "name": b["name"],
        "indexName": b["code"],
        "description": None,
        "brandWeb": None,
        "showInCategoriesMenu": False,
        "showInBrandList": True,
        "metaTitle": None,
        "metaDescription": None,
    }


def _brand_ref(state: ShopState, code: str | None) -> dict | None:
    b = state.brands.get(code) if code else None
    return {"code": b["code"], "name": b["name"]} if b else None


def _default_category(state: ShopState, product: dict) -> dict:
    c = state.categories.get(product["defaultCategoryGuid"])
    if c is None:
        return {"guid": None, "name": None, "visible": None}
    return {"guid": c["guid"], "name": c["name"], "visible": c.get("visible", True)}


def product_url(state: ShopState, product: dict) -> str:
    return f"{state.doc['eshop']['url']}{slug(product['name'])}/"


def list_item(state: ShopState, p: dict) -> dict:
    return {
        "guid": p["guid"],
        "name": p["name"],
        "type": p["type"],
        "url": product_url(state, p),
        "visibility": p["visibility"],
        "creationTime": p["creationTime"],
        "changeTime": p["changeTime"],
        "brand": _brand_ref(state, p["brandCode"]),
        "supplier": None,
        "defaultCategory": _default_category(state, p),
    }


def variant_stock(variant: dict) -> Decimal:
    """Variant ``stock`` in the detail: the sum of *available* amounts over all stocks."""
    return sum(
        (available(dec(r["realStock"]), dec(r["claim"])) for r in variant["stocks"].values()),
        Decimal(0),
    )


def _price_row(state: ShopState, variant: dict, pricelist_id: int) -> dict:
    row = variant["prices"].get(str(pricelist_id)) or {}
    vat_rate = fmt(row.get("vatRate") or state.doc["eshop"]["defaultVatRate"], 2)
    including = row.get("includingVat", True)
    purchase = row.get("purchasePrice") or {}
    # the deprecated buyPrice is the purchase price (a state file may still say buyPrice)
    buy = purchase.get("price") if "price" in purchase else row.get("buyPrice")
    limits = row.get("orderableAmount") or {}
    return {
        "price": fmt(row.get("price"), 2),
        "commonPrice": fmt(row.get("commonPrice"), 2),
        "buyPrice": fmt(buy, 2),
        "vatRate": vat_rate,
        "includingVat": including,
        "currencyCode": row.get("currencyCode") or state.doc["eshop"]["currency"],
        "actionPrice": _action_price(row.get("actionPrice")),
        "orderableAmount": {
            "minimumAmount": fmt(limits.get("minimumAmount"), 3),
            "maximumAmount": fmt(limits.get("maximumAmount"), 3),
        },
        # SPEC typeProductPriceRatio: 3 decimals on the read side (4 on the write side)
        "priceRatio": fmt(row.get("priceRatio") or "1", 3),
        "sales": {
            **_SALES_DEFAULTS,
            **row.get("sales", {}),
            "minPriceRatio": fmt((row.get("sales") or {}).get("minPriceRatio") or "0", 3),
        },
        # SPEC productPrices.purchasePrice: price nullable, vatRate and includingVat not
        "purchasePrice": {
            "price": fmt(buy, 2),
            "vatRate": fmt(purchase.get("vatRate") or vat_rate, 2),
            "includingVat": purchase.get("includingVat", including),
        },
    }


_SALES_DEFAULTS = {  # a row that never set ``sales``
    "freeShipping": False,
    "freeBilling": False,
    "loyaltyDiscount": True,
    "volumeDiscount": True,
    "quantityDiscount": True,
    "discountCoupon": True,
}


def _action_price(stored: dict | None) -> dict | None:
    """SPEC ``actionPrice``: null, or ``{price, fromDate, toDate}`` with a price (never null)."""
    if not stored or stored.get("price") is None:
        return None
    return {
        "price": fmt(stored["price"], 2),
        "fromDate": stored.get("fromDate"),
        "toDate": stored.get("toDate"),
    }


def pricelist_item(state: ShopState, variant: dict, pricelist_id: int) -> dict:
    row = _price_row(state, variant, pricelist_id)
    return {
        "code": variant["code"],
        "currencyCode": row["currencyCode"],
        "includingVat": row["includingVat"],
        "vatRate": row["vatRate"],
        "price": {
            "price": row["price"],
            "commonPrice": row["commonPrice"],
            "buyPrice": row["buyPrice"],
            "priceRatio": row["priceRatio"],
            "actionPrice": row["actionPrice"],
        },
        "orderableAmount": row["orderableAmount"],
        "sales": row["sales"],
        **(
            {"prices": {"purchasePrice": row["purchasePrice"]}}
            if pricelist_id == state.doc["defaultPricelistId"]
            else {}
        ),
    }


def _parameters(state: ShopState, variant: dict) -> list[dict]:
    """A variant's ``parameters`` as the detail's ``include=variantParameters`` gives them. An
    index the registry lacks (possible only with ``variant_parameters="off"`` or a state file)
    is shown as its own name."""
    out = []
    for item in variant["parameters"]:
        param = state.params.get(item["nameIndex"]) or {
            "name": item["nameIndex"],
            "displayName": None,
            "values": [],
        }
        value: dict[str, Any] = next(
            (v for v in param["values"] if v["valueIndex"] == item["valueIndex"]), {}
        )
        out.append(
            {
                "paramName": param["name"],
                "paramIndex": item["nameIndex"],
                "paramValue": value.get("name", item["valueIndex"]),
                "displayName": param["displayName"],
                "rawValue": item["valueIndex"],
                "color": value.get("color"),
                "image": value.get("image"),
                # an integer here (null allowed only in the registry's answers)
                "valuePriority": value.get("priority") or 0,
            }
        )
    return out


def _variant_name(params: list[dict]) -> str | None:
    """SPEC variant ``name``: "composed of the variant parameters, as seen in the e-shop"
    (example "Color: Red, size: 50 cm, shape: Square"); null without parameters."""
    parts = []
    for i, p in enumerate(params):
        label = p["displayName"] or p["paramName"] or p["paramIndex"]
        if i:
            label = label[:1].lower() + label[1:]
        parts.append(f"{label}: {p['paramValue']}")
    return ", ".join(parts) or None


def variant(state: ShopState, p: dict, v: dict, includes: set[str]) -> dict:
    default = _price_row(state, v, state.doc["defaultPricelistId"])
    avail = state.availabilities.get(v["availabilityId"])
    sold_out = state.availabilities.get(v["availabilityWhenSoldOutId"])
    image, product_default = gallery.variant_image(p, v)
    out = {
        "code": v["code"],
        "ean": v["ean"],
        "stock": fmt(variant_stock(v), 3),
        "unit": v["unit"],
        "weight": fmt(v["weight"], 3),
        "width": "0.0",
        "height": "0.0",
        "depth": "0.0",
        "visible": v["visible"],
        "price": default["price"],
        "commonPrice": default["commonPrice"],
        "manufacturerCode": v["manufacturerCode"],
        "pluCode": v["pluCode"],
        "isbn": v["isbn"],
        "serialNo": v["serialNo"],
        "mpn": v["mpn"],
        "includingVat": default["includingVat"],
        "vatRate": default["vatRate"],
        "currencyCode": default["currencyCode"],
        "minStockSupply": fmt(v["minStockSupply"], 3),
        "actionPrice": default["actionPrice"],
        "image": image,
        "isProductDefaultImage": product_default,
        "name": p["name"],
        "amountDecimalPlaces": v["amountDecimalPlaces"],
        "availability": {"id": avail["id"], "name": avail["name"]} if avail else None,
        "availabilityWhenSoldOut": (
            {"id": sold_out["id"], "name": sold_out["name"]} if sold_out else None
        ),
        "negativeStockAllowed": v["negativeStockAllowed"],
        "url": product_url(state, p),
    }
    if "variantparameters" in includes:
        out["parameters"] = _parameters(state, v)
        out["name"] = _variant_name(out["parameters"])
    if "measureunit" in includes:
        out["measureUnit"] = measure.detail(v.get("measureUnit"), default["price"])
    if "perstockamounts" in includes:
        out["perStockAmounts"] = [_stock_amount(v, s["id"]) for s in state.doc["stocks"]]
    if "perpricelistprices" in includes:
        out["perPricelistPrices"] = [
            {**pricelist_item(state, v, pl["id"]), "pricelistId": pl["id"]}
            for pl in state.doc["pricelists"]
        ]
    return out


def _stock_amount(v: dict, stock_id: int) -> dict:
    row = v["stocks"].get(str(stock_id))
    if row is None:
        return {
            "stockId": stock_id,
            "amount": "0.000",
            "claim": "0.000",
            "location": None,
            "lastAmountUpdate": None,
        }
    return {
        "stockId": stock_id,
        "amount": fmt(available(dec(row["realStock"]), dec(row["claim"])), 3),
        "claim": fmt(row["claim"], 3),
        "location": row["location"],
        "lastAmountUpdate": row.get("changeTime"),
    }


def detail(state: ShopState, p: dict, includes: set[str]) -> dict:
    out = {
        "guid": p["guid"],
        "type": p["type"],
        "name": p["name"],
        "indexName": slug(p["name"]),
        "brand": _brand_ref(state, p["brandCode"]),
        "supplier": _supplier(state, p.get("supplierGuid")),
        "visibility": p["visibility"],
        "creationTime": p["creationTime"],
        "changeTime": p["changeTime"],
        "shortDescription": p["shortDescription"],
        "description": p["description"],
        "metaDescription": p["metaDescription"],
        "url": product_url(state, p),
        "internalNote": p["internalNote"],
        "hsCode": None,
        "defaultCategory": _default_category(state, p),
        "additionalName": p["additionalName"],
        "xmlFeedName": None,
        "metaTitle": p["metaTitle"] or "",
        "adult": False,
        "isVariant": len(p["variants"]) > 1 or bool(p["variants"][0]["parameters"]),
        "variants": [variant(state, p, v, includes) for v in p["variants"]],
    }
    if "allcategories" in includes:
        out["categories"] = [
            {
                "guid": g,
                "name": state.categories[g]["name"],
                "parentGuid": state.categories[g]["parentGuid"],
            }
            for g in p["categoryGuids"]
            if g in state.categories
        ]
    for key, field in _EMPTY_LISTS.items():
        if key in includes:
            out[field] = []
    if "images" in includes:
        out["images"] = gallery.render_all(p)
    if "flags" in includes:
        out["flags"] = [
            {
                "code": f["code"],
                "title": state.flags.get(f["code"], {}).get("title", f["code"]),
                "dateFrom": f.get("dateFrom"),
                "dateTo": f.get("dateTo"),
            }
            for f in p.get("flags", [])
        ]
    if "filteringparameters" in includes:
        out["filteringParameters"] = assignment_items(state, p)
    if "descriptiveparameters" in includes:
        out["descriptiveParameters"] = descriptive_items(p)
    for name in LINK_LISTS:
        if name.lower() in includes:
            out[name] = link_items(state, p.get(name, []))
    if "setitems" in includes:
        out["setItems"] = None
    if "warranty" in includes:
        w = state.warranties.get(p.get("warrantyId"))
        out["warranty"] = (
            None
            if w is None
            else {"id": w["id"], "inMonths": w["inMonths"], "description": w["description"]}
        )
    return out


def _supplier(state: ShopState, guid: str | None) -> dict | None:
    found = state.suppliers.get(guid) if guid else None
    return None if found is None else {"guid": found["guid"], "name": found["name"]}
