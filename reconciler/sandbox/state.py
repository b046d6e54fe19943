"""The sandbox shop's state: one JSON-ready dict (the documented state format) plus indexes.

State format (``formatVersion`` 1; what ``GET /_sandbox/state`` returns and ``--seed FILE`` reads)::

    {
      "formatVersion": 1,
      "eshop": {"eshopId": int, "name": str, "url": str, "currency": "CZK",
                "vatRates": ["21.00", "12.00", "0.00"], "defaultVatRate": "21.00",
                "trackStockClaims": bool, "stockControlDisabled": bool},
      "defaultStockId": 1,
      "stocks": [{"id": 1, "title": str}],
      "defaultPricelistId": 1,
      "pricelists": [{"id": 1, "name": str}],
      "categories": [{"guid", "name", "parentGuid": str|null, "visible": bool, "priority": int|null}],
      "brands": [{"guid", "code", "name"}],              # code = Shoptet's brand indexName
      "availabilities": [{"id": int, "name": str}],
      "variantParameters": [{"nameIndex", "name", "id": int, "displayName": str|null,
                             "priority": int|null,
                             "values": [{"valueIndex", "name", "id": int, "color": str|null,
                                         "image": str|null, "priority": int|null}]}],
                                                          # the registry of variant parameters:
                                                          # nameIndex = Shoptet's paramIndex,
                                                          # name = paramName, valueIndex =
                                                          # rawValue, value name = paramValue
      "products": [{
          "guid", "type", "name", "visibility", "shortDescription", "description",
          "metaTitle", "metaDescription", "additionalName", "internalNote",
          "brandCode": str|null, "defaultCategoryGuid", "categoryGuids": [...],
          "creationTime", "changeTime",                   # "2026-01-05T10:00:00+0100"
          "images": [{"name": "106.jpg", "priority": int|null, "description": str|null,
                      "changeTime", "gallery": "shop"|"shop360"}],   # optional (gallery.py)
          "variants": [{
              "code", "ean", "manufacturerCode", "weight": "0.250"|null, "visible": bool,
              "unit": "ks", "amountDecimalPlaces": 0, "availabilityId": int|null,
              "availabilityWhenSoldOutId": int|null, "minStockSupply": "2.000"|null,
              "negativeStockAllowed": "no-global"|"yes-global"|"yes",
              "parameters": [{"nameIndex", "valueIndex"}],  # slugs from variantParameters
              "image": "106.jpg"|null,                    # one of the product's images
              "prices": {"<pricelistId>": {"price": "189.00"|null, "commonPrice", "buyPrice",
                                          "vatRate": "12.00", "includingVat": bool,
                                          "currencyCode": "CZK",
                                          # optional campaign parts (issue 17):
                                          "actionPrice": {"price", "fromDate", "toDate"}|null,
                                          "purchasePrice": {"price", "vatRate", "includingVat"},
                                          "orderableAmount": {"minimumAmount",
                                                              "maximumAmount"}}},
              "stocks": {"<stockId>": {"realStock": "12.000", "claim": "2.000",
                                      "location": str|null, "changeTime": str}}}]}],
      "orders": [{"code": "0001234", "statusId": -1, "creationTime": str,   # optional (issue 19)
                  "fullName", "company", "email", "customerGuid", "toPay": "242.00",
                                                          # optional, invented, listed as is
                  "items": [{"productCode", "amount": "2.000", "amountCompleted": "0.000"}]}],
                                                          # code is text (leading zeros kept);
                                                          # open items must fit the variant's
                                                          # claim (summed over stocks)
      "orderStatuses": [{"id": -1, "name": str, "stockClaimResolved": bool}],
      "customerGroups": [{"id": int, "name": str, "defaultPricelistId": int|null,
                          "customerGroupCode": str|null, "priority": int|null}],
                                                          # optional; every other field of
                                                          # Shoptet's group is rendered with a
                                                          # neutral default (handlers_lookup)
      "customers": [{"guid", "creationTime": str|null, "billFullName", "billCompany",
                     "email", "phone"}],                  # optional, invented (issue 19)
      "invoices": [{"code": "2026000001", "orderCode": str|null, "creationTime": str|null,
                    "varSymbol": int|null, "isValid": bool, "billFullName", "billCompany",
                    "toPay": "242.00"|null, "paid": bool|null}],
                                                          # optional, invented; codes are text
                                                          # optional; default ORDER_STATUSES
      "deletedProducts": [{"guid", "changeTime"}],        # the changes feed's delete records
      "movements": [{"id", "stockId", "productCode", "kind": "amountChange"|"quantity"|"realStock",
                     "value", "realStockBefore", "realStockAfter", "requestId", "item", "changeTime"}],
                                                          # one entry per applied movement item
      "clock": {"last": "2026-...+0100",                  # latest time handed out (monotonic)
                "imageSeq": 107}                          # next image number (optional)
    }

Required: ``eshop``, ``defaultStockId``, ``stocks``, ``defaultPricelistId``, ``pricelists``,
``categories``; the other top-level lists default to empty, and a product or variant may leave
out any field but ``guid``/``name``/``defaultCategoryGuid``/``variants`` and ``code`` (defaults
in :func:`normalise`). Unknown top-level keys are refused. In ``variantParameters`` only
``nameIndex``/``name`` and each value's ``valueIndex``/``name`` are required; missing ``id``s
are numbered after the largest given (parameters and values separately), the rest default to
null. A state is loaded as it is: products whose variants break Shoptet's variant-parameter rule
are kept (the rule is checked on API writes, see ``SandboxConfig.variant_parameters``).

Stock reading (DESIGN §3): ``realStock`` is physical; Shoptet's ``amount`` (supplies,
perStockAmounts) is *available* = realStock - claim, computed only by :func:`available`.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from reconciler.sandbox.gallery import normalise_images

FORMAT_VERSION = 1
TZ = ZoneInfo("Europe/Prague")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def available(real_stock: Decimal, claim: Decimal) -> Decimal:
    """Shoptet's available-for-ordering amount: physical stock minus what orders claim."""
    return real_stock - claim


