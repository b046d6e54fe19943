"""Variant parameters in the diff (issue 14). Pure: the registry read once per plan in, the
canonical pairs, the registry additions and the located problems out.

``plan.diff`` calls one ``ParamPlanner`` per diff:

- ``resolve`` replaces each stated ``parameters`` mapping of a desired product's form (names
  or slugs, as written) by the canonical mapping ``nameIndex -> valueIndex``
  (``plan.parameters.resolve``), so desired and live compare in one form (live convert reads
  ``paramIndex -> rawValue``). What the registry lacks is collected as its own change:

  * ``parameter``        id ``parameter:<nameIndex>``, field ``paramName``;
  * ``parameter-value``  id ``parameter-value:<nameIndex>:<valueIndex>``, field ``paramValue``.

  Both have no product (``guid`` is empty), so they sort before every product and apply writes
  them first, through the variant-parameter endpoints. Nothing is created implicitly.
- ``check`` applies Shoptet's multi-variant rule (``plan.parameters.rule_problems``) to the
  variants a product has after the plan (live variants the YAML does not mention included),
  but only for a product whose variants this plan creates or whose parameters it changes: a
  shop's existing state is not the plan's business until the plan touches it.

``parameter_names`` gives the plan's display names for the pairs its variant changes write
(``Names.parameters``), so a plan reads ``~ parameters: Barva: Bílá -> Modrá``
(``render.values``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.errors import Problem
from reconciler.plan.model import Action, Change, FieldChange, Resource
from reconciler.plan.parameters import ParameterRegistry, Resolution, resolve, rule_problems

__all__ = [
    "FILTERING",
    "REGISTRY_RESOURCES",
    "VARIANT",
    "ParamPlanner",
    "parameter_names",
    "states_parameters",
]

REGISTRY_RESOURCES = (Resource.PARAMETER, Resource.PARAMETER_VALUE)


@dataclass(frozen=True)
class RegistryKind:
    """Which registry a planner adds to: its two change resources and what to call it."""

    parameter: Resource
    value: Resource
    what: str


VARIANT = RegistryKind(Resource.PARAMETER, Resource.PARAMETER_VALUE, "variant parameter")
FILTERING = RegistryKind(
    Resource.FILTERING_PARAMETER, Resource.FILTERING_VALUE, "filtering parameter"
)


def states_parameters(product: Any) -> bool:
    """Does a desired product state ``parameters`` on a variant that is not a tombstone?"""
    if product is None or getattr(product, "absent", False):
        return False
    return any(
        "parameters" in v.model_fields_set and not v.absent
        for v in (product.variants or {}).values()
    )


class ParamPlanner:
    def __init__(
        self,
        registry: ParameterRegistry | None,
        locations: Mapping[Any, Any] | None = None,
        *,
        rule: bool = True,
        kind: RegistryKind = VARIANT,
    ) -> None:
        self.registry = registry
        self.rule = rule
        self.kind = kind
        self.locations = locations or {}
        self.problems: list[Problem] = []
        self._params: dict[str, tuple[str, str | None]] = {}  # index -> (name, source)
        self._values: dict[tuple[str, str], tuple[str, str | None]] = {}

    # -- resolution ------------------------------------------------------------------------

    def resolve(self, guid: str, want: dict[str, Any]) -> None:
        """Stated parameters of ``want`` (a desired form) -> canonical pairs, in place."""
        for code, vform in want["variants"].items():
            if "parameters" not in vform:
                continue
            stated = vform["parameters"] or {}
            if not stated:
                vform["parameters"] = {}
                continue
            if self.registry is None:
                raise RuntimeError(
                    "variant parameters are stated but the shop's registry was not read "
                    "(the pipeline reads it when a variant states parameters)"
                )
            key = (guid, "variants", code, "parameters")
            res = resolve(stated, self.registry)
            self.take(res, key, f"variant {code}: ")
            vform["parameters"] = res.pairs

    def take(self, res: Resolution, key: tuple[Any, ...], prefix: str) -> None:
        """Record a resolution's problems (at ``key``) and what the registry lacks."""
        for problem in res.problems:
            self.problem(key, f"{prefix}{problem}")
        src = self.src(*key)
        for p in res.new_parameters:
            self._params.setdefault(p.index, (p.name, src))
        for v in res.new_values:
            self._values.setdefault((v.parameter, v.index), (v.name, src))

    # -- Shoptet's rule --------------------------------------------------------------------

    def check(
        self, guid: str, desired: Any, want: dict[str, Any], have: dict[str, Any] | None
    ) -> None:
        """The rule over the variants ``guid`` has after the plan, when the plan creates a
        variant of it or changes a variant's parameters."""
        if not self.rule:
            return
        live = {} if have is None else have["variants"]
        gone = {
            c.upper() for c, v in (desired.variants or {}).items() if getattr(v, "absent", False)
        }
        after: dict[str, dict[str, str] | None] = {}
        touched = False
        for code, lform in live.items():
            if code in gone:
                continue
            after[code] = lform.get("parameters")  # None: not read (unknown)
        for code, vform in want["variants"].items():
            if code not in live:
                touched = True
                after[code] = vform.get("parameters") or {}
            elif "parameters" in vform:
                if vform["parameters"] != live[code].get("parameters"):
                    touched = True
                after[code] = vform["parameters"]
        if not touched or len(after) < 2:
            return
        # A live variant whose parameters were not read counts as a variant with some unique
        # combination (the pipeline reads them whenever the rule needs them).
        probe = {c: ({"\0unread": c} if p is None else p) for c, p in after.items()}
        for code, message in sorted(rule_problems(probe).items()):
            if code in want["variants"]:
                self.problem((guid, "variants", code, "parameters"), f"product {guid}: {message}")
            else:
                self.problem(
                    (guid,),
                    f"product {guid}: live variant {code} (not in the catalog): {message}; "
                    "state the variant in the catalog with its parameters",
                )

    # -- output ----------------------------------------------------------------------------

    def changes(self) -> list[Change]:
        """The registry additions, one change each."""
        out = []
        for index, (name, src) in sorted(self._params.items()):
            out.append(
                Change(
                    Action.CREATE,
                    self.kind.parameter,
                    "",
                    index,
                    fields=(FieldChange("paramName", None, name, src),),
                    source=src,
                    name=name,
                    reason=f"the shop has no such {self.kind.what} yet; created before the "
                    "products that use it",
                )
            )
        for (index, value), (name, src) in sorted(self._values.items()):
            out.append(
                Change(
                    Action.CREATE,
                    self.kind.value,
                    "",
                    f"{index}:{value}",
                    fields=(FieldChange("paramValue", None, name, src),),
                    source=src,
                    name=self._param_name(index),
                    reason="the parameter has no such value yet; created before the products "
                    "that use it",
                )
            )
        return out

    def _param_name(self, index: str) -> str:
        if index in self._params:
            return self._params[index][0]
        return self.registry.name_of(index) if self.registry is not None else index

    def _value_name(self, index: str, value: str) -> str:
        if (index, value) in self._values:
            return self._values[(index, value)][0]
        return self.registry.value_name(index, value) if self.registry is not None else value

    # -- helpers ---------------------------------------------------------------------------

    def locate(self, *key: Any) -> Any:
        return self.locations.get(tuple(key))

    def src(self, *key: Any) -> str | None:
        loc = self.locate(*key)
        return f"{loc.file}:{loc.line}" if loc is not None else None

    def problem(self, key: tuple[Any, ...], message: str) -> None:
        loc = self.locate(*key)
        while loc is None and len(key) > 1:
            key = key[:-1]
            loc = self.locate(*key)
        self.problems.append(
            Problem.at(
                loc,
                message,
            )
        )


