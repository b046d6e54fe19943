"""Ending the process without taking a large catalog apart first (issue 16).

Freeing a loaded 100,000-product catalog object by object when the command returns, and the
rest at interpreter shutdown, takes about 3 s: a third of a pull request's plan. A command
that loaded one ``park``s it, and the console script (``run``) then ends the process with
``os._exit`` once the output is flushed, as mypy does for the same reason. Only ``run`` does
this (``enable``); ``main`` (which the tests call) parks nothing and always returns or raises
as before, and a command that parked nothing exits normally.

What ``os._exit`` skips must not matter where it is used: ``plan`` and ``validate`` have
written and closed every file they write (plan file, caches, summaries: ``write_atomically``
and ``os.replace``) and closed their HTTP client before they return.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import Any, NoReturn

_parked: list[Any] = []
_enabled = False  # set by ``run`` only: in-process callers (tests) keep nothing


def enable() -> None:
    global _enabled
    _enabled = True


def park(thing: Any) -> None:
    """Keep ``thing`` until the process ends, so it is never freed piece by piece, and out
    of the cyclic collector's sight (``gc.freeze``): a collection would otherwise walk all
    of a loaded catalog's millions of objects again, seconds each time at 100,000
    products, though none of them is ever garbage. Only under ``run``. Call it while the
    collector is paused (``gc_paused``): freezing also clears the count of new objects, so
    the first collection after the pause does not walk them all either."""
    if _enabled:
        _parked.append(thing)
        gc.freeze()


def parked() -> bool:
    return bool(_parked)


def hard_exit(code: int) -> NoReturn:
    """Flush the standard streams and end the process now with ``code``."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken: nothing to say
            stream.flush()
    os._exit(code)


def exit_code(exc: SystemExit) -> int:
    """The status ``sys.exit(exc.code)`` would end with (a text is printed first, status 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1
