"""The write phase of apply (``apply.py`` has the overview): ordered, batched requests, what
follows a lost response, per-item outcomes and the convergence check."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reconciler import errors as E
from reconciler.apply import bodies as W
from reconciler.apply.check import Check, Verdict, check, created_keys, live_forms
from reconciler.apply.journal import Journal
from reconciler.apply.result import ApplyOptions, ApplyResult, Outcome, Status
from reconciler.plan.model import Action, Plan, Resource


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    items: list[str]
    send: Callable[[], Any]


class Executor:
    def __init__(
        self, plan: Plan, changes, client, read_live, journal: Journal, options: ApplyOptions
    ):
        self.plan, self.changes, self.client, self.read_live = plan, changes, client, read_live
        self.journal, self.options = journal, options
        self.created = created_keys(changes)
        self.result = ApplyResult(plan.plan_id)
        self.abort: str | None = None
        self._pricelist: int | None = plan.pricelist_id
        self._lock = threading.RLock()  # RLock: send() re-enters through after_unknown
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._cancelled = False

    # -- the run ---------------------------------------------------------------------------

    def execute(self, checks: list[Check]) -> None:
        for k in checks:
            if k.verdict is Verdict.DONE:
                self.mark(k, Status.DONE, "already live")
        todo = [k for k in checks if k.verdict is Verdict.WRITE]

        def pick(resource: Resource, *actions: Action) -> list[Check]:
            return [k for k in todo if k.change.resource is resource and k.change.action in actions]

        self.each([[k] for k in pick(Resource.PRODUCT, Action.CREATE)], self._post)
        by_product: dict[str, list[Check]] = {}
        for k in pick(Resource.PRODUCT, Action.UPDATE) + pick(
            Resource.VARIANT, Action.CREATE, Action.UPDATE
        ):
            by_product.setdefault(k.change.guid, []).append(k)
        self.each([by_product[g] for g in sorted(by_product)], self._patch)
        for batch in W.batches(self.ready(pick(Resource.PRICE, Action.CREATE, Action.UPDATE))):
            self.send(batch, self._prices)
        stock = self.ready(pick(Resource.STOCK, Action.CREATE, Action.UPDATE))
        for sid in sorted({k.change.stock_id for k in stock}):
            for batch in W.batches(k for k in stock if k.change.stock_id == sid):
                self.send(batch, self._movements)
        self.each([[k] for k in pick(Resource.VARIANT, Action.DELETE)], self._delete_variant)
        self.each([[k] for k in pick(Resource.PRODUCT, Action.DELETE)], self._delete_product)
        self.converge()

    def each(self, groups: list[list[Check]], build) -> None:
        """Independent requests (one product each), ``options.parallel`` at a time (the
        client's semaphore still caps what is on the wire). An exception in any of them (a
        crash, Ctrl-C) cancels the ones not started yet and propagates."""
        workers = max(1, min(self.options.parallel, len(groups)))
        if workers == 1:
            for group in groups:
                self.send(group, build)
            return
        pool = ThreadPoolExecutor(workers, "shoptet-apply")
        try:
            for future in [pool.submit(self.send, group, build) for group in groups]:
                future.result()
        except BaseException:
            # Stop new sends, then wait for those on the wire so their outcome is journalled
            # before the caller closes the journal and the client. (Joining the pool is not
            # enough: an interrupt can land between a thread's start and the pool noting it.)
            with self._lock:
                self._cancelled = True
            pool.shutdown(wait=False, cancel_futures=True)
            self._wait_idle()
            raise
        pool.shutdown(wait=True)

    def _wait_idle(self) -> None:
        """Until no send is in progress, through any further Ctrl-C or SIGTERM."""
        with self._idle:
            while self._in_flight:
                try:
                    self._idle.wait()
                except KeyboardInterrupt:
                    continue

    def ready(self, checks: list[Check]) -> list[Check]:
        """The checks whose product or variant exists (or was just created); the others are
        skipped with the reason."""
        out = []
        for k in checks:
            c = k.change
            creators = []
            if c.resource is not Resource.PRODUCT and (c.guid, None) in self.created:
                creators.append(f"product:{c.guid}")
            new_variant = (c.guid, (c.code or "").upper()) in self.created
            if c.resource in (Resource.PRICE, Resource.STOCK) and new_variant:
                creators.append(f"variant:{c.guid}:{c.code}")
            for creator in creators:
                o = self.result.outcomes.get(creator)
                if o is not None and o.status in (Status.FAILED, Status.SKIPPED):
                    self.mark(k, Status.SKIPPED, f"not written because {creator} was not applied")
                    break
            else:
                out.append(k)
        return out

    def mark(self, k: Check, status: Status, message: str = "") -> None:
        with self._lock:
            self.result.outcomes[k.change.id] = Outcome(k.change.id, status, message)

    # -- one request, its outcome and what follows a lost response -------------------------

    def send(self, checks: list[Check], build: Callable[[list[Check]], _Request], attempt=1):
        with self._lock:
            if self._cancelled:  # interrupted: a send that had not begun never begins
                return
            self._in_flight += 1
        try:
            self._send(checks, build, attempt)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _send(self, checks: list[Check], build: Callable[[list[Check]], _Request], attempt=1):
        self.journal.check()  # a journal that cannot be written stops the run before a write
        if self.abort:
            for k in checks:
                self.mark(k, Status.SKIPPED, f"not attempted: {self.abort}")
            return
        checks = self.ready(checks)
        if not checks:
            return
        req = build(checks)
        ids = [k.change.id for k in checks]
        note = dict(kind="write", attempt=attempt, changes=ids, method=req.method, path=req.path)
        note["items"] = req.items
        with self._lock:
            self.result.write_requests += 1
        try:
            result = req.send()
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM with the request on the wire
            self.journal.write(
                **note, status=None, requestId=None, outcome="interrupted", errors=[]
            )
            raise
        except E.WriteOutcomeUnknown as exc:
            self.journal.write(
                **note, status=exc.status, requestId=exc.request_id, outcome="unknown", errors=[]
            )
            self.after_unknown(checks, build, attempt)
            return
        except E.NotFound as exc:
            if req.method == "DELETE":
                self.journal.write(
                    **note, status=404, requestId=exc.request_id, outcome="already gone", errors=[]
                )
                for k in checks:
                    self.mark(k, Status.DONE, "already gone")
                return
            self.failed(checks, note, exc)
            return
        except E.ApiError as exc:
            self.failed(checks, note, exc)
            return
        errors = [_item_error(e) for e in result.item_errors]
        self.journal.write(
            **note,
            status=result.status,
            requestId=result.request_id,
            outcome="partial" if errors else "ok",
            errors=errors,
        )
        self.item_outcomes(checks, errors, Status.WRITTEN, "")

    def failed(self, checks: list[Check], note: dict, exc: E.ApiError) -> None:
        errors = [_item_error(e) for e in exc.errors]
        self.journal.write(
            **note,
            status=exc.status,
            requestId=exc.request_id,
            outcome="failed",
            errors=errors or [{"message": str(exc)}],
        )
        if isinstance(exc, E.AuthError | E.PermissionDenied):
            self.abort = f"an earlier write was refused ({exc.message})"
        self.item_outcomes(checks, errors, Status.FAILED, str(exc))

    def item_outcomes(self, checks, errors, status: Status, message: str) -> None:
        """Per-item errors name a code (``instance``): those items fail with Shoptet's
        message, the others get ``status``. An error naming no item fails the whole request."""
        by_code = {(k.change.code or k.change.guid).upper(): k for k in checks}
        named = {}
        for e in errors:
            key = str(e.get("instance") or "").upper()
            if key in by_code:
                named.setdefault(key, []).append(e.get("message") or e.get("errorCode") or "")
        unnamed = [e for e in errors if str(e.get("instance") or "").upper() not in by_code]
        for key, k in by_code.items():
            if key in named:
                self.mark(k, Status.FAILED, "Shoptet: " + "; ".join(named[key]))
            elif unnamed and status is Status.WRITTEN:
                self.mark(
                    k,
                    Status.FAILED,
                    "Shoptet: "
                    + "; ".join(str(e.get("message") or e.get("errorCode")) for e in unnamed),
                )
            else:
                self.mark(k, status, message)

    def after_unknown(self, checks: list[Check], build, attempt: int) -> None:
        """Re-read what the lost write touched and decide from what is live."""
        try:
            forms = self.read({k.change.guid for k in checks})
        except E.ApiError as exc:
            for k in checks:
                self.mark(
                    k,
                    Status.FAILED,
                    f"the response of a write was lost and re-reading "
                    f"failed too ({exc}); run the same plan again to finish",
                )
            return
        again, applied = [], []
        for k in checks:
            now = check(k.change, forms.get(k.change.guid), self.created)
            if now.verdict is Verdict.DONE:
                applied.append(k.change.id)
                self.mark(k, Status.WRITTEN, "applied (response lost; confirmed by re-reading)")
            elif now.verdict is Verdict.CONFLICT:
                self.mark(k, Status.FAILED, f"after a lost response: {now.reason}")
            else:
                again.append(now)
        self.journal.write(
            kind="reread",
            attempt=attempt,
            changes=[k.change.id for k in checks],
            applied=applied,
            resend=[k.change.id for k in again],
        )
        if not again:
            return
        if attempt <= self.options.resends:
            self.send(again, build, attempt + 1)
            return
        for k in again:
            self.mark(
                k,
                Status.FAILED,
                "its response was lost and it was not applied; run the same plan again to finish",
            )

    def read(self, guids) -> dict:
        return live_forms(self.read_live(sorted(guids)), self.plan.default_stock_id or 1)

    # -- the requests ----------------------------------------------------------------------

    def _post(self, checks: list[Check]) -> _Request:
        (k,) = checks
        body = W.create_body(k.change.guid, k.pending)
        return _Request(
            "POST", "/api/products", [k.change.guid], lambda: self.client.create_product(body)
        )

    def _patch(self, checks: list[Check]) -> _Request:
        guid = checks[0].change.guid
        fields: dict[str, Any] = {}
        variants = []
        for k in checks:
            if k.change.resource is Resource.PRODUCT:
                fields.update(k.pending)
            else:
                variants.append((k.change.code, k.pending))
        body = W.patch_body(fields, variants)
        items = [guid] + [code for code, _ in variants]
        return _Request(
            "PATCH", f"/api/products/{guid}", items, lambda: self.client.patch_product(guid, body)
        )

    def _prices(self, checks: list[Check]) -> _Request:
        pricelist = self.pricelist()
        rows = [W.price_row(k.change.code, k.pending) for k in checks]
        return _Request(
            "PATCH",
            f"/api/pricelists/{pricelist}",
            [r["code"] for r in rows],
            lambda: self.client.patch_pricelist(pricelist, rows),
        )

    def _movements(self, checks: list[Check]) -> _Request:
        sid = checks[0].change.stock_id
        items = [W.movement_item(k.change.code, k.pending["stock"]) for k in checks]
        return _Request(
            "PATCH",
            f"/api/stocks/{sid}/movements",
            [i["productCode"] for i in items],
            lambda: self.client.patch_stock_movements(sid, items),
        )

    def _delete_variant(self, checks: list[Check]) -> _Request:
        code = checks[0].change.code
        return _Request(
            "DELETE", f"/api/products/code/{code}", [code], lambda: self.client.delete_variant(code)
        )

    def _delete_product(self, checks: list[Check]) -> _Request:
        guid = checks[0].change.guid
        return _Request(
            "DELETE", f"/api/products/{guid}", [guid], lambda: self.client.delete_product(guid)
        )

    def pricelist(self) -> int:
        if self._pricelist is None:
            self._pricelist = self.client.get_eshop().default_pricelist_id
        if self._pricelist is None:
            raise E.ApplyError("the e-shop has no default pricelist; set shop.pricelist")
        return self._pricelist

    # -- after the writes ------------------------------------------------------------------

    def converge(self) -> None:
        """Re-read what was written; report every change that still differs."""
        written = [o.change_id for o in self.result.of(Status.WRITTEN)]
        if not written:
            return
        changes = [c for c in self.changes if c.id in set(written)]
        try:
            forms = self.read({c.guid for c in changes})
        except E.ApiError as exc:
            self.result.unconverged.append(f"the convergence check could not re-read: {exc}")
            return
        for c in changes:
            now = check(c, forms.get(c.guid), self.created)
            if now.verdict is Verdict.WRITE:
                fields = ", ".join(f"{f} (planned {v!r})" for f, v in sorted(now.pending.items()))
                what = fields or "still in the shop"
                self.result.unconverged.append(f"{c.id}: still differs after apply: {what}")
            elif now.verdict is Verdict.CONFLICT:
                what = now.detail or now.reason
                self.result.unconverged.append(f"{c.id}: still differs after apply: {what}")


def as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _item_error(e: Any) -> dict[str, Any]:
    if not isinstance(e, dict):
        return {"message": str(e)}
    return {k: e.get(k) for k in ("errorCode", "message", "instance") if e.get(k) is not None}

