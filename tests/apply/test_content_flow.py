"""Product content as code (issue 18) through the whole tool on the demo sandbox.

- Related and alternative products: plan -> apply -> plan empty (a product the same plan
  creates among the targets) with full-list PUTs that conform to Shoptet's OpenAPI file; a
  second apply writes nothing; ``[]`` clears, a list left out is not managed; a target the
  catalog and the shop lack, or one the plan deletes, is a located plan error with nothing
  written; a targeted plan looks its targets up; a forged plan.json cannot add links.
- Descriptive parameters: the table converges in the stated order, reorders and clears.
- Filtering parameters: what the shop lacks is created first (a new parameter with its
  values), then the products; ``{}`` clears; an addition the catalog does not make is refused.
- Import of a shop with all of it, then plan: no changes; a refresh keeps comments; a
  snapshot read sees the lists and the table as the detail read does."""

from __future__ import annotations

import copy

import pytest

from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError
from reconciler.pipeline import PlanRequest, apply_plan, make_plan
from reconciler.plan.model import Resource
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, run_cli, write_catalog, write_requests
from tests.apply.test_conformance import Recording
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client, served

ETIOPIE = "70b1bb6c-3ea5-5822-b934-b29e437a0ad0"
KOLUMBIE = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"
BRAZILIE = "693b24f4-fa81-5f3e-9d7f-6419a06506d5"
KENA = "d865ca26-de72-588e-b7ae-450a9d54142e"
NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
MISSING = "00000000-0000-4000-8000-00000000abcd"
CATEGORY = "b9e6b7dc-3057-5ac1-9792-f17d839243b8"


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(demo_state())


def catalog(tmp_path, products: dict):
    return load_catalog(write_catalog(tmp_path, products))


def new_product(**fields) -> dict:
    return {
        "name": "Káva Peru",
        "defaultCategory": CATEGORY,
        "variants": {"KAV-PER-250": {"price": "239"}},
        **fields,
    }


def links_of(sb: Sandbox, guid: str) -> dict:
    p = next(p for p in sb.state()["products"] if p["guid"] == guid)
    return {k: p[k] for k in ("relatedProducts", "alternativeProducts")}


def cli(monkeypatch, capsys, root, url: str, *args: str) -> tuple[int, str]:
    """``shoptet-catalog ARGS`` in ``root`` against ``url``: (exit code, output)."""
    code, out, err = run_cli(monkeypatch, capsys, root, list(args), url=url)
    return code, out + err


IMPORT = ("import", "--all", "--catalog", "catalog")
PLAN = ("plan", "--catalog", "catalog", "--detailed-exitcode")


def apply(sb: Sandbox, cat, plan, seen: list | None = None):
    wrap = None if seen is None else (lambda inner: Recording(inner, seen))
    with sandbox_client(sb, wrap=wrap) as client:
        return apply_plan(plan, client, cat)


def test_links_converge_with_conforming_full_list_puts_and_a_second_apply_writes_nothing(
    sb, tmp_path
):
    spec = require_spec()
    cat = catalog(
        tmp_path,
        {
            ETIOPIE: {"relatedProducts": [BRAZILIE, NEW], "alternativeProducts": [KENA]},
            NEW: new_product(relatedProducts=[ETIOPIE]),
        },
    )
    plan = plan_of(sb, cat)
    update = next(c for c in plan.changes if c.id == f"product:{ETIOPIE}")
    assert {f.field: (f.before, f.after) for f in update.fields} == {
        "relatedProducts": ([], [BRAZILIE, NEW]),
        "alternativeProducts": ([], [KENA]),
    }
    text = render_text(plan)
    assert f'"{BRAZILIE}" (Káva Brazílie Santos), "{NEW}" (Káva Peru)' in text
    assert f'"{KENA}" (Káva Keňa AA)' in text

    seen: list = []
    result = apply(sb, cat, plan, seen)
    assert result.ok, result.outcomes
    writes = [(m, p) for m, p, *_ in seen if m != "GET"]
    # the new target exists before anything links to it; then one full-list PUT per list
    assert writes == [
        ("POST", "/api/products"),
        ("PUT", f"/api/products/{NEW}/relatedProducts"),
        ("PUT", f"/api/products/{ETIOPIE}/relatedProducts"),
        ("PUT", f"/api/products/{ETIOPIE}/alternativeProducts"),
    ]
    bodies = {p: b for m, p, _q, _h, b in seen if m == "PUT"}
    assert bodies[f"/api/products/{ETIOPIE}/relatedProducts"] == {
        "data": {"relatedProducts": [{"guid": BRAZILIE}, {"guid": NEW}]}
    }
    problems = [
        p
        for method, path, query, headers, body in seen
        for p in validate_request(spec, method, path, query, headers, body)
    ]
    assert problems == []
    assert links_of(sb, ETIOPIE) == {
        "relatedProducts": [BRAZILIE, NEW],
        "alternativeProducts": [KENA],
    }
    assert plan_of(sb, cat).is_empty
    start = len(sb.request_log)
    again = apply(sb, cat, plan)  # the same plan once more: everything is done already
    assert again.ok, again.outcomes
    assert write_requests(sb, start) == []


