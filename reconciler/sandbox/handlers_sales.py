"""Customers and invoices (issue 19 exports): the list endpoints with the filters the tool
uses. The state's rows are invented (see state.py); the demo seed has a few."""

from __future__ import annotations

from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Result
from reconciler.sandbox.state import parse_time


def _url(ctx: Ctx) -> str:
    return (ctx.state.doc["eshop"].get("url") or "https://sandbox.example").rstrip("/")


def list_customers(ctx: Ctx) -> Result:
    """``GET /api/customers`` (20 a page by default, 1000 at most). Shoptet documents only the
    ``email``/``phone`` filters and no date filter, so none is served here either."""
    email = (ctx.query.get("email") or "").lower()
    phone = ctx.query.get("phone") or ""
    rows = []
    for number, customer in enumerate(ctx.state.doc.get("customers") or (), start=1):
        if email and (customer.get("email") or "").lower() != email:
            continue
        if phone and customer.get("phone") != phone:
            continue
        rows.append(
            {
                "guid": customer["guid"],
                "creationTime": customer.get("creationTime"),
                "changeTime": customer.get("changeTime") or customer.get("creationTime"),
                "billCompany": customer.get("billCompany"),
                "billFullName": customer.get("billFullName"),
                "adminUrl": f"{_url(ctx)}/admin/zakaznici-detail?id={number}",
            }
        )
    chunk, pager = ctx.page(rows, 20, 1000)
    return Result(data={"customers": chunk, "paginator": pager})


def list_invoices(ctx: Ctx) -> Result:
    """``GET /api/invoices`` (20 a page by default, 1000 at most), filtered by
    ``creationTimeFrom``/``creationTimeTo`` (inclusive) and ``orderCode``."""
    since, until = ctx.time_param("creationTimeFrom"), ctx.time_param("creationTimeTo")
    order_code = ctx.query.get("orderCode")
    currency = ctx.state.doc["eshop"].get("currency") or "CZK"
    rows = []
    for invoice in ctx.state.doc.get("invoices") or ():
        created = invoice.get("creationTime")
        if since or until:
            if created is None:
                continue
            moment = parse_time(created)
            if (since and moment < since) or (until and moment > until):
                continue
        if order_code is not None and invoice.get("orderCode") != order_code:
            continue
        rows.append(
            {
                "code": invoice["code"],
                "varSymbol": invoice.get("varSymbol"),
                "isValid": invoice.get("isValid", True),
                "proformaInvoiceCodes": [],
                "orderCode": invoice.get("orderCode"),
                "creationTime": created,
                "changeTime": invoice.get("changeTime") or created,
                "billCompany": invoice.get("billCompany"),
                "billFullName": invoice.get("billFullName"),
                "price": {
                    "vat": None,
                    "toPay": invoice.get("toPay"),
                    "currencyCode": currency,
                    "withoutVat": None,
                    "withVat": invoice.get("toPay"),
                    "exchangeRate": "1.00000000",
                },
                "dueDate": None,
                "taxDate": None,
                "paid": invoice.get("paid"),
            }
        )
    chunk, pager = ctx.page(rows, 20, 1000)
    return Result(data={"invoices": chunk, "paginator": pager})
