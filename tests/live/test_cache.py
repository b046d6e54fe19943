"""The incremental live cache: what a warm read costs, that it sees edits, creates, deletes,
price changes and stock moves, and that an unusable cache (another e-shop, another tool
version, older than 30 days, damaged on disk) is replaced by a full read with a one-line notice."""

from __future__ import annotations

import gzip
import hashlib
import json
from decimal import Decimal

import pytest

from reconciler.cli import main
from reconciler.live import cache_file as C
from reconciler.live.cached import MARGIN
from reconciler.live.read import read_shop
from reconciler.model import Product, Variant
from tests.live.cache_support import (
    EXAMPLE,
    Clock,
    cached_plan,
    cold_plan,
    example,
    sandbox,
)
from tests.support.sandbox_client import sandbox_client

SENCHA = "bb65820f-d7bd-53e0-bc82-f35caab096ba"  # managed, stock in stocks 1 and 2
STOCKS = 2  # the demo shop's stocks: one supplies page each
# The example catalog states variant parameters: the shop's registry is read once per plan.
REGISTRY = 1


@pytest.fixture
def world(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    loaded = example()
    cold, cold_requests = cold_plan(sb, loaded)
    notices: list[str] = []
    first, requests = cached_plan(sb, loaded, tmp_path / "cache", clock, notices)
    assert first.to_json() == cold.to_json()
    assert requests == cold_requests  # no cache yet: exactly a full read
    assert notices == [
        f"Live cache ({tmp_path / 'cache'}): not used, no cache yet; reading the whole shop."
    ]
    clock.advance(hours=1)
    return clock, sb, loaded, tmp_path / "cache", cold_requests


def test_a_warm_read_with_nothing_changed_reads_no_product(world):
    clock, sb, loaded, cache_dir, _ = world
    notices: list[str] = []
    plan, requests = cached_plan(sb, loaded, cache_dir, clock, notices)
    # eshop + stocks, the changes feed, supplies per stock, the parameter registry
    assert requests == 2 + 1 + STOCKS + REGISTRY
    assert plan.to_json() == cold_plan(sb, loaded)[0].to_json()
    assert "0 product(s) changed and 0 stock row(s)" in notices[0]


def test_edits_prices_stock_creates_and_deletes_are_seen(world):
    clock, sb, loaded, cache_dir, _ = world
    live = {p["guid"]: p for p in sb.state()["products"]}
    unmanaged = sorted(set(live) - set(loaded.catalog.products))
    created = next(g for g, p in loaded.catalog.products.items() if g not in live and not p.absent)
    with sandbox_client(sb) as w:
        w.patch_product(SENCHA, {"name": "Renamed in the admin"})
        w.patch_pricelist(1, [{"code": "CAJ-SEN-100", "price": {"price": "1.00"}}])
        w.patch_stock_movements(2, [{"productCode": "CAJ-SEN-50", "realStock": 77}])
        w.delete_product(unmanaged[0])
        w.create_product(
            {
                "guid": created,
                "name": "Made in the admin",
                "defaultCategoryGuid": sb.state()["categories"][0]["guid"],
                # with a parameter: the catalog adds two variants to it, and Shoptet's rule
                # needs every variant of a multi-variant product to have a unique combination
                "variants": [
                    {
                        "code": "ADMIN-1",
                        "parameters": [{"nameIndex": "hmotnost", "valueIndex": "1000-g"}],
                    }
                ],
            }
        )
    clock.advance(hours=1)
    plan, requests = cached_plan(sb, loaded, cache_dir, clock)
    cold, _ = cold_plan(sb, loaded)
    assert plan.to_json() == cold.to_json()
    # feed 1 + supplies 2 + names of 1 deleted unmanaged product 1 + details of 2 managed
    assert requests == 2 + 1 + STOCKS + REGISTRY + 1 + 2
    # and the stock move alone costs no detail read
    with sandbox_client(sb) as w:
        w.patch_stock_movements(1, [{"productCode": "CAJ-SEN-100", "realStock": 5}])
    clock.advance(hours=1)
    plan, requests = cached_plan(sb, loaded, cache_dir, clock)
    assert requests == 2 + 1 + STOCKS + REGISTRY
    assert plan.to_json() == cold_plan(sb, loaded)[0].to_json()


def test_a_product_the_yaml_starts_managing_more_of_is_read_again(world, tmp_path):
    clock, sb, loaded, _cache_dir, _ = world
    # same shop, a catalog stating less about Sencha (no stock): its detail needs no include
    less = loaded.catalog.model_copy(deep=True)
    sencha = less.products[SENCHA]
    variants = {
        code: Variant(**{k: getattr(v, k) for k in v.model_fields_set if k != "stock"})
        for code, v in sencha.variants.items()
    }
    less.products[SENCHA] = Product(
        **{k: getattr(sencha, k) for k in sencha.model_fields_set if k != "variants"},
        variants=variants,
    )
    smaller = type(loaded)(catalog=less, locations={}, digest=loaded.digest)
    other = tmp_path / "other"
    cached_plan(sb, smaller, other, clock)
    clock.advance(hours=1)
    plan, requests = cached_plan(sb, loaded, other, clock)  # now it manages stock again
    assert requests == 2 + 1 + STOCKS + REGISTRY + 1
    assert plan.to_json() == cold_plan(sb, loaded)[0].to_json()


def _shop(world):
    with sandbox_client(world[1], read_only=True) as c:
        return read_shop(c, world[2].catalog.shop)


# --- unusable caches -------------------------------------------------------------------------


def _rewrite(cache_dir, **changes):
    cache, why = C.load_cache(cache_dir)
    assert cache is not None, why
    for key, value in changes.items():
        setattr(cache, key, value)
    C.save_cache(cache_dir, cache)


# A cache whose header promises a usable cache (this e-shop, recent) but whose body proves
# damaged also costs the changes feed and supplies pages started while it loaded.
EARLY = 1 + STOCKS


def _full_read_with_notice(world, reason: str, early: int = 0):
    clock, sb, loaded, cache_dir, cold_requests = world
    notices: list[str] = []
    plan, requests = cached_plan(sb, loaded, cache_dir, clock, notices)
    assert requests == cold_requests + early
    assert plan.to_json() == cold_plan(sb, loaded)[0].to_json()
    assert len(notices) == 1 and "\n" not in notices[0]
    assert "not used" in notices[0] and reason in notices[0] and "whole shop" in notices[0]
    cache, why = C.load_cache(cache_dir)  # replaced by a good one
    assert cache is not None and cache.read_at == clock(), why


def test_a_cache_for_another_eshop_is_not_used(world):
    _rewrite(world[3], eshop_id=999)
    _full_read_with_notice(world, "for e-shop 999")


def test_a_cache_from_another_tool_version_is_not_used(world):
    _rewrite(world[3], tool="shoptet-catalog 0.0.1")
    _full_read_with_notice(world, "written by shoptet-catalog 0.0.1")


def test_a_cache_older_than_the_feed_history_is_not_used(world):
    world[0].advance(days=30)
    _full_read_with_notice(world, "older than the 30 days")


def test_a_cache_from_the_future_is_not_used(world):
    world[0].advance(hours=-3)
    _full_read_with_notice(world, "in the future")


def test_a_cache_for_other_stocks_or_pricelist_is_not_used(world):
    _rewrite(world[3], stocks=[1])
    _full_read_with_notice(world, "stocks changed")
    _rewrite(world[3], pricelist_id=7)
    _full_read_with_notice(world, "pricelist")


@pytest.mark.parametrize(
    ("damage", "reason", "early"),
    [
        (lambda raw: b"not gzip at all", "damaged", 0),
        (lambda raw: raw[: len(raw) // 2], "damaged", EARLY),  # the header line is intact
        (lambda raw: gzip.compress(b"[1, 2]"), "not a JSON object", 0),
        (lambda raw: gzip.compress(b"{not json"), "damaged", 0),
        (
            lambda raw: gzip.compress(
                gzip.decompress(raw)
                .replace(b'"Renamed', b'"renamed')
                .replace(b"$d", b"$d")
                .replace(b'"names":{', b'"names":{"00000000-0000-0000-0000-000000000000":"x",')
            ),
            "checksum mismatch",
            EARLY,
        ),
    ],
)
def test_a_damaged_cache_file_is_not_used(world, damage, reason, early):
    path = world[3] / C.CACHE_FILE
    path.write_bytes(damage(path.read_bytes()))
    _full_read_with_notice(world, reason, early)


def _rewrite_body(cache_dir, change, name: str = C.CACHE_FILE) -> None:
    """``change(doc)`` applied to the JSON body of the cache file ``name`` (the base, or the
    delta), the checksum made right again: damage only the format checks can catch."""
    path = cache_dir / name
    head, _, body = gzip.decompress(path.read_bytes()).partition(b"\n")
    doc = json.loads(body)
    change(doc)
    body = json.dumps(doc).encode()
    head = {**json.loads(head), "checksum": hashlib.sha256(body).hexdigest()}
    path.write_bytes(gzip.compress(json.dumps(head).encode() + b"\n" + body))


def _column(doc, kind: str, block: str = "variants") -> list:
    """The first column of ``kind`` in the first block of ``block`` that has one."""
    for b in doc[block]:
        for (_, k), column in zip(doc["shapes"][b[0]], b[3:], strict=True):
            if k == kind:
                return column
    raise AssertionError(f"no {kind} column")


def _set(column: list, index: int, value) -> None:
    column[index] = value


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda doc: doc.pop("includes"), id="a table missing"),
        pytest.param(lambda doc: _set(_column(doc, "d"), 0, "abc"), id="a decimal not a number"),
        pytest.param(lambda doc: _set(_column(doc, "d"), 0, "NaN"), id="a decimal not finite"),
        pytest.param(lambda doc: _set(_column(doc, "d"), 0, 12), id="a decimal not text"),
        pytest.param(lambda doc: _column(doc, "d").pop(), id="a column too short"),
        pytest.param(lambda doc: _column(doc, "s")[1].pop(), id="a stock amount missing"),
        pytest.param(lambda doc: _set(_column(doc, "s")[0], 0, "1"), id="a stock id not a number"),
        pytest.param(
            lambda doc: _set(doc["variants"][0][1], 0, 10**6), id="a variant's product out of range"
        ),
        pytest.param(
            lambda doc: _set(doc["variants"][0][2], 1, doc["variants"][0][2][0]),
            id="a variant twice",
        ),
        pytest.param(
            lambda doc: _set(doc["products"][0][1], 1, doc["products"][0][1][0]),
            id="a product twice",
        ),
        pytest.param(
            lambda doc: _set(doc["products"][0][2], 0, 99), id="an include set out of range"
        ),
        pytest.param(lambda doc: _set(doc["products"][0], 0, 99), id="a shape out of range"),
        pytest.param(lambda doc: _set(doc["shapes"][0][0], 1, "x"), id="a kind this format lacks"),
        pytest.param(
            lambda doc: _set(_column(doc, "p", "products"), 0, {"$d": "1"}), id="a name not text"
        ),
    ],
)
def test_a_malformed_cache_with_a_good_checksum_is_not_used(world, change):
    _rewrite_body(world[3], change)
    _full_read_with_notice(world, "malformed", EARLY)


