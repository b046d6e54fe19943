"""Related and alternative products in the sandbox's state (issue 18): each product keeps
``relatedProducts`` and ``alternativeProducts`` as ordered GUIDs. The endpoints are
``handlers_content``; these helpers are shared with the detail read and product deletes."""

from __future__ import annotations

from reconciler.sandbox.state import ShopState

LINK_LISTS = ("relatedProducts", "alternativeProducts")


def link_items(state: ShopState, guids: list[str]) -> list[dict]:
    """A list as Shoptet's ``relatedProduct`` items, in order (``priority`` from 1)."""
    return [
        {
            "guid": g,
            "priority": i,
            "visibility": state.products[g]["visibility"] if g in state.products else "hidden",
            "linkType": "physical",
        }
        for i, g in enumerate(guids, start=1)
    ]


def unlink(state: ShopState, guid: str) -> None:
    """A deleted product leaves every list it was in (it cannot be shown any more)."""
    for product in state.doc["products"]:
        for name in LINK_LISTS:
            if guid in product.get(name, ()):
                product[name] = [g for g in product[name] if g != guid]
