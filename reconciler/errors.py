"""One exception tree for the whole tool.

    ReconcilerError                     root; cli.py maps every branch to an exit code
    ├── ConfigError                     bad environment (missing token, URL not allowed) -> exit 1
    ├── CatalogError                    YAML problems, each located (file:line:column) -> exit 1
    ├── ApiError                        anything the Shoptet API (or reaching it) went wrong with
    │   ├── ReadOnlyViolation           a write was attempted by a read-only client; nothing sent
    │   ├── TransportError              no HTTP response at all
    │   │   ├── ApiConnectionError      connect failed or reset before the request was sent
    │   │   └── WriteOutcomeUnknown     a write was sent, its response was lost: re-read first
    │   ├── ApiStatusError              Shoptet answered with an error status
    │   │   ├── AuthError               401 (invalid-token, expired-token, missing-access-token)
    │   │   ├── PermissionDenied        403 (invalid-token-no-rights, missing-module)
    │   │   ├── NotFound                404
    │   │   ├── ValidationFailed        400, 422
    │   │   ├── Conflict                409
    │   │   ├── TooLarge                413 (nothing applied)
    │   │   ├── Locked                  423
    │   │   ├── RateLimited             429
    │   │   └── ServerError             5xx
    │   ├── RetryBudgetExhausted        retries or total wait ran out; carries the last error
    │   ├── PagingInconsistent          totalCount changed while paging and a re-read did not settle
    │   └── ResponseInvalid             a 2xx whose body is not Shoptet's envelope
    ├── UnsafePlan                      a guard refused the apply -> exit 3
    ├── StalePlan                       live changed since the plan, or the catalog differs -> exit 4
    └── ApplyError                      writes failed or partially failed -> exit 1

Messages are written for the person at the terminal: what happened and what to do. No
message, ``repr`` or ``str`` of any of these ever contains a token; the client redacts before
it builds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# C0 and C1 control characters and DEL (a terminal acts on ESC, CSI, ...), and the Unicode
# bidirectional overrides and isolates (they reorder what the reader sees); lone surrogates
# (they cannot even be encoded for output).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_BREAKS = frozenset("\n\t")


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` safe to print to a terminal: every control character written as an escape
    (``\\x1b``, ``\\u202e``), so a product or file name cannot clear the screen, move the
    cursor or hide text. Newline and tab are kept unless ``keep_newlines`` is false.
    For terminal output only: Markdown, JSON and the plan file keep the exact text."""

    def escape(match: re.Match) -> str:
        char = match.group()
        if keep_newlines and char in _LINE_BREAKS:
            return char
        code = ord(char)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, text)


class ReconcilerError(Exception):
    """Root of every error the tool raises on purpose."""

    exit_code: int = 1


class ConfigError(ReconcilerError):
    """The environment or command line is not usable (missing token, URL not allowed, ...)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in a catalog file."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    @classmethod
    def at(cls, loc: Any, message: str) -> Problem:
        """A problem where a loader ``Location`` (``file``, ``line``, ``column``) points;
        ``(catalog)`` when nothing does."""
        if loc is None:
            return cls("(catalog)", 0, 0, message)
        return cls(loc.file, loc.line, loc.column, message)


class CatalogError(ReconcilerError):
    """The catalog has one or more problems; ``problems`` holds them sorted by location."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ApiError(ReconcilerError):
    """The Shoptet API, or the way to it, failed.

    ``status`` is the HTTP status (None when there was no response), ``error_code`` and
    ``instance`` come from the first item of Shoptet's ``errors`` list, ``request_id`` from
    ``metadata.requestId`` (or the ``X-Request-ID`` header), ``errors`` holds every item.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        instance: str | None = None,
        request_id: str | None = None,
        errors: list[dict] | None = None,
        method: str | None = None,
        path: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.instance = instance
        self.request_id = request_id
        self.errors = errors or []
        self.method = method
        self.path = path

    def __str__(self) -> str:
        parts = [self.message]
        if self.request_id:
            parts.append(f"(Shoptet requestId {self.request_id})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, error_code={self.error_code!r}, "
            f"instance={self.instance!r}, request_id={self.request_id!r})"
        )


class ReadOnlyViolation(ApiError):
    """A non-GET request on a read-only client; raised before anything is sent."""


class TransportError(ApiError):
    """No HTTP response was received."""


class ApiConnectionError(TransportError):
    """The connection failed before the request could have reached Shoptet (safe to resend)."""


class WriteOutcomeUnknown(TransportError):
    """A write was sent but its response was lost; it may or may not have been applied.

    Never resend blindly: re-read the resource named in ``reread`` and decide from what is live.
    """

    def __init__(self, message: str, *, reread: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.reread = reread


class ApiStatusError(ApiError):
    """Shoptet answered with an error status."""


class AuthError(ApiStatusError):
    """401: the token is missing, invalid or expired."""


class PermissionDenied(ApiStatusError):
    """403: the token lacks rights for this endpoint, or a module is not active."""


class NotFound(ApiStatusError):
    """404: unknown endpoint or unknown entity."""


class ValidationFailed(ApiStatusError):
    """400 or 422: the request was refused as invalid; resending it will not help."""


class Conflict(ApiStatusError):
    """409: a consistency conflict (duplicate, product used in a set, ...)."""


class TooLarge(ApiStatusError):
    """413: too many items in one request; nothing was applied."""


class Locked(ApiStatusError):
    """423: the same write is already being processed, or the product's categories are locked."""


class RateLimited(ApiStatusError):
    """429: too many concurrent requests, or the leaky bucket is full."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiStatusError):
    """5xx: a transient server error or maintenance."""


class RetryBudgetExhausted(ApiError):
    """Retries or total waiting ran out; ``last`` is the final underlying error."""

    def __init__(self, message: str, *, last: ApiError | None = None, **kwargs):
        if last is not None:
            for key in ("status", "error_code", "instance", "request_id", "method", "path"):
                kwargs.setdefault(key, getattr(last, key))
        super().__init__(message, **kwargs)
        self.last = last


class PagingInconsistent(ApiError):
    """The list changed while it was being paged and a re-read did not settle."""


class ResponseInvalid(ApiError):
    """A successful status whose body is not Shoptet's envelope or not the expected shape."""


class UnsafePlan(ReconcilerError):
    """A guard refused the apply. The message states the numbers and the flag that allows it."""

    exit_code = 3


class StalePlan(ReconcilerError):
    """The live shop or the catalog changed since the plan was made; nothing was written."""

    exit_code = 4

    def __init__(self, message: str, items: list[str] | None = None):
        self.items = items or []
        super().__init__(message)


class ApplyError(ReconcilerError):
    """Some writes failed (including per-item failures on a 200). Re-running finishes the rest."""
