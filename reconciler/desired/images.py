"""Parsing a product's ``images:`` and a variant's ``image:`` (issue 18). Pure.

``images:`` is an ordered list (order = priority; the first is the main image). Each item is
``{src: URL, alt: text}`` for an image added by URL, or ``{name: "106.jpg", alt: text}`` for
an image already in the shop's gallery (what ``import`` writes for images nobody added by
URL). ``alt`` is Shoptet's image ``description``; an item without ``alt`` leaves the shop's
text alone, ``alt: ""`` clears it. A variant's ``image:`` names one of its product's images by
the same ``src`` or ``name``; ``image: null`` leaves the variant on the product's main image.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic_core import PydanticCustomError

from reconciler.desired.values import _kind, fail, parse_text

MAX_IMAGES = 100  # Shoptet's most per add or update call; one call per product keeps it simple
SRC_MAX_LENGTH = 2000  # Shoptet's sourceUrl maxLength
NAME_MAX_LENGTH = 255
_NAME_RE = re.compile(r"^[^/\\\s?#]+\.[A-Za-z0-9]+$")
_KEYS = ("src", "name", "alt")


def parse_src(value: Any) -> str:
    """An http(s) URL Shoptet can download anonymously, at most 2000 characters."""
    text = parse_text(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise fail(
            f"src '{text}' is not an http or https URL; Shoptet downloads images only from a "
            "public web address (e.g. https://cdn.example.cz/kava.jpg)"
        )
    if len(text) > SRC_MAX_LENGTH:
        raise fail(f"src is {len(text)} characters long; Shoptet takes at most {SRC_MAX_LENGTH}")
    return text


def parse_name(value: Any) -> str:
    """A Shoptet image name such as ``106.jpg`` (what the gallery lists)."""
    text = parse_text(value).strip()
    if not _NAME_RE.match(text) or len(text) > NAME_MAX_LENGTH:
        raise fail(
            f"name '{text}' is not a Shoptet image name (like 106.jpg, as "
            "`shoptet-catalog import` writes it); to add an image by URL write src: instead"
        )
    return text


def parse_image(value: Any) -> dict[str, str]:
    """One ``images:`` item: ``{src, alt?}`` or ``{name, alt?}``."""
    if not isinstance(value, dict):
        raise fail(f"an image is a mapping {{src: URL, alt: text}}, not {_kind(value)}")
    unknown = [k for k in value if k not in _KEYS]
    if unknown:
        raise fail(f"unknown key '{unknown[0]}' in an image; allowed: src or name, and alt")
    if ("src" in value) == ("name" in value):
        raise fail(
            "an image needs exactly one of src (a URL to add) or name (an image in the shop)"
        )
    out = (
        {"src": parse_src(value["src"])} if "src" in value else {"name": parse_name(value["name"])}
    )
    if "alt" in value:
        alt = value["alt"]
        out["alt"] = "" if alt is None else parse_text(alt)
    return out


def image_key(item: dict[str, str]) -> str:
    """What a variant's ``image:`` names an item by: its src or its name."""
    return item.get("src") or item["name"]


def parse_images(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise fail(f"must be a list of images ({{src: URL, alt: text}}), not {_kind(value)}")
    if len(value) > MAX_IMAGES:
        raise fail(f"a product may state at most {MAX_IMAGES} images, this one has {len(value)}")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        try:
            image = parse_image(item)
        except PydanticCustomError as err:  # located at the item
            raise fail(err.message(), at=i) from None
        key = image_key(image)
        if key in seen:
            raise fail(f"image '{key}' is listed twice; each image once", at=i)
        seen.add(key)
        out.append(image)
    return out


def parse_image_ref(value: Any) -> str:
    """A variant's ``image:``: the src or name of one of the product's images."""
    text = parse_text(value).strip()
    if not text:
        raise fail("image must name one of the product's images by its src or name")
    return text
