"""The OAuth token goes only to https://<shop>.myshoptet.com, loopback, or a custom domain the
user states explicitly (SHOPTET_ESHOP_URL plus SHOPTET_ALLOW_CUSTOM_DOMAIN=1)."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ConfigError
from reconciler.shoptet import ClientConfig
from tests.shoptet.conftest import envelope

OAUTH = "oauth-host-canary-0123456789abcdef"
STOCKS = {"stocks": [], "defaultStockId": 1}
TOKEN_PATH = "/action/ApiOAuthServer/getAccessToken"


def env(url: str, **extra: str) -> dict[str, str]:
    return {"SHOPTET_OAUTH_ACCESS_TOKEN": OAUTH, "SHOPTET_ESHOP_URL": url, **extra}


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://12345.myshoptet.com", "https://12345.myshoptet.com"),
        ("https://My-Shop.MyShoptet.com/admin/?x=1", "https://my-shop.myshoptet.com"),
        ("https://a.b.myshoptet.com:443/", "https://a.b.myshoptet.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost", "http://localhost"),
        ("https://[::1]:9000", "https://[::1]:9000"),
    ],
)
def test_allowed_without_opt_in(url, origin):
    assert ClientConfig.from_env(env(url)).eshop_url == origin


REFUSED = [
    "https://www.my-shop.cz",  # a custom domain, not stated explicitly
    "https://myshoptet.com",  # no shop
    "https://12345.myshoptet.com.evil.example",
    "https://evil.example/12345.myshoptet.com",
    "https://evil.example#.myshoptet.com",
    "https://12345.myshoptet.com@evil.example",
    "https://user:pw@12345.myshoptet.com",
    "https://12345.myshoptet.com:8443",
    "https://12345.myshoptet.com.",
    "https://12345-myshoptet.com",
    "http://12345.myshoptet.com",
    "https://10.0.0.1",
    "ftp://12345.myshoptet.com",
    "https://12345.myshoptet.com:port",
    "",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_without_opt_in(url):
    with pytest.raises(ConfigError, match="SHOPTET_ESHOP_URL") as info:
        ClientConfig.from_env(env(url))
    assert OAUTH not in str(info.value)


def test_a_custom_domain_names_the_opt_in():
    with pytest.raises(ConfigError) as info:
        ClientConfig.from_env(env("https://www.my-shop.cz"))
    assert "SHOPTET_ALLOW_CUSTOM_DOMAIN=1" in str(info.value)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://www.my-shop.cz", "https://www.my-shop.cz"),
        ("https://WWW.My-Shop.cz/admin/", "https://www.my-shop.cz"),
        ("https://shop.xn--bcher-kva.example:8443", "https://shop.xn--bcher-kva.example:8443"),
        ("https://12345.myshoptet.com", "https://12345.myshoptet.com"),
    ],
)
def test_a_custom_domain_with_the_opt_in(url, origin):
    cfg = ClientConfig.from_env(env(url, SHOPTET_ALLOW_CUSTOM_DOMAIN="1"))
    assert cfg.eshop_url == origin and cfg.allow_custom_domain


@pytest.mark.parametrize(
    "url",
    [
        "http://www.my-shop.cz",  # still https only
        "https://user@www.my-shop.cz",
        "https://203.0.113.7",  # an IP address is not an e-shop domain
        "https://www.bücher.example",  # non-ASCII: the xn-- form is required
        "https://localhost.",
        "https://www.my-shop.cz.",
        "https://-bad-.example",
    ],
)
def test_the_opt_in_still_refuses_unsafe_addresses(url):
    with pytest.raises(ConfigError, match="SHOPTET_ESHOP_URL"):
        ClientConfig.from_env(env(url, SHOPTET_ALLOW_CUSTOM_DOMAIN="1"))


@pytest.mark.parametrize("value", ["2", "on", "please"])
def test_the_opt_in_flag_must_be_clear(value):
    with pytest.raises(ConfigError, match="SHOPTET_ALLOW_CUSTOM_DOMAIN must be 1"):
        ClientConfig.from_env(env("https://www.my-shop.cz", SHOPTET_ALLOW_CUSTOM_DOMAIN=value))


def test_the_opt_in_off_is_off():
    with pytest.raises(ConfigError):
        ClientConfig.from_env(env("https://www.my-shop.cz", SHOPTET_ALLOW_CUSTOM_DOMAIN="0"))


@pytest.mark.parametrize(
    ("url", "settings"),
    [
        ("https://12345.myshoptet.com", {}),
        ("https://www.my-shop.cz", {"allow_custom_domain": True}),
    ],
)
def test_the_token_request_goes_to_the_stated_host_only(url, settings, make_client, router):
    minted = router.get(url + TOKEN_PATH).mock(
        return_value=httpx.Response(
            200, json={"access_token": "api-token-123456", "expires_in": 1800}
        )
    )
    anything_else = router.route(host__regex=r"^(?!api\.myshoptet\.com$)")
    router.get("/api/stocks").mock(return_value=httpx.Response(200, json=envelope(STOCKS)))
    make_client(oauth_token=OAUTH, eshop_url=url, **settings).get_stocks()
    assert minted.call_count == 1
    assert minted.calls[0].request.headers["Authorization"] == f"Bearer {OAUTH}"
    assert anything_else.call_count == 0
