"""Product image galleries: functions over a :class:`ShoptetClient` (like ``shoptet.jobs``).

OpenAPI (Shoptet's file) "Product images" L6263-6939: ``GET /api/products/{guid}/images/
{gallery}`` (the list: name, priority, description, ...), ``POST`` the same path (add by
``sourceUrl``, at most 100, an asynchronous job: 202 ``jobId``, needs the ``job:finished``
webhook), ``PATCH`` it (priority and description by name, at most 100), ``DELETE .../
{imageName}`` (409 while a variant uses the image, unless ``removeReference=true``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.shoptet.client import ShoptetClient, WriteResult, _seg
from reconciler.shoptet.jobs import job_id_of
from reconciler.shoptet.models import ShoptetModel

GALLERY = "shop"
IMAGES_JOB_ENDPOINT = "/api/products/images"  # a job's ``endpoint`` (Shoptet's example)


class Image(ShoptetModel):
    name: str
    priority: int | None = None
    description: str | None = None


def _path(guid: str, method: str) -> str:
    return f"/api/products/{_seg(guid, 'product GUID', method)}/images/{GALLERY}"


def get_images(client: ShoptetClient, guid: str) -> list[Image]:
    """The product's ``shop`` gallery in Shoptet's order (priority, then name)."""
    path = _path(guid, "GET")
    rows = client._section(client._get(path), "images", path) or []
    images = [client._model(Image, row, path) for row in rows]
    return sorted(images, key=lambda i: (i.priority is None, i.priority or 0, i.name))


def add_images(client: ShoptetClient, guid: str, items: Sequence[dict[str, Any]]) -> str:
    """Queue the download of ``items`` (``{sourceUrl, priority, description?}``): the job id."""
    path = _path(guid, "POST")
    result = client._write("POST", path, {"images": list(items)}, reread=f"GET {path}")
    return job_id_of(result.data, result.status, result.request_id, "POST", path)


def update_images(client: ShoptetClient, guid: str, items: Sequence[dict[str, Any]]) -> WriteResult:
    """Priority and description of named images (``{name, priority, description?}``)."""
    path = _path(guid, "PATCH")
    return client._write("PATCH", path, {"images": list(items)}, reread=f"GET {path}")


def delete_image(
    client: ShoptetClient, guid: str, name: str, *, remove_reference: bool = False
) -> WriteResult:
    base = _path(guid, "DELETE")
    path = f"{base}/{_seg(name, 'image name', 'DELETE')}"
    if remove_reference:
        path += "?removeReference=true"
    return client._write("DELETE", path, reread=f"GET {base}")
