"""Shoptet's limits: 3 concurrent requests per token, the leaky bucket, 423 write locks.

UNFINISHED: the per-IP cap of 50 concurrent connections is not modelled (every sandbox client
is 127.0.0.1), and every request costs the same number of drops (Shoptet's costs are not
published; ``request_cost`` sets it).
"""

from __future__ import annotations

import math
import threading
from email.utils import formatdate

from reconciler.sandbox.config import SandboxConfig


class Limits:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (level, at real time)
        self._writes: dict[str, float] = {}  # url -> real time the lock ends

    def reset(self) -> None:
        with self._lock:
            self._in_flight.clear()
            self._buckets.clear()
            self._writes.clear()

    # -- concurrency -----------------------------------------------------------------------
    def enter(self, key: str) -> bool:
        """Count one more request in flight for ``key``; False (nothing counted) over the cap."""
        with self._lock:
            current = self._in_flight.get(key, 0)
            if self.config.limits and current >= self.config.max_concurrent:
                return False
            self._in_flight[key] = current + 1
            return True

    def in_flight(self) -> int:
        """Requests being answered now, every token together (tests wait on it, not on time)."""
        with self._lock:
            return sum(self._in_flight.values())

    def leave(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] = max(0, self._in_flight.get(key, 0) - 1)

    # -- leaky bucket ----------------------------------------------------------------------
    def _level(self, key: str, now: float) -> float:
        level, at = self._buckets.get(key, (0.0, now))
        drained = max(0.0, now - at) * self.config.drain_rate * self.config.time_scale
        return max(0.0, level - drained)

    def bucket_full(self, key: str) -> bool:
        with self._lock:
            level = self._level(key, self.config.clock())
            return self.config.limits and level + self.config.request_cost > (
                self.config.bucket_capacity
            )

    def charge(self, key: str, cost: float | None = None) -> None:
        with self._lock:
            now = self.config.clock()
            level = self._level(key, now) + (self.config.request_cost if cost is None else cost)
            self._buckets[key] = (level, now)

    def headers(self, key: str) -> dict[str, str]:
        """``X-RateLimit-Bucket-Filling`` always; ``Retry-After`` (an HTTP date) once full."""
        cfg = self.config
        with self._lock:
            level = self._level(key, cfg.clock())
        out = {"X-RateLimit-Bucket-Filling": f"{math.ceil(level)}/{math.ceil(cfg.bucket_capacity)}"}
        if level + cfg.request_cost > cfg.bucket_capacity:
            excess = level + cfg.request_cost - cfg.bucket_capacity
            wait = excess / cfg.drain_rate if cfg.drain_rate else 3600.0
            out["Retry-After"] = formatdate(math.ceil(cfg.wall() + cfg.real(wait)), usegmt=True)
        return out

    # -- 423 locks -------------------------------------------------------------------------
    def lock_write(self, url: str) -> bool:
        """Take the per-URL lock of a write; False when the same write is still in flight."""
        with self._lock:
            now = self.config.clock()
            until = self._writes.get(url)
            if until is not None and until > now:
                return False
            self._writes[url] = now + self.config.real(self.config.lock_seconds)
            return True

    def unlock_write(self, url: str) -> None:
        with self._lock:
            self._writes.pop(url, None)
