"""One plan with everything a reader can meet, for the ``full`` golden files and the
screenshot: registry additions, product create/update/delete (one placed by the catalog, one
pruned), variant create/update/delete (with their parameters by name), prices in the shop's currency, stock in named stocks,
a long HTML description change, removed and unmentioned entries, ignore rules, unmanaged
products and a refused price guard.

GUIDs are chosen so that GUID order differs from catalog order (what the renderers must use).
"""

from __future__ import annotations

from decimal import Decimal

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import (
    Action,
    CatalogEntry,
    CatalogNotes,
    Change,
    Currency,
    FieldChange,
    IgnoredRule,
    Names,
    Plan,
    Resource,
    Scope,
    Unmanaged,
    UnmanagedProduct,
)

COFFEE = "catalog/products/coffee.yaml"
TEA = "catalog/products/tea.yaml"
KOLUMBIE = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # coffee.yaml:40, price only
PERU = "f96d780c-3a1e-5b0e-8f6e-6f5d2c1a9b01"  # coffee.yaml:3, created
MATE = "0acf2ce3-1111-4a4a-9b9b-5e5e5e5e5e5e"  # tea.yaml:5, long description
SENCHA = "a1b2c3d4-0000-4000-8000-00000000000a"  # coffee.yaml:80, absent: true
PRUNED = "00000000-dead-4000-8000-000000000001"  # pruned: no catalog line
ZRNKOVA = "b9e6b7dc-3057-5ac1-9792-f17d839243b8"

OLD_DESCRIPTION = (
    "<h2>Máta peprná</h2>"
    "<p>Bylinný čaj z listů máty peprné, sušený šetrně při nízké teplotě.</p>"
    "<ul><li>Osvěžující</li><li>Bez kofeinu</li><li>Balení 50 g</li></ul>"
    "<p>Příprava: 2 g na 250 ml vody o teplotě 95 °C, louhovat 5 minut.</p>"
)
NEW_DESCRIPTION = OLD_DESCRIPTION.replace("Balení 50 g", "Balení 100 g").replace(
    "5 minut", "5 až 7 minut"
)

C, U, D = Action.CREATE, Action.UPDATE, Action.DELETE
P, V, PR, S = Resource.PRODUCT, Resource.VARIANT, Resource.PRICE, Resource.STOCK


def _fc(field, before, after, line, file=COFFEE):
    return FieldChange(field, before, after, f"{file}:{line}")


