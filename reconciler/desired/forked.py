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
import copyreg
import io
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from reconciler.construct import assemble


def can_fork() -> bool:
    """Fork is there, this process has no other threads, and two CPUs are ours to use."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    cpus = (
        os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    )
    return len(cpus) >= 2


# -- sending pydantic models ---------------------------------------------------------------
#
# Most of a large catalog's result is pydantic models (a product, its variants). Pickle's
# default goes through pydantic's __getstate__ / __setstate__, a Python call and a state dict
# per model each way; ``dumps`` sends a model as its class, field values and fields set, and
# ``construct.assemble`` sets the same four slots __setstate__ sets (issue 16: the parent
# unpickles the child's half of a 100,000-product catalog serially). A model with extra or
# private values, or a class with its own pickling, goes the default way.


def _reduce_model(model: BaseModel) -> Any:
    if model.__pydantic_extra__ is not None or model.__pydantic_private__ is not None:
        return model.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    return assemble, (type(model), model.__dict__, model.__pydantic_fields_set__)


def _plain_models() -> dict[type, Any]:
    """Every BaseModel subclass that pickles the way BaseModel does, with ``_reduce_model``."""
    found: dict[type, Any] = {}
    todo = list(BaseModel.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if (
            cls.__getstate__ is BaseModel.__getstate__
            and cls.__setstate__ is BaseModel.__setstate__
            and cls.__reduce_ex__ is BaseModel.__reduce_ex__
            and cls.__reduce__ is BaseModel.__reduce__
            and not any(c.__dict__.get("__slots__") for c in _below(cls))
        ):
            found[cls] = _reduce_model
    return found


def _below(cls: type) -> list[type]:
    """The classes of ``cls``'s MRO before BaseModel (a slot of theirs would not be sent)."""
    return list(cls.__mro__[: cls.__mro__.index(BaseModel)])


def dumps(value: Any) -> bytes:
    """``pickle.dumps`` of ``value``, pydantic models sent as ``assemble`` makes them again;
    ``pickle.loads`` gives back equal models with the same fields set."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, **_plain_models()}
    pickler.dump(value)
    return out.getvalue()


class Forked:
    """``fn()`` running in a child process from construction on."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, leave without running the parent's exit code
            code = 1
            try:
                os.close(read_end)
                payload = dumps(fn())
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
