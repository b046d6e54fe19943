"""Shoptet's OpenAPI file, loaded once for conformance tests.

The file is named by ``SHOPTET_OPENAPI`` (``.ci/run`` sets it when ``../shared`` has it); it is
never copied into the project because it carries no license. Parsing 2 MB of YAML takes seconds,
so the parsed form is cached as JSON in the system temp directory, keyed by the file's sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
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


@cache
def load_spec(path: str) -> dict:
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    cached = Path(tempfile.gettempdir()) / f"shoptet-openapi-{digest}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    from ruamel.yaml import YAML

    spec = YAML(typ="safe").load(raw)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(spec))
    tmp.replace(cached)  # atomic, so parallel workers never read half a file
    return spec