def full_changes() -> list[Change]:
    peru = "Káva Peru Chanchamayo"
    mate = "Čaj Máta peprná"
    return [
        Change(
            C,
            Resource.PARAMETER,
            "",
            "hmotnost",
            fields=(_fc("paramName", None, "Hmotnost", 9),),
            source=f"{COFFEE}:9",
        ),
        Change(
            C,
            Resource.PARAMETER_VALUE,
            "",
            "hmotnost:200-g",
            fields=(_fc("paramValue", None, "200 g", 9),),
            source=f"{COFFEE}:9",
        ),
        # coffee.yaml:3: a new product with one variant
        Change(
            C,
            P,
            PERU,
            fields=(
                _fc("name", None, peru, 4),
                _fc("visibility", None, "visible", 5),
                _fc("defaultCategory", None, ZRNKOVA, 6),
                _fc("categories", None, [ZRNKOVA], 7),
                _fc("brand", None, "zrnkovna", 8),
            ),
            source=f"{COFFEE}:3",
            name=peru,
        ),
        Change(
            C,
            V,
            PERU,
            "KAV-PER-200",
            fields=(
                _fc("ean", None, "8590032000312", 10),
                _fc("visible", None, True, 11),
                _fc("weight", None, "0.25", 12),
                _fc("parameters", None, {"hmotnost": "200-g"}, 9),
            ),
            source=f"{COFFEE}:9",
            name=peru,
        ),
        Change(
            C,
            PR,
            PERU,
            "KAV-PER-200",
            fields=(_fc("price", None, "199", 13), _fc("vatRate", None, "12", 14)),
            source=f"{COFFEE}:9",
            name=peru,
            reason="Shoptet's product create cannot set vatRate; apply sets it in the pricelist",
        ),
        Change(
            C,
            S,
            PERU,
            "KAV-PER-200",
            stock_id=2,
            fields=(_fc("stock", None, "5", 15),),
            source=f"{COFFEE}:9",
            name=peru,
        ),
        # coffee.yaml:40: only a price (no product-level change)
        Change(
            U,
            PR,
            KOLUMBIE,
            "KAV-COL-250",
            fields=(_fc("price", "209", "419", 56), _fc("commonPrice", None, "450", 57)),
            source=f"{COFFEE}:52",
            name="Káva Kolumbie Supremo",
        ),
        # coffee.yaml:80: deleted with absent: true
        Change(
            D,
            P,
            SENCHA,
            fields=(FieldChange("name", "Káva Sencha omylem", None),),
            source=f"{COFFEE}:80",
            name="Káva Sencha omylem",
        ),
        # tea.yaml:5: texts, a variant update, a variant delete, stock
        Change(
            U,
            P,
            MATE,
            fields=(
                _fc("name", "Čaj Máta", mate, 6, TEA),
                _fc("description", OLD_DESCRIPTION, NEW_DESCRIPTION, 9, TEA),
                _fc("internalNote", "sklad B", None, 20, TEA),
            ),
            source=f"{TEA}:5",
            name=mate,
        ),
        Change(
            U,
            V,
            MATE,
            "CAJ-MAT-50",
            fields=(
                _fc("visible", False, True, 24, TEA),
                _fc("ean", "0859", "08590", 23, TEA),
                # one value changed, one parameter added, one removed
                _fc(
                    "parameters",
                    {"baleni": "50-g", "forma": "sacky"},
                    {"baleni": "100-g", "puvod": "cz"},
                    26,
                    TEA,
                ),
            ),
            source=f"{TEA}:22",
            name=mate,
        ),
        Change(
            U,
            S,
            MATE,
            "CAJ-MAT-50",
            stock_id=1,
            fields=(_fc("stock", "30", "42", 25, TEA),),
            source=f"{TEA}:22",
            name=mate,
        ),
        Change(D, V, MATE, "CAJ-MAT-20", source=f"{TEA}:27", name=mate),
        # pruned: the shop has it, no catalog file mentions it (policy.prune)
        Change(
            D,
            P,
            PRUNED,
            fields=(FieldChange("name", "Starý vzorek", None),),
            name="Starý vzorek",
            reason="not in the catalog and policy.prune is on",
        ),
    ]


def full_plan(**overrides) -> Plan:
    changes = overrides.pop("changes", full_changes())
    policy = GuardPolicy(max_deletes=10, max_price_change=Decimal("0.5"))
    kwargs = dict(
        catalog_digest="ef" * 32,
        changes=tuple(changes),
        guards=compute_guards(changes, policy=policy, existing_managed=30),
        unmanaged=Unmanaged(
            3,
            (
                UnmanagedProduct("99999999-0000-4000-8000-000000000001", "Dárkový poukaz"),
                UnmanagedProduct("99999999-0000-4000-8000-000000000002", None),
            ),
        ),
        ignored=(IgnoredRule("metaTitle", 2),),
        eshop_id=222651,
        pricelist_id=1,
        default_stock_id=1,
        git_commit="0123456789abcdef0123456789abcdef01234567",
        tool_version="0.1.0",
        scope=Scope(),
        names=Names(
            categories={ZRNKOVA: "Zrnková káva"},
            brands={"zrnkovna": "Zrnkovna"},
            stocks={1: "Hlavní sklad Brno", 2: "Prodejna Praha"},
            pricelists={1: "Základní ceník"},
            currency=Currency("CZK", "Kč", 2),
            parameters={
                "hmotnost": "Hmotnost",
                "baleni": "Balení",
                "forma": "Forma",
                "puvod": "Původ",
            },
            parameter_values={
                "hmotnost": {"200-g": "200 g"},
                "baleni": {"50-g": "50 g", "100-g": "100 g"},
                "forma": {"sacky": "sáčky"},
                "puvod": {"cz": "Česko"},
            },
        ),
        notes=CatalogNotes(
            removed=(CatalogEntry("c7ad94db-2ca4-524d-b9f4-dd90008efa87", None, "Kakao Bio"),),
            unmentioned=(CatalogEntry(KOLUMBIE, "KAV-COL-1000", "Káva Kolumbie Supremo"),),
            unmentioned_count=1,
        ),
    )
    kwargs.update(overrides)
    return Plan(**kwargs)
