"""Run one function in a forked child process and take its result back (issue 16: a large
catalog's product files are parsed on two cores).

The result comes back pickled through a pipe from a child this process forked itself, never
from a file. The child is best effort: when it fails in any way (an exception, a signal, a
result that does not unpickle), ``result()`` is None and the caller does the work itself, so
a failure costs time, never a different answer. Only a process without other threads forks
(a lock held by another thread at the fork would stay locked in the child).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any


def can_fork() -> bool:
    """Fork is there, this process has no other threads, and two CPUs are ours to use."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return len(cpus) >= 2


class Forked:
    """``fn()`` running in a child process from construction on."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, leave without running the parent's exit code
            code = 1
            try:
                os.close(read_end)
                payload = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self._pid: int | None = pid
        self._fd = read_end

    def result(self) -> Any | None:
        """What ``fn`` returned, or None when the child did not finish cleanly."""
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                payload = pipe.read()
        finally:
            status = self._reap()
        if status is None or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            return pickle.loads(payload)  # our own child's result, through a pipe
        except Exception:  # a truncated or odd payload: do the work here instead
            return None

    def cancel(self) -> None:
        """Stop the child (the caller gave up on it) and reap it."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.close(self._fd)
            self._reap()

    def _reap(self) -> int | None:
        if self._pid is None:
            return None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return status