def test_a_format_1_cache_is_another_format_not_damage(world):
    """An old cache (one JSON object per product) is ignored cleanly: one line, full read."""
    path = world[3] / C.CACHE_FILE
    body = json.dumps({"format": 1, "details": {SENCHA: {"include": [], "product": {}}}}).encode()
    head = {"format": 1, "tool": C.TOOL, "checksum": hashlib.sha256(body).hexdigest()}
    path.write_bytes(gzip.compress(json.dumps(head).encode() + b"\n" + body))
    _full_read_with_notice(world, f"(format 1), this is {C.TOOL} (format {C.FORMAT})")


def test_an_inconsistent_cache_is_not_used(world):
    cache, _ = C.load_cache(world[3])
    cache.names.pop(SENCHA)
    C.save_cache(world[3], cache)
    _full_read_with_notice(world, "inconsistent", EARLY)


# --- the file --------------------------------------------------------------------------------


def test_the_cache_round_trips_types_and_holds_no_token(world):
    cache_dir = world[3]
    raw = gzip.decompress((cache_dir / C.CACHE_FILE).read_bytes()).decode()
    assert "sandbox-token" not in raw and "Token" not in raw
    cache, _ = C.load_cache(cache_dir)
    _, product = cache.details[SENCHA]
    stock = product.variants["CAJ-SEN-50"].stock
    assert all(type(k) is int and type(v) is Decimal for k, v in stock.items())
    encoded = C.encode_details(cache.details)
    again = C.decode_details(json.loads(json.dumps(encoded), object_hook=C._hook))
    assert again == cache.details and C.encode_details(again) == encoded
    assert list(cache_dir.iterdir()) == [cache_dir / C.CACHE_FILE]  # no temporary left


