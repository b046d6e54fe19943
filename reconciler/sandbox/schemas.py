"""Request schemas, written from the OpenAPI file (operation and field names as in the spec)."""

from __future__ import annotations

from reconciler.sandbox.validate import DATE, DEC2, DEC3, GUID, UDEC3, A, B, I, N, O, S

VISIBILITY = (
    "hidden",
    "visible",
    "blocked",
    "show-registered",
    "block-unregistered",
    "cash-desk-only",
    "detail-only",
)
PRODUCT_TYPES = ("product", "bazar", "service", "product-set")
CODE = r"^[a-zA-Z0-9_\/ \-\.]+$"
TAX_LEVELS = ("high", "low", "third", "none", "superLow", "parking")

_flag = O({"code": S(), "dateFrom": S(DATE, null=True), "dateTo": S(DATE, null=True)}, ("code",))
_measure = O(
    {
        "packagingUnitId": I(null=True),
        "packagingAmount": S(UDEC3, null=True),
        "measureUnitId": I(null=True),
        "measureAmount": S(UDEC3, null=True),
    },
    ("packagingUnitId", "packagingAmount", "measureUnitId", "measureAmount"),
    null=True,
)
_surcharge = O(
    {
        "code": S(max=255),
        "values": A(
            O(
                {"valueIndex": S(max=255), "price": S(DEC2, null=True), "visible": B()},
                ("valueIndex",),
            ),
            min=1,
        ),
    },
    ("code", "values"),
)

_DESCRIPTIVE = O(
    {
        "name": S(max=255, min=1),
        "value": S(null=True),
        "description": S(null=True),
        "priority": I(null=True, max=99999),
    },
    ("name",),
)

_VARIANT_COMMON = {
    "code": S(CODE, max=64),
    "ean": S(max=255, null=True),
    "unitId": I(),
    "weight": S(r"^[0-9]{1,5}\.[0-9]{3}$", null=True),
    "width": S(r"^[0-9]{1,4}\.[0-9]{1}$"),
    "height": S(r"^[0-9]{1,4}\.[0-9]{1}$"),
    "depth": S(r"^[0-9]{1,4}\.[0-9]{1}$"),
    "visible": B(),
    "manufacturerCode": S(max=32, null=True),
    "pluCode": S(max=16, null=True),
    "isbn": S(max=32, null=True),
    "serialNo": S(max=32, null=True),
    "mpn": S(max=32, null=True),
    "availabilityId": I(null=True),
    "availabilityWhenSoldOutId": I(null=True),
    "parameters": A(O({"nameIndex": S(), "valueIndex": S()}, ("nameIndex", "valueIndex"))),
    "minStockSupply": S(UDEC3, null=True),
    "negativeStockAllowed": B(),
    "measureUnit": _measure,
    "recyclingFeeId": I(null=True),
    "consumptionTaxId": I(null=True),
    "amountDecimalPlaces": I(enum=(0, 1, 2, 3)),
    "atypicalBilling": B(),
    "atypicalShipping": B(),
    "boxRestriction": B(),
    "heureka": O({"feedExcluded": B(), "cartExcluded": B()}),
    "ossVatLevels": A(
        O({"countryCode": S(max=2), "taxLevel": S(enum=TAX_LEVELS)}, ("countryCode", "taxLevel"))
    ),
}
CREATE_VARIANT = O(
    {
        **_VARIANT_COMMON,
        "price": S(DEC2),
        "currencyCode": S(r"^[a-zA-Z]{3}$"),
        "stocksLocations": A(
            O({"stockId": I(), "amount": S(DEC3, null=True), "location": S(max=255)}, ("stockId",))
        ),
    }
)
# Shoptet's PATCH variant item carries neither price/currencyCode nor a stock amount (notes §5d).
PATCH_VARIANT = O(
    {
        **_VARIANT_COMMON,
        # OpenAPI documents length only; strict when in doubt: a code Shoptet can address
        "newCode": S(CODE, max=64, min=1),
        "image": S(null=True),
        "stocksLocations": A(
            O({"stockId": I(), "location": S(max=255, null=True)}, ("stockId", "location"))
        ),
    }
)

