"""References checked at plan time (issue 14): every category GUID, brand code, VAT rate,
availability id, stock id and shop.pricelist the catalog states is checked against the shop
in plan step 2, each problem located, all at once, before any product is read; a kind the
catalog does not state costs no request. Names beside ids are display-only plan data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.desired.load import Location, load_catalog
from reconciler.model import Catalog, ShopSettings
from reconciler.pipeline import PlanRequest, make_plan
from reconciler.plan.model import Plan
from reconciler.references import ShopReferences, check_references, stated_kinds
from reconciler.render.formats import render_markdown, render_text
from reconciler.sandbox import Sandbox
from reconciler.sandbox.config import SandboxConfig
from tests.support.sandbox_client import sandbox_client

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "catalog"
UNKNOWN = "0f2b1c3d-0000-4000-8000-00000000dead"
REFERENCE_PATHS = (
    "/api/categories",
    "/api/brands",
    "/api/products/availabilities",
    "/api/pricelists",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_OAUTH_ACCESS_TOKEN", "SHOPTET_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def served(monkeypatch):
    """A sandbox over HTTP with the environment pointing `shoptet-catalog` at it."""
    servers = []

    def start(seed="demo", **settings):
        sb = Sandbox.from_seed(seed, **settings)
        server = sb.serve(port=0)
        servers.append(server)
        monkeypatch.setenv("SHOPTET_API_URL", server.url)
        monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", "sandbox-token")
        return sb

    yield start
    for server in servers:
        server.close()


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def edited_example(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, str]:
    """A copy of the example catalog with the first ``old`` in ``file`` replaced by ``new``;
    returns the catalog and the ``file:line:`` where the edit is."""
    dest = tmp_path / "catalog"
    shutil.copytree(EXAMPLE, dest)
    path = dest / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return dest, f"{path.as_posix()}:{line}:"


def product_reads(sb: Sandbox) -> list[str]:
    return [
        e["path"]
        for e in sb.request_log
        if e["path"].startswith("/api/products") and e["path"] != "/api/products/availabilities"
    ]


BAD = [
    pytest.param(
        "products/coffee.yaml",
        "defaultCategory: 10d66176-f74c-5fac-afb4-d233c14e5159",
        f"defaultCategory: {UNKNOWN}",
        f"defaultCategory: category {UNKNOWN} is not a category of this e-shop (it has 13 "
        "categories); use a category GUID from `shoptet-catalog lookup categories`",
        id="defaultCategory",
    ),
    pytest.param(
        "products/coffee.yaml",
        "categories:\n      - 10d66176-f74c-5fac-afb4-d233c14e5159",
        f"categories:\n      - {UNKNOWN}",
        f"categories: category {UNKNOWN} is not a category of this e-shop",
        id="categories",
    ),
    pytest.param(
        "products/coffee.yaml",
        "brand: zrnkovna",
        "brand: Zrnkovna",
        "brand: brand code 'Zrnkovna' is not in this e-shop, but 'zrnkovna' is (codes are "
        "case-sensitive): did you mean 'zrnkovna'?",
        id="brand-case",
    ),
    pytest.param(
        "products/coffee.yaml",
        "brand: zrnkovna",
        "brand: nobody",
        "brand: brand code 'nobody' is not a brand of this e-shop (it has bohemia-tea (Bohemia "
        "Tea), doubravka (Doubravka), mlynarna (Mlynárna), porcelanka (Porcelánka Louny), "
        "zrnkovna (Zrnkovna)).",
        id="brand",
    ),
    pytest.param(
        "products/coffee.yaml",
        "vatRate: 12.00",
        "vatRate: 15.00",
        "variant KAV-ETH-250: vatRate 15.00 is not a VAT rate of this e-shop (it has 21.00, "
        "12.00, 0.00); use one of them (`shoptet-catalog lookup vat-rates`)",
        id="vatRate",
    ),
    pytest.param(
        "products/coffee.yaml",
        "availability: 3",
        "availability: 99",
        "variant KAV-ETH-250: availability 99 is not an availability of this e-shop (it has ",
        id="availability",
    ),
    pytest.param(
        "products/coffee.yaml",
        "availability: 3",
        "availabilityWhenSoldOut: 77\n        availability: 3",
        "variant KAV-ETH-250: availabilityWhenSoldOut 77 is not an availability of this "
        "e-shop (it has ",
        id="availabilityWhenSoldOut",
    ),
    pytest.param(
        "products/coffee.yaml",
        "stock: {1: 0, 2: 0}",
        "stock: {1: 0, 7: 0}",
        "variant KAV-ETH-250: stock id 7 is not a stock of this e-shop (it has 1 (Hlavní sklad "
        "Brno), 2 (Prodejna Praha)); use one of those ids",
        id="stock",
    ),
    pytest.param(
        "shop.yaml",
        "pricelist: 1 ",
        "pricelist: 7 ",
        "shop.pricelist: price list 7 is not a price list of this e-shop (it has 1 (Základní "
        "ceník)); set shop.pricelist to one of them",
        id="pricelist",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), BAD)
def test_a_bad_reference_fails_the_plan_located_before_any_product_is_read(
    served, tmp_path, capsys, file, old, new, message
):
    sb = served()
    catalog, where = edited_example(tmp_path, file, old, new)
    out_file = tmp_path / "plan.json"
    code, out, err = run(["--catalog", str(catalog), "plan", "--out", str(out_file)], capsys)
    assert code == 1
    assert out == "" and not out_file.exists()
    [problem] = [line for line in err.splitlines() if line.startswith(str(catalog))]
    assert problem.startswith(where), (problem, where)
    assert message in problem
    assert sb.counters["writes"] == 0
    assert product_reads(sb) == []  # stopped at step 2: no list, no detail


def test_every_bad_reference_is_reported_at_once(served, tmp_path, capsys):
    served()
    catalog, _ = edited_example(tmp_path, "products/coffee.yaml", "vatRate: 12.00", "vatRate: 5")
    tea = catalog / "products" / "tea.yaml"
    tea.write_text(tea.read_text(encoding="utf-8").replace("brand:", "brand: x", 1))
    shop = catalog / "shop.yaml"
    shop.write_text(shop.read_text(encoding="utf-8").replace("pricelist: 1 ", "pricelist: 3 "))
    code, _, err = run(["--catalog", str(catalog), "plan"], capsys)
    assert code == 1
    assert "vatRate 5 is not a VAT rate" in err
    assert "is not a brand of this e-shop" in err
    assert "shop.pricelist: price list 3" in err


def test_a_non_vat_payer_shop_refuses_every_vat_field(served, tmp_path, capsys):
    served(vat_payer=False)
    catalog, where = edited_example(
        tmp_path,
        "products/coffee.yaml",
        "vatRate: 12.00",
        "vatRate: 12.00\n        includingVat: true",
    )
    code, _, err = run(["--catalog", str(catalog), "plan"], capsys)
    assert code == 1
    assert f"{where}9: variant KAV-ETH-250: vatRate: this e-shop is not a VAT payer" in err
    assert "variant KAV-ETH-250: includingVat: this e-shop is not a VAT payer" in err
    stated = sum(
        len(v.model_fields_set & {"vatRate", "includingVat"})
        for p in load_catalog(catalog).catalog.products.values()
        for v in p.variants.values()
    )
    assert sum("not a VAT payer" in x for x in err.splitlines()) == stated > 2


def test_a_scoped_and_a_cached_plan_check_references_too(served, tmp_path, capsys):
    sb = served()
    catalog, where = edited_example(
        tmp_path, "products/coffee.yaml", "brand: zrnkovna", "brand: ZRN"
    )
    for extra in (["--target", "KAV-COL-250"], ["--cache", str(tmp_path / "cache")]):
        code, _, err = run(["--catalog", str(catalog), "plan", *extra], capsys)
        assert code == 1 and where in err and "brand code 'ZRN'" in err, extra
    assert product_reads(sb) == [] and not (tmp_path / "cache").exists()


def test_a_catalog_stating_no_reference_costs_no_extra_request(served, tmp_path, capsys):
    sb = served()
    catalog = tmp_path / "c"
    (catalog / "products").mkdir(parents=True)
    (catalog / "products" / "p.yaml").write_text(
        "products:\n  5c421358-5da0-5a2f-af0c-47b8e35ce00a:\n    name: Káva Kolumbie Supremo\n"
        "    variants:\n      KAV-COL-250:\n        price: 219.00\n        stock: 7\n",
        encoding="utf-8",
    )
    code, _out, err = run(["--catalog", str(catalog), "plan", "--detailed-exitcode"], capsys)
    assert code == 2, err
    paths = [e["path"] for e in sb.request_log]
    assert not any(p.startswith(REFERENCE_PATHS) for p in paths)
    assert len(paths) == 4  # eshop, stocks, one product list page, one detail: as before


def test_the_example_catalog_costs_three_extra_requests_one_per_list_it_states():
    sb = Sandbox.from_seed("demo", limits=False)
    with sandbox_client(sb) as client:
        make_plan(client, load_catalog(EXAMPLE))
    paths = [e["path"] for e in sb.request_log]
    refs = [p for p in paths if p.startswith(REFERENCE_PATHS)]
    # categories, brands, availabilities; shop.pricelist 1 is the default, named by /api/eshop
    assert sorted(refs) == ["/api/brands", "/api/categories", "/api/products/availabilities"]
    # 31 before (eshop, stocks, 1 list page, 28 details) + these 3 + the variant-parameter
    # registry, which the example's parameters need (issue 14)
    assert len(paths) == 35


def test_a_pricelist_other_than_the_default_is_read_once_and_named():
    sb = Sandbox.from_seed("demo", limits=False)
    state = sb.state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    sb = Sandbox(state, SandboxConfig(limits=False))
    loaded = load_catalog(EXAMPLE)
    catalog = loaded.catalog.model_copy(update={"shop": ShopSettings(defaultStock=1, pricelist=2)})
    with sandbox_client(sb) as client:
        plan = make_plan(client, type(loaded)(catalog, loaded.locations, loaded.digest))
    assert [e["path"] for e in sb.request_log].count("/api/pricelists") == 1
    assert plan.names.pricelists == {2: "Velkoobchod"}
    assert "pricelist 2 (Velkoobchod)" in render_text(plan)


# --- the pure checks -----------------------------------------------------------------------

G = "11111111-1111-4111-8111-111111111111"
CAT = "22222222-2222-4222-8222-222222222222"


def refs(**kw) -> ShopReferences:
    base = dict(
        categories={CAT: "Káva"},
        brands={"zrnkovna": "Zrnkovna", "mlynarna": "Mlynárna"},
        availabilities={-1: "Skladem", 3: "Do týdne"},
        pricelists={1: "Základní"},
        stocks={1: "Main"},
        vat_rates=("21.00", "12.00", "0.00"),
        vat_payer=True,
    )
    return ShopReferences(**{**base, **kw})


def catalog(product: dict, **extra) -> Catalog:
    return Catalog.model_validate({"products": {G: product}, **extra})


def messages(cat: Catalog, shop: ShopReferences) -> list[str]:
    locs = {(G, "brand"): Location("p.yaml", 3, 5)}
    return [str(p) for p in check_references(cat, shop, locs)]


def test_a_near_brand_code_gets_a_did_you_mean():
    [msg] = messages(catalog({"brand": "mlynara"}), refs())
    assert msg.startswith("p.yaml:3:5: brand: brand code 'mlynara' is not a brand")
    assert "Did you mean 'mlynarna'?" in msg


def test_vat_rates_compare_by_value_and_tombstones_state_nothing():
    cat = catalog({"variants": {"A": {"vatRate": "21", "availability": -1}, "B": {"absent": True}}})
    assert messages(cat, refs()) == []
    assert messages(catalog({"absent": True}), refs(vat_payer=False)) == []


def test_a_field_an_ignore_rule_keeps_out_is_neither_read_for_nor_checked():
    cat = catalog(
        {"brand": "nobody", "variants": {"A": {"vatRate": "99", "availability": 42}}},
        ignore=["brand", "variants.*.availability", "variants.A.vatRate"],
    )
    assert stated_kinds(cat) == frozenset()
    assert messages(cat, refs()) == []


def test_a_kind_not_read_is_not_checked():
    cat = catalog({"defaultCategory": G, "brand": "x", "variants": {"A": {"availability": 9}}})
    shop = refs(categories=None, brands=None, availabilities=None, vat_rates=())
    assert messages(cat, shop) == []
    assert stated_kinds(cat) == {"categories", "brands", "availabilities"}


# --- names beside ids ----------------------------------------------------------------------


def example_plan(sb: Sandbox) -> Plan:
    with sandbox_client(sb) as client:
        return make_plan(client, load_catalog(EXAMPLE), PlanRequest())


def test_text_and_markdown_show_names_beside_ids():
    plan = example_plan(Sandbox.from_seed("demo", limits=False))
    for text in (render_text(plan), render_markdown(plan)):
        assert '"b9e6b7dc-3057-5ac1-9792-f17d839243b8" (Zrnková káva)' in text
        assert '"49d54a49-999e-5596-b1af-944215933c28" (Káva), ' in text
        assert '"zrnkovna" (Zrnkovna)' in text
        assert "stock KAV-PER-200 in stock 2 (Prodejna Praha)" in text
        assert "pricelist 1 (Základní ceník)" in text
        assert '"Káva Peru Chanchamayo"' in text  # product names, as before


def test_renaming_a_category_or_stock_keeps_the_plan_id_and_the_file_round_trips():
    before = example_plan(Sandbox.from_seed("demo", limits=False))
    state = Sandbox.from_seed("demo").state()
    for category in state["categories"]:
        category["name"] += " (nové)"
    for stock in state["stocks"]:
        stock["title"] = "Sklad " + str(stock["id"])
    after = example_plan(Sandbox(state, SandboxConfig(limits=False)))
    assert after.names != before.names
    assert after.names.category("b9e6b7dc-3057-5ac1-9792-f17d839243b8") == "Zrnková káva (nové)"
    assert after.plan_id == before.plan_id
    again = Plan.from_json(after.to_json())
    assert again.names == after.names and again.plan_id == after.plan_id
    assert "names" not in json.dumps(
        {k: v for k, v in json.loads(after.to_json()).items() if k != "names"}
    )


def test_only_the_ids_the_plan_mentions_are_named():
    plan = example_plan(Sandbox.from_seed("demo", limits=False))
    mentioned = {
        g
        for c in plan.changes
        for f in c.fields
        if f.field in ("defaultCategory", "categories")
        for v in (f.before, f.after)
        if v
        for g in ([v] if isinstance(v, str) else v)
    }
    assert set(plan.names.categories) == mentioned


def test_the_apply_report_names_products_stocks_and_the_pricelist(capsys):
    code, out, err = run(
        ["--catalog", str(EXAMPLE), "--sandbox", "apply", "--auto-approve"], capsys
    )
    assert code == 0, err
    report = [x for x in out.splitlines() if x.startswith("  written")]
    assert any(
        x.endswith('KAV-PER-200:2  # "Káva Peru Chanchamayo", stock 2 (Prodejna Praha)')
        for x in report
    )
    assert any(x.endswith("pricelist 1 (Základní ceník)") for x in report)


def test_a_plan_file_without_names_still_reads_and_renders():
    plan = example_plan(Sandbox.from_seed("demo", limits=False))
    data = json.loads(plan.to_json())
    del data["names"]
    old = Plan.from_json(json.dumps(data))
    assert old.plan_id == plan.plan_id and not old.names
    assert "(Zrnková káva)" not in render_text(old)
