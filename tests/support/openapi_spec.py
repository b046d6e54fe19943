"""Shoptet's OpenAPI file, loaded once per process for conformance tests.

The file is named by ``SHOPTET_OPENAPI`` (``.ci/run`` sets it when ``../shared`` has it); it is
never copied into the project because it carries no license.

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

import pytest

ENV = "SHOPTET_OPENAPI"


def spec_path() -> Path | None:
    value = os.environ.get(ENV)
    if not value:
        return None
    path = Path(value)
    return path if path.is_file() else None


def require_spec() -> dict:
    """The parsed spec, or skip the calling test with a reason."""
    path = spec_path()
    if path is None:
        pytest.skip(f"{ENV} is not set to Shoptet's OpenAPI file; conformance not checked")
    return load_spec(str(path))


def parse_spec(raw: bytes) -> dict:
    """The spec in the one form every checker expects: YAML parsed, then passed through JSON so
    every key is a string and every value a JSON value."""
    from ruamel.yaml import YAML

    return json.loads(json.dumps(YAML(typ="safe").load(raw)))


@cache
def load_spec(path: str) -> dict:
    return parse_spec(Path(path).read_bytes())
