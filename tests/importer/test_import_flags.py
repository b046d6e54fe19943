"""`import` names flags as a catalog manager reads them: a flag the shop created (its code
generated, ``custom1``) by its title, Shoptet's system flags (``new``, ``action``, ``tip``) by
their code, and by code any flag whose title would not name it back (two flags with one title,
a title that is another flag's code). Import then plan is empty either way, a second import
changes nothing, and a catalog that names flags by code keeps its codes."""

from __future__ import annotations

import pytest

from reconciler.desired.load import load_catalog
from reconciler.pipeline import apply_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, plan_of, run_cli, write_catalog
from tests.support.sandbox_client import sandbox_client, served

DATED = {"dateFrom": "2026-06-01", "dateTo": "2026-08-31"}
UNDATED = {"dateFrom": None, "dateTo": None}


def _custom(code: str, title: str) -> dict:
    return {"code": code, "title": title, "system": False, "color": "#d40000"}


def shop_with(flags: list[dict], on_products: list[list[dict]]) -> Sandbox:
    """The demo shop with ``flags`` defined besides its own and the first products carrying
    ``on_products`` (one list of ``{code, dateFrom, dateTo}`` a product)."""
    state = demo_state()
    state["flags"] += flags
    for product, carried in zip(state["products"], on_products, strict=False):
        product["flags"] = carried
    return Sandbox(state)


def guids(sb: Sandbox, n: int) -> list[str]:
    return [p["guid"] for p in sb.state()["products"][:n]]


def cli(sb, url, monkeypatch, capsys, root, *args) -> tuple[int, str]:
    code, out, err = run_cli(monkeypatch, capsys, root, list(args), url=url)
    return code, out + err


def import_then_plan(sb, monkeypatch, capsys, root, *targets) -> str:
    """``import`` (``targets``: ``--all`` or ``--guid G ...``) into root/c, check that plan is
    empty and a second import rewrites nothing; the file written."""
    with served(sb) as srv:
        run = lambda *a: cli(sb, srv.url, monkeypatch, capsys, root, *a)  # noqa: E731
        code, text = run("import", *targets, "--out", "c")
        assert code == 0, text
        written = (root / "c" / "products" / "imported.yaml").read_text(encoding="utf-8")
        code, text = run("--catalog", "c", "plan")
        assert code == 0 and "No changes." in text, text + written
        code, text = run("--catalog", "c", "import", *targets)
        assert code == 0 and " 0 updated" in text, text
        again = (root / "c" / "products" / "imported.yaml").read_text(encoding="utf-8")
        assert again == written
    return written


def test_a_created_flag_is_imported_by_its_title_and_system_flags_by_code(
    tmp_path, monkeypatch, capsys
):
    sb = shop_with(
        [_custom("custom1", "Letní výprodej")],
        [
            [{"code": "custom1", **DATED}, {"code": "new", **UNDATED}],
            [{"code": "action", **DATED}],
        ],
    )
    written = import_then_plan(sb, monkeypatch, capsys, tmp_path, "--all")
    assert "flags: {Letní výprodej: {from: 2026-06-01, to: 2026-08-31}, new: true}" in written
    assert "flags: {action: {from: 2026-06-01, to: 2026-08-31}}" in written
    assert "custom1" not in written


def test_a_flag_the_plan_created_is_imported_by_its_title(tmp_path, monkeypatch, capsys):
    """The campaign flow (tests/apply/test_flag_definitions.py): shop.yaml declares "Vánoce",
    apply creates it (Shoptet generates the code) and sets it on products; importing those
    products into a new catalog, without the declaration, names it "Vánoce" again."""
    sb = Sandbox(demo_state())
    chosen = guids(sb, 2)
    dated = {"Vánoce": {"from": "2026-12-01", "to": "2026-12-24"}}
    cat = load_catalog(
        write_catalog(
            tmp_path / "campaign",
            {g: {"flags": dated} for g in chosen},
            {"flags": {"Vánoce": {"color": "#d40000"}}},
        )
    )
    with sandbox_client(sb) as client:
        assert apply_plan(plan_of(sb, cat), client, cat).ok
    (created,) = [f for f in sb.state()["flags"] if f["title"] == "Vánoce"]
    assert created["code"] != "Vánoce"  # generated
    targets = [a for g in chosen for a in ("--guid", g)]
    written = import_then_plan(sb, monkeypatch, capsys, tmp_path, *targets)
    assert written.count("flags: {Vánoce: {from: 2026-12-01, to: 2026-12-24}}") == 2, written
    assert created["code"] not in written


