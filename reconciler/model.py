"""The catalog as data: frozen pydantic models shared by the YAML side and the live side.

Field names are Shoptet's own API names (camelCase), so Shoptet's API documentation explains
them. **Managed fields are ``model.model_fields_set``**: the loader builds each model from only
the keys the YAML states, so a field left out is unmanaged, and an explicit ``null`` is in the
set with the value ``None`` ("clear it"). Live models (``live.py``) set every field they know.

Every value type accepts what the YAML loader produces (text, because the loader types every
plain scalar as text) as well as ready Python values (``Decimal``, ``int``, ``bool``) for code
that builds models directly. Nothing ever passes through ``float``: decimals keep their exact
digits (``Decimal("10.50")`` stays ``10.50``; the plan normalises).

Shoptet's own limits are enforced here (OpenAPI ``createProduct``): GUID pattern, variant code
pattern and length (stored uppercase), name 1-250 characters, additional name up to 150, meta
title 1-255, EAN up to 255, manufacturer code up to 32, the visibility and type code lists,
prices with 2 decimals, amounts and weight with 3, and at most 512 variants per product.

Value parsing (text -> Decimal/int/bool, codes, GUIDs) lives in ``reconciler.desired.values``.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from reconciler import fields as F
from reconciler.desired.images import image_key, parse_image_ref, parse_images
from reconciler.desired.values import (
    CODE_MAX_LENGTH,
    CODE_PATTERN,
    CODE_RE,
    COLOR_PATTERN,
    GUID_PATTERN,
    MAX_VARIANTS,
    PRODUCT_TYPES,
    VISIBILITIES,
    choice_of,
    did_you_mean,
    fail,
    parse_action_price,
    parse_bool,
    parse_code,
    parse_color,
    parse_decimal,
    parse_descriptive_parameters,
    parse_filtering_parameters,
    parse_flags,
    parse_guid,
    parse_guid_list,
    parse_int,
    parse_measure_unit,
    parse_orderable_amount,
    parse_parameters,
    parse_product_links,
    parse_purchase_price,
    parse_reference,
    parse_stock,
    parse_supplier,
    parse_text,
    remembered,
)

__all__ = [
    "CODE_MAX_LENGTH",
    "CODE_PATTERN",
    "GUID_PATTERN",
    "MAX_VARIANTS",
    "PRODUCT_FIELDS",
    "PRODUCT_TYPES",
    "VARIANT_DIRECTIVES",
    "VARIANT_FIELDS",
    "VISIBILITIES",
    "Catalog",
    "FlagDefinition",
    "Policy",
    "Product",
    "ShopSettings",
    "Variant",
    "did_you_mean",
    "parse_guid",
]

# ---------------------------------------------------------------------------------------------
# Annotated value types (validation + JSON Schema for editors)

_NUMBER_OR_TEXT = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}]
}

_PRICE_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    ]
}


def _dec(places: int, minimum: str | None = None, maximum: str | None = None):
    lo = Decimal(minimum) if minimum is not None else None
    hi = Decimal(maximum) if maximum is not None else None

    def check(value: Any) -> Decimal:
        return parse_decimal(value, places=places, minimum=lo, maximum=hi)

    return Annotated[
        Decimal, BeforeValidator(remembered(check)), WithJsonSchema(dict(_NUMBER_OR_TEXT))
    ]


def _check_price(value: Any) -> Decimal:
    """A price (``price``, ``commonPrice``): 2 decimals, never negative. 0 is allowed here;
    a price that becomes 0 is the price guard's business (``plan.guards``)."""
    number = parse_decimal(value, places=2)
    if number < 0:
        raise fail(
            f"a price cannot be negative, got '{value}'. Fix: write the price as 0 or more "
            "(e.g. the positive amount without the minus sign)"
        )
    return number


