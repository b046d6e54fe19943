"""Politeness and retries as pure functions, so every rule is table-testable.

:func:`decide` answers "send this request again, and after how long?" from (method, outcome,
attempt) and the settings. It never sleeps and never looks at a clock: the session does that.

Outcomes and what happens (``attempt`` is the number of sends so far, 1-based):

=====================================  ============================  ===========================
outcome                                GET                           POST / PATCH / DELETE
=====================================  ============================  ===========================
connect error (nothing was sent)       backoff, retry                backoff, retry (safe)
error after send (timeout, reset)      backoff, retry                UNKNOWN: never resent
429                                    Retry-After, else backoff     same (429 = not processed)
503 (unavailable / maintenance)        Retry-After, else backoff     same (not processed)
423                                    ``locked_wait``, retry        same (423 = not processed)
500, 502, 504                          backoff, retry                UNKNOWN: never resent
any other 4xx (400 401 403 404 ...)  fail                          fail
=====================================  ============================  ===========================

Why 500/502/504 are "unknown" for writes: a gateway error or a crash may come after Shoptet
committed the change, exactly like a lost response; only 503 (maintenance), 423 and 429 say the
request was not processed. The caller is told what to re-read (``WriteOutcomeUnknown.reread``).

Backoff is exponential with full jitter: ``uniform(0, min(cap, base * 2**(attempt-1)))``.
The bucket slow-down (:func:`bucket_delay`) is pacing, not a retry: as
``X-RateLimit-Bucket-Filling`` passes ``threshold`` of the bucket, the next request waits until
the excess has leaked out (10 drops/s).
"""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Callable
from dataclasses import dataclass

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Outcome(enum.Enum):
    CONNECT_ERROR = "connect error before send"
    SENT_NO_RESPONSE = "timeout or reset after send"
    STATUS = "HTTP status"


class Verdict(enum.Enum):
    RETRY = "retry"
    FAIL = "fail"  # raise the error for this outcome
    UNKNOWN = "unknown"  # a write may have been applied: raise WriteOutcomeUnknown
    GIVE_UP = "give up"  # retryable, but the attempts are used up: RetryBudgetExhausted
    DONE = "done"  # success (2xx/3xx): nothing to decide


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    wait: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class RetrySettings:
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    locked_wait: float = 2.0


def is_write(method: str) -> bool:
    return method.upper() in WRITE_METHODS


def backoff(attempt: int, s: RetrySettings, rng: Callable[[], float]) -> float:
    """Full jitter: a uniform wait between 0 and the exponential ceiling."""
    ceiling = min(s.backoff_cap, s.backoff_base * 2.0 ** max(attempt - 1, 0))
    return rng() * ceiling


def decide(
    method: str,
    outcome: Outcome,
    attempt: int,
    s: RetrySettings,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    rng: Callable[[], float],
) -> Decision:
    """What to do after send number ``attempt`` of ``method`` ended in ``outcome``."""
    write = is_write(method)
    if outcome is Outcome.STATUS and status is not None and status < 400:
        return Decision(Verdict.DONE)
    if outcome is Outcome.SENT_NO_RESPONSE and write:
        return Decision(Verdict.UNKNOWN, reason="the write was sent and its response was lost")
    if outcome is Outcome.STATUS:
        if status in (500, 502, 504) and write:
            return Decision(Verdict.UNKNOWN, reason=f"HTTP {status} after the write was sent")
        if status == 429:
            wait = retry_after if retry_after is not None else backoff(attempt, s, rng)
            reason = "rate limited (429)"
        elif status == 503 and retry_after is not None:  # maintenance may say how long
            wait, reason = retry_after, "unavailable (503)"
        elif status == 423:
            wait, reason = s.locked_wait, "locked (423)"
        elif status is not None and status >= 500:
            wait, reason = backoff(attempt, s, rng), f"server error ({status})"
        else:
            return Decision(Verdict.FAIL, reason=f"HTTP {status} is not retried")
    else:
        wait, reason = backoff(attempt, s, rng), outcome.value
    if attempt >= s.max_attempts:
        return Decision(Verdict.GIVE_UP, reason=f"{reason}; gave up after {attempt} attempts")
    return Decision(Verdict.RETRY, wait, reason)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or HTTP date), given the wall-clock
    ``now`` (epoch seconds). A past, malformed or absent value gives None (use backoff)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    if seconds != seconds or seconds <= 0:  # NaN, past or zero
        return None
    return seconds


def bucket_delay(value: str | None, threshold: float, leak_per_second: float) -> float:
    """Seconds to pause before the next request, from ``X-RateLimit-Bucket-Filling: cur/max``."""
    if not value or "/" not in value:
        return 0.0
    try:
        current, maximum = (float(x) for x in value.split("/", 1))
    except ValueError:
        return 0.0
    if maximum <= 0 or leak_per_second <= 0:
        return 0.0
    excess = current - threshold * maximum
    return max(0.0, excess / leak_per_second)
