"""`shoptet-catalog lookup KIND`: the ids and names a catalog author needs, read from the shop.

Each KIND is one function ``client -> list of plain dicts`` (read-only, GET only) and one text
renderer; the CLI (``cli/lookup_cmd.py``) prints the text or ``json.dumps`` of the rows. A 403
becomes :class:`LookupForbidden`, which names the endpoint group (the "right") the token lacks,
or the module the shop lacks, and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler import errors as E
from reconciler.errors import terminal_safe
from reconciler.shoptet import client as C


@dataclass(frozen=True)
class Kind:
    name: str
    help: str
    right: str  # the endpoint group a token needs (Connections » Private API)
    path: str  # the endpoint read, for messages
    read: Callable[[Any], list[dict]]
    text: Callable[[list[dict]], list[str]]


class LookupForbidden(E.ReconcilerError):
    """The token may not read what a lookup needs (403), or the endpoint is not there (404);
    the message says what to grant or why."""


# -- reads ------------------------------------------------------------------------------------


def read_categories(client) -> list[dict]:
    """Categories as a forest: ``[{guid, name, visible, children: [...]}]``, ordered by
    Shoptet's priority then name. A category whose parent is unknown is shown at the top."""
    rows = [
        {
            "guid": c.guid,
            "name": c.name,
            "visible": c.visible,
            "parentGuid": c.parentGuid,
            "priority": (c.model_extra or {}).get("priority"),
        }
        for c in client.iter_categories()
    ]
    by_parent: dict[str | None, list[dict]] = {}
    known = {r["guid"] for r in rows}
    for row in rows:
        parent = row["parentGuid"] if row["parentGuid"] in known else None
        by_parent.setdefault(parent, []).append(row)

    def build(parent: str | None, seen: frozenset) -> list[dict]:
        children = sorted(
            by_parent.get(parent, []),
            key=lambda r: (r["priority"] is None, r["priority"] or 0, r["name"] or ""),
        )
        out = []
        for row in children:
            if row["guid"] in seen:  # a cycle in the shop's data: show it once
                continue
            node = {k: row[k] for k in ("guid", "name", "visible")}
            node["children"] = build(row["guid"], seen | {row["guid"]})
            out.append(node)
        return out

    return build(None, frozenset())


def read_brands(client) -> list[dict]:
    # the list calls the code indexName (the product detail's brand.code is the same value)
    rows = [
        {"code": b.code or b.indexName, "name": b.name, "guid": b.guid}
        for b in client.iter_brands()
    ]
    return sorted(rows, key=lambda r: (r["code"] or "", r["name"] or ""))


def read_stocks(client) -> list[dict]:
    stocks = client.get_stocks()
    return [
        {"id": s.id, "title": s.title, "default": s.id == stocks.defaultStockId}
        for s in stocks.stocks
    ]


def read_vat_rates(client) -> list[dict]:
    """VAT rates from ``/api/eshop`` ``taxClasses`` (the valid values of ``vatRate``)."""
    eshop = client.get_eshop()
    rows = []
    for tax_class in eshop.taxClasses or []:
        for rate in tax_class.get("rates") or []:
            rows.append(
                {
                    "vatRate": rate.get("vatRate"),
                    "zone": rate.get("zone"),
                    "title": tax_class.get("title"),
                    "default": bool(tax_class.get("isDefault")),
                }
            )
    vat_payer = (eshop.settings or {}).get("vatPayer")
    if vat_payer is False:
        for row in rows:
            row["note"] = "the shop is not a VAT payer: leave vatRate/includingVat out"
    return rows


def read_availabilities(client) -> list[dict]:
    found = C.get_availabilities(client)
    defaults = found.defaultAvailabilities or {}
    roles: dict[int, list[str]] = {}
    for role, ident in defaults.items():
        if ident is not None:
            roles.setdefault(ident, []).append(role)
    return [
        {"id": a.id, "name": a.name, "system": a.system, "defaultFor": roles.get(a.id, [])}
        for a in found.availabilities
    ]


def read_flags(client) -> list[dict]:
    return [
        {"code": f.get("code"), "title": f.get("title"), "system": f.get("system")}
        for f in C.get_flags(client)
    ]


def text_flags(rows: list[dict]) -> list[str]:
    return _table(
        [[_s(r["code"]), _s(r["title"]) + ("  (system)" if r["system"] else "")] for r in rows]
    ) or ["(no flags)"]


def read_warranties(client) -> list[dict]:
    return [
        {"id": w.get("id"), "description": w.get("description"), "inMonths": w.get("inMonths")}
        for w in C.get_warranties(client)
    ]


def text_warranties(rows: list[dict]) -> list[str]:
    return _table(
        [[_s(r["id"]), _s(r["description"]), _months(r["inMonths"])] for r in rows]
    ) or ["(no warranties)"]


def _months(value: Any) -> str:
    if value is None:
        return ""
    return "lifetime" if value < 0 else f"{value} months"


def read_units(client) -> list[dict]:
    return [{"id": u.get("id"), "name": u.get("name")} for u in C.get_units(client)]


