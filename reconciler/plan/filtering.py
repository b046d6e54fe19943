"""Filtering parameters in the diff (issue 18). Pure: the shop's filtering-parameter registry
in (``ParameterRegistry.filtering``), the canonical assignment, the registry additions and the
located problems out.

A product states ``filteringParameters: {Materiál: [bavlna, len], Barva: červená}``: each
parameter by its name or code, each value by its name or value index, resolved like variant
parameters (``plan.parameters.resolve``, pair by pair). What the registry lacks is its own
reviewable change (``filtering-parameter:<code>``, ``filtering-value:<code>:<valueIndex>``),
written before the products (``plan.param_changes.ParamPlanner`` with the ``FILTERING`` kind:
the same bookkeeping as variant parameters). The canonical value is ``{code: [valueIndex,
...]}``, codes and values sorted: a set, as the shop has no order for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from reconciler.plan.model import Change, Resource
from reconciler.plan.param_changes import FILTERING, ParamPlanner
from reconciler.plan.parameters import ParameterRegistry, resolve

__all__ = ["FIELD", "FILTERING_RESOURCES", "FilterPlanner", "states_filtering"]

FIELD = "filteringParameters"
FILTERING_RESOURCES = (Resource.FILTERING_PARAMETER, Resource.FILTERING_VALUE)


def states_filtering(product: Any) -> bool:
    """Does a desired product (not a tombstone) state ``filteringParameters``?"""
    return (
        product is not None
        and not getattr(product, "absent", False)
        and FIELD in product.model_fields_set
    )


class FilterPlanner(ParamPlanner):
    def __init__(self, registry: ParameterRegistry | None, locations: Mapping[Any, Any]) -> None:
        super().__init__(registry, locations, rule=False, kind=FILTERING)

    def resolve_product(self, guid: str, fields: dict[str, Any]) -> None:
        """A desired form's stated ``filteringParameters`` -> canonical, in place."""
        stated = fields.get(FIELD)
        if not isinstance(stated, dict):
            return
        if stated and self.registry is None:
            raise RuntimeError(
                "filtering parameters are stated but the shop's were not read (the pipeline "
                "reads them when a product states filteringParameters)"
            )
        key = (guid, FIELD)
        out: dict[str, set[str]] = {}
        named: dict[str, str] = {}  # code -> the key that named it
        for name, values in stated.items():
            for value in values:
                assert self.registry is not None
                res = resolve({name: value}, self.registry)
                self.take(res, key, "")
                for code, value_index in res.pairs.items():
                    if named.setdefault(code, name) != name:
                        self.problem(
                            key,
                            f"filtering parameter {name!r} is {named[code]!r} again (code "
                            f"{code!r}); name each parameter once",
                        )
                    out.setdefault(code, set()).add(value_index)
        fields[FIELD] = {code: sorted(out[code]) for code in sorted(out)}

    def annotate(self, changes: Iterable[Change]) -> list[Change]:
        """Display names beside the codes of every product change that writes them."""
        out = []
        for c in changes:
            field = next((f for f in c.fields if f.field == FIELD), None)
            if c.resource is Resource.PRODUCT and field is not None and field.after is not None:
                shown = "; ".join(
                    f"{self._param_name(code)}: "
                    + ", ".join(self._value_name(code, v) for v in values)
                    for code, values in field.after.items()
                )
                note = f"{FIELD}: {shown or 'none'}"
                c = replace(c, reason=f"{c.reason}; {note}" if c.reason else note)
            out.append(c)
        return out
