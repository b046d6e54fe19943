"""The gallery step of apply (``program.Step.IMAGES``): one product's image changes, in order.

1. read the gallery now (compare-before-write: what to delete and reorder is decided on it);
2. delete the images the plan removes, with ``removeReference`` only for an image a variant
   shows whose ``image`` this plan changes (the plan refused every other case);
3. add the new images by URL in one asynchronous job (priority = position), wait for it within
   a bounded time (``shoptet.jobs.wait_for_job``), read the gallery again and learn each new
   image's name by the priority it was given; an image that did not appear is reported with
   its URL and the job's log line for it;
4. PATCH priority and alt text of every image whose position or alt differs from the gallery
   as read now;
5. set the variants' images (a URL becomes the name just learned) in one product PATCH.

**A lost response never adds an image twice.** After a lost POST the writer never sends it
again: it waits for the shop's unfinished image jobs, reads the gallery and learns what
appeared. What did not appear is reported (not written); the next plan shows it, and if it
appears later the plan's lost-lock guard (``plan.images``) refuses to add it again. Lost
deletes and PATCHes are decided by the gallery read afterwards and sent once more at most.

Every request is journalled (``kind: image``), and so is what was learned (``kind:
image-names``: the ``src -> name`` pairs), so the mapping survives a lock file that never
reached git. UNFINISHED: ``revert`` does not undo gallery writes; it names each product whose
gallery an apply changed, and what it did (``apply.revert``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from reconciler import errors as E
from reconciler.apply.result import Status
from reconciler.desired.image_lock import ImageLock, LockEntry
from reconciler.plan.images import IMAGE, IMAGES, is_src, live_images, ops
from reconciler.plan.model import Action, Change, Resource
from reconciler.shoptet import images as S
from reconciler.shoptet import jobs as J

MAX_PER_CALL = 100


@dataclass(frozen=True)
class ImageWait(J.JobWait):
    """How long apply waits for an image job (Shoptet publishes no durations)."""

    budget: float = 300.0


@dataclass
class GalleryWriter:
    """Writes the gallery parts of one apply; ``lock`` grows with every image learned."""

    client: Any
    journal: Any
    mark: Callable[[str, Status, str], None]
    outcome_of: Callable[[str], Status | None]
    lock: ImageLock
    wait: J.JobWait = field(default_factory=ImageWait)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    changed: bool = False  # the lock differs from the one apply started with

    def write(self, guid: str, parts: Iterable[Any]) -> None:
        """``parts``: ``program.Part``\\ s of the product change (``images``) and of variant
        changes (``image``)."""
        parts = list(parts)
        product = next((p for p in parts if p.change.resource is Resource.PRODUCT), None)
        variants = [p for p in parts if p.change.resource is Resource.VARIANT]
        if product is not None and self.outcome_of(product.change.id) is Status.FAILED:
            return  # the product create failed: there is no gallery (its outcome says why)
        failures: list[str] = []  # the gallery's, per image with its URL
        refused: dict[str, list[str]] = {}  # a variant's own, by change id
        learned: dict[str, str] = {}
        try:
            if product is not None:
                learned = self._gallery(guid, product, variants, failures)
            self._variants(guid, variants, learned, refused)
        except E.ApiError as exc:  # a read failed: nothing more is known of any part
            failures.append(f"images of product {guid}: {exc}")
            refused = {p.change.id: [str(exc)] for p in variants}
        for part in parts:
            mine = failures if part is product else refused.get(part.change.id, [])
            if mine:
                self.mark(part.change.id, Status.FAILED, "; ".join(mine))
            else:
                self.mark(part.change.id, Status.WRITTEN, "")

    # -- the gallery -----------------------------------------------------------------------

    def _gallery(
        self, guid: str, product: Any, variants: list[Any], failures: list[str]
    ) -> dict[str, str]:
        after: list[dict[str, Any]] = product.fields[IMAGES]
        now = self._read(guid)
        todo = ops(now, after)
        shown = {p.change.before.get(IMAGE) for p in variants if p.change.before}
        for name in todo.deletes:
            self._send(
                guid,
                "DELETE",
                name,
                partial(S.delete_image, self.client, guid, name, remove_reference=name in shown),
                failures,
            )
        # the gallery as last read; read again only where a write may have changed its names
        known: list[dict[str, Any]] | None = None if todo.deletes else now
        learned: dict[str, str] = {}
        if todo.adds:
            before = known if known is not None else self._read(guid)
            learned, known = self._add(guid, todo.adds, {i["name"] for i in before}, failures)
        resolved = [
            {"name": learned.get(i["src"]) or "", "alt": i["alt"]} if "src" in i else i
            for i in after
        ]
        resolved = [i for i in resolved if i["name"]]
        known = self._reorder(guid, resolved, failures, known)
        final = {i["name"] for i in known}  # a PATCH changes no name
        kept = [e for e in self.lock.entries(guid) if e.name in final and e.src not in learned]
        entries = kept + [LockEntry(src, name) for src, name in learned.items() if name in final]
        if set(entries) != set(self.lock.entries(guid)):
            self.lock = self.lock.replaced(guid, entries)
            self.changed = True
        return learned

    def _read(self, guid: str) -> list[dict[str, Any]]:
        rows = S.get_images(self.client, guid)
        return live_images({"name": r.name, "alt": r.description} for r in rows)

    def _add(
        self,
        guid: str,
        adds: tuple[tuple[int, str, str | None], ...],
        names_before: set[str],
        failures: list[str],
    ) -> tuple[dict[str, str], list[dict[str, Any]]]:
        """Send the adds (one job per 100), wait, and learn the new names by priority: the
        names learned and the gallery read after the job."""
        since = datetime.now(UTC) - timedelta(minutes=10)  # the job list's filter; clock skew
        logs: list[str] = []
        lost = False
        for start in range(0, len(adds), MAX_PER_CALL):
            chunk = adds[start : start + MAX_PER_CALL]
            items = [_add_item(priority, src, alt) for priority, src, alt in chunk]
            job_id = self._post(guid, items, failures)
            if job_id is None:
                lost = True
                continue
            logs.append(self._finish(job_id, since, failures))
        if lost:  # never sent again: wait for whatever the shop has queued, then look
            self._settle(since, failures)
        gallery = S.get_images(self.client, guid)
        new = [i for i in gallery if i.name not in names_before]
        learned: dict[str, str] = {}
        for priority, src, _alt in adds:
            found = [i.name for i in new if i.priority == priority]
            if len(found) == 1:
                learned[src] = found[0]
                continue
            if found:
                failures.append(
                    f"{src}: added, but {len(found)} new images share its position "
                    f"({', '.join(found)}); name the right one in images: ({{name: {found[0]}}})"
                )
                continue
            why = next((line for log in logs for line in log.splitlines() if src in line), None)
            if lost and why is None:
                why = "the response to the add was lost and the image has not appeared yet"
            failures.append(f"{src}: not added ({why or 'Shoptet did not add it'})")
        if learned:
            self.journal.write(
                kind="image-names",
                product=guid,
                learned=[{"src": s, "name": n} for s, n in sorted(learned.items())],
            )
        return learned, live_images({"name": i.name, "alt": i.description} for i in gallery)

    def _post(self, guid: str, items: list[dict[str, Any]], failures: list[str]) -> str | None:
        """The job id; None when the response was lost (whether it was queued is unknown)."""
        note = self._note(guid, "POST", [i["sourceUrl"] for i in items])
        self.requests += 1
        try:
            job_id = S.add_images(self.client, guid, items)
        except E.WriteOutcomeUnknown as exc:
            self.journal.write(**note, outcome=Status.UNKNOWN, requestId=exc.request_id)
            return None
        except E.ApiError as exc:
            self.journal.write(**note, outcome=Status.FAILED, error=str(exc))
            failures += [f"{i['sourceUrl']}: not added ({exc})" for i in items]
            return ""  # refused: nothing queued, nothing to wait for
        self.journal.write(**note, outcome=Status.WRITTEN, jobId=job_id)
        return job_id

    def _finish(self, job_id: str, since: datetime, failures: list[str]) -> str:
        """Wait for one job: its log ("" when refused, lost or still running)."""
        if not job_id:
            return ""
        try:
            job = J.wait_for_job(
                self.client, job_id, since, self.wait, self.sleep, self.clock, self.clock()
            )
        except (J.JobWaitExpired, J.JobDetailRefused) as why:
            failures.append(f"image job {why}: what it adds later shows in the next plan")
            return ""
        if job.status != "completed":
            failures.append(f"image job {job_id} {job.status}: {job.log or 'no log'}")
        return job.log or ""

    def _settle(self, since: datetime, failures: list[str]) -> None:
        """Wait (within the budget) until no image job of the shop is unprocessed."""
        started = self.clock()
        for poll in range(1000):
            busy = [
                j
                for j in J.iter_jobs(self.client, created_from=since)
                if j.status in J.UNPROCESSED
                and getattr(j, "endpoint", S.IMAGES_JOB_ENDPOINT) == S.IMAGES_JOB_ENDPOINT
            ]
            delay = self.wait.list_wait(poll)
            if not busy:
                return
            if self.clock() - started + delay > self.wait.budget:
                failures.append("image jobs were still unprocessed when the wait ended")
                return
            self.sleep(delay)

    def _reorder(
        self,
        guid: str,
        wanted: list[dict[str, Any]],
        failures: list[str],
        known: list[dict[str, Any]] | None,
    ) -> list[dict[str, Any]]:
        """PATCH what differs from the gallery (``known``: as last read, else read now); once
        more after a lost answer, on a fresh read. Returns the gallery as last read."""
        for attempt in (1, 2):
            if known is None or attempt == 2:
                known = self._read(guid)
            todo = ops(known, wanted).updates
            if not todo:
                return known
            items = [_update_item(name, priority, alt) for name, priority, alt in todo]
            if self._send(
                guid,
                "PATCH",
                ",".join(i["name"] for i in items),
                partial(S.update_images, self.client, guid, items),
                failures if attempt == 2 else None,
            ):
                return known
        assert known is not None  # read on the second attempt
        return known

    # -- variants --------------------------------------------------------------------------

    def _variants(
        self, guid: str, parts: list[Any], learned: dict[str, str], refused: dict[str, list[str]]
    ) -> None:
        items, sent = [], []
        for part in parts:
            ref = part.fields[IMAGE]
            name = (learned.get(ref) or self.lock.name_of(guid, ref)) if is_src(ref) else ref
            if is_src(ref) and name is None:
                refused[part.change.id] = [f"its image {ref} was not added"]
                continue
            items.append({"code": part.change.code, "image": name})
            sent.append(part.change.id)
        if not items:
            return
        body = {"variants": items}
        failures: list[str] = []
        for attempt in (1, 2):
            if self._send(
                guid,
                "PATCH",
                ",".join(i["code"] for i in items),
                lambda: self.client.patch_product(guid, body),
                failures,
                lost_ok=attempt == 1,
            ):
                break
        for change_id in sent if failures else ():
            refused[change_id] = failures

    # -- one request -----------------------------------------------------------------------

    def _note(self, guid: str, method: str, items: list[str]) -> dict[str, Any]:
        return {"kind": "image", "product": guid, "method": method, "items": items}

    def _send(
        self,
        guid: str,
        method: str,
        what: str,
        call: Callable[[], Any],
        failures: list[str] | None,
        *,
        lost_ok: bool = True,
    ) -> bool:
        """True when the shop answered with success (a lost answer: False, the caller decides
        from a re-read); a refusal is added to ``failures``."""
        note = self._note(guid, method, what.split(","))
        self.requests += 1
        try:
            result = call()
        except E.WriteOutcomeUnknown as exc:
            self.journal.write(**note, outcome=Status.UNKNOWN, requestId=exc.request_id)
            if not lost_ok and failures is not None:
                failures.append(f"{method} {what}: the response was lost twice")
            return False
        except E.NotFound as exc:
            if method == "DELETE":  # gone already (an earlier, lost delete)
                self.journal.write(**note, outcome=Status.DONE, requestId=exc.request_id)
                return True
            self.journal.write(**note, outcome=Status.FAILED, error=str(exc))
            if failures is not None:
                failures.append(f"{method} {what}: {exc}")
            return False
        except E.ApiStatusError as exc:
            self.journal.write(**note, outcome=Status.FAILED, error=str(exc))
            if failures is not None:
                failures.append(f"{method} {what}: {exc}")
            return True  # refused: sending it again would be refused too
        self.journal.write(
            **note, outcome=Status.WRITTEN, requestId=getattr(result, "request_id", None)
        )
        return True


def _add_item(priority: int, src: str, alt: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"sourceUrl": src, "priority": priority}
    if alt is not None:
        item["description"] = alt
    return item


def _update_item(name: str, priority: int, alt: str | None) -> dict[str, Any]:
    # Shoptet's description is a string (not nullable): no alt is the empty text
    return {"name": name, "priority": priority, "description": alt or ""}


def gallery_change(change: Change) -> bool:
    """A change the gallery step writes (a product's images or a variant's image)."""
    names = {f.field for f in change.fields}
    return bool(names & {IMAGES, IMAGE}) and change.action is not Action.DELETE