@pytest.mark.parametrize(
    "flags, expected",
    [
        # two flags share a title (case-insensitive, as the plan matches): neither by title
        (
            [_custom("custom1", "Sleva"), _custom("custom2", "SLEVA")],
            "flags: {custom1: true, custom2: true}",
        ),
        # a title that is another flag's code names that flag: by code
        ([_custom("custom1", "tip")], "flags: {custom1: true}"),
        # the catalog reads every key as text (true, 2026); YAML syntax is quoted (#1)
        (
            [_custom("custom1", "true"), _custom("custom2", "2026"), _custom("custom3", "#1")],
            "flags: {'#1': true, 2026: true, true: true}",
        ),
        # a title YAML spells null is quoted, as import quotes such values
        (
            [_custom("custom1", "null"), _custom("custom2", "~")],
            "flags: {\"null\": true, \"~\": true}",
        ),
        ([_custom("custom1", "Sleva: 10 %")], "flags: {'Sleva: 10 %': true}"),
        # a title with a line break or padding: by code, which reads back exactly
        (
            [_custom("custom1", "Dvě\nřádky"), _custom("custom2", " Vánoce ")],
            "flags: {custom1: true, custom2: true}",
        ),
    ],
    ids=["same-title", "title-is-a-code", "yaml-words", "null", "colon", "not-one-clean-line"],
)
def test_a_title_that_would_not_name_the_flag_back_is_written_as_it_reads_or_by_code(
    flags, expected, tmp_path, monkeypatch, capsys
):
    sb = shop_with(flags, [[{"code": f["code"], **UNDATED} for f in flags]])
    written = import_then_plan(sb, monkeypatch, capsys, tmp_path, "--guid", guids(sb, 1)[0])
    assert expected in written, written


def test_a_catalog_naming_flags_by_code_keeps_its_codes(tmp_path, monkeypatch, capsys):
    """An entry names the created flags by code (as catalogs imported before did): no plan
    change, and a refresh keeps the codes; a live flag the entry does not name yet is added by
    its title."""
    sb = shop_with(
        [_custom("custom1", "Letní výprodej"), _custom("custom2", "Doprava zdarma")],
        [[{"code": "custom1", **DATED}, {"code": "custom2", **UNDATED}]],
    )
    guid = guids(sb, 1)[0]
    entry = tmp_path / "c" / "products" / "imported.yaml"
    by_title = "flags: {Doprava zdarma: true, Letní výprodej: {from: 2026-06-01, to: 2026-08-31}}"
    by_code = "flags: {custom1: {from: 2026-06-01, to: 2026-08-31}, custom2: true}"
    with served(sb) as srv:
        run = lambda *a: cli(sb, srv.url, monkeypatch, capsys, tmp_path, *a)  # noqa: E731
        code, text = run("import", "--guid", guid, "--out", "c")
        assert code == 0, text
        written = entry.read_text(encoding="utf-8")
        assert by_title in written, written
        entry.write_text(written.replace(by_title, by_code), encoding="utf-8")
        code, text = run("--catalog", "c", "plan")
        assert code == 0 and "No changes" in text, text
        code, text = run("--catalog", "c", "import", "--guid", guid)
        assert code == 0 and " 0 updated" in text, text
        assert by_code in entry.read_text(encoding="utf-8")
        # the entry stops naming custom2: a refresh adds it back, by its title
        entry.write_text(
            written.replace(by_title, "flags: {custom1: {from: 2026-06-01, to: 2026-08-31}}"),
            encoding="utf-8",
        )
        code, text = run("--catalog", "c", "import", "--guid", guid)
        assert code == 0 and " 1 updated" in text, text
        refreshed = entry.read_text(encoding="utf-8")
        assert (
            "flags: {custom1: {from: 2026-06-01, to: 2026-08-31}, Doprava zdarma: true}"
            in refreshed
        ), refreshed
        code, text = run("--catalog", "c", "plan")
        assert code == 0 and "No changes" in text, text
