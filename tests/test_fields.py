"""The field registry (``reconciler.fields``) agrees with the pydantic models, which stay the
source of validation: the same fields at the same level in the same order, the same
nullability (the model holds None for every field; the loader refuses ``null`` exactly where
the registry says so), decimals with the model's places, and read paths that exist on the
client's detail models. Then: the tables that used to list fields by hand still say what they
said before the registry (pinned here, so a registry edit that changes one shows up)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from reconciler import fields as F
from reconciler.desired.load import NOT_NULL_PRODUCT, NOT_NULL_VARIANT, load_catalog
from reconciler.errors import CatalogError
from reconciler.model import Product, Variant
from reconciler.plan import model as plan_model
from reconciler.shoptet import models as shoptet

# Model attributes that are structure, not managed fields.
# ``prices`` holds other pricelists' rows of registry fields (``F.PER_PRICELIST``), like
# ``variants`` holds variants.
NOT_FIELDS = {Product: {"variants", "absent"}, Variant: {"absent", "renamedFrom", "prices"}}
MODEL_OF = {F.Level.PRODUCT: Product, F.Level.VARIANT: Variant}
GUID = "5c499a23-70ac-11e9-9208-08002774f818"


@pytest.mark.parametrize("level", list(F.Level))
def test_every_model_field_is_in_the_registry_and_vice_versa_in_the_same_order(level):
    model = MODEL_OF[level]
    in_model = [n for n in model.model_fields if n not in NOT_FIELDS[model]]
    assert F.names(F.select(level)) == tuple(in_model)


def test_not_fields_really_are_on_the_models():
    for model, names in NOT_FIELDS.items():
        assert names <= set(model.model_fields)


def test_no_field_is_declared_at_both_levels_or_twice():
    assert len(F.BY_NAME) == len(F.FIELDS)
    assert {f.level for f in F.FIELDS} == set(F.Level)


@pytest.mark.parametrize("field", F.FIELDS, ids=lambda f: f.name)
def test_the_model_holds_none_for_every_field(field):
    """Live models carry None where Shoptet sends nothing, and an explicit null in the YAML is
    None = "clear it": so every model field accepts None; whether the YAML may write it is the
    registry's ``nullable``."""
    model = MODEL_OF[field.level]
    assert model.model_validate({field.name: None}).model_fields_set == {field.name}


def test_the_loader_refuses_null_exactly_where_the_registry_says():
    assert {f.name for f in F.PRODUCT if not f.nullable} == NOT_NULL_PRODUCT - {
        "variants",
        "absent",
    }
    assert {f.name for f in F.VARIANT if not f.nullable} == NOT_NULL_VARIANT - {"absent"}


@pytest.mark.parametrize("field", F.FIELDS, ids=lambda f: f.name)
def test_null_in_a_catalog_file_follows_nullable(field, tmp_path: Path):
    if field.level is F.Level.PRODUCT:
        entry = f"    {field.name}: null\n"
    else:
        entry = f"    variants:\n      ABC-1:\n        {field.name}: null\n"
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "p.yaml").write_text(f"products:\n  {GUID}:\n{entry}")
    if field.nullable:
        loaded = load_catalog(tmp_path)
        product = loaded.catalog.products[GUID]
        holder = product if field.level is F.Level.PRODUCT else product.variants["ABC-1"]
        assert field.name in holder.model_fields_set
        assert getattr(holder, field.name) is None
    else:
        with pytest.raises(CatalogError) as err:
            load_catalog(tmp_path)
        assert "null is not allowed here" in str(err.value)


@pytest.mark.parametrize(
    "field", [f for f in F.FIELDS if f.places is not None], ids=lambda f: f.name
)
def test_decimal_places_are_the_models(field):
    model = MODEL_OF[field.level]
    fine = "1." + "0" * (field.places - 1) + "1"
    too_fine = fine + "1"
    assert model.model_validate({field.name: fine})
    with pytest.raises(ValidationError, match=f"at most {field.places} decimal places"):
        model.model_validate({field.name: too_fine})


