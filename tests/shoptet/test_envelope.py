"""The envelope parser and the status -> exception mapping (pure, no HTTP)."""

from __future__ import annotations

import json

import pytest

from reconciler import errors as E
from reconciler.shoptet.envelope import parse, status_error


def body(data=None, errors=None, request_id="rid-1") -> bytes:
    return json.dumps({"data": data, "errors": errors, "metadata": {"requestId": request_id}}).encode()


def test_parse_keeps_data_errors_and_request_id():
    items = [{"errorCode": "unknown-product", "message": "Skipped.", "instance": "X"}]
    env = parse(200, {}, body({"a": 1}, items), method="PATCH", path="/p")
    assert (env.data, env.errors, env.request_id, env.status) == ({"a": 1}, items, "rid-1", 200)


def test_request_id_falls_back_to_the_header():
    raw = json.dumps({"data": None, "errors": None, "metadata": None}).encode()
    assert parse(200, {"X-Request-ID": "hdr-1"}, raw, method="GET", path="/p").request_id == "hdr-1"


@pytest.mark.parametrize("raw", [b"", b"<html/>", b"[]", b'{"foo": 1}', b"\xff\xfe"])
def test_a_2xx_that_is_not_an_envelope_is_response_invalid(raw):
    with pytest.raises(E.ResponseInvalid, match="not Shoptet's JSON envelope"):
        parse(200, {}, raw, method="GET", path="/p")


@pytest.mark.parametrize(
    ("status", "cls", "hint"),
    [
        (400, E.ValidationFailed, "resending will not help"),
        (401, E.AuthError, "Check the token"),
        (403, E.PermissionDenied, "endpoint group"),
        (404, E.NotFound, "does not exist"),
        (409, E.Conflict, "conflict"),
        (413, E.TooLarge, "nothing was applied"),
        (422, E.ValidationFailed, "invalid"),
        (423, E.Locked, "locked"),
        (429, E.RateLimited, "rate limit"),
        (500, E.ServerError, "try again later"),
        (503, E.ServerError, "maintenance"),
        (418, E.ApiStatusError, "HTTP 418"),
    ],
)
def test_status_errors_are_typed_and_actionable(status, cls, hint):
    item = {"errorCode": "some-code", "message": "Something.", "instance": "data.name"}
    exc = status_error(status, {}, body(None, [item], "rid-9"), method="PATCH", path="/api/x")
    assert type(exc) is cls
    assert (exc.status, exc.error_code, exc.instance, exc.request_id) == (
        status, "some-code", "data.name", "rid-9"
    )
    text = str(exc)
    assert hint in text and "PATCH /api/x" in text and "some-code: Something. [data.name]" in text
    assert "rid-9" in text


def test_status_error_without_a_body():
    exc = status_error(502, {"X-Request-ID": "h"}, b"Bad gateway", method="GET", path="/api/x")
    assert isinstance(exc, E.ServerError) and exc.error_code is None and exc.request_id == "h"
    assert repr(exc) == "ServerError(status=502, error_code=None, instance=None, request_id='h')"


def test_expired_token_advice():
    item = {"errorCode": "expired-token", "message": "Token is expired.", "instance": "unknown"}
    exc = status_error(401, {}, body(None, [item]), method="GET", path="/api/eshop")
    assert "expired" in str(exc) and exc.error_code == "expired-token"
