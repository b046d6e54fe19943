"""Private token and OAuth: minting, reuse, renewal before expiry and once on expired-token."""

from __future__ import annotations

import httpx
import pytest

from reconciler import errors as E
from tests.shoptet.conftest import envelope, error_body

ESHOP = "https://12345.myshoptet.com"
TOKEN_URL = ESHOP + "/action/ApiOAuthServer/getAccessToken"
OAUTH = "oauth-permanent-token-canary-1234567890"
STOCKS = {"stocks": [], "defaultStockId": 1}


def minting(*tokens: str, expires_in: int = 1800):
    answers = iter(tokens)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": next(answers), "expires_in": expires_in})

    return handler


@pytest.fixture
def oauth_client(make_client):
    return lambda **kw: make_client(oauth_token=OAUTH, eshop_url=ESHOP, **kw)


def test_oauth_token_is_minted_once_and_reused(oauth_client, router):
    mint = router.get(TOKEN_URL).mock(side_effect=minting("api-token-1"))
    api = router.get("/api/stocks").mock(return_value=httpx.Response(200, json=envelope(STOCKS)))
    client = oauth_client()
    for _ in range(3):
        client.get_stocks()
    assert mint.call_count == 1
    assert mint.calls[0].request.headers["Authorization"] == f"Bearer {OAUTH}"
    assert "Shoptet-Access-Token" not in mint.calls[0].request.headers
    for call in api.calls:
        assert call.request.headers["Shoptet-Access-Token"] == "api-token-1"
        assert "Authorization" not in call.request.headers
        assert "Shoptet-Private-API-Token" not in call.request.headers
    assert client.session.auth.minted == 1


def test_oauth_token_is_renewed_before_it_expires(oauth_client, router, fake_time):
    mint = router.get(TOKEN_URL).mock(side_effect=minting("api-token-1", "api-token-2"))
    api = router.get("/api/stocks").mock(return_value=httpx.Response(200, json=envelope(STOCKS)))
    client = oauth_client(token_renew_margin=120)
    client.get_stocks()
    fake_time.now += 1600  # 200 s left: still used
    client.get_stocks()
    fake_time.now += 100  # 100 s left: inside the margin, renewed
    client.get_stocks()
    assert mint.call_count == 2
    used = [c.request.headers["Shoptet-Access-Token"] for c in api.calls]
    assert used == ["api-token-1", "api-token-1", "api-token-2"]


def test_token_expiring_mid_run_is_renewed_once_and_the_request_completes(oauth_client, router):
    mint = router.get(TOKEN_URL).mock(side_effect=minting("api-token-1", "api-token-2"))

    def api(request: httpx.Request) -> httpx.Response:
        if request.headers["Shoptet-Access-Token"] == "api-token-1":
            return httpx.Response(401, json=error_body("expired-token", "Token is expired."))
        return httpx.Response(200, json=envelope(STOCKS))

    route = router.get("/api/stocks").mock(side_effect=api)
    stocks = oauth_client().get_stocks()
    assert stocks.defaultStockId == 1
    assert mint.call_count == 2
    assert route.call_count == 2


def test_a_second_expired_token_on_the_same_request_is_an_auth_error(oauth_client, router):
    mint = router.get(TOKEN_URL).mock(side_effect=minting("api-token-1", "api-token-2"))
    route = router.get("/api/stocks").mock(
        return_value=httpx.Response(401, json=error_body("expired-token"))
    )
    with pytest.raises(E.AuthError) as caught:
        oauth_client().get_stocks()
    assert caught.value.error_code == "expired-token"
    assert mint.call_count == 2 and route.call_count == 2


def test_concurrent_reads_mint_a_single_token(oauth_client, router):
    mint = router.get(TOKEN_URL).mock(side_effect=minting("api-token-1", "api-token-2"))
    router.get(path__regex=r"^/api/products/[0-9a-f-]+$").mock(
        side_effect=lambda req: httpx.Response(
            200, json=envelope({"guid": req.url.path.rsplit("/", 1)[1], "variants": []})
        )
    )
    guids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(20)]
    details = oauth_client().get_products(guids)
    assert sorted(details) == guids
    assert mint.call_count == 1


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (httpx.Response(401, json={"error": "addon_not_installed"}), "addon_not_installed"),
        (httpx.Response(403, json={"error": "addon_suspended"}), "addon_suspended"),
        (httpx.Response(200, json={"expires_in": 1800}), "HTTP 200"),
        (httpx.Response(200, text="<html>login</html>"), "HTTP 200"),
        (httpx.Response(404, json=error_body("not-found")), "not-found"),
    ],
)
def test_failing_token_endpoint_names_the_eshop_not_the_token(oauth_client, router, answer, detail):
    router.get(TOKEN_URL).mock(return_value=answer)
    api = router.get("/api/stocks").mock(return_value=httpx.Response(200, json=envelope(STOCKS)))
    with pytest.raises(E.AuthError) as caught:
        oauth_client().get_stocks()
    text = str(caught.value)
    assert TOKEN_URL in text and detail in text
    assert OAUTH not in text and OAUTH not in repr(caught.value)
    assert api.call_count == 0


def test_unreachable_token_endpoint_is_retried_then_named(oauth_client, router, fake_time):
    mint = router.get(TOKEN_URL).mock(side_effect=httpx.ConnectError("no route to host"))
    with pytest.raises(E.AuthError) as caught:
        oauth_client(max_attempts=3).get_stocks()
    assert mint.call_count == 3
    assert TOKEN_URL in str(caught.value) and OAUTH not in str(caught.value)


def test_token_endpoint_redirect_is_not_followed(oauth_client, router):
    router.get(TOKEN_URL).mock(
        return_value=httpx.Response(302, headers={"Location": "https://evil.example/steal"})
    )
    evil = router.get("https://evil.example/steal").mock(return_value=httpx.Response(200))
    with pytest.raises(E.AuthError, match=r"redirect to evil\.example"):
        oauth_client().get_stocks()
    assert evil.call_count == 0


def test_private_token_is_sent_in_its_header_and_never_renewed(make_client, router):
    route = router.get("/api/stocks").mock(
        return_value=httpx.Response(401, json=error_body("expired-token"))
    )
    with pytest.raises(E.AuthError, match="expired"):
        make_client(private_token="private-token-xyz-123").get_stocks()
    assert route.call_count == 1
    assert route.calls[0].request.headers["Shoptet-Private-API-Token"] == "private-token-xyz-123"


def test_a_short_lived_token_is_not_reminted_on_every_call(oauth_client, router, fake_time):
    mint = router.get(TOKEN_URL).mock(side_effect=minting("t-1", "t-2", expires_in=60))
    router.get("/api/stocks").mock(return_value=httpx.Response(200, json=envelope(STOCKS)))
    client = oauth_client(token_renew_margin=120)
    client.get_stocks()
    fake_time.now += 20
    client.get_stocks()
    assert mint.call_count == 1
    fake_time.now += 15  # past half its life: renewed
    client.get_stocks()
    assert mint.call_count == 2
