"""Read-side payloads as pydantic models that tolerate what they do not know.

Shoptet adds response fields without notice, so every model has ``extra="allow"``: unknown keys
are kept (``model.model_extra``) and never fail validation. Only the fields the tool reads are
declared, all optional. Decimal values stay the strings Shoptet sends (``"123.45"``,
``"1.000"``); normalising them is ``normalize.py``'s job, not the client's.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ShoptetModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)


class Ref(ShoptetModel):
    """A nested reference such as ``brand {code,name}`` or ``availability {id,name}``."""

    id: int | None = None
    guid: str | None = None
    code: str | None = None
    name: str | None = None


class Eshop(ShoptetModel):
    """``GET /api/eshop``: ``contactInformation``, ``settings``, ``currencies``, ..."""

    contactInformation: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    currencies: list[dict[str, Any]] | None = None
    taxClasses: list[dict[str, Any]] | None = None
    activeModules: list[dict[str, Any]] | None = None

    @property
    def eshop_id(self) -> int | None:
        return (self.contactInformation or {}).get("eshopId")

    @property
    def default_pricelist_id(self) -> int | None:
        pricelist = (self.settings or {}).get("defaultPricelist") or {}
        return pricelist.get("id")

    @property
    def module_names(self) -> set[str]:
        return {name for m in self.activeModules or [] if (name := m.get("name"))}


class Stock(ShoptetModel):
    id: int
    title: str | None = None


class Stocks(ShoptetModel):
    """``GET /api/stocks``: every warehouse and the default one's id."""

    defaultStockId: int | None = None
    stocks: list[Stock] = []


class Category(ShoptetModel):
    guid: str
    name: str | None = None
    parentGuid: str | None = None
    visible: bool | None = None


class Brand(ShoptetModel):
    guid: str | None = None
    code: str | None = None
    name: str | None = None
    indexName: str | None = None


class ProductSummary(ShoptetModel):
    """An item of ``GET /api/products`` (no variants)."""

    guid: str
    name: str | None = None
    type: str | None = None
    visibility: str | None = None
    changeTime: str | None = None
    brand: Ref | None = None
    defaultCategory: Ref | None = None


class StockAmount(ShoptetModel):
    stockId: int
    amount: str | None = None
    claim: str | None = None
    location: str | None = None


class Variant(ShoptetModel):
    code: str
    ean: str | None = None
    manufacturerCode: str | None = None
    pluCode: str | None = None
    isbn: str | None = None
    serialNo: str | None = None
    mpn: str | None = None
    stock: str | None = None
    minStockSupply: str | None = None
    negativeStockAllowed: str | bool | None = None
    weight: str | None = None
    visible: bool | None = None
    price: str | None = None
    commonPrice: str | None = None
    includingVat: bool | None = None
    vatRate: str | None = None
    currencyCode: str | None = None
    actionPrice: dict[str, Any] | None = None  # the default pricelist's
    availability: Ref | None = None
    availabilityWhenSoldOut: Ref | None = None
    unit: str | None = None  # the unit's name (writes take unitId)
    measureUnit: dict[str, Any] | None = None  # only with include=measureUnit
    perStockAmounts: list[StockAmount] | None = None
    perPricelistPrices: list[dict[str, Any]] | None = None
    parameters: list[dict[str, Any]] | None = None  # only with include=variantParameters
    image: str | None = None  # the variant's image, else the product's main image
    isProductDefaultImage: bool | None = None  # true: ``image`` is the product's main image


class ProductDetail(ShoptetModel):
    """``GET /api/products/{guid}`` (and ``/code/{code}``), with whatever includes were asked."""

    guid: str
    type: str | None = None
    name: str | None = None
    visibility: str | None = None
    shortDescription: str | None = None
    description: str | None = None
    metaTitle: str | None = None
    metaDescription: str | None = None
    additionalName: str | None = None
    internalNote: str | None = None
    changeTime: str | None = None
    brand: Ref | None = None
    defaultCategory: Ref | None = None
    categories: list[Ref] | None = None
    flags: list[dict[str, Any]] | None = None  # only with include=flags
    warranty: Ref | None = None  # only with include=warranty: {id, inMonths, description}
    supplier: Ref | None = None  # {guid, name}
    images: list[dict[str, Any]] | None = None  # only with include=images
    descriptiveParameters: list[dict[str, Any]] | None = None  # include=descriptiveParameters
    filteringParameters: list[dict[str, Any]] | None = None  # include=filteringParameters
    relatedProducts: list[dict[str, Any]] | None = None  # only with include=relatedProducts
    alternativeProducts: list[dict[str, Any]] | None = None  # include=alternativeProducts
    variants: list[Variant] = []