def test_reordering_and_clearing_converge_and_a_list_left_out_is_not_managed(sb, tmp_path):
    with sandbox_client(sb) as client:  # the shop has links already (as the admin made them)
        client.put_product_links(
            ETIOPIE, "relatedProducts", {"relatedProducts": [{"guid": KENA}, {"guid": BRAZILIE}]}
        )
        client.put_product_links(
            ETIOPIE, "alternativeProducts", {"alternativeProducts": [{"guid": KENA}]}
        )
    untouched = catalog(tmp_path / "a", {ETIOPIE: {"name": "Káva Etiopie Yirgacheffe"}})
    assert plan_of(sb, untouched).is_empty
    cat = catalog(
        tmp_path / "b",
        {ETIOPIE: {"relatedProducts": [BRAZILIE, KENA], "alternativeProducts": []}},
    )
    plan = plan_of(sb, cat)
    (change,) = plan.changes
    assert {f.field: f.after for f in change.fields} == {
        "relatedProducts": [BRAZILIE, KENA],
        "alternativeProducts": [],
    }
    assert apply(sb, cat, plan).ok
    assert links_of(sb, ETIOPIE) == {"relatedProducts": [BRAZILIE, KENA], "alternativeProducts": []}
    assert plan_of(sb, cat).is_empty


@pytest.mark.parametrize(
    ("products", "line", "words"),
    [
        (
            {ETIOPIE: {"relatedProducts": [BRAZILIE, MISSING]}},
            6,
            f"relatedProducts: product {MISSING} is neither in the catalog nor in the shop",
        ),
        (
            {
                ETIOPIE: {"alternativeProducts": [KENA]},
                KENA: {"absent": True},
            },
            5,
            f"alternativeProducts: product {KENA} is deleted by this plan",
        ),
    ],
)
def test_a_target_that_will_not_exist_is_a_located_plan_error(sb, tmp_path, products, line, words):
    cat = catalog(tmp_path, products)
    start = len(sb.request_log)
    with pytest.raises(CatalogError) as info:
        plan_of(sb, cat)
    (problem,) = info.value.problems
    assert problem.file.endswith("products.yaml") and problem.line == line, str(problem)
    assert words in problem.message
    assert write_requests(sb, start) == []


def test_a_targeted_plan_looks_its_link_targets_up_in_the_shop(sb, tmp_path):
    cat = catalog(tmp_path, {ETIOPIE: {"relatedProducts": [KOLUMBIE]}})
    with sandbox_client(sb, read_only=True) as client:
        start = len(sb.request_log)
        plan = make_plan(client, cat, PlanRequest(targets=[ETIOPIE]))
    lookups = [e for e in sb.request_log[start:] if e["path"] == "/api/products"]
    assert len(lookups) == 1  # one list request, filtered by the unseen GUIDs
    assert plan.names.products == {KOLUMBIE: "Káva Kolumbie Supremo"}
    bad = catalog(tmp_path / "bad", {ETIOPIE: {"relatedProducts": [MISSING]}})
    with sandbox_client(sb, read_only=True) as client, pytest.raises(CatalogError):
        make_plan(client, bad, PlanRequest(targets=[ETIOPIE]))


def test_a_forged_plan_cannot_write_links_the_catalog_does_not_state(
    sb, tmp_path, monkeypatch, capsys
):
    from tests.apply.test_forged import forge

    write_catalog(tmp_path, {ETIOPIE: {"relatedProducts": [BRAZILIE]}})
    with served(sb) as server:
        code, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["plan", "--out", "plan.json"], url=server.url
        )
        assert code == 0, out + err

        def edit(data):
            change = next(c for c in data["changes"] if c["id"] == f"product:{ETIOPIE}")
            change["fields"][0]["after"] = [BRAZILIE, KENA]  # one more than the catalog says
            change["fields"].append(
                {"field": "alternativeProducts", "before": [], "after": [KOLUMBIE], "source": None}
            )

        forge(tmp_path, edit)
        start = len(sb.request_log)
        code, out, err = run_cli(
            monkeypatch,
            capsys,
            tmp_path,
            ["apply", "plan.json", "--auto-approve"],
            url=server.url,
        )
    assert code == 4, out + err
    assert write_requests(sb, start) == []
    assert links_of(sb, ETIOPIE) == {"relatedProducts": [], "alternativeProducts": []}


