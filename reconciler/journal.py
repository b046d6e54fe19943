"""The apply journal (DESIGN §6): one JSON line per write attempt, appended as it happens.

Each line: ``time`` (UTC), ``planId``, ``kind`` (``write``, or ``reread`` for the decision
taken after a write whose response was lost), ``attempt``, ``changes`` (change ids),
``method``, ``path``, ``items`` (the GUIDs or variant codes the request carries), ``status``,
``requestId`` (Shoptet's), ``outcome`` and ``errors`` (Shoptet's per-item messages).

A journal never holds a token or a request header: only the summary above. Lines are flushed
one by one, so a crash leaves every attempt made so far on disk (the CI artifact).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from reconciler.errors import ConfigError


class Journal:
    """Append-only JSONL; ``Journal(None)`` keeps the lines in memory only (``lines``)."""

    def __init__(self, path: Path | None = None, plan_id: str | None = None):
        self.path = path
        self.plan_id = plan_id
        self.lines: list[dict[str, Any]] = []
        self._file: TextIO | None = None
        self._lock = threading.Lock()  # writes may come from several threads
        if path is not None:
            try:
                self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise ConfigError(f"cannot open the journal {path}: {exc.strerror}") from None

    def write(self, **record: Any) -> None:
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "planId": self.plan_id,
            **record,
        }
        text = json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            self.lines.append(line)
            if self._file is not None:
                self._file.write(text)
                self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
