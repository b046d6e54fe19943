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
    catalog_digest: str | None = None  # digest of the catalog now; None: not compared
    resends: int = 1  # sends of a write found not applied after its response was lost
    parallel: int = 3  # per-product writes in flight at once (Shoptet allows 3 per token)
    # The policy the guards use: the base's (`apply --policy-from REF`), so a pull request
    # cannot relax its own guards. None: the checked-out catalog's.
    policy: Any = None


class Status(StrEnum):
    WRITTEN = "written"
    DONE = "already done"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def severity(self) -> int:
        """A change written in two requests keeps its worst outcome."""
        return _SEVERITY.get(self, 0)


_SEVERITY = {Status.WRITTEN: 1, Status.SKIPPED: 2, Status.FAILED: 3}


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

    def of(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status is status]

    @property
    def ok(self) -> bool:
        return not (self.of(Status.FAILED) or self.of(Status.SKIPPED) or self.unconverged)

    def summary(self) -> str:
        counts = {s: len(self.of(s)) for s in Status}
        text = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "nothing to do"
        return f"Apply: {text} ({self.write_requests} write request(s))."

    def raise_for_failures(self) -> None:
        """``ApplyError`` (exit 1) naming every failed or skipped change and every field that
        did not converge."""
        if self.ok:
            return
        lines = [f"  {o.change_id}: {o.status.value}: {o.message}" for o in self.of(Status.FAILED)]
        lines += [f"  {o.change_id}: skipped: {o.message}" for o in self.of(Status.SKIPPED)]
        lines += [f"  {u}" for u in self.unconverged]
        failed = len(self.of(Status.FAILED)) + len(self.of(Status.SKIPPED))
        head = f"{failed} change(s) not applied" if failed else "The apply finished"
        if self.unconverged:
            head += (
                f"; {len(self.unconverged)} change(s) still differ after writing (a "
                "normalisation bug: please report it)"
            )
        raise E.ApplyError(
            head + ":\n" + "\n".join(lines) + "\nThe rest is applied; fix the cause and run the "
            "same plan again to finish (what is done is skipped)."
        )
