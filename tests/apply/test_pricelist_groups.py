"""Customer groups beside other pricelists (issue 17): the sandbox serves
``GET /api/customers/groups`` in Shoptet's shape (every required field, ordered by priority),
and a plan that changes a pricelist other than its own names the groups buying from it,
``pricelist 2 (Velkoobchod; customer groups: B2B, Partneři)``, with one extra request at
most, none when only the default pricelist changes, and no names (but the same plan) when the
token may not read customer groups."""

from __future__ import annotations

import pytest

from reconciler.desired.load import load_catalog
from reconciler.lookup import read_pricelists
from reconciler.plan.model import Plan
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.state import StateError
from tests.apply.support import plan_of, write_catalog
from tests.apply.test_campaign_flow import GUIDS, campaign_state, code
from tests.support.openapi_responses import ResponseChecker
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import raw_client, sandbox_client

GROUPS = [
    {"id": 7, "name": "Partneři", "defaultPricelistId": 2, "priority": 20},
    {"id": 5, "name": "B2B", "defaultPricelistId": 2, "priority": 10, "customerGroupCode": "b2b"},
    {"id": 1, "name": "Registrovaní", "defaultPricelistId": 1, "priority": 1},
]


def shop_state() -> dict:
    state = campaign_state()
    state["pricelists"].append({"id": 2, "name": "Velkoobchod"})
    state["customerGroups"] = [dict(g) for g in GROUPS]
    return state


def group_reads(sb: Sandbox) -> int:
    return sum(1 for e in sb.request_log if e["path"] == "/api/customers/groups")


def b2b_catalog(tmp_path, **variant):
    fields = variant or {"prices": {"Velkoobchod": {"price": "150.00"}}}
    return load_catalog(write_catalog(tmp_path, {GUIDS[0]: {"variants": {code(0, 0): fields}}}))


def test_the_sandbox_serves_customer_groups_in_shoptets_shape():
    with raw_client(Sandbox(shop_state())) as client:
        answer = client.get("/api/customers/groups")
    checker = ResponseChecker(require_spec())
    assert checker.check("GET", "/api/customers/groups", 200, answer.json()) == []
    assert [g["name"] for g in answer.json()["data"]["customerGroups"]] == [
        "Registrovaní",
        "B2B",
        "Partneři",
    ]  # "ordered by priority"


def test_a_group_on_a_pricelist_the_state_lacks_is_refused():
    state = shop_state()
    state["customerGroups"][0]["defaultPricelistId"] = 9
    with pytest.raises(StateError, match="defaultPricelistId 9"):
        Sandbox(state)


def test_the_plan_names_the_groups_buying_from_another_pricelist(tmp_path):
    sb = Sandbox(shop_state())
    plan = plan_of(sb, b2b_catalog(tmp_path))
    assert group_reads(sb) == 1
    label = "pricelist 2 (Velkoobchod; customer groups: B2B, Partneři)"
    assert f"~ price {code(0, 0)} in {label}" in render_text(plan)
    assert label in render_markdown(plan)
    again = Plan.from_json(plan.to_json())  # display data survives the plan file
    assert again.names.groups(2) == ("B2B", "Partneři")


def test_no_group_read_when_only_the_default_pricelist_changes(tmp_path):
    sb = Sandbox(shop_state())
    plan = plan_of(sb, b2b_catalog(tmp_path, price="199.00"))
    assert len(plan.changes) == 1 and group_reads(sb) == 0


def test_a_token_without_customer_groups_gets_the_same_plan_without_names(tmp_path):
    cat = b2b_catalog(tmp_path)
    allowed = plan_of(Sandbox(shop_state()), cat)
    sb = Sandbox(shop_state(), SandboxConfig(forbidden=("/api/customers",)))
    plan = plan_of(sb, cat)
    assert plan.plan_id == allowed.plan_id
    assert plan.names.groups(2) == ()
    assert f"~ price {code(0, 0)} in pricelist 2 (Velkoobchod)" in render_text(plan)


def test_lookup_pricelists_lists_the_groups_from_the_sandbox():
    with sandbox_client(Sandbox(shop_state()), read_only=True) as client:
        rows = {r["id"]: r for r in read_pricelists(client)}
    assert [g["name"] for g in rows[2]["customerGroups"]] == ["B2B", "Partneři"]
    assert [g["name"] for g in rows[1]["customerGroups"]] == ["Registrovaní"]
