"""The example catalog and the committed JSON Schemas."""

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML

from reconciler.desired.load import load_catalog
from reconciler.desired.schema import PRODUCTS_SCHEMA, SHOP_SCHEMA, render_schemas
from reconciler.plan.parameters import ParameterRegistry, resolve

REPO = Path(__file__).parents[2]
CATALOG = REPO / "catalog"
SEED = REPO / "reconciler" / "sandbox" / "seeds" / "demo.json"


def test_committed_schemas_are_up_to_date():
    for name, text in render_schemas().items():
        committed = (REPO / "schemas" / name).read_text(encoding="utf-8")
        assert committed == text, f"schemas/{name} is stale: run `shoptet-catalog schema`"


def test_schemas_are_valid_json_schema_with_descriptions():
    for text in render_schemas().values():
        schema = json.loads(text)
        jsonschema.Draft7Validator.check_schema(schema)
    products = json.loads(render_schemas()[PRODUCTS_SCHEMA])
    variant = products["$defs"]["Variant"]["properties"]
    assert all("description" in prop for prop in variant.values())


def test_example_catalog_validates():
    loaded = load_catalog(CATALOG)
    assert len(loaded.catalog.products) >= 25
    assert len(loaded.files) >= 4


def test_example_files_carry_the_schema_line():
    for path in sorted(CATALOG.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = PRODUCTS_SCHEMA if path.parent.name == "products" else SHOP_SCHEMA
        assert first.startswith("# yaml-language-server: $schema=")
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == (REPO / "schemas" / schema).resolve()


def _stringify_keys(node):
    if isinstance(node, dict):
        return {str(k): _stringify_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_stringify_keys(v) for v in node]
    return node


def test_example_files_satisfy_the_schema_as_an_editor_reads_them():
    yaml = YAML(typ="safe", pure=True)  # YAML 1.2 types, like the YAML language server
    for path in sorted(CATALOG.rglob("*.yaml")):
        name = PRODUCTS_SCHEMA if path.parent.name == "products" else SHOP_SCHEMA
        schema = json.loads(render_schemas()[name])
        data = _stringify_keys(yaml.load(path.read_text(encoding="utf-8")))
        jsonschema.validate(data, schema)


def test_schema_flags_a_typo_an_editor_would_show():
    schema = json.loads(render_schemas()[PRODUCTS_SCHEMA])
    bad = {"products": {"1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed": {"nmae": "x"}}}
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(bad))
    assert errors


def _seed_differences() -> list[str]:
    """What the example declares differently from the demo seed (a small offline diff)."""
    seed = {p["guid"]: p for p in json.loads(SEED.read_text(encoding="utf-8"))["products"]}
    catalog = load_catalog(CATALOG).catalog
    rename = {
        "brand": "brandCode",
        "defaultCategory": "defaultCategoryGuid",
        "categories": "categoryGuids",
    }
    out = []
    for guid, product in catalog.products.items():
        if guid not in seed:
            out.append(f"create {product.name}")
            continue
        live = seed[guid]
        for f in sorted(product.model_fields_set - {"variants"}):
            if getattr(product, f) != live.get(rename.get(f, f)):
                out.append(f"{live['name']}: {f}")
        live_variants = {v["code"]: v for v in live["variants"]}
        for code, variant in product.variants.items():
            if code not in live_variants:
                out.append(f"create variant {code}")
                continue
            lv = live_variants[code]
            price = lv["prices"]["1"]
            values = {
                "ean": lv["ean"],
                "manufacturerCode": lv["manufacturerCode"],
                "price": Decimal(price["price"]),
                "vatRate": Decimal(price["vatRate"]),
                "commonPrice": price["commonPrice"] and Decimal(price["commonPrice"]),
                "includingVat": price["includingVat"],
                "visible": lv["visible"],
                "availability": lv["availabilityId"],
                "weight": lv["weight"] and Decimal(lv["weight"]),
                "minStockSupply": lv["minStockSupply"] and Decimal(lv["minStockSupply"]),
                "negativeStockAllowed": lv["negativeStockAllowed"] in ("yes", "yes-global"),
            }
            stocks = {int(k): Decimal(s["realStock"]) for k, s in lv["stocks"].items()}
            if "parameters" in variant.model_fields_set:  # names as written, slugs in the seed
                pairs = resolve(variant.parameters, _registry()).pairs
                live_pairs = {p["nameIndex"]: p["valueIndex"] for p in lv["parameters"]}
                values["parameters"] = variant.parameters if pairs == live_pairs else None
            for f in sorted(variant.model_fields_set):
                mine = getattr(variant, f)
                if f == "stock":
                    theirs = stocks if isinstance(mine, dict) else stocks[1]
                    if mine != theirs:
                        out.append(f"{code}: stock")
                elif mine != values[f]:
                    out.append(f"{code}: {f}")
    unmanaged = sorted(seed[g]["name"] for g in seed if g not in catalog.products)
    return sorted(out) + [f"unmanaged {n}" for n in unmanaged]


