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

Validation errors carry ``PydanticCustomError`` type ``catalog`` with a finished message; an
optional ``at`` in the error context names the mapping key or list index inside the field the
problem is about (the loader uses it to point at the exact YAML position).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

GUID_PATTERN = r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$"
CODE_PATTERN = r"^[A-Z0-9_/ .-]+$"
CODE_MAX_LENGTH = 64
MAX_VARIANTS = 512
VISIBILITIES = (
    "visible",
    "hidden",
    "blocked",
    "show-registered",
    "block-unregistered",
    "cash-desk-only",
    "detail-only",
)
PRODUCT_TYPES = ("product", "bazar", "service", "gift-certificate", "product-set")

_GUID_RE = re.compile(GUID_PATTERN)
_CODE_RE = re.compile(CODE_PATTERN)
_CODE_CHARS_RE = re.compile(r"^[A-Za-z0-9_/ .-]+$")
_DECIMAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_INT_RE = re.compile(r"^-?[0-9]+$")
_MAX_INT_DIGITS = 15
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")


def fail(message: str, at: Any = None) -> PydanticCustomError:
    """A model error with a finished message; ``at`` is a key/index inside the field."""
    ctx = {"at": at} if at is not None else None
    return PydanticCustomError("catalog", message, ctx)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a float"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# Value parsers (pure functions; each raises a finished message)


def parse_text(value: Any) -> str:
    """Text, normalised to NFC so composed and decomposed spellings compare equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    raise fail(f"must be text, not {_kind(value)}")


def parse_guid(value: Any) -> str:
    if not isinstance(value, str):
        raise fail(f"must be a GUID (text), not {_kind(value)}")
    if _GUID_RE.match(value):
        return value
    if _GUID_RE.match(value.lower()):
        raise fail(f"GUID '{value}' must be lowercase: write '{value.lower()}'")
    raise fail(
        f"'{value}' is not a Shoptet GUID (8-4-4-4-12 lowercase hex digits, e.g. "
        "'1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed'); `shoptet-catalog new-guid` prints a new one"
    )


def parse_code(value: Any) -> str:
    """A variant code exactly as written; lowercase is refused with the uppercase spelling."""
    if not isinstance(value, str):
        raise fail(f"variant code must be text, not {_kind(value)}")
    if not value:
        raise fail("variant code must not be empty")
    if len(value) > CODE_MAX_LENGTH:
        raise fail(f"variant code '{value}' is longer than {CODE_MAX_LENGTH} characters")
    if not _CODE_CHARS_RE.match(value):
        bad = sorted({c for c in value if not _CODE_CHARS_RE.match(c)})
        raise fail(
            f"variant code '{value}' contains {', '.join(repr(c) for c in bad)}: Shoptet codes "
            "allow only letters A-Z, digits, space, '_', '/', '-' and '.'"
        )
    if value != value.strip():
        raise fail(f"variant code '{value}' must not start or end with a space")
    if not _CODE_RE.match(value):
        raise fail(
            f"variant code '{value}' must be uppercase (Shoptet stores codes uppercase): "
            f"write '{value.upper()}'"
        )
    return value


def _parse_decimal(
    value: Any,
    *,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal:
    if isinstance(value, bool | float):
        raise fail(f"must be a decimal number written as text or digits, not {_kind(value)}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise fail("must be a finite number")
        number = value
    elif isinstance(value, str):
        text = value
        if not _DECIMAL_RE.match(text):
            low = text.strip().lower().lstrip("+-")
            if low in (".inf", "inf", "infinity", ".nan", "nan"):
                raise fail(f"must be a finite number, not '{text}'")
            if re.fullmatch(r"-?[0-9]+,[0-9]+", text):
                raise fail(f"use a dot as the decimal separator: '{text.replace(',', '.')}'")
            try:
                as_exp = (
                    Decimal(text) if re.fullmatch(r"[-+]?[0-9.]+[eE][-+]?[0-9]+", text) else None
                )
            except InvalidOperation:  # pragma: no cover - the regex admits only valid forms
                as_exp = None
            if as_exp is not None and as_exp.is_finite():
                raise fail(
                    f"write the number in plain digits, not in exponent form '{text}' "
                    f"(e.g. '{as_exp:f}')"
                )
            raise fail(f"must be a decimal number like 123.45, not '{text}'")
        number = Decimal(text)
    else:
        raise fail(f"must be a decimal number, not {_kind(value)}")
    if number and number.adjusted() >= _MAX_INT_DIGITS:
        raise fail(f"is too large ({value}); at most {_MAX_INT_DIGITS} digits before the point")
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step, rounding="ROUND_DOWN"):
        raise fail(f"allows at most {places} decimal places, got '{value}'")
    if minimum is not None and number < minimum:
        raise fail(f"must be at least {minimum}, got '{value}'")
    if maximum is not None and number > maximum:
        raise fail(f"must be at most {maximum}, got '{value}'")
    return number


def parse_bool(value: Any) -> bool:
    """YAML 1.2 booleans only: true/false (also True/TRUE/False/FALSE)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise fail(
            f"must be true or false, not '{value}' (YAML 1.2: yes/no/on/off are not booleans)"
        )
    raise fail(f"must be true or false, not {_kind(value)}")