Text = Annotated[str, BeforeValidator(parse_text)]
Guid = Annotated[
    str,
    BeforeValidator(parse_guid),
    WithJsonSchema({"type": "string", "pattern": GUID_PATTERN}),
]
VariantCode = Annotated[
    str,
    BeforeValidator(parse_code),
    WithJsonSchema({"type": "string", "pattern": CODE_PATTERN, "maxLength": CODE_MAX_LENGTH}),
]
# ``renamedFrom``: a code too, and ``null`` is refused (parse_code names it) rather than read
# as "no rename": a key that is written should mean something.
RenamedFrom = Annotated[
    str | None,
    BeforeValidator(parse_code),
    WithJsonSchema({"type": "string", "pattern": CODE_PATTERN, "maxLength": CODE_MAX_LENGTH}),
]
if TYPE_CHECKING:  # to a type checker each is a Decimal; pydantic sees the validators
    Price: TypeAlias = Decimal
    VatRate: TypeAlias = Decimal
    PositiveAmount: TypeAlias = Decimal
    Weight: TypeAlias = Decimal
    Share: TypeAlias = Decimal
else:
    Price = Annotated[
        Decimal, BeforeValidator(remembered(_check_price)), WithJsonSchema(dict(_PRICE_SCHEMA))
    ]
    VatRate = _dec(2, minimum="0")
    PositiveAmount = _dec(3, minimum="0")
    Weight = _dec(3, minimum="0", maximum="99999.999")
    Share = _dec(4, minimum="0", maximum="1")
Bool = Annotated[bool, BeforeValidator(parse_bool), WithJsonSchema({"type": "boolean"})]
PositiveInt = Annotated[
    int,
    BeforeValidator(lambda v: parse_int(v, minimum=1)),
    WithJsonSchema({"type": "integer", "minimum": 1}),
]
NonNegativeInt = Annotated[
    int,
    BeforeValidator(lambda v: parse_int(v, minimum=0)),
    WithJsonSchema({"type": "integer", "minimum": 0}),
]
AnyInt = Annotated[int, BeforeValidator(parse_int), WithJsonSchema({"type": "integer"})]
Visibility = Annotated[
    str,
    BeforeValidator(choice_of(VISIBILITIES, "visibility")),
    WithJsonSchema({"enum": list(VISIBILITIES)}),
]
STOCK_BELOW_CLAIM = ("warn", "refuse")
StockBelowClaim = Annotated[
    str,
    BeforeValidator(choice_of(STOCK_BELOW_CLAIM, "setting")),
    WithJsonSchema({"enum": list(STOCK_BELOW_CLAIM)}),
]
ProductType = Annotated[
    str,
    BeforeValidator(choice_of(PRODUCT_TYPES, "type")),
    WithJsonSchema({"enum": list(PRODUCT_TYPES)}),
]
Stock = Annotated[
    Decimal | dict[int, Decimal],
    BeforeValidator(parse_stock),
    WithJsonSchema(
        {
            "anyOf": [
                dict(_NUMBER_OR_TEXT),
                {
                    "type": "object",
                    "propertyNames": {"pattern": "^[1-9][0-9]*$"},
                    "additionalProperties": dict(_NUMBER_OR_TEXT),
                },
            ]
        }
    ),
]
Parameters = Annotated[
    dict[str, str],
    BeforeValidator(parse_parameters),
    WithJsonSchema(
        {
            "type": ["object", "null"],
            "propertyNames": {"minLength": 1},
            "additionalProperties": {"type": ["string", "number"]},
        }
    ),
]
GuidList = Annotated[
    list[str],
    BeforeValidator(parse_guid_list),
    WithJsonSchema(
        {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": GUID_PATTERN}}
    ),
]

ProductLinks = Annotated[
    list[str],
    BeforeValidator(parse_product_links),
    WithJsonSchema(
        {
            "type": "array",
            "maxItems": 50,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": GUID_PATTERN},
        }
    ),
]

FilteringParameters = Annotated[
    dict[str, list[str]],
    BeforeValidator(parse_filtering_parameters),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"minLength": 1},
            "additionalProperties": {
                "anyOf": [
                    {"type": ["string", "number"]},
                    {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
                ]
            },
        }
    ),
]
_TEXT_OR_NULL = {"type": ["string", "number", "null"]}
DescriptiveParameters = Annotated[
    list[dict[str, Any]],
    BeforeValidator(parse_descriptive_parameters),
    WithJsonSchema(
        {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": ["string", "number"], "minLength": 1, "maxLength": 255},
                    "value": dict(_TEXT_OR_NULL),
                    "description": dict(_TEXT_OR_NULL),
                    "priority": {"type": ["integer", "string", "null"]},
                },
            },
        }
    ),
]