def test_a_cache_that_cannot_be_written_is_a_notice_not_a_failure(world, tmp_path):
    clock, sb, loaded, _, _ = world
    blocker = tmp_path / "file"
    blocker.write_text("x")
    notices: list[str] = []
    plan, _ = cached_plan(sb, loaded, blocker / "cache", clock, notices)
    assert plan.to_json() == cold_plan(sb, loaded)[0].to_json()
    assert any("not saved" in n for n in notices)


def test_an_unknown_value_type_is_refused_by_the_encoder():
    with pytest.raises(TypeError):
        C.encode_details({SENCHA: ((), Product.model_construct(name=object(), variants={}))})


def test_plan_cache_on_the_command_line(tmp_path, capsys):
    args = ["--catalog", str(EXAMPLE), "--sandbox", "plan", "--cache", str(tmp_path / "c")]
    for expected in ("no cache yet", "0 product(s) changed"):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0
        assert expected in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--target", SENCHA])
    assert "--cache serves full plans only" in capsys.readouterr().err


def test_apply_has_no_cache_option(capsys):
    """Apply never trusts the cache: its compare-before-write re-read is always fresh."""
    with pytest.raises(SystemExit):
        main(["apply", "--help"])
    assert "--cache" not in capsys.readouterr().out


def test_a_cache_naming_a_field_the_model_lacks_is_damaged_not_data(world):
    path = world[3] / C.CACHE_FILE
    head, _, body = gzip.decompress(path.read_bytes()).partition(b"\n")
    doc = json.loads(body)
    doc["shapes"][doc["products"][0][0]].append(["__class__", "p"])
    doc["products"][0].append(["x"] * len(doc["products"][0][1]))
    body = json.dumps(doc).encode()
    head = {**json.loads(head), "checksum": hashlib.sha256(body).hexdigest()}
    path.write_bytes(gzip.compress(json.dumps(head).encode() + b"\n" + body))
    _full_read_with_notice(world, "unknown field", EARLY)


