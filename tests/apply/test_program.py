"""The write program (``apply/program.py``), pure: compare-before-write verdicts in, ordered and
batched requests out, each naming the changes and fields it carries. No HTTP."""

from __future__ import annotations

import pytest

from reconciler.apply.check import Check, Verdict
from reconciler.apply.program import Part, Step, narrowed, program, request
from reconciler.plan.model import Action, Change, FieldChange, Resource

NEW = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
OLD = "5c499a23-70ac-11e9-9208-08002774f818"
GONE = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
CAT = "b9e6b7dc-3057-5ac1-9792-f17d839243b8"

C, U, D = Action.CREATE, Action.UPDATE, Action.DELETE
P, V, PR, S = Resource.PRODUCT, Resource.VARIANT, Resource.PRICE, Resource.STOCK


def change(action, resource, guid, code=None, stock_id=None, **after) -> Change:
    before = None if action is C else "old"
    fields = tuple(FieldChange(f, before, v) for f, v in after.items())
    return Change(action, resource, guid, code, stock_id=stock_id, fields=fields)


def write(c: Change, **pending) -> Check:
    return Check(c, Verdict.WRITE, pending or dict(c.after or {}))


def new_product_checks() -> list[Check]:
    """A new product with two variants: A (price, vatRate, stock in stocks 1 and 3), B (ean)."""
    return [
        write(change(C, P, NEW, name="Nová", defaultCategory=CAT)),
        write(change(C, V, NEW, "A")),
        write(change(C, PR, NEW, "A", price="99.9", vatRate="21")),
        write(change(C, S, NEW, "A", 1, stock="5")),
        write(change(C, S, NEW, "A", 3, stock="2")),
        write(change(C, V, NEW, "B", ean="00123")),
    ]


def steps(stages) -> list[tuple[Step, int]]:
    return [(s.step, len(s.requests)) for s in stages]


def test_a_create_is_grouped_with_its_variants_stock_and_price_into_one_post():
    stages = program(new_product_checks(), pricelist_id=1)
    assert steps(stages) == [(Step.CREATE, 1), (Step.PRICES, 1)]
    post = stages[0].requests[0]
    assert (post.method, post.path, post.items) == ("POST", "/api/products", (NEW,))
    assert post.change_ids == [
        f"product:{NEW}",
        f"variant:{NEW}:A",
        f"price:{NEW}:A",
        f"stock:{NEW}:A:1",
        f"stock:{NEW}:A:3",
        f"variant:{NEW}:B",
    ]
    assert post.body == {
        "guid": NEW,
        "name": "Nová",
        "defaultCategoryGuid": CAT,
        "variants": [
            {
                "code": "A",
                "price": "99.90",
                "stocksLocations": [
                    {"stockId": 1, "amount": "5.000"},
                    {"stockId": 3, "amount": "2.000"},
                ],
            },
            {"code": "B", "ean": "00123"},
        ],
    }
    # what the POST cannot carry goes to the pricelist afterwards, under the same change id,
    # with the price the POST sets (Shoptet requires a price object in every row)
    (prices,) = stages[1].requests
    assert (prices.method, prices.path) == ("PATCH", "/api/pricelists/1")
    assert prices.body == [{"code": "A", "vatRate": "21.00", "price": {"price": "99.90"}}]
    assert prices.change_ids == [f"price:{NEW}:A"]
    post_price = next(p for p in post.parts if p.change.resource is PR)
    assert dict(post_price.fields) == {"price": "99.9"}


def test_a_create_for_a_non_default_pricelist_sends_every_price_field_afterwards():
    stages = program(new_product_checks(), pricelist_id=2, price_on_create=False)
    post, prices = stages[0].requests[0], stages[1].requests[0]
    assert "price" not in post.body["variants"][0]
    assert f"price:{NEW}:A" not in post.change_ids
    assert prices.path == "/api/pricelists/2"
    assert prices.body == [{"code": "A", "price": {"price": "99.90"}, "vatRate": "21.00"}]


def test_a_create_whose_price_rides_in_the_post_needs_no_pricelist_request():
    checks = [
        write(change(C, P, NEW, name="X", defaultCategory=CAT)),
        write(change(C, V, NEW, "A")),
        write(change(C, PR, NEW, "A", price="10")),
    ]
    assert steps(program(checks, pricelist_id=1)) == [(Step.CREATE, 1)]


def test_an_existing_product_with_a_created_product_done_gets_a_patch_not_a_post():
    """A re-run after a crash: the product exists (its create is done), one variant is missing
    and one price field is still to write: PATCH with the new code, then the pricelist."""
    checks = [
        Check(change(C, P, NEW, name="Nová"), Verdict.DONE),
        write(change(C, V, NEW, "B", ean="00123")),
        write(change(C, PR, NEW, "A", price="99.9", vatRate="21"), vatRate="21"),
        Check(change(C, S, NEW, "A", 1, stock="5"), Verdict.DONE),
        write(change(C, S, NEW, "A", 3, stock="2"), stock="2"),
    ]
    stages = program(checks, pricelist_id=1)
    assert steps(stages) == [(Step.PRODUCT, 1), (Step.PRICES, 1), (Step.STOCK, 1)]
    assert stages[0].requests[0].body == {"variants": [{"code": "B", "ean": "00123"}]}
    assert stages[1].requests[0].body == [
        {"code": "A", "vatRate": "21.00", "price": {"price": "99.90"}}
    ]
    assert stages[2].requests[0].path == "/api/stocks/3/movements"
    assert stages[2].requests[0].body == [{"productCode": "A", "realStock": 2}]


