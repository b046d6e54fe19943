"""JSON Schemas for editors, generated from the models (``shoptet-catalog schema`` writes them).

An editor with the YAML language server reads the ``# yaml-language-server: $schema=...`` line
at the top of a catalog file and offers completion, descriptions and checks while typing. The
schema is a convenience for editors; ``shoptet-catalog validate`` stays the authority (it also
checks what a schema cannot: duplicate GUIDs across files, codes used twice, exact digits).

An editor reads YAML 1.2 types, so a plain ``price: 123.45`` is a number there and a plain
``ean: 0012345678905`` is a number too: the schemas accept numbers for those fields, while the
loader keeps the exact text.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reconciler import fields as F
from reconciler.model import (
    GUID_PATTERN,
    FlagDefinition,
    IgnorePath,
    Policy,
    Product,
    ShopSettings,
)

# draft-07: the dialect every YAML language server version understands; "$defs" is only a
# JSON pointer target there, which draft-07 resolvers follow.
SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
PRODUCTS_SCHEMA = "products.schema.json"
SHOP_SCHEMA = "shop.schema.json"
# text fields an editor may read as a number (``ean: 0012345678905``): the field registry's
_NUMBER_TOO = tuple(f.name for f in F.FIELDS if f.digits)


class _ShopFile(BaseModel):
    """shop.yaml: settings, policy, ignore rules and flag definitions; every key is optional."""

    model_config = ConfigDict(extra="forbid")

    shop: ShopSettings | None = Field(None, description="Where stock and prices are written.")
    policy: Policy | None = Field(None, description="Guards an apply must pass.")
    ignore: list[IgnorePath] | None = Field(
        None,
        description="Field paths never diffed: a product field (description) or "
        "variants.*.FIELD / variants.CODE.FIELD.",
        examples=[["description", "variants.*.stock"]],
    )
    flags: dict[str, FlagDefinition] | None = Field(
        None,
        description="Flag definitions, keyed by flag code or title: one the shop lacks is "
        "created before the products that use it (Shoptet generates its code); title and "
        "color of one it has are kept as stated. Never deleted.",
        examples=[{"Vánoce": {"color": "#d40000"}}],
    )


def _tidy(node: Any) -> Any:
    """Drop pydantic's generated titles and turn ``{"anyOf": [X, null]}`` helpers readable."""
    if isinstance(node, dict):
        out = {k: _tidy(v) for k, v in node.items() if k != "title" or not isinstance(v, str)}
        props = out.get("properties")
        if isinstance(props, dict):
            for name in _NUMBER_TOO:
                if name in props:
                    props[name] = _allow_number(props[name])
        return out
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


def _allow_number(prop: dict) -> dict:
    prop = dict(prop)
    prop["anyOf"] = [{"type": "number"}, *prop.get("anyOf", [])]
    return prop


def products_schema() -> dict:
    body = _tidy(Product.model_json_schema(ref_template="#/$defs/{model}"))
    defs = body.pop("$defs", {})
    defs["Product"] = body
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "shoptet-catalog product file",
        "description": "catalog/products/*.yaml: products keyed by lowercase GUID. Only the "
        "fields you write are managed; null clears a field; absent: true deletes.",
        "type": "object",
        "additionalProperties": False,
        "patternProperties": {"^x-": {"description": "Free for YAML anchors; ignored."}},
        "properties": {
            "products": {
                "description": "Products keyed by GUID (`shoptet-catalog new-guid` prints one).",
                "type": ["object", "null"],
                "propertyNames": {"pattern": GUID_PATTERN},
                "additionalProperties": {"$ref": "#/$defs/Product"},
            }
        },
        "$defs": dict(sorted(defs.items())),
    }


def shop_schema() -> dict:
    body = _tidy(_ShopFile.model_json_schema(ref_template="#/$defs/{model}"))
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "shoptet-catalog shop.yaml",
        **{k: v for k, v in body.items() if k != "$defs"},
        "patternProperties": {"^x-": {"description": "Free for YAML anchors; ignored."}},
        "$defs": dict(sorted(body.get("$defs", {}).items())),
    }


def render_schemas() -> dict[str, str]:
    """File name -> exact file text (stable: sorted keys, 2-space indent, final newline)."""
    return {
        PRODUCTS_SCHEMA: json.dumps(products_schema(), indent=2, ensure_ascii=False) + "\n",
        SHOP_SCHEMA: json.dumps(shop_schema(), indent=2, ensure_ascii=False) + "\n",
    }
