"""Shoptet's OpenAPI file, loaded once per process for conformance tests.

The file is named by ``SHOPTET_OPENAPI``, or found at ``DEFAULT`` (``../shared/reference/
shoptet-openapi/openapi.yaml`` next to the repository); it is never copied into the project
because it carries no license. With neither, the conformance tests skip with a reason that says
how to enable them; under CI (``CI`` set) the session fails instead (tests/conftest.py).

The spec is always returned in its JSON form (string keys: response code ``"200"``, not the
integer YAML gives), because the checkers address it with JSON pointers. There is no cache on
disk on purpose: an earlier one returned the YAML form on a cold run and the JSON form on every
warm run, so CI passed only on machines that had run the suite before (issue 11).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from tests.support.tools import missing

ENV = "SHOPTET_OPENAPI"
REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO.parent / "shared" / "reference" / "shoptet-openapi" / "openapi.yaml"
HOW = (
    f"set {ENV} to Shoptet's OpenAPI file, or put it at "
    "../shared/reference/shoptet-openapi/openapi.yaml next to the repository"
)


def spec_path() -> Path | None:
    """``SHOPTET_OPENAPI`` when set (a path that is no file: None), else ``DEFAULT`` if there."""
    value = os.environ.get(ENV)
    path = Path(value) if value else DEFAULT
    return path if path.is_file() else None


def missing_reason() -> str:
    """Why the spec is not available, and how to make it so."""
    value = os.environ.get(ENV)
    if value:
        return f"{ENV}={value} is not a file; conformance with Shoptet's OpenAPI not checked"
    return f"Shoptet's OpenAPI file not found ({HOW}); conformance not checked"


def require_spec() -> dict:
    """The parsed spec, or skip the calling test with the reason (fail it under CI, where the
    session has already stopped unless run by pytest-xdist: tests/conftest.py)."""
    path = spec_path()
    if path is None:
        missing(missing_reason())
    return load_spec(str(path))


def parse_spec(raw: bytes) -> dict:
    """The spec in the one form every checker expects: YAML parsed, then passed through JSON so
    every key is a string and every value a JSON value."""
    from ruamel.yaml import YAML

    return json.loads(json.dumps(YAML(typ="safe").load(raw)))


@cache
def load_spec(path: str) -> dict:
    return parse_spec(Path(path).read_bytes())
