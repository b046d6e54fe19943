"""Typed calls: paths, parameters, bodies, paging, partial success, read-only, redirects."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from reconciler import errors as E
from reconciler.shoptet import WriteResult
from tests.shoptet.conftest import envelope, error_body

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
CATEGORY = "5c499a23-70ac-11e9-9208-08002774f818"


def paged(key: str, pages: list[list[dict]], totals: list[int] | None = None):
    """A list endpoint answering ``pages``; ``totals`` overrides totalCount per call."""
    calls = iter(range(10_000))

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("page", 1))
        i = next(calls)
        total = totals[min(i, len(totals) - 1)] if totals else sum(map(len, pages))
        data = {
            key: pages[n - 1] if n <= len(pages) else [],
            "paginator": {"totalCount": total, "page": n, "pageCount": len(pages)},
        }
        return httpx.Response(200, json=envelope(data))

    return handler


def test_eshop_and_stocks(make_client, router):
    router.get("/api/eshop").mock(
        return_value=httpx.Response(
            200,
            json=envelope(
                {
                    "contactInformation": {"eshopId": 222651},
                    "settings": {"defaultPricelist": {"id": 1, "name": "Default"}},
                    "activeModules": [{"name": "stock"}],
                    "brandNewSection": {"x": 1},
                }
            ),
        )
    )
    router.get("/api/stocks").mock(
        return_value=httpx.Response(
            200, json=envelope({"stocks": [{"id": 1, "title": "Main", "new": True}], "defaultStockId": 1})
        )
    )
    client = make_client()
    eshop = client.get_eshop(include=("orderStatuses",))
    assert (eshop.eshop_id, eshop.default_pricelist_id, eshop.module_names) == (222651, 1, {"stock"})
    assert eshop.model_extra == {"brandNewSection": {"x": 1}}
    assert client.get_stocks().stocks[0].title == "Main"


def test_categories_brands_and_filters(make_client, router):
    cats = router.get("/api/categories").mock(
        side_effect=paged("categories", [[{"guid": CATEGORY, "name": "Food"}]])
    )
    router.get("/api/brands").mock(side_effect=paged("brands", [[{"guid": "b1", "name": "Milka"}]]))
    products = router.get("/api/products").mock(side_effect=paged("products", [[{"guid": GUID}]]))
    client = make_client()
    assert [c.name for c in client.iter_categories()] == ["Food"]
    assert [b.name for b in client.iter_brands()] == ["Milka"]
    assert [p.guid for p in client.iter_products(visibility="visible", brandCode=None)] == [GUID]
    assert cats.calls[0].request.url.params["itemsPerPage"] == "1000"
    params = products.calls[0].request.url.params
    assert params["visibility"] == "visible" and "brandCode" not in params


def test_product_detail_by_guid_and_code(make_client, router):
    detail = {"guid": GUID, "name": "Choc", "variants": [{"code": "AB/1", "price": 10.5, "stock": "1.000"}]}
    by_guid = router.get(f"/api/products/{GUID}").mock(
        return_value=httpx.Response(200, json=envelope(detail))
    )
    by_code = router.get("/api/products/code/AB%2F1").mock(
        return_value=httpx.Response(200, json=envelope(detail))
    )
    client = make_client()
    product = client.get_product(GUID)
    assert product.variants[0].price == "10.5"  # numbers arrive as strings, never fail
    assert by_guid.calls[0].request.url.params["include"] == (
        "allCategories,perStockAmounts,perPricelistPrices,variantParameters,flags,warranty,"
        "measureUnit,images,descriptiveParameters,filteringParameters,relatedProducts,alternativeProducts"
    )
    assert client.get_product_by_code("AB/1", include=("images",)).guid == GUID
    assert by_code.calls[0].request.url.params["include"] == "images"


def test_get_products_maps_404_to_none_and_stays_within_the_cap(make_client):
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        guid = request.url.path.rsplit("/", 1)[1]
        if guid.endswith("9"):
            return httpx.Response(404, json=error_body("product-not-found"))
        return httpx.Response(200, json=envelope({"guid": guid, "variants": []}))

    client = make_client(transport=httpx.MockTransport(handler), max_in_flight=2)
    guids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(12)]
    details = client.get_products(guids)
    assert list(details) == guids
    assert details[guids[9]] is None and details[guids[0]].guid == guids[0]
    assert state["peak"] == 2


def test_get_products_raises_other_errors(make_client, router):
    router.get(path__regex=r"^/api/products/").mock(
        return_value=httpx.Response(403, json=error_body("missing-module"))
    )
    with pytest.raises(E.PermissionDenied, match="missing-module"):
        make_client().get_products([GUID, CATEGORY])


def test_changes_feed_and_supplies_and_pricelist(make_client, router):
    changes = router.get("/api/products/changes").mock(
        side_effect=paged("changes", [[{"guid": GUID, "changeType": "edit"}]])
    )
    supplies = router.get("/api/stocks/1/supplies").mock(
        side_effect=paged("supplies", [[{"productGuid": GUID, "code": "A", "amount": "1.000"}]])
    )
    prices = router.get("/api/pricelists/7").mock(side_effect=paged("pricelist", [[{"code": "A"}]]))
    client = make_client()
    since = datetime(2026, 11, 1, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    assert [c.changeType for c in client.iter_product_changes(since, "edit")] == ["edit"]
    assert b"from=2026-11-01T08%3A00%3A00%2B0100" in changes.calls[0].request.url.query
    assert [s.amount for s in client.iter_supplies(1, changed_from=since, code="A")] == ["1.000"]
    assert supplies.calls[0].request.url.params["code"] == "A"
    assert [r.code for r in client.iter_pricelist(7, code="A")] == ["A"]
    assert prices.calls[0].request.url.params["itemsPerPage"] == "100"
    with pytest.raises(ValueError, match="time zone"):
        list(client.iter_product_changes(datetime(2026, 11, 1)))


def test_paging_rereads_when_total_changes(make_client, router):
    route = router.get("/api/products").mock(
        side_effect=paged("products", [[{"guid": "a"}], [{"guid": "b"}]], totals=[2, 3, 2, 2])
    )
    assert [p.guid for p in make_client().iter_products()] == ["a", "b"]
    assert route.call_count == 4  # first read saw 2 then 3: read again, consistently


def test_paging_that_never_settles_fails_clearly(make_client, router):
    router.get("/api/products").mock(
        side_effect=paged("products", [[{"guid": "a"}], [{"guid": "b"}]], totals=list(range(2, 99)))
    )
    with pytest.raises(E.PagingInconsistent, match="kept changing"):
        list(make_client(paging_rereads=1).iter_products())


def test_write_payload_is_wrapped_and_partial_success_is_surfaced(make_client, router):
    route = router.patch("/api/stocks/1/movements").mock(
        return_value=httpx.Response(
            200,
            json=envelope(
                None,
                [{"errorCode": "unknown-product", "message": "Skipped.", "instance": "NOPE"}],
                "req-9",
            ),
        )
    )
    items = [{"productCode": "A", "realStock": 5}, {"productCode": "NOPE", "realStock": 1}]
    result = make_client().patch_stock_movements(1, items)
    assert result == WriteResult(None, [{"errorCode": "unknown-product", "message": "Skipped.", "instance": "NOPE"}], "req-9", 200)
    assert result.partial
    assert route.calls[0].request.read() == b'{"data":[{"productCode":"A","realStock":5},{"productCode":"NOPE","realStock":1}]}'


def test_every_write_call(make_client, router):
    ok = httpx.Response(200, json=envelope(None))
    routes = {
        "create": router.post("/api/products").mock(return_value=httpx.Response(201, json=envelope({"product": {"guid": GUID}}))),
        "patch": router.patch(f"/api/products/{GUID}").mock(return_value=ok),
        "delete": router.delete(f"/api/products/{GUID}").mock(return_value=ok),
        "variant": router.delete("/api/products/code/AB%2F1").mock(return_value=ok),
        "prices": router.patch("/api/pricelists/1").mock(return_value=ok),
    }
    client = make_client()
    body = {"guid": GUID, "name": "C", "defaultCategoryGuid": CATEGORY, "variants": [{"code": "C-1"}]}
    assert client.create_product(body).status == 201
    client.patch_product(GUID, {"name": "D"})
    client.delete_product(GUID)
    client.delete_variant("AB/1")
    client.patch_pricelist(1, [{"code": "C-1", "price": {"price": "10.00"}}])
    assert all(r.call_count == 1 for r in routes.values())
    assert routes["delete"].calls[0].request.content == b""


@pytest.mark.parametrize("n", [0, 301])
def test_batch_size_is_checked_before_sending(make_client, router, n):
    route = router.patch("/api/pricelists/1")
    with pytest.raises(ValueError):
        make_client().patch_pricelist(1, [{"code": f"C{i}"} for i in range(n)])
    assert route.call_count == 0


def test_all_items_failing_is_a_validation_error_with_every_item(make_client, router):
    errs = [{"errorCode": "unknown-product", "message": "Skipped.", "instance": c} for c in "ABCDEFG"]
    router.patch("/api/stocks/1/movements").mock(return_value=httpx.Response(400, json=envelope(None, errs)))
    with pytest.raises(E.ValidationFailed) as caught:
        make_client().patch_stock_movements(1, [{"productCode": c, "realStock": 1} for c in "ABCDEFG"])
    assert len(caught.value.errors) == 7 and "and 2 more" in str(caught.value)
    assert caught.value.instance == "A"


def test_read_only_client_sends_no_write(make_client, router):
    any_route = router.route().mock(return_value=httpx.Response(200, json=envelope(None)))
    client = make_client(read_only=True)
    calls = [
        lambda: client.create_product({"name": "x"}),
        lambda: client.patch_product(GUID, {"name": "x"}),
        lambda: client.delete_product(GUID),
        lambda: client.delete_variant("A"),
        lambda: client.patch_stock_movements(1, [{"productCode": "A", "realStock": 1}]),
        lambda: client.patch_pricelist(1, [{"code": "A"}]),
    ]
    for call in calls:
        with pytest.raises(E.ReadOnlyViolation, match="Nothing was sent"):
            call()
    assert any_route.call_count == 0 and client.request_count == 0


def test_redirect_to_another_host_does_not_carry_the_token(make_client, router):
    router.get("/api/stocks").mock(
        return_value=httpx.Response(301, headers={"Location": "https://elsewhere.example/api/stocks"})
    )
    other = router.get("https://elsewhere.example/api/stocks").mock(return_value=httpx.Response(200))
    with pytest.raises(E.ApiStatusError, match=r"redirect to elsewhere\.example") as caught:
        make_client().get_stocks()
    assert caught.value.status == 301
    assert other.call_count == 0


def test_bucket_nearly_full_slows_the_next_request(make_client, router, fake_time):
    router.get("/api/stocks").mock(
        side_effect=[
            httpx.Response(200, headers={"X-RateLimit-Bucket-Filling": "190/200"}, json=envelope({"stocks": []})),
            httpx.Response(200, headers={"X-RateLimit-Bucket-Filling": "20/200"}, json=envelope({"stocks": []})),
            httpx.Response(200, json=envelope({"stocks": []})),
        ]
    )
    client = make_client()
    client.get_stocks()
    assert fake_time.sleeps == []
    client.get_stocks()
    assert fake_time.sleeps == [pytest.approx(4.0)]  # (190 - 150) drops at 10 drops/s
    client.get_stocks()
    assert len(fake_time.sleeps) == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, json=envelope({"unexpected": True})),
    ],
)
def test_a_2xx_that_is_not_the_expected_shape_is_response_invalid(make_client, router, answer):
    router.get("/api/categories").mock(return_value=answer)
    with pytest.raises(E.ResponseInvalid):
        list(make_client().iter_categories())


def test_a_model_mismatch_is_response_invalid(make_client, router):
    router.get("/api/stocks").mock(
        return_value=httpx.Response(200, json=envelope({"stocks": [{"title": "no id"}]}))
    )
    with pytest.raises(E.ResponseInvalid, match="expected shape"):
        make_client().get_stocks()


def test_a_page_that_vanished_while_paging_causes_a_reread(make_client, router):
    answers = iter(
        [
            httpx.Response(200, json=envelope({"products": [{"guid": "a"}], "paginator": {"totalCount": 2, "pageCount": 2}})),
            httpx.Response(404, json=error_body("page-not-found", "max page is 1")),
            httpx.Response(200, json=envelope({"products": [{"guid": "a"}], "paginator": {"totalCount": 1, "pageCount": 1}})),
        ]
    )
    route = router.get("/api/products").mock(side_effect=lambda request: next(answers))
    assert [p.guid for p in make_client().iter_products()] == ["a"]
    assert route.call_count == 3


def test_a_missing_first_page_is_not_found(make_client, router):
    router.get("/api/stocks/9/supplies").mock(return_value=httpx.Response(404, json=error_body("stock-not-found")))
    with pytest.raises(E.NotFound):
        list(make_client().iter_supplies(9))


def test_get_products_stops_reading_after_an_error(make_client):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(400, json=error_body("invalid-guid"))

    client = make_client(transport=httpx.MockTransport(handler), max_in_flight=1)
    with pytest.raises(E.ValidationFailed):
        client.get_products([f"00000000-0000-0000-0000-{i:012d}" for i in range(50)])
    assert len(seen) < 50


def test_an_item_seen_twice_while_paging_causes_a_reread(make_client, router):
    pages = iter(
        [
            [{"guid": "a"}, {"guid": "b"}],
            [{"guid": "b"}, {"guid": "c"}],  # shifted: "b" again, one item skipped
            [{"guid": "a"}, {"guid": "b"}],
            [{"guid": "c"}, {"guid": "d"}],
        ]
    )

    def handler(request):
        data = {"products": next(pages), "paginator": {"totalCount": 4, "pageCount": 2}}
        return httpx.Response(200, json=envelope(data))

    router.get("/api/products").mock(side_effect=handler)
    assert [p.guid for p in make_client().iter_products()] == ["a", "b", "c", "d"]


def test_paced_requests_are_spaced_until_the_bucket_reports_room(make_client, router, fake_time):
    ok = {"stocks": []}
    router.get("/api/stocks").mock(
        side_effect=[
            httpx.Response(200, headers={"X-RateLimit-Bucket-Filling": "200/200"}, json=envelope(ok)),
            httpx.Response(200, json=envelope(ok)),  # no header: keep pacing
            httpx.Response(200, headers={"X-RateLimit-Bucket-Filling": "100/200"}, json=envelope(ok)),
            httpx.Response(200, json=envelope(ok)),
        ]
    )
    client = make_client()
    for _ in range(4):
        client.get_stocks()
    assert fake_time.sleeps == [pytest.approx(5.0), pytest.approx(0.1)]


def test_list_filters_are_sent_the_way_shoptet_reads_them(make_client, router):
    route = router.get("/api/products").mock(side_effect=paged("products", [[{"guid": GUID}]]))
    client = make_client()
    since = datetime(2026, 11, 1, tzinfo=UTC)
    list(client.iter_products(productGuids=[GUID, CATEGORY]))
    list(client.iter_products(changeTimeFrom=since))
    assert route.calls[0].request.url.params["productGuids"] == f"{GUID},{CATEGORY}"
    assert route.calls[1].request.url.params["changeTimeFrom"] == "2026-11-01T00:00:00+0000"
    with pytest.raises(ValueError, match="at most 50"):
        list(client.iter_products(productCodes=[f"C{i}" for i in range(51)]))
    assert route.call_count == 2


def test_a_deprecated_endpoint_is_logged_once(make_client, router, caplog):
    router.get("/api/stocks").mock(
        return_value=httpx.Response(
            200,
            headers={"X-Shoptet-Deprecated": "use /api/v2/stocks", "Sunset": "2027-01-01"},
            json=envelope({"stocks": []}),
        )
    )
    client = make_client()
    client.get_stocks()
    client.get_stocks()
    warnings = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert warnings == ["Shoptet marks GET /api/stocks as deprecated (use /api/v2/stocks; sunset 2027-01-01)"]


def test_on_page_hears_of_every_page_as_it_arrives_and_of_a_reread(make_client, router):
    """Progress during a long read (issue 19): each page is reported before the next is asked
    for, with the count so far; a re-read after the list changed starts again at page 1."""
    handler = paged(
        "orders",
        [[{"code": "0001"}, {"code": "0002"}], [{"code": "0003"}]],
        totals=[3, 4, 3, 3],
    )
    route = router.get("/api/orders").mock(side_effect=handler)
    heard = []
    rows = make_client().iter_orders(
        "2026-11-01T00:00:00+0100", on_page=lambda r: heard.append((r, route.call_count))
    )
    assert [r["code"] for r in rows] == ["0001", "0002", "0003"]
    assert [(r.page, r.pages, r.items, r.attempt, calls) for r, calls in heard] == [
        (1, 2, 2, 1, 1),
        (2, 2, 3, 1, 2),
        (1, 2, 2, 2, 3),
        (2, 2, 3, 2, 4),
    ]
    assert {r.path for r, _ in heard} == {"/api/orders"}