_PRODUCT_COMMON = {
    "guid": S(GUID, max=36),
    "type": S(enum=PRODUCT_TYPES),
    "visibility": S(enum=VISIBILITY),
    "shortDescription": S(null=True),
    "description": S(null=True),
    "additionalName": S(max=150, null=True),
    "metaTitle": S(max=255, null=True),
    "metaDescription": S(null=True),
    "conditionGrade": S(null=True),
    "conditionDescription": S(null=True),
    "defaultCategoryGuid": S(GUID, max=36),
    "preauthorizationRequired": B(),
    "hsCode": S(r"^\d{6,10}$", null=True),
    "categoryGuids": A(S(GUID, max=36), min=1),
    "warrantyId": I(null=True),
    "descriptiveParameters": A(_DESCRIPTIVE),
    "indexName": S(),
    "relatedVideos": A(
        O(
            {
                "code": S(max=32),
                "title": S(max=128, null=True),
                "type": S(enum=("youtube", "youtube-short")),
            },
            ("code", "type"),
        )
    ),
}
CREATE_PRODUCT = O(
    {
        **_PRODUCT_COMMON,
        "name": S(max=250),
        "adult": B(),
        "brandCode": S(),
        "internalNote": S(),
        "supplierGuid": S(GUID, max=36),
        "flags": A(_flag, min=1),
        "descriptiveParameters": A(_DESCRIPTIVE, min=1),
        "filteringParameters": A(
            O({"code": S(max=255), "values": A(S(), min=1)}, ("code", "values")), min=1
        ),
        "surchargeParameters": A(_surcharge, min=1),
        "variants": A(CREATE_VARIANT, min=1),
    },
    ("name", "defaultCategoryGuid", "variants"),
)
PATCH_PRODUCT = O(
    {
        **_PRODUCT_COMMON,
        "name": S(max=250),
        "adult": B(null=True),
        "brandCode": S(null=True),
        "internalNote": S(null=True),
        "supplierGuid": S(GUID, max=36, null=True),
        "flags": A(_flag, null=True),
        "flagsManagement": A(
            O({"action": S(enum=("set", "unset")), **_flag.fields}, ("action", "code")),
            min=1,
            null=True,
        ),
        "filteringParameters": A(
            O({"code": S(max=255), "values": A(S(), min=1)}, ("code", "values")), null=True
        ),
        "surchargeParameters": A(_surcharge),
        "variants": A(PATCH_VARIANT, min=1),
    }
)

CREATE_CATEGORY = O(
    {
        "guid": S(GUID, max=36),
        "name": S(max=255),
        "parentGuid": S(GUID, max=36, null=True),
        "description": S(null=True),
        "secondDescription": S(null=True),
        "imageName": S(null=True),
        "sourceImageName": S(r"^[0-9a-zA-Z_\-.]+$", max=255, null=True),
        "sortBefore": S(GUID, max=36),
        "sortAfter": S(GUID, max=36),
        "indexName": S(),
        "menuTitle": S(max=255, null=True),
        "title": S(max=255, null=True),
        "metaTagDescription": S(null=True),
        "visible": B(),
        "customerVisibility": S(enum=("all", "registered", "unregistered", "admin-only")),
        "productOrdering": S(),
        "similarProductsCategory": S(GUID, max=36, null=True),
        "relatedProductsCategory": S(GUID, max=36, null=True),
    },
    ("name",),
)

MOVEMENT_KINDS = ("amountChange", "quantity", "realStock")
MOVEMENT = O(
    {"productCode": S(), "amountChange": N(), "quantity": N(), "realStock": N()}, ("productCode",)
)
MOVEMENTS = A(MOVEMENT)

_action = O(
    {"price": S(DEC2, null=True), "fromDate": S(DATE, null=True), "toDate": S(DATE, null=True)},
    null=True,
)
_price = O(
    {
        "price": S(DEC2, null=True),
        "commonPrice": S(DEC2, null=True),
        "buyPrice": S(DEC2, null=True),
        "priceRatio": S(r"[0-9]+\.[0-9]{4}$"),
        "actionPrice": _action,
    }
)
PRICELIST_ROW = O(
    {
        "code": S(),
        "currencyCode": S(),
        "vatRate": S(r"^[0-9]+\.[0-9]{2}$", null=True),
        "includingVat": B(),
        "orderableAmount": O(
            {"minimumAmount": S(UDEC3, null=True), "maximumAmount": S(UDEC3, null=True)}
        ),
        "sales": O(
            {
                "minPriceRatio": S(r"[0-9]+\.[0-9]{4}$"),
                "freeShipping": B(),
                "freeBilling": B(),
                "loyaltyDiscount": B(),
                "volumeDiscount": B(),
                "quantityDiscount": B(),
                "discountCoupon": B(),
            }
        ),
        "price": _price,
        "priceWithVat": _price,
        "priceWithoutVat": _price,
        "prices": O(
            {
                "purchasePrice": O(
                    {
                        "price": S(DEC2, null=True),
                        "vatRate": S(r"^[0-9]+\.[0-9]{2}$", null=True),
                        "includingVat": B(),
                    }
                )
            }
        ),
    },
    ("code",),
)
PRICELIST_ROWS = A(PRICELIST_ROW)