_DATE_SCHEMA = {"type": ["string", "null"], "format": "date"}
ActionPrice = Annotated[
    dict[str, Any],
    BeforeValidator(parse_action_price),
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["price"],
            "properties": {
                "price": dict(_PRICE_SCHEMA),
                "fromDate": dict(_DATE_SCHEMA),
                "toDate": dict(_DATE_SCHEMA),
            },
        }
    ),
]
PurchasePrice = Annotated[
    dict[str, Any],
    BeforeValidator(parse_purchase_price),
    WithJsonSchema(
        {
            "anyOf": [
                dict(_PRICE_SCHEMA),
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["price"],
                    "properties": {
                        "price": dict(_PRICE_SCHEMA),
                        "vatRate": dict(_NUMBER_OR_TEXT),
                        "includingVat": {"type": "boolean"},
                    },
                },
            ]
        }
    ),
]
OrderableAmount = Annotated[
    dict[str, Any],
    BeforeValidator(parse_orderable_amount),
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {
                "minimumAmount": {"anyOf": [dict(_NUMBER_OR_TEXT), {"type": "null"}]},
                "maximumAmount": {"anyOf": [dict(_NUMBER_OR_TEXT), {"type": "null"}]},
            },
        }
    ),
]

# ``250 g``: an amount, then a measure unit's name or id (``desired.values``)
_AMOUNT_AND_UNIT = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(\s+\S.*|[^\s0-9.,].*)$"}
MeasureUnit = Annotated[
    dict[str, Any],
    BeforeValidator(parse_measure_unit),
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["contents", "per"],
            "properties": {"contents": dict(_AMOUNT_AND_UNIT), "per": dict(_AMOUNT_AND_UNIT)},
        }
    ),
]

_FLAG_DATES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"from": dict(_DATE_SCHEMA), "to": dict(_DATE_SCHEMA)},
}
Flags = Annotated[
    dict[str, Any],
    BeforeValidator(parse_flags),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"minLength": 1},
            "additionalProperties": {"anyOf": [{"type": "boolean"}, _FLAG_DATES]},
        }
    ),
]

Color = Annotated[
    str,
    BeforeValidator(parse_color),
    WithJsonSchema({"type": ["string", "null"], "pattern": COLOR_PATTERN}),
]

