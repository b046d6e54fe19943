"""What an apply produced: per-change outcomes, convergence findings, request counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler import errors as E

LiveReader = Callable[[Sequence[str]], dict[str, Any]]
"""GUIDs -> ``{guid: live Product model, or None when the shop has no such product}``."""


@dataclass(frozen=True)
class ApplyOptions:
    allow_delete: bool = False
    allow_bulk: bool = False
    allow_price: bool = False
    allow_open_orders: bool = False
    allow_stock_below_claim: bool = False
    catalog_digest: str | None = None  # digest of the catalog now; None: not compared
    resends: int = 1  # sends of a write found not applied after its response was lost
    parallel: int = 3  # per-product writes in flight at once (Shoptet allows 3 per token)
    # The policy the guards use: the base's (`apply --policy-from REF`), so a pull request
    # cannot relax its own guards. None: the checked-out catalog's.
    policy: Any = None
    # How long to wait for an image add job (``shoptet.jobs.JobWait``); None: ``ImageWait()``.
    image_wait: Any = None


class Status(StrEnum):
    """The one outcome vocabulary of apply: each change's outcome (``ApplyResult``, the CLI
    report, error messages) and each write request's ``outcome`` in the journal.

    ==============  ===========================================================================
    written         the shop applied it (its answer said so, or a re-read after a lost answer)
    already done    nothing needed sending: the shop already showed it (compare-before-write),
                    or a delete found it gone (404)
    failed          the shop refused it, or it could not be confirmed; the message says why
    skipped         not sent: something it depends on failed or was skipped, or an earlier
                    write was refused for lack of permission
    partial         (a request) the shop applied some items and refused others, named in
                    ``errors``; each change is then ``written`` or ``failed``
    unknown         (a request) the answer was lost; a ``reread`` journal line follows with
                    what the shop shows, and each change ends ``written``, ``failed`` or sent
                    again
    interrupted     (a request) Ctrl-C or SIGTERM while it was on the wire; run the same plan
                    again and what was applied is ``already done``
    ==============  ===========================================================================
    """

    WRITTEN = "written"
    DONE = "already done"
    FAILED = "failed"
    SKIPPED = "skipped"
    PARTIAL = "partial"
    UNKNOWN = "unknown"
    INTERRUPTED = "interrupted"

    @property
    def severity(self) -> int:
        """A change written in two requests keeps its worst outcome."""
        return _SEVERITY.get(self, 0)


_SEVERITY = {Status.WRITTEN: 1, Status.SKIPPED: 2, Status.FAILED: 3}
# The outcomes a change can end with (the others describe a request).
CHANGE_OUTCOMES = (Status.WRITTEN, Status.DONE, Status.FAILED, Status.SKIPPED)


@dataclass(frozen=True)
class Outcome:
    change_id: str
    status: Status
    message: str = ""


@dataclass
class ApplyResult:
    plan_id: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    unconverged: list[str] = field(default_factory=list)
    write_requests: int = 0
    # The image lock with what this apply learned (``desired.image_lock.ImageLock``); None:
    # unchanged. The CLI writes it next to the catalog.
    image_lock: Any = None

    def of(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status is status]

    @property
    def ok(self) -> bool:
        return not (self.of(Status.FAILED) or self.of(Status.SKIPPED) or self.unconverged)

    def summary(self) -> str:
        counts = {s: len(self.of(s)) for s in CHANGE_OUTCOMES}
        text = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "nothing to do"
        return f"Apply: {text} ({self.write_requests} write request(s))."

    def raise_for_failures(self) -> None:
        """``ApplyError`` (exit 1) naming every failed or skipped change and every field that
        did not converge."""
        if self.ok:
            return
        lines = [
            f"  {o.change_id}: {o.status.value}: {o.message}"
            for s in (Status.FAILED, Status.SKIPPED)
            for o in self.of(s)
        ]
        lines += [f"  {u}" for u in self.unconverged]
        failed, skipped = len(self.of(Status.FAILED)), len(self.of(Status.SKIPPED))
        counts = [f"{n} {s.value}" for s, n in ((Status.FAILED, failed), (Status.SKIPPED, skipped))]
        head = (
            "Change(s) not written: " + ", ".join(c for c in counts if not c.startswith("0 "))
            if failed or skipped
            else "The apply finished"
        )
        if self.unconverged:
            head += (
                f"; {len(self.unconverged)} change(s) still differ after writing (a "
                "normalisation bug: please report it)"
            )
        raise E.ApplyError(
            head + ":\n" + "\n".join(lines) + "\nThe rest is written; fix the cause and run the "
            "same plan again to finish (what is written is then already done)."
        )

    def report(self) -> list[str]:
        """One line per change written or already done, then the summary: what the CLI
        prints after an apply (failed and skipped changes are in ``raise_for_failures``)."""
        width = max(len(Status.WRITTEN.value), len(Status.DONE.value))
        lines = [
            f"  {o.status.value:<{width}}  {o.change_id}" + (f" ({o.message})" if o.message else "")
            for o in self.outcomes.values()
            if o.status in (Status.WRITTEN, Status.DONE)
        ]
        return [*lines, self.summary()]
