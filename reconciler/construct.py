"""Pure: pydantic models made without validation, faster than ``model_construct`` where the
tool makes them by the hundred thousand (issue 16): live products from Shoptet's answers, and
the loader's second process sending its checked products back.

``assemble`` sets the four slots pydantic's own ``__setstate__`` sets; ``construct`` is
``model_construct`` with each class's defaults looked up once. (The live cache's decoder builds
whole columns of models the same way, in ``live.cache_file``.)"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["assemble", "construct"]

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__


def assemble(cls: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """A ``cls`` holding ``values`` (every field, in the model's order) with ``fields_set``,
    no extra and no private values: what unpickling one gives."""
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)``: the same instance (fields in the model's order, the
    same fields set, defaults, extra and private), faster for the plain models the live side
    builds by the hundred thousand, since the defaults are looked up once per class. Anything
    else (an unknown key, a missing field with a default factory, aliases, required fields, a
    mutable default) goes to ``model_construct`` itself."""
    defaults, names, factories = _plain_defaults(cls)
    if defaults is None or not values.keys() <= names or not factories <= values.keys():
        return cls.model_construct(**values)
    fields = defaults.copy()
    fields.update(values)  # every key is already there: the model's field order stays
    return assemble(cls, fields, set(values))


_IMMUTABLE = (type(None), bool, int, str, Decimal)


@cache
def _plain_defaults(
    cls: type[BaseModel],
) -> tuple[dict[str, Any] | None, frozenset[str], frozenset[str]]:
    """(every field's default in the model's order, the field names, the fields with a default
    factory), or None first when ``construct`` cannot stand in for ``model_construct``."""
    fields = cls.__pydantic_fields__
    names = frozenset(fields)
    factories = frozenset(n for n, f in fields.items() if f.default_factory is not None)
    plain = (
        not cls.__pydantic_post_init__
        and not cls.__pydantic_root_model__
        and not cls.__private_attributes__
        and cls.model_config.get("extra") != "allow"
        and all(
            f.alias is None
            and f.validation_alias is None
            and not f.is_required()
            and (n in factories or isinstance(f.default, _IMMUTABLE))
            for n, f in fields.items()
        )
    )
    if not plain:
        return None, names, factories
    # a factory's field always comes in ``values``: None only holds its place in the order
    return {n: None if n in factories else f.default for n, f in fields.items()}, names, factories
