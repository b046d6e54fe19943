"""Values as an author reads them (render/values.py) and the currency they are shown in."""

from __future__ import annotations

import pytest

from reconciler.live.read import default_currency
from reconciler.plan.model import Currency, FieldChange, Names, Plan
from reconciler.render.values import (
    NONE,
    is_long,
    line_diff,
    long_summary,
    show,
    show_change,
    text_lines,
)
from tests.plan.sample import sample_plan

CZK = Names(currency=Currency("CZK", "Kč", 2))
EUR_LEFT = Names(currency=Currency("EUR", "€", 2, symbol_left=True))
HUF = Names(currency=Currency("HUF", "Ft", 0))
BARE = Names()


@pytest.mark.parametrize(
    ("field", "before", "after", "names", "expected"),
    [
        ("price", "219", "229", CZK, "219.00 -> 229.00 Kč"),
        ("price", "219.5", "229", EUR_LEFT, "€ 219.50 -> € 229.00"),
        ("commonPrice", None, "300", CZK, "(none) -> 300.00 Kč"),
        ("commonPrice", "300", None, CZK, "300.00 Kč -> (none)"),
        ("price", "1990", "2090", HUF, "1990 -> 2090 Ft"),
        # more places than the currency shows: never rounded away
        ("price", "99.995", "100", CZK, "99.995 -> 100.00 Kč"),
        ("price", "99", "109.9", BARE, "99.00 -> 109.90"),  # no currency: the field's places
        ("vatRate", "12", "21", CZK, "12 -> 21 %"),
        ("stock", "3", "10", CZK, "3 -> 10"),
        ("weight", "0.25", "0.3", CZK, "0.25 -> 0.3"),
        ("visible", False, True, CZK, "no -> yes"),
        ("name", "Old", "Nový", CZK, '"Old" -> "Nový"'),
        ("ean", "0123", None, CZK, '"0123" -> (none)'),  # digits in a text field stay text
        ("description", None, "<p>x</p>", CZK, '(none) -> "<p>x</p>"'),
    ],
)
def test_a_change_reads_as_the_author_writes_it(field, before, after, names, expected):
    assert show_change(field, before, after, names) == expected


def test_single_values_and_names_of_ids():
    names = Names(categories={"b9e6": "Zrnková káva"}, brands={"zrnkovna": "Zrnkovna"})
    assert show("price", "469", CZK) == "469.00 Kč"
    assert show("includingVat", True, CZK) == "yes"
    assert show("name", None, CZK) == NONE
    assert show("brand", "zrnkovna", names) == '"zrnkovna" (Zrnkovna)'
    assert show("categories", ["b9e6", "x"], names) == '["b9e6" (Zrnková káva), "x"]'
    # parameters the plan has no names for (an older plan file) are shown by their slugs
    assert show("parameters", {"hmotnost": "1-kg"}, names) == "hmotnost: 1-kg"
    # a value that is not a number where one is expected is shown quoted, not hidden
    assert show("price", "abc", CZK) == '"abc" Kč'


def test_a_one_word_change_in_long_html_is_one_changed_line():
    before = "<h2>Káva</h2><p>Pražená v Brně.</p><ul><li>Tmavá</li><li>Silná</li></ul><p>Konec.</p>"
    after = before.replace("Silná", "Jemná")
    assert text_lines(before) == [
        "<h2>Káva</h2>",
        "<p>Pražená v Brně.</p>",
        "<ul>",
        "<li>Tmavá</li>",
        "<li>Silná</li>",
        "</ul>",
        "<p>Konec.</p>",
    ]
    rows = line_diff(before, after)
    assert [r for r in rows if r[:1] in "+-"] == ["- <li>Silná</li>", "+ <li>Jemná</li>"]
    assert "  <li>Tmavá</li>" in rows  # one line of context each side


