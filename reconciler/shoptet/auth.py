"""Credentials as request headers.

:class:`PrivateTokenAuth` sends the Premium private token as ``Shoptet-Private-API-Token``.

:class:`OAuthAuth` holds the add-on's permanent OAuth token and mints the short-lived API access
token (30 minutes) from ``<eshop>/action/ApiOAuthServer/getAccessToken`` on first use. It reuses
that token, renews it ``token_renew_margin`` seconds before it expires, and renews it once when a
request comes back 401 ``expired-token``. Shoptet allows only 5 valid API tokens per OAuth token,
so minting is serialised under a lock and a renewal asked for with a token that is no longer the
current one (another thread renewed already) mints nothing.

The ``fetch`` callable that performs the token request is supplied by the session (so it goes
through the same transport, redirect rule and retry policy); it returns ``(status, body)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from reconciler.errors import ApiError, AuthError
from reconciler.shoptet.redact import Secret, redact, register, token_problem

TOKEN_PATH = "/action/ApiOAuthServer/getAccessToken"
PRIVATE_HEADER = "Shoptet-Private-API-Token"
ACCESS_HEADER = "Shoptet-Access-Token"

Fetch = Callable[[str, dict[str, str]], tuple[int, Any]]


class PrivateTokenAuth:
    renewable = False

    def __init__(self, token: Secret):
        self._token = token

    def headers(self) -> tuple[dict[str, str], Secret]:
        return {PRIVATE_HEADER: self._token.reveal()}, self._token

    def renew(self, stale: Secret) -> bool:
        return False

    def __repr__(self) -> str:
        return "PrivateTokenAuth(token=***)"


class OAuthAuth:
    renewable = True

    def __init__(
        self,
        oauth_token: Secret,
        eshop_url: str,
        fetch: Fetch,
        clock: Callable[[], float],
        renew_margin: float = 120.0,
    ):
        self._oauth = oauth_token
        self.eshop_url = eshop_url
        self._fetch = fetch
        self._clock = clock
        self._margin = renew_margin
        self._lock = threading.Lock()
        self._token: Secret | None = None
        self._renew_at = 0.0
        self.minted = 0  # how many API tokens this run obtained (tests, diagnostics)

    @property
    def token_url(self) -> str:
        return self.eshop_url + TOKEN_PATH

    def headers(self) -> tuple[dict[str, str], Secret]:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._mint()
            token = self._token
        assert token is not None
        return {ACCESS_HEADER: token.reveal()}, token

    def renew(self, stale: Secret) -> bool:
        """Called after a 401 ``expired-token`` sent with ``stale``. True if a resend may help."""
        with self._lock:
            if self._token is None or self._token == stale:
                self._mint()
        return True

    def _mint(self) -> None:
        where = self.token_url
        try:
            status, body = self._fetch(where, {"Authorization": f"Bearer {self._oauth.reveal()}"})
        except ApiError as exc:
            raise AuthError(
                redact(
                    f"Could not get an API access token from {where}: {exc.message} "
                    "Check SHOPTET_ESHOP_URL and that the e-shop is reachable."
                ),
                status=exc.status,
                request_id=exc.request_id,
                method="GET",
                path=where,
            ) from None
        token = body.get("access_token") if isinstance(body, dict) else None
        if status != 200 or not isinstance(token, str) or not token:
            reason = body.get("error") if isinstance(body, dict) else None
            if not reason and isinstance(body, dict) and isinstance(body.get("errors"), list):
                reason = ", ".join(
                    str(e.get("errorCode")) for e in body["errors"] if isinstance(e, dict)
                )
            detail = f"HTTP {status}" + (f" ({reason})" if reason else "")
            raise AuthError(
                redact(
                    f"Could not get an API access token from {where}: {detail}. Check "
                    "SHOPTET_OAUTH_ACCESS_TOKEN (the add-on's OAuth token for this e-shop) and "
                    "that the add-on is installed and not suspended."
                ),
                status=status,
                error_code=redact(reason) if reason else None,
                method="GET",
                path=where,
            )
        problem = token_problem(token)
        if problem:
            register(token)  # so nothing that follows can show it
            raise AuthError(
                f"The API access token from {where} {problem}, so it cannot be sent in a "
                "header; nothing was sent with it. Check SHOPTET_ESHOP_URL points at the e-shop.",
                status=status,
                method="GET",
                path=where,
            )
        expires_in = body.get("expires_in")
        try:
            lifetime = float(expires_in) if expires_in is not None else 1800.0
        except (TypeError, ValueError):
            lifetime = 1800.0
        self._token = Secret(token)
        # renew ahead of expiry, but never so early that a short-lived token is re-minted at once
        self._renew_at = self._clock() + lifetime - min(self._margin, lifetime / 2)
        self.minted += 1

    def __repr__(self) -> str:
        return f"OAuthAuth(eshop_url={self.eshop_url!r}, token=***)"