def _rewrite_header(cache_dir, **changes) -> None:
    path = cache_dir / C.CACHE_FILE
    head, _, body = gzip.decompress(path.read_bytes()).partition(b"\n")
    head = json.dumps({**json.loads(head), **changes}).encode()
    path.write_bytes(gzip.compress(head + b"\n" + body))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"readAt": "2026-11-27T12:30:00+00:00"}, id="another read time"),
        pytest.param({"stocks": [2, 1]}, id="the stocks in another order"),
        pytest.param({"eshopId": "1"}, id="the e-shop as text"),
    ],
)
def test_a_header_that_is_not_its_body_is_damage(world, changes):
    """The header is read first to start the feed early; it must say what the body does, or
    a planted header could steer the read (here: a later read time would hide changes)."""
    _rewrite_header(world[3], **changes)
    early = 0 if C.peek_cache(world[3]).unusable_for(_shop(world), world[0](), MARGIN) else EARLY
    _full_read_with_notice(world, "its header does not match its body", early)


def test_a_header_missing_a_field_is_another_format_at_first_sight_and_damage_after(world):
    path = world[3] / C.CACHE_FILE
    head, _, body = gzip.decompress(path.read_bytes()).partition(b"\n")
    head = json.dumps({k: v for k, v in json.loads(head).items() if k != "readAt"}).encode()
    path.write_bytes(gzip.compress(head + b"\n" + body))
    assert C.peek_cache(world[3]) is None  # so no early reads
    _full_read_with_notice(world, "its header does not match its body")