def test_import_then_plan_is_empty_and_a_refresh_keeps_comments(sb, tmp_path, monkeypatch, capsys):
    with sandbox_client(sb) as client:
        client.put_product_links(
            ETIOPIE, "relatedProducts", {"relatedProducts": [{"guid": KENA}, {"guid": BRAZILIE}]}
        )
        client.put_product_links(
            KENA, "alternativeProducts", {"alternativeProducts": [{"guid": ETIOPIE}]}
        )
        rows = [
            {"name": "Země původu", "value": "Keňa", "priority": 1},
            {"name": "null", "value": "~", "description": "zrno", "priority": 5},
            {"name": "Balení", "value": None, "priority": 9},
        ]
        client.patch_product(KENA, {"descriptiveParameters": rows})
    with served(sb) as server:
        code, out = cli(monkeypatch, capsys, tmp_path, server.url, *IMPORT)
        assert code == 0, out
        path = tmp_path / "catalog" / "products" / "imported.yaml"
        text = path.read_text(encoding="utf-8")
        assert f"relatedProducts:\n      - {KENA}\n      - {BRAZILIE}\n" in text  # shop order
        assert f"alternativeProducts:\n      - {ETIOPIE}\n" in text
        assert (  # a priority only where it is not the row's position; null-like text quoted
            "    descriptiveParameters:\n"
            "      - {name: Země původu, value: Keňa}\n"
            '      - {name: "null", value: "~", description: zrno, priority: 5}\n'
            "      - {name: Balení, priority: 9}\n"
        ) in text
        code, out = cli(monkeypatch, capsys, tmp_path, server.url, *PLAN)
        assert code == 0, out
        # the shop's list changes; a refresh of the file rewrites it and keeps a comment
        path.write_text(
            text.replace("products:\n", "products:\n  # kept by import\n", 1), encoding="utf-8"
        )
        with sandbox_client(sb) as client:
            client.put_product_links(ETIOPIE, "relatedProducts", {"relatedProducts": []})
        code, out = cli(
            monkeypatch, capsys, tmp_path, server.url, *IMPORT[:1], "--guid", ETIOPIE, *IMPORT[2:]
        )
        assert code == 0, out
        refreshed = path.read_text(encoding="utf-8")
        assert "# kept by import" in refreshed and "relatedProducts: []" in refreshed
        code, out = cli(monkeypatch, capsys, tmp_path, server.url, *PLAN)
        assert code == 0, out


# -- descriptive parameters (the specification table) ----------------------------------------

TABLE = [
    {"name": "Země původu", "value": "Etiopie"},
    {"name": "Pražení", "value": "světlé", "description": "stupeň pražení"},
    {"name": "Balení", "value": None},
]


def table_of(sb: Sandbox, guid: str) -> list[tuple]:
    p = next(p for p in sb.state()["products"] if p["guid"] == guid)
    rows = sorted(p["descriptiveParameters"], key=lambda r: r["priority"])
    return [(r["name"], r["value"], r["description"], r["priority"]) for r in rows]