def test_the_order_is_creates_patches_prices_stock_variant_deletes_product_deletes():
    checks = [
        write(change(D, P, GONE, name=None), name=None),
        write(change(D, V, OLD, "OLD-2")),
        write(change(U, S, OLD, "OLD-1", 2, stock="7")),
        write(change(U, S, OLD, "OLD-1", 1, stock="3")),
        write(change(U, PR, OLD, "OLD-1", price="5")),
        write(change(U, V, OLD, "OLD-1", ean="1")),
        write(change(U, P, OLD, name="Nové")),
        *new_product_checks(),
        Check(change(U, P, "0" * 8 + OLD[8:], name="x"), Verdict.DONE),
        Check(change(U, P, "1" * 8 + OLD[8:], name="y"), Verdict.CONFLICT, reason="moved"),
    ]
    stages = program(checks, pricelist_id=1)
    assert steps(stages) == [
        (Step.CREATE, 1),
        (Step.PRODUCT, 1),
        (Step.PRICES, 1),
        (Step.STOCK, 2),
        (Step.DELETE_VARIANT, 1),
        (Step.DELETE_PRODUCT, 1),
    ]
    patch = stages[1].requests[0]
    assert (patch.path, patch.items) == (f"/api/products/{OLD}", (OLD, "OLD-1"))
    assert patch.body == {"name": "Nové", "variants": [{"code": "OLD-1", "ean": "1"}]}
    assert [r.path for r in stages[3].requests] == [
        "/api/stocks/1/movements",
        "/api/stocks/2/movements",
    ]
    assert [(r.method, r.path) for s in stages[4:] for r in s.requests] == [
        ("DELETE", "/api/products/code/OLD-2"),
        ("DELETE", f"/api/products/{GONE}"),
    ]
    every = [cid for s in stages for r in s.requests for cid in r.change_ids]
    assert "0" * 8 not in "".join(every) and "1" * 8 not in "".join(every)  # done, conflict


def test_prices_and_stock_go_in_batches_of_at_most_300_per_stock():
    codes = [f"C-{i:03d}" for i in range(601)]
    checks = [write(change(U, PR, OLD, c, price="1")) for c in codes]
    checks += [write(change(U, S, OLD, c, 1, stock="1")) for c in codes]
    checks += [write(change(U, S, OLD, c, 2, stock="1")) for c in codes[:301]]
    stages = program(checks, pricelist_id=1)
    prices, stock = stages
    assert [len(r.body) for r in prices.requests] == [300, 300, 1]
    assert [(r.target, len(r.body)) for r in stock.requests] == [
        (1, 300),
        (1, 300),
        (1, 1),
        (2, 300),
        (2, 1),
    ]
    assert [r.items[0] for r in prices.requests] == ["C-000", "C-300", "C-600"]
    assert all(len(r.change_ids) == len(r.body) for s in stages for r in s.requests)


def test_one_request_per_product_for_creates_patches_and_deletes():
    other = "2" * 8 + NEW[8:]
    checks = [
        write(change(C, P, NEW, name="A", defaultCategory=CAT)),
        write(change(C, V, NEW, "A-1")),
        write(change(C, P, other, name="B", defaultCategory=CAT)),
        write(change(C, V, other, "B-1")),
        write(change(U, V, OLD, "X", ean="1")),
        write(change(U, V, OLD, "Y", ean="2")),
    ]
    stages = program(checks, pricelist_id=1)
    assert steps(stages) == [(Step.CREATE, 2), (Step.PRODUCT, 1)]
    assert [r.target for r in stages[0].requests] == sorted([NEW, other])
    assert stages[1].requests[0].items == (OLD, "X", "Y")
    assert all(s.step.per_product for s in stages)
    assert not Step.PRICES.per_product and not Step.STOCK.per_product


def test_narrowed_rebuilds_a_request_with_fewer_parts_and_never_a_post_without_its_product():
    (post, _) = (s.requests[0] for s in program(new_product_checks(), pricelist_id=1))
    without_product = [p for p in post.parts if p.change.resource is not P]
    assert narrowed(post, without_product) is None
    assert narrowed(post, []) is None
    product_and_b = [p for p in post.parts if p.change.code in (None, "B")]
    smaller = narrowed(post, product_and_b)
    assert smaller is not None and smaller.body["variants"] == [{"code": "B", "ean": "00123"}]
    prices = program(
        [write(change(U, PR, OLD, c, price="1", vatRate="21")) for c in ("A", "B")],
        pricelist_id=1,
    )[0].requests[0]
    (first, _) = prices.parts
    one = narrowed(prices, [Part(first.change, {"vatRate": "21"})])
    assert one.body == [{"code": "A", "vatRate": "21.00", "price": {"price": "1.00"}}]
    assert one.items == ("A",)


def test_prices_without_a_pricelist_are_a_programming_error():
    with pytest.raises(ValueError, match="pricelist"):
        program([write(change(U, PR, OLD, "A", price="1"))], pricelist_id=None)
    assert request(Step.PRICES, 1, []) is None


def test_a_vat_only_row_carries_the_price_the_check_read_live():
    vat = Check(
        change(U, PR, OLD, "A", vatRate="21"), Verdict.WRITE, {"vatRate": "21"}, live_price="189"
    )
    (stage,) = program([vat], pricelist_id=1)
    assert stage.requests[0].body == [
        {"code": "A", "vatRate": "21.00", "price": {"price": "189.00"}}
    ]
    assert dict(stage.requests[0].parts[0].fields) == {"vatRate": "21"}  # the price is no write