def test_a_long_paragraph_is_split_after_sentences():
    para = "<p>" + " ".join(f"Věta číslo {n} je tady." for n in range(12)) + "</p>"
    changed = para.replace("číslo 5", "číslo pět")
    rows = [r for r in line_diff(para, changed) if r[:1] in "+-"]
    assert rows == ["- Věta číslo 5 je tady.", "+ Věta číslo pět je tady."]


def test_a_created_or_removed_text_is_all_added_or_removed_lines():
    text = "line one\nline two\n"
    assert line_diff(None, text) == ["+ line one", "+ line two"]
    assert line_diff(text, None) == ["- line one", "- line two"]


def test_distant_changes_are_separate_hunks():
    before = "\n".join(f"line {n}" for n in range(20))
    after = before.replace("line 2", "LINE 2").replace("line 17", "LINE 17")
    rows = line_diff(before, after)
    assert "  …" in rows and rows.index("  …") < rows.index("+ LINE 17")


def test_what_counts_as_long():
    assert is_long(FieldChange("description", None, "x" * 81))
    assert is_long(FieldChange("name", "a\nb", "c"))
    assert not is_long(FieldChange("description", None, "<p>krátký</p>\n"))
    assert not is_long(FieldChange("price", "1", "2"))
    summary = long_summary(FieldChange("description", "a\nb", "a\nc"))
    assert summary == "1 line changed (3 -> 3 chars)"
    created = long_summary(FieldChange("description", None, "a\nb\nc"))
    assert created == "3 lines added (5 chars)"
    assert long_summary(FieldChange("description", "x\n" * 2, None)) == "2 lines removed (4 chars)"


def test_the_default_currency_comes_from_the_eshop_read():
    rows = [
        {"code": "EUR", "isDefault": False, "display": {"text": "€", "location": "left"}},
        {
            "code": "CZK",
            "isDefault": True,
            "display": {"text": "Kč", "location": "right"},
            "priceDecimalPlaces": 0,
        },
    ]
    assert default_currency(rows) == Currency("CZK", "Kč", 0, symbol_left=False)
    assert default_currency(rows[:1]) == Currency("EUR", "€", 2, symbol_left=True)
    assert default_currency([{"code": "PLN"}]) == Currency("PLN", "PLN", 2)
    assert default_currency([{"code": "PLN", "priceDecimalPlaces": 99}]).decimals == 2
    for nothing in (None, [], [{"isDefault": True}], ["junk"]):
        assert default_currency(nothing) is None


def test_the_currency_is_display_only_and_survives_the_plan_file():
    plain = sample_plan()
    shown = Plan(**{**plain.__dict__, "names": CZK})
    assert shown.plan_id == plain.plan_id  # not hashed: rewording never changes the planId
    loaded = Plan.from_json(shown.to_json())
    assert loaded.names.currency == Currency("CZK", "Kč", 2)
    assert '"currency"' not in plain.to_json()  # plans without one keep their shape


@pytest.mark.parametrize(
    "bad", [None, "CZK", {"code": 1, "symbol": "Kč"}, {"code": "CZK\n", "symbol": "Kč"}]
)
def test_a_malformed_currency_in_a_plan_file_is_no_currency(bad):
    names = Names.from_dict({"currency": bad})
    assert names.currency is None


@pytest.mark.parametrize("symbol", ["Kč\n+ price: 1", "<img src=x>", "```", "\x1b[31m", "", 5])
def test_a_symbol_that_could_act_on_a_terminal_or_markdown_is_replaced_by_the_code(symbol):
    data = {"code": "CZK", "symbol": symbol, "decimals": 99}
    assert Names.from_dict({"currency": data}).currency == Currency("CZK", "CZK", 2)
    row = {"code": "CZK", "isDefault": True, "display": {"text": symbol}}
    assert default_currency([row]) == Currency("CZK", "CZK", 2)


@pytest.mark.parametrize("symbol", ["Kč", "€", "zł", "Ft", "CHF", "US$", "lei"])
def test_real_symbols_are_kept(symbol):
    assert Currency.of("XXX", symbol).symbol == symbol
