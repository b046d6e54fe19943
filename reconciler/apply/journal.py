"""The apply journal (DESIGN §6): one JSON line per write attempt, appended as it happens.

Each line: ``time`` (UTC), ``planId``, ``kind`` (``write``, or ``reread`` for the decision
taken after a write whose response was lost), ``attempt``, ``changes`` (change ids),
``method``, ``path``, ``items`` (the GUIDs or variant codes the request carries), ``status``,
``requestId`` (Shoptet's), ``outcome`` and ``errors`` (Shoptet's per-item messages). A
``reread`` line has ``applied`` (change ids found written) and ``resend`` (sent again).

``outcome`` uses apply's one vocabulary (``reconciler.apply.result.Status``), the same words
the CLI report and error messages use for each change:

- ``written``: the shop accepted every item of the request;
- ``partial``: the shop applied some items and refused others (200 with per-item
  ``errors``); those changes are ``failed``, the rest ``written``;
- ``failed``: the shop refused the request (``errors`` says why);
- ``already done``: a delete found the product or variant gone already (404);
- ``unknown``: the response was lost (a timeout or dropped connection after sending); the
  ``reread`` line that follows says what the shop shows;
- ``interrupted``: Ctrl-C or SIGTERM while the request was on the wire.

For ``revert`` (``reconciler.apply.revert``) a ``write`` line also has ``shop`` (the
``eshopId``, ``pricelistId`` and ``defaultStockId`` it wrote to) and ``writes``: per change the
request carried, its id, action, resource, GUID, code, stock id and each field written with its
``before`` and ``after``; a delete's record has ``deleted``, the product (or variant) as read
just before it was deleted. Journals without them (older versions) cannot be reverted.

A journal never holds a token or a request header: only the summary above. Lines are written
one by one, so a crash leaves every attempt made so far on disk (the CI artifact). A write
that fails (a full disk) stops the apply before its next request (``JournalError``, exit 1)
and leaves the journal ending with its last complete line. A request interrupted by Ctrl-C
or SIGTERM while on the wire is recorded with ``outcome: "interrupted"``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import ApplyError, ConfigError


class JournalError(ApplyError):
    """The journal could not be written (disk full, file gone, ...): apply stops before its
    next write (exit 1). The journal ends with its last complete entry."""


def _os_write(fd: int, data: bytes | memoryview) -> int:
    return os.write(fd, data)  # a seam for tests (a full disk after N lines)


class Journal:
    """Append-only JSONL; ``Journal(None)`` keeps the lines in memory only (``lines``).

    A line is written with plain ``os.write`` calls; if one fails (``ENOSPC``, ``EIO``, ...)
    the file is cut back to the end of the last complete line, so the journal never ends in
    half a record, and every later ``write`` raises the same ``JournalError``: the apply
    stops before its next request rather than write what it cannot record.
    """

    def __init__(self, path: Path | None = None, plan_id: str | None = None):
        self.path = path
        self.plan_id = plan_id
        self.lines: list[dict[str, Any]] = []
        self.error: JournalError | None = None
        self._fd: int | None = None
        self._end = 0  # the end of the last complete line
        self._lock = threading.Lock()  # writes may come from several threads
        if path is not None:
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                self._end = os.lseek(self._fd, 0, os.SEEK_END)
            except OSError as exc:
                raise ConfigError(f"cannot open the journal {path}: {exc.strerror}") from None

    def write(self, **record: Any) -> None:
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "planId": self.plan_id,
            **record,
        }
        data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            if self.error is not None:
                raise self.error
            self.lines.append(line)
            fd = self._fd
            if fd is None:
                return
            try:
                view = memoryview(data)
                while view:
                    view = view[_os_write(fd, view) :]
            except OSError as exc:
                raise self._fail(fd, exc, record) from None
            self._end += len(data)

    def _fail(self, fd: int, exc: OSError, record: dict[str, Any]) -> JournalError:
        """Cut the file back to its last complete line; the error every later write raises."""
        with contextlib.suppress(OSError):
            os.ftruncate(fd, self._end)  # drop the half-written line
        what = record.get("method") and f"{record.get('method')} {record.get('path')}"
        unrecorded = (
            f"the write it could not record ({what}) was sent and may have been applied; "
            if what
            else ""
        )
        self.error = JournalError(
            f"the journal {self.path} could not be written ({exc.strerror or exc}), so apply "
            f"stopped before its next write. The journal ends with its last complete entry; "
            f"{unrecorded}free space or fix the journal's folder, then run the same plan again "
            "(what is already applied is recognised and skipped)."
        )
        return self.error

    def check(self) -> None:
        """Raise the journal's error, if writing it already failed."""
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