def text_units(rows: list[dict]) -> list[str]:
    return _table([[_s(r["id"]), _s(r["name"])] for r in rows]) or ["(no units)"]


def read_measure_units(client) -> list[dict]:
    """Shoptet's measure units by priority, each with the units it converts to (by name)."""
    items = C.get_measure_units(client)
    names = {u.get("id"): u.get("unitName") for u in items}
    rows = [
        {
            "id": u.get("id"),
            "name": u.get("unitName"),
            "convertsTo": [names.get(r.get("unitId"), r.get("unitId")) for r in u.get("ratios") or []],
        }
        for u in sorted(items, key=lambda u: (u.get("priority") is None, u.get("priority") or 0))
    ]
    return rows


def text_measure_units(rows: list[dict]) -> list[str]:
    return _table(
        [[_s(r["id"]), _s(r["name"]), ", ".join(_s(n) for n in r["convertsTo"])] for r in rows]
    ) or ["(no measure units)"]


def read_suppliers(client) -> list[dict]:
    rows = [{"guid": s.get("guid"), "name": s.get("name")} for s in C.get_suppliers(client)]
    return sorted(rows, key=lambda r: (r["name"] or "", r["guid"] or ""))


def text_suppliers(rows: list[dict]) -> list[str]:
    return _table([[_s(r["guid"]), _s(r["name"])] for r in rows]) or ["(no suppliers)"]


VARIANT_PARAMETERS = "/api/products/variant-parameters"


def read_parameters(client) -> list[dict]:
    """Variant parameters with their values, for ``parameters:`` on a variant: the name and
    value as the admin shows them, and the index slugs a product write sends."""
    return [
        {
            "nameIndex": p.paramIndex,
            "name": p.displayName or p.paramName,
            "values": [
                {"valueIndex": v.rawValue, "name": v.paramValue} for v in p.values or []
            ],
        }
        for p in client.iter_variant_parameters(include_values=True)
    ]


def read_filtering_parameters(client) -> list[dict]:
    """Filtering parameters with their values, for ``filteringParameters:`` on a product: the
    code and value indexes a product write sends, and the names the admin shows."""
    return [
        {
            "code": p.code,
            "name": p.displayName or p.name,
            "values": [{"valueIndex": v.valueIndex, "name": v.name} for v in p.values or []],
        }
        for p in client.iter_filtering_parameters()
    ]


def read_pricelists(client) -> list[dict]:
    """Price lists, the default marked, and the customer groups whose default each one is
    (``/api/customers/groups``; when that cannot be read, ``customerGroups`` is None and
    ``customerGroupsUnavailable`` says why)."""
    lists = C.get_pricelists(client)
    default_id = client.get_eshop().default_pricelist_id
    groups: list | None
    why = None
    try:
        groups = C.get_customer_groups(client)
    except (E.PermissionDenied, E.NotFound) as exc:
        groups = None
        why = f"GET /api/customers/groups answered HTTP {exc.status} ({exc.error_code})"
    rows = []
    for pl in lists:
        row: dict[str, Any] = {"id": pl.id, "name": pl.name, "default": pl.id == default_id}
        if groups is None:
            row["customerGroups"] = None
            row["customerGroupsUnavailable"] = why
        else:
            row["customerGroups"] = [
                {"id": g.id, "name": g.name, "code": g.customerGroupCode}
                for g in groups
                if g.defaultPricelistId == pl.id
            ]
        rows.append(row)
    return rows


# -- text -------------------------------------------------------------------------------------


def _s(value: Any) -> str:
    return terminal_safe("" if value is None else str(value), keep_newlines=False)


def text_categories(rows: list[dict]) -> list[str]:
    lines: list[str] = []

    def walk(nodes: list[dict], depth: int) -> None:
        for n in nodes:
            hidden = "" if n.get("visible", True) is not False else "  (hidden)"
            lines.append(f"{'  ' * depth}{_s(n['name'])}  {n['guid']}{hidden}")
            walk(n["children"], depth + 1)

    walk(rows, 0)
    return lines or ["(no categories)"]


def _table(rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)] + [r[-1]]).rstrip()
        for r in rows
    ]


def text_brands(rows: list[dict]) -> list[str]:
    return _table([[_s(r["code"]), _s(r["name"])] for r in rows]) or ["(no brands)"]


def text_stocks(rows: list[dict]) -> list[str]:
    return _table(
        [[str(r["id"]), _s(r["title"]) + ("  (default)" if r["default"] else "")] for r in rows]
    ) or ["(no stocks)"]


def text_vat_rates(rows: list[dict]) -> list[str]:
    lines = _table(
        [
            [
                _s(r["vatRate"]),
                _s(r["zone"]),
                _s(r["title"]) + ("  (default)" if r["default"] else ""),
            ]
            for r in rows
        ]
    )
    if rows and rows[0].get("note"):
        lines.append(f"Note: {rows[0]['note']}.")
    return lines or ["(no VAT rates)"]


