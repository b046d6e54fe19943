"""Auth like Shoptet: the private API token, and short-lived access tokens issued through the
OAuth ``getAccessToken`` endpoint (at most five valid at once per OAuth token)."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict

from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.envelope import Fail, err

OAUTH_PATH = "/action/ApiOAuthServer/getAccessToken"
PRIVATE_HEADER = "shoptet-private-api-token"
ACCESS_HEADER = "shoptet-access-token"


class Auth:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self._lock = threading.Lock()
        self._issued: OrderedDict[str, float] = OrderedDict()  # token -> real expiry time

    def reset(self) -> None:
        with self._lock:
            self._issued.clear()

    def issue(self, authorization: str | None) -> tuple[int, dict]:
        """The getAccessToken answer (not Shoptet's envelope: ``access_token``/``expires_in``,
        failures in an ``error`` key)."""
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), self.config.oauth_token.encode()
        ):
            return 401, {
                "error": "invalid_token",
                "error_description": "Invalid OAuth access token.",
            }
        token = f"{secrets.randbelow(900000) + 100000}-a-{secrets.token_hex(16)}"
        with self._lock:
            self._issued[token] = self.config.clock() + self.config.real(
                self.config.access_token_lifetime
            )
            while len(self._issued) > self.config.max_access_tokens:
                self._issued.popitem(last=False)
        return 200, {"access_token": token, "expires_in": int(self.config.access_token_lifetime)}

    def check(self, headers: dict[str, str]) -> str:
        """The bucket/concurrency key of the caller; raises Fail(401) like Shoptet."""
        private = headers.get(PRIVATE_HEADER)
        if private is not None:
            if hmac.compare_digest(private.encode(), self.config.token.encode()):
                return "private"
            raise Fail(401, err("invalid-token", "Invalid access token.", "unknown"))
        access = headers.get(ACCESS_HEADER)
        if access is None:
            raise Fail(
                401,
                err(
                    "missing-access-token",
                    "Missing access token. Please add "
                    "`Shoptet-Access-Token` header to your request.",
                    "unknown",
                ),
            )
        with self._lock:
            expiry = self._issued.get(access)
            if expiry is not None and expiry <= self.config.clock():
                raise Fail(
                    401,
                    err("expired-token", "Token is expired. Please ask for new one.", "unknown"),
                )
        if expiry is None:
            raise Fail(401, err("invalid-token", "Invalid access token.", "unknown"))
        return "oauth:" + access[-8:]
