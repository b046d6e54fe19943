"""Images in the plan (issue 18): the desired gallery resolved against the live one and the
image lock, and what a planned gallery change does. Pure: no I/O.

Canonical forms (the ``images`` field of a product change, the ``image`` field of a variant):

- live ``images``: ``[{name, alt}]``, the shop gallery in Shoptet's order (``alt`` None when
  empty);
- desired ``images`` after ``resolve``: the same, in the YAML's order, where an image still to
  be added is ``{src, alt}`` (no name yet). A ``src`` the lock maps to a name the gallery still
  has is that name; ``alt`` left out in the YAML is the live one (unmanaged);
- a variant's ``image``: the image name, or the ``src`` of an image still to be added (a URL,
  so it never looks like a name), or None (the product's main image).

So a converged product has equal forms and no change; the change's ``before``/``after`` say
everything apply needs (``ops``), and the renderers show it (``describe``).

**A lost lock never duplicates an image.** When the YAML adds an image by ``src`` while the
gallery holds images that neither the lock nor the YAML's ``name:`` items explain, the plan
refuses that product (a located problem) instead of adding: those images are most likely the
very ``src``\\ s of an earlier apply whose lock update never reached git, and adding them again
would duplicate them. The message says how to recover (restore the lock, or name the images).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

IMAGES = "images"
IMAGE = "image"


def is_src(ref: Any) -> bool:
    """A variant ``image`` value that is an image still to be added (its URL)."""
    return isinstance(ref, str) and "://" in ref


def _alt(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def live_images(items: Any) -> list[dict[str, Any]]:
    return [{"name": i["name"], "alt": _alt(i.get("alt"))} for i in items or ()]


@dataclass(frozen=True)
class Resolved:
    """The desired gallery and variant images of one product in canonical form."""

    images: list[dict[str, Any]] | None  # None: the YAML does not manage the gallery
    variant_images: dict[str, Any]  # code -> name, src or None (only variants stating it)
    problems: tuple[tuple[tuple[Any, ...], str], ...]  # (location key, message)


def resolve(
    guid: str,
    stated: list[dict[str, str]] | None,
    variant_refs: Mapping[str, Any],
    live: list[dict[str, Any]] | None,
    live_variant_images: Mapping[str, Any],
    lock_name: Callable[[str], str | None],
    lock_names: frozenset[str],
) -> Resolved:
    """``stated``: the YAML's ``images`` (None: unmanaged); ``variant_refs``: code -> the
    YAML's ``image`` for the variants that state it; ``live``: the live gallery (None: the
    product is new); ``lock_name``: src -> the name the lock records for this product;
    ``lock_names``: every name the lock records for it."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    have = live_images(live)
    by_name = {i["name"]: i for i in have}
    names: dict[str, Any] = {}  # the YAML's key (src or name) -> canonical reference
    out: list[dict[str, Any]] | None = None
    if stated is not None:
        out = []
        for item in stated:
            alt_stated = "alt" in item
            if "name" in item:
                name = item["name"]
                if name not in by_name:
                    problems.append(
                        (
                            (guid, IMAGES),
                            f"image {name} is not in the shop's gallery of product {guid} "
                            "(deleted in the admin?): remove it from images:, or add the picture "
                            "again by src:",
                        )
                    )
                    continue
                alt = _alt(item.get("alt")) if alt_stated else by_name[name]["alt"]
                out.append({"name": name, "alt": alt})
                names[name] = name
                continue
            src = item["src"]
            known = lock_name(src)
            if known is not None and known in by_name:
                alt = _alt(item.get("alt")) if alt_stated else by_name[known]["alt"]
                out.append({"name": known, "alt": alt})
                names[src] = known
            else:
                out.append({"src": src, "alt": _alt(item.get("alt"))})
                names[src] = src
        problems += _unexplained(guid, out, have, lock_names)
    refs: dict[str, Any] = {}
    for code, ref in sorted(variant_refs.items()):
        refs[code] = None if ref is None else names.get(ref, ref)
    if out is not None:
        problems += _lost_references(guid, out, refs, live_variant_images)
    return Resolved(out, refs, tuple(problems))