def test_the_specification_table_converges_in_the_stated_order(sb, tmp_path):
    spec = require_spec()
    cat = catalog(
        tmp_path,
        {
            ETIOPIE: {"descriptiveParameters": TABLE},
            NEW: new_product(descriptiveParameters=TABLE[:1]),
        },
    )
    plan = plan_of(sb, cat)
    text = render_text(plan)
    assert (
        '~ descriptiveParameters: [] -> [1. Země původu: "Etiopie", 2. Pražení: "světlé" '
        "(stupeň pražení), 3. Balení: (none)]"
    ) in text
    seen: list = []
    assert apply(sb, cat, plan, seen).ok
    assert [p for m, p, _q, _h, b in seen if m != "GET"] == [
        "/api/products",
        f"/api/products/{ETIOPIE}",
    ]
    problems = [p for m, path, q, h, b in seen for p in validate_request(spec, m, path, q, h, b)]
    assert problems == []
    assert table_of(sb, ETIOPIE) == [
        ("Země původu", "Etiopie", None, 1),
        ("Pražení", "světlé", "stupeň pražení", 2),
        ("Balení", None, None, 3),
    ]
    assert table_of(sb, NEW) == [("Země původu", "Etiopie", None, 1)]
    assert plan_of(sb, cat).is_empty
    start = len(sb.request_log)
    assert apply(sb, cat, plan).ok
    assert write_requests(sb, start) == []

    # reordered, one row gone, a stated priority: the whole table is written again
    reordered = catalog(
        tmp_path / "b",
        {ETIOPIE: {"descriptiveParameters": [TABLE[1], {**TABLE[0], "priority": 7}]}},
    )
    plan = plan_of(sb, reordered)
    assert apply(sb, reordered, plan).ok
    assert table_of(sb, ETIOPIE) == [
        ("Pražení", "světlé", "stupeň pražení", 1),
        ("Země původu", "Etiopie", None, 7),
    ]
    assert plan_of(sb, reordered).is_empty
    cleared = catalog(tmp_path / "c", {ETIOPIE: {"descriptiveParameters": []}})
    assert apply(sb, cleared, plan_of(sb, cleared)).ok
    assert table_of(sb, ETIOPIE) == []
    assert plan_of(sb, cleared).is_empty


# -- filtering parameters ----------------------------------------------------------------------

ZEME = {
    "nameIndex": "zeme",
    "name": "Země původu",
    "values": [{"valueIndex": "etiopie", "name": "Etiopie"}],
}


@pytest.fixture
def fsb() -> Sandbox:
    """The demo shop with one filtering parameter, Země původu (zeme): Etiopie (etiopie)."""
    state = demo_state()
    state["filteringParameters"] = [copy.deepcopy(ZEME)]
    return Sandbox(state)


def filters_of(sb: Sandbox, guid: str) -> dict:
    p = next(p for p in sb.state()["products"] if p["guid"] == guid)
    return {f["code"]: sorted(f["values"]) for f in p["filteringParameters"]}


def test_filtering_parameters_converge_creating_what_the_shop_lacks_first(fsb, tmp_path):
    spec = require_spec()
    cat = catalog(
        tmp_path,
        {
            ETIOPIE: {
                "filteringParameters": {"Země původu": ["Etiopie", "Keňa"], "Pražení": "světlé"}
            },
            NEW: new_product(filteringParameters={"zeme": "etiopie"}),
        },
    )
    plan = plan_of(fsb, cat)
    registry = {c.id: c.after for c in plan.changes if c.resource.registry}
    assert registry == {
        "filtering-parameter:prazeni": {"paramName": "Pražení"},
        "filtering-value:prazeni:svetle": {"paramValue": "světlé"},
        "filtering-value:zeme:kena": {"paramValue": "Keňa"},
    }
    update = next(c for c in plan.changes if c.id == f"product:{ETIOPIE}")
    assert update.after == {
        "filteringParameters": {"prazeni": ["svetle"], "zeme": ["etiopie", "kena"]}
    }
    assert "filteringParameters: Pražení: světlé; Země původu: Etiopie, Keňa" in update.reason
    text = render_text(plan)
    assert '+ filtering parameter prazeni "Pražení"' in text
    assert '+ filtering parameter value zeme = "Keňa" (kena)' in text

    seen: list = []
    result = apply(fsb, cat, plan, seen)
    assert result.ok, result.outcomes
    writes = [(m, p, b) for m, p, _q, _h, b in seen if m != "GET"]
    assert writes[:2] == [  # the registry first: a new parameter with its first value
        (
            "POST",
            "/api/products/filtering-parameters",
            {
                "data": {
                    "name": "Pražení",
                    "code": "prazeni",
                    "values": [{"name": "světlé", "valueIndex": "svetle"}],
                }
            },
        ),
        (
            "POST",
            "/api/products/filtering-parameters/zeme",
            {"data": {"paramValues": [{"name": "Keňa", "valueIndex": "kena"}]}},
        ),
    ]
    patch = next(b for m, p, b in writes if m == "PATCH")
    assert patch["data"]["filteringParameters"] == [
        {"code": "prazeni", "values": ["svetle"]},
        {"code": "zeme", "values": ["etiopie", "kena"]},
    ]
    problems = [p for m, path, q, h, b in seen for p in validate_request(spec, m, path, q, h, b)]
    assert problems == []
    assert filters_of(fsb, ETIOPIE) == {"prazeni": ["svetle"], "zeme": ["etiopie", "kena"]}
    assert filters_of(fsb, NEW) == {"zeme": ["etiopie"]}
    assert plan_of(fsb, cat).is_empty
    start = len(fsb.request_log)
    assert apply(fsb, cat, plan).ok  # the same plan again: registry and products are done
    assert write_requests(fsb, start) == []

    cleared = catalog(tmp_path / "b", {ETIOPIE: {"filteringParameters": {}}})
    seen = []
    assert apply(fsb, cleared, plan_of(fsb, cleared), seen).ok
    assert [b["data"] for m, p, _q, _h, b in seen if m == "PATCH"] == [
        {"filteringParameters": None}
    ]
    assert filters_of(fsb, ETIOPIE) == {}
    assert plan_of(fsb, cleared).is_empty


