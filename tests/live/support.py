"""Test helpers for live reading: a Catalog turned into sandbox state (loaded through the
sandbox's admin surface, never through our apply) and a hypothesis strategy for catalogs."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from reconciler.desired.load import LoadedCatalog
from reconciler.desired.values import VISIBILITIES, path_changing
from reconciler.model import Catalog, Product, ShopSettings, Variant
from reconciler.sandbox import Sandbox

CATEGORIES = [str(uuid.UUID(int=0xC0FFEE00 + i)) for i in range(4)]
BRANDS = ["brand-a", "brand-b", "brand-c"]
AVAILABILITIES = [-1, -2, 3, 4]
STOCK_IDS = [1, 2, 3]
VAT_RATES = ["21.00", "12.00", "0.00"]
OTHER_PRICELIST = 2


def loaded(catalog: Catalog, digest: str = "0" * 64) -> LoadedCatalog:
    return LoadedCatalog(catalog=catalog, locations={}, digest=digest)


# ---------------------------------------------------------------------------------------------
# Catalog -> sandbox state


def _dec_text(value: Any, places: int) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def base_state(seed: str = "empty") -> dict:
    """A sandbox state with the stocks, pricelists, categories, brands and availabilities the
    generated catalogs refer to."""
    state = Sandbox.from_seed(seed).state()
    have = {s["id"] for s in state["stocks"]}
    state["stocks"] += [{"id": i, "title": f"Stock {i}"} for i in STOCK_IDS if i not in have]
    have = {p["id"] for p in state["pricelists"]}
    if OTHER_PRICELIST not in have:
        state["pricelists"].append({"id": OTHER_PRICELIST, "name": "Other"})
    have = {c["guid"] for c in state["categories"]}
    state["categories"] += [
        {"guid": g, "name": f"Category {i}", "parentGuid": None, "visible": True, "priority": i}
        for i, g in enumerate(CATEGORIES)
        if g not in have
    ]
    have = {b["code"] for b in state["brands"]}
    state["brands"] += [
        {"guid": str(uuid.UUID(int=0xB0000 + i)), "code": c, "name": c.title()}
        for i, c in enumerate(BRANDS)
        if c not in have
    ]
    have = {a["id"] for a in state["availabilities"]}
    state["availabilities"] += [
        {"id": a, "name": f"Availability {a}"} for a in AVAILABILITIES if a not in have
    ]
    return state


def catalog_to_state(catalog: Catalog, state: dict, *, claim: Decimal = Decimal("2")) -> dict:
    """``state`` with every non-tombstone product of ``catalog`` in it, holding exactly the
    stated values (what Shoptet would hold after a perfect apply). Unstated fields get the
    sandbox's defaults. Stock rows carry ``claim`` so amount (= realStock - claim) differs
    from the physical stock the catalog states. Prices go to the catalog's pricelist (and a
    different, decoy price to any other pricelist)."""
    state = copy.deepcopy(state)
    default_stock = catalog.shop.defaultStock or state["defaultStockId"]
    pricelist = catalog.shop.pricelist or state["defaultPricelistId"]
    by_guid = {p["guid"]: p for p in state["products"]}
    for guid, product in catalog.products.items():
        if product.absent:
            continue
        by_guid[guid] = product_state(guid, product, default_stock, pricelist, state, claim)
    state["products"] = list(by_guid.values())
    return state


def product_state(guid, product: Product, default_stock, pricelist, state, claim) -> dict:
    stated = product.model_fields_set
    cats = list(product.categories or []) if "categories" in stated else []
    if "defaultCategory" in stated and product.defaultCategory:
        default_cat = product.defaultCategory
    else:
        default_cat = cats[0] if cats else CATEGORIES[0]
    guids = [default_cat]
    if "categories" in stated:  # Shoptet lists the default category among all categories
        guids = list(dict.fromkeys([*cats, default_cat]))
    out = {
        "guid": guid,
        "type": product.type or "product",
        "name": product.name if "name" in stated and product.name else "Live name",
        "visibility": product.visibility if "visibility" in stated else "visible",
        "brandCode": product.brand if "brand" in stated else None,
        "defaultCategoryGuid": default_cat,
        "categoryGuids": guids,
        "creationTime": "2026-01-05T09:00:00+0100",
        "changeTime": "2026-01-05T09:00:00+0100",
        "variants": [],
    }
    for name in (
        "shortDescription",
        "description",
        "metaTitle",
        "metaDescription",
        "additionalName",
        "internalNote",
    ):
        out[name] = getattr(product, name) if name in stated else None
    for code, variant in (product.variants or {}).items():
        if not variant.absent:
            out["variants"].append(variant_state(code, variant, default_stock, pricelist, claim))
    if not out["variants"]:
        out["variants"].append(variant_state(f"LIVE-{guid[:8]}".upper(), Variant(), 1, 1, claim))
    return out


def variant_state(code: str, v: Variant, default_stock, pricelist, claim) -> dict:
    stated = v.model_fields_set

    def get(name, default=None):
        return getattr(v, name) if name in stated else default

    stock = get("stock")
    if stock is None:
        stock = {}
    elif not isinstance(stock, dict):
        stock = {default_stock: stock}
    row = {
        "price": _dec_text(get("price", Decimal("100")), 2),
        "commonPrice": _dec_text(get("commonPrice"), 2),
        "buyPrice": None,
        "vatRate": _dec_text(get("vatRate", Decimal("21")), 2),
        "includingVat": get("includingVat", True),
        "currencyCode": "CZK",
    }
    prices = {str(pricelist): row}
    decoy = 1 if pricelist != 1 else OTHER_PRICELIST
    prices[str(decoy)] = {**row, "price": "99999.00", "vatRate": "0.00"}
    nsa = get("negativeStockAllowed")
    return {
        "code": code,
        "ean": get("ean"),
        "manufacturerCode": get("manufacturerCode"),
        "weight": _dec_text(get("weight"), 3),
        "visible": get("visible", True),
        "availabilityId": get("availability"),
        "minStockSupply": _dec_text(get("minStockSupply"), 3),
        "negativeStockAllowed": "no-global" if nsa is None else ("yes" if nsa else "no-global"),
        "prices": prices,
        "stocks": {
            str(sid): {
                "realStock": _dec_text(amount, 3),
                "claim": _dec_text(claim, 3),
                "location": None,
            }
            for sid, amount in stock.items()
        },
    }


# ---------------------------------------------------------------------------------------------
# Generated catalogs

_TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "Zs", "P", "Mn"), exclude_characters="\x85"),
    max_size=12,
)
_NAME = _TEXT.filter(lambda s: s.strip() != "" and len(s) <= 250)
_CODE = st.from_regex(r"[A-Z0-9][A-Z0-9_./-]{0,10}", fullmatch=True).filter(
    lambda c: not path_changing(c)  # validate refuses codes like "0/" or "A/../B"
)
_PRICE = st.decimals(min_value=0, max_value=999999, places=2)
_AMOUNT = st.decimals(min_value=-50, max_value=99999, places=3)
_WEIGHT = st.decimals(min_value=0, max_value=999, places=3)

VARIANT_VALUES = {
    "ean": st.one_of(st.none(), st.from_regex(r"[0-9]{8,13}", fullmatch=True)),
    "manufacturerCode": st.one_of(st.none(), _TEXT),
    "price": _PRICE,
    "commonPrice": st.one_of(st.none(), _PRICE),
    "vatRate": st.sampled_from(VAT_RATES).map(Decimal),
    "includingVat": st.booleans(),
    "stock": st.one_of(
        _AMOUNT, st.dictionaries(st.sampled_from(STOCK_IDS), _AMOUNT, min_size=1, max_size=3)
    ),
    "visible": st.booleans(),
    "availability": st.one_of(st.none(), st.sampled_from(AVAILABILITIES)),
    "weight": st.one_of(st.none(), _WEIGHT),
    "minStockSupply": st.one_of(st.none(), st.decimals(min_value=0, max_value=99, places=3)),
    "negativeStockAllowed": st.booleans(),
}
PRODUCT_VALUES = {
    "name": _NAME,
    "visibility": st.sampled_from(VISIBILITIES),
    "type": st.sampled_from(("product", "service")),
    "shortDescription": st.one_of(st.none(), _TEXT),
    "description": st.one_of(st.none(), _TEXT.map(lambda s: f"<p>{s}</p>\n")),
    "metaTitle": st.one_of(st.none(), _NAME),
    "metaDescription": st.one_of(st.none(), _TEXT),
    "additionalName": st.one_of(st.none(), _TEXT),
    "brand": st.one_of(st.none(), st.sampled_from(BRANDS)),
    "defaultCategory": st.sampled_from(CATEGORIES),
    "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
    "internalNote": st.one_of(st.none(), _TEXT),
}


@st.composite
def _fields(draw, values: dict) -> dict:
    names = draw(st.lists(st.sampled_from(sorted(values)), unique=True))
    return {n: draw(values[n]) for n in names}


@st.composite
def catalogs(draw, max_products: int = 4, max_variants: int = 3) -> Catalog:
    n = draw(st.integers(1, max_products))
    guids = draw(st.lists(st.uuids().map(str), min_size=n, max_size=n, unique=True))
    codes = draw(st.lists(_CODE, min_size=n * max_variants, max_size=n * max_variants, unique=True))
    products = {}
    for i, guid in enumerate(guids):
        k = draw(st.integers(1, max_variants))
        variants = {
            codes[i * max_variants + j]: Variant(**draw(_fields(VARIANT_VALUES))) for j in range(k)
        }
        products[guid] = Product(**draw(_fields(PRODUCT_VALUES)), variants=variants)
    shop = ShopSettings(
        defaultStock=draw(st.sampled_from((None, 2))),
        pricelist=draw(st.sampled_from((None, 1, OTHER_PRICELIST))),
    )
    return Catalog(products=products, shop=shop)
