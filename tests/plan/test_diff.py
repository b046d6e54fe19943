"""diff.py: what is compared, what is created, deleted, ignored, and where it was written."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.model import Catalog, Policy, Product, ShopSettings, Variant
from reconciler.plan.diff import PlanContext, changed_fields, diff
from reconciler.plan.model import NOTES_LISTED, Action, CatalogEntry, Resource, Scope

G1 = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
G2 = "5c499a23-70ac-11e9-9208-08002774f818"
G3 = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
CAT = "0f2b1c3d-0000-4000-8000-000000000001"
CTX = PlanContext("ab" * 32, default_stock_id=1, pricelist_id=1, eshop_id=42)


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def live_product(name="Čokoláda", **fields) -> Product:
    base = dict(
        name=name,
        visibility="visible",
        description="<p>Live</p>",
        shortDescription=None,
        defaultCategory=CAT,
        categories=[CAT],
        brand="milka",
        variants={
            "A-1": Variant(
                ean="111",
                price="10.00",
                commonPrice=None,
                vatRate="21.00",
                includingVat=True,
                stock={1: "5.000", 2: "0.000"},
                visible=True,
                availability=-1,
                weight="0.500",
                negativeStockAllowed=False,
            )
        },
    )
    base.update(fields)
    return Product(**base)


def catalog(products, **kw) -> Catalog:
    return Catalog(products=products, **kw)


def plan_for(desired, live, **ctx):
    context = PlanContext(**{**CTX.__dict__, **ctx}) if ctx else CTX
    return diff(desired, live, context=context)


def only(plan):
    assert len(plan.changes) == 1, [c.id for c in plan.changes]
    return plan.changes[0]


# --- what is compared -------------------------------------------------------------------------


def test_unstated_fields_are_never_diffed():
    desired = catalog({G1: Product(name="Čokoláda", variants={"A-1": Variant(ean="111")})})
    live = catalog({G1: live_product(description="<p>anything</p>", brand="other")})
    assert plan_for(desired, live).is_empty


def test_a_single_changed_field_gives_exactly_one_change():
    desired = catalog({G1: Product(variants={"A-1": Variant(price="12.50")})})
    change = only(plan_for(desired, catalog({G1: live_product()})))
    assert (change.action, change.resource, change.id) == (
        Action.UPDATE,
        Resource.PRICE,
        f"price:{G1}:A-1",
    )
    assert [(f.field, f.before, f.after) for f in change.fields] == [("price", "10", "12.5")]


def test_explicit_null_clears():
    desired = catalog({G1: Product(description=None)})
    change = only(plan_for(desired, catalog({G1: live_product()})))
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("description", "<p>Live</p>", None)
    ]


def test_null_equals_empty_text():
    desired = catalog({G1: Product(shortDescription=None, description="")})
    live = catalog({G1: live_product(shortDescription="", description=None)})
    assert plan_for(desired, live).is_empty


def test_nfc_and_nfd_names_are_equal():
    nfd = unicodedata.normalize("NFD", "Čokoláda")
    desired = catalog({G1: Product.model_construct(_fields_set={"name"}, name=nfd, variants={})})
    assert desired.products[G1].name == nfd
    assert plan_for(desired, catalog({G1: live_product("Čokoláda")})).is_empty


@pytest.mark.parametrize("price, stock", [("10", "5"), ("10.0", "5.000"), ("10.00", "5.0")])
def test_decimals_compare_as_numbers(price, stock):
    desired = catalog({G1: Product(variants={"A-1": Variant(price=price, stock=stock)})})
    assert plan_for(desired, catalog({G1: live_product()})).is_empty


def test_resource_split_and_sources():
    desired = catalog(
        {
            G1: Product(
                name="Nová",
                variants={
                    "A-1": Variant(
                        ean="222",
                        weight="1",
                        vatRate="12",
                        includingVat=False,
                        stock={1: "6", 2: "1"},
                    )
                },
            )
        }
    )
    locations = {
        (G1,): _Loc("p.yaml", 2),
        (G1, "name"): _Loc("p.yaml", 3),
        (G1, "variants", "A-1"): _Loc("p.yaml", 5),
        (G1, "variants", "A-1", "ean"): _Loc("p.yaml", 6),
        (G1, "variants", "A-1", "stock"): _Loc("p.yaml", 9),
    }
    plan = diff(desired, catalog({G1: live_product()}), locations=locations, context=CTX)
    by_id = {c.id: c for c in plan.changes}
    assert sorted(by_id) == sorted(
        [
            f"product:{G1}",
            f"variant:{G1}:A-1",
            f"price:{G1}:A-1",
            f"stock:{G1}:A-1:1",
            f"stock:{G1}:A-1:2",
        ]
    )
    assert by_id[f"product:{G1}"].fields[0].source == "p.yaml:3"
    assert by_id[f"product:{G1}"].source == "p.yaml:2"
    variant = by_id[f"variant:{G1}:A-1"]
    assert [(f.field, f.before, f.after, f.source) for f in variant.fields] == [
        ("ean", "111", "222", "p.yaml:6"),
        ("weight", "0.5", "1", None),
    ]
    assert variant.source == "p.yaml:5"
    price = by_id[f"price:{G1}:A-1"]
    assert [(f.field, f.before, f.after) for f in price.fields] == [
        ("vatRate", "21", "12"),
        ("includingVat", True, False),
    ]
    stock2 = by_id[f"stock:{G1}:A-1:2"]
    assert (stock2.stock_id, stock2.fields[0].before, stock2.fields[0].after) == (2, "0", "1")
    assert stock2.fields[0].source == "p.yaml:9"


class _Loc:
    def __init__(self, file, line, column=3):
        self.file, self.line, self.column = file, line, column


def test_scalar_stock_means_the_default_stock_and_shop_yaml_wins():
    desired = catalog({G1: Product(variants={"A-1": Variant(stock="9")})})
    assert only(plan_for(desired, catalog({G1: live_product()}))).stock_id == 1
    desired = catalog(
        {G1: Product(variants={"A-1": Variant(stock="9")})}, shop=ShopSettings(defaultStock=2)
    )
    # shop.yaml wins where the shop is read (ShopInfo); the context carries the resolved id
    plan = plan_for(desired, catalog({G1: live_product()}), default_stock_id=2)
    assert only(plan).stock_id == 2 and plan.default_stock_id == 2


def test_product_type_is_create_only():
    desired = catalog({G1: Product(type="service")})
    assert plan_for(desired, catalog({G1: live_product(type="product")})).is_empty


def test_changed_fields_uses_normalised_values():
    assert changed_fields({"a": "1", "b": [1]}, {"a": "1", "b": [1]}) == []
    assert changed_fields({"a": None, "b": True}, {"a": "", "b": 1}) == ["a", "b"]


# --- creates ---------------------------------------------------------------------------------


def new_product(**kw) -> Product:
    base = dict(
        name="Nová",
        type="product",
        defaultCategory=CAT,
        categories=[CAT],
        variants={
            "N-1": Variant(price="99.90", vatRate="21", commonPrice="120", stock={1: "5", 3: "2"}),
            "N-2": Variant(ean="00123", manufacturerCode=None, commonPrice=None),
            "N-3": Variant(absent=True),
        },
    )
    base.update(kw)
    return Product(**base)


def test_create_is_the_product_then_each_variant_as_its_own_creates():
    plan = plan_for(catalog({G2: new_product()}), catalog({}))
    assert [(c.action.value, c.id) for c in plan.changes] == [
        ("create", f"product:{G2}"),
        ("create", f"variant:{G2}:N-1"),
        ("create", f"price:{G2}:N-1"),
        ("create", f"stock:{G2}:N-1:1"),
        ("create", f"stock:{G2}:N-1:3"),
        ("create", f"variant:{G2}:N-2"),
    ]
    create, v1, p1, s1, s3, v2 = plan.changes
    # the product create carries product fields only (no nested variants: formatVersion 2)
    assert [f.field for f in create.fields] == ["name", "type", "defaultCategory", "categories"]
    assert create.after == {
        "name": "Nová",
        "type": "product",
        "defaultCategory": CAT,
        "categories": [CAT],
    }
    # the same shape a new variant of an existing product gets
    assert v1.after == {} and v2.after == {"ean": "00123"}
    assert p1.after == {"price": "99.9", "commonPrice": "120", "vatRate": "21"}
    assert "cannot set" in p1.reason
    assert (s1.after, s3.after) == ({"stock": "5"}, {"stock": "2"})
    assert s1.reason is None and v1.reason is None
    json.loads(plan.to_json())  # JSON-ready all the way down


def test_a_new_products_variant_and_an_existing_products_new_variant_look_alike():
    desired = {"N-1": Variant(ean="9", price="5", stock="3")}
    new = plan_for(catalog({G2: new_product(variants=desired)}), catalog({}))
    added = plan_for(catalog({G1: Product(variants=desired)}), catalog({G1: live_product()}))

    def shape(changes):
        return [(c.action, c.resource, c.code, c.stock_id, c.after) for c in changes]

    assert new.changes[0].resource is Resource.PRODUCT
    assert shape(new.changes[1:]) == shape(added.changes)


def test_nulls_are_left_out_of_creates():
    desired = catalog(
        {
            G2: new_product(description=None, shortDescription=""),
            G1: Product(variants={"NEW": Variant(ean=None, price=None, stock=None, visible=True)}),
        }
    )
    plan = plan_for(desired, catalog({G1: live_product()}))
    create = next(c for c in plan.changes if c.id == f"product:{G2}")
    assert "description" not in create.after and "shortDescription" not in create.after
    assert [(c.id, c.after) for c in plan.changes if c.guid == G1] == [
        (f"variant:{G1}:NEW", {"visible": True})
    ]


def test_create_without_required_fields_is_a_located_catalog_error():
    desired = catalog({G2: Product(name="X", variants={}), G3: Product(defaultCategory=CAT)})
    locations = {(G2,): _Loc("products/x.yaml", 4)}
    with pytest.raises(CatalogError) as err:
        diff(desired, catalog({}), locations=locations, context=CTX)
    messages = [str(p) for p in err.value.problems]
    assert any(
        m.startswith("products/x.yaml:4:3:") and "defaultCategory, at least one variant" in m
        for m in messages
    )
    assert any("state name" in m for m in messages)


def test_new_variant_on_an_existing_product():
    desired = catalog(
        {
            G1: Product(
                variants={"NEW-9": Variant(ean="9", price="5", stock="3"), "NEW-8": Variant()}
            )
        }
    )
    plan = plan_for(desired, catalog({G1: live_product()}))
    assert [(c.action.value, c.id) for c in plan.changes] == [
        ("create", f"variant:{G1}:NEW-8"),
        ("create", f"variant:{G1}:NEW-9"),
        ("create", f"price:{G1}:NEW-9"),
        ("create", f"stock:{G1}:NEW-9:1"),
    ]
    assert plan.changes[0].after == {}
    assert plan.changes[1].after == {"ean": "9"}
    assert plan.changes[3].after == {"stock": "3"}


# --- deletions, unmanaged, prune ---------------------------------------------------------------


def test_product_tombstone_deletes_only_what_exists():
    desired = catalog({G1: Product(absent=True), G2: Product(absent=True)})
    change = only(plan_for(desired, catalog({G1: live_product("Stará")})))
    assert (change.action, change.resource, change.guid) == (
        Action.DELETE,
        Resource.PRODUCT,
        G1,
    )
    assert change.before == {"name": "Stará"} and change.name == "Stará"


def test_variant_tombstone_deletes_only_what_exists():
    live = live_product(variants={"A-1": Variant(), "A-2": Variant()})
    desired = catalog(
        {G1: Product(variants={"A-2": Variant(absent=True), "Z": Variant(absent=True)})}
    )
    change = only(plan_for(desired, catalog({G1: live})))
    assert (change.action, change.id, change.reason) == (
        Action.DELETE,
        f"variant:{G1}:A-2",
        None,
    )


def test_deleting_the_last_variant_says_the_product_goes_too():
    desired = catalog({G1: Product(variants={"A-1": Variant(absent=True)})})
    change = only(plan_for(desired, catalog({G1: live_product()})))
    assert "last variant" in change.reason


def test_unmanaged_products_are_counted_listed_and_never_changed():
    live = catalog({guid(n): live_product(f"Live {n}") for n in range(25)} | {G1: live_product()})
    plan = plan_for(catalog({G1: Product(name="Čokoláda")}), live)
    assert plan.is_empty
    assert plan.unmanaged.count == 25
    assert [u.guid for u in plan.unmanaged.listed] == [guid(n) for n in range(20)]
    assert plan.unmanaged.listed[0].name == "Live 0"


def test_prune_plans_deletion_of_unmentioned_products():
    live = catalog({guid(n): live_product(f"Live {n}") for n in range(3)} | {G1: live_product()})
    desired = catalog({G1: Product(name="Čokoláda")}, policy=Policy(prune=True))
    plan = plan_for(desired, live)
    assert [c.id for c in plan.changes] == [f"product:{guid(n)}" for n in range(3)]
    assert all(c.action is Action.DELETE and "prune" in c.reason for c in plan.changes)
    assert plan.unmanaged.count == 0
    guard = {g.name: g for g in plan.guards}
    assert guard["delete-limit"].numbers["deletions"] == 3
    assert guard["delete-all"].ok  # G1 stays
    assert guard["bulk"].numbers["existingManaged"] == 4


def test_guards_see_existing_managed_products():
    live = catalog({guid(n): live_product(f"P{n}") for n in range(10)})
    desired = catalog(
        {guid(n): Product(name=f"New {n}") for n in range(3)}
        | {guid(n): Product(name=f"P{n}") for n in range(3, 10)}
        | {G2: new_product()}
    )
    plan = plan_for(desired, live)
    bulk = {g.name: g for g in plan.guards}["bulk"]
    assert (bulk.ok, bulk.numbers["changed"], bulk.numbers["existingManaged"]) == (False, 3, 10)


def test_tombstoning_every_managed_product_is_refused():
    live = catalog({G1: live_product(), G2: live_product()})
    plan = plan_for(catalog({G1: Product(absent=True), G2: Product(absent=True)}), live)
    assert not {g.name: g for g in plan.guards}["delete-all"].ok


# --- ignore ----------------------------------------------------------------------------------


def test_ignore_rules_drop_fields_and_are_listed():
    desired = catalog(
        {
            G1: Product(
                description="<p>Desired</p>",
                variants={"A-1": Variant(stock="99", price="1", ean="999")},
            ),
            G2: new_product(description="<p>x</p>"),
        },
        ignore=["description", "variants.*.stock", "variants.A-1.price", "metaTitle"],
    )
    plan = plan_for(desired, catalog({G1: live_product()}))
    ids = [c.id for c in plan.changes]
    assert ids == [
        f"variant:{G1}:A-1",
        f"product:{G2}",
        f"variant:{G2}:N-1",
        f"price:{G2}:N-1",
        f"variant:{G2}:N-2",
    ]
    create = plan.changes[1]
    assert "description" not in create.after
    assert plan.changes[3].after == {"price": "99.9", "commonPrice": "120", "vatRate": "21"}
    assert [(i.rule, i.fields) for i in plan.ignored] == [
        ("description", 2),
        ("variants.*.stock", 2),
        ("variants.A-1.price", 1),
        ("metaTitle", 0),
    ]


# --- scope -----------------------------------------------------------------------------------


def test_targeted_plan_compares_only_targets_and_skips_unmanaged_and_prune():
    live = catalog({G1: live_product(), G3: live_product("Stray")})
    desired = catalog({G1: Product(name="X"), G2: new_product()}, policy=Policy(prune=True))
    by_code = plan_for(desired, live, scope=Scope.targeted(["a-1"]))
    assert [c.id for c in by_code.changes] == [f"product:{G1}"]
    assert by_code.unmanaged.count is None
    by_guid = plan_for(desired, live, scope=Scope.targeted([G2.upper()], ref="main"))
    assert [c.id for c in by_guid.changes] == [
        f"product:{G2}",
        f"variant:{G2}:N-1",
        f"price:{G2}:N-1",
        f"stock:{G2}:N-1:1",
        f"stock:{G2}:N-1:3",
        f"variant:{G2}:N-2",
    ]
    assert by_guid.scope.ref == "main"


# --- determinism and the loader's locations ---------------------------------------------------


def test_same_inputs_give_byte_identical_plan_json():
    def build(order):
        products = {
            G1: Product(name="X", variants={"A-1": Variant(price="3")}),
            G2: new_product(),
            G3: Product(absent=True),
        }
        desired = catalog(dict(sorted(products.items(), reverse=order)))
        live = catalog({G3: live_product("Old"), G1: live_product()})
        return plan_for(desired, live).to_json()

    assert build(False).encode() == build(True).encode()


def test_sources_come_from_the_yaml_files(monkeypatch):
    monkeypatch.chdir(Path(__file__).parent / "fixtures")
    loaded = load_catalog(Path("catalog"))
    live = catalog(
        {
            G1: live_product(
                "Velká čokoláda",
                variants={
                    "CHOC-100": Variant(ean="8594001234567", price="120", stock={1: "50"}),
                    "CHOC-OLD": Variant(),
                },
            )
        }
    )
    plan = diff(loaded.catalog, live, locations=loaded.locations, context=CTX)
    by_id = {c.id: c for c in plan.changes}
    assert sorted(by_id) == [
        f"price:{G1}:CHOC-100",
        f"product:{G1}",
        f"variant:{G1}:CHOC-OLD",
    ]
    assert by_id[f"price:{G1}:CHOC-100"].fields[0].source == "catalog/products/choc.yaml:9"
    assert by_id[f"product:{G1}"].fields[0].source == "catalog/products/choc.yaml:5"
    assert by_id[f"variant:{G1}:CHOC-OLD"].source == "catalog/products/choc.yaml:11"
    assert [(i.rule, i.fields) for i in plan.ignored] == [("metaDescription", 0)]


def test_targeted_plan_counts_out_of_scope_products_for_the_bulk_share():
    # 12 products in the catalog, only 2 read live (the targets); the other 10 are assumed
    # to exist, so changing the 2 targets is 2 of 12, not 2 of 2.
    desired = catalog({guid(n): Product(name=f"New {n}") for n in range(12)})
    live = catalog({guid(n): live_product(f"Old {n}") for n in range(2)})
    plan = plan_for(desired, live, scope=Scope.targeted([guid(0), guid(1)]))
    bulk = {g.name: g for g in plan.guards}["bulk"]
    assert (bulk.numbers["changed"], bulk.numbers["existingManaged"], bulk.ok) == (2, 12, True)
    delete_all = plan_for(
        catalog({G1: Product(absent=True), G2: Product(name="Stays")}),
        catalog({G1: live_product()}),
        scope=Scope.targeted([G1]),
    )
    assert {g.name: g for g in delete_all.guards}["delete-all"].ok


# --- notes: live variants the catalog does not mention, entries removed from it ----------------


def test_live_variants_the_catalog_does_not_mention_are_listed_and_left_alone():
    live = live_product(variants={c: Variant() for c in ("A-1", "B-1", "C-1")})
    desired = catalog({G1: Product(name="Čokoláda", variants={"A-1": Variant()})})
    plan = plan_for(desired, catalog({G1: live}))
    assert plan.is_empty
    assert [(e.guid, e.code, e.name) for e in plan.notes.unmentioned] == [
        (G1, "B-1", "Čokoláda"),
        (G1, "C-1", "Čokoláda"),
    ]
    assert plan.notes.unmentioned_count == 2 and plan.notes.removed == ()


def test_unmentioned_variants_are_listed_compactly_and_tombstones_are_mentions():
    codes = [f"V-{i:03d}" for i in range(NOTES_LISTED + 5)]
    live = live_product(variants={c: Variant() for c in codes})
    desired = catalog({G1: Product(variants={codes[0]: Variant(absent=True)})})
    plan = plan_for(desired, catalog({G1: live}))
    assert [c.id for c in plan.changes] == [f"variant:{G1}:{codes[0]}"]
    assert len(plan.notes.unmentioned) == NOTES_LISTED
    assert plan.notes.unmentioned_count == len(codes) - 1
    assert plan.notes.unmentioned[0].code == codes[1]


def test_removed_entries_are_listed_unless_the_plan_deletes_them():
    removed = (
        CatalogEntry(G2, None, None),  # not in the YAML any more; name from the shop
        CatalogEntry(G1, "B-1", "Čokoláda"),
        CatalogEntry(G3, None, "Pruned"),
    )
    live = live_product(variants={"A-1": Variant(), "B-1": Variant()})
    desired = catalog({G1: Product(variants={"A-1": Variant()})}, policy=Policy(prune=True))
    have = catalog({G1: live, G2: live_product("Živá"), G3: live_product("Pruned")})
    scope = Scope.targeted([G1, G3], ref="main")
    plan = plan_for(desired, have, scope=scope, removed=removed)
    assert [c.id for c in plan.changes] == [f"product:{G3}"]  # pruned: a deletion, not a note
    assert [(e.guid, e.code, e.name) for e in plan.notes.removed] == [
        (G2, None, "Živá"),
        (G1, "B-1", "Čokoláda"),
    ]
    assert plan.notes.unmentioned == ()  # B-1 is said once, as removed