# warranty, unit: an id or a name; supplier: a GUID or a name (resolved at plan time)
Reference = Annotated[
    int | str,
    BeforeValidator(parse_reference),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "minLength": 1}]}),
]
SupplierRef = Annotated[
    str,
    BeforeValidator(parse_supplier),
    WithJsonSchema({"type": "string", "minLength": 1}),
]
_IMAGE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "src": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "maxLength": 2000},
        "name": {"type": "string", "minLength": 1},
        "alt": {"type": ["string", "null"]},
    },
    "oneOf": [{"required": ["src"]}, {"required": ["name"]}],
}
Images = Annotated[
    list[dict[str, str]],
    BeforeValidator(parse_images),
    WithJsonSchema({"type": "array", "maxItems": 100, "items": _IMAGE_SCHEMA}),
]
ImageRef = Annotated[
    str, BeforeValidator(parse_image_ref), WithJsonSchema({"type": ["string", "null"]})
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _check_pricelist_key(value: Any) -> str:
    """A pricelist named by its name (as the admin shows it) or its id."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise fail(
            "a pricelist is named by its name or id (`shoptet-catalog lookup pricelists`), "
            f"e.g. prices: {{Velkoobchod: {{price: 180.00}}}}, not {value!r}"
        )
    return unicodedata.normalize("NFC", str(value)).strip()


PricelistKey = Annotated[str, BeforeValidator(_check_pricelist_key)]


# ---------------------------------------------------------------------------------------------
# Models


class PricelistPrices(BaseModel):
    """A variant's row in one pricelist other than the default (``Variant.prices``): the same
    price fields as the variant's own, which stay the default pricelist's. No purchase price:
    Shoptet keeps it in the default pricelist only."""

    model_config = _FROZEN

    price: Price | None = Field(None, description="Price in this pricelist, 2 decimals.")
    commonPrice: Price | None = Field(
        None, description="Common (strike-through, 'before') price in this pricelist."
    )
    vatRate: VatRate | None = Field(None, description="VAT rate in percent in this pricelist.")
    includingVat: Bool | None = Field(None, description="true: `price` includes VAT.")
    actionPrice: ActionPrice | None = Field(
        None,
        description=(
            "Action (sale) price in this pricelist for a date range: {price, fromDate, "
            "toDate}. null ends it."
        ),
    )
    orderableAmount: OrderableAmount | None = Field(
        None, description="Limits of one order in this pricelist: {minimumAmount, maximumAmount}."
    )

    @model_validator(mode="before")
    @classmethod
    def _row_rules(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise fail(
                "must be a mapping of price fields, e.g. {price: 180.00, actionPrice: "
                f"{{price: 160.00, fromDate: 2026-12-01, toDate: 2026-12-24}}}}, not {data!r}"
            )
        if not data:
            raise fail("state at least one price field for this pricelist (e.g. price: 180.00)")
        if "purchasePrice" in data:
            raise fail(
                "purchasePrice is kept only in the e-shop's default pricelist: state it on the "
                "variant itself (purchasePrice: ...), not under prices",
                at="purchasePrice",
            )
        for name in NOT_NULL_PRICES & {k for k, v in data.items() if v is None}:
            raise fail(
                f"{name}: null is not allowed here (Shoptet always has a value); leave the key "
                "out to leave it unmanaged",
                at=name,
            )
        return data

    @model_validator(mode="after")
    def _sale_not_above_price(self) -> PricelistPrices:
        _check_sale(self.actionPrice, self.price)
        return self


def _check_sale(action_price: dict[str, Any] | None, price: Decimal | None) -> None:
    action = (action_price or {}).get("price")
    if action is not None and price is not None and action > price:
        raise fail(
            f"the action price {action} is above the regular price {price}: a sale "
            "price must not be higher; lower actionPrice.price or raise price",
            at="actionPrice",
        )


NOT_NULL_PRICES = frozenset(f.name for f in F.PER_PRICELIST if not f.nullable)


def _check_prices(value: Any) -> Any:
    if value is None:
        raise fail(
            "null is not allowed here: a pricelist left out is left as the shop has it; "
            "remove the key, or name each pricelist with its fields"
        )
    if not isinstance(value, dict) or not value:
        raise fail(
            "must be a mapping pricelist name or id -> price fields, e.g. prices: "
            "{Velkoobchod: {price: 180.00}}"
        )
    seen: dict[str, Any] = {}
    for key in value:
        name = _check_pricelist_key(key)
        if name.casefold() in seen:
            raise fail(f"pricelist {name!r} is given twice", at=key)
        seen[name.casefold()] = key
    return value


# ``null`` reaches the validator (and is refused) because the annotation holds the None
Prices = Annotated[dict[PricelistKey, PricelistPrices] | None, BeforeValidator(_check_prices)]


class Variant(BaseModel):
    """One variant, keyed by its code (uppercase) in ``Product.variants``."""

    model_config = _FROZEN

    ean: Text | None = Field(
        None,
        max_length=255,
        description="EAN / GTIN barcode, kept as text.",
        examples=["8594001234567"],
    )
    manufacturerCode: Text | None = Field(
        None, max_length=32, description="Manufacturer's code.", examples=["OKI-123"]
    )
    pluCode: Text | None = Field(
        None, max_length=16, description="PLU code (cash registers).", examples=["0828"]
    )
    isbn: Text | None = Field(
        None, max_length=32, description="ISBN, for books.", examples=["978-80-251-0000-0"]
    )
    serialNo: Text | None = Field(None, max_length=32, description="Serial number.")
    mpn: Text | None = Field(
        None, max_length=32, description="Manufacturer part number (MPN).", examples=["H3T5-87"]
    )
    price: Price | None = Field(
        None,
        description="Price in the pricelist (see shop.yaml `pricelist`), 2 decimals.",
        examples=["123.45"],
    )
    commonPrice: Price | None = Field(
        None,
        description="Common (strike-through, 'before') price, 2 decimals.",
        examples=["149.00"],
    )
    vatRate: VatRate | None = Field(
        None, description="VAT rate in percent, e.g. 21.00.", examples=["21.00"]
    )
    includingVat: Bool | None = Field(None, description="true: `price` includes VAT.")
    actionPrice: ActionPrice | None = Field(
        None,
        description=(
            "Action (sale) price for a date range: {price, fromDate, toDate}, dates YYYY-MM-DD. "
            "Shoptet sells at it only between the dates; a date left out is none. Must not be "
            "above `price`. null ends it."
        ),
        examples=[{"price": "179.00", "fromDate": "2026-12-01", "toDate": "2026-12-24"}],
    )
    purchasePrice: PurchasePrice | None = Field(
        None,
        description=(
            "Purchase price (Shoptet prices.purchasePrice): a number, or {price, vatRate, "
            "includingVat}; parts left out stay as the shop has them. Default pricelist only. "
            "null removes it."
        ),
        examples=["120.00", {"price": "120.00", "vatRate": "21.00", "includingVat": True}],
    )
    orderableAmount: OrderableAmount | None = Field(
        None,
        description=(
            "Limits of one order: {minimumAmount, maximumAmount}; a part left out stays as the "
            "shop has it, null removes that limit; orderableAmount: null removes both."
        ),
        examples=[{"minimumAmount": "1", "maximumAmount": "10"}],
    )
    prices: Prices = Field(
        None,
        description=(
            "Prices in other pricelists (B2B, wholesale), keyed by the pricelist's name or id "
            "(`shoptet-catalog lookup pricelists`): the same price fields as above, except "
            "purchasePrice. The fields above stay the default pricelist's (shop.pricelist). "
            "A pricelist left out is left as the shop has it."
        ),
        examples=[
            {
                "Velkoobchod": {
                    "price": "180.00",
                    "actionPrice": {
                        "price": "160.00",
                        "fromDate": "2026-12-01",
                        "toDate": "2026-12-24",
                    },
                }
            }
        ],
    )
    stock: Stock | None = Field(
        None,
        description=(
            "Physical amount on hand (Shoptet realStock = available amount + claim). A number is "
            "the default stock; a mapping sets it per stock id, e.g. {1: 20, 3: 5}."
        ),
        examples=["50", {"1": 20, "3": 5}],
    )
    visible: Bool | None = Field(None, description="Is the variant visible in the shop?")
    availability: AnyInt | None = Field(
        None,
        description="Shoptet availability id (GET /api/products/availabilities).",
        examples=[-1],
    )
    availabilityWhenSoldOut: AnyInt | None = Field(
        None,
        description=(
            "Shoptet availability id shown once the variant is sold out "
            "(GET /api/products/availabilities)."
        ),
        examples=[4],
    )
    unit: Reference | None = Field(
        None,
        description=(
            "Unit of the quantity by name or id (GET /api/products/units, `shoptet-catalog "
            "lookup units`), e.g. ks or kg."
        ),
        examples=["ks"],
    )
    measureUnit: MeasureUnit | None = Field(
        None,
        description=(
            "Unit price basis: {contents, per}, each an amount and a measure unit by name or id "
            "(GET /api/products/measure-units, `shoptet-catalog lookup measure-units`). "
            "contents: what one piece holds; per: the amount the unit price is shown for. "
            "null removes it."
        ),
        examples=[{"contents": "250 g", "per": "1 kg"}],
    )
    weight: Weight | None = Field(
        None, description="Weight in kg, 3 decimals, at most 99999.999.", examples=["0.250"]
    )
    minStockSupply: PositiveAmount | None = Field(
        None, description="Minimum stock supply.", examples=["10"]
    )
    negativeStockAllowed: Bool | None = Field(None, description="May the stock go below zero?")
    parameters: Parameters | None = Field(
        None,
        description=(
            "Variant parameters: parameter -> value, by the names the admin shows or by index "
            "slugs, e.g. {Hmotnost: 250 g} or {hmotnost: 250-g}. Each variant of a product "
            "with two or more variants needs a unique combination. Sent as a whole."
        ),
        examples=[{"Hmotnost": "250 g"}],
    )
    image: ImageRef | None = Field(
        None,
        description=(
            "The variant's own image: the src or name of one of the product's `images`. "
            "null: the product's main image (the first of `images`)."
        ),
        examples=["https://cdn.example.cz/kava-kolumbie-500.jpg"],
    )
    renamedFrom: RenamedFrom = Field(
        None,
        description=(
            "The code this variant had in the shop before: the plan renames that live variant "
            "(stock, prices and history stay with it) instead of creating a new one. Harmless "
            "to keep once the rename is done."
        ),
        examples=["KAV-250-OLD"],
    )
    absent: Bool = Field(False, description="Tombstone: true deletes this variant (guarded).")

    @model_validator(mode="after")
    def _tombstone_is_alone(self) -> Variant:
        if self.absent and self.model_fields_set - {"absent"}:
            others = ", ".join(sorted(self.model_fields_set - {"absent"}))
            raise fail(f"a tombstone (absent: true) must not set other fields ({others})")
        _check_sale(self.actionPrice, self.price)
        return self


class Product(BaseModel):
    """One product, keyed by its lowercase GUID in ``Catalog.products``."""

    model_config = _FROZEN

    name: Text | None = Field(
        None,
        min_length=1,
        max_length=250,
        description="Product name (1-250 characters).",
        examples=["Velká čokoláda"],
    )
    visibility: Visibility | None = Field(
        None, description="Who sees the product.", examples=["visible"]
    )
    type: ProductType | None = Field(
        None,
        description="Product type; used only when the product is created.",
        examples=["product"],
    )
    shortDescription: Text | None = Field(None, description="Short description (HTML).")
    description: Text | None = Field(None, description="Full description (HTML).")
    metaTitle: Text | None = Field(
        None, min_length=1, max_length=255, description="SEO title (1-255 characters)."
    )
    metaDescription: Text | None = Field(None, description="SEO description.")
    additionalName: Text | None = Field(
        None, max_length=150, description="Additional name (up to 150 characters)."
    )
    brand: Text | None = Field(
        None, min_length=1, description="Brand code (GET /api/brands).", examples=["milka"]
    )
    defaultCategory: Guid | None = Field(
        None,
        description="GUID of the main category.",
        examples=["5c499a23-70ac-11e9-9208-08002774f818"],
    )
    categories: GuidList | None = Field(
        None, description="GUIDs of all categories the product is in."
    )
    internalNote: Text | None = Field(None, description="Internal note, not shown to customers.")
    flags: Flags | None = Field(
        None,
        description=(
            "Product flags by code or title (`shoptet-catalog lookup flags`): true sets it, "
            "false removes it, {from, to} sets it for those dates. Flags not named are left "
            "as they are."
        ),
        examples=[{"Akce": {"from": "2026-12-01", "to": "2026-12-24"}, "Novinka": False}],
    )
    warranty: Reference | None = Field(
        None,
        description=(
            "Warranty by description or id (GET /api/products/warranties, `shoptet-catalog "
            "lookup warranties`); null removes it."
        ),
        examples=["2 roky"],
    )
    supplier: SupplierRef | None = Field(
        None,
        description=(
            "Supplier by name or GUID (GET /api/suppliers, `shoptet-catalog lookup "
            "suppliers`); null removes it."
        ),
        examples=["Kávová pražírna s.r.o."],
    )
    images: Images | None = Field(
        None,
        description=(
            "The product's image gallery in order (the first is the main image): "
            "{src: URL, alt: text} to add an image Shoptet downloads from the URL, or "
            "{name: 106.jpg, alt: text} for an image already in the shop. Images of the "
            "shop's gallery not listed are deleted. alt left out: the shop's alt text stays."
        ),
        examples=[[{"src": "https://cdn.example.cz/kava-kolumbie.jpg", "alt": "Káva Kolumbie"}]],
    )
    descriptiveParameters: DescriptiveParameters | None = Field(
        None,
        description=(
            "The specification table (descriptive parameters): rows {name, value, "
            "description, priority}, shown in this order (priority is the row's position "
            "unless stated). The whole table: rows not listed are removed; [] clears it."
        ),
        examples=[
            [{"name": "Materiál", "value": "bavlna"}, {"name": "Země původu", "value": "Peru"}]
        ],
    )
    filteringParameters: FilteringParameters | None = Field(
        None,
        description=(
            "Filtering parameters (the category filters): parameter -> value or [values], by "
            "the names the admin shows or by codes (`shoptet-catalog lookup "
            "filtering-parameters`). All of the product's: parameters not named are removed; "
            "{} clears them. A parameter or value the shop lacks is created first."
        ),
        examples=[{"Materiál": ["bavlna", "len"], "Barva": "červená"}],
    )
    relatedProducts: ProductLinks | None = Field(
        None,
        description=(
            "Related products (shown with this one), by product GUID, in the order the shop "
            "shows them; at most 50. [] clears the list; left out, the shop's list is kept."
        ),
        examples=[["1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"]],
    )
    alternativeProducts: ProductLinks | None = Field(
        None,
        description=(
            "Alternative products (offered instead of this one), by product GUID, in the "
            "order the shop shows them; at most 50. [] clears the list; left out, the shop's "
            "list is kept."
        ),
        examples=[["1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"]],
    )
    variants: dict[VariantCode, Variant] = Field(
        default_factory=dict,
        description="Variants keyed by code (uppercase; at most 512). Stock, prices and EANs live here.",
    )
    absent: Bool = Field(
        False, description="Tombstone: true deletes this product (guarded, needs --allow-delete)."
    )

    @model_validator(mode="after")
    def _rules(self) -> Product:
        if self.absent and self.model_fields_set - {"absent"}:
            others = ", ".join(sorted(self.model_fields_set - {"absent"}))
            raise fail(f"a tombstone (absent: true) must not set other fields ({others})")
        if len(self.variants) > MAX_VARIANTS:
            raise fail(
                f"a product may have at most {MAX_VARIANTS} variants, this one has "
                f"{len(self.variants)}",
                at="variants",
            )
        self._variant_images_are_listed()
        return self

    def _variant_images_are_listed(self) -> None:
        """A variant's ``image`` names one of this product's ``images`` (by src or name)."""
        listed = {image_key(i) for i in self.images or ()}
        for code, variant in sorted(self.variants.items()):
            ref = variant.image
            if ref is None or ref in listed:
                continue
            where = (
                "the product states no images: list it in the product's images: first"
                if self.images is None
                else "it is not one of the product's images: use an src or name listed there"
            )
            raise PydanticCustomError(
                "catalog",
                f"variant {code}: image '{ref}': {where}",
                {"at": ["variants", code, "image"]},
            )


class ShopSettings(BaseModel):
    """``shop:`` in shop.yaml."""

    model_config = _FROZEN

    defaultStock: PositiveInt | None = Field(
        None,
        description="Stock id a scalar `stock` means; else Shoptet's defaultStockId.",
        examples=[1],
    )
    pricelist: PositiveInt | None = Field(
        None,
        description="Pricelist id prices are written to; else the e-shop's default pricelist.",
        examples=[1],
    )
    bestSellerOrders: PositiveInt | None = Field(
        None,
        description="Orders in the last 30 days from which the plan marks a variant whose price changes or that is hidden as a best-seller (display only); unset: no mark.",
        examples=[50],
    )


class FlagDefinition(BaseModel):
    """One entry of ``flags:`` in shop.yaml, keyed by the flag's code or title: a flag the
    catalog defines. A key the shop has neither as code nor as title is created (``POST
    /api/products/flags``, Shoptet generates the code); an existing one gets the stated
    ``title`` and ``color`` (``PATCH``). A flag is never deleted by the tool."""

    model_config = _FROZEN

    title: Text | None = Field(
        None,
        min_length=1,
        max_length=255,
        description=(
            "The flag's name shown to customers; default: the key. State it on a key that is "
            "a flag code to rename that flag."
        ),
        examples=["Vánoce"],
    )
    color: Color | None = Field(
        None,
        description="Hex colour, e.g. '#d40000' (quoted); null: Shoptet's default colour.",
        examples=["#d40000"],
    )


class Policy(BaseModel):
    """``policy:`` in shop.yaml: the guards an apply must pass."""

    model_config = _FROZEN

    maxDeletes: NonNegativeInt = Field(
        10, description="Most deletions one apply may make (and only with --allow-delete)."
    )
    maxChangedShare: Share = Field(
        Decimal("0.25"),
        description="Share (0-1) of existing managed products an apply may update or delete before --allow-bulk is needed.",
    )
    maxPriceChange: Share = Field(
        Decimal("0.5"),
        description="Share (0-1) by which an existing variant's price or commonPrice may drop or rise before --allow-price is needed (a price that becomes 0 always needs it).",
    )
    protect: list[Guid] = Field(
        default_factory=list, description="Product GUIDs that may never be deleted or hidden."
    )
    prune: Bool = Field(
        False,
        description="true: live products missing from the YAML are planned for deletion (still guarded).",
    )
    stockBelowClaim: StockBelowClaim = Field(
        "warn",
        description="A stock change that sets physical stock below what open orders claim there: warn (a warning in the plan) or refuse (a guard: apply needs --allow-stock-below-claim).",
    )


PRODUCT_FIELDS: tuple[str, ...] = tuple(
    f for f in Product.model_fields if f not in ("variants", "absent")
)
# Variant keys that are instructions to the reconciler, not values of the shop: never diffed.
VARIANT_DIRECTIVES: tuple[str, ...] = ("renamedFrom", "absent")
VARIANT_FIELDS: tuple[str, ...] = tuple(
    f for f in Variant.model_fields if f not in VARIANT_DIRECTIVES
)


def parse_ignore_path(value: Any) -> str:
    """``description``, ``variants.*.stock`` or ``variants.CODE.price``: a field never diffed."""
    text = parse_text(value)
    parts = text.split(".")
    if parts[0] == "variants":
        if len(parts) == 3 and (parts[1] == "*" or CODE_RE.match(parts[1])):
            if parts[2] in VARIANT_FIELDS:
                return text
            raise fail(
                f"ignore path '{text}': unknown variant field '{parts[2]}'{did_you_mean(parts[2], VARIANT_FIELDS)}"
            )
        raise fail(f"ignore path '{text}': write variants.*.FIELD or variants.CODE.FIELD")
    if len(parts) == 1 and parts[0] in PRODUCT_FIELDS:
        return text
    raise fail(
        f"ignore path '{text}': unknown field{did_you_mean(parts[0], (*PRODUCT_FIELDS, 'variants'))}; "
        "write a product field (e.g. description) or variants.*.FIELD"
    )


IgnorePath = Annotated[
    str,
    BeforeValidator(parse_ignore_path),
    WithJsonSchema({"type": "string", "examples": ["description", "variants.*.stock"]}),
]


class Catalog(BaseModel):
    """The whole desired (or live) catalog."""

    model_config = _FROZEN

    products: dict[Guid, Product] = Field(default_factory=dict)
    shop: ShopSettings = Field(default_factory=ShopSettings)
    policy: Policy = Field(default_factory=Policy)
    ignore: list[IgnorePath] = Field(
        default_factory=list,
        description="Field paths never diffed, e.g. description or variants.*.stock.",
    )
    flags: dict[Annotated[str, Field(min_length=1)], FlagDefinition] = Field(
        default_factory=dict,
        description=(
            "Flag definitions the catalog manages, keyed by flag code or title: one the shop "
            "lacks is created before the products that use it, title and color of one it has "
            "are kept as stated. Never deleted."
        ),
        examples=[{"Vánoce": {"color": "#d40000"}}],
    )
