"""A token with a line break, another control character, a space or non-ASCII is refused.

The message names the variable, the kind of character and its position, and shows no part of
the token: each canary is split around the bad character and neither half may appear anywhere
(message, repr, traceback, log records).
"""

from __future__ import annotations

import logging
import traceback
import uuid

import httpx
import pytest

from reconciler import errors as E
from reconciler.shoptet import ClientConfig
from tests.shoptet.test_secrets import texts_of

ESHOP = "https://12345.myshoptet.com"
TOKEN_URL = ESHOP + "/action/ApiOAuthServer/getAccessToken"

BAD = {
    "\n": "a line break",
    "\r": "a line break",
    "\u2028": "a line break",
    "\t": "a tab",
    " ": "a space",
    "\x00": "a control character",
    "\x1b": "a control character",
    "\x7f": "a control character",
    "\u00a0": "a non-ASCII character",
    "é": "a non-ASCII character",
    "\u200b": "a non-ASCII character",
}


def canary_with(bad: str) -> tuple[str, str, str]:
    """(token, left half, right half): the bad character sits between two unique halves."""
    left, right = f"CANARYL{uuid.uuid4().hex}", f"CANARYR{uuid.uuid4().hex}"
    return left + bad + right, left, right


def assert_hidden(exc: BaseException, *parts: str) -> None:
    for text in [*texts_of(exc), "".join(traceback.format_exception(exc))]:
        for part in parts:
            assert part not in text


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("variable", ["SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_OAUTH_ACCESS_TOKEN"])
def test_a_token_with_a_bad_character_is_refused_without_showing_it(variable, bad):
    token, left, right = canary_with(bad)
    env = {variable: token, "SHOPTET_ESHOP_URL": ESHOP}
    with pytest.raises(E.ConfigError) as info:
        ClientConfig.from_env(env)
    message = str(info.value)
    assert message.startswith(f"{variable} contains {BAD[bad]} at character {len(left) + 1}")
    assert "Copy the token again" in message
    assert_hidden(info.value, left, right, token)


@pytest.mark.parametrize("field", ["private_token", "oauth_token"])
def test_the_constructor_refuses_the_same(field):
    token, left, right = canary_with("\n")
    with pytest.raises(E.ConfigError) as info:
        ClientConfig(**{field: token}, eshop_url=ESHOP)
    assert "a line break" in str(info.value)
    assert_hidden(info.value, left, right)


def test_surrounding_whitespace_from_the_environment_is_still_trimmed():
    cfg = ClientConfig.from_env({"SHOPTET_PRIVATE_API_TOKEN": "  token-1234567890\n"})
    assert cfg.private_token.reveal() == "token-1234567890"


@pytest.mark.parametrize("bad", ["\r\n", "\x00", "é"])
def test_a_minted_access_token_with_a_bad_character_is_never_sent(bad, make_client, router, caplog):
    caplog.set_level(logging.DEBUG)
    token, left, right = canary_with(bad)
    router.get(TOKEN_URL).mock(
        return_value=httpx.Response(200, json={"access_token": token, "expires_in": 1800})
    )
    api = router.route(path__startswith="/api/")
    with pytest.raises(E.AuthError) as info:
        make_client(oauth_token="oauth-token-1234567890", eshop_url=ESHOP).get_stocks()
    assert api.call_count == 0
    assert "cannot be sent in a header" in str(info.value)
    assert_hidden(info.value, left, right)
    for record in caplog.records:
        assert left not in record.getMessage() and right not in record.getMessage()