def parse_int(value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise fail("must be a whole number, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT_RE.match(value) and len(value) <= _MAX_INT_DIGITS:
        number = int(value)
    else:
        shown = f"'{value}'" if isinstance(value, str) else _kind(value)
        raise fail(f"must be a whole number, not {shown}")
    if minimum is not None and number < minimum:
        raise fail(f"must be at least {minimum}, got {number}")
    return number


def _choice(values: tuple[str, ...], what: str):
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise fail(f"{what} must be text, not {_kind(value)}")
        if value in values:
            return value
        raise fail(
            f"unknown {what} '{value}'{did_you_mean(value, values)}; one of: {', '.join(values)}"
        )

    return check


def parse_stock(value: Any) -> Decimal | dict[int, Decimal]:
    """A scalar (the default stock) or a mapping stock id -> physical amount."""
    if isinstance(value, dict):
        out: dict[int, Decimal] = {}
        for key, amount in value.items():
            try:
                stock_id = parse_int(key, minimum=1)
            except PydanticCustomError:
                raise fail(
                    f"stock id must be a whole number 1 or more, not '{key}'", at=key
                ) from None
            if stock_id in out:
                raise fail(f"stock id {stock_id} is given twice", at=key)
            try:
                out[stock_id] = _parse_decimal(amount, places=3)
            except PydanticCustomError as err:
                raise fail(f"stock {stock_id}: {err.message()}", at=key) from None
        return out
    if isinstance(value, list):
        raise fail("must be an amount or a mapping stock id -> amount, not a list")
    return _parse_decimal(value, places=3)


def parse_guid_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise fail(f"must be a list of category GUIDs, not {_kind(value)}")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        try:
            guid = parse_guid(item)
        except PydanticCustomError as err:
            raise fail(err.message(), at=i) from None
        if guid in seen:
            raise fail(f"category '{guid}' is listed twice", at=i)
        seen.add(guid)
        out.append(guid)
    return out


# ---------------------------------------------------------------------------------------------
# Annotated value types (validation + JSON Schema for editors)

_NUMBER_OR_TEXT = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}]
}


def _dec(places: int, minimum: str | None = None, maximum: str | None = None):
    lo = Decimal(minimum) if minimum is not None else None
    hi = Decimal(maximum) if maximum is not None else None

    def check(value: Any) -> Decimal:
        return _parse_decimal(value, places=places, minimum=lo, maximum=hi)

    return Annotated[Decimal, BeforeValidator(check), WithJsonSchema(dict(_NUMBER_OR_TEXT))]


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
Price = _dec(2)
VatRate = _dec(2, minimum="0")
Amount = _dec(3)
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
    BeforeValidator(_choice(VISIBILITIES, "visibility")),
    WithJsonSchema({"enum": list(VISIBILITIES)}),
]
ProductType = Annotated[
    str,
    BeforeValidator(_choice(PRODUCT_TYPES, "type")),
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
GuidList = Annotated[
    list[str],
    BeforeValidator(parse_guid_list),
    WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": GUID_PATTERN}}),
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------
# Models


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
    weight: Weight | None = Field(
        None, description="Weight in kg, 3 decimals, at most 99999.999.", examples=["0.250"]
    )
    minStockSupply: PositiveAmount | None = Field(
        None, description="Minimum stock supply.", examples=["10"]
    )
    negativeStockAllowed: Bool | None = Field(None, description="May the stock go below zero?")
    absent: Bool = Field(False, description="Tombstone: true deletes this variant (guarded).")

    @model_validator(mode="after")
    def _tombstone_is_alone(self) -> Variant:
        if self.absent and self.model_fields_set - {"absent"}:
            others = ", ".join(sorted(self.model_fields_set - {"absent"}))
            raise fail(f"a tombstone (absent: true) must not set other fields ({others})")
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
        return self


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
    protect: list[Guid] = Field(
        default_factory=list, description="Product GUIDs that may never be deleted or hidden."
    )
    prune: Bool = Field(
        False,
        description="true: live products missing from the YAML are planned for deletion (still guarded).",
    )


PRODUCT_FIELDS: tuple[str, ...] = tuple(
    f for f in Product.model_fields if f not in ("variants", "absent")
)
VARIANT_FIELDS: tuple[str, ...] = tuple(f for f in Variant.model_fields if f != "absent")


def parse_ignore_path(value: Any) -> str:
    """``description``, ``variants.*.stock`` or ``variants.CODE.price``: a field never diffed."""
    text = parse_text(value)
    parts = text.split(".")
    if parts[0] == "variants":
        if len(parts) == 3 and (parts[1] == "*" or _CODE_RE.match(parts[1])):
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