@pytest.mark.parametrize("field", F.FIELDS, ids=lambda f: f.name)
def test_kinds_match_the_model_types(field):
    model = MODEL_OF[field.level]
    samples = {
        F.Kind.TEXT: ("abc", "abc"),
        F.Kind.HTML: ("<p>x</p>", "<p>x</p>"),
        F.Kind.DECIMAL: ("12", Decimal("12")),
        F.Kind.INTEGER: ("5", 5),
        F.Kind.BOOL: ("true", True),
        F.Kind.GUID: (GUID, GUID),
        F.Kind.GUID_LIST: ([GUID], [GUID]),
        F.Kind.PRODUCT_LINKS: ([GUID], [GUID]),
        F.Kind.FILTERING: ({"Materiál": "bavlna"}, {"Materiál": ["bavlna"]}),
        F.Kind.DESCRIPTIVE: (
            [{"name": "Materiál", "value": "bavlna"}],
            [{"name": "Materiál", "value": "bavlna", "description": None, "priority": 1}],
        ),
        F.Kind.STOCK_MAP: ({"1": "2"}, {1: Decimal("2")}),
        F.Kind.PARAMETERS: ({"Hmotnost": "250 g"}, {"Hmotnost": "250 g"}),
        F.Kind.REFERENCE: ("1 rok", "1 rok"),  # a name; the plan resolves it to the id
        F.Kind.IMAGES: (
            [{"src": "https://cdn.example/a.jpg", "alt": "A"}, {"name": "106.jpg"}],
            [{"src": "https://cdn.example/a.jpg", "alt": "A"}, {"name": "106.jpg"}],
        ),
        F.Kind.IMAGE: ("106.jpg", "106.jpg"),
        F.Kind.FLAGS: (
            {"Akce": {"to": "2026-12-24"}, "new": "false"},
            {"Akce": {"dateFrom": None, "dateTo": "2026-12-24"}, "new": None},
        ),
    }
    if field.name == "measureUnit":  # written {contents, per}, held as Shoptet's four parts
        given = {"contents": "250 g", "per": "1 kg"}
        value = getattr(model.model_validate({field.name: given}), field.name)
        assert value == {
            "packagingUnitId": "g",
            "packagingAmount": Decimal("250"),
            "measureUnitId": "kg",
            "measureAmount": Decimal("1"),
        }
        assert tuple(value) == tuple(p.name for p in field.parts)
        return
    if field.kind is F.Kind.OBJECT:  # its first part, a decimal, as text
        first = field.parts[0]
        assert first.kind is F.Kind.DECIMAL
        value = getattr(model.model_validate({field.name: {first.name: "12"}}), field.name)
        assert value[first.name] == Decimal("12")
        assert set(value) <= {p.name for p in field.parts}
        return
    if field.kind is F.Kind.ENUM:
        choices = model.model_json_schema()["properties"][field.name]["anyOf"][0]["enum"]
        given, expected = choices[0], choices[0]
    else:
        given, expected = samples[field.kind]
    assert getattr(model.model_validate({field.name: given}), field.name) == expected


def test_resources_are_the_plans():
    # the plan's other kinds are shop-wide definitions (the parameter registries, flags), not
    # fields
    registry_additions = {
        "parameter",
        "parameter-value",
        "flag",
        "filtering-parameter",
        "filtering-value",
    }
    assert {r.value for r in F.Resource} == {
        r.value for r in plan_model.Resource
    } - registry_additions


@pytest.mark.parametrize("field", [f for f in F.FIELDS if f.read], ids=lambda f: f.name)
def test_read_paths_exist_on_the_clients_detail_models(field):
    holder = shoptet.ProductDetail if field.level is F.Level.PRODUCT else shoptet.Variant
    head, _, rest = field.read.partition(".")
    assert head.removesuffix("[]") in holder.model_fields
    if rest:
        assert rest in shoptet.Ref.model_fields


def test_every_field_has_a_place_to_be_written():
    for f in F.FIELDS:
        assert f.write and f.body is not None, f.name
        if f.level is F.Level.PRODUCT:
            # the gallery and the link lists have their own requests, the rest the PATCH
            if f.kind is F.Kind.IMAGES:
                assert f.body is F.Body.GALLERY, f.name
            else:
                assert f.body in (F.Body.PRODUCT, F.Body.PRODUCT_LINKS), f.name


# ---------------------------------------------------------------------------------------------
# What the derived tables say (the hand-written tables they replaced, pinned)


