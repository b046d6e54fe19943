"""Variant parameters on the live side (issue 14): the shop's registry, read once per plan and
only when needed, and the live variants' parameters the multi-variant rule needs.

- ``needs_registry``: a product in scope states ``parameters`` on a variant (the names or
  slugs written must be resolved). Nothing else needs the registry: the rule compares slugs.
- ``read_registry``: ``GET /api/products/variant-parameters?include=values``, all pages.
- ``complete_live``: a product that gains a variant (a desired code it does not have live) must
  satisfy Shoptet's rule with *all* its variants, also those the YAML does not mention, so
  their parameters are needed. A detail read without ``variantParameters`` (its YAML states
  none) is read again with it; one request per such product, and only for those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from reconciler.live.base import ShopInfo
from reconciler.live.convert import VARIANT_PARAMETERS, includes_for, product_from_detail
from reconciler.model import Catalog, Product
from reconciler.plan.filtering import states_filtering
from reconciler.plan.param_changes import states_parameters
from reconciler.plan.parameters import ParameterRegistry

__all__ = [
    "complete_live",
    "needs_filtering",
    "needs_registry",
    "needs_variant_registry",
    "read_registry",
]


def needs_registry(desired: Catalog, guids: Iterable[str] | None) -> bool:
    """Does a product in scope (``guids``; None: every product) state variant parameters or
    filtering parameters?"""
    return needs_variant_registry(desired, guids) or needs_filtering(desired, guids)


def needs_variant_registry(desired: Catalog, guids: Iterable[str] | None) -> bool:
    """Does a product in scope state variant parameters (on a variant)?"""
    return _states(desired, guids, states_parameters)


def needs_filtering(desired: Catalog, guids: Iterable[str] | None) -> bool:
    """Does a product in scope state ``filteringParameters``?"""
    return _states(desired, guids, states_filtering)


def _states(desired: Catalog, guids: Iterable[str] | None, test: Any) -> bool:
    wanted = {g.lower(): p for g, p in desired.products.items()}
    chosen = wanted if guids is None else {g.lower() for g in guids}
    return any(test(wanted.get(g)) for g in chosen)


def read_registry(
    client: Any, *, filtering: bool = False, variant: bool = True
) -> ParameterRegistry:
    """The variant parameters (``GET /api/products/variant-parameters?include=values``; an
    empty registry without ``variant``), with the filtering parameters (``GET
    /api/products/filtering-parameters``) when ``filtering``."""
    registry = ParameterRegistry()
    if variant:
        registry = ParameterRegistry.from_shop(client.iter_variant_parameters(include_values=True))
    if not filtering:
        return registry
    shop_filters = ParameterRegistry.from_filtering(client.iter_filtering_parameters())
    return replace(registry, filtering=shop_filters)


def _gains_variant(desired: Product, live: Product) -> bool:
    have = {c.upper() for c in (live.variants or {})}
    return any(c.upper() not in have and not v.absent for c, v in (desired.variants or {}).items())


def _parameters_unread(live: Product) -> bool:
    return any("parameters" not in v.model_fields_set for v in (live.variants or {}).values())


def complete_live(
    client: Any,
    desired: Catalog,
    live: Catalog,
    shop: ShopInfo,
    guids: Iterable[str] | None = None,
) -> Catalog:
    """``live`` with the variant parameters of every product in scope that gains a variant
    and was read without them (re-read with ``variantParameters``)."""
    wanted = {g.lower(): p for g, p in desired.products.items()}
    chosen = set(wanted) if guids is None else {g.lower() for g in guids}
    products = dict(live.products)
    todo = {}
    for guid, product in products.items():
        want = wanted.get(guid.lower())
        if guid.lower() not in chosen or want is None or want.absent or product is None:
            continue
        if not product.variants or not _gains_variant(want, product):
            continue
        if _parameters_unread(product):
            include = includes_for(
                want,
                pricelist_id=shop.pricelist_id,
                default_pricelist_id=shop.default_pricelist_id,
                ignore=desired.ignore,
            )
            todo[guid] = tuple(sorted({*include, VARIANT_PARAMETERS}))
    for guid, include in sorted(todo.items()):
        detail = client.get_product(guid, include=include)
        products[guid] = product_from_detail(
            detail, pricelist_id=shop.pricelist_id, default_pricelist_id=shop.default_pricelist_id
        )
    if not todo:
        return live
    return Catalog.model_construct(products=products)