def real_stock_for_available(amount: Decimal, claim: Decimal) -> Decimal:
    """The physical stock that makes ``amount`` available (inverse of :func:`available`)."""
    return amount + claim


def dec(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fmt(value: Any, places: int) -> str | None:
    """A decimal as Shoptet writes it: a string with exactly ``places`` decimals."""
    if value is None:
        return None
    return str(dec(value).quantize(Decimal(1).scaleb(-places)))


def fmt_time(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """ISO-8601 with an offset (``+0100``, ``+01:00`` or ``Z``); ValueError otherwise."""
    moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment


SYSTEM_FLAGS = (
    {"code": "new", "title": "Novinka", "system": True, "color": "#4caf50"},
    {"code": "action", "title": "Akce", "system": True, "color": "#ffc702"},
    {"code": "tip", "title": "Tip", "system": True, "color": "#2196f3"},
)


# Warranties and units every e-shop has (UNVERIFIED: Shoptet documents system entries only by
# their negative ids, SPEC getListOfProductWarranties / getListOfProductUnits); suppliers: none.
SYSTEM_WARRANTIES = (
    {"id": -1, "inMonths": 24, "description": "2 roky", "system": True},
    {"id": -2, "inMonths": 12, "description": "1 rok", "system": True},
    {"id": -3, "inMonths": -1, "description": "Doživotní", "system": True},
)
SYSTEM_UNITS = (
    {"id": -1, "name": "ks", "system": True},
    {"id": -2, "name": "kg", "system": True},
    {"id": -3, "name": "g", "system": True},
    {"id": -4, "name": "l", "system": True},
    {"id": -5, "name": "m", "system": True},
)


class StateError(ValueError):
    """A state document that is not in the documented format."""


_TOP_KEYS = {
    "formatVersion",
    "eshop",
    "defaultStockId",
    "stocks",
    "defaultPricelistId",
    "pricelists",
    "categories",
    "brands",
    "availabilities",
    "variantParameters",
    "filteringParameters",
    "flags",
    "warranties",
    "units",
    "suppliers",
    "products",
    "deletedProducts",
    "movements",
    "clock",
    "orders",
    "orderStatuses",
    "customers",
    "invoices",
    "customerGroups",
}
# Shoptet's built-in statuses; a status whose stockClaimResolved is true holds no claim.
ORDER_STATUSES = (
    {"id": -1, "name": "Nevyřízená", "stockClaimResolved": False},
    {"id": -2, "name": "Vyřizuje se", "stockClaimResolved": False},
    {"id": -3, "name": "Odeslaná", "stockClaimResolved": True},
    {"id": -4, "name": "Stornována", "stockClaimResolved": True},
)
_REQUIRED = ("eshop", "defaultStockId", "stocks", "defaultPricelistId", "pricelists", "categories")


class ShopState:
    """The state dict with lookups. Every mutation goes through the handlers under the core's
    lock; ``touch()`` hands out strictly increasing change times."""

    def __init__(self, doc: dict, now=None):
        self.doc = normalise(doc)
        self._now = now or (lambda: datetime.now(TZ))
        self.reindex()

    # -- indexes -------------------------------------------------------------------------
    def reindex(self) -> None:
        self.products: dict[str, dict] = {p["guid"]: p for p in self.doc["products"]}
        self.code_owner: dict[str, str] = {}
        for product in self.doc["products"]:
            for variant in product["variants"]:
                self.code_owner[variant["code"]] = product["guid"]
        self.categories = {c["guid"]: c for c in self.doc["categories"]}
        self.brands = {b["code"]: b for b in self.doc["brands"]}
        self.stock_ids = {s["id"] for s in self.doc["stocks"]}
        self.pricelist_ids = {p["id"] for p in self.doc["pricelists"]}
        self.availabilities = {a["id"]: a for a in self.doc["availabilities"]}
        self.params = {p["nameIndex"]: p for p in self.doc["variantParameters"]}
        self.flags = {f["code"]: f for f in self.doc["flags"]}
        self.warranties = {w["id"]: w for w in self.doc["warranties"]}
        self.units = {u["id"]: u for u in self.doc["units"]}
        self.suppliers = {s["guid"]: s for s in self.doc["suppliers"]}

    def variant(self, code: str) -> tuple[dict, dict] | None:
        guid = self.code_owner.get(code.upper())
        if guid is None:
            return None
        product = self.products[guid]
        for variant in product["variants"]:
            if variant["code"] == code.upper():
                return product, variant
        return None  # pragma: no cover - indexes are kept in step

    # -- time ----------------------------------------------------------------------------
    def touch(self) -> str:
        """A change time later than every one handed out before (Shoptet has 1 s resolution)."""
        now = self._now().replace(microsecond=0)
        last = self.doc["clock"].get("last")
        if last:
            floor = parse_time(last) + timedelta(seconds=1)
            now = max(now, floor)
        text = fmt_time(now)
        self.doc["clock"]["last"] = text
        return text

    def dump(self) -> dict:
        return copy.deepcopy(self.doc)


def normalise(doc: Any) -> dict:
    """Check the documented shape (enough to fail clearly) and fill optional sections."""
    if not isinstance(doc, dict):
        raise StateError("the state must be a JSON object")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise StateError(f"unknown top-level keys: {', '.join(sorted(unknown))}")
    if doc.get("formatVersion", FORMAT_VERSION) != FORMAT_VERSION:
        raise StateError(f"formatVersion must be {FORMAT_VERSION}")
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise StateError(f"missing keys: {', '.join(missing)}")
    out = copy.deepcopy(doc)
    out["formatVersion"] = FORMAT_VERSION
    # Shoptet's system flags (SPEC getListOfProductsFlags examples): every e-shop has them
    out.setdefault("flags", [dict(f) for f in SYSTEM_FLAGS])
    out.setdefault("warranties", [dict(w) for w in SYSTEM_WARRANTIES])
    out.setdefault("units", [dict(u) for u in SYSTEM_UNITS])
    out.setdefault("suppliers", [])  # [{"guid", "name"}]
    for key in (
        "brands",
        "availabilities",
        "variantParameters",
        "filteringParameters",  # same shape as variantParameters (nameIndex = code)
        "products",
        "deletedProducts",
        "movements",
        "customerGroups",
    ):
        out.setdefault(key, [])
    out.setdefault("clock", {})
    try:
        for product in out["products"]:
            _check_product(product)
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise StateError(f"malformed product in state: {exc!r}") from None
    try:
        _check_orders(out)
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise StateError(f"malformed order in state: {exc!r}") from None
    try:
        _check_sales(out)
    except (KeyError, TypeError) as exc:
        raise StateError(f"malformed customer or invoice in state: {exc!r}") from None
    _check_customer_groups(out)
    try:
        _check_variant_parameters(out["variantParameters"])
        _check_variant_parameters(out["filteringParameters"])
        for param in out["filteringParameters"]:
            param.setdefault("description", None)
            param.setdefault("googleMapping", None)
    except (KeyError, TypeError, AttributeError) as exc:
        raise StateError(f"malformed variantParameters in state: {exc!r}") from None
    return out


def _check_customer_groups(doc: dict) -> None:
    """Each group has a whole-number id, a name, and a default pricelist the shop has (or
    none), as Shoptet's ``GET /api/customers/groups`` needs them."""
    pricelists = {p["id"] for p in doc["pricelists"]}
    ids = set()
    for group in doc["customerGroups"]:
        if not isinstance(group, dict) or type(group.get("id")) is not int:
            raise StateError(f"a customer group needs a whole-number id: {group!r}")
        if not isinstance(group.get("name"), str) or group["id"] in ids:
            raise StateError(f"customer group {group['id']}: needs a name and a unique id")
        ids.add(group["id"])
        pricelist = group.get("defaultPricelistId")
        if pricelist is not None and pricelist not in pricelists:
            raise StateError(
                f"customer group {group['id']}: defaultPricelistId {pricelist!r} is not a "
                "pricelist of the state"
            )


def open_claims(doc: dict) -> list[tuple[dict, dict, Decimal]]:
    """(order, item, still claimed) of every order item an open order still claims: its
    status does not resolve claims and less than the ordered amount is completed."""
    resolved = {
        s["id"] for s in doc.get("orderStatuses") or ORDER_STATUSES if s["stockClaimResolved"]
    }
    out = []
    for order in doc.get("orders") or ():
        if order["statusId"] in resolved:
            continue
        for item in order["items"]:
            left = dec(item["amount"]) - dec(item.get("amountCompleted") or "0")
            if left > 0:
                out.append((order, item, left))
    return out


def _check_orders(doc: dict) -> None:
    """Order codes are text, and open orders never claim more of a variant than its claim."""
    codes = set()
    for order in doc.get("orders") or ():
        if not isinstance(order["code"], str):
            raise StateError(f'order code {order["code"]!r} must be text (e.g. "0001234")')
        if order["code"] in codes:
            raise StateError(f"order {order['code']} twice")
        codes.add(order["code"])
        for item in order["items"]:
            item["productCode"] = item["productCode"].upper()
    claimed: dict[str, Decimal] = {}
    for _, item, left in open_claims(doc):
        claimed[item["productCode"]] = claimed.get(item["productCode"], Decimal(0)) + left
    for product in doc["products"]:
        for variant in product["variants"]:
            code = variant["code"].upper()
            have = sum((dec(r.get("claim") or "0") for r in variant["stocks"].values()), Decimal(0))
            if claimed.get(code, Decimal(0)) > have:
                raise StateError(
                    f"open orders claim {claimed[code]} of variant {code}, more than its stock "
                    f"claim {have}; raise the variant's stocks claim"
                )


def _check_sales(doc: dict) -> None:
    """Invoice codes are text and unique; customer GUIDs are unique."""
    for key, ident in (("invoices", "code"), ("customers", "guid")):
        seen = set()
        for row in doc.get(key) or ():
            if not isinstance(row[ident], str):
                raise StateError(
                    f'{key[:-1]} {ident} {row[ident]!r} must be text (e.g. "2026000001")'
                )
            if row[ident] in seen:
                raise StateError(f"{key[:-1]} {row[ident]} twice")
            seen.add(row[ident])


def _check_variant_parameters(params: list) -> None:
    seen = set()
    for param in params:
        if not isinstance(param["nameIndex"], str) or not isinstance(param["name"], str):
            raise TypeError("nameIndex and name must be text")
        if param["nameIndex"] in seen:
            raise StateError(f"variantParameters: nameIndex {param['nameIndex']!r} twice")
        seen.add(param["nameIndex"])
        values = set()
        for value in param.setdefault("values", []):
            if not isinstance(value["valueIndex"], str) or not isinstance(value["name"], str):
                raise TypeError("valueIndex and name must be text")
            if value["valueIndex"] in values:
                raise StateError(
                    f"variantParameters: {param['nameIndex']!r} has valueIndex "
                    f"{value['valueIndex']!r} twice"
                )
            values.add(value["valueIndex"])
            for key in ("color", "image", "priority"):
                value.setdefault(key, None)
        for key in ("displayName", "priority"):
            param.setdefault(key, None)
    _number(params)
    _number([v for p in params for v in p["values"]])


def _number(rows: list[dict]) -> None:
    """Give rows without an ``id`` the next ids after the largest one given."""
    ids = [r["id"] for r in rows if r.get("id") is not None]
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise TypeError("ids must be integers")
    if len(set(ids)) != len(ids):
        raise StateError("variantParameters: an id is used twice")
    next_id = max(ids, default=0) + 1
    for row in rows:
        if row.get("id") is None:
            row["id"] = next_id
            next_id += 1


def _check_product(product: dict) -> None:
    product["guid"] = product["guid"].lower()
    if not isinstance(product["name"], str):
        raise TypeError("name must be text")
    for key in (
        "shortDescription",
        "description",
        "metaTitle",
        "metaDescription",
        "additionalName",
        "internalNote",
        "brandCode",
    ):
        product.setdefault(key, None)
    product.setdefault("type", "product")
    product.setdefault("visibility", "visible")
    product.setdefault("categoryGuids", [product["defaultCategoryGuid"]])
    product.setdefault("flags", [])  # [{"code", "dateFrom", "dateTo"}]
    product.setdefault("warrantyId", None)
    product.setdefault("supplierGuid", None)
    product.setdefault("relatedProducts", [])  # ordered GUIDs (handlers_content)
    product.setdefault("alternativeProducts", [])
    product.setdefault("descriptiveParameters", [])  # [{name, value, description, priority}]
    product.setdefault("filteringParameters", [])  # [{code, values: [valueIndex, ...]}]
    if not product["variants"]:
        raise StateError(f"product {product['guid']} has no variants")
    normalise_images(product)
    for variant in product["variants"]:
        variant["code"] = variant["code"].upper()
        for key in (
            "ean",
            "manufacturerCode",
            "pluCode",
            "isbn",
            "serialNo",
            "mpn",
            "weight",
            "availabilityId",
            "availabilityWhenSoldOutId",
            "minStockSupply",
        ):
            variant.setdefault(key, None)
        variant.setdefault("visible", True)
        variant.setdefault("unit", "ks")
        variant.setdefault("measureUnit", None)  # {packagingUnitId, packagingAmount, ...}
        variant.setdefault("amountDecimalPlaces", 0)
        variant.setdefault("negativeStockAllowed", "no-global")
        variant.setdefault("parameters", [])
        variant.setdefault("prices", {})
        variant.setdefault("stocks", {})
        for row in variant["stocks"].values():
            dec(row.setdefault("realStock", "0.000"))
            dec(row.setdefault("claim", "0.000"))
            row.setdefault("location", None)
            row.setdefault("changeTime", product.get("changeTime"))
