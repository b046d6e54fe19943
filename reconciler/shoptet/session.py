"""The request engine: one ``httpx.Client``, credentials, politeness, retries, read-only mode.

``Session.send`` performs one logical request and returns the final ``httpx.Response`` (2xx, or
an error status that is not retried); ``Session.request`` adds the envelope parsing and raises
the typed error. Everything that waits goes through the injected ``sleep`` and reads the
injected ``clock`` (monotonic, for pacing and token expiry) and ``wallclock`` (epoch, for
``Retry-After`` dates), so tests run without real waiting.

Concurrency: a ``threading.BoundedSemaphore`` of ``max_in_flight`` (<= 3) slots is held for the
duration of each send, so any number of threads may share one session (httpx's client and
connection pool are thread-safe). The bucket slow-down is shared state: a response reporting a
nearly full bucket pushes back the earliest start of every following request, paced requests
then start one drop's leak time apart (about the rate Shoptet drains), and a response reporting
a bucket below the threshold ends the pacing.

Every wait and read is bounded (``ClientConfig``): one wait at most ``max_wait`` (a longer
``Retry-After`` or bucket pause stops the run instead of sleeping), all waits of the session at
most ``max_run_wait``, one response at most ``response_deadline`` seconds from sending to its
last byte (checked as each chunk arrives; httpx's own timeouts are per read) and
``max_response_bytes`` decoded bytes; JSON nesting is bounded in ``envelope.load_json``.

Redirects are never followed (``follow_redirects=False``); a 3xx becomes an error naming only the
target host, so credentials never travel to another host.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler import __version__
from reconciler import errors as E
from reconciler.shoptet import envelope
from reconciler.shoptet.auth import OAuthAuth, PrivateTokenAuth
from reconciler.shoptet.config import ClientConfig
from reconciler.shoptet.policy import (
    Outcome,
    RetrySettings,
    Verdict,
    bucket_delay,
    decide,
    is_write,
    parse_retry_after,
)
from reconciler.shoptet.redact import get_logger, redact

log = get_logger("reconciler.shoptet")

# Raised before any byte of the request could reach the server: safe to resend, even a write.
BEFORE_SEND = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
)


class _TooLarge(Exception):
    def __init__(self, status: int, size: int, limit: int):
        super().__init__(status, size, limit)
        self.status, self.size, self.limit = status, size, limit


class Session:
    def __init__(
        self,
        config: ClientConfig,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ):
        self.config = config
        self._sleep, self._clock, self._wallclock, self._rng = sleep, clock, wallclock, rng
        self._http = httpx.Client(
            base_url=config.base_url,
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            limits=httpx.Limits(max_connections=config.max_in_flight + 2),
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"shoptet-catalog/{__version__}",
                **dict(config.extra_headers),
            },
        )
        self._slots = threading.BoundedSemaphore(config.max_in_flight)
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._deprecations: set[str] = set()
        self.request_count = 0
        self.run_waited = 0.0  # seconds of waiting asked for so far, all threads (max_run_wait)
        self.retry = RetrySettings(
            max_attempts=config.max_attempts,
            backoff_base=config.backoff_base,
            backoff_cap=config.backoff_cap,
            locked_wait=config.locked_wait,
        )
        private, oauth = config.private_token, config.oauth_token
        # ClientConfig wraps a token given as a plain string in Secret as it is built
        assert not isinstance(private, str) and not isinstance(oauth, str)
        if private:
            self.auth: PrivateTokenAuth | OAuthAuth = PrivateTokenAuth(private)
        else:
            assert oauth is not None and config.eshop_url is not None
            self.auth = OAuthAuth(
                oauth,
                config.eshop_url,
                self._fetch_token,
                clock,
                config.token_renew_margin,
            )

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"Session(base_url={self.config.base_url!r}, auth={self.auth!r})"

    # -- public -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        reread: str | None = None,
    ) -> envelope.Envelope:
        """One API call: the parsed envelope of a 2xx, else the typed error is raised."""
        method = method.upper()
        if self.config.read_only and method != "GET":
            raise E.ReadOnlyViolation(
                f"Refused to send {method} {path}: this client is read-only (plan, import and "
                "validate never write). Nothing was sent.",
                method=method,
                path=path,
            )
        response = self.send(method, path, params=params, json=json, reread=reread)
        status, headers, content = response.status_code, response.headers, response.content
        if status >= 400:
            raise envelope.status_error(status, headers, content, method=method, path=path)
        return envelope.parse(status, headers, content, method=method, path=path)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        reread: str | None = None,
        authed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries; the final response (2xx or a status that is not retried)."""
        attempt, waited, renewed = 0, 0.0, False
        while True:
            attempt += 1
            sent_headers, token = self.auth.headers() if authed else ({}, None)
            sent_headers = {**sent_headers, **(headers or {})}
            status = retry_after = None
            try:
                response = self._send_once(method, url, params, json, sent_headers, authed)
            except _TooLarge as exc:
                raise self._too_large_error(method, url, exc, reread) from None
            except httpx.TransportError as exc:
                before = isinstance(exc, BEFORE_SEND)
                outcome = Outcome.CONNECT_ERROR if before else Outcome.SENT_NO_RESPONSE
                error: E.ApiError = (E.ApiConnectionError if before else E.TransportError)(
                    redact(
                        f"{method} {url}: no complete response from Shoptet "
                        f"({type(exc).__name__}: {exc})."
                        " Check the network and SHOPTET_API_URL."
                    ),
                    method=method,
                    path=url,
                )
            else:
                status = response.status_code
                if status < 300:
                    return response
                if status < 400:
                    raise self._redirect_error(method, url, response)
                error = envelope.status_error(
                    status, response.headers, response.content, method=method, path=url
                )
                if (
                    status == 401
                    and error.error_code == "expired-token"
                    and authed
                    and token is not None
                    and self.auth.renewable
                    and not renewed
                ):
                    renewed = True
                    log.info("API access token expired; renewing it once and resending")
                    self.auth.renew(token)
                    continue
                outcome = Outcome.STATUS
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), self._wallclock()
                )
                if isinstance(error, E.RateLimited):
                    error.retry_after = retry_after
            decision = decide(
                method,
                outcome,
                attempt,
                self.retry,
                status=status,
                retry_after=retry_after,
                rng=self._rng,
            )
            if decision.verdict is Verdict.FAIL:
                if status is not None:
                    return response
                raise error
            if decision.verdict is Verdict.UNKNOWN:
                target = reread or f"GET {url}"
                raise E.WriteOutcomeUnknown(
                    redact(
                        f"{method} {url} was sent but {decision.reason}: it may or may not have "
                        f"been applied. It was not resent; re-read {target} and decide from the "
                        "live state (re-running plan does this)."
                    ),
                    reread=target,
                    status=status,
                    request_id=error.request_id,
                    method=method,
                    path=url,
                )
            if decision.verdict is Verdict.RETRY and decision.wait > self.config.max_wait:
                raise E.RetryBudgetExhausted(
                    redact(
                        f"{method} {url}: Shoptet asked to wait {decision.wait:.0f} s before "
                        f"retrying ({decision.reason}), more than the {self.config.max_wait:.0f} s "
                        "this tool waits at a time, so it stopped instead of sleeping; nothing "
                        f"more was sent. Run again later. Last error: {error.message}"
                    ),
                    last=error,
                )
            if (
                decision.verdict is Verdict.GIVE_UP
                or waited + decision.wait > self.config.max_total_wait
            ):
                raise E.RetryBudgetExhausted(
                    redact(
                        f"Gave up on {method} {url} after {attempt} attempt(s) and {waited:.1f} s "
                        f"of waiting ({decision.reason}). Last error: {error.message} You can "
                        "run again later; raise max attempts / total wait for slow shops."
                    ),
                    last=error,
                )
            log.warning(
                "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                method,
                url,
                decision.reason,
                decision.wait,
                attempt + 1,
                self.retry.max_attempts,
            )
            self._wait(decision.wait, method, url, error)
            waited += decision.wait

    # -- internals ----------------------------------------------------------------------

    def _wait(self, seconds: float, method: str, url: str, last: E.ApiError | None) -> None:
        """Sleep ``seconds``, or ``RetryBudgetExhausted`` if that would take this run's waiting
        past ``max_run_wait`` (counted over all threads: an upper bound on time spent waiting)."""
        with self._lock:
            spent = self.run_waited
            if spent + seconds > self.config.max_run_wait:
                over = True
            else:
                over = False
                self.run_waited += seconds
        if over:
            raise E.RetryBudgetExhausted(
                redact(
                    f"{method} {url}: waiting {seconds:.1f} s more would take this run's waiting "
                    f"past its budget of {self.config.max_run_wait:.0f} s ({spent:.0f} s waited "
                    "already for rate limits and retries), so it stopped. Run again when the shop "
                    "is less busy, or raise SHOPTET_MAX_RUN_WAIT."
                ),
                last=last,
                method=method,
                path=url,
            )
        self._sleep(seconds)

    def _send_once(self, method, url, params, json, headers, polite: bool) -> httpx.Response:
        if polite:
            self._slots.acquire()
        try:
            if polite:
                self._pace(method, url)
            with self._lock:
                self.request_count += 1
            request = self._http.build_request(
                method, url, params=params, json=json, headers=headers
            )
            started = self._clock()
            response = self._http.send(request, stream=True)
            try:
                self._read(response, started)
            finally:
                response.close()
        finally:
            if polite:
                self._slots.release()
        if polite:
            self._after(method, url, response)
        return response

    def _pace(self, method: str, url: str) -> None:
        """Wait out the bucket slow-down, if any; never longer than ``max_wait`` at a time."""
        with self._lock:
            now = self._clock()
            start = max(now, self._not_before)
            if start > now:
                # Paced: reserve a start time, one drop's leak time apart, so requests that
                # waited together do not refill the bucket together.
                self._not_before = start + 1.0 / self.config.bucket_leak_per_second
        pause = start - now
        if pause <= 0:
            return
        if pause > self.config.max_wait:
            raise E.RetryBudgetExhausted(
                f"{method} {url}: Shoptet's rate-limit bucket (X-RateLimit-Bucket-Filling) asks "
                f"for a {pause:.0f} s pause, more than the {self.config.max_wait:.0f} s this tool "
                "waits at a time, so it stopped before sending this request. Run again later.",
                method=method,
                path=url,
            )
        log.info("rate-limit bucket nearly full; pausing %.1f s", pause)
        self._wait(pause, method, url, None)

    def _read(self, response: httpx.Response, started: float) -> None:
        """Read the body into ``response`` within ``max_response_bytes`` (decoded, so a
        compressed bomb counts at its real size) and ``response_deadline`` seconds since
        ``started``. Over the deadline: ``httpx.ReadTimeout`` (so the retry table treats it as
        a lost response); over the size: ``_TooLarge``."""
        limit, deadline = self.config.max_response_bytes, self.config.response_deadline
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _TooLarge(response.status_code, int(declared), limit)
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _TooLarge(response.status_code, size, limit)
            if self._clock() - started > deadline:
                raise httpx.ReadTimeout(
                    f"the response was still arriving {deadline:.0f} s after the request was "
                    "sent (a total limit; each read has its own shorter timeout)"
                )
            chunks.append(chunk)
        # What Response.read() does; the body is already decoded, so it is set, not re-read.
        response._content = b"".join(chunks)

    def _too_large_error(
        self, method: str, url: str, exc: _TooLarge, reread: str | None
    ) -> E.ApiError:
        text = (
            f"{method} {url}: Shoptet's answer (HTTP {exc.status}) is larger than the "
            f"{exc.limit / (1024 * 1024):g} MiB this tool reads ({exc.size} bytes or more); it "
            "stopped reading."
        )
        if is_write(method):
            target = reread or f"GET {url}"
            return E.WriteOutcomeUnknown(
                redact(
                    f"{text} The write may or may not have been applied; re-read {target} and "
                    "decide from the live state (re-running plan does this)."
                ),
                reread=target,
                status=exc.status,
                method=method,
                path=url,
            )
        return E.ResponseInvalid(
            redact(f"{text} Read smaller pages or check SHOPTET_API_URL."),
            status=exc.status,
            method=method,
            path=url,
        )

    def _after(self, method: str, url: str, response: httpx.Response) -> None:
        delay = bucket_delay(
            response.headers.get("X-RateLimit-Bucket-Filling"),
            self.config.bucket_threshold,
            self.config.bucket_leak_per_second,
        )
        if delay > 0:
            with self._lock:
                self._not_before = max(self._not_before, self._clock() + delay)
        elif "X-RateLimit-Bucket-Filling" in response.headers:
            with self._lock:  # the bucket has room again: stop pacing
                self._not_before = min(self._not_before, self._clock())
        deprecated = response.headers.get("X-Shoptet-Deprecated")
        if deprecated and url not in self._deprecations:
            self._deprecations.add(url)
            log.warning(
                "Shoptet marks %s %s as deprecated (%s; sunset %s)",
                method,
                url,
                deprecated,
                response.headers.get("Sunset", "unknown"),
            )
        log.debug(
            "%s %s -> %s (requestId %s)",
            method,
            url,
            response.status_code,
            response.headers.get("X-Request-ID"),
        )

    def _redirect_error(self, method: str, url: str, response: httpx.Response) -> E.ApiError:
        target = urlsplit(response.headers.get("Location", "")).hostname or "an unknown place"
        return E.ApiStatusError(
            redact(
                f"{method} {url}: Shoptet answered HTTP {response.status_code}, a redirect to "
                f"{target}. Redirects are not followed, so credentials never go to another "
                "host; check SHOPTET_API_URL / SHOPTET_ESHOP_URL."
            ),
            status=response.status_code,
            request_id=redact(response.headers.get("X-Request-ID") or "") or None,
            method=method,
            path=url,
        )

    def _fetch_token(self, url: str, headers: dict[str, str]) -> tuple[int, Any]:
        response = self.send("GET", url, authed=False, headers=headers)
        try:
            body = envelope.load_json(response.content)
        except envelope.JsonTooDeep as exc:
            raise E.ResponseInvalid(
                f"the answer is {exc}, not a token.", status=response.status_code
            ) from None
        except (ValueError, UnicodeDecodeError):
            body = None
        return response.status_code, body
