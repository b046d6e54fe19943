"""Hand-built plans for the plan and render tests: every action and resource kind."""

from __future__ import annotations

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import (
    Action,
    Change,
    FieldChange,
    IgnoredRule,
    Plan,
    Resource,
    Scope,
    Unmanaged,
    UnmanagedProduct,
)

NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
UPD = "5c499a23-70ac-11e9-9208-08002774f818"
GONE = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
CAT = "0f2b1c3d-0000-4000-8000-000000000001"
F = "catalog/products/choc.yaml"

C, U, D = Action.CREATE, Action.UPDATE, Action.DELETE
P, V, PR, S = Resource.PRODUCT, Resource.VARIANT, Resource.PRICE, Resource.STOCK


def sample_changes() -> list[Change]:
    return [
        Change(
            C,
            P,
            NEW,
            fields=(
                FieldChange("name", None, "Velká čokoláda", f"{F}:4"),
                FieldChange("visibility", None, "visible", f"{F}:5"),
                FieldChange("defaultCategory", None, CAT, f"{F}:6"),
                FieldChange("categories", None, [CAT], f"{F}:7"),
                FieldChange("brand", None, "milka", f"{F}:8"),
            ),
            source=f"{F}:3",
            name="Velká čokoláda",
        ),
        Change(
            C,
            V,
            NEW,
            "CHOC-100",
            fields=(FieldChange("ean", None, "8594001234567", f"{F}:11"),),
            source=f"{F}:10",
            name="Velká čokoláda",
        ),
        Change(
            C,
            PR,
            NEW,
            "CHOC-100",
            fields=(
                FieldChange("price", None, "123.45", f"{F}:12"),
                FieldChange("vatRate", None, "21", f"{F}:13"),
            ),
            source=f"{F}:10",
            name="Velká čokoláda",
            reason="Shoptet's product create cannot set vatRate; set in the pricelist after it",
        ),
        Change(
            C,
            S,
            NEW,
            "CHOC-100",
            stock_id=1,
            fields=(FieldChange("stock", None, "50", f"{F}:14"),),
            source=f"{F}:10",
            name="Velká čokoláda",
        ),
        Change(
            U,
            P,
            UPD,
            fields=(
                FieldChange("name", "Hořká čokoláda", "Hořká čokoláda 70 %", f"{F}:21"),
                FieldChange("description", None, "<p>Nová</p>", f"{F}:22"),
            ),
            source=f"{F}:20",
            name="Hořká čokoláda 70 %",
        ),
        Change(
            U,
            V,
            UPD,
            "DARK-1",
            fields=(FieldChange("ean", "111", "222", f"{F}:25"),),
            source=f"{F}:24",
            name="Hořká čokoláda 70 %",
        ),
        Change(
            U,
            PR,
            UPD,
            "DARK-1",
            fields=(FieldChange("price", "99", "109.9", f"{F}:26"),),
            source=f"{F}:24",
            name="Hořká čokoláda 70 %",
        ),
        Change(
            U,
            S,
            UPD,
            "DARK-1",
            stock_id=1,
            fields=(FieldChange("stock", "3", "10", f"{F}:27"),),
            source=f"{F}:24",
            name="Hořká čokoláda 70 %",
        ),
        Change(
            C,
            V,
            UPD,
            "DARK-3",
            fields=(FieldChange("ean", None, "333", f"{F}:31"),),
            source=f"{F}:30",
            name="Hořká čokoláda 70 %",
        ),
        Change(
            C,
            PR,
            UPD,
            "DARK-3",
            fields=(FieldChange("price", None, "120", f"{F}:32"),),
            source=f"{F}:30",
            name="Hořká čokoláda 70 %",
        ),
        Change(
            C,
            S,
            UPD,
            "DARK-3",
            stock_id=2,
            fields=(FieldChange("stock", None, "4", f"{F}:33"),),
            source=f"{F}:30",
            name="Hořká čokoláda 70 %",
        ),
        Change(D, V, UPD, "DARK-2", source=f"{F}:28", name="Hořká čokoláda 70 %"),
        Change(
            D,
            P,
            GONE,
            fields=(FieldChange("name", "Stará tyčinka", None),),
            source=f"{F}:40",
            name="Stará tyčinka",
        ),
    ]


def sample_plan(**overrides) -> Plan:
    changes = overrides.pop("changes", sample_changes())
    policy = GuardPolicy(max_deletes=10, protect=frozenset({GONE}))
    kwargs = dict(
        catalog_digest="ab" * 32,
        changes=tuple(changes),
        guards=compute_guards(changes, policy=policy, existing_managed=12),
        unmanaged=Unmanaged(
            2,
            (
                UnmanagedProduct("99999999-0000-4000-8000-000000000001", "Dárkový poukaz"),
                UnmanagedProduct("99999999-0000-4000-8000-000000000002", None),
            ),
        ),
        ignored=(IgnoredRule("description", 1), IgnoredRule("variants.*.weight", 0)),
        eshop_id=123456,
        pricelist_id=1,
        default_stock_id=1,
        git_commit="0123456789abcdef0123456789abcdef01234567",
        tool_version="0.1.0",
        scope=Scope(),
    )
    kwargs.update(overrides)
    return Plan(**kwargs)


def empty_plan(**overrides) -> Plan:
    kwargs = dict(
        catalog_digest="cd" * 32,
        eshop_id=123456,
        pricelist_id=1,
        default_stock_id=1,
        tool_version="0.1.0",
        guards=compute_guards([], policy=GuardPolicy(), existing_managed=3),
    )
    kwargs.update(overrides)
    return Plan(**kwargs)
