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

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.tools import under_ci

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


def _problems_of(checker: ResponseChecker, req, response) -> list[str]:
    if not req.path.startswith("/api/") or response.fault or not response.body:
        return []
    try:
        body = json.loads(response.body)
    except ValueError:
        return [f"{req.method} {req.path}: response is not JSON"]
    try:
        return checker.check(req.method, req.path, response.status, body)
    except Exception as exc:  # a checker defect must fail the test, not drop the connection
        return [f"{req.method} {req.path} {response.status}: checker error {exc!r:.300}"]


@contextlib.contextmanager
def watch(sandbox, checker: ResponseChecker):
    """Validate every API response ``sandbox`` answers while the block runs; raise an
    AssertionError listing the problems at the end (responses from server threads included)."""
    problems: list[str] = []
    original = sandbox.handle

    def handle(req):
        response = original(req)
        problems.extend(_problems_of(checker, req, response))
        return response

    sandbox.handle = handle
    try:
        yield problems
    finally:
        del sandbox.handle
    if problems:
        raise AssertionError(
            "responses that do not match the OpenAPI file:\n" + "\n".join(problems[:30])
        )


@contextlib.contextmanager
def watch_all(checker: ResponseChecker):
    """Like :func:`watch`, for every Sandbox in the process (patches the class)."""
    from reconciler.sandbox import Sandbox

    problems: list[str] = []
    original = Sandbox.handle

    def handle(self, req):
        response = original(self, req)
        problems.extend(_problems_of(checker, req, response))
        return response

    Sandbox.handle = handle
    try:
        yield problems
    finally:
        Sandbox.handle = original
    if problems:
        raise AssertionError(
            "sandbox responses that do not match the OpenAPI file:\n" + "\n".join(problems[:30])
        )


@cache
def shared_checker() -> ResponseChecker | None:
    """One checker per process, or None without the OpenAPI file (openapi_spec.spec_path)."""
    from tests.support.openapi_spec import load_spec, spec_path

    path = spec_path()
    return None if path is None else ResponseChecker(load_spec(str(path)))


@pytest.fixture(autouse=True)
def sandbox_spec_watch(request):
    """Suite-wide (imported by tests/conftest.py): with the OpenAPI file found, every API response
    any Sandbox returns during a test must match the spec; ``@pytest.mark.openapi_unchecked``
    opts a test out (throughput measurements)."""
    checker = None
    if request.node.get_closest_marker("openapi_unchecked") is None:
        checker = shared_checker()
        if checker is None and under_ci():  # the session stops first, except under xdist
            from tests.support.openapi_spec import missing_reason

            pytest.fail(f"CI: {missing_reason()}; CI must check it", pytrace=False)
    if checker is None:
        yield
        return
    with watch_all(checker):
        yield
