import httpx

from tests.shoptet.conftest import envelope


def test_lists_every_page_and_sends_json_content_type(make_client, router):
    def page(request):
        n = int(request.url.params["page"])
        return httpx.Response(
            200,
            json=envelope(
                {
                    "products": [{"guid": f"g{n}", "name": "P", "newField": 1}],
                    "paginator": {"totalCount": 2, "pageCount": 2, "page": n},
                }
            ),
        )

    route = router.get("/api/products").mock(side_effect=page)
    client = make_client()
    items = list(client.iter_products())
    assert [p.guid for p in items] == ["g1", "g2"]
    assert items[0].model_extra == {"newField": 1}
    assert all(c.request.headers["Content-Type"] == "application/json" for c in route.calls)
    assert all(c.request.url.params["itemsPerPage"] == "1000" for c in route.calls)
    assert client.request_count == 2