# /api/products/variant-parameters (SPEC components.schemas.productVariantParameterValues and
# the createVariantParameter / createVariantParameterValue request bodies)
SLUG = r"^[a-zA-Z0-9\-]*$"
COLOR = r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
_PARAM_VALUE = O(
    {
        "paramValue": S(max=128, min=1),
        "rawValue": S(SLUG, max=255, min=1, null=True),
        "color": S(COLOR, null=True),
        "image": S(max=255, min=1, null=True),
        "valuePriority": I(null=True, min=1),
    },
    ("paramValue",),
)
CREATE_VARIANT_PARAMETER = O(
    {
        "paramName": S(max=255, min=1),
        "paramIndex": S(SLUG, max=255, min=1, null=True),
        "displayName": S(max=255, min=1, null=True),
        "priority": I(null=True, min=1),
        "values": A(_PARAM_VALUE),
    },
    ("paramName",),
)
ADD_VARIANT_PARAMETER_VALUES = O({"paramValues": A(_PARAM_VALUE, min=1)}, ("paramValues",))
# updateVariantParameter / updateVariantParameterValue: minProperties 1; an index, a name or a
# priority may change but not be null (only displayName, color and image may)
UPDATE_VARIANT_PARAMETER = O(
    {
        "paramName": S(max=255, min=1),
        "displayName": S(max=255, min=1, null=True),
        "paramIndex": S(SLUG, max=255, min=1),
        "priority": I(min=1),
    },
    min=1,
)
UPDATE_VARIANT_PARAMETER_VALUE = O(
    {
        "paramValue": S(max=128, min=1),
        "rawValue": S(SLUG, max=255, min=1),
        "color": S(COLOR, null=True),
        "image": S(max=255, min=1, null=True),
        "valuePriority": I(min=1),
    },
    min=1,
)

# createProductFlag / updateProductFlag
CREATE_FLAG = O({"title": S(max=255, min=1), "color": S(COLOR, null=True)}, ("title",))
UPDATE_FLAG = O({"title": S(max=255, min=1), "color": S(COLOR, null=True)}, min=1)
# PUT /api/products/{guid}/relatedProducts and .../alternativeProducts (setRelatedProducts,
# setAlternativeProducts): the whole list, 0-50 items
PRODUCT_LINKS = {
    name: O({name: A(O({"guid": S(GUID)}, ("guid",)), max=50)}, (name,))
    for name in ("relatedProducts", "alternativeProducts")
}
# POST of the same paths (addRelatedProduct, addAlternativeProduct): one product, its guid a
# typeGuidUnlimited (any text up to 36; one the shop lacks is refused by the handler)
ADD_PRODUCT_LINK = {
    name: O({name[:-1]: O({"guid": S(max=36)}, ("guid",))}, (name[:-1],))
    for name in ("relatedProducts", "alternativeProducts")
}

# /api/products/filtering-parameters (createFilteringParameter, createFilteringParameterValue;
# components.schemas.productFilteringParameterValues)
_FILTERING_VALUE = O(
    {
        "name": S(max=128, min=1),
        "valueIndex": S(SLUG, max=255, min=1, null=True),
        "priority": I(null=True, min=1),
        "color": S(COLOR, null=True),
        "image": S(max=255, min=1, null=True),
    },
    ("name",),
)
_FILTERING_PARAMETER = {
    "name": S(max=255, min=1),
    "code": S(SLUG, max=255, min=1),
    "displayName": S(max=255, min=1, null=True),
    "description": S(min=1, null=True),
    "priority": I(null=True, min=1),
    "googleMapping": S(max=255, min=1, null=True),
}
CREATE_FILTERING_PARAMETER = O(
    {**_FILTERING_PARAMETER, "values": A(_FILTERING_VALUE, min=1)}, ("name", "values")
)
ADD_FILTERING_PARAMETER_VALUES = O({"paramValues": A(_FILTERING_VALUE, min=1)}, ("paramValues",))
# updateFilteringParameter / updateFilteringParameterValue: minProperties 1
UPDATE_FILTERING_PARAMETER = O(_FILTERING_PARAMETER, min=1)
UPDATE_FILTERING_PARAMETER_VALUE = O(_FILTERING_VALUE.fields, min=1)
