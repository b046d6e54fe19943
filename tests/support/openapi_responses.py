"""Check responses against the response schema Shoptet's OpenAPI file gives for that operation
and status (OpenAPI 3.1 = JSON Schema 2020-12; ``$ref``s resolve inside the spec).

    checker = ResponseChecker(require_spec())
    problems = checker.check("GET", "/api/products/1b02...", 200, body_dict)   # [] when valid

A status the operation does not document is checked against Shoptet's generic envelope
(``data``, ``errors`` = components.schemas.Errors, ``metadata`` = components.schemas.Metadata).
``watch(sandbox)`` validates every API response a Sandbox returns (both faces) while active.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:shoptet-openapi"
METHODS = ("get", "post", "put", "patch", "delete")


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class ResponseChecker:
    def __init__(self, spec: dict):
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        literal, templated = [], []
        for template in spec["paths"]:
            pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")
            (templated if "{" in template else literal).append((template, pattern))
        # literal paths first, then templates with fewer parameters (more specific) first
        templated.sort(key=lambda tp: (tp[0].count("{"), -len(tp[0])))
        self._paths = literal + templated
        self._validators = cache(self._validator)

    def template(self, path: str) -> str | None:
        path = path.split("?", 1)[0].rstrip("/") or "/"
        for template, pattern in self._paths:
            if pattern.match(path):
                return template
        return None

    def _validator(self, ref: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": ref}, registry=self.registry)

    def schema_ref(self, method: str, template: str, status: int) -> str | None:
        op = self.spec["paths"][template].get(method.lower())
        if op is None:
            return None
        responses = op.get("responses", {})
        key = status if status in responses else str(status) if str(status) in responses else None
        if key is None:
            return None
        content = (responses[key].get("content") or {}).get("application/json")
        if not content or "schema" not in content:
            return None
        return f"{SPEC_URI}#/" + _pointer(
            "paths",
            template,
            method.lower(),
            "responses",
            str(key),
            "content",
            "application/json",
            "schema",
        )

    def check(self, method: str, path: str, status: int, body) -> list[str]:
        """Problems (empty when valid). Paths or operations the spec does not have (the
        sandbox's 404/405 answers) are checked against the generic envelope."""
        template = self.template(path)
        if template is None or method.lower() not in self.spec["paths"][template]:
            return self._check_envelope(method, path, status, body)
        ref = self.schema_ref(method, template, status)
        if ref is None:
            return self._check_envelope(method, template, status, body)
        errors = sorted(self._validators(ref).iter_errors(body), key=lambda e: list(e.path))
        return [
            f"{method} {template} {status}: {'/'.join(map(str, e.path)) or '<root>'}: "
            f"{e.message[:300]}"
            for e in errors[:10]
        ]

    def _check_envelope(self, method, template, status, body) -> list[str]:
        problems = []
        if not isinstance(body, dict) or set(body) != {"data", "errors", "metadata"}:
            return [f"{method} {template} {status}: not Shoptet's envelope: {str(body)[:200]}"]
        for key, name in (("errors", "Errors"), ("metadata", "Metadata")):
            ref = f"{SPEC_URI}#/components/schemas/{name}"
            problems += [
                f"{method} {template} {status}: {key}: {e.message[:300]}"
                for e in self._validators(ref).iter_errors(body[key])
            ]
        return problems


@contextlib.contextmanager
def watch(sandbox, checker: ResponseChecker):
    """Validate every API response ``sandbox`` answers while the block runs; raise an
    AssertionError listing the problems at the end (responses from server threads included)."""
    problems: list[str] = []
    original = sandbox.handle

    def handle(req):
        response = original(req)
        is_api = req.path.startswith("/api/")
        if is_api and not response.fault and response.body:
            try:
                body = json.loads(response.body)
            except ValueError:
                problems.append(f"{req.method} {req.path}: response is not JSON")
            else:
                problems.extend(checker.check(req.method, req.path, response.status, body))
        return response

    sandbox.handle = handle
    try:
        yield problems
    finally:
        sandbox.handle = original
    if problems:
        raise AssertionError(
            "responses that do not match the OpenAPI file:\n" + "\n".join(problems[:30])
        )
