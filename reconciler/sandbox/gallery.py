"""Product image galleries in the sandbox state (OpenAPI "Product images", L6263-6939).

State: each product has ``images: [{name, priority, description, changeTime, gallery}]``
(``gallery`` is ``shop`` or ``shop360``) and each variant ``image``: the name of one of the
product's images, or null. Shoptet names an image itself (``106.jpg``: a shop-wide number and
the source's extension) and keeps no source URL; the next number is ``clock.imageSeq``.

Adding by URL and replacing an image's file by URL are asynchronous jobs (``add``,
``replace``); what each ``sourceUrl`` does when the job runs is decided by the URL, so tests and catalog managers can provoke Shoptet's
failure modes:

- a URL containing ``sandbox-bad-content`` is refused as "Invalid image content" (Shoptet's
  log line when the URL does not return an image);
- a URL containing ``sandbox-timeout`` is refused as a download timeout (Shoptet has a short
  download timeout);
- any other http(s) URL is downloaded and added.

Refused images are named in the job's ``log``; the job still completes (Shoptet processes the
rows of its batch jobs independently; UNCERTAIN for images, Shoptet does not say).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # state.py imports this module to normalise galleries
    from reconciler.sandbox.state import ShopState

GALLERIES = ("shop", "shop360")
BAD_CONTENT = "sandbox-bad-content"
TIMEOUT = "sandbox-timeout"
_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")
_NUMBER = re.compile(r"^(\d+)\.")


def refusal(source_url: str) -> str | None:
    """Why the job refuses ``source_url`` (None: it is added)."""
    if BAD_CONTENT in source_url:
        return f"Invalid image content: {source_url}"
    if TIMEOUT in source_url:
        return f"Image download timed out: {source_url}"
    return None


def images_of(product: dict, gallery: str) -> list[dict]:
    """The gallery's images in Shoptet's order: priority, then name."""
    rows = [i for i in product.get("images", []) if i["gallery"] == gallery]
    return sorted(rows, key=lambda i: (i["priority"] is None, i["priority"] or 0, i["name"]))


def main_image(product: dict) -> str | None:
    shop = images_of(product, "shop")
    return shop[0]["name"] if shop else None


def next_name(state: ShopState, source_url: str) -> str:
    """A new shop-wide image name; numbers are never reused, even after a delete."""
    clock = state.doc["clock"]
    if "imageSeq" not in clock:
        used = [
            int(m.group(1))
            for p in state.doc["products"]
            for i in p.get("images", [])
            if (m := _NUMBER.match(i["name"]))
        ]
        clock["imageSeq"] = max(used, default=100) + 1
    number = clock["imageSeq"]
    clock["imageSeq"] = number + 1
    ext = urlsplit(source_url).path.rsplit(".", 1)[-1].lower()
    return f"{number}.{ext if ext in _EXTENSIONS else 'jpg'}"


def add(state: ShopState, product: dict, gallery: str, items: list[dict]) -> list[str]:
    """Run an add job's rows: the log lines of the refused ones (the others are added)."""
    log = []
    now = state.touch()
    for item in items:
        why = refusal(item["sourceUrl"])
        if why is not None:
            log.append(why)
            continue
        product.setdefault("images", []).append(
            {
                "name": next_name(state, item["sourceUrl"]),
                "priority": item.get("priority"),
                "description": item.get("description"),
                "changeTime": now,
                "gallery": gallery,
            }
        )
    product["changeTime"] = now
    return log


def replace(state: ShopState, product: dict, gallery: str, items: list[dict]) -> list[str]:
    """Run a source-update job's rows (``name``, ``sourceUrl``, optional ``priority`` and
    ``description``): the named image gets the new file, keeping its name (UNVERIFIED: Shoptet
    does not say whether a new file renames it), and a new ``changeTime``, which changes its
    signed CDN names as a new upload does. Log lines for the rows refused, and for images
    deleted since the request."""
    log = []
    now = state.touch()
    for item in items:
        image = next((i for i in images_of(product, gallery) if i["name"] == item["name"]), None)
        why = refusal(item["sourceUrl"])
        if image is None:
            log.append(f'Image "{item["name"]}" not found in gallery "{gallery}".')
        elif why is not None:
            log.append(why)
        else:
            image.update({k: item[k] for k in ("priority", "description") if k in item})
            image["changeTime"] = now
    product["changeTime"] = now
    return log


def render_image(product: dict, image: dict) -> dict:
    """One item of the gallery list (and of the detail's ``images``)."""
    name = image["name"]
    stem, _, ext = name.rpartition(".")
    label = _slug(image.get("description") or "")
    seo = f"{stem}_{label}.{ext}" if label else name
    sign = hashlib.sha256(f"{name}|{image.get('changeTime')}".encode()).hexdigest()[:8]
    cuts = {"big": (1024, 768), "detail": (423, 318)}
    signed = [
        {"type": cut, "name": f"{seo}?ff=1&x={x}&y={y}&q=85&ts=5b2a41f5&sg={sign}"}
        for cut, (x, y) in cuts.items()
    ]
    return {
        "name": name,
        "priority": image.get("priority"),
        "description": image.get("description"),
        "changeTime": image.get("changeTime"),
        "seoName": seo,
        "cdnName": signed[0]["name"],
        "signedCdnNames": signed,
        "isMainImage": image["gallery"] == "shop" and name == main_image(product),
        "gallery": image["gallery"],
    }


def render_all(product: dict) -> list[dict]:
    return [render_image(product, i) for g in GALLERIES for i in images_of(product, g)]


def referencing_variants(product: dict, name: str) -> list[str]:
    return [v["code"] for v in product["variants"] if v.get("image") == name]


def normalise_images(product: dict) -> None:
    """State-file defaults: no images; a variant's ``image`` null."""
    product.setdefault("images", [])
    for image in product["images"]:
        if not isinstance(image["name"], str):
            raise TypeError("an image name must be text")
        image.setdefault("priority", None)
        image.setdefault("description", None)
        image.setdefault("changeTime", product.get("changeTime"))
        image.setdefault("gallery", "shop")
        if image["gallery"] not in GALLERIES:
            raise TypeError(f"image gallery must be one of {GALLERIES}")
    names = {i["name"] for i in product["images"]}
    for variant in product["variants"]:
        variant.setdefault("image", None)
        if variant["image"] is not None and variant["image"] not in names:
            raise TypeError(
                f"variant {variant['code']}: image {variant['image']} is not the product's"
            )


def slug(text: str) -> str:
    """Shoptet's URL slugs (``indexName``, SEO image names): ASCII, lowercase, dashes."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "item"


def _slug(text: str) -> str:
    return slug(text) if text.strip() else ""


def variant_image(product: dict, variant: dict) -> tuple[Any, bool]:
    """A detail variant's ``image`` and ``isProductDefaultImage``: its own image, else the
    product's main image (Shoptet: "if set, otherwise the product's main image")."""
    own = variant.get("image")
    if own is not None:
        return own, False
    main = main_image(product)
    return main, main is not None