def test_derived_tables_are_what_the_hand_written_ones_were():
    from reconciler.apply import bodies
    from reconciler.desired import schema
    from reconciler.importer import build
    from reconciler.live import convert
    from reconciler.plan import diff, normalize, parts

    assert diff.VARIANT_FIELDS == (
        "ean",
        "manufacturerCode",
        "pluCode",
        "isbn",
        "serialNo",
        "mpn",
        "visible",
        "availability",
        "availabilityWhenSoldOut",
        "unit",
        "measureUnit",
        "weight",
        "minStockSupply",
        "negativeStockAllowed",
        "parameters",
        "image",
    )
    assert diff.PRICE_FIELDS == (
        "price",
        "commonPrice",
        "vatRate",
        "includingVat",
        "actionPrice",
        "purchasePrice",
        "orderableAmount",
    )
    assert convert.PRICE_FIELDS == diff.PRICE_FIELDS
    assert diff.NOT_ON_CREATE == (
        "commonPrice",
        "vatRate",
        "includingVat",
        "actionPrice",
        "purchasePrice",
        "orderableAmount",
    )
    assert diff.CREATE_ONLY == ("type",)
    assert diff.REQUIRED_ON_CREATE == ("name", "defaultCategory")
    assert (
        tuple(n for n in Product.model_fields if n not in ("variants", "absent"))
        == parts.PRODUCT_FIELD_ORDER
    )
    assert tuple(n for n in Variant.model_fields if n not in NOT_FIELDS[Variant]) == (
        parts.VARIANT_FIELD_ORDER
    )
    decimals = {"price", "commonPrice", "vatRate", "weight", "minStockSupply"}
    assert normalize.DECIMAL_FIELDS == decimals == build.DECIMALS
    assert normalize.HTML_FIELDS == {"shortDescription", "description"} == build.HTML
    assert {"defaultCategory"} == normalize.GUID_FIELDS
    assert {"categories"} == normalize.GUID_LIST_FIELDS
    assert bodies.PRODUCT_WRITE_NAMES == {
        "name": "name",
        "visibility": "visibility",
        "type": "type",
        "shortDescription": "shortDescription",
        "description": "description",
        "metaTitle": "metaTitle",
        "metaDescription": "metaDescription",
        "additionalName": "additionalName",
        "internalNote": "internalNote",
        "flags": "flagsManagement",
        "descriptiveParameters": "descriptiveParameters",
        "filteringParameters": "filteringParameters",
        "brand": "brandCode",
        "defaultCategory": "defaultCategoryGuid",
        "categories": "categoryGuids",
        "warranty": "warrantyId",
        "supplier": "supplierGuid",
    }
    assert bodies.VARIANT_WRITE_NAMES == {
        "ean": "ean",
        "manufacturerCode": "manufacturerCode",
        "pluCode": "pluCode",
        "isbn": "isbn",
        "serialNo": "serialNo",
        "mpn": "mpn",
        "visible": "visible",
        "availability": "availabilityId",
        "availabilityWhenSoldOut": "availabilityWhenSoldOutId",
        "unit": "unitId",
        "measureUnit": "measureUnit",
        "weight": "weight",
        "minStockSupply": "minStockSupply",
        "negativeStockAllowed": "negativeStockAllowed",
        "parameters": "parameters",
        "image": "image",
    }
    assert bodies._PLACES == {
        "weight": 3,
        "minStockSupply": 3,
        "price": 2,
        "commonPrice": 2,
        "vatRate": 2,
    }
    assert (convert.ALL_CATEGORIES, convert.PER_STOCK, convert.PER_PRICELIST) == (
        "allCategories",
        "perStockAmounts",
        "perPricelistPrices",
    )
    assert build.PRODUCT_ORDER == (
        "name",
        "visibility",
        "brand",
        "defaultCategory",
        "categories",
        "flags",
        "warranty",
        "supplier",
        "filteringParameters",
        "shortDescription",
        "description",
        "metaTitle",
        "metaDescription",
        "additionalName",
        "internalNote",
        "descriptiveParameters",
        "relatedProducts",
        "alternativeProducts",
    )
    assert bodies.LINK_FIELDS == ("relatedProducts", "alternativeProducts")
    assert build.VARIANT_ORDER == (
        "parameters",
        "ean",
        "manufacturerCode",
        "pluCode",
        "isbn",
        "serialNo",
        "mpn",
        "price",
        "commonPrice",
        "vatRate",
        "includingVat",
        "actionPrice",
        "purchasePrice",
        "orderableAmount",
        "visible",
        "availability",
        "availabilityWhenSoldOut",
        "unit",
        "measureUnit",
        "weight",
        "minStockSupply",
        "stock",
    )
    assert {"visible", "includingVat", "negativeStockAllowed"} == build.BOOLS
    codes = ("ean", "manufacturerCode", "pluCode", "isbn", "serialNo", "mpn")
    assert set(codes) == build.QUOTED
    assert codes == schema._NUMBER_TOO
    assert {
        "name",
        "visibility",
        "type",
        "defaultCategory",
        "categories",
        "flags",
        "images",  # [] deletes every image; null would say nothing more
        "descriptiveParameters",  # [] clears the table
        "filteringParameters",  # {} clears them
        "relatedProducts",  # [] clears a list
        "alternativeProducts",
        "variants",
        "absent",
    } == NOT_NULL_PRODUCT
    assert {
        "price",
        "vatRate",
        "includingVat",
        "visible",
        "negativeStockAllowed",
        "stock",
        "unit",
        "absent",
    } == NOT_NULL_VARIANT
    # import keeps a stated non-null key it has no live value for; ``type`` joined the set
    # with the registry (before, a refresh of an entry stating ``type`` wrote ``type: null``,
    # which the loader refuses, so the import failed)
    assert (NOT_NULL_PRODUCT | NOT_NULL_VARIANT) - {"variants", "absent"} == build.NOT_NULL


def test_a_row_under_prices_has_the_registry_fields_kept_per_pricelist():
    from reconciler.model import PricelistPrices

    assert tuple(PricelistPrices.model_fields) == F.names(F.PER_PRICELIST)
    assert "purchasePrice" not in PricelistPrices.model_fields  # the default pricelist's only
