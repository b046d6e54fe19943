"""Request bodies for apply, built from plan changes. Pure: no client, no I/O.

Plan values are the normalised, JSON-ready forms (``normalize.py``): decimals as canonical
text (``"0.3"``), stock as ``{"<stock id>": amount}``. Shoptet's write side wants its own
names (``brandCode``, ``defaultCategoryGuid``, ``availabilityId``) and fixed decimals
(price 2, weight and amounts 3), and stock movements want JSON numbers. The spellings and
places are the field registry's (``reconciler.fields``); this module is the one place that
builds request bodies from them (notes §5c, §5d, §6).

Rules it enforces:

- a PATCH carries only the fields that are still to be written;
- a variant item always carries the variant's exact code (the one read live for existing
  variants), so a PATCH never creates a variant by accident (Shoptet creates one for an
  unknown code); variant ``parameters`` are replace-all in Shoptet, so a variant's whole list
  ``[{nameIndex, valueIndex}]`` is sent when it changes, and never when the catalog does not
  state them (existing parameters are then never cleared);
- stock is only ever written as absolute ``realStock``, never as a relative ``amountChange``;
- pricelist rows and stock movements are split into requests of at most 300 items.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from reconciler import fields as F

MAX_BATCH = 300
# Shoptet's rename of a variant: ``code`` names the live variant, ``newCode`` its new code
# (OpenAPI ``updateProduct``: "To rename a variant code, use `code` ... and `newCode`").
NEW_CODE = "newCode"

# catalog (model) name -> Shoptet write name, from the field registry (``reconciler.fields``)
PRODUCT_WRITE_NAMES = {f.name: f.write_name for f in F.FIELDS if f.body is F.Body.PRODUCT}
VARIANT_WRITE_NAMES = {f.name: f.write_name for f in F.FIELDS if f.body is F.Body.VARIANT}
_PLACES = {f.name: f.decimals for f in F.FIELDS if f.kind is F.Kind.DECIMAL}
_INTEGERS = frozenset(f.name for f in F.FIELDS if f.kind is F.Kind.INTEGER)
# a variant's object written whole in its ``variants[]`` item (``measureUnit``; null clears it)
_VARIANT_OBJECTS = {f.name: f for f in F.FIELDS if f.body is F.Body.VARIANT and f.parts}
# pricelist row: fields under ``price`` (``{"price": {"price": .., "commonPrice": ..}}``) and
# fields beside it
_ROW_PRICES = tuple(f for f in F.FIELDS if f.body is F.Body.PRICE_ROW_PRICE)
_ROW_OTHERS = tuple(f for f in F.FIELDS if f.body is F.Body.PRICE_ROW)
_ROW_NEW = tuple(f for f in F.FIELDS if f.body is F.Body.PRICE_ROW_PRICES)  # ``prices.*``
# price fields a product create carries in its variant items (``price``)
_PRICES_ON_CREATE = tuple(
    f for f in F.FIELDS if f.resource is F.Resource.PRICE and f.on_create is F.OnCreate.SENT
)
# fields written by their own full-list PUT (``PUT /api/products/{guid}/<name>``)
LINK_FIELDS = tuple(f.name for f in F.FIELDS if f.body is F.Body.PRODUCT_LINKS)
_STOCK = F.BY_NAME["stock"]
_PRICE_PLACES = F.BY_NAME["price"].decimals

T = TypeVar("T")


def fixed(value: Any, places: int) -> str | None:
    """``"0.3"`` -> ``"0.300"`` (places=3): Shoptet's fixed-decimal text; None stays None."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return format(Decimal(str(value)).quantize(quantum), "f")


def _value(field: str, value: Any) -> Any:
    if field in _PLACES:
        return fixed(value, _PLACES[field])
    if field in _INTEGERS and value is not None:
        return int(value)
    if field == "parameters":
        return parameter_items(value)
    if field in _VARIANT_OBJECTS and value is not None:
        return object_value(_VARIANT_OBJECTS[field], value)
    return value


def parameter_items(pairs: dict[str, str] | None) -> list[dict[str, str]]:
    """``{nameIndex: valueIndex}`` -> Shoptet's ``parameters`` items, sorted (replace-all)."""
    return [{"nameIndex": n, "valueIndex": v} for n, v in sorted((pairs or {}).items())]