def text_availabilities(rows: list[dict]) -> list[str]:
    return _table(
        [
            [
                str(r["id"]),
                _s(r["name"])
                + (f"  (default: {', '.join(r['defaultFor'])})" if r["defaultFor"] else ""),
            ]
            for r in rows
        ]
    ) or ["(no availabilities)"]


def text_parameters(rows: list[dict], index: str = "nameIndex", what: str = "variant") -> list[str]:
    lines = []
    for p in rows:
        lines.append(f"{_s(p[index])}  {_s(p['name'])}")
        for v in p["values"]:
            lines.append(f"  {_s(v['valueIndex'])}  {_s(v['name'])}")
    return lines or [f"(no {what} parameters)"]


def text_filtering_parameters(rows: list[dict]) -> list[str]:
    return text_parameters(rows, "code", "filtering")


def text_pricelists(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        lines.append(f"{r['id']}  {_s(r['name'])}{'  (default)' if r['default'] else ''}")
        groups = r.get("customerGroups")
        if groups:
            names = ", ".join(_s(g["name"]) for g in groups)
            lines.append(f"    customer groups: {names}")
    if rows and rows[0].get("customerGroups") is None:
        lines.append(f"Customer groups not shown: {_s(rows[0].get('customerGroupsUnavailable'))}.")
    return lines or ["(no price lists)"]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "categories",
            "category tree: names and GUIDs (defaultCategory, categories)",
            "Categories",
            "/api/categories",
            read_categories,
            text_categories,
        ),
        Kind(
            "brands",
            "brand codes and names (brand)",
            "Brands",
            "/api/brands",
            read_brands,
            text_brands,
        ),
        Kind(
            "stocks",
            "stock ids and titles, default marked (stock: {id: n})",
            "Stocks",
            "/api/stocks",
            read_stocks,
            text_stocks,
        ),
        Kind(
            "vat-rates",
            "the shop's VAT rates (vatRate)",
            "E-shop info",
            "/api/eshop",
            read_vat_rates,
            text_vat_rates,
        ),
        Kind(
            "availabilities",
            "availability ids and names",
            "Product availabilities",
            "/api/products/availabilities",
            read_availabilities,
            text_availabilities,
        ),
        Kind(
            "flags",
            "product flags: code and title (flags:)",
            "Product flags",
            "/api/products/flags",
            read_flags,
            text_flags,
        ),
        Kind(
            "warranties",
            "warranty ids and descriptions (warranty:)",
            "Warranties",
            "/api/products/warranties",
            read_warranties,
            text_warranties,
        ),
        Kind(
            "units",
            "unit ids and names (variant unit:)",
            "Units",
            "/api/products/units",
            read_units,
            text_units,
        ),
        Kind(
            "measure-units",
            "measure unit ids, names and the units each converts to (measureUnit:)",
            "Measure units",
            "/api/products/measure-units",
            read_measure_units,
            text_measure_units,
        ),
        Kind(
            "suppliers",
            "supplier GUIDs and names (supplier:)",
            "Suppliers",
            "/api/suppliers",
            read_suppliers,
            text_suppliers,
        ),
        Kind(
            "parameters",
            "variant parameters and their values",
            "Variant parameters",
            VARIANT_PARAMETERS,
            read_parameters,
            text_parameters,
        ),
        Kind(
            "filtering-parameters",
            "filtering parameters and their values (filteringParameters:)",
            "Filtering parameters",
            "/api/products/filtering-parameters",
            read_filtering_parameters,
            text_filtering_parameters,
        ),
        Kind(
            "pricelists",
            "price lists, default marked, customer groups using each",
            "Price lists",
            "/api/pricelists",
            read_pricelists,
            text_pricelists,
        ),
    )
}


def run(client, kind: str) -> list[dict]:
    """The rows of one KIND; a 403 becomes :class:`LookupForbidden` naming the right."""
    spec = KINDS[kind]
    try:
        return spec.read(client)
    except E.PermissionDenied as exc:
        raise LookupForbidden(forbidden_message(spec.right, exc)) from None
    except E.NotFound as exc:  # a list endpoint answering 404 is an endpoint this API lacks
        raise LookupForbidden(
            f"GET {spec.path} is not available here (HTTP 404 {exc.error_code or ''}).".replace(
                " )", ")"
            )
            + " It is Shoptet's documented endpoint; the sandbox does not serve it yet."
        ) from None


def forbidden_message(right: str, exc: E.ApiError) -> str:
    where = f"{exc.method or 'GET'} {exc.path or ''}".strip()
    if exc.error_code == "missing-module":
        return (
            f"The e-shop has no active module for {right} ({where}: HTTP 403 missing-module). "
            "Activate the module in the Shoptet admin, or skip this lookup."
        )
    return (
        f"The API token has no right to read {right} ({where}: HTTP 403 "
        f"{exc.error_code or 'forbidden'}). In the Shoptet admin (Connections » Private API) "
        f"give the token read access to the '{right}' endpoint group, or use a token that has "
        "it. A read-only token is enough."
    )