def test_a_filtering_value_without_an_index_is_a_located_plan_error(fsb, tmp_path):
    cat = catalog(tmp_path, {ETIOPIE: {"filteringParameters": {"Země původu": ["Etiopie", "???"]}}})
    with pytest.raises(CatalogError) as info:
        plan_of(fsb, cat)
    (problem,) = info.value.problems
    assert problem.line == 4 and "value '???' of parameter 'Země původu'" in problem.message


def test_a_filtering_addition_the_catalog_does_not_make_is_refused(fsb, tmp_path):
    import dataclasses

    from reconciler import errors as E
    from reconciler.plan.model import Action, Change, FieldChange

    cat = catalog(tmp_path, {ETIOPIE: {"filteringParameters": {"Země původu": "Keňa"}}})
    plan = plan_of(fsb, cat)
    forged_change = Change(
        Action.CREATE,
        Resource.FILTERING_VALUE,
        "",
        "zeme:peru",
        fields=(FieldChange("paramValue", None, "Peru"),),
    )
    forged = dataclasses.replace(plan, changes=(*plan.changes, forged_change))
    start = len(fsb.request_log)
    with pytest.raises(E.StalePlan) as info:
        apply(fsb, cat, forged)
    assert "filtering-value:zeme:peru: paramValue -> 'Peru' is not a change" in str(info.value)
    assert write_requests(fsb, start) == []


def test_import_of_filtering_parameters_then_plan_is_empty(fsb, tmp_path, monkeypatch, capsys):
    with sandbox_client(fsb) as client:
        client.add_filtering_parameter_values("zeme", [{"name": "Keňa", "valueIndex": "kena"}])
        client.create_filtering_parameter(
            {"name": "Kód", "code": "kod", "values": [{"name": "null", "valueIndex": "x1"}]}
        )
        client.patch_product(
            ETIOPIE,
            {
                "filteringParameters": [
                    {"code": "zeme", "values": ["etiopie", "kena"]},
                    {"code": "kod", "values": ["x1"]},
                ]
            },
        )
    with served(fsb) as server:
        code, out = cli(monkeypatch, capsys, tmp_path, server.url, *IMPORT)
        assert code == 0, out
        text = (tmp_path / "catalog" / "products" / "imported.yaml").read_text(encoding="utf-8")
        assert 'filteringParameters: {Kód: "null", Země původu: [Etiopie, Keňa]}' in text
        code, out = cli(monkeypatch, capsys, tmp_path, server.url, *PLAN)
    assert code == 0, out


def test_a_snapshot_read_sees_the_lists_and_the_table_as_the_detail_read_does(tmp_path):
    from tests.live.cache_support import cold_plan
    from tests.live.test_snapshot import FakeTime, make_sandbox, snapshot_plan

    time = FakeTime()
    sb = make_sandbox(time)
    cat = catalog(
        tmp_path,
        {
            ETIOPIE: {"relatedProducts": [BRAZILIE, KENA], "descriptiveParameters": TABLE},
            KENA: {"alternativeProducts": [ETIOPIE], "descriptiveParameters": []},
        },
    )
    assert apply(sb, cat, plan_of(sb, cat)).ok
    cold, _ = cold_plan(sb, cat)
    snap, notices, _ = snapshot_plan(sb, time, loaded=cat)
    assert notices == [] and snap.is_empty and cold.is_empty
    moved = catalog(
        tmp_path / "b",
        {ETIOPIE: {"relatedProducts": [KENA]}, KENA: {"descriptiveParameters": TABLE[:1]}},
    )
    cold, _ = cold_plan(sb, moved)
    snap, notices, _ = snapshot_plan(sb, time, loaded=moved)
    assert notices == [] and len(snap.changes) == 2
    assert snap.to_json() == cold.to_json()
