"""Update and delete of a parameter registry's parameters and values, for the variant
parameters (``handlers_params``) and the filtering parameters (``filtering``), which Shoptet
keeps alike; the rules are :mod:`variant_params`'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Result
from reconciler.sandbox.validate import O, check_body
from reconciler.sandbox.variant_params import (
    RegistryKind,
    delete_param,
    delete_value,
    find,
    find_value,
    update_param,
    update_value,
)


@dataclass(frozen=True)
class RegistryWrites:
    kind: RegistryKind
    index_param: str  # the URL's name for a parameter's index: paramIndex, code
    value_param: str  # ... for a value's: rawValue, valueIndex
    render: Callable[[dict], dict]  # a parameter as the answers show it
    update_schema: O
    update_value_schema: O

    def _param(self, ctx: Ctx) -> dict:
        return find(ctx.state, ctx.params[self.index_param], self.kind)

    def _value(self, ctx: Ctx, param: dict) -> dict:
        return find_value(param, ctx.params[self.value_param], self.kind)

    def update(self, ctx: Ctx) -> Result:
        param = self._param(ctx)
        data = check_body(ctx.body, self.update_schema)
        return Result(data=self.render(update_param(ctx.state, param, data, self.kind)))

    def delete(self, ctx: Ctx) -> Result:
        delete_param(ctx.state, self._param(ctx), self.kind)
        return Result(data=None)

    def update_value(self, ctx: Ctx) -> Result:
        """Answers the whole parameter, as the spec's response schema has it."""
        param = self._param(ctx)
        value = self._value(ctx, param)
        data = check_body(ctx.body, self.update_value_schema)
        return Result(data=self.render(update_value(ctx.state, param, value, data, self.kind)))

    def delete_value(self, ctx: Ctx) -> Result:
        param = self._param(ctx)
        delete_value(ctx.state, param, self._value(ctx, param), self.kind)
        return Result(data=None)
