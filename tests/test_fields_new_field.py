"""A new field declared only in the registry and on the model is carried end to end: the loader
reads it (and lets the YAML clear it), the live side reads it from the detail answer, the plan
compares it and lists it in the variant change, apply writes it under its Shoptet name (update
and create), import writes it quoted in its place, and the JSON Schema offers it (as a number
too). Nothing else is edited. Run in a fresh interpreter, since the tables are built when their
modules are imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    '''
    from pydantic import Field as PField

    from reconciler import fields as F

    # 1. one registry record, right after manufacturerCode
    new = F.Field(
        "supplierCode", F.Level.VARIANT, F.Resource.VARIANT, F.Kind.TEXT,
        write="supplierCodeOut", body=F.Body.VARIANT, read="supplierCodeIn",
        digits=True, imported=F.Imported.QUOTED,
    )
    at = F.FIELDS.index(F.BY_NAME["manufacturerCode"]) + 1
    F.FIELDS = (*F.FIELDS[:at], new, *F.FIELDS[at:])
    F.BY_NAME = {f.name: f for f in F.FIELDS}
    F.PRODUCT, F.VARIANT = F.select(F.Level.PRODUCT), F.select(F.Level.VARIANT)

    # 2. one model attribute (the model stays the source of validation)
    from reconciler import model as M

    class Variant(M.Variant):
        supplierCode: M.Text | None = PField(None, max_length=32, description="Supplier code.")

    class Product(M.Product):
        variants: dict[M.VariantCode, Variant] = PField(default_factory=dict)

    class Catalog(M.Catalog):
        products: dict[M.Guid, Product] = PField(default_factory=dict)

    M.Variant, M.Product, M.Catalog = Variant, Product, Catalog
    M.VARIANT_FIELDS = (*M.VARIANT_FIELDS, "supplierCode")  # model.py derives it on import

    # 3. everything else as it is
    import pathlib, sys, tempfile
    from reconciler.apply import bodies
    from reconciler.desired.load import load_catalog
    from reconciler.desired.schema import products_schema
    from reconciler.importer.build import render_product
    from reconciler.live.convert import includes_for, product_from_detail
    from reconciler.plan.diff import PlanContext, diff
    from reconciler.plan.model import Action, Resource
    from reconciler.shoptet.models import ProductDetail

    G1 = "5c499a23-70ac-11e9-9208-08002774f818"
    G2 = "6d499a23-70ac-11e9-9208-08002774f818"
    root = pathlib.Path(tempfile.mkdtemp())
    (root / "products").mkdir()
    (root / "products" / "p.yaml").write_text(
        f"""products:
      {G1}:
        variants:
          A-1:
            supplierCode: 0012
          A-2:
            supplierCode: null
      {G2}:
        name: New
        defaultCategory: {G1}
        variants:
          B-1:
            supplierCode: "77"
    """
    )
    desired = load_catalog(root)
    a1 = desired.catalog.products[G1].variants["A-1"]
    assert a1.supplierCode == "0012", a1
    assert "supplierCode" in desired.catalog.products[G1].variants["A-2"].model_fields_set

    detail = ProductDetail.model_validate(
        {"guid": G1, "name": "Old", "variants": [
            {"code": "A-1", "supplierCodeIn": "0011"},
            {"code": "A-2", "supplierCodeIn": "X"},
        ]}
    )
    live_product = product_from_detail(detail, pricelist_id=None, default_pricelist_id=None)
    assert live_product.variants["A-1"].supplierCode == "0011"
    live = M.Catalog(products={})
    live = live.model_copy(update={"products": {G1: live_product}})
    assert includes_for(desired.catalog.products[G1], pricelist_id=None,
                        default_pricelist_id=None) == ()

    plan = diff(desired.catalog, live, locations=desired.locations,
                context=PlanContext(catalog_digest="x"))
    updates = {c.code: c for c in plan.changes
               if c.action is Action.UPDATE and c.resource is Resource.VARIANT}
    assert {c: [(f.field, f.before, f.after) for f in ch.fields] for c, ch in updates.items()} == {
        "A-1": [("supplierCode", "0011", "0012")],
        "A-2": [("supplierCode", "X", None)],
    }, updates
    assert updates["A-1"].fields[0].source.endswith("p.yaml:5")
    created = [c for c in plan.changes
               if c.action is Action.CREATE and c.resource is Resource.VARIANT]
    assert [(f.field, f.after) for c in created for f in c.fields] == [("supplierCode", "77")]

    patch = bodies.patch_body({}, [("A-1", {f.field: f.after for f in updates["A-1"].fields})])
    assert patch == {"variants": [{"code": "A-1", "supplierCodeOut": "0012"}]}, patch
    create = bodies.create_body(G2, {"name": "New"}, {"B-1": {"supplierCode": "77"}})
    assert create["variants"] == [{"code": "B-1", "supplierCodeOut": "77"}], create

    values = render_product(live_product, 1)["variants"]["A-1"]
    assert list(values) == ["supplierCode"] and values["supplierCode"] == "0011"
    assert type(values["supplierCode"]).__name__ == "DoubleQuotedScalarString"

    prop = products_schema()["$defs"]["Variant"]["properties"]["supplierCode"]
    assert prop["anyOf"][0] == {"type": "number"}, prop
    assert prop["description"] == "Supplier code."
    print("carried")
    '''
)


def test_a_field_declared_in_the_registry_and_the_model_is_carried_end_to_end():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "carried"
