"""Issue 17's "Must show", in one sandbox run: the README's Christmas sale (read from README.md,
scaled out to 64 products x 5 variants) goes plan -> apply -> plan empty in two pricelists
(the default one and "Velkoobchod", named by name, its customer groups in the plan), with a
new flag definition from shop.yaml created by apply and used, under the code Shoptet
generated, as a dated flag on every product; ending the sale (action prices null, the flag
false) converges the same way. Both applies' request bodies conform to Shoptet's OpenAPI
file, and the pricelist rows go in 300-row PATCHes per pricelist.

The README's blocks themselves also go plan --out -> apply -> plan through the CLI against
the demo shop (given the B2B pricelist they name), and the shop mid-sale imports and re-plans
empty."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reconciler.apply.result import ApplyOptions
from reconciler.desired.load import load_catalog
from reconciler.plan.model import Action, Resource
from reconciler.render.common import NO_CHANGES
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from reconciler.sandbox.config import SandboxConfig
from tests.apply.support import demo_state, plan_of, product_file, run_cli
from tests.apply.test_campaign_flow import apply_recorded, campaign_state, code
from tests.apply.test_flag_definitions import shop_flag
from tests.apply.test_pricelist_groups import GROUPS
from tests.apply.test_pricelists_flow import conformance_problems, patches_by_pricelist
from tests.support.readme_campaign import campaign_blocks, write_blocks
from tests.support.sandbox_client import served

README_COFFEE = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # the README's Káva Kolumbie Supremo
PRODUCTS, VARIANTS = 64, 5  # 320 variants: 300 + 20 rows in each pricelist
BULK = ApplyOptions(allow_bulk=True)  # `apply --allow-bulk`
B2B_LABEL = "pricelist 2 (Velkoobchod; customer groups: B2B, Partneři)"


def guid(p: int) -> str:
    return f"c0000000-0000-4000-8000-{p:012d}"


def with_b2b(state: dict) -> dict:
    """``state`` with the README's B2B pricelist, bought from by two customer groups."""
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    state["customerGroups"] = [dict(g) for g in GROUPS]
    return state


def readme_product(block: str) -> dict:
    """The one product of a README products block, as plain data (dates and decimals as
    the text the README has)."""
    (product,) = YAML(typ="safe", pure=True).load(block)["products"].values()
    return json.loads(json.dumps(product, default=str))


def scaled(tmp_path: Path, block: str, shop: str):
    """The README product's flags and its first variant's fields on every campaign product
    and variant."""
    product = readme_product(block)
    fields = next(iter(product["variants"].values()))
    products = {
        guid(p): {
            "flags": product["flags"],
            "variants": {code(p, i): copy.deepcopy(fields) for i in range(VARIANTS)},
        }
        for p in range(PRODUCTS)
    }
    return load_catalog(write_blocks(tmp_path, shop, product_file(products)))


@pytest.fixture
def sb() -> Sandbox:
    # the test client never really waits, so the leaky bucket drains at 100x real time to
    # keep up with ~400 requests in a few seconds (limits on: 429s are still answered)
    state = with_b2b(campaign_state([guid(p) for p in range(PRODUCTS)], VARIANTS))
    return Sandbox(state, SandboxConfig(time_scale=100))


def writes(seen: list) -> list[tuple[str, str]]:
    return [(m, path) for m, path, *_ in seen if m != "GET"]