def test_the_header_says_what_the_cache_is_for(world):
    cache_dir = world[3]
    header, (cache, _) = C.peek_cache(cache_dir), C.load_cache(cache_dir)
    assert header is not None and cache is not None
    assert (header.eshop_id, header.pricelist_id, header.default_pricelist_id) == (
        cache.eshop_id,
        cache.pricelist_id,
        cache.default_pricelist_id,
    )
    assert (header.stocks, header.read_at, header.tool) == (cache.stocks, cache.read_at, C.TOOL)
    assert header.names == {} and header.details == {}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not gzip", id="not gzip"),
        pytest.param(gzip.compress(b"x" * (C.MAX_HEADER_BYTES + 10)), id="no line end"),
        pytest.param(gzip.compress(b"[" * 100_000 + b"\n{}"), id="nested"),
        pytest.param(gzip.compress(b'{"format": 2}\n{}'), id="format 2"),
        pytest.param(
            gzip.compress(
                json.dumps(
                    {
                        "format": C.FORMAT,
                        "tool": C.TOOL,
                        "eshopId": 1,
                        "pricelistId": 1,
                        "defaultPricelistId": 1,
                        "stocks": [1],
                        "readAt": "2026-11-27T12:00:00",
                    }
                ).encode()
            ),
            id="no time zone",
        ),
        pytest.param(
            gzip.compress(json.dumps({"format": C.FORMAT, "tool": C.TOOL}).encode()),
            id="fields missing",
        ),
    ],
)
def test_a_header_that_cannot_be_read_starts_nothing(tmp_path, raw):
    (tmp_path / C.CACHE_FILE).write_bytes(raw)
    assert C.peek_cache(tmp_path) is None
    assert C.peek_cache(tmp_path / "missing") is None


def test_decoded_products_are_what_model_construct_builds(world):
    cache, _ = C.load_cache(world[3])
    assert cache.details
    for _, product in cache.details.values():
        fields = {n: getattr(product, n) for n in product.model_fields_set if n != "variants"}
        variants = {
            code: Variant.model_construct(**{n: getattr(v, n) for n in v.model_fields_set})
            for code, v in product.variants.items()
        }
        expected = Product.model_construct(**fields, variants=variants)
        assert product == expected and repr(product) == repr(expected)
        assert product.model_fields_set == expected.model_fields_set
        assert product.model_dump() == expected.model_dump()
        for code, v in product.variants.items():
            assert v.model_fields_set == variants[code].model_fields_set


def test_mixed_columns_round_trip_with_their_types_and_order():
    """Columns whose values differ in kind (a stock mapping beside null or other ids, nested
    values, variants stating different fields) fall back to tagged values and keep their order."""
    variants = {
        "A": Variant.model_construct(
            price=Decimal("1.50"), stock={1: Decimal("2"), 2: Decimal("0")}
        ),
        "B": Variant.model_construct(price=Decimal("1E+3"), stock={3: Decimal("-1.000")}),
        "C": Variant.model_construct(ean="859", stock=None, visible=False, availability=-1),
        "D": Variant.model_construct(
            price=Decimal("2"),
            actionPrice={"price": Decimal("1.00"), "fromDate": "2026-12-01"},
            parameters={"Barva": "modrá"},
            stock={1: Decimal("5")},
        ),
        "E": Variant.model_construct(price=Decimal("3"), stock={1: Decimal("1")}),
    }
    details = {
        "b": (("stock",), Product.model_construct(name="B", variants=variants)),
        "a": ((), Product.model_construct(name="A", flags={"Akce": True}, variants={})),
        "c": (("stock", "x"), Product.model_construct(absent=True, variants={})),
    }
    encoded = C.encode_details(details)
    again = C.decode_details(json.loads(json.dumps(encoded), object_hook=C._hook))
    assert list(again) == ["b", "a", "c"]
    assert again == details and repr(again) == repr(details)
    assert list(again["b"][1].variants) == list("ABCDE")
    for guid, (include, product) in details.items():
        assert again[guid][0] == include
        assert again[guid][1].model_fields_set == product.model_fields_set
        for code, v in product.variants.items():
            assert again[guid][1].variants[code].model_fields_set == v.model_fields_set
    stock = again["b"][1].variants["B"].stock
    assert stock == {3: Decimal("-1.000")} and str(stock[3]) == "-1.000"
    assert str(again["b"][1].variants["B"].price) == "1E+3"
