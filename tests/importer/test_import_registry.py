"""Import reads what it writes from the field registry; a refresh keeps a stated field that
import never writes and the loader refuses to see null (``type``), instead of writing
``type: null`` and failing the catalog check."""

from __future__ import annotations

from pathlib import Path

from reconciler.importer import build
from reconciler.importer import yaml_edit as Y


def _entry(tmp_path: Path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return Y.load(path)


def test_a_refresh_keeps_a_stated_type(tmp_path):
    doc = _entry(tmp_path, "name: Old\ntype: product\nvisibility: visible\n")
    changed = build.merge(doc, {"name": "New", "visibility": "visible"}, 1)
    assert changed
    assert dict(doc) == {"name": "New", "type": "product", "visibility": "visible"}


def test_a_refresh_still_clears_a_nullable_field_the_shop_no_longer_has(tmp_path):
    doc = _entry(tmp_path, "name: Old\nmetaTitle: Gone\n")
    build.merge(doc, {"name": "Old"}, 1)
    assert doc["metaTitle"] == "null"
