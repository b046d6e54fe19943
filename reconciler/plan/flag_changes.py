"""Flag definitions in the diff (issue 17). Pure: the declarations of shop.yaml ``flags:`` and
the shop's flags (``GET /api/products/flags``) in, product flag names resolved, definition
changes and located problems out.

A declaration is keyed by the flag's code or title. It names a shop flag when the key is the
flag's code, or its title, or when its ``title`` is the flag's title (case-insensitive, so a
renamed flag is still found after the rename). Then the stated ``title`` and ``color`` that
differ are an *update* (``PATCH /api/products/flags/{code}``); else it is a *create* (``POST
/api/products/flags``). The tool never deletes a flag definition: other products, managed or
not, may carry it, and Shoptet would drop it from every one of them.

Shoptet generates a new flag's code, so the plan cannot name it. A product that names a flag
this plan creates carries it under a placeholder, ``NEW_FLAG`` + title (``+Vánoce``), in its
``flags`` field; apply binds the placeholder to the code (``bind``): the code read live when
the flag exists already (a re-run), else the one the create answered. A placeholder is never
sent; nothing can be created that shop.yaml does not declare, as apply re-derives every change
from the checked-out catalog.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from reconciler.desired.values import canonical_color
from reconciler.errors import Problem
from reconciler.plan.model import Action, Change, FieldChange, Resource

__all__ = [
    "NEW_FLAG",
    "FlagPlanner",
    "ShopFlag",
    "bind",
    "flag_check_values",
    "lookup",
    "new_flag_codes",
    "placeholder_key",
    "shop_flags",
    "shop_names",
    "unbound",
    "written_names",
]

NEW_FLAG = "+"  # a placeholder code: "+" and the title of a flag the plan creates


@dataclass(frozen=True)
class ShopFlag:
    code: str
    title: str
    color: str | None
    system: bool = False  # Shoptet's own (new, action, tip): same code in every shop


def shop_flags(items: Iterable[Mapping[str, Any]] | None) -> tuple[ShopFlag, ...]:
    """``GET /api/products/flags`` items as ``ShopFlag`` (colours canonical)."""
    out = []
    for f in items or ():
        color = f.get("color")
        out.append(
            ShopFlag(
                str(f.get("code")),
                str(f.get("title") or ""),
                canonical_color(color) if isinstance(color, str) and color else None,
                f.get("system") is True,
            )
        )
    return tuple(out)


def shop_names(flags: Iterable[ShopFlag]) -> dict[str, str]:
    """Every name a product may give a shop flag -> its code: codes first, then titles
    (case-insensitive), the first flag winning a name two share."""
    flags = tuple(flags)
    names: dict[str, str] = {}
    for f in flags:
        names.setdefault(f.code, f.code)
    for f in flags:
        names.setdefault(_fold(f.title), f.code)
    return names


def lookup(names: Mapping[str, str], name: str) -> str | None:
    """The code ``name`` stands for in a ``shop_names`` table (or one extended from it)."""
    return names.get(name) or names.get(_fold(name))


def written_names(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``{code: name}``: what ``import`` calls each shop flag. Its title, where that is the
    only flag with the title (case-insensitive) and the title names it back (``lookup``: not
    another flag's code); else the code. System flags keep their code (``new``, ``action``,
    ``tip``): the same in every shop and language, and untouched by a renamed title."""
    flags = shop_flags(items)
    table = shop_names(flags)
    folds = [_fold(f.title) for f in flags]
    out: dict[str, str] = {}
    for f in flags:
        title = f.title
        readable = bool(title) and title == title.strip() and title.isprintable()
        unique = folds.count(_fold(title)) == 1
        if f.system or not (readable and unique and lookup(table, title) == f.code):
            out[f.code] = f.code
        else:
            out[f.code] = title
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def placeholder_key(title: str) -> str:
    """The key placeholders of a flag titled ``title`` are bound by (case-insensitive)."""
    return NEW_FLAG + _fold(title)


def new_flag_codes(flags: Iterable[ShopFlag]) -> dict[str, str]:
    """``{placeholder key: code}`` for every flag the shop has: what a placeholder of a
    flag that exists now stands for (the flag with that title, case-insensitively)."""
    out: dict[str, str] = {}
    for f in flags:
        out.setdefault(placeholder_key(f.title), f.code)
    return out


def _placeholder_key(code: str) -> str:
    return placeholder_key(code[len(NEW_FLAG) :])


def unbound(change: Change) -> list[str]:
    """The placeholders a product change still carries in ``flags``."""
    out = []
    for f in change.fields:
        if f.field == "flags" and isinstance(f.after, dict):
            out += [c for c in f.after if c.startswith(NEW_FLAG)]
    return out