def test_the_readme_christmas_sale_converges_over_320_variants_and_ends_the_same_way(sb, tmp_path):
    blocks = campaign_blocks()
    start = scaled(tmp_path, blocks["start products"], blocks["start shop.yaml"])
    plan = plan_of(sb, start)
    (flag,) = [c for c in plan.changes if c.resource is Resource.FLAG]
    assert plan.changes[0] == flag and flag.action is Action.CREATE
    assert flag.after == {"title": "Vánoce", "color": "#d40000"}
    by_pricelist: dict[int | None, int] = {}
    for c in plan.changes:
        if c.resource is Resource.PRICE:
            by_pricelist[c.pricelist_id] = by_pricelist.get(c.pricelist_id, 0) + 1
    assert by_pricelist == {None: PRODUCTS * VARIANTS, 2: PRODUCTS * VARIANTS}
    dated = {"dateFrom": "2026-12-01", "dateTo": "2026-12-24"}
    products = [c for c in plan.changes if c.resource is Resource.PRODUCT]
    assert len(products) == PRODUCTS
    assert all(c.after == {"flags": {"+Vánoce": dated}} for c in products)
    text = render_text(plan)
    assert '+ flag "Vánoce" (color #d40000)' in text
    assert f"~ price {code(0, 0)} in {B2B_LABEL}" in text
    assert "~ actionPrice: (none) -> 189.00 from 1 Dec 2026 to 24 Dec 2026" in text
    assert "~ actionPrice: (none) -> 159.00 from 1 Dec 2026 to 24 Dec 2026" in text

    bulk = {g.name: g for g in plan.guards}["bulk"]
    assert not bulk.ok  # every managed product changes: a campaign is a bulk change
    seen = apply_recorded(sb, start, plan, BULK)
    created = shop_flag(sb, "Vánoce")
    assert created is not None
    sent = writes(seen)
    assert sent[0] == ("POST", "/api/products/flags")  # the definition first
    assert sent.count(("POST", "/api/products/flags")) == 1
    assert patches_by_pricelist(seen) == {
        "/api/pricelists/1": [300, 20],
        "/api/pricelists/2": [300, 20],
    }
    flag_bodies = [
        body["data"]["flagsManagement"]
        for m, path, _q, _h, body in seen
        if m == "PATCH" and path.startswith("/api/products/") and path != "/api/products/flags"
    ]
    assert flag_bodies == [[{"action": "set", "code": created["code"], **dated}]] * PRODUCTS
    assert len(sent) == 1 + PRODUCTS + 4  # the flag, one PATCH a product, 2 + 2 pricelist PATCHes
    assert conformance_problems(seen) == []
    assert plan_of(sb, start).is_empty
    variant = next(
        v for p in sb.state()["products"] for v in p["variants"] if v["code"] == code(63, 4)
    )
    sale = {"fromDate": "2026-12-01", "toDate": "2026-12-24"}
    assert variant["prices"]["1"]["actionPrice"] == {"price": "189.00", **sale}
    assert variant["prices"]["2"]["price"] == "180.00"
    assert variant["prices"]["2"]["actionPrice"] == {"price": "159.00", **sale}

    # the sale ends: action prices cleared with null in both pricelists, the flag false
    end = scaled(tmp_path, blocks["end products"], blocks["start shop.yaml"])
    plan = plan_of(sb, end)
    assert not [c for c in plan.changes if c.resource is Resource.FLAG]  # never deleted
    assert [c.after for c in plan.changes if c.resource is Resource.PRODUCT] == [
        {"flags": {created["code"]: None}}
    ] * PRODUCTS
    text = render_text(plan)
    assert "~ actionPrice: 159.00 from 1 Dec 2026 to 24 Dec 2026 -> (none)" in text
    assert f"in {B2B_LABEL}" in text
    seen = apply_recorded(sb, end, plan, BULK)
    assert patches_by_pricelist(seen) == {
        "/api/pricelists/1": [300, 20],
        "/api/pricelists/2": [300, 20],
    }
    assert len(writes(seen)) == PRODUCTS + 4
    assert not [w for w in writes(seen) if w[0] in ("POST", "DELETE")]
    assert conformance_problems(seen) == []
    assert plan_of(sb, end).is_empty
    assert shop_flag(sb, "Vánoce") == created
    variant = next(
        v for p in sb.state()["products"] for v in p["variants"] if v["code"] == code(0, 0)
    )
    for pricelist in ("1", "2"):  # cleared: no action price part left
        assert not any((variant["prices"][pricelist].get("actionPrice") or {}).values())
    assert variant["prices"]["2"]["price"] == "180.00"  # only the sale ended
    assert all(p["flags"] == [] for p in sb.state()["products"] if p["guid"] == guid(0))


def test_the_readme_campaign_blocks_work_as_written_through_the_cli(tmp_path, monkeypatch, capsys):
    """What a catalog manager does with the README's blocks: plan --out, apply that plan
    file, plan again, for the sale and for its end, against the demo shop over HTTP."""
    blocks = campaign_blocks()
    sb = Sandbox(with_b2b(demo_state()))

    def run(*args: str) -> str:
        status, out, err = run_cli(monkeypatch, capsys, tmp_path, list(args), url=srv.url)
        assert status == 0, out + err
        return out

    with served(sb) as srv:
        for products in ("start products", "end products"):
            write_blocks(tmp_path, blocks["start shop.yaml"], blocks[products])
            out = run("plan", "--out", "p.json")
            assert f"KAV-COL-250 in {B2B_LABEL}" in out
            if products == "start products":
                assert '+ flag "Vánoce" (color #d40000)' in out
                assert "~ actionPrice: (none) -> 189.00 from 1 Dec 2026 to 24 Dec 2026" in out
            else:
                assert "~ actionPrice: 299.00 from 1 Dec 2026 to 24 Dec 2026 -> (none)" in out
            run("apply", "p.json", "--auto-approve")
            assert NO_CHANGES in run("plan")
            if products == "start products":  # the shop mid-sale imports and re-plans empty
                run("import", "--all", "--out", "imported")
                written = "".join(
                    f.read_text(encoding="utf-8") for f in (tmp_path / "imported").rglob("*.yaml")
                )
                created = shop_flag(sb, "Vánoce")
                assert created is not None  # import names it by its title, not the code
                assert "flags: {Vánoce: {from: 2026-12-01, to: 2026-12-24}}" in written
                assert f"{created['code']}:" not in written
                assert "toDate: 2026-12-24" in written and "Velkoobchod" in written
                assert NO_CHANGES in run("--catalog", "imported", "plan")
    flag = shop_flag(sb, "Vánoce")
    assert flag is not None
    coffee = next(p for p in sb.state()["products"] if p["guid"] == README_COFFEE)
    assert coffee["flags"] == []  # the sale's flag came off at its end
    variant = next(v for v in coffee["variants"] if v["code"] == "KAV-COL-500")
    assert variant["prices"]["2"]["price"] == "340.00"


def test_the_campaign_blocks_are_found_only_by_their_markers():
    readme = (
        "<!-- campaign-example: start shop.yaml -->\n```yaml\na: 1\n```\n"
        "```yaml\nnot: marked\n```\n"
        "<!-- campaign-example: start products -->\n\n```yaml\nb: 2\n```\n"
        "<!-- campaign-example: end products -->\n```yaml\nc: 3\n```\n"
    )
    assert campaign_blocks(readme) == {
        "start shop.yaml": "a: 1\n",
        "start products": "b: 2\n",
        "end products": "c: 3\n",
    }
    with pytest.raises(AssertionError, match="expected"):
        campaign_blocks(readme.replace("end products", "stop products"))
