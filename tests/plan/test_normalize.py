"""normalize.py: every rule tested by name, and the readers live.py uses."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from reconciler.model import Product, Variant
from reconciler.plan.normalize import (
    RULES,
    RULES_BY_NAME,
    NormContext,
    canonical_decimal,
    live_physical_stock,
    normalize_product,
    product_form,
    read_negative_stock_allowed,
    read_visibility,
)

CTX = NormContext(default_stock_id=7)
CAT_A = "aaaaaaaa-0000-4000-8000-000000000001"
CAT_B = "bbbbbbbb-0000-4000-8000-000000000002"


def rule(name):
    return RULES_BY_NAME[name]


def form(fields=None, **variants):
    return {"fields": dict(fields or {}), "variants": {c: dict(v) for c, v in variants.items()}}


def test_rules_are_named_documented_and_ordered():
    names = [name for name, _ in RULES]
    assert names == [
        "code_uppercase",
        "text_nfc",
        "html_trim",
        "empty_text_is_null",
        "visibility_normal_is_visible",
        "negative_stock_allowed_bool",
        "stock_per_stock_id",
        "decimal_canonical",
        "guid_lowercase",
        "categories_as_set",
        "parameters_mapping",
        "objects_canonical",
        "prices_per_pricelist",
        "flags_by_code",
        "image_alt_empty_is_none",
    ]
    for name, fn in RULES:
        assert fn.__name__ == name and len((fn.__doc__ or "").strip()) > 40, name


def test_image_alt_empty_is_none():
    images = [
        {"name": "1.jpg", "alt": ""},
        {"name": "2.jpg", "alt": "x"},
        {"src": "https://a/b.jpg"},
    ]
    out = rule("image_alt_empty_is_none")(form({"images": images}), CTX)
    assert out["fields"]["images"] == [
        {"name": "1.jpg", "alt": None},
        {"name": "2.jpg", "alt": "x"},
        {"src": "https://a/b.jpg"},  # alt left out stays left out: the shop's text is kept
    ]


def test_code_uppercase():
    out = rule("code_uppercase")(form(**{"choc-100": {"ean": "1"}}), CTX)
    assert out["variants"] == {"CHOC-100": {"ean": "1"}}


def test_text_nfc():
    nfd = unicodedata.normalize("NFD", "Čokoláda")
    assert nfd != "Čokoláda"
    out = rule("text_nfc")(form({"name": nfd, "categories": [nfd]}, A={"ean": nfd}), CTX)
    assert out["fields"] == {"name": "Čokoláda", "categories": ["Čokoláda"]}
    assert out["variants"]["A"]["ean"] == "Čokoláda"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("<p>x</p>\n", "<p>x</p>"),
        ("\r\n <p>a</p>\r\n<p>b</p>  ", "<p>a</p>\n<p>b</p>"),
        ("<pre>a  b\n  c</pre>", "<pre>a  b\n  c</pre>"),
        (None, None),
    ],
)
def test_html_trim(value, expected):
    out = rule("html_trim")(form({"description": value, "shortDescription": value}), CTX)
    assert out["fields"] == {"description": expected, "shortDescription": expected}


def test_html_trim_leaves_other_text_alone():
    out = rule("html_trim")(form({"name": " x "}), CTX)
    assert out["fields"]["name"] == " x "


def test_empty_text_is_null():
    out = rule("empty_text_is_null")(form({"description": "", "name": "x"}, A={"ean": ""}), CTX)
    assert out["fields"] == {"description": None, "name": "x"}
    assert out["variants"]["A"] == {"ean": None}


def test_visibility_normal_is_visible():
    f = rule("visibility_normal_is_visible")
    assert f(form({"visibility": "normal"}), CTX)["fields"] == {"visibility": "visible"}
    assert f(form({"visibility": "hidden"}), CTX)["fields"] == {"visibility": "hidden"}
    assert f(form(), CTX)["fields"] == {}


@pytest.mark.parametrize(
    "value, expected",
    [("yes", True), ("yes-global", True), ("no-global", False), (True, True), (False, False)],
)
def test_negative_stock_allowed_bool(value, expected):
    out = rule("negative_stock_allowed_bool")(form(A={"negativeStockAllowed": value}), CTX)
    assert out["variants"]["A"]["negativeStockAllowed"] is expected


def test_stock_per_stock_id():
    f = rule("stock_per_stock_id")
    out = f(form(A={"stock": Decimal(5)}, B={"stock": {"1": 2, 3: 4}}, C={"stock": None}), CTX)
    assert out["variants"] == {
        "A": {"stock": {7: Decimal(5)}},
        "B": {"stock": {1: 2, 3: 4}},
        "C": {"stock": {}},
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("1.000"), "1"),
        ("1.000", "1"),
        (1, "1"),
        (Decimal("123.450"), "123.45"),
        (Decimal("100"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0.00"), "0"),
        (Decimal("0.001"), "0.001"),
        (None, None),
    ],
)
def test_canonical_decimal(value, expected):
    assert canonical_decimal(value) == expected


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", Decimal("Infinity")])
def test_canonical_decimal_refuses_non_decimals(bad):
    with pytest.raises((TypeError, ValueError)):
        canonical_decimal(bad)


def test_decimal_canonical():
    out = rule("decimal_canonical")(
        form(
            A={
                "price": Decimal("10.00"),
                "weight": "0.250",
                "stock": {1: Decimal("3.000")},
                "ean": "00123",
            }
        ),
        CTX,
    )
    assert out["variants"]["A"] == {
        "price": "10",
        "weight": "0.25",
        "stock": {1: "3"},
        "ean": "00123",
    }


def test_guid_lowercase():
    out = rule("guid_lowercase")(
        form({"defaultCategory": CAT_A.upper(), "categories": [CAT_B.upper()]}), CTX
    )
    assert out["fields"] == {"defaultCategory": CAT_A, "categories": [CAT_B]}


def test_categories_as_set():
    f = rule("categories_as_set")
    out = f(form({"categories": [CAT_B, CAT_B], "defaultCategory": CAT_A}), CTX)
    assert out["fields"]["categories"] == [CAT_A, CAT_B]
    assert f(form({"categories": [CAT_B, CAT_A]}), CTX)["fields"]["categories"] == [CAT_A, CAT_B]
    assert f(form({"categories": None}), CTX)["fields"]["categories"] is None


def test_product_form_keeps_only_stated_fields_and_skips_tombstones():
    product = Product(
        name="X", description=None, variants={"A": Variant(price="1"), "B": Variant(absent=True)}
    )
    assert product_form(product) == {
        "fields": {"name": "X", "description": None},
        "variants": {"A": {"price": Decimal("1")}},
    }


def test_both_spellings_normalise_to_the_same_form():
    desired = Product(
        name=unicodedata.normalize("NFD", "Čokoláda"),
        description="<p>a</p>\n",
        variants={"A": Variant(price="10", stock="5", weight="0.5")},
    )
    live = Product(
        name="Čokoláda",
        description="<p>a</p>",
        variants={"A": Variant(price="10.00", stock={7: "5.000"}, weight="0.500")},
    )
    assert normalize_product(desired, CTX) == normalize_product(live, CTX)


def test_readers_for_the_live_side():
    assert read_visibility("normal") == "visible"
    assert read_visibility("hidden") == "hidden"
    assert read_negative_stock_allowed("no-global") is False
    assert read_negative_stock_allowed("maybe") == "maybe"
    assert live_physical_stock("3.000", "2.000") == Decimal("5")
    assert live_physical_stock("1", None) == Decimal("1")


# --- pricelist-row objects (issue 17) --------------------------------------------------------


def test_objects_canonical_decimals_and_dates():
    out = rule("objects_canonical")(
        form(
            A={
                "actionPrice": {
                    "price": "179.00",
                    "fromDate": "2026-12-01",
                    "toDate": "2026-12-24",
                },
                "orderableAmount": {"minimumAmount": "1.000", "maximumAmount": None},
            }
        ),
        CTX,
    )
    assert out["variants"]["A"] == {
        "actionPrice": {"price": "179", "fromDate": "2026-12-01", "toDate": "2026-12-24"},
        "orderableAmount": {"minimumAmount": "1", "maximumAmount": None},
    }


def test_objects_canonical_an_object_without_its_key_part_is_null():
    """Shoptet keeps a cleared purchase price's VAT rate: that is no purchase price."""
    out = rule("objects_canonical")(
        form(
            A={
                "purchasePrice": {"price": None, "vatRate": "21.00", "includingVat": True},
                "actionPrice": {"price": None, "fromDate": None, "toDate": None},
            }
        ),
        CTX,
    )
    assert out["variants"]["A"] == {"purchasePrice": None, "actionPrice": None}


def test_objects_canonical_only_a_whole_object_of_nulls_is_null():
    """``{minimumAmount: null}`` clears only the minimum; a full object of nulls is none."""
    out = rule("objects_canonical")(
        form(
            A={"orderableAmount": {"minimumAmount": None}},
            B={"orderableAmount": {"minimumAmount": None, "maximumAmount": None}},
        ),
        CTX,
    )
    assert out["variants"]["A"]["orderableAmount"] == {"minimumAmount": None}
    assert out["variants"]["B"]["orderableAmount"] is None
