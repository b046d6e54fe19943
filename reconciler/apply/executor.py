"""The write phase of apply (``preflight.py`` has the overview): it sends the requests of the
write program, journals each attempt, decides what follows a lost response by re-reading,
records per-change outcomes (``result.Status``) and runs the convergence check.

Order, batching and grouping, and every request body, come from ``program.py`` (no I/O);
this module only does the sending."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from reconciler import errors as E
from reconciler.apply.check import Check, Verdict, check, created_keys, live_forms, renamed_keys
from reconciler.apply.images import GalleryWriter, ImageWait
from reconciler.apply.journal import Journal
from reconciler.apply.program import Part, Request, Step, narrowed, price_unread, program
from reconciler.apply.result import ApplyOptions, ApplyResult, Outcome, Status
from reconciler.apply.revert import written_records
from reconciler.desired.image_lock import ImageLock
from reconciler.live.params import read_registry
from reconciler.plan.filtering import FILTERING_RESOURCES
from reconciler.plan.flag_changes import (
    ShopFlag,
    bind,
    new_flag_codes,
    placeholder_key,
    shop_flags,
    unbound,
)
from reconciler.plan.images import IMAGE, IMAGES
from reconciler.plan.model import Action, Plan, Resource
from reconciler.shoptet.client import get_flags


class Executor:
    def __init__(
        self,
        plan: Plan,
        changes,
        client,
        read_live,
        journal: Journal,
        options: ApplyOptions,
        *,
        default_pricelist_id: int | None = None,
        image_lock: Any = None,
    ):
        """``default_pricelist_id``: the e-shop's default pricelist (where Shoptet's product
        create puts a variant's price); None: the plan's pricelist is taken to be it.
        ``changes``: the plan's, as preflight checked them (flags of a flag that existed
        then already bound to its code)."""
        self.plan, self.changes, self.client, self.read_live = plan, changes, client, read_live
        self.journal, self.options = journal, options
        self.created = created_keys(changes)
        self.renamed = renamed_keys(changes)
        self.result = ApplyResult(plan.plan_id)
        self.abort: str | None = None
        self._pricelist: int | None = plan.pricelist_id
        self._default_pricelist = default_pricelist_id
        self._lock = threading.RLock()  # RLock: send() re-enters through after_unknown
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._cancelled = False
        # Live forms of what the delete stages remove, read just before them: the journal
        # records them so `revert` can create them again.
        self._deleted: dict[str, Any] = {}
        # The shop's flags when re-read, and the code of each flag placeholder the flag
        # creates answered: product writes naming a new flag are bound to it.
        self.live_flags: tuple[ShopFlag, ...] | None = None
        self.flag_codes: dict[str, str] = {}
        self.gallery = GalleryWriter(
            client,
            journal,
            self.mark,
            self._status,
            image_lock if image_lock is not None else ImageLock(),
            wait=options.image_wait or ImageWait(),
        )

    # -- the run ---------------------------------------------------------------------------

    def execute(self, checks: list[Check]) -> None:
        for k in checks:
            if k.verdict is Verdict.DONE:
                self.mark(k.change.id, Status.DONE, "already live")
        writes = [k for k in checks if k.verdict is Verdict.WRITE]
        pricelist = self._pricelist
        if pricelist is None and any(k.change.resource is Resource.PRICE for k in writes):
            pricelist = self.pricelist()
        on_create = self._default_pricelist is None or pricelist in (None, self._default_pricelist)
        for stage in program(writes, pricelist_id=pricelist, price_on_create=on_create):
            deletes = stage.step in (Step.DELETE_VARIANT, Step.DELETE_PRODUCT)
            if deletes and not self.snapshot(stage.requests):
                continue
            if stage.step.per_product:
                self.each(list(stage.requests))
            else:
                for req in stage.requests:
                    self.send(req)
        self.result.write_requests += self.gallery.requests
        if self.gallery.changed:
            self.result.image_lock = self.gallery.lock
        self.converge()

    def _status(self, change_id: str) -> Status | None:
        with self._lock:
            o = self.result.outcomes.get(change_id)
        return None if o is None else o.status

    def snapshot(self, requests: tuple[Request, ...]) -> bool:
        """Read what the deletes of a stage remove, for the journal. False (the deletes are
        failed, not sent) when it cannot be read: a delete `revert` could not undo is not
        sent."""
        guids = {p.change.guid for r in requests for p in r.parts}
        try:
            self._deleted.update(self.read(guids))
        except E.ApiError as exc:
            for req in requests:
                for cid in req.change_ids:
                    self.mark(
                        cid,
                        Status.FAILED,
                        f"not deleted: what it deletes could not be read for the journal ({exc})",
                    )
            return False
        return True

    def each(self, requests: list[Request]) -> None:
        """Independent requests (one product each), ``options.parallel`` at a time (the
        client's semaphore still caps what is on the wire). An exception in any of them (a
        crash, Ctrl-C) cancels the ones not started yet and propagates."""
        workers = max(1, min(self.options.parallel, len(requests)))
        if workers == 1:
            for req in requests:
                self.send(req)
            return
        pool = ThreadPoolExecutor(workers, "shoptet-apply")
        try:
            for future in [pool.submit(self.send, req) for req in requests]:
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

    def ready(self, parts: tuple[Part, ...]) -> list[Part]:
        """The parts whose product or variant exists (or was just created); the others are
        skipped, naming what they depend on."""
        out = []
        for part in parts:
            c = part.change
            creators = []
            if c.resource is not Resource.PRODUCT and (c.guid, None) in self.created:
                creators.append(f"product:{c.guid}")
            if c.resource is Resource.PRODUCT and c.action is Action.CREATE:
                creators.append(c.id)  # its link lists wait for the create itself
            new_variant = (c.guid, (c.code or "").upper()) in self.created
            renamed = (c.guid, (c.code or "").upper()) in self.renamed
            if c.resource in (Resource.PRICE, Resource.STOCK) and (new_variant or renamed):
                creators.append(f"variant:{c.guid}:{c.code}")  # the code exists after it
            if c.resource is Resource.PARAMETER_VALUE:  # its parameter, when the plan adds it
                creators.append(f"parameter:{(c.code or '').partition(':')[0]}")
            if c.resource is Resource.PRODUCT and unbound(c):
                part = self.bound(part)
                left = unbound(part.change)
                if left:  # its flag was not created: never send a placeholder
                    self.mark(
                        c.id,
                        Status.SKIPPED,
                        f"not written: flag:{left[0]} was not created",
                    )
                    continue
                c = part.change
            for creator in creators:
                o = self.result.outcomes.get(creator)
                if o is not None and o.status in (Status.FAILED, Status.SKIPPED):
                    self.mark(c.id, Status.SKIPPED, f"not written: {creator} {o.status.value}")
                    break
            else:
                out.append(part)
        return out

    def bound(self, part: Part) -> Part:
        """``part`` with its flag placeholders bound to the codes known now."""
        with self._lock:
            codes = dict(self.flag_codes)
        change = bind(part.change, codes)
        fields = dict(part.fields)
        if "flags" in fields:
            fields["flags"] = dict(change.after or {}).get("flags", fields["flags"])
        return Part(change, fields, part.live_price)

    def learn_flag(self, req: Request, result: Any) -> None:
        """The code Shoptet generated for a flag this apply created: from the answer (its
        ``flags``, matched by title), else from the flag list read again."""
        listed = (result.data or {}).get("flags") if isinstance(result.data, dict) else None
        found = new_flag_codes(shop_flags(listed if isinstance(listed, list) else ()))
        key = placeholder_key(str(req.body.get("title") or ""))
        if key not in found:
            try:
                self.live_flags = shop_flags(get_flags(self.client))
            except E.ApiError:
                return  # the products naming it are skipped, named (``ready``)
            found = new_flag_codes(self.live_flags)
        if key in found:
            with self._lock:
                self.flag_codes[key] = found[key]

    def priced(self, parts: list[Part]) -> list[Part]:
        """Pricelist parts with the variant's current price for those that lack it (variants
        this apply created without one): read now, as Shoptet requires a price object in every
        row (``bodies.price_row``). Parts whose price cannot be read fail, named."""
        unread = [p for p in parts if price_unread(p)]
        if not unread:
            return parts
        try:
            forms = self.read({p.change.guid for p in unread})
        except E.ApiError as exc:
            for p in unread:
                self.mark(
                    p.change.id,
                    Status.FAILED,
                    f"not written: the variant's current price, which Shoptet needs in the "
                    f"pricelist row, could not be read ({exc}); run the same plan again to finish",
                )
            return [p for p in parts if p not in unread]
        out = []
        for p in parts:
            if p in unread:
                c = p.change
                now = check(c, forms.get(c.guid), self.created, None, self.renamed)
                p = Part(c, p.fields, now.live_price)
            out.append(p)
        return out

    def mark(self, change_id: str, status: Status, message: str = "") -> None:
        """Record a change's outcome. A change written in two requests (a new variant's
        price: ``price`` in the create, ``vatRate`` in the pricelist) keeps its worst one."""
        with self._lock:
            old = self.result.outcomes.get(change_id)
            if old is not None and old.status.severity > status.severity:
                return
            self.result.outcomes[change_id] = Outcome(change_id, status, message)

    # -- one request, its outcome and what follows a lost response -------------------------

    def send(self, req: Request, attempt: int = 1) -> None:
        with self._lock:
            if self._cancelled:  # interrupted: a send that had not begun never begins
                return
            self._in_flight += 1
        try:
            self._send(req, attempt)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _send(self, req: Request, attempt: int) -> None:
        self.journal.check()  # a journal that cannot be written stops the run before a write
        if self.abort:
            for cid in req.change_ids:
                self.mark(cid, Status.SKIPPED, f"not sent: {self.abort}")
            return
        parts = self.ready(req.parts)
        if req.step is Step.IMAGES:
            if parts:
                self.gallery.write(req.target, parts)
            return
        if req.step is Step.PRICES:
            parts = self.priced(parts)
        if parts != list(req.parts):
            sendable = narrowed(req, parts)
            if sendable is None:
                return
            req = sendable
        note = dict(
            kind="write",
            attempt=attempt,
            changes=req.change_ids,
            method=req.method,
            path=req.path,
            items=list(req.items),
            shop=self.shop_header(),
            writes=written_records(req.parts, self._deleted),
        )
        with self._lock:
            self.result.write_requests += 1
        try:
            result = self._call(req)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM with the request on the wire
            self.journal.write(
                **note, status=None, requestId=None, outcome=Status.INTERRUPTED, errors=[]
            )
            raise
        except E.WriteOutcomeUnknown as exc:
            self.journal.write(
                **note,
                status=exc.status,
                requestId=exc.request_id,
                outcome=Status.UNKNOWN,
                errors=[],
            )
            self.after_unknown(req, attempt)
            return
        except E.NotFound as exc:
            if req.method == "DELETE":
                self.journal.write(
                    **note, status=404, requestId=exc.request_id, outcome=Status.DONE, errors=[]
                )
                for cid in req.change_ids:
                    self.mark(cid, Status.DONE, "already gone")
                return
            self.failed(req, note, exc)
            return
        except E.ApiError as exc:
            self.failed(req, note, exc)
            return
        if req.step is Step.FLAG and req.method == "POST":
            self.learn_flag(req, result)
        errors = [_item_error(e) for e in result.item_errors]
        self.journal.write(
            **note,
            status=result.status,
            requestId=result.request_id,
            outcome=Status.PARTIAL if errors else Status.WRITTEN,
            errors=errors,
        )
        self.item_outcomes(req, errors, Status.WRITTEN, "")

    def _call(self, req: Request) -> Any:
        """The client call for a request of the program."""
        c, t, body = self.client, req.target, req.body
        if req.step is Step.FLAG:
            return c.create_flag(body) if req.method == "POST" else c.update_flag(t, body)
        if req.step is Step.PARAMETER:
            return c.create_variant_parameter(body)
        if req.step is Step.PARAMETER_VALUES:
            return c.add_variant_parameter_values(t, body)
        if req.step is Step.FILTERING_PARAMETER:
            return c.create_filtering_parameter(body)
        if req.step is Step.FILTERING_VALUES:
            return c.add_filtering_parameter_values(t, body)
        if req.step is Step.CREATE:
            return c.create_product(body)
        if req.step is Step.PRODUCT:
            return c.patch_product(t, body)
        if req.step is Step.LINKS:
            return c.put_product_links(t, req.path.rsplit("/", 1)[1], body)
        if req.step is Step.PRICES:
            return c.patch_pricelist(t, body)
        if req.step is Step.STOCK:
            return c.patch_stock_movements(t, body)
        if req.step is Step.DELETE_VARIANT:
            return c.delete_variant(t)
        return c.delete_product(t)

    def failed(self, req: Request, note: dict, exc: E.ApiError) -> None:
        errors = [_item_error(e) for e in exc.errors]
        self.journal.write(
            **note,
            status=exc.status,
            requestId=exc.request_id,
            outcome=Status.FAILED,
            errors=errors or [{"message": str(exc)}],
        )
        if isinstance(exc, E.AuthError | E.PermissionDenied):
            self.abort = f"an earlier write was refused ({exc.message})"
        self.item_outcomes(req, errors, Status.FAILED, str(exc))

    def item_outcomes(self, req: Request, errors, status: Status, message: str) -> None:
        """Per-item errors name a code or GUID (``instance``): the changes of that item fail
        with Shoptet's message, the others get ``status``. An error naming no item fails the
        whole request. A refused create fails the product; its variants, prices and stock
        are then skipped (they cannot exist without it), not failed once each."""
        if req.step is Step.CREATE and status is Status.FAILED:
            product = next(p.change.id for p in req.parts if p.change.resource is Resource.PRODUCT)
            self.mark(product, Status.FAILED, message)
            for cid in req.change_ids:
                if cid != product:
                    self.mark(cid, Status.SKIPPED, f"not written: {product} {Status.FAILED}")
            return
        by_item: dict[str, list[str]] = {}
        for part in req.parts:
            key = (part.change.code or part.change.guid).upper()
            by_item.setdefault(key, [])
            if part.change.id not in by_item[key]:
                by_item[key].append(part.change.id)
        named: dict[str, list[str]] = {}
        for e in errors:
            key = str(e.get("instance") or "").upper()
            if key in by_item:
                named.setdefault(key, []).append(e.get("message") or e.get("errorCode") or "")
        unnamed = [e for e in errors if str(e.get("instance") or "").upper() not in by_item]
        for key, ids in by_item.items():
            for cid in ids:
                if key in named:
                    self.mark(cid, Status.FAILED, "Shoptet: " + "; ".join(named[key]))
                elif unnamed and status is Status.WRITTEN:
                    self.mark(
                        cid,
                        Status.FAILED,
                        "Shoptet: "
                        + "; ".join(str(e.get("message") or e.get("errorCode")) for e in unnamed),
                    )
                else:
                    self.mark(cid, status, message)

    def after_unknown(self, req: Request, attempt: int) -> None:
        """Re-read what the lost write touched and decide from what is live, part by part:
        what the request carried that is live now is written; what is not is sent again."""
        try:
            forms, registry = self.reread([p.change for p in req.parts])
        except E.ApiError as exc:
            for cid in req.change_ids:
                self.mark(
                    cid,
                    Status.FAILED,
                    f"the response of a write was lost and re-reading "
                    f"failed too ({exc}); run the same plan again to finish",
                )
            return
        again: list[Part] = []
        applied: list[str] = []
        for part in req.parts:
            c = part.change
            now = check(c, forms.get(c.guid), self.created, registry, self.renamed, self.live_flags)
            if now.verdict is Verdict.CONFLICT:
                self.mark(c.id, Status.FAILED, f"after a lost response: {now.reason}")
                continue
            left = {f: v for f, v in now.pending.items() if f in part.fields}
            if now.verdict is Verdict.DONE or (part.fields and not left):
                applied.append(c.id)
                self.mark(c.id, Status.WRITTEN, "response lost; confirmed by re-reading")
            else:
                again.append(Part(c, left, now.live_price))
        self.journal.write(
            kind="reread",
            attempt=attempt,
            changes=req.change_ids,
            applied=list(dict.fromkeys(applied)),
            resend=list(dict.fromkeys(p.change.id for p in again)),
        )
        if req.step is Step.FLAG and req.method == "POST" and applied:
            with self._lock:
                self.flag_codes.update(new_flag_codes(self.live_flags or ()))
        if not again:
            return
        resend = narrowed(req, again)
        if resend is not None and attempt <= self.options.resends:
            self.send(resend, attempt + 1)
            return
        why = (
            "its response was lost and it was not written; run the same plan again to finish"
            if resend is not None
            else "its response was lost and the shop shows it only in part; run the same plan "
            "again to finish"
        )
        for part in again:
            self.mark(part.change.id, Status.FAILED, why)

    def reread(self, changes) -> tuple[dict, Any]:
        """The live forms of the products of ``changes`` and, when some add to the
        variant-parameter registry, the registry (``plan.parameters.ParameterRegistry``)."""
        guids = {c.guid for c in changes if not c.resource.registry}
        forms = self.read(guids) if guids else {}
        registry = None
        params = (Resource.PARAMETER, Resource.PARAMETER_VALUE, *FILTERING_RESOURCES)
        if any(c.resource in params for c in changes):
            filtering = any(c.resource in FILTERING_RESOURCES for c in changes)
            registry = read_registry(self.client, filtering=filtering)
        if any(c.resource is Resource.FLAG for c in changes):
            self.live_flags = shop_flags(get_flags(self.client))
        return forms, registry

    def read(self, guids) -> dict:
        return live_forms(self.read_live(sorted(guids)), self.plan.default_stock_id or 1)

    def shop_header(self) -> dict[str, Any]:
        """The shop a write went to, as the plan names it (``revert`` checks it)."""
        return {
            "eshopId": self.plan.eshop_id,
            "pricelistId": self.plan.pricelist_id,
            "defaultStockId": self.plan.default_stock_id,
        }

    def pricelist(self) -> int:
        if self._pricelist is None:
            self._pricelist = self.client.get_eshop().default_pricelist_id
        if self._pricelist is None:
            raise E.ApplyError("the e-shop has no default pricelist; set shop.pricelist")
        return self._pricelist

    # -- after the writes ------------------------------------------------------------------

    def converge(self) -> None:
        """Re-read what was written; report every change that still differs."""
        written = {o.change_id for o in self.result.of(Status.WRITTEN)}
        if not written:
            return
        # the gallery step verified its own writes on the gallery it re-read (a src in the
        # plan is a name live, which only the lock it learned can tell)
        changes = []
        for c in self.changes:
            rest = tuple(f for f in c.fields if f.field not in (IMAGES, IMAGE))
            if c.id in written and (rest or not c.fields):
                changes.append(bind(replace(c, fields=rest), self.flag_codes))
        try:
            forms, registry = self.reread(changes)
        except E.ApiError as exc:
            self.result.unconverged.append(f"the convergence check could not re-read: {exc}")
            return
        for c in changes:
            now = check(c, forms.get(c.guid), self.created, registry, self.renamed, self.live_flags)
            if now.verdict is Verdict.WRITE:
                fields = ", ".join(f"{f} (planned {v!r})" for f, v in sorted(now.pending.items()))
                what = fields or "still in the shop"
                self.result.unconverged.append(f"{c.id}: still differs after apply: {what}")
            elif now.verdict is Verdict.CONFLICT:
                what = now.detail or now.reason
                self.result.unconverged.append(f"{c.id}: still differs after apply: {what}")


def _item_error(e: Any) -> dict[str, Any]:
    if not isinstance(e, dict):
        return {"message": str(e)}
    return {k: e.get(k) for k in ("errorCode", "message", "instance") if e.get(k) is not None}
