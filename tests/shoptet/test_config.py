"""Credentials and address from the environment, and the base-URL allowlist."""

from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.shoptet import ClientConfig, ShoptetClient

TOKEN = "cfg-canary-token-abcdef"


def test_private_token_from_env_is_read_only_by_default():
    cfg = ClientConfig.from_env({"SHOPTET_PRIVATE_API_TOKEN": TOKEN})
    assert cfg.read_only is True
    assert cfg.base_url == "https://api.myshoptet.com"
    assert cfg.private_token.reveal() == TOKEN
    assert TOKEN not in repr(cfg) and TOKEN not in str(cfg)


def test_oauth_from_env():
    cfg = ClientConfig.from_env(
        {
            "SHOPTET_OAUTH_ACCESS_TOKEN": TOKEN,
            "SHOPTET_ESHOP_URL": "https://12345.MyShoptet.com/admin/",
            "SHOPTET_MAX_IN_FLIGHT": "2",
        },
        read_only=False,
    )
    assert cfg.eshop_url == "https://12345.myshoptet.com"
    assert cfg.max_in_flight == 2 and cfg.read_only is False


@pytest.mark.parametrize(
    "url",
    [
        "https://api.myshoptet.com",
        "https://api.myshoptet.com/",
        "http://127.0.0.1:8080",
        "http://localhost:1234",
        "http://[::1]:9000",
    ],
)
def test_allowed_base_urls(url):
    ClientConfig(base_url=url, private_token=TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.myshoptet.com",
        "https://api.myshoptet.com.evil.example",
        "https://evil.example",
        "https://user:pw@api.myshoptet.com",
        "https://api.myshoptet.com/api",
        "https://api.myshoptet.com?x=1",
        "ftp://127.0.0.1",
        "http://10.0.0.1",
        "",
    ],
)
def test_refused_base_urls(url):
    with pytest.raises(ConfigError, match="not allowed"):
        ClientConfig(base_url=url, private_token=TOKEN)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "No Shoptet credentials"),
        (
            {"SHOPTET_PRIVATE_API_TOKEN": TOKEN, "SHOPTET_OAUTH_ACCESS_TOKEN": TOKEN + "x"},
            "only one",
        ),
        ({"SHOPTET_OAUTH_ACCESS_TOKEN": TOKEN}, "SHOPTET_ESHOP_URL"),
        (
            {"SHOPTET_OAUTH_ACCESS_TOKEN": TOKEN, "SHOPTET_ESHOP_URL": "http://my-shop.cz"},
            "https",
        ),
        ({"SHOPTET_PRIVATE_API_TOKEN": TOKEN, "SHOPTET_MAX_IN_FLIGHT": "5"}, "1-3"),
        ({"SHOPTET_PRIVATE_API_TOKEN": TOKEN, "SHOPTET_MAX_IN_FLIGHT": "two"}, "whole number"),
        ({"SHOPTET_PRIVATE_API_TOKEN": TOKEN, "SHOPTET_API_URL": "https://x.example"}, "allowed"),
    ],
)
def test_unusable_environment_is_a_clear_config_error(env, message):
    with pytest.raises(ConfigError, match=message) as caught:
        ClientConfig.from_env(env)
    assert TOKEN not in str(caught.value)


def test_unknown_override_is_a_programming_error():
    with pytest.raises(TypeError, match="unknown ClientConfig"):
        ClientConfig.from_env({"SHOPTET_PRIVATE_API_TOKEN": TOKEN}, speed=11)


def test_client_from_env_uses_os_environ(monkeypatch):
    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", TOKEN)
    monkeypatch.delenv("SHOPTET_API_URL", raising=False)
    with ShoptetClient.from_env() as client:
        assert client.config.read_only
        assert TOKEN not in repr(client)
