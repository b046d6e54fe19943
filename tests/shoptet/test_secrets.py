"""Canary tokens: a unique token must never show in exception text, log records or ``repr``.

Every failure the client knows is provoked with a server that echoes the token back wherever it
can (error messages, headers, transport error text), in both private-token and OAuth mode.
"""

from __future__ import annotations

import logging
import traceback
import uuid

import httpx
import pytest

from reconciler import errors as E
from tests.shoptet.conftest import envelope

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
ESHOP = "https://canary-shop.myshoptet.com"


def canary() -> str:
    return f"CANARY{uuid.uuid4().hex}"


def echo_error(status: int, token: str, **headers) -> httpx.Response:
    item = {"errorCode": f"e{status}", "message": f"bad token {token}", "instance": token}
    return httpx.Response(status, headers=headers, json=envelope(None, [item], f"rid-{token}"))


def scenarios(token: str):
    """(name, answer for the API, client call)."""
    stocks = lambda c: c.get_stocks()  # noqa: E731
    patch = lambda c: c.patch_product(GUID, {"name": "x"})  # noqa: E731
    return [
        ("connect", httpx.ConnectError(f"refused for {token}"), stocks),
        ("timeout-get", httpx.ReadTimeout(f"slow {token}"), stocks),
        ("timeout-write", httpx.ReadTimeout(f"slow {token}"), patch),
        ("reset-write", httpx.RemoteProtocolError(f"reset {token}"), patch),
        ("429-date", echo_error(429, token, **{"Retry-After": "Mon, 01 Jul 2019 12:01:11 GMT"}), stocks),
        ("429-seconds", echo_error(429, token, **{"Retry-After": "1"}), stocks),
        ("423", echo_error(423, token), patch),
        *[(str(s), echo_error(s, token), stocks) for s in (500, 502, 503, 504)],
        *[(f"{s}-write", echo_error(s, token), patch) for s in (500, 502, 504)],
        *[(str(s), echo_error(s, token), patch) for s in (400, 401, 403, 404, 409, 413, 422)],
        ("redirect", httpx.Response(302, headers={"Location": f"https://x.example/?t={token}"}), stocks),
        ("not-json", httpx.Response(200, text=f"<html>{token}</html>"), stocks),
    ]


def texts_of(exc: BaseException) -> list[str]:
    out = ["".join(traceback.format_exception(exc))]
    seen = exc
    while seen is not None:
        out += [str(seen), repr(seen), *map(str, seen.args), repr(getattr(seen, "errors", ""))]
        out += [str(getattr(seen, "last", "")), str(getattr(seen, "request_id", ""))]
        seen = seen.__cause__ or seen.__context__
    return out


def run_all(make_client, router, token, caplog, **settings):
    caught: list[BaseException] = []
    for name, answer, call in scenarios(token):
        router.routes.clear()
        if "oauth_token" in settings:
            router.get(ESHOP + "/action/ApiOAuthServer/getAccessToken").mock(
                return_value=httpx.Response(200, json={"access_token": token + "api", "expires_in": 1800})
            )
        route = router.route(path__startswith="/api/")
        route.mock(side_effect=answer) if isinstance(answer, Exception) else route.mock(return_value=answer)
        client = make_client(record=False, max_attempts=2, **settings)
        with pytest.raises(E.ApiError) as info:
            call(client)
        caught.append(info.value)
        for text in [repr(client), repr(client.session), repr(client.config), str(client.config)]:
            assert token not in text, name
    for exc in caught:
        for text in texts_of(exc):
            assert token not in text, type(exc).__name__
    for record in caplog.records:
        assert token not in record.getMessage()
        assert token not in logging.Formatter().format(record)
    assert caplog.records, "the retries should have been logged"
    return caught


def test_private_token_never_leaks(make_client, router, caplog):
    token = canary()
    caplog.set_level(logging.DEBUG)
    caught = run_all(make_client, router, token, caplog, private_token=token)
    kinds = {type(e) for e in caught}
    assert kinds >= {E.RetryBudgetExhausted, E.WriteOutcomeUnknown, E.NotFound, E.ResponseInvalid}


def test_oauth_tokens_never_leak(make_client, router, caplog):
    token = canary()
    caplog.set_level(logging.DEBUG)
    run_all(make_client, router, token, caplog, oauth_token=token, eshop_url=ESHOP)


def test_failing_token_endpoint_does_not_leak(make_client, router, caplog):
    token = canary()
    caplog.set_level(logging.DEBUG)
    router.get(ESHOP + "/action/ApiOAuthServer/getAccessToken").mock(
        return_value=httpx.Response(401, json={"error": f"invalid token {token}"})
    )
    with pytest.raises(E.AuthError) as info:
        make_client(oauth_token=token, eshop_url=ESHOP).get_stocks()
    assert all(token not in t for t in texts_of(info.value))
    assert all(token not in r.getMessage() for r in caplog.records)


def test_a_log_call_that_includes_a_token_is_masked(caplog):
    from reconciler.shoptet.redact import Secret, get_logger

    token = canary()
    Secret(token)
    caplog.set_level(logging.DEBUG)
    get_logger("reconciler.shoptet").warning("sent %s", token)
    logging.getLogger("httpx").info("header was " + token)
    assert [r.getMessage() for r in caplog.records] == ["sent ***", "header was ***"]


def test_secret_shows_nothing():
    from reconciler.shoptet.redact import Secret

    token = canary()
    secret = Secret(token)
    assert token not in repr(secret) and token not in str(secret) and token not in f"{secret}"
    assert secret.reveal() == token
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


def test_config_as_dict_keeps_secrets_masked():
    import dataclasses

    from reconciler.shoptet import ClientConfig

    token = canary()
    values = dataclasses.asdict(ClientConfig(private_token=token))
    assert token not in repr(values) and values["private_token"].reveal() == token
