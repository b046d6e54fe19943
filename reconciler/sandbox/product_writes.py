"""Product create and PATCH semantics (notes §5c, §5d). Every check runs before any change, so a
refused request leaves the state untouched. With ``enforce`` (SandboxConfig.variant_parameters)
the variant-parameter rule of :mod:`variant_params` is checked on the product's resulting
variants."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.sandbox import measure
from reconciler.sandbox.content import apply_descriptive
from reconciler.sandbox.envelope import Fail, err
from reconciler.sandbox.filtering import apply_assignment, check_assignment
from reconciler.sandbox.state import ShopState, fmt
from reconciler.sandbox.variant_params import VariantRow, variant_rule_errors

MAX_VARIANTS = 512
_PRODUCT_TEXT = (
    "name",
    "type",
    "visibility",
    "shortDescription",
    "description",
    "additionalName",
    "metaTitle",
    "metaDescription",
    "internalNote",
)
_VARIANT_PLAIN = (
    "ean",
    "manufacturerCode",
    "pluCode",
    "isbn",
    "serialNo",
    "mpn",
    "visible",
    "availabilityId",
    "availabilityWhenSoldOutId",
    "amountDecimalPlaces",
)


def _bad(message: str, instance: str) -> Fail:
    return Fail(422, err("invalid-request-data", message, instance))


def _check_refs(state: ShopState, data: dict) -> None:
    _check_flags(state, data)
    warranty = data.get("warrantyId")
    if warranty is not None and warranty not in state.warranties:
        # not in the spec ("Warranty ID."); refused like the other references (UNVERIFIED)
        raise Fail(
            422,
            err(
                "warranty-not-found", f'Warranty with id "{warranty}" not found.', "data.warrantyId"
            ),
        )
    supplier = data.get("supplierGuid")
    if supplier is not None and supplier not in state.suppliers:  # "Must exist if set."
        raise Fail(
            422,
            err(
                "supplier-not-found",
                f'Supplier with guid "{supplier}" not found.',
                "data.supplierGuid",
            ),
        )
    check_assignment(state, data)
    guid = data.get("defaultCategoryGuid")
    if guid is not None and guid not in state.categories:
        raise Fail(
            422,
            err(
                "category-not-found",
                f'Category with guid "{guid}" not found.',
                "data.defaultCategoryGuid",
            ),
        )
    for i, guid in enumerate(data.get("categoryGuids") or []):
        if guid not in state.categories:
            raise Fail(
                422,
                err(
                    "category-not-found",
                    f'Category with guid "{guid}" not found.',
                    f"data.categoryGuids[{i}]",
                ),
            )
    brand = data.get("brandCode")
    if brand is not None and brand not in state.brands:
        raise Fail(
            422, err("brand-not-found", f'Brand with code "{brand}" not found.', "data.brandCode")
        )


def _check_flags(state: ShopState, data: dict) -> None:
    """``flags`` (the full list) and ``flagsManagement`` (set/unset) exclude each other, and
    every code must be a flag of the e-shop ("Must exist if set", SPEC updateProduct)."""
    if data.get("flags") is not None and data.get("flagsManagement") is not None:
        raise _bad(
            "Parameters flags and flagsManagement cannot be set together.", "data.flagsManagement"
        )
    for key in ("flags", "flagsManagement"):
        for i, item in enumerate(data.get(key) or []):
            if item["code"] not in state.flags:
                raise Fail(
                    422,
                    err(
                        "flag-not-found",
                        f'Flag with code "{item["code"]}" not found.',
                        f"data.{key}[{i}].code",
                    ),
                )


def _apply_flags(product: dict, data: dict) -> None:
    def entry(item: dict) -> dict:
        return {
            "code": item["code"],
            "dateFrom": item.get("dateFrom"),
            "dateTo": item.get("dateTo"),
        }

    if "flags" in data:
        product["flags"] = [entry(i) for i in data["flags"] or []]
    for item in data.get("flagsManagement") or []:
        kept = [f for f in product["flags"] if f["code"] != item["code"]]
        product["flags"] = kept + ([entry(item)] if item["action"] == "set" else [])


def _check_variant_refs(state: ShopState, item: dict, path: str) -> None:
    measure.check(item, path)
    if "unitId" in item and item["unitId"] not in state.units:  # UNVERIFIED error code
        raise Fail(
            422,
            err("unit-not-found", f'Unit with id "{item["unitId"]}" not found.', f"{path}.unitId"),
        )
    for key in ("availabilityId", "availabilityWhenSoldOutId"):
        value = item.get(key)
        if value is not None and value not in state.availabilities:
            raise Fail(
                422,
                err(
                    "product-availability-not-found",
                    f'Availability with id "{value}" not found.',
                    f"{path}.{key}",
                ),
            )
    for j, loc in enumerate(item.get("stocksLocations") or []):
        if loc["stockId"] not in state.stock_ids:
            raise _bad(
                f'Stock with id "{loc["stockId"]}" not found.',
                f"{path}.stocksLocations[{j}].stockId",
            )
    seen = set()
    for j, param in enumerate(item.get("parameters") or []):
        if param["nameIndex"] in seen:
            raise _bad(
                f'Parameter "{param["nameIndex"]}" is used more than once.',
                f"{path}.parameters[{j}]",
            )
        seen.add(param["nameIndex"])
    if "currencyCode" in item and item["currencyCode"].upper() != state.doc["eshop"]["currency"]:
        raise _bad(f'Currency "{item["currencyCode"]}" not found.', f"{path}.currencyCode")


def _generated_code(state: ShopState) -> str:
    n = len(state.code_owner) + 1
    while str(n) in state.code_owner:
        n += 1
    return str(n)


def _set_variant_fields(variant: dict, item: dict, state: ShopState) -> None:
    for key in _VARIANT_PLAIN:
        if key in item:
            variant[key] = item[key]
    if "unitId" in item:  # the state keeps the name, as a detail reads it
        variant["unit"] = state.units[item["unitId"]]["name"]
    if "measureUnit" in item:
        variant["measureUnit"] = measure.stored(item["measureUnit"])
    if "weight" in item:
        variant["weight"] = item["weight"]
    if "minStockSupply" in item:
        variant["minStockSupply"] = item["minStockSupply"]
    if "negativeStockAllowed" in item:
        variant["negativeStockAllowed"] = "yes" if item["negativeStockAllowed"] else "no-global"
    if "image" in item:  # a name of the product's gallery (checked by apply_patch)
        variant["image"] = item["image"]
    if "parameters" in item:  # replace-all (notes §5d)
        variant["parameters"] = [
            {"nameIndex": p["nameIndex"], "valueIndex": p["valueIndex"]} for p in item["parameters"]
        ]


def _new_variant(state: ShopState, code: str, now: str) -> dict:
    return {
        "code": code,
        "ean": None,
        "manufacturerCode": None,
        "pluCode": None,
        "isbn": None,
        "serialNo": None,
        "mpn": None,
        "weight": None,
        "visible": True,
        "unit": "ks",
        "amountDecimalPlaces": 0,
        "availabilityId": None,
        "availabilityWhenSoldOutId": None,
        "minStockSupply": None,
        "negativeStockAllowed": "no-global",
        "measureUnit": None,
        "parameters": [],
        "image": None,
        "prices": {
            str(pl["id"]): {
                "price": None,
                "commonPrice": None,
                "buyPrice": None,
                "vatRate": state.doc["eshop"]["defaultVatRate"],
                "includingVat": True,
                "currencyCode": state.doc["eshop"]["currency"],
            }
            for pl in state.doc["pricelists"]
        },
        "stocks": {},
    }


def _codes_for_create(state: ShopState, items: list[dict]) -> list[str | None]:
    codes, seen = [], set()
    for i, item in enumerate(items):
        code = item["code"].upper() if "code" in item else None
        if code is not None and (code in state.code_owner or code in seen):
            raise _bad(f'Variant code "{code}" already exists.', f"data.variants[{i}].code")
        if code is not None:
            seen.add(code)
        codes.append(code)
    return codes


def _params_of(item: dict) -> list[dict]:
    return [
        {"nameIndex": p["nameIndex"], "valueIndex": p["valueIndex"]}
        for p in item.get("parameters") or []
    ]


def apply_create(state: ShopState, data: dict, *, enforce: bool = False) -> dict:
    guid = data.get("guid") or str(uuid.uuid4())
    if guid in state.products:
        raise _bad(f'Product with guid "{guid}" already exists.', "data.guid")
    _check_refs(state, data)
    items = data["variants"]
    if len(items) > MAX_VARIANTS:
        raise _bad(f"Maximum number of variants per product is {MAX_VARIANTS}.", "data.variants")
    for i, item in enumerate(items):
        _check_variant_refs(state, item, f"data.variants[{i}]")
    codes = _codes_for_create(state, items)
    if enforce:
        rows = [
            (f"data.variants[{i}]", code, _params_of(item))
            for i, (item, code) in enumerate(zip(items, codes, strict=True))
        ]
        errors = variant_rule_errors(state, rows)
        if errors:
            raise Fail(422, errors)
    now = state.touch()
    product: dict[str, Any] = {key: data.get(key) for key in _PRODUCT_TEXT}
    product.update(
        guid=guid,
        type=data.get("type", "product"),
        visibility=data.get("visibility", "visible"),
        brandCode=data.get("brandCode"),
        warrantyId=data.get("warrantyId"),
        supplierGuid=data.get("supplierGuid"),
        defaultCategoryGuid=data["defaultCategoryGuid"],
        creationTime=now,
        changeTime=now,
        variants=[],
        flags=[],
        images=[],
        relatedProducts=[],
        alternativeProducts=[],
        descriptiveParameters=[],
        filteringParameters=[],
    )
    _apply_flags(product, data)
    apply_descriptive(product, data)
    apply_assignment(product, data)
    cats = list(data.get("categoryGuids") or [])
    product["categoryGuids"] = (
        cats if data["defaultCategoryGuid"] in cats else [data["defaultCategoryGuid"], *cats]
    )
    state.doc["products"].append(product)
    state.doc["deletedProducts"] = [d for d in state.doc["deletedProducts"] if d["guid"] != guid]
    state.reindex()
    default_pl = str(state.doc["defaultPricelistId"])
    for item, code in zip(items, codes, strict=True):
        variant = _new_variant(state, code or _generated_code(state), now)
        _set_variant_fields(variant, item, state)
        if "price" in item:
            variant["prices"][default_pl]["price"] = item["price"]
        for loc in item.get("stocksLocations") or []:
            variant["stocks"][str(loc["stockId"])] = {
                "realStock": fmt(loc.get("amount") or 0, 3),
                "claim": "0.000",
                "location": loc.get("location"),
                "changeTime": now,
            }
        product["variants"].append(variant)
        state.code_owner[variant["code"]] = guid
    return product


def apply_patch(state: ShopState, product: dict, data: dict, *, enforce: bool = False) -> None:
    """Shoptet's variant rule: a known code updates that variant; an unknown or missing code
    creates a new variant (notes §5d). The variant-parameter rule is checked when the request
    adds a variant or sends ``parameters`` (replace-all), on the variants the product would
    then have."""
    _check_refs(state, data)
    items = data.get("variants") or []
    own = {v["code"]: v for v in product["variants"]}
    plan, new_codes = [], set()
    images = {i["name"] for i in product.get("images", [])}
    for i, item in enumerate(items):
        path = f"data.variants[{i}]"
        _check_variant_refs(state, item, path)
        if item.get("image") is not None and item["image"] not in images:
            raise _bad(f'Image "{item["image"]}" does not exist within product.', f"{path}.image")
        code = item["code"].upper() if "code" in item else None
        target = own.get(code) if code else None
        if code and target is None and code in state.code_owner:
            raise _bad(f'Variant code "{code}" already exists in another product.', f"{path}.code")
        if code and target is None and code in new_codes:
            raise _bad(f'Variant code "{code}" is used twice.', f"{path}.code")
        if target is None and code:
            new_codes.add(code)
        new_code = item["newCode"].upper() if "newCode" in item else None
        if (
            new_code
            and new_code != code
            and (new_code in state.code_owner or new_code in new_codes)
        ):
            raise _bad(f'Variant code "{new_code}" already exists.', f"{path}.newCode")
        if new_code:
            new_codes.add(new_code)
        plan.append((item, code, target, new_code))
    if len(product["variants"]) + sum(1 for p in plan if p[2] is None) > MAX_VARIANTS:
        raise _bad(f"Maximum number of variants per product is {MAX_VARIANTS}.", "data.variants")
    if enforce and any(target is None or "parameters" in item for item, _, target, _ in plan):
        _check_patched_variants(state, product, plan)
    now = state.touch()
    for key in _PRODUCT_TEXT:
        if key in data:
            product[key] = data[key]
    for key in ("brandCode", "warrantyId", "supplierGuid"):
        if key in data:
            product[key] = data[key]
    _apply_flags(product, data)
    apply_descriptive(product, data)
    apply_assignment(product, data)
    if "categoryGuids" in data:
        product["categoryGuids"] = list(data["categoryGuids"])
    if "defaultCategoryGuid" in data:
        product["defaultCategoryGuid"] = data["defaultCategoryGuid"]
    if product["defaultCategoryGuid"] not in product["categoryGuids"]:
        # the default category is always one of the product's categories (UNCERTAIN in the
        # notes; the sandbox keeps them consistent)
        product["categoryGuids"].insert(0, product["defaultCategoryGuid"])
    for item, code, target, new_code in plan:
        if target is None:
            target = _new_variant(state, code or _generated_code(state), now)
            product["variants"].append(target)
            state.code_owner[target["code"]] = product["guid"]
        _set_variant_fields(target, item, state)
        for loc in item.get("stocksLocations") or []:
            row = target["stocks"].setdefault(
                str(loc["stockId"]),
                {"realStock": "0.000", "claim": "0.000", "location": None, "changeTime": now},
            )
            row["location"] = loc["location"]
        if new_code and new_code != target["code"]:
            state.code_owner.pop(target["code"], None)
            target["code"] = new_code
            state.code_owner[new_code] = product["guid"]
    product["changeTime"] = now


def _check_patched_variants(state: ShopState, product: dict, plan: list) -> None:
    """The variant-parameter rule on the variants ``product`` would have after ``plan``."""
    touched: dict[str, tuple[str | None, list[dict[str, Any]]]] = {}
    added: list[VariantRow] = []
    for i, (item, code, target, new_code) in enumerate(plan):
        path = f"data.variants[{i}]"
        if target is None:
            added.append((path, new_code or code, _params_of(item)))
            continue
        params = _params_of(item) if "parameters" in item else None
        before = touched.get(target["code"])
        if params is None and before is not None:
            continue  # a later item for the same variant that leaves parameters alone
        touched[target["code"]] = (
            (path, params) if params is not None else (None, target["parameters"])
        )
    rows: list[VariantRow] = []
    for variant in product["variants"]:
        path, params = touched.get(variant["code"], (None, variant["parameters"]))
        rows.append((path, variant["code"], params))
    errors = variant_rule_errors(state, rows + added)
    if errors:
        raise Fail(422, errors)
