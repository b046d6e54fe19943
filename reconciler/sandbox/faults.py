"""Faults on a schedule: by request index (1-based; every request except ``/_sandbox/`` admin
calls counts, OAuth token requests included) or by method + path.

A fault is a dict (the form ``PUT /_sandbox/faults`` takes)::

    {"kind": "reset_after", "at": 3}                               # the 3rd API request
    {"kind": "503", "method": "PATCH", "path": "/api/stocks/1/movements", "times": 2}

``path`` may be a glob (``/api/products/*``). ``times`` (default 1) is how often it fires.
Kinds: ``timeout`` (nothing applied, no answer), ``timeout_after`` (applied, no answer),
``reset_before`` (connection reset, nothing applied), ``reset_after`` (applied, then the
connection is reset: the response is lost), ``429``, ``423``, ``500``, ``502``, ``503``, ``504``.
"""

from __future__ import annotations

import threading
from fnmatch import fnmatchcase

KINDS = (
    "timeout",
    "timeout_after",
    "reset_before",
    "reset_after",
    "429",
    "423",
    "500",
    "502",
    "503",
    "504",
)
APPLYING = ("timeout_after", "reset_after")
_KEYS = {"kind", "at", "method", "path", "times"}


class FaultError(ValueError):
    """A fault description that is not in the documented form."""


def _check(fault) -> dict:
    if not isinstance(fault, dict):
        raise FaultError("each fault must be an object")
    unknown = set(fault) - _KEYS
    if unknown:
        raise FaultError(f"unknown fault keys: {', '.join(sorted(unknown))}")
    kind = str(fault.get("kind"))
    if kind not in KINDS:
        raise FaultError(f"fault kind must be one of {', '.join(KINDS)}")
    at = fault.get("at")
    if at is not None and (isinstance(at, bool) or not isinstance(at, int) or at < 1):
        raise FaultError("'at' must be a request index >= 1")
    if at is None and not fault.get("path") and not fault.get("method"):
        raise FaultError("a fault needs 'at' or 'method'/'path'")
    times = fault.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise FaultError("'times' must be a positive integer")
    return {
        "kind": kind,
        "at": at,
        "method": (fault.get("method") or "").upper() or None,
        "path": fault.get("path") or None,
        "times": times,
    }


class FaultSchedule:
    def __init__(self, faults: list | None = None):
        self._lock = threading.Lock()
        self._faults: list[dict] = []
        self.set(faults or [])

    def set(self, faults) -> None:
        if not isinstance(faults, list):
            raise FaultError("faults must be a list")
        checked = [_check(f) for f in faults]
        with self._lock:
            self._faults = checked

    def add(self, **fault) -> None:
        checked = _check(fault)
        with self._lock:
            self._faults.append(checked)

    def pending(self) -> list[dict]:
        with self._lock:
            return [dict(f) for f in self._faults]

    def pick(self, index: int, method: str, path: str) -> str | None:
        """The kind of the first matching fault (using up one of its ``times``), or None."""
        with self._lock:
            for fault in self._faults:
                if fault["at"] is not None and fault["at"] != index:
                    continue
                if fault["method"] and fault["method"] != method:
                    continue
                if fault["path"] and not fnmatchcase(path, fault["path"]):
                    continue
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self._faults.remove(fault)
                return fault["kind"]
        return None
