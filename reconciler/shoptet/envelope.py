"""One parser for Shoptet's response envelope, and the mapping of error statuses to exceptions.

Every Shoptet JSON response is ``{"data": ..., "errors": [...] | null, "metadata":
{"requestId": ...}}``. :func:`parse` turns a response into an :class:`Envelope`; a 2xx whose body
is not that shape raises ``ResponseInvalid``. :func:`status_error` builds the typed exception
for an error status, with a message a user can act on. A 200 that carries ``errors`` is *not* an
error here: the items are handed to the caller as ``Envelope.errors`` (partial success).

Pure functions of (status, headers, body); no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler import errors as E
from reconciler.shoptet.redact import redact


@dataclass(frozen=True)
class Envelope:
    status: int
    data: Any
    errors: list[dict[str, Any]] = field(default_factory=list)
    request_id: str | None = None


_BY_STATUS: dict[int, type[E.ApiStatusError]] = {
    400: E.ValidationFailed,
    401: E.AuthError,
    403: E.PermissionDenied,
    404: E.NotFound,
    409: E.Conflict,
    413: E.TooLarge,
    422: E.ValidationFailed,
    423: E.Locked,
    429: E.RateLimited,
}

_ADVICE: dict[type[E.ApiStatusError], str] = {
    E.AuthError: "Check the token (SHOPTET_PRIVATE_API_TOKEN or SHOPTET_OAUTH_ACCESS_TOKEN); "
    "it may be revoked, expired or for another e-shop.",
    E.PermissionDenied: "Grant the token this endpoint group (read or write) in the Shoptet "
    "admin (Connections » Private API), or activate the missing module.",
    E.NotFound: "The entity or endpoint does not exist (any more); re-read the live shop.",
    E.ValidationFailed: "Shoptet refused the data as invalid; fix it, resending will not help.",
    E.Conflict: "Shoptet reports a conflict (a duplicate, or a product used in a set or as a "
    "gift); resolve it in the shop or the catalog.",
    E.TooLarge: "Too many items in one request; nothing was applied. Send smaller batches.",
    E.Locked: "The resource is locked by another write in progress; try again shortly.",
    E.RateLimited: "Shoptet's rate limit was hit; wait and retry, or lower concurrency.",
    E.ServerError: "Shoptet had a server error or is in maintenance; try again later.",
}


def header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name) or headers.get(name.lower())


# Shoptet's deepest documented answer (a product detail) nests well under 16 levels; 64 leaves
# room and keeps a hostile body from ending in a RecursionError (the docs give no limit).
MAX_JSON_DEPTH = 64


class JsonTooDeep(ValueError):
    """A JSON body nested deeper than ``MAX_JSON_DEPTH`` arrays/objects."""


def load_json(content: bytes | str) -> Any:
    """``json.loads`` with the nesting bounded: ``JsonTooDeep`` past ``MAX_JSON_DEPTH`` levels
    (also for bodies deep enough to exhaust the parser's recursion), ``ValueError`` if not JSON.
    """
    try:
        value = json.loads(content)
    except RecursionError:
        raise JsonTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    stack = [(value, 1)]
    while stack:  # iterative, so checking depth cannot recurse either
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_JSON_DEPTH:
            raise JsonTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return value


def _body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return load_json(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _errors(body: Any) -> list[dict[str, Any]]:
    """The error items, with any known secret masked (a server may echo what it was sent)."""
    raw = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        return []
    return [
        {k: redact(v) if isinstance(v, str) else v for k, v in e.items()}
        for e in raw
        if isinstance(e, dict)
    ]


def _request_id(body: Any, headers: Mapping[str, str]) -> str | None:
    meta = body.get("metadata") if isinstance(body, dict) else None
    rid = meta.get("requestId") if isinstance(meta, dict) else None
    rid = rid or header(headers, "X-Request-ID")
    return redact(rid) if rid else None


def parse(
    status: int, headers: Mapping[str, str], content: bytes, *, method: str, path: str
) -> Envelope:
    """The envelope of a 2xx response; ``ResponseInvalid`` if the body is not one."""
    try:
        body = load_json(content) if content else None
    except JsonTooDeep as exc:
        raise E.ResponseInvalid(
            f"{method} {path}: HTTP {status} but the JSON body is {exc}, more than any Shoptet "
            "answer; it was not read further. Check SHOPTET_API_URL points at the Shoptet API.",
            status=status,
            request_id=_request_id(None, headers),
            method=method,
            path=path,
        ) from None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        raise E.ResponseInvalid(
            redact(
                f"{method} {path}: HTTP {status} but the body is not Shoptet's JSON envelope "
                "(is SHOPTET_API_URL pointing at the Shoptet API?)."
            ),
            status=status,
            request_id=_request_id(None, headers),
            method=method,
            path=path,
        )
    return Envelope(status, body.get("data"), _errors(body), _request_id(body, headers))


def status_error(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> E.ApiStatusError:
    """The typed exception for an error status (not raised, returned)."""
    body = _body(content)
    errs = _errors(body)
    first = errs[0] if errs else {}
    code = first.get("errorCode")
    cls = _BY_STATUS.get(status) or (E.ServerError if status >= 500 else E.ApiStatusError)
    detail = "; ".join(
        f"{e.get('errorCode', '?')}: {e.get('message', '')}"
        + (f" [{e['instance']}]" if e.get("instance") else "")
        for e in errs[:5]
    )
    if len(errs) > 5:
        detail += f"; and {len(errs) - 5} more"
    message = f"Shoptet answered {method} {path} with HTTP {status}"
    message += f" ({detail})." if detail else "."
    advice = _ADVICE.get(cls)
    if cls is E.AuthError and code == "expired-token":
        advice = "The API access token expired; run again to get a fresh one."
    if advice:
        message += " " + advice
    kwargs: dict[str, Any] = dict(
        status=status,
        error_code=redact(code) if code is not None else None,
        instance=redact(first["instance"]) if first.get("instance") is not None else None,
        request_id=_request_id(body, headers),
        errors=errs,
        method=method,
        path=path,
    )
    if cls is E.RateLimited:
        kwargs["retry_after"] = retry_after
    return cls(redact(message), **kwargs)