def _unexplained(
    guid: str, wanted: list[dict[str, Any]], have: list[dict[str, Any]], lock_names: frozenset[str]
) -> list[tuple[tuple[Any, ...], str]]:
    """The lost-lock guard (module docstring): adds refused while unexplained images exist."""
    adds = [i["src"] for i in wanted if "src" in i]
    if not adds:
        return []
    named = {i["name"] for i in wanted if "name" in i}
    strange = [i["name"] for i in have if i["name"] not in named and i["name"] not in lock_names]
    if not strange:
        return []
    return [
        (
            (guid, IMAGES),
            f"product {guid}: the shop's gallery has {', '.join(strange)}, which neither "
            "images.lock.yaml nor images: explains, and images: adds "
            f"{', '.join(adds)} by src. They may be those very images from an apply whose "
            "lock update was not committed; adding again would duplicate them, so nothing is "
            "added. Fix: restore images.lock.yaml from that apply (its artifact), or list "
            "the shop's images by name ({name: " + strange[0] + "}) in place of the src "
            "they came from, or delete them in the admin",
        )
    ]


def _lost_references(
    guid: str,
    wanted: list[dict[str, Any]],
    refs: Mapping[str, Any],
    live_variant_images: Mapping[str, Any],
) -> list[tuple[tuple[Any, ...], str]]:
    """Deleting an image a live variant shows needs the YAML to give that variant another
    image (then apply deletes with ``removeReference``); else the plan refuses."""
    kept = {i.get("name") for i in wanted}
    out = []
    for code, name in sorted(live_variant_images.items()):
        if name is None or name in kept or code in refs:
            continue
        out.append(
            (
                (guid, IMAGES),
                f"images: deletes {name}, the image of variant {code}, and the YAML does not "
                f"give {code} another one: keep {name} in images:, or state image: on "
                f"variant {code} (null shows the product's main image)",
            )
        )
    return out


# --- what a gallery change does (apply and the renderers) -------------------------------------


@dataclass(frozen=True)
class GalleryOps:
    """One product's gallery change, in the order apply sends it."""

    deletes: tuple[str, ...]  # names
    adds: tuple[tuple[int, str, str | None], ...]  # (priority, src, alt)
    updates: tuple[tuple[str, int, str | None], ...]  # (name, priority, alt) to PATCH
    reordered: bool
    alt_changes: tuple[tuple[str, str | None, str | None], ...]  # (name, before, after)


def ops(before: list[dict[str, Any]] | None, after: list[dict[str, Any]]) -> GalleryOps:
    """Deletes, adds by URL (priority = position, 1-based) and the PATCH items: every named
    image whose position or alt changes gets priority = its position and its alt."""
    have = list(before or ())
    old_alt = {i["name"]: i["alt"] for i in have}
    wanted_names = [i["name"] for i in after if "name" in i]
    deletes = tuple(i["name"] for i in have if i["name"] not in set(wanted_names))
    kept_order = [i["name"] for i in have if i["name"] in set(wanted_names)]
    adds = tuple((n + 1, i["src"], i["alt"]) for n, i in enumerate(after) if "src" in i)
    old_position = {i["name"]: n for n, i in enumerate(have)}
    updates, alt_changes = [], []
    for n, item in enumerate(after):
        if "name" not in item:
            continue
        name = item["name"]
        moved = old_position.get(name) != n
        if item["alt"] != old_alt.get(name):
            alt_changes.append((name, old_alt.get(name), item["alt"]))
        if moved or item["alt"] != old_alt.get(name):
            updates.append((name, n + 1, item["alt"]))
    return GalleryOps(
        deletes=deletes,
        adds=adds,
        updates=tuple(updates),
        reordered=kept_order != wanted_names,
        alt_changes=tuple(alt_changes),
    )


def describe(before: Any, after: Any) -> list[str]:
    """Lines for a reader: added, removed, reordered, alt text changed."""
    if not isinstance(after, list):
        return []
    found = ops(before if isinstance(before, list) else [], after)
    lines = [f"+ image {src}" + (f' (alt "{alt}")' if alt else "") for _, src, alt in found.adds]
    lines += [f"- image {name}" for name in found.deletes]
    if found.reordered:
        order = ", ".join(i.get("name") or i.get("src") or "?" for i in after)
        lines.append(f"~ order: {order}")
    for name, old, new in found.alt_changes:
        lines.append(f"~ alt of {name}: {_quote(old)} -> {_quote(new)}")
    return lines


def _quote(text: str | None) -> str:
    return "(none)" if text is None else f'"{text}"'
