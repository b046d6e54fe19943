"""What ``import`` writes for images (issue 18): a product's ``images:`` and its variants'
``image:``, and the image lock.

An image the lock maps to a ``src`` is written as ``{src: URL, alt: ...}`` (the catalog keeps
saying where the picture comes from); every other image as ``{name: 106.jpg, alt: ...}``.
``alt`` only where the shop has one. A variant's ``image`` names the same ``src`` or ``name``.
The lock keeps, for each imported product, the entries whose image the gallery still has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.desired.image_lock import ImageLock
from reconciler.importer import yaml_edit as Y


def image_values(guid: str, product: Any, lock: ImageLock) -> dict[str, Any]:
    """``{"images": [...]}`` for a live product with a gallery (else nothing)."""
    gallery = getattr(product, "images", None) or []
    if not gallery:
        return {}
    items = []
    for image in gallery:
        src = lock.src_of(guid, image["name"])
        item = {"src": Y.quoted(src)} if src else {"name": Y.quoted(image["name"])}
        if image.get("alt"):
            item["alt"] = Y.quoted(image["alt"])
        items.append(Y.flow_map(item))
    return {"images": Y.CommentedSeq(items)}


def variant_image(guid: str, name: Any, lock: ImageLock) -> Any:
    """A variant's ``image`` as import writes it (None: the product's main image)."""
    if not name:
        return None
    return Y.quoted(lock.src_of(guid, name) or name)


def pruned(lock: ImageLock, galleries: Mapping[str, Iterable[str]]) -> ImageLock:
    """``lock`` keeping, for each product read, only the entries its gallery still has."""
    out = lock
    for guid, names in galleries.items():
        have = set(names)
        out = out.replaced(guid, [e for e in lock.entries(guid) if e.name in have])
    return out


def normal(value: Any) -> Any:
    """An ``images`` value as the refresh compares it (file text or rendered)."""
    if not isinstance(value, list):
        return str(value)
    return [
        sorted((str(k), str(v)) for k, v in item.items()) if isinstance(item, dict) else str(item)
        for item in value
    ]
