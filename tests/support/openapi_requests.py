"""Check a request against Shoptet's OpenAPI file: operation, parameters, JSON body.

``validate_request(spec, method, path, query, headers, body)`` returns a list of problems (empty
when the spec allows the request):

- the path must match one of the spec's path templates (a literal segment beats a ``{param}``:
  ``/api/products/changes`` is not ``/api/products/{guid}``) and the method must be defined;
- path parameters are checked against their schema (URL-decoded first);
- every query parameter name must be declared for the operation, required ones present, and
  values valid for their schema (query values are strings on the wire, so a value passes if it
  is valid as the string or as the number/boolean it spells);
- required header parameters must be present (``Content-Type``, for every operation);
- the JSON body must be present iff the operation requires one, and valid against its
  ``requestBody`` schema (JSON Schema 2020-12, ``$ref``s resolved inside the spec).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

BASE_URI = "urn:shoptet-openapi"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _pointer(parts: Iterable[str]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _lookup(spec: dict, ref: str) -> tuple[Any, str]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported: {ref}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, ref[1:]


def _resolve(spec: dict, node: Any, pointer: str) -> tuple[Any, str]:
    while isinstance(node, dict) and "$ref" in node:
        node, pointer = _lookup(spec, node["$ref"])
    return node, pointer


class _Validators:
    def __init__(self, spec: dict):
        self.spec = spec
        resource = DRAFT202012.create_resource(spec)
        self.registry = Registry().with_resource(BASE_URI, resource)
        self._cache: dict[str, Draft202012Validator] = {}

    def at(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._cache:
            schema = {"$ref": f"{BASE_URI}#{pointer}"}
            self._cache[pointer] = Draft202012Validator(schema, registry=self.registry)
        return self._cache[pointer]

    def problems(self, pointer: str, value: Any) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(self.at(pointer).iter_errors(value), key=lambda e: list(e.path))
        ]


_validators: dict[int, _Validators] = {}


def _for(spec: dict) -> _Validators:
    key = id(spec)
    if key not in _validators:
        _validators[key] = _Validators(spec)
    return _validators[key]


@cache
def _template(path: str) -> tuple[re.Pattern, int]:
    names = re.findall(r"{([^}/]+)}", path)
    regex = re.escape(path)
    for name in names:
        regex = regex.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+)")
    return re.compile(f"^{regex}$"), len(names)


def find_operation(spec: dict, method: str, path: str):
    """(path template, operation, path item, path params) or None when no template matches."""
    best = None
    for template in spec.get("paths", {}):
        regex, n_params = _template(template)
        match = regex.match(path)
        if match and (best is None or n_params < best[0]):
            best = (n_params, template, {k: unquote(v) for k, v in match.groupdict().items()})
    if best is None:
        return None
    _, template, params = best
    item = spec["paths"][template]
    return template, item.get(method.lower()), item, params


def _wire_candidates(value: str) -> list[Any]:
    out: list[Any] = [value]
    for convert in (int, float):
        with contextlib.suppress(ValueError):
            out.append(convert(value))
    if value in ("true", "false"):
        out.append(value == "true")
    return out


def validate_request(
    spec: dict,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: Any,
) -> list[str]:
    found = find_operation(spec, method, path)
    if found is None:
        return [f"{method} {path}: no such path in the spec"]
    template, operation, item, path_values = found
    if operation is None:
        return [f"{method} {path}: the spec defines no {method} on {template}"]
    v = _for(spec)
    base = _pointer(["paths", template, method.lower()])
    problems: list[str] = []

    params: dict[tuple[str, str], tuple[dict, str]] = {}
    for where, owner in (("parameters", _pointer(["paths", template])), ("parameters", base)):
        source = item if owner != base else operation
        for i, raw in enumerate(source.get(where, [])):
            param, pointer = _resolve(spec, raw, f"{owner}/{where}/{i}")
            params[(param["name"], param["in"])] = (param, pointer)

    def check_value(kind: str, name: str, value: str) -> None:
        param, pointer = params[(name, kind)]
        if "schema" not in param:
            return
        schema_pointer = pointer + "/schema"
        if not any(not v.problems(schema_pointer, c) for c in _wire_candidates(value)):
            problems.append(f"{method} {template}: {kind} parameter {name}={value!r} is invalid")

    for name, value in path_values.items():
        if (name, "path") not in params:
            problems.append(f"{method} {template}: path parameter {name} is not declared")
        else:
            check_value("path", name, value)

    sent = set()
    for name, value in query:
        sent.add(name)
        if (name, "query") not in params:
            problems.append(f"{method} {template}: query parameter {name!r} is not in the spec")
        else:
            check_value("query", name, value)

    lower_headers = {k.lower(): val for k, val in headers.items()}
    for (name, kind), (param, _) in params.items():
        if not param.get("required"):
            continue
        if kind == "query" and name not in sent:
            problems.append(f"{method} {template}: required query parameter {name!r} missing")
        if kind == "header" and name.lower() not in lower_headers:
            problems.append(f"{method} {template}: required header {name!r} missing")
        if kind == "header" and name.lower() in lower_headers:
            check_value("header", name, lower_headers[name.lower()])

    request_body = operation.get("requestBody")
    if request_body is None:
        if body is not None:
            problems.append(f"{method} {template}: the spec allows no request body")
        return problems
    request_body, rb_pointer = _resolve(spec, request_body, base + "/requestBody")
    if body is None:
        if request_body.get("required"):
            problems.append(f"{method} {template}: a request body is required")
        return problems
    media = request_body.get("content", {}).get("application/json")
    if media is None or "schema" not in media:
        problems.append(f"{method} {template}: the spec has no application/json body schema")
        return problems
    schema_pointer = rb_pointer + _pointer(["content", "application/json", "schema"])
    problems += [f"{method} {template} body {p}" for p in v.problems(schema_pointer, body)]
    return problems
