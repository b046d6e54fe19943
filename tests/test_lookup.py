"""`shoptet-catalog lookup KIND` against the sandbox (every KIND, text and json), a respx-mocked
shop for what the sandbox does not serve (variant parameters, customer groups), and the 403
that names the missing right without a traceback."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from reconciler.cli import main
from reconciler.cli.context import AppContext
from reconciler.lookup import KINDS
from reconciler.sandbox import Sandbox

# the demo shop has no filtering parameters: that kind is shown on a shop that has some
SANDBOX_KINDS = [k for k in KINDS if k != "parameters"]
API = "https://api.myshoptet.com"


def run(argv, capsys, monkeypatch, sandbox: Sandbox | None = None):
    if sandbox is not None:
        monkeypatch.setattr(AppContext, "sandbox_shop", lambda self: sandbox)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.mark.parametrize("kind", SANDBOX_KINDS)
def test_every_kind_prints_text_and_json_from_the_sandbox(kind, capsys, monkeypatch):
    code, text, err = run(["--sandbox", "lookup", kind], capsys, monkeypatch)
    assert code == 0, err
    assert text.strip() and "Traceback" not in err
    code, raw, err = run(["--sandbox", "lookup", kind, "--format", "json"], capsys, monkeypatch)
    assert code == 0, err
    doc = json.loads(raw)
    assert doc["kind"] == kind and doc["items"]


def test_categories_are_an_indented_tree_with_guids(capsys, monkeypatch):
    _, text, _ = run(["--sandbox", "lookup", "categories"], capsys, monkeypatch)
    lines = text.splitlines()
    parent = next(i for i, line in enumerate(lines) if line.startswith("Káva  "))
    assert "49d54a49-999e-5596-b1af-944215933c28" in lines[parent]
    assert lines[parent + 1].startswith("  ") and "Zrnková káva" in lines[parent + 1]
    assert any("Dárky" in line and "(hidden)" in line for line in lines)
    _, raw, _ = run(["--sandbox", "lookup", "categories", "--format", "json"], capsys, monkeypatch)
    tree = json.loads(raw)["items"]
    kava = next(n for n in tree if n["name"] == "Káva")
    assert {c["name"] for c in kava["children"]} >= {"Zrnková káva", "Mletá káva"}


def test_brands_stocks_vat_availabilities_pricelists_content(capsys, monkeypatch):
    def text(kind):
        return run(["--sandbox", "lookup", kind], capsys, monkeypatch)[1]

    assert "zrnkovna" in text("brands") and "Zrnkovna" in text("brands")
    stocks = text("stocks").splitlines()
    assert stocks[0].startswith("1 ") and stocks[0].endswith("(default)")
    assert "(default)" not in stocks[1]
    assert "21.00" in text("vat-rates").splitlines()[0]
    avail = text("availabilities")
    assert "-1  Skladem  (default: onStock)" in avail and "Na dotaz" in avail
    assert "1  Základní ceník  (default)" in text("pricelists")
    assert "action  Akce  (system)" in text("flags")


def test_a_403_names_the_right_and_what_to_do(capsys, monkeypatch):
    sandbox = Sandbox.from_seed("demo", forbidden=("/api/categories",))
    code, out, err = run(["--sandbox", "lookup", "categories"], capsys, monkeypatch, sandbox)
    assert code == 1 and out == ""
    assert "no right to read Categories" in err
    assert "Connections » Private API" in err and "read access" in err
    assert "Traceback" not in err and "invalid-token-no-rights" in err


def test_parameters_from_the_sandbox_name_their_values_and_slugs(capsys, monkeypatch):
    code, out, err = run(["--sandbox", "lookup", "parameters"], capsys, monkeypatch)
    assert code == 0, err
    assert "hmotnost" in out and "250 g" in out
    code, out, _ = run(
        ["--sandbox", "lookup", "parameters", "--format", "json"], capsys, monkeypatch
    )
    rows = json.loads(out)["items"]
    weight = next(r for r in rows if r["nameIndex"] == "hmotnost")
    assert {"valueIndex": "250-g", "name": "250 g"} in weight["values"]


def _envelope(data):
    return {"data": data, "errors": None, "metadata": {"requestId": "r-1"}}


@pytest.fixture
def shop_env(monkeypatch):
    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", "lookup-test-token-0123456789abcdef")
    monkeypatch.delenv("SHOPTET_API_URL", raising=False)


def test_parameters_with_values_text_and_json_from_a_mocked_shop(shop_env, capsys, monkeypatch):
    pages = [
        {
            "parameters": [
                {
                    "id": 1,
                    "paramName": "Hmotnost",
                    "paramIndex": "hmotnost",
                    "priority": 1,
                    "values": [
                        {
                            "id": 1,
                            "paramValue": "250 g",
                            "rawValue": "250-g",
                            "color": None,
                            "image": None,
                            "valuePriority": 1,
                        },
                    ],
                }
            ],
            "paginator": {
                "totalCount": 2,
                "page": 1,
                "pageCount": 2,
                "itemsOnPage": 1,
                "itemsPerPage": 1,
            },
        },
        {
            "parameters": [
                {"id": 2, "paramName": "Barva", "paramIndex": "barva", "priority": 2, "values": []}
            ],
            "paginator": {
                "totalCount": 2,
                "page": 2,
                "pageCount": 2,
                "itemsOnPage": 1,
                "itemsPerPage": 1,
            },
        },
    ]
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        route = mock.get("/api/products/variant-parameters").mock(
            side_effect=[httpx.Response(200, json=_envelope(p)) for p in pages * 2]
        )
        code, text, err = run(["lookup", "parameters"], capsys, monkeypatch)
        assert code == 0, err
        assert text.splitlines() == ["hmotnost  Hmotnost", "  250-g  250 g", "barva  Barva"]
        assert route.calls[0].request.url.params["include"] == "values"
        code, raw, _ = run(["lookup", "parameters", "--format", "json"], capsys, monkeypatch)
    items = json.loads(raw)["items"]
    assert items[0] == {
        "nameIndex": "hmotnost",
        "name": "Hmotnost",
        "values": [{"valueIndex": "250-g", "name": "250 g"}],
    }


def test_pricelists_show_the_customer_groups_using_each(shop_env, capsys, monkeypatch):
    groups = [
        {"id": 1, "name": "Velkoobchod", "customerGroupCode": "wholesale", "defaultPricelistId": 2},
        {"id": 2, "name": "Registrovaní", "customerGroupCode": None, "defaultPricelistId": 1},
    ]
    with respx.mock(base_url=API) as mock:
        mock.get("/api/pricelists").respond(
            json=_envelope({"pricelists": [{"id": 1, "name": "Základní"}, {"id": 2, "name": "VO"}]})
        )
        mock.get("/api/eshop").respond(
            json=_envelope({"settings": {"defaultPricelist": {"id": 1, "name": "Základní"}}})
        )
        mock.get("/api/customers/groups").respond(json=_envelope({"customerGroups": groups}))
        code, text, err = run(["lookup", "pricelists"], capsys, monkeypatch)
    assert code == 0, err
    assert text.splitlines() == [
        "1  Základní  (default)",
        "    customer groups: Registrovaní",
        "2  VO",
        "    customer groups: Velkoobchod",
    ]


def test_pricelists_without_the_customers_right_still_list(shop_env, capsys, monkeypatch):
    forbidden = {
        "data": None,
        "errors": [
            {
                "errorCode": "invalid-token-no-rights",
                "message": "No rights.",
                "instance": "access-token",
            }
        ],
        "metadata": {"requestId": "r-2"},
    }
    with respx.mock(base_url=API) as mock:
        mock.get("/api/pricelists").respond(
            json=_envelope({"pricelists": [{"id": 1, "name": "A"}]})
        )
        mock.get("/api/eshop").respond(json=_envelope({"settings": {}}))
        mock.get("/api/customers/groups").respond(403, json=forbidden)
        code, raw, err = run(["lookup", "pricelists", "--format", "json"], capsys, monkeypatch)
    assert code == 0, err
    row = json.loads(raw)["items"][0]
    assert row["customerGroups"] is None and "403" in row["customerGroupsUnavailable"]


def test_lookup_uses_a_read_only_client(monkeypatch, capsys):
    seen = []
    original = AppContext.make_client

    def spy(self, *, read_only=True):
        seen.append(read_only)
        return original(self, read_only=read_only)

    monkeypatch.setattr(AppContext, "make_client", spy)
    run(["--sandbox", "lookup", "stocks"], capsys, monkeypatch)
    assert seen == [True]


def test_filtering_parameters_show_codes_value_indexes_and_names(capsys, monkeypatch):
    from tests.apply.support import demo_state

    state = demo_state()
    state["filteringParameters"] = [
        {
            "nameIndex": "zeme-puvodu",
            "name": "Země původu",
            "displayName": "Země",
            "values": [{"valueIndex": "etiopie", "name": "Etiopie"}],
        }
    ]
    shop = Sandbox(state)
    code, out, err = run(["--sandbox", "lookup", "filtering-parameters"], capsys, monkeypatch, shop)
    assert code == 0, err
    assert out.splitlines() == ["zeme-puvodu  Země", "  etiopie  Etiopie"]
    code, raw, _ = run(
        ["--sandbox", "lookup", "filtering-parameters", "--format", "json"],
        capsys,
        monkeypatch,
        shop,
    )
    assert json.loads(raw)["items"] == [
        {
            "code": "zeme-puvodu",
            "name": "Země",
            "values": [{"valueIndex": "etiopie", "name": "Etiopie"}],
        }
    ]
    empty = run(
        ["--sandbox", "lookup", "filtering-parameters"],
        capsys,
        monkeypatch,
        Sandbox.from_seed("empty"),
    )[1]
    assert empty.strip() == "(no filtering parameters)"
    monkeypatch.undo()  # the demo shop's own registry, for trying the feature
    demo = run(["--sandbox", "lookup", "filtering-parameters"], capsys, monkeypatch)[1]
    assert demo.splitlines()[:3] == [
        "oblast  Oblast",
        "  afrika  Afrika",
        "  amerika  Jižní Amerika",
    ]


def test_measure_units_show_ids_names_and_what_each_converts_to(capsys, monkeypatch):
    _, text, _ = run(["--sandbox", "lookup", "measure-units"], capsys, monkeypatch)
    assert "-16  kg  mg, g" in text.splitlines()
    assert "-40  m2" in text.splitlines()  # converts to nothing
    argv = ["--sandbox", "lookup", "measure-units", "--format", "json"]
    _, raw, _ = run(argv, capsys, monkeypatch)
    kg = next(u for u in json.loads(raw)["items"] if u["name"] == "kg")
    assert kg == {"id": -16, "name": "kg", "convertsTo": ["mg", "g"]}
