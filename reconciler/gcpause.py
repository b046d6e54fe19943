"""``gc_paused()``: the cyclic garbage collector off while a large structure is built or walked.
Pure: no I/O, only the collector switched off and back, so the plan's pure core may use it.

Loading a catalog, comparing it with its base and reading or writing the live cache each make
millions of small containers and no reference cycles; every automatic collection would rescan
the growing heap (a third of the load time at 10,000 products, most of a cache's)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# ``keep``: below this many new containers a collection after the pause is cheap: not worth
# exempting everything alive from later collections.
KEEP_FROM = 100_000


@contextlib.contextmanager
def gc_paused(*, keep: bool = False) -> Iterator[None]:
    """``keep``: what the pause made is kept for the rest of the run (a live read's catalog):
    when it is a lot, everything alive is frozen (``gc.freeze``) before the collector is back
    on. Otherwise its first collection walks every object made meanwhile (0.5 s for 600,000
    models), and the older generations' collections walk them again later (2.7 s in all). The
    price: a reference cycle alive at that moment is never collected (a product model makes
    none; the read's early-reads thread drops its own when it ends)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if keep and gc.get_count()[0] >= KEEP_FROM:
                gc.freeze()
            gc.enable()