def flag_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /api/products/flags`` (``title``, ``color``; Shoptet generates the code) or
    ``PATCH /api/products/flags/{code}``: the fields still to write."""
    return {k: fields[k] for k in ("title", "color") if k in fields}


def parameter_body(index: str, name: str) -> dict[str, Any]:
    """``POST /api/products/variant-parameters``: a new parameter with the plan's slug."""
    return {"paramName": name, "paramIndex": index}


def filtering_parameter_body(code: str, name: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """``POST /api/products/filtering-parameters``: a new parameter with the plan's code and
    its first values (Shoptet requires at least one)."""
    return {"name": name, "code": code, "values": values}


def filtering_value_item(value_index: str, name: str) -> dict[str, Any]:
    """One value of a filtering parameter create or ``POST .../filtering-parameters/{code}``."""
    return {"name": name, "valueIndex": value_index}


def parameter_value_item(value_index: str, name: str) -> dict[str, Any]:
    """One ``paramValues`` item of ``POST /api/products/variant-parameters/{paramIndex}``."""
    return {"paramValue": name, "rawValue": value_index}


def product_fields_body(fields: dict[str, Any], *, create: bool = False) -> dict[str, Any]:
    """Product-level fields in Shoptet's write names. On create, ``None`` values are left out
    (there is nothing to clear yet)."""
    body = {}
    for name, value in fields.items():
        if name not in PRODUCT_WRITE_NAMES or (create and value in (None, [], {})):
            continue  # a create has nothing to clear (and takes no empty list: minItems 1)
        if name == "flags":
            body.update(flags_body(value, create=create))
            continue
        if name == "filteringParameters":  # {code: [valueIndex]}; null clears (PATCH)
            items = [{"code": c, "values": list(v)} for c, v in sorted((value or {}).items())]
            body[PRODUCT_WRITE_NAMES[name]] = items or None
            continue
        body[PRODUCT_WRITE_NAMES[name]] = value
    return body


def flags_body(flags: dict[str, Any] | None, *, create: bool = False) -> dict[str, Any]:
    """``{code: {dateFrom, dateTo} | None}`` -> ``flagsManagement`` set/unset items, so the
    flags not named stay as they are (``flags`` would replace the whole list). A create
    takes only ``flags`` (the set ones; there is nothing to unset yet)."""
    items = sorted((flags or {}).items())
    if create:
        chosen = [{"code": c, **dates} for c, dates in items if dates is not None]
        return {"flags": chosen} if chosen else {}
    managed = [
        {"action": "set", "code": c, **dates}
        if dates is not None
        else {"action": "unset", "code": c}
        for c, dates in items
    ]
    return {"flagsManagement": managed} if managed else {}


def links_body(name: str, guids: list[str] | None) -> dict[str, Any]:
    """``PUT /api/products/{guid}/relatedProducts`` (or ``alternativeProducts``): the whole
    list, in order (Shoptet numbers the priorities as listed)."""
    return {name: [{"guid": g} for g in guids or []]}


def variant_item(code: str, fields: dict[str, Any], *, create: bool = False) -> dict[str, Any]:
    """One ``variants[]`` item. ``code`` must be exact: for an existing variant the code read
    live, for a new one the catalog's (uppercase) code."""
    item: dict[str, Any] = {"code": code}
    if not create and NEW_CODE in fields:
        item[NEW_CODE] = fields[NEW_CODE]
    for name, value in fields.items():
        if name not in VARIANT_WRITE_NAMES or (create and value is None):
            continue
        if create and name == "parameters" and not value:
            continue  # nothing to send for a new variant without parameters
        item[VARIANT_WRITE_NAMES[name]] = _value(name, value)
    return item


def create_body(
    guid: str, fields: dict[str, Any], variants: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``POST /api/products``: the catalog's GUID, the product ``fields``, and one item per
    variant (``variants``: code -> variant fields, optionally ``price`` and ``stock`` =
    {stock id: amount}), with its price and initial stock (``stocksLocations``)."""
    body = {"guid": guid, **product_fields_body(fields, create=True)}
    items = []
    for code, post in sorted(variants.items()):
        item = variant_item(code, post, create=True)
        for f in _PRICES_ON_CREATE:
            if post.get(f.name) is not None:
                item[f.write_name] = fixed(post[f.name], f.decimals)
        stock = post.get(_STOCK.name) or {}
        if stock:
            item["stocksLocations"] = [
                {"stockId": int(sid), "amount": fixed(amount, _STOCK.decimals)}
                for sid, amount in sorted(stock.items(), key=lambda kv: int(kv[0]))
            ]
        items.append(item)
    body["variants"] = items
    return body


def patch_body(
    product_fields: dict[str, Any], variants: Sequence[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """``PATCH /api/products/{guid}``: the product fields still to write and one item per
    variant (exact code + its fields still to write)."""
    body = product_fields_body(product_fields)
    if variants:
        body["variants"] = [variant_item(code, fields) for code, fields in variants]
    return body


# Shoptet's updatePricelist: "The request must contain a product variant code `code` and at
# least one of the `price`, `priceWithVat`, `priceWithoutVat`, `orderableAmount` or `sales`
# objects"; a row without one is refused (per item).
ROW_REQUIRES_ONE_OF = ("price", "priceWithVat", "priceWithoutVat", "orderableAmount", "sales")


class _Unread:
    """A live price not read yet (its variant did not exist when it was checked): unlike
    ``None``, which is a read price that is null."""

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD: Any = _Unread()


def price_row(code: str, fields: dict[str, Any], current_price: Any = UNREAD) -> dict[str, Any]:
    """One pricelist row: ``price``/``commonPrice``/``actionPrice`` under ``price``,
    ``purchasePrice`` under ``prices``, VAT and ``orderableAmount`` beside them. A field not
    given is left untouched by Shoptet; ``None`` clears it.

    ``current_price``: the variant's price in this pricelist as apply just read it (or as the
    same apply sets it; ``None``: read and null). A row that would carry none of
    ``ROW_REQUIRES_ONE_OF`` (only ``vatRate``/``includingVat`` or ``purchasePrice``) carries
    ``{"price": {"price": it}}`` (a null one stays null: "null will remove the price"):
    object ``price`` "directly sets price of product, without recalculating", so the stored
    price stays exactly what it is (and what the plan promised), whatever a ``vatRate`` or
    ``includingVat`` change then recalculates around it; ``priceWithVat``/``priceWithoutVat``
    would recalculate and could move it. The object is never empty (whether ``{}`` satisfies
    Shoptet is undocumented)."""
    row: dict[str, Any] = {"code": code}
    prices = {f.write_name: _row_value(f, fields[f.name]) for f in _ROW_PRICES if f.name in fields}
    if prices:
        row["price"] = prices
    for f in _ROW_OTHERS:
        if f.name in fields:
            row[f.write_name] = _row_value(f, fields[f.name])
    current = {f.write_name: _row_value(f, fields[f.name]) for f in _ROW_NEW if f.name in fields}
    if current:
        row["prices"] = current
    if current_price is not UNREAD and not any(key in row for key in ROW_REQUIRES_ONE_OF):
        row["price"] = {"price": fixed(current_price, _PRICE_PLACES)}
    return row


def _row_value(f: F.Field, value: Any) -> Any:
    if f.kind is F.Kind.DECIMAL:
        return fixed(value, f.decimals)
    if f.kind is F.Kind.OBJECT:
        return object_value(f, value)
    return value


def object_value(f: F.Field, value: Any) -> dict[str, Any]:
    """An object field's write form: the parts the plan states, decimals fixed. ``None``
    (clear it) is every part that takes null as null (a purchase price or orderable amount
    object itself may not be null, nor a purchase price's ``includingVat``)."""
    if value is None:
        return {p.name: None for p in f.parts if p.nullable}
    out: dict[str, Any] = {}
    for p in f.parts:
        if p.name in value:
            item = value[p.name]
            if p.kind is F.Kind.DECIMAL and item is not None and p.places is not None:
                item = fixed(item, p.places)
            out[p.name] = item
    return out


def movement_item(code: str, amount: Any) -> dict[str, Any]:
    """An absolute physical amount (``realStock``) as a JSON number. Never ``amountChange``:
    a relative change re-sent after a lost response would count twice."""
    number = Decimal(str(amount))
    value: int | float = int(number) if number == number.to_integral_value() else float(number)
    return {"productCode": code, _STOCK.write_name: value}


def batches(items: Iterable[T], size: int = MAX_BATCH) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