def parameter_names(
    changes: Iterable[Change], registry: ParameterRegistry | None
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Display names of the variant parameters and values ``changes`` write or replace:
    ``({nameIndex: name}, {nameIndex: {valueIndex: name}})``; the plan's own registry
    additions by the names the YAML writes, the rest by the shop's. Slugs neither knows are
    left out (shown as slugs)."""
    changes = list(changes)
    added: dict[tuple[str, ...], str] = {}  # (index,) or (index, value) -> name
    for c in changes:
        name = c.fields[0].after if c.fields else None
        if c.resource in REGISTRY_RESOURCES and isinstance(name, str):
            added[tuple((c.code or "").split(":", 1))] = name
    shop = registry.parameters if registry is not None else {}
    params: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for index, value in sorted(_written_pairs(changes)):
        param = shop.get(index)
        name = added.get((index,)) or (param.name if param else None)
        if name is not None:
            params[index] = name
        shown = added.get((index, value)) or (param.values.get(value) if param else None)
        if shown is not None:
            values.setdefault(index, {})[value] = shown
    return params, values


def _written_pairs(changes: Iterable[Change]) -> set[tuple[str, str]]:
    """Every (nameIndex, valueIndex) on either side of a variant change's ``parameters``."""
    out: set[tuple[str, str]] = set()
    for c in changes:
        if c.resource is not Resource.VARIANT:
            continue
        for f in c.fields:
            if f.field != "parameters":
                continue
            for pairs in (f.before, f.after):
                if isinstance(pairs, dict):
                    out |= {(str(i), str(v)) for i, v in pairs.items()}
    return out
