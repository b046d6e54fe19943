"""The shop's products that related/alternative links name, when the live read did not see
them (issue 18): a targeted plan reads only its own products, so a link to another product
is looked up here, by GUID, 50 to a request (``GET /api/products?productGuids=``)."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.ports import ProductLister
from reconciler.shoptet.client import MAX_LOOKUP


def read_product_names(client: ProductLister, guids: Iterable[str]) -> dict[str, str | None]:
    """``{guid: name}`` of the given GUIDs the shop has (a GUID it lacks is left out)."""
    wanted = sorted({g.lower() for g in guids})
    out: dict[str, str | None] = {}
    for start in range(0, len(wanted), MAX_LOOKUP):
        batch = wanted[start : start + MAX_LOOKUP]
        for item in client.iter_products(productGuids=batch):
            out[str(item.guid).lower()] = item.name
    return out
