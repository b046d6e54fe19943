"""Stock (supplies, movements) and pricelists (notes §5d, §6)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from reconciler.sandbox import render
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err, invalid_parameter
from reconciler.sandbox.pricelist_rows import PRICE_OBJECTS, converted, row_refusal, store_sales
from reconciler.sandbox.schemas import MOVEMENT_KINDS, MOVEMENTS, PRICELIST_ROWS
from reconciler.sandbox.state import (
    ORDER_STATUSES,
    ShopState,
    available,
    dec,
    fmt,
    open_claims,
    parse_time,
    real_stock_for_available,
)
from reconciler.sandbox.validate import check_body

BATCH_MAX = 300


def _stock_id(ctx: Ctx) -> int:
    raw = ctx.params["stockId"]
    if not raw.isdigit() or int(raw) not in ctx.state.stock_ids:
        raise Fail(404, err("stock-not-found", f'Stock with id "{raw}" not found.', raw))
    return int(raw)


def _too_large(count: int, what: str) -> Fail:
    return Fail(
        413,
        err(
            "too-many-items",
            f"Maximum number of {what} in one request is "
            f"{BATCH_MAX}, {count} given. Nothing was applied.",
            "data",
        ),
    )


def supplies(ctx: Ctx) -> Result:
    stock_id = _stock_id(ctx)
    since = ctx.time_param("changedFrom")
    code = (ctx.query.get("code") or "").upper()
    guid = (ctx.query.get("productGuid") or "").lower()
    only_claim = ctx.query.get("onlyWithClaim", "").lower() in ("true", "1")
    with_time = "changetime" in ctx.includes
    key = str(stock_id)
    if not (since or code or guid or only_claim):  # the whole shop: page without a full scan
        pairs, pager = ctx.page(_variant_pairs(ctx.state), 1000, 1000)
        rows = [_supply(p, v, v["stocks"].get(key), with_time) for p, v in pairs]
        return Result(data={"supplies": rows, "paginator": pager})
    query = (key, since, code, guid, only_claim)
    # a later page of the same query reuses page 1's scan (a paged read starts at page 1)
    later_page = ctx.int_param("page", 1) > 1
    matches = _kept_for_paging(ctx.state, "_supply_matches", query) if later_page else None
    if matches is None:
        matches = []  # filter cheaply first, render only the requested page
        for product in ctx.state.doc["products"]:
            if guid and product["guid"] != guid:
                continue
            for variant in product["variants"]:
                if code and variant["code"] != code:
                    continue
                row = variant["stocks"].get(key)
                if only_claim and (row is None or dec(row["claim"]) <= 0):
                    continue
                if since is not None:
                    changed = row.get("changeTime") if row else product["creationTime"]
                    if changed is None or parse_time(changed) < since:
                        continue
                matches.append((product, variant, row))
        _keep_for_paging(ctx.state, "_supply_matches", query, matches)
    chunk, pager = ctx.page(matches, 1000, 1000)
    return Result(
        data={"supplies": [_supply(p, v, r, with_time) for p, v, r in chunk], "paginator": pager}
    )


def _variant_pairs(state: ShopState) -> list[tuple[dict, dict]]:
    """Every (product, variant) in state order, kept between requests until the shop changes
    (every write moves the clock), so paging 50,000 variants is not quadratic."""
    pairs = _kept_for_paging(state, "_variant_pairs", ())
    if pairs is None:
        pairs = [(p, v) for p in state.doc["products"] for v in p["variants"]]
        _keep_for_paging(state, "_variant_pairs", (), pairs)
    return pairs


def _shop_version(state: ShopState) -> tuple:
    products = state.doc["products"]
    return (
        state.doc["clock"].get("last"),
        id(products),
        len(products),
        sum(len(p["variants"]) for p in products),
    )


def _kept_for_paging(state: ShopState, slot: str, query: tuple) -> list | None:
    """What ``_keep_for_paging`` kept in ``slot`` for ``query``, while the shop is unchanged
    (every write moves the clock): the next page of a filtered list (supplies changed since T
    at 500,000 variants) need not scan the shop again."""
    kept = getattr(state, slot, None)
    if kept is None or kept[0] != (_shop_version(state), query):
        return None
    return kept[1]


def _keep_for_paging(state: ShopState, slot: str, query: tuple, items: list) -> None:
    setattr(state, slot, ((_shop_version(state), query), items))


def _supply(product: dict, variant: dict, row: dict | None, with_time: bool) -> dict:
    real, claim = (dec(row["realStock"]), dec(row["claim"])) if row else (Decimal(0), Decimal(0))
    item = {
        "productGuid": product["guid"],
        "code": variant["code"],
        "amount": fmt(available(real, claim), 3),
        "claim": fmt(claim, 3),
        "location": row["location"] if row else None,
    }
    if with_time:
        item["changeTime"] = row.get("changeTime") if row else product["creationTime"]
    return item


def movements(ctx: Ctx) -> Result:
    """``amountChange`` relative, ``quantity`` sets available, ``realStock`` sets physical.
    Unknown codes are skipped with per-item errors on a 200; 400 when every item failed."""
    stock_id = _stock_id(ctx)
    body = ctx.body
    if (
        isinstance(body, dict)
        and isinstance(body.get("data"), list)
        and (len(body["data"]) > BATCH_MAX)
    ):
        raise _too_large(len(body["data"]), "stock movements")
    items = check_body(body, MOVEMENTS)
    for i, item in enumerate(items):
        kinds = [k for k in MOVEMENT_KINDS if k in item]
        if len(kinds) != 1:
            raise Fail(
                422,
                err(
                    "invalid-request-data",
                    "Exactly one of amountChange, quantity or realStock must be given.",
                    f"data[{i}]",
                ),
            )
    state, errors, applied = ctx.state, [], 0
    now = None
    for i, item in enumerate(items):
        found = state.variant(item["productCode"])
        if found is None:
            code = item["productCode"]
            errors.append(
                err("unknown-product", f'Product "{code}" does not exist. Skipped.', code)
            )
            continue
        product, variant = found
        if product["type"] == "product-set":
            errors.append(
                err(
                    "stock-change-not-allowed",
                    "Stock of a product set cannot be changed. Skipped.",
                    variant["code"],
                )
            )
            continue
        now = now or state.touch()
        _apply_movement(state, ctx.request_id, i, stock_id, variant, item, now)
        applied += 1
    if items and not applied:
        raise Fail(400, errors)
    return Result(data=None, errors=errors or None)


def _apply_movement(
    state: ShopState,
    request_id: str,
    index: int,
    stock_id: int,
    variant: dict,
    item: dict,
    now: str,
) -> None:
    row = variant["stocks"].setdefault(
        str(stock_id), {"realStock": "0.000", "claim": "0.000", "location": None, "changeTime": now}
    )
    before, claim = dec(row["realStock"]), dec(row["claim"])
    kind = next(k for k in MOVEMENT_KINDS if k in item)
    value = Decimal(str(item[kind]))
    if kind == "realStock":
        after = value
    elif kind == "quantity":
        after = real_stock_for_available(value, claim)
    else:
        after = before + value
    row["realStock"], row["changeTime"] = fmt(after, 3), now
    log = state.doc["movements"]
    log.append(
        {
            "id": len(log) + 1,
            "stockId": stock_id,
            "productCode": variant["code"],
            "kind": kind,
            "value": str(value),
            "realStockBefore": fmt(before, 3),
            "realStockAfter": fmt(after, 3),
            "requestId": request_id,
            "item": index,
            "changeTime": now,
        }
    )


def _pricelist_id(ctx: Ctx) -> int:
    raw = ctx.params["id"]
    if not raw.isdigit() or int(raw) not in ctx.state.pricelist_ids:
        raise Fail(404, err("pricelist-not-found", f'Price list with id "{raw}" not found.', raw))
    return int(raw)


def get_pricelist(ctx: Ctx) -> Result:
    pricelist_id = _pricelist_id(ctx)
    code = (ctx.query.get("code") or "").upper()
    guid = (ctx.query.get("guid") or "").lower()
    rows = [
        render.pricelist_item(ctx.state, v, pricelist_id)
        for p in ctx.state.doc["products"]
        if not guid or p["guid"] == guid
        for v in p["variants"]
        if not code or v["code"] == code
    ]
    chunk, pager = ctx.page(rows, 100, 100)
    return Result(data={"pricelist": chunk, "paginator": pager})


def patch_pricelist(ctx: Ctx) -> Result:
    """Rows by variant code; ``price`` sets the value as given, a field left out is untouched and
    ``null`` clears it; unknown codes are skipped (``pricelist-code-not-found``), and so is a
    row with none of the five objects Shoptet requires (``_ROW_REQUIRES_ONE_OF``)."""
    pricelist_id = _pricelist_id(ctx)
    body = ctx.body
    if (
        isinstance(body, dict)
        and isinstance(body.get("data"), list)
        and (len(body["data"]) > BATCH_MAX)
    ):
        raise _too_large(len(body["data"]), "price list rows")
    rows = check_body(body, PRICELIST_ROWS)
    state, errors, applied, now = ctx.state, [], 0, None
    for row in rows:
        if not any(row.get(key) for key in _ROW_REQUIRES_ONE_OF):
            errors.append(err("invalid-request-data", _missing_objects(row["code"]), row["code"]))
            continue
        found = state.variant(row["code"])
        if found is None:
            errors.append(
                err(
                    "pricelist-code-not-found",
                    f"Price list code '{row['code']}' doesn't exist. Code skipped.",
                    row["code"],
                )
            )
            continue
        product, variant = found
        if "currencyCode" in row and row["currencyCode"].upper() != state.doc["eshop"]["currency"]:
            errors.append(
                err(
                    "invalid-request-data",
                    f'Currency "{row["currencyCode"]}" not found.',
                    row["code"],
                )
            )
            continue
        if row.get("vatRate") is not None and row["vatRate"] not in state.doc["eshop"]["vatRates"]:
            errors.append(
                err(
                    "invalid-request-data",
                    f'Input data for code "{row["code"]}" is '
                    'not correct. Invalid "vatRate" value. Code skipped.',
                    row["code"],
                )
            )
            continue
        vat_payer = ctx.config.vat_payer if ctx.config else True
        refused = row_refusal(row, vat_payer=vat_payer) or _purchase_price_refusal(
            state, row, pricelist_id
        )
        if refused is not None:
            errors.append(err("invalid-request-data", refused, row["code"]))
            continue
        now = now or state.touch()
        target = variant["prices"].setdefault(str(pricelist_id), {})
        _apply_price(target, row, state.doc["eshop"]["defaultVatRate"], vat_payer)
        product["changeTime"] = now
        applied += 1
    if rows and not applied:
        raise Fail(400, errors)
    return Result(data=None, errors=errors or None)


_PRICE_OBJECTS = PRICE_OBJECTS
# SPEC updatePricelist: "The request must contain a product variant code `code` and at least
# one of the `price`, `priceWithVat`, `priceWithoutVat`, `orderableAmount` or `sales` objects".
# Strict when in doubt: an empty object does not count (undocumented either way).
_ROW_REQUIRES_ONE_OF = (*_PRICE_OBJECTS, "orderableAmount", "sales")


def _missing_objects(code: str) -> str:
    return (
        f'Input data for code "{code}" is not correct. The row must contain at least one of '
        'the "price", "priceWithVat", "priceWithoutVat", "orderableAmount" or "sales" '
        "objects. Code skipped."
    )


def _purchase_price_refusal(state: Any, row: dict, pricelist_id: int) -> str | None:
    """Shoptet's purchase-price rules for one row (SPEC updatePricelist: the 400 examples
    ``buy-price-and-purchase-price`` and ``invalid-vat-rate-purchase-price``; "you can change
    buyPrice only for default price list"). Strict where Shoptet says the value "stays null"
    on another pricelist: the sandbox refuses the row, so a tool that sends it finds out."""
    purchase = (row.get("prices") or {}).get("purchasePrice")
    buy = any("buyPrice" in (row.get(source) or {}) for source in _PRICE_OBJECTS)
    head = f'Input data for code "{row["code"]}" is not correct.'
    if purchase is not None and buy:
        return (
            f'{head} Cannot set "price.buyPrice" and "prices.purchasePrice" at the same time. '
            'Please use "prices.purchasePrice" only as buy price is deprecated. Code skipped.'
        )
    if (purchase is not None or buy) and pricelist_id != state.doc["defaultPricelistId"]:
        return (
            f"{head} The purchase price can be changed only in the default price list. "
            "Code skipped."
        )
    rate = (purchase or {}).get("vatRate")
    if rate is not None and rate not in state.doc["eshop"]["vatRates"]:
        return f'{head} Invalid "purchasePriceVatRate" value. Code skipped.'
    return None


def _apply_price(target: dict, row: dict, default_rate: str, vat_payer: bool) -> None:
    """One row into the stored pricelist row. Objects merge part by part (a part left out is
    untouched, ``null`` clears it); a null ``actionPrice`` removes the action price. The
    deprecated ``buyPrice`` and ``prices.purchasePrice.price`` are one stored value. Prices
    with or without VAT are recalculated to the row's basis, ``sales`` and ``priceRatio``
    stored (``pricelist_rows``)."""
    for key in ("vatRate", "includingVat"):
        if key in row:
            target[key] = row[key]
    store_sales(target, row)
    with_vat = target.get("includingVat", True)
    rate = Decimal(str(target.get("vatRate") or default_rate))
    for source in _PRICE_OBJECTS:
        given = row.get(source) or {}

        def basis(value: Any, source: str = source) -> Any:
            return converted(value, source, with_vat, rate, vat_payer=vat_payer)

        for key in ("price", "commonPrice"):
            if key in given:
                target[key] = basis(given[key])
        if "buyPrice" in given:
            target.setdefault("purchasePrice", {})["price"] = given["buyPrice"]
        if "actionPrice" in given:
            action = given["actionPrice"]
            if action is None:
                target["actionPrice"] = None
            else:
                if "price" in action:
                    action = {**action, "price": basis(action["price"])}
                target["actionPrice"] = {**(target.get("actionPrice") or {}), **action}
    if "orderableAmount" in row:
        target["orderableAmount"] = {
            **(target.get("orderableAmount") or {}),
            **row["orderableAmount"],
        }
    purchase = (row.get("prices") or {}).get("purchasePrice")
    if purchase is not None:
        target["purchasePrice"] = {**(target.get("purchasePrice") or {}), **purchase}


__all__ = ["get_pricelist", "invalid_parameter", "movements", "patch_pricelist", "supplies"]


def order_claims(ctx: Ctx) -> Result:
    """``GET /api/orders/claims``: open orders' unfulfilled claims (250 a page), filtered by
    ``productCode`` and ``orderCode``; order codes stay text."""
    code = (ctx.query.get("productCode") or "").upper()
    order_code = ctx.query.get("orderCode") or ""
    rows = [
        {
            "orderCode": order["code"],
            "statusId": order["statusId"],
            "productCode": item["productCode"],
            "amount": fmt(dec(item["amount"]), 3),
            "amountCompleted": fmt(dec(item.get("amountCompleted") or "0"), 3),
        }
        for order, item, _ in open_claims(ctx.state.doc)
        if (not code or item["productCode"] == code)
        and (not order_code or order["code"] == order_code)
    ]
    chunk, pager = ctx.page(rows, 100, 250)
    return Result(data={"orders": chunk, "paginator": pager})


def list_orders(ctx: Ctx) -> Result:
    """``GET /api/orders`` (50 a page): the list filters the tool uses, ``productCode`` (orders
    with an item of that variant) and ``creationTimeFrom``/``creationTimeTo``. Orders without a
    ``creationTime`` in the state count as created at the start of 2026."""
    code = (ctx.query.get("productCode") or "").upper()
    since, until = ctx.time_param("creationTimeFrom"), ctx.time_param("creationTimeTo")
    statuses = {s["id"]: s["name"] for s in ctx.state.doc.get("orderStatuses") or ORDER_STATUSES}
    url = (ctx.state.doc["eshop"].get("url") or "https://sandbox.example").rstrip("/")
    currency = ctx.state.doc["eshop"].get("currency") or "CZK"
    rows = []
    for number, order in enumerate(ctx.state.doc.get("orders") or (), start=1):
        created = order.get("creationTime") or _ORDER_EPOCH
        moment = parse_time(created)
        if code and not any(i["productCode"] == code for i in order["items"]):
            continue
        if (since and moment < since) or (until and moment > until):
            continue
        rows.append(
            {
                "code": order["code"],
                "guid": order.get("guid") or str(uuid.uuid5(uuid.NAMESPACE_URL, order["code"])),
                "creationTime": created,
                "changeTime": order.get("changeTime") or created,
                "fullName": order.get("fullName"),
                "company": order.get("company"),
                "email": order.get("email"),
                "remark": None,
                "customerGuid": order.get("customerGuid"),
                "cashDeskOrder": False,
                "adminUrl": f"{url}/admin/objednavky-detail?id={number}",
                "status": {"id": order["statusId"], "name": statuses.get(order["statusId"])},
                "shipping": None,
                "paymentMethod": None,
                "price": {
                    "vat": None,
                    "toPay": order.get("toPay"),
                    "currencyCode": currency,
                    "withoutVat": None,
                    "withVat": order.get("toPay"),
                    "exchangeRate": "1.00000000",
                },
                "paid": None,
            }
        )
    chunk, pager = ctx.page(rows, 50, 50)
    return Result(data={"orders": chunk, "paginator": pager})


_ORDER_EPOCH = "2026-01-01T00:00:00+0100"
