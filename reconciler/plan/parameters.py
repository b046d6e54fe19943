"""Variant parameters (issue 14). Pure: the shop's parameter registry in, resolutions and
problems out.

A variant states ``parameters:`` as a mapping from parameter to value, written with the names
the admin shows (``{Hmotnost: 250 g}``) or with Shoptet's index slugs (``{hmotnost: 250-g}``).
Product writes send ``{nameIndex, valueIndex}`` pairs, so every stated pair is resolved
against ``GET /api/products/variant-parameters?include=values``:

- a parameter: its ``paramIndex`` exactly, else its ``paramName`` or ``displayName`` (case and
  accents as written, compared case-insensitively);
- a value of that parameter: its ``rawValue`` exactly, else its ``paramValue``
  (case-insensitively).

What the registry does not have yet is planned as its own reviewable addition (a parameter, or
a value of one), with the slug Shoptet's pattern allows (``^[a-zA-Z0-9-]*$``: ASCII, lower
case, runs of anything else -> ``-``) shown in the plan. Nothing is created implicitly.

Shoptet's rule for a product with two or more variants (``POST /api/products``: "each variant
must have a unique combination of parameters"): every variant has parameters, no two variants
have the same combination, and a parameter appears once per variant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NewParameter",
    "NewValue",
    "ParameterRegistry",
    "Resolution",
    "resolve",
    "rule_problems",
    "slug",
]


def slug(text: str) -> str:
    """An index slug as Shoptet derives one: ASCII, lower case, runs of other characters
    -> ``-`` (``Barevné spektrum`` -> ``barevne-spektrum``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@dataclass(frozen=True)
class Parameter:
    index: str  # paramIndex = nameIndex
    name: str  # paramName (displayName when Shoptet has no name)
    values: Mapping[str, str]  # rawValue = valueIndex -> paramValue
    display: str | None = None


@dataclass(frozen=True)
class ParameterRegistry:
    """The shop's variant parameters, by index; ``filtering``: its filtering parameters (by
    code, with their value indexes), when read (``live.params.read_registry``)."""

    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    filtering: ParameterRegistry | None = None

    @classmethod
    def from_shop(cls, items: Iterable[Any]) -> ParameterRegistry:
        """From the client's ``VariantParameter`` models (or anything with the same
        attributes): ``paramIndex``, ``paramName``, ``displayName``, ``values``."""
        out = {}
        for p in items:
            values = {
                v.rawValue: v.paramValue or v.rawValue for v in (p.values or ()) if v.rawValue
            }
            name = p.paramName or p.displayName or p.paramIndex
            out[p.paramIndex] = Parameter(p.paramIndex, name, values, p.displayName)
        return cls(out)

    @classmethod
    def from_filtering(cls, items: Iterable[Any]) -> ParameterRegistry:
        """From the client's ``FilteringParameter`` models: ``code``, ``name``,
        ``displayName``, ``values`` (``valueIndex``, ``name``)."""
        out = {}
        for p in items:
            values = {
                v.valueIndex: v.name or v.valueIndex for v in (p.values or ()) if v.valueIndex
            }
            out[p.code] = Parameter(
                p.code, p.name or p.displayName or p.code, values, p.displayName
            )
        return cls(out)

    def find(self, key: str) -> Parameter | None:
        if key in self.parameters:
            return self.parameters[key]
        folded = _fold(key)
        for p in self.parameters.values():
            if _fold(p.name) == folded or (p.display and _fold(p.display) == folded):
                return p
        return None

    def name_of(self, index: str) -> str:
        p = self.parameters.get(index)
        return p.name if p else index

    def value_name(self, index: str, value_index: str) -> str:
        p = self.parameters.get(index)
        return p.values.get(value_index, value_index) if p else value_index


@dataclass(frozen=True)
class NewParameter:
    index: str
    name: str


@dataclass(frozen=True)
class NewValue:
    parameter: str  # nameIndex
    index: str  # valueIndex (rawValue)
    name: str  # paramValue


@dataclass(frozen=True)
class Resolution:
    """One variant's stated parameters resolved: ``pairs`` nameIndex -> valueIndex, what the
    registry lacks, and problems (a parameter stated twice, a name that gives no slug)."""

    pairs: dict[str, str]
    new_parameters: tuple[NewParameter, ...] = ()
    new_values: tuple[NewValue, ...] = ()
    problems: tuple[str, ...] = ()


def resolve(stated: Mapping[str, str], registry: ParameterRegistry) -> Resolution:
    pairs: dict[str, str] = {}
    new_params: dict[str, NewParameter] = {}
    new_values: dict[tuple[str, str], NewValue] = {}
    problems: list[str] = []
    for key, value in stated.items():
        param = registry.find(key)
        if param is None:
            index = slug(key)
            if not index:
                problems.append(
                    f"parameter {key!r} gives no index Shoptet allows (letters, digits and "
                    "'-'); write it with letters or digits"
                )
                continue
            param = Parameter(index, key, {})
            new_params.setdefault(index, NewParameter(index, key))
        if param.index in pairs:
            problems.append(
                f"parameter {key!r} is stated twice (as {param.index!r}); a variant has each "
                "parameter once"
            )
            continue
        value_index = _find_value(param, value)
        if value_index is None:
            value_index = slug(value)
            if not value_index:
                problems.append(
                    f"value {value!r} of parameter {key!r} gives no index Shoptet allows; "
                    "write it with letters or digits"
                )
                continue
            new_values.setdefault(
                (param.index, value_index), NewValue(param.index, value_index, value)
            )
        pairs[param.index] = value_index
    return Resolution(
        dict(sorted(pairs.items())),
        tuple(new_params.values()),
        tuple(new_values.values()),
        tuple(problems),
    )


def _find_value(param: Parameter, value: str) -> str | None:
    if value in param.values:
        return value
    folded = _fold(value)
    for index, name in param.values.items():
        if _fold(name) == folded:
            return index
    return None


def rule_problems(variants: Mapping[str, Mapping[str, str] | None]) -> dict[str, str]:
    """Shoptet's rule over a product's resulting variants (code -> nameIndex -> valueIndex, or
    None/empty when a variant has none): ``{code: problem}``, empty when the product is valid.
    A product with one variant needs no parameters."""
    if len(variants) < 2:
        return {}
    problems: dict[str, str] = {}
    seen: dict[tuple[tuple[str, str], ...], str] = {}
    for code in sorted(variants):
        pairs = variants[code] or {}
        if not pairs:
            problems[code] = (
                f"variant {code} has no parameters, but its product has {len(variants)} "
                "variants: Shoptet needs each variant of such a product to state a unique "
                "combination of parameters (e.g. `parameters: {Hmotnost: 250 g}`)"
            )
            continue
        combo = tuple(sorted(pairs.items()))
        if combo in seen:
            problems[code] = (
                f"variant {code} has the same parameters as variant {seen[combo]} "
                f"({', '.join(f'{n}: {v}' for n, v in combo)}); Shoptet needs each variant "
                "of a product to differ in at least one parameter"
            )
        else:
            seen[combo] = code
    return problems
