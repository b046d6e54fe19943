"""Pure conversion of Shoptet's read-side payloads into the catalog model (no I/O).

``product_from_detail`` turns one ``GET /api/products/{guid}`` answer (the client's
``ProductDetail``) into a ``reconciler.model.Product`` whose ``model_fields_set`` is every field
the answer told us about; ``includes_for`` says which detail includes a desired product's managed
fields need, so nothing is asked for that the diff will not look at.

Live models are built with ``model_construct``: the values are Shoptet's, already stored in the
shop, and must show up in the plan as a ``before`` even where the YAML could not state them (a
64-character manufacturer code, an empty meta title). Validating them against the YAML's limits
would turn a surprising live value into a crash instead of a visible change. Types are still the
model's: decimals are ``Decimal``, stock is ``{stock id: Decimal}``, codes are uppercase.

Where each field comes from (the ``read`` and ``include`` of its record in the field registry,
``reconciler.fields``; price fields and stock are read here as below):

================================  ===========================================================
model field                       read side
================================  ===========================================================
brand, defaultCategory            ``brand.code``, ``defaultCategory.guid``
categories                        ``categories[].guid`` (include ``allCategories``)
visibility                        ``visibility`` (``normal`` read as ``visible``)
variant availability              ``availability.id``
variant negativeStockAllowed      ``yes``/``yes-global`` -> True, ``no``/``no-global`` -> False
variant price, commonPrice,       the row of the plan's pricelist in ``perPricelistPrices``
vatRate, includingVat,            (include ``perPricelistPrices``); for the e-shop's default
actionPrice, purchasePrice,       pricelist the variant's own fields, which Shoptet fills from it
orderableAmount                   (the last two only in the row: their records ask for it)
variant prices                    ``{pricelist id: {field: value}}``: every row of
                                  ``perPricelistPrices``, when the answer has it
variant stock                     ``{stockId: amount + claim}`` from ``perStockAmounts``
                                  (include ``perStockAmounts``; see ``live_physical_stock``)
variant parameters                ``{paramIndex: rawValue}`` from ``parameters`` (include
                                  ``variantParameters``), the slugs product writes send
images                            the ``shop`` gallery ``[{name, alt}]`` by priority (include
                                  ``images``; ``fields.read_images``)
variant image                     ``image`` unless ``isProductDefaultImage`` (then None)
================================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler import fields as F
from reconciler.construct import construct
from reconciler.model import Product, Variant
from reconciler.plan.normalize import live_physical_stock
from reconciler.plan.parameters import slug

# The detail includes, from the field registry (``reconciler.fields``).
ALL_CATEGORIES = F.BY_NAME["categories"].include
PER_STOCK = F.BY_NAME["stock"].include
PER_PRICELIST = F.PRICE_INCLUDE
VARIANT_PARAMETERS: str = F.BY_NAME["parameters"].include or ""  # declared in the registry

PRICE_FIELDS = F.names(F.select(F.Level.VARIANT, resource=F.Resource.PRICE))
_PRODUCT = F.select(F.Level.PRODUCT)
# Variant fields read from a plain path; ``parameters`` (no path) is read by read_parameters.
_VARIANT = tuple(
    f for f in F.select(F.Level.VARIANT, resource=F.Resource.VARIANT) if f.read is not None
)
_PRICES = F.select(F.Level.VARIANT, resource=F.Resource.PRICE)
_PER_PRICELIST = F.PER_PRICELIST
# (field, the detail include it needs)
_INCLUDED = tuple((f, f.include) for f in F.FIELDS if f.include is not None)


def includes_for(
    product: Product,
    *,
    pricelist_id: int | None,
    default_pricelist_id: int | None,
    ignore: Iterable[str] = (),
) -> tuple[str, ...]:
    """The detail includes the managed fields of ``product`` need (sorted, maybe empty).

    ``allCategories`` when ``categories`` is managed; ``perStockAmounts`` when any variant
    manages ``stock``; ``variantParameters`` when any variant states ``parameters``; ``perPricelistPrices`` when any variant manages a price field and the
    plan's pricelist is not the e-shop's default (the variant's own price fields are the
    default pricelist's). Fields dropped by a matching ``ignore`` rule need nothing."""
    ignored = set(ignore)
    wanted: set[str] = set()
    stated = product.model_fields_set
    for f, include in _INCLUDED:
        if f.level is F.Level.PRODUCT and f.name in stated and f.name not in ignored:
            wanted.add(include)
    other_pricelist = pricelist_id is not None and pricelist_id != default_pricelist_id
    for code, variant in (product.variants or {}).items():
        stated = variant.model_fields_set
        for f, include in _INCLUDED:
            if (
                f.level is F.Level.VARIANT
                and f.name in stated
                and not _ignored(ignored, code, f.name)
            ):
                wanted.add(include)
        if other_pricelist and any(
            f in stated and not _ignored(ignored, code, f) for f in PRICE_FIELDS
        ):
            wanted.add(PER_PRICELIST)
        if F.PRICES in stated and not _ignored(ignored, code, F.PRICES):
            wanted.add(PER_PRICELIST)  # rows in other pricelists
    return tuple(sorted(wanted))


def _ignored(rules: set[str], code: str, field: str) -> bool:
    return f"variants.*.{field}" in rules or f"variants.{code.upper()}.{field}" in rules


def product_from_detail(
    detail: Any, *, pricelist_id: int | None, default_pricelist_id: int | None
) -> Product:
    """The live ``Product`` of one product detail; every field the answer carries is set."""
    fields: dict[str, Any] = {name: getattr(detail, name, None) for name in _PRODUCT_PLAIN}
    for name, read in _PRODUCT_READ:
        value = read(detail)
        if value is not _UNKNOWN:
            fields[name] = value
    variants = {}
    for v in getattr(detail, "variants", None) or []:
        variants[str(v.code).strip().upper()] = variant_from_detail(
            v, pricelist_id=pricelist_id, default_pricelist_id=default_pricelist_id
        )
    fields["variants"] = variants
    return construct(Product, fields)


def variant_from_detail(
    v: Any, *, pricelist_id: int | None, default_pricelist_id: int | None
) -> Variant:
    """The live ``Variant`` of one item of a detail's ``variants``."""
    fields: dict[str, Any] = {name: getattr(v, name, None) for name in _VARIANT_PLAIN}
    for name, read in _VARIANT_READ:
        value = read(v)
        if value is not _UNKNOWN:
            fields[name] = value
    prices = _prices(v, pricelist_id, default_pricelist_id)
    if prices is not None:
        fields.update(prices)
    if v.perPricelistPrices is not None:  # every pricelist's row, for ``prices:``
        fields[F.PRICES] = {
            str(pid): {name: convert(_row_value(row, f)) for name, f, convert in _PER_PRICELIST_ROW}
            for row in v.perPricelistPrices
            if (pid := _int(row.get("pricelistId"))) is not None
        }
    if v.perStockAmounts is not None:  # only with include=perStockAmounts
        fields["stock"] = {
            int(row.stockId): live_physical_stock(row.amount, row.claim)
            for row in v.perStockAmounts
        }
    params = getattr(v, "parameters", None)
    if params is not None:  # only with include=variantParameters
        fields["parameters"] = read_parameters(params)
    if getattr(v, "isProductDefaultImage", None) is not None:
        # Shoptet shows the product's main image for a variant with none of its own
        fields["image"] = None if v.isProductDefaultImage else getattr(v, "image", None)
    return construct(Variant, fields)


def claims_from_detail(detail: Any) -> dict[str, str]:
    """What open orders claim of each variant per stock, from a detail read with
    ``perStockAmounts`` (no extra request): ``"CODE@stockId" -> claim`` for claims above 0.
    Display only: the plan shows it beside stock changes (``Names.claims``)."""
    out: dict[str, str] = {}
    for v in getattr(detail, "variants", None) or ():
        for row in getattr(v, "perStockAmounts", None) or ():
            claim = claim_text(row.claim)
            if claim is not None and v.code:
                out[claim_key(v.code, row.stockId)] = claim
    return out


def claim_key(code: Any, stock_id: Any) -> str:
    """``"CODE@stockId"``: where a claim is, as the plan's ``Names.claims`` keys it."""
    return f"{str(code).strip().upper()}@{int(stock_id)}"


def claim_text(value: Any) -> str | None:
    """A claim above 0 as plain decimal text (``"3"``, ``"1.5"``); None for none or 0."""
    try:
        claim = Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return None
    return format(claim.normalize(), "f") if claim.is_finite() and claim > 0 else None


def read_parameters(items: Iterable[Any]) -> dict[str, str]:
    """A detail variant's ``parameters`` (include ``variantParameters``) as the canonical
    mapping ``paramIndex -> rawValue`` (the ``nameIndex``/``valueIndex`` writes send)."""
    out = {}
    for p in items:
        get = p.get if isinstance(p, dict) else (lambda k, _p=p: getattr(_p, k, None))
        index = get("paramIndex")
        if index:
            out[str(index)] = str(get("rawValue") or slug(str(get("paramValue") or "")))
    return dict(sorted(out.items()))


def _prices(
    v: Any, pricelist_id: int | None, default_pricelist_id: int | None
) -> dict[str, Any] | None:
    """The price fields in the plan's pricelist, or None when this answer cannot say."""
    rows = v.perPricelistPrices
    target = pricelist_id if pricelist_id is not None else default_pricelist_id
    if rows is not None and target is not None:
        for row in rows:
            if _int(row.get("pricelistId")) == target:
                return {name: convert(_row_value(row, f)) for name, f, convert in _PRICE_ROW}
        return dict.fromkeys(PRICE_FIELDS)  # the variant has no row in that pricelist
    if pricelist_id is None or pricelist_id == default_pricelist_id:
        # the variant's own price fields are the default pricelist's; the row's objects other
        # than the action price are only in ``perPricelistPrices`` (asked for when managed)
        return {name: convert(getattr(v, attr, None)) for name, attr, convert in _OWN_PRICES}
    return None


def _row_value(row: dict[str, Any], f: F.Field) -> Any:
    """Field ``f`` in one pricelist row: under ``price``, under ``prices`` or beside them."""
    if f.body is F.Body.PRICE_ROW_PRICE:
        return (row.get("price") or {}).get(f.write_name)
    if f.body is F.Body.PRICE_ROW_PRICES:
        return (row.get("prices") or {}).get(f.write_name)
    return row.get(f.write_name)


_UNKNOWN: Any = object()  # a reader's answer when the detail does not say (no include)


def _reader(f: F.Field) -> Callable[[Any], Any]:
    """The value of field ``f`` in a detail (or one of its ``variants[]``) at ``f.read``, or
    ``_UNKNOWN``; the path is split once here, not once a product. A field whose read needs an
    include is unknown when the answer lacks it (its list or object is missing); ``a[].b``
    keeps the items that have ``b``."""
    head, _, rest = (f.read or f.name).partition(".")
    many = head.endswith("[]")
    attr = head.removesuffix("[]")
    always_known = f.include is None
    convert = _converter(f)

    def read(item: Any) -> Any:
        value = getattr(item, attr, None)
        if value is None:  # with its include asked for, a null (``warranty: null``) is known
            known = always_known or head in getattr(item, "model_fields_set", ())
            return None if known else _UNKNOWN
        if many:
            value = [x for x in (getattr(one, rest) for one in value) if x]
        elif rest:
            value = getattr(value, rest, None)
        return convert(value)

    return read


def _converter(f: F.Field) -> Callable[[Any], Any]:
    """A read value as field ``f`` keeps it: through ``f.reader``, then an object's parts (its
    decimals as ``Decimal``) or a decimal as ``Decimal``; anything else as it is."""
    reader = f.reader
    if f.kind is F.Kind.OBJECT:
        parts = tuple((p.name, p.kind is F.Kind.DECIMAL) for p in f.parts)

        def convert(value: Any) -> Any:
            if reader is not None:
                value = reader(value)
            if not isinstance(value, dict):
                return value
            return {
                name: to_decimal(value.get(name)) if decimal else value.get(name)
                for name, decimal in parts
            }

        return convert
    if f.kind is F.Kind.DECIMAL:
        if reader is None:
            return to_decimal
        return lambda value: to_decimal(reader(value))
    return reader if reader is not None else _same


def _same(value: Any) -> Any:
    return value


def _plain(f: F.Field) -> bool:
    """``f`` reads as the attribute of its own name, known whatever the includes, unchanged."""
    return (
        (f.read or f.name) == f.name
        and f.include is None
        and f.reader is None
        and f.kind not in (F.Kind.DECIMAL, F.Kind.OBJECT)
    )


def to_decimal(value: Any) -> Any:
    """A read-side number (a string like ``"1.000"``, an int, or a JSON float such as the
    ``21.0`` of a VAT rate) as a ``Decimal``; a float goes through its shortest repr, which is
    the text the JSON carried. Unreadable values (and bools) stay as they are for the plan
    to show, so the result is a Decimal, None or the value as read."""
    if value is None or isinstance(value, bool):
        return value
    try:
        if isinstance(value, float):
            return Decimal(repr(value))
        return Decimal(str(value).strip())
    except InvalidOperation:
        return value


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def product_from_summary(name: str | None) -> Product:
    """A product known only from the product list (unmanaged, or a tombstone): its name."""
    return Product.model_construct(name=name or None)


# The readers, built once (``_reader``): plain fields are read as attributes of the same name.
_PRODUCT_PLAIN = tuple(f.name for f in _PRODUCT if _plain(f))
_PRODUCT_READ = tuple((f.name, _reader(f)) for f in _PRODUCT if not _plain(f))
_VARIANT_PLAIN = tuple(f.name for f in _VARIANT if _plain(f))
_VARIANT_READ = tuple((f.name, _reader(f)) for f in _VARIANT if not _plain(f))
# the price fields: from the variant's own attributes (the default pricelist), from a row
_OWN_PRICES = tuple(
    (f.name, f.read or f.name, _converter(f))
    for f in _PRICES
    if f.kind is not F.Kind.OBJECT or f.read is not None
)
_PRICE_ROW = tuple((f.name, f, _converter(f)) for f in _PRICES)
_PER_PRICELIST_ROW = tuple((f.name, f, _converter(f)) for f in _PER_PRICELIST)