def bind(change: Change, codes: Mapping[str, str]) -> Change:
    """``change`` with each placeholder in its ``flags`` replaced by the code ``codes``
    (``new_flag_codes``, or codes learned from creates) has for it; others stay."""
    if change.resource is not Resource.PRODUCT or not unbound(change):
        return change

    def swap(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for code, item in value.items():
            key = _placeholder_key(code) if code.startswith(NEW_FLAG) else None
            out[codes.get(key, code) if key else code] = item
        return dict(sorted(out.items()))

    fields = tuple(
        replace(f, before=swap(f.before), after=swap(f.after)) if f.field == "flags" else f
        for f in change.fields
    )
    return replace(change, fields=fields)


def flag_check_values(flags: Iterable[ShopFlag], change: Change) -> dict[str, Any] | None:
    """The live ``{title, color}`` of the flag a definition change is about (a create: the
    flag with its title; an update: the flag with its code), or None when there is none."""
    code = change.code or ""
    if change.action is Action.CREATE:
        title = _fold(str((change.after or {}).get("title") or code[len(NEW_FLAG) :]))
        found = next((f for f in flags if _fold(f.title) == title), None)
    else:
        found = next((f for f in flags if f.code == code), None)
    return None if found is None else {"title": found.title, "color": found.color}


@dataclass(frozen=True)
class _Declared:
    key: str
    title: str | None
    color: str | None
    states_color: bool
    target: ShopFlag | None  # the shop flag it names; None: to be created


class FlagPlanner:
    """One per diff: resolves product flag names and collects definition changes."""

    def __init__(
        self,
        declared: Mapping[str, Any],
        shop: Iterable[Mapping[str, Any]] | None,
        locations: Mapping[Any, Any] | None = None,
    ) -> None:
        self.locations = locations or {}
        self.problems: list[Problem] = []
        self.read = shop is not None
        self.shop = shop_flags(shop)
        if declared and not self.read:
            raise RuntimeError(
                "flags are declared in shop.yaml but the shop's flags were not read (the "
                "pipeline reads them when the catalog declares or names flags)"
            )
        self.declared = [self._declare(k, d) for k, d in declared.items()]
        self._names = self._name_table()

    # -- declarations --------------------------------------------------------------------

    def _declare(self, key: str, d: Any) -> _Declared:
        title = getattr(d, "title", None)
        wanted = {_fold(key)} | ({_fold(title)} if title else set())
        target = next((f for f in self.shop if f.code == key), None) or next(
            (f for f in self.shop if _fold(f.title) in wanted), None
        )
        states_color = "color" in getattr(d, "model_fields_set", ())
        return _Declared(key, title, getattr(d, "color", None), states_color, target)

    def _name_table(self) -> dict[str, str]:
        """Every name a product may use -> the shop's code or a placeholder. Shop codes and
        titles first (what the shop has wins), then the declarations' keys and titles."""
        names = shop_names(self.shop)
        seen: dict[str, _Declared] = {}
        for d in self.declared:
            code = d.target.code if d.target else NEW_FLAG + (d.title or d.key)
            ident = d.target.code if d.target else _fold(d.title or d.key)
            if ident in seen:
                self._problem(
                    d.key,
                    f"flags: {d.key!r} and {seen[ident].key!r} define the same flag"
                    + (f" ({d.target.code})" if d.target else "")
                    + "; keep one of them",
                )
                continue
            seen[ident] = d
            for name in (d.key, _fold(d.key), *((_fold(d.title),) if d.title else ())):
                names.setdefault(name, code)
        return names

    # -- products ------------------------------------------------------------------------

    def resolve(self, guid: str, fields: dict[str, Any]) -> None:
        """``flags`` named by code or title -> by the shop's code (or a placeholder for a
        flag this plan creates), in place. An unknown name is a located problem."""
        stated = fields.get("flags")
        if not isinstance(stated, dict):
            return
        out: dict[str, Any] = {}
        for name, value in stated.items():
            code = lookup(self._names, name)
            if code is None or code in out:
                self._product_problem(guid, self._why(name, code))
                continue
            out[code] = value
        fields["flags"] = dict(sorted(out.items()))

    def _why(self, name: str, code: str | None) -> str:
        if code is not None:
            return f"flag {name!r} names flag {code!r} a second time"
        have = ", ".join(f"{f.code} ({f.title})" for f in self.shop) or "none"
        return (
            f"flag {name!r} is not a flag of this e-shop (it has: {have}); use a code or title "
            "from `shoptet-catalog lookup flags`, or declare it in shop.yaml to have the plan "
            f'create it: `flags: {{{name}: {{color: "#d40000"}}}}`'
        )

    # -- output --------------------------------------------------------------------------

    def changes(self) -> list[Change]:
        out = []
        for d in self.declared:
            src = self._src(d.key)
            if d.target is None:
                title = d.title or d.key
                fields = [FieldChange("title", None, title, src)]
                if d.color is not None:
                    fields.append(FieldChange("color", None, d.color, src))
                out.append(
                    Change(
                        Action.CREATE,
                        Resource.FLAG,
                        "",
                        NEW_FLAG + title,
                        fields=tuple(fields),
                        source=src,
                        name=title,
                        reason="the shop has no such flag yet; created before the products "
                        "that use it (Shoptet generates its code)",
                    )
                )
                continue
            now = d.target
            fields = []
            if d.title is not None and d.title != now.title:
                fields.append(FieldChange("title", now.title, d.title, src))
            if d.states_color and d.color != now.color:
                fields.append(FieldChange("color", now.color, d.color, src))
            if fields:
                out.append(
                    Change(
                        Action.UPDATE,
                        Resource.FLAG,
                        "",
                        now.code,
                        fields=tuple(fields),
                        source=src,
                        name=now.title,
                    )
                )
        return out

    # -- helpers -------------------------------------------------------------------------

    def _src(self, key: str) -> str | None:
        loc = self.locations.get(("flags", key))
        return f"{loc.file}:{loc.line}" if loc is not None else None

    def _problem(self, key: str, message: str) -> None:
        self._add(self.locations.get(("flags", key)), message)

    def _product_problem(self, guid: str, message: str) -> None:
        loc = self.locations.get((guid, "flags")) or self.locations.get((guid,))
        self._add(loc, message)

    def _add(self, loc: Any, message: str) -> None:
        self.problems.append(Problem.at(loc, message))