class ProductChange(ShoptetModel):
    guid: str
    changeTime: str | None = None
    changeType: str | None = None


class Supply(ShoptetModel):
    productGuid: str | None = None
    code: str
    amount: str | None = None
    claim: str | None = None
    location: str | None = None
    changeTime: str | None = None


class OrderClaim(ShoptetModel):
    """``GET /api/orders/claims`` row: an open order's unfulfilled claim on a variant.
    ``orderCode`` is text (leading zeros, letters); amounts are decimal strings or numbers."""

    orderCode: str
    statusId: int | None = None
    productCode: str
    amount: str | float | int | None = None
    amountCompleted: str | float | int | None = None


class PricelistRow(ShoptetModel):
    code: str
    currencyCode: str | None = None
    includingVat: bool | None = None
    vatRate: str | None = None
    price: dict[str, Any] | None = None


class VariantParameterValue(ShoptetModel):
    """A value of a variant parameter (SPEC components.schemas.productVariantParameterValue).
    ``rawValue`` is what a product write sends as ``valueIndex``."""

    id: int | None = None
    paramValue: str | None = None
    rawValue: str | None = None
    color: str | None = None
    image: str | None = None
    valuePriority: int | None = None


class VariantParameter(ShoptetModel):
    """An item of ``GET /api/products/variant-parameters`` (and the detail / create answers).
    ``paramIndex`` is what a product write sends as ``nameIndex``; ``values`` is present only
    with ``include=values`` on the list."""

    id: int | None = None
    paramName: str | None = None
    paramIndex: str
    displayName: str | None = None
    priority: int | None = None
    values: list[VariantParameterValue] | None = None


class FilteringParameterValue(ShoptetModel):
    """A value of a filtering parameter (SPEC productFilteringParameterValue)."""

    id: int | None = None
    valueIndex: str | None = None
    name: str | None = None
    priority: int | None = None


class FilteringParameter(ShoptetModel):
    """An item of ``GET /api/products/filtering-parameters``: ``code`` is what a product write
    sends, its values' ``valueIndex`` too."""

    id: int | None = None
    code: str
    name: str | None = None
    displayName: str | None = None
    priority: int | None = None
    values: list[FilteringParameterValue] | None = None


# -- lookups (issue 14: `lookup`, `doctor`) ---------------------------------------------------


class Availability(ShoptetModel):
    """An item of ``GET /api/products/availabilities``."""

    id: int
    name: str | None = None
    system: bool | None = None


class Availabilities(ShoptetModel):
    """``GET /api/products/availabilities``: the list and the ids Shoptet uses by default
    (``onStock``, ``soldOutNegativeStockAllowed``, ``soldOutNegativeStockForbidden``)."""

    availabilities: list[Availability] = []
    defaultAvailabilities: dict[str, Any] | None = None


class Pricelist(ShoptetModel):
    """An item of ``GET /api/pricelists`` (not paginated)."""

    id: int
    name: str | None = None


class CustomerGroup(ShoptetModel):
    """An item of ``GET /api/customers/groups``; ``defaultPricelistId`` links it to a price list."""

    id: int
    name: str | None = None
    customerGroupCode: str | None = None
    defaultPricelistId: int | None = None


class Webhook(ShoptetModel):
    """An item of ``GET /api/webhooks`` (the URL is the shop owner's, not a secret of ours)."""

    id: int
    event: str
    url: str | None = None


class ApiEndpoint(ShoptetModel):
    """An item of ``GET /api/system/endpoints``: what the token may call, ``access`` is
    ``read`` / ``write`` / ``both``. The ``endpoint`` identifiers are not documented beyond the
    example ``orders``."""

    endpoint: str
    description: str | None = None
    group: dict[str, Any] | None = None
    access: str | None = None
