"""``gc_paused()``: the cyclic garbage collector off while a large structure is built or walked.
Pure: no I/O, only the collector switched off and back, so the plan's pure core may use it.

Loading a catalog, comparing it with its base and reading or writing the live cache each make
millions of small containers and no reference cycles; every automatic collection would rescan
the growing heap (a third of the load time at 10,000 products, most of a cache's)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
