"""Strict request-body checking like Shoptet's: unknown fields and wrong types give 422
``invalid-request-data`` with the JSON path as ``instance``. Schemas are small Python values
written from the OpenAPI file's request schemas (the spec itself is not shipped)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reconciler.sandbox.envelope import Fail, err

GUID = r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$"
DEC2 = r"^(-)?[0-9]+\.[0-9]{2}$"
DEC3 = r"^(-)?[0-9]+\.[0-9]{3}$"
UDEC3 = r"^[0-9]+\.[0-9]{3}$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@dataclass(frozen=True)
class S:
    """A string (``null`` allowed when ``null``)."""

    pattern: str | None = None
    max: int | None = None
    null: bool = False
    enum: tuple | None = None
    min: int | None = None  # minLength


@dataclass(frozen=True)
class I:  # noqa: E742 - short schema names read like the spec
    null: bool = False
    enum: tuple | None = None
    min: int | None = None  # minimum
    max: int | None = None  # maximum


@dataclass(frozen=True)
class B:
    null: bool = False


@dataclass(frozen=True)
class N:
    """A JSON number (int or decimal, never a string or bool)."""

    null: bool = False


@dataclass(frozen=True)
class O:  # noqa: E742
    fields: dict
    required: tuple = ()
    null: bool = False
    min: int = 0  # minProperties


@dataclass(frozen=True)
class A:
    item: object
    min: int = 0
    null: bool = False
    max: int | None = None  # maxItems


@dataclass
class Checker:
    errors: list = field(default_factory=list)

    def bad(self, path: str, message: str) -> None:
        self.errors.append(err("invalid-request-data", message, path))

    def check(self, value, schema, path: str) -> None:
        if value is None:
            if not getattr(schema, "null", False):
                self.bad(path, f'Property "{path}" must not be null.')
            return
        if isinstance(schema, S):
            self._string(value, schema, path)
        elif isinstance(schema, B):
            if not isinstance(value, bool):
                self.bad(path, f'Property "{path}" must be a boolean.')
        elif isinstance(schema, I):
            if isinstance(value, bool) or not isinstance(value, int):
                self.bad(path, f'Property "{path}" must be an integer.')
            elif schema.enum is not None and value not in schema.enum:
                self.bad(path, f'Property "{path}" must be one of {list(schema.enum)}.')
            elif schema.min is not None and value < schema.min:
                self.bad(path, f'Property "{path}" must be at least {schema.min}.')
            elif schema.max is not None and value > schema.max:
                self.bad(path, f'Property "{path}" must be at most {schema.max}.')
        elif isinstance(schema, N):
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                self.bad(path, f'Property "{path}" must be a number.')
        elif isinstance(schema, A):
            if not isinstance(value, list):
                self.bad(path, f'Property "{path}" must be an array.')
                return
            if len(value) < schema.min:
                self.bad(path, f'Property "{path}" must have at least {schema.min} item(s).')
            if schema.max is not None and len(value) > schema.max:
                self.bad(path, f'Property "{path}" must have at most {schema.max} item(s).')
            for i, item in enumerate(value):
                self.check(item, schema.item, f"{path}[{i}]")
        elif isinstance(schema, O):
            self._object(value, schema, path)

    def _string(self, value, schema: S, path: str) -> None:
        if not isinstance(value, str):
            self.bad(path, f'Property "{path}" must be a string.')
        elif schema.max is not None and len(value) > schema.max:
            self.bad(path, f'Property "{path}" is longer than {schema.max} characters.')
        elif schema.min is not None and len(value) < schema.min:
            self.bad(path, f'Property "{path}" is shorter than {schema.min} character(s).')
        elif schema.pattern and not re.search(schema.pattern, value):
            self.bad(path, f'Property "{path}" does not match "{schema.pattern}".')
        elif schema.enum is not None and value not in schema.enum:
            self.bad(path, f'Property "{path}" must be one of {list(schema.enum)}.')

    def _object(self, value, schema: O, path: str) -> None:
        if not isinstance(value, dict):
            self.bad(path, f'Property "{path}" must be an object.')
            return
        for key in value:
            if key not in schema.fields:
                self.bad(f"{path}.{key}", f'Property "{path}.{key}" is not allowed.')
        for key in schema.required:
            if key not in value:
                self.bad(f"{path}.{key}", f'Property "{path}.{key}" is required.')
        if len(value) < schema.min:
            noun = "property" if schema.min == 1 else "properties"
            self.bad(path, f'Property "{path}" must have at least {schema.min} {noun}.')
        for key, sub in schema.fields.items():
            if key in value:
                self.check(value[key], sub, f"{path}.{key}")


def check_body(body: Any, data_schema: object, *, status: int = 422) -> Any:
    """The ``data`` of ``{"data": ...}`` after checking it; raises Fail(422) with every problem.
    The result has the shape ``data_schema`` describes, so it is typed ``Any`` like JSON."""
    checker = Checker()
    if not isinstance(body, dict):
        raise Fail(
            status, err("invalid-request-data", "Request body must be a JSON object.", "payload")
        )
    for key in body:
        if key != "data":
            checker.bad(key, f'Property "{key}" is not allowed.')
    if "data" not in body:
        checker.bad("data", 'Property "data" is required.')
    else:
        checker.check(body["data"], data_schema, "data")
    if checker.errors:
        raise Fail(status, checker.errors)
    return body["data"]
