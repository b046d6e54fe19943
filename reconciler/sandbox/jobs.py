"""Asynchronous jobs and webhooks, as Shoptet documents them (OpenAPI: "Asynchronous requests"
L325-341, ``/api/products/snapshot`` L4957, ``/api/system/jobs`` L41422, ``/api/webhooks``
L32704).

- ``GET /api/products/snapshot`` answers 403 while no ``job:finished`` webhook is registered
  ("job won't be queued"), else 202 with a ``jobId``. The result (gzip JSON Lines, one product
  detail a line, with the request's ``include``) is rendered when the job is submitted.
- A job is ``pending`` for ``SandboxConfig.job_queue`` Shoptet seconds, ``running`` for
  ``job_duration`` more, then ``completed`` (or ``failed`` with ``job_outcome="failed"``), and
  ``expired`` ``job_validity`` seconds after completion (Shoptet keeps results about 24 h).
- ``GET /api/system/jobs/{jobId}`` of a job still pending or running answers 403
  ``job-detail-try-counter-exceeded-limit`` from its 11th request on (``job_detail_limit``).
- The result is served only to the e-shop's own origin (``result_origin``, else the state's
  ``eshop.url``): a request for it on the API's origin gets 404, as does one for an expired job.
  Every download is logged with whether it carried a token (``downloads``).
- A write job (image add, ``handlers_images``) takes effect when it stops processing: the core
  calls ``settle`` before each request; its ``log`` then names the rows it refused.

UNCERTAIN: Shoptet does not document the errorCode of the missing-webhook 403;
``job-webhook-not-registered`` stands in for it.
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from reconciler.sandbox.envelope import _default
from reconciler.sandbox.messages import Request, Response
from reconciler.sandbox.state import TZ, fmt_time

JOB_FINISHED = "job:finished"
RESULT_PREFIX = "/api-results/"
PROCESSING = ("pending", "running")
_CREATED = "2026-01-05T10:00:00+0100"


@dataclass
class Job:
    job_id: str
    endpoint: str
    started: float  # sandbox clock (real seconds) at submission
    created: datetime  # Shoptet time at submission
    body: bytes  # the gzip result
    file: str  # the result's file name under RESULT_PREFIX
    detail_reads: int = 0  # detail requests while unprocessed
    # A write job's effect on the shop (image add): run once, by ``settle``, when the job is
    # no longer processing; it gets the status and the state and returns the job's log.
    on_finish: Callable[[str, object], str | None] | None = None
    log: str | None = None


@dataclass
class Webhook:
    id: int
    event: str
    url: str
    created: str = _CREATED
    send_payload: str | None = None

    def row(self) -> dict:
        return {
            "id": self.id,
            "event": self.event,
            "url": self.url,
            "created": self.created,
            "updated": None,
            "sendPayload": self.send_payload,
        }


@dataclass
class AsyncJobs:
    """The sandbox's job queue and webhook registry (reset with the sandbox)."""

    config: object  # SandboxConfig (not imported: config imports nothing of the sandbox)
    state_url: Callable[[], str] = lambda: ""  # the state's eshop.url
    jobs: dict[str, Job] = field(default_factory=dict)
    webhooks: list[Webhook] = field(default_factory=list)
    downloads: list[dict] = field(default_factory=list)  # host, path, status, token sent
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.jobs = {}
            self.downloads = []
            self.webhooks = [
                Webhook(i, event, url)
                for i, (event, url) in enumerate(getattr(self.config, "webhooks", ()), start=1)
            ]

    # -- webhooks --------------------------------------------------------------------------
    def has_webhook(self, event: str) -> bool:
        with self._lock:
            return any(w.event == event for w in self.webhooks)

    def register(self, event: str, url: str, send_payload: str | None, now: str) -> Webhook | None:
        """The new registration, or None when ``event`` already has one (Shoptet: 422)."""
        with self._lock:
            if any(w.event == event for w in self.webhooks):
                return None
            hook = Webhook(max((w.id for w in self.webhooks), default=0) + 1, event, url, now)
            hook.send_payload = send_payload
            self.webhooks.append(hook)
            return hook

    # -- jobs ------------------------------------------------------------------------------
    def submit(
        self,
        endpoint: str,
        lines: list[dict],
        on_finish: Callable[[str, object], str | None] | None = None,
    ) -> Job:
        text = "".join(
            json.dumps(line, ensure_ascii=False, default=_default, separators=(",", ":")) + "\n"
            for line in lines
        )
        with self._lock:
            job_id = f"{len(self.jobs) + 1:03x}{secrets.token_hex(2)}"
            job = Job(
                job_id=job_id,
                endpoint=endpoint,
                started=self._clock(),
                created=self._now(),
                body=gzip.compress(text.encode(), mtime=0),
                file=f"{job_id}-{secrets.token_hex(4)}.json",
                on_finish=on_finish,
            )
            self.jobs[job_id] = job
            return job

    def settle(self, state: object) -> None:
        """Run the effect of every write job that has stopped processing (the core calls this
        before each request, so a job's effect shows as soon as its status says so). A failed
        job has no effect."""
        with self._lock:
            due = [
                j for j in self.jobs.values() if j.on_finish and self.status(j) not in PROCESSING
            ]
            for job in due:
                finish, job.on_finish = job.on_finish, None
                assert finish is not None
                job.log = finish(self.status(job), state)

    def status(self, job: Job) -> str:
        elapsed = (self._clock() - job.started) * float(getattr(self.config, "time_scale", 1.0))
        queue = float(getattr(self.config, "job_queue", 0.0))
        duration = float(getattr(self.config, "job_duration", 0.0))
        if elapsed < queue:
            return "pending"
        if elapsed < queue + duration:
            return "running"
        outcome = str(getattr(self.config, "job_outcome", "completed"))
        if outcome == "completed" and elapsed >= queue + duration + self._validity():
            return "expired"
        return outcome

    def detail(self, job: Job) -> dict:
        status = self.status(job)
        queue = float(getattr(self.config, "job_queue", 0.0))
        duration = float(getattr(self.config, "job_duration", 0.0))
        done = status not in PROCESSING
        finished = job.created + timedelta(seconds=queue + duration)
        valid = finished + timedelta(seconds=self._validity())
        return {
            "jobId": job.job_id,
            "endpoint": job.endpoint,
            "creationTime": fmt_time(job.created),
            "completionTime": fmt_time(finished) if done else None,
            "duration": f"{duration:.3f}" if done else None,
            "status": status,
            "resultUrl": f"{self.origin()}{RESULT_PREFIX}{job.file}"
            if status == "completed"
            else None,
            "log": "Export failed: sandbox job_outcome=failed."
            if status == "failed"
            else (job.log if done else None),
            "validUntil": fmt_time(valid) if status in ("completed", "expired") else None,
        }

    def list_row(self, job: Job) -> dict:
        d = self.detail(job)
        return {
            k: d[k]
            for k in ("jobId", "endpoint", "creationTime", "completionTime", "status", "validUntil")
        }

    # -- the e-shop origin -----------------------------------------------------------------
    def origin(self) -> str:
        """``scheme://host[:port]`` the results live on (no trailing slash)."""
        url = getattr(self.config, "result_origin", None) or self.state_url()
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def download(self, req: Request) -> Response:
        """A result file, on the e-shop's origin only; 404 elsewhere, for unknown files and for
        jobs that are not (or no longer) completed."""
        host = req.headers.get("host", "")
        token = any(
            k in req.headers
            for k in ("shoptet-private-api-token", "shoptet-access-token", "authorization")
        )
        expected = urlsplit(self.origin()).netloc
        name = req.path[len(RESULT_PREFIX) :]
        job = next((j for j in self.jobs.values() if j.file == name), None)
        ok = (
            req.method.upper() == "GET"
            and host.lower() == expected.lower()
            and job is not None
            and self.status(job) == "completed"
        )
        status = 200 if ok else 404
        with self._lock:
            self.downloads.append(
                {"host": host, "path": req.path, "status": status, "token": token}
            )
        if not ok or job is None:
            return Response(404, {"Content-Type": "text/plain"}, b"Not Found")
        # Served as Shoptet's example names it (.json); the body is gzip all the same.
        return Response(200, {"Content-Type": "application/json"}, job.body)

    # -- time ------------------------------------------------------------------------------
    def _clock(self) -> float:
        return float(self.config.clock())  # type: ignore[attr-defined]

    def _now(self) -> datetime:
        now = getattr(self.config, "now", None)
        return (now() if now else datetime.now(TZ)).replace(microsecond=0)

    def _validity(self) -> float:
        return float(getattr(self.config, "job_validity", 86400.0))
