"""Codes and GUIDs reach URL paths as exactly one percent-encoded segment, or not at all.

Every request is caught by one catch-all route, so a value that changed the path (``..``
resolved by httpx, ``/`` splitting the segment, ``?`` starting a query) would show up as a
different ``raw_path``, not as a missed route.
"""

from __future__ import annotations

import httpx
import pytest

from reconciler import errors as E
from reconciler.shoptet.client import UnsafePathValue
from tests.shoptet.conftest import envelope

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"

# code -> the single path segment it must travel as
ENCODED = {
    "A/1": "A%2F1",
    "15/ZLU": "15%2FZLU",
    "%2e%2e": "%252e%252e",
    "%2F..%2F": "%252F..%252F",
    "A%2F..%2FB": "A%252F..%252FB",
    "A\\..\\B": "A%5C..%5CB",
    "A?x=1#f": "A%3Fx%3D1%23f",
    "A;B": "A%3BB",
    "1.5 KG": "1.5%20KG",
    "...": "...",
    "A/.B": "A%2F.B",
    "Čokoláda": "%C4%8Cokol%C3%A1da",
}
REFUSED = [".", "..", "A/../B", "../B", "A/..", "./A", "A/./B", "/A", "A/", "A//B", "", "A\nB"]

CALLS = {
    "get": lambda c, v: c.get_product_by_code(v, include=()),
    "delete": lambda c, v: c.delete_variant(v),
}


@pytest.fixture
def catch_all(router):
    detail = {"guid": GUID, "variants": []}
    return router.route().mock(return_value=httpx.Response(200, json=envelope(detail)))


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("code", list(ENCODED))
def test_a_code_travels_as_one_encoded_path_segment(code, call, make_client, catch_all):
    CALLS[call](make_client(record=False), code)
    assert catch_all.call_count == 1
    url = catch_all.calls[0].request.url
    assert url.raw_path.decode("ascii") == "/api/products/code/" + ENCODED[code]
    assert url.query == b""


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("code", REFUSED)
def test_a_code_that_would_change_the_path_is_refused_before_sending(
    code, call, make_client, catch_all
):
    with pytest.raises(UnsafePathValue) as info:
        CALLS[call](make_client(record=False), code)
    assert catch_all.call_count == 0
    assert isinstance(info.value, E.ApiError)  # apply reports it per item, never a traceback
    assert "Nothing was sent" in str(info.value) and "variant code" in str(info.value)


def test_httpx_would_resolve_dot_segments_so_the_refusal_matters():
    # Documents why '.'/'..' cannot just be percent-encoded: quote() leaves dots alone and httpx
    # normalises the path. If httpx stops doing so, this test says the guard is belt and braces.
    request = httpx.Request("GET", "https://api.myshoptet.com/api/products/code/..")
    assert request.url.raw_path == b"/api/products"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_product(".."),
        lambda c: c.patch_product("..", {"name": "x"}),
        lambda c: c.delete_product("a/../b"),
        lambda c: c.get_products(["..", GUID]),
    ],
)
def test_guids_are_guarded_the_same_way(call, make_client, catch_all):
    with pytest.raises(UnsafePathValue):
        call(make_client(record=False))
    assert all(b"/.." not in c.request.url.raw_path for c in catch_all.calls)
    assert all(c.request.method == "GET" for c in catch_all.calls)
