"""Client settings: where to connect, with which credentials, how politely.

:class:`ClientConfig` is a frozen value. :meth:`ClientConfig.from_env` reads DESIGN §7's
variables:

    SHOPTET_PRIVATE_API_TOKEN   private (Premium) token, sent as ``Shoptet-Private-API-Token``
    SHOPTET_OAUTH_ACCESS_TOKEN  add-on OAuth token; with it, SHOPTET_ESHOP_URL is required and the
    SHOPTET_ESHOP_URL           client mints 30-minute API tokens at
                                ``<eshop>/action/ApiOAuthServer/getAccessToken``; only
                                https://<shop>.myshoptet.com or loopback, unless
    SHOPTET_ALLOW_CUSTOM_DOMAIN 1 states explicitly that SHOPTET_ESHOP_URL (https) is the
                                shop's own domain, where the OAuth token may then be sent
    SHOPTET_API_URL             base URL override: only https://api.myshoptet.com or loopback
    SHOPTET_MAX_IN_FLIGHT       optional, 1-3 concurrent requests (default 3)
    SHOPTET_MAX_RUN_WAIT        optional, seconds all waits of one run may add up to (default 900)

The base URL and e-shop URL allowlists are enforced here, so a typo or a hostile environment
can never make the tool send a token to another host.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlsplit

from reconciler.errors import ConfigError
from reconciler.shoptet.redact import Secret, token_problem

API_URL = "https://api.myshoptet.com"
MAX_IN_FLIGHT = 3  # Shoptet: 3 concurrent connections per token, more gives 429

ENV_PRIVATE = "SHOPTET_PRIVATE_API_TOKEN"
ENV_OAUTH = "SHOPTET_OAUTH_ACCESS_TOKEN"
ENV_ESHOP = "SHOPTET_ESHOP_URL"
ENV_API_URL = "SHOPTET_API_URL"
ENV_MAX_IN_FLIGHT = "SHOPTET_MAX_IN_FLIGHT"
ENV_ALLOW_CUSTOM = "SHOPTET_ALLOW_CUSTOM_DOMAIN"
ENV_MAX_RUN_WAIT = "SHOPTET_MAX_RUN_WAIT"
MAX_WAIT = 120.0  # seconds: the longest single wait (Retry-After, bucket pause) the tool sleeps
MAX_RUN_WAIT = 900.0  # seconds: all waits of one run together
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The normalised base URL, or ConfigError if it is not Shoptet's API or a loopback address."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    plain = not (parts.username or parts.password or parts.query or parts.fragment)
    if parts.path not in ("", "/"):
        plain = False
    if (
        plain
        and parts.scheme == "https"
        and host == "api.myshoptet.com"
        and parts.port in (None, 443)
    ):
        return API_URL
    if plain and parts.scheme in ("http", "https") and is_loopback(host):
        return f"{parts.scheme}://{parts.netloc}"
    raise ConfigError(
        f"{ENV_API_URL} / base URL {url!r} is not allowed: use {API_URL} "
        "(or a loopback address such as http://127.0.0.1:8080 for the sandbox)."
    )


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
SHOPTET_HOST = re.compile(rf"^(?:{_LABEL}\.)+myshoptet\.com$")
DNS_HOST = re.compile(rf"^(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?$")


def check_eshop_url(url: str, allow_custom_domain: bool = False) -> str:
    """The e-shop's origin (scheme://host[:port]), where the OAuth token is sent to mint API
    tokens; ConfigError unless it is safe to send the OAuth token there.

    Allowed: ``https://<shop>.myshoptet.com`` (port 443), a loopback address (http or https, for
    the sandbox), and, only with ``allow_custom_domain`` (``SHOPTET_ALLOW_CUSTOM_DOMAIN=1``), an
    https address on another DNS name: the e-shop's own domain, stated by the user. An IP
    address, a name with non-ASCII letters (use its xn-- form), credentials in the URL or plain
    http elsewhere are never allowed. Shoptet's docs say the token endpoint is on "the e-shop's
    domain" without listing which domains those can be, so custom domains are an explicit
    opt-in rather than a default: a typo or a hostile environment alone cannot make the tool
    send the OAuth token to an arbitrary host.
    """
    parts = urlsplit(url.strip())
    try:
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # a port that is not a number
        host, port = "", None
    if parts.username or parts.password:
        host = ""
    if host and is_loopback(host) and parts.scheme in ("http", "https"):
        shown = f"[{host}]" if ":" in host else host
        return f"{parts.scheme}://{shown}" + (f":{port}" if port else "")
    if not host or parts.scheme != "https":
        raise ConfigError(
            f"{ENV_ESHOP} {url!r} is not usable: give the e-shop's https address, "
            "e.g. https://12345.myshoptet.com"
        )
    if SHOPTET_HOST.match(host) and port in (None, 443):
        return f"https://{host}"
    if not allow_custom_domain:
        raise ConfigError(
            f"{ENV_ESHOP} {url!r} is not a https://<shop>.myshoptet.com address, and the OAuth "
            f"token is sent there. If it is your e-shop's own domain, say so explicitly with "
            f"{ENV_ALLOW_CUSTOM}=1; otherwise use the shop's myshoptet.com address (Shoptet "
            "admin, or the eshopUrl of the add-on installation)."
        )
    if not DNS_HOST.match(host):
        raise ConfigError(
            f"{ENV_ESHOP} {url!r}: {host!r} is not a domain name; a custom e-shop domain must be "
            "a plain DNS name such as www.my-shop.cz (IP addresses and non-ASCII letters are "
            "not accepted; write an international name in its xn-- form)."
        )
    return f"https://{host}" + (f":{port}" if port not in (None, 443) else "")


def parse_flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("", "0", "false", "no"):
        return False
    raise ConfigError(f"{name} must be 1 (on) or 0 (off), not {value!r}.")


@dataclass(frozen=True)
class ClientConfig:
    """How to reach Shoptet. Exactly one of ``private_token`` or ``oauth_token`` (+ ``eshop_url``).

    Tokens may be given as plain strings; they are wrapped in :class:`Secret` at once, so the
    ``repr`` of a config never shows them. ``read_only`` refuses every non-GET before sending
    (``from_env`` defaults it to True; the constructor to False for in-process sandbox use).
    Retry knobs: ``max_attempts`` counts every send of one request (first one included);
    ``max_total_wait`` caps the seconds spent waiting between attempts of one request.

    Bounds (Shoptet documents none of these; the strict choice is to stop with an error rather
    than wait or read without end): ``max_wait`` is the longest single wait (a ``Retry-After`` or
    a bucket pause asking for more ends the run instead of sleeping); ``max_run_wait`` is the sum
    of every wait of this client (all threads, retries and pacing); ``response_deadline`` is the
    total time one response may take from sending to its last body byte (httpx's
    ``read_timeout`` applies per read, so a body that trickles would otherwise never time out);
    ``max_response_bytes`` caps one response body.
    """

    base_url: str = API_URL
    private_token: Secret | str | None = None
    oauth_token: Secret | str | None = None
    eshop_url: str | None = None
    allow_custom_domain: bool = False
    read_only: bool = False
    max_in_flight: int = MAX_IN_FLIGHT
    max_attempts: int = 6
    max_total_wait: float = 120.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    locked_wait: float = 2.0
    bucket_threshold: float = 0.75
    bucket_leak_per_second: float = 10.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_wait: float = MAX_WAIT
    max_run_wait: float = MAX_RUN_WAIT
    response_deadline: float = 300.0
    max_response_bytes: int = MAX_RESPONSE_BYTES
    token_renew_margin: float = 120.0
    paging_rereads: int = 2
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("private_token", "oauth_token"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Secret(value) if value else None)
        for name, env in (("private_token", ENV_PRIVATE), ("oauth_token", ENV_OAUTH)):
            secret = getattr(self, name)
            problem = token_problem(secret.reveal()) if secret is not None else None
            if problem:
                raise ConfigError(
                    f"{env} {problem}: a Shoptet token is letters, digits and '-' only (printable "
                    "ASCII, no spaces). Copy the token again, without line breaks or other text "
                    "around it, and set it again."
                )
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        if self.private_token and self.oauth_token:
            raise ConfigError(f"Both {ENV_PRIVATE} and {ENV_OAUTH} are set; set only one of them.")
        if not self.private_token and not self.oauth_token:
            raise ConfigError(
                f"No Shoptet credentials: set {ENV_PRIVATE} (Premium private API token) or "
                f"{ENV_OAUTH} together with {ENV_ESHOP} (add-on OAuth)."
            )
        if self.oauth_token:
            if not self.eshop_url:
                raise ConfigError(f"{ENV_OAUTH} needs {ENV_ESHOP} (the e-shop's address).")
            eshop = check_eshop_url(self.eshop_url, self.allow_custom_domain)
            object.__setattr__(self, "eshop_url", eshop)
        if not 1 <= self.max_in_flight <= MAX_IN_FLIGHT:
            raise ConfigError(
                f"max in-flight requests must be 1-{MAX_IN_FLIGHT} (Shoptet allows "
                f"{MAX_IN_FLIGHT} per token); got {self.max_in_flight}."
            )
        if self.max_attempts < 1 or self.max_total_wait < 0:
            raise ConfigError("max_attempts must be >= 1 and max_total_wait >= 0.")
        for name in ("max_wait", "max_run_wait", "response_deadline", "max_response_bytes"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value < float("inf")):
                raise ConfigError(f"{name} must be a positive number; got {value!r}.")

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, read_only: bool = True, **overrides
    ) -> ClientConfig:
        """Settings from ``env`` (default ``os.environ``); keyword overrides win."""
        env = os.environ if env is None else env
        values: dict = {"read_only": read_only}
        if env.get(ENV_API_URL):
            values["base_url"] = env[ENV_API_URL]
        if env.get(ENV_PRIVATE):
            values["private_token"] = env[ENV_PRIVATE].strip()
        if env.get(ENV_OAUTH):
            values["oauth_token"] = env[ENV_OAUTH].strip()
        if env.get(ENV_ESHOP):
            values["eshop_url"] = env[ENV_ESHOP]
        if env.get(ENV_ALLOW_CUSTOM):
            values["allow_custom_domain"] = parse_flag(ENV_ALLOW_CUSTOM, env[ENV_ALLOW_CUSTOM])
        if env.get(ENV_MAX_IN_FLIGHT):
            try:
                values["max_in_flight"] = int(env[ENV_MAX_IN_FLIGHT])
            except ValueError:
                raise ConfigError(
                    f"{ENV_MAX_IN_FLIGHT} must be a whole number 1-{MAX_IN_FLIGHT}."
                ) from None
        if env.get(ENV_MAX_RUN_WAIT):
            try:
                values["max_run_wait"] = float(env[ENV_MAX_RUN_WAIT])
            except ValueError:
                values["max_run_wait"] = None  # refused below with the setting's name
            if not values["max_run_wait"] or not 0 < values["max_run_wait"] < float("inf"):
                raise ConfigError(
                    f"{ENV_MAX_RUN_WAIT} must be a number of seconds above 0 (default "
                    f"{MAX_RUN_WAIT:.0f}); got {env[ENV_MAX_RUN_WAIT]!r}."
                )
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown ClientConfig settings: {sorted(unknown)}")
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> ClientConfig:
        return replace(self, **changes)