def _registry():
    from types import SimpleNamespace as NS

    from reconciler.sandbox.seeds import load_seed

    return ParameterRegistry.from_shop(
        NS(
            paramIndex=p["nameIndex"],
            paramName=p["name"],
            displayName=p["displayName"],
            values=[NS(rawValue=v["valueIndex"], paramValue=v["name"]) for v in p["values"]],
        )
        for p in load_seed("demo")["variantParameters"]
    )


def test_example_differs_from_the_demo_seed_only_on_purpose():
    assert _seed_differences() == [
        "CAJ-ASS-50: stock",
        "KAV-COL-250: price",
        "create Káva Peru Chanchamayo",
        "create variant KAV-KEN-500",
        "create Čaj Jasmínový",
        "Čaj Gunpowder: name",
        "Čaj Máta peprná: visibility",
        "unmanaged Dárkový poukaz 500 Kč",
        "unmanaged Kakao Bio 200 g",
        "unmanaged Papírové filtry 100 ks",
        "unmanaged Sirup do kávy Karamel",
    ]


def test_readme_documents_every_field():
    from reconciler.model import PRODUCT_FIELDS, VARIANT_FIELDS, Policy, ShopSettings

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The catalog format", 1)[1].split("\n## ", 1)[0]
    names = [*PRODUCT_FIELDS, *VARIANT_FIELDS, *Policy.model_fields, *ShopSettings.model_fields]
    missing = [n for n in names if f"`{n}`" not in section and f"  {n}:" not in section]
    assert missing == []
    for topic in ("null", "absent: true", "unmanaged", "stock id", "yaml-language-server"):
        assert topic in section


def test_sandbox_plan_of_the_example_shows_only_the_deliberate_differences(monkeypatch, capsys):
    import pytest

    from reconciler.cli import main

    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit) as info:
        main(["--sandbox", "plan", "--format", "json"])
    assert info.value.code == 0
    plan = json.loads(capsys.readouterr().out)
    touched = {(c["action"], c["guid"]) for c in plan["changes"] if c["resource"] == "product"}
    assert touched == {
        ("create", "196d780c-8a2a-4dd5-b4bb-76f699b5d9f9"),  # Káva Peru Chanchamayo
        ("create", "e49d785b-4b9f-4e35-9e0f-ae4db98c047d"),  # Čaj Jasmínový
        ("update", "5acf2ce3-6897-5a63-b13e-c88258d1b29b"),  # visibility
        ("update", "7583ce6b-f097-568c-8819-b112c1b65e5c"),  # name
    }
    codes = {c["code"] for c in plan["changes"] if c["code"]}
    assert codes == {
        "hmotnost:200-g",  # the variant parameter value Peru's 200 g bag needs (issue 14)
        "KAV-PER-200",
        "KAV-PER-500",
        "CAJ-JAS-50",  # the new products' variants
        "KAV-KEN-500",  # new variant
        "KAV-COL-250",  # price
        "CAJ-ASS-50",  # stock
    }
    assert plan["summary"]["actions"]["delete"] == 0
    assert plan["unmanaged"]["count"] == 4
