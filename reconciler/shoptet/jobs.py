"""Asynchronous jobs (products snapshot), their results, and webhook registration: functions
over a :class:`ShoptetClient` (like the lookups at the end of ``client.py``).

OpenAPI (Shoptet's file): "Asynchronous requests" L325-341 (a ``job:finished`` webhook is
required, else 403 and no job), ``GET /api/products/snapshot`` L4957-5222 (202 ``jobId``; the
result is gzip JSON Lines in the product-detail format), ``GET /api/system/jobs`` L41422-41549
(the list: status, no ``resultUrl``), ``GET /api/system/jobs/{jobId}`` L41550-41720 (403
``job-detail-try-counter-exceeded-limit`` after 10 reads of an unprocessed job; ``resultUrl``
on the e-shop's own domain), ``GET``/``POST /api/webhooks`` L32704-32835 (one URL per event;
422 "Webhook already exists for this event").

The result download is the one request that leaves the API host, so it is fenced in
:func:`iter_result_lines`: only ``https`` (or the scheme of the e-shop URL itself) on exactly the
e-shop's host and port as ``GET /api/eshop`` reports it; no token or other credential header;
no redirects; a byte cap on what arrives and on what it inflates to; gzip recognised by its
magic bytes, not by headers; JSON Lines read one line at a time (constant memory).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler import __version__
from reconciler import errors as E
from reconciler.shoptet.client import ShoptetClient, WriteResult, _iso, _seg
from reconciler.shoptet.models import ShoptetModel
from reconciler.shoptet.redact import redact

__all__ = [
    "JOB_FINISHED",
    "DownloadLimits",
    "Job",
    "JobDetailRefused",
    "JobSummary",
    "JobWait",
    "JobWaitExpired",
    "ResultHostRefused",
    "ResultUnavailable",
    "get_job",
    "iter_jobs",
    "iter_result_lines",
    "register_webhook",
    "submit_products_snapshot",
    "wait_for_job",
]

JOB_FINISHED = "job:finished"
SNAPSHOT_PATH = "/api/products/snapshot"
GZIP_MAGIC = b"\x1f\x8b"
UNPROCESSED = frozenset({"pending", "running"})
MAX_GUIDS = 50  # productGuids= values per snapshot request


class Job(ShoptetModel):
    """``GET /api/system/jobs/{jobId}`` ``data.job``."""

    jobId: str
    status: str | None = None
    resultUrl: str | None = None
    validUntil: str | None = None
    log: str | None = None


class JobSummary(ShoptetModel):
    """An item of ``GET /api/system/jobs`` (no ``resultUrl`` there)."""

    jobId: str
    status: str | None = None


class ResultHostRefused(E.ApiError):
    """A job's ``resultUrl`` is not on the e-shop's own origin: nothing was requested there."""


class ResultUnavailable(E.ApiError):
    """The result could not be downloaded or read (gone, cut off, too large, not JSON Lines)."""


@dataclass(frozen=True)
class DownloadLimits:
    """Caps on one result download. 100,000 products of 5-10 KB each inflate to about 1 GB."""

    max_bytes: int = 1 << 30  # as transferred (gzip)
    max_inflated: int = 8 << 30  # after gunzip
    max_line: int = 32 << 20  # one product
    deadline: float = 600.0  # seconds for the whole download


def submit_products_snapshot(
    client: ShoptetClient, include: Sequence[str] = (), **filters: Any
) -> str:
    """``GET /api/products/snapshot``: queue the export, return its ``jobId``. A 403 (no
    ``job:finished`` webhook registered, or no rights) raises ``PermissionDenied``."""
    params: dict[str, Any] = {"include": ",".join(include)} if include else {}
    for name, value in filters.items():
        if value is not None:
            params[name] = _iso(value) if isinstance(value, datetime) else value
    env = client._get(SNAPSHOT_PATH, params or None)
    return job_id_of(env.data, env.status, env.request_id, "GET", SNAPSHOT_PATH)


def job_id_of(data: Any, status: int, request_id: Any, method: str, path: str) -> str:
    """``data.jobId`` of an async endpoint's answer; an answer without one is invalid."""
    job_id = data.get("jobId") if isinstance(data, dict) else None
    if not isinstance(job_id, str) or not job_id:
        raise E.ResponseInvalid(
            f"{method} {path}: Shoptet's answer (HTTP {status}) has no data.jobId.",
            request_id=request_id,
            method=method,
            path=path,
        )
    return job_id


def get_job(client: ShoptetClient, job_id: str) -> Job:
    """``GET /api/system/jobs/{jobId}``. Shoptet answers 403 from the 11th read of a job that
    is still unprocessed: callers poll the list instead (:func:`iter_jobs`)."""
    path = f"/api/system/jobs/{_seg(job_id, 'job id', 'GET')}"
    return client._model(Job, client._section(client._get(path), "job", path), path)


def iter_jobs(
    client: ShoptetClient, *, status: str | None = None, created_from: datetime | None = None
) -> Iterator[JobSummary]:
    """``GET /api/system/jobs`` (500 a page), optionally by status and creation time."""
    params: dict[str, Any] = {}
    if status:
        params["status"] = status
    if created_from is not None:
        params["creationTimeFrom"] = _iso(created_from)
    for item in client._pages("/api/system/jobs", "jobs", 500, params, ident="jobId"):
        yield client._model(JobSummary, item, "/api/system/jobs")


class JobWaitExpired(Exception):
    """The wait gave up (budget, or detail-read allowance): the job may still finish."""


class JobDetailRefused(Exception):
    """Shoptet refused the job detail (403, e.g. job-detail-try-counter-exceeded-limit)."""


@dataclass(frozen=True)
class JobWait:
    """How long and how often to wait for a job."""

    budget: float = 600.0  # seconds from submitting the job
    # Job-list polls: cheap and not counter-limited, so dense (then every 15 s).
    waits: tuple[float, ...] = (0.5, 1, 2, 3, 4, 5, 5, 10, 10, 15)
    # Detail polls when the list is unusable: at most detail_polls (Shoptet refuses the
    # 11th read of an unprocessed job), so widening to cover about 6 minutes.
    detail_waits: tuple[float, ...] = (5, 10, 20, 30, 45, 60, 90, 120)
    detail_polls: int = 8

    def list_wait(self, poll: int) -> float:
        return self.waits[min(poll, len(self.waits) - 1)]

    def detail_wait(self, poll: int) -> float:
        return self.detail_waits[min(poll, len(self.detail_waits) - 1)]


def wait_for_job(
    client: ShoptetClient,
    job_id: str,
    since: datetime,
    schedule: JobWait,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    started: float,
) -> Job:
    """The job's detail once it has finished. Shoptet answers 403 from the 11th detail read of
    an unprocessed job, so this polls the job list (``since``: its creationTimeFrom) on the
    schedule's widening waits and reads the detail once the list says finished; if the list
    cannot be read (or never lists the job), at most ``detail_polls`` detail reads. All within
    ``budget`` seconds of ``started`` (``clock``). Raises ``JobWaitExpired`` (the message
    starts with the job id) or ``JobDetailRefused``."""
    use_list, list_polls, detail_reads, unlisted = True, 0, 0, 0
    while True:
        delay = schedule.list_wait(list_polls) if use_list else schedule.detail_wait(detail_reads)
        if clock() - started + delay > schedule.budget:
            raise JobWaitExpired(
                f"{job_id} did not finish within the {schedule.budget:.0f} s budget"
            )
        sleep(delay)
        if use_list:
            list_polls += 1
            try:
                listed = [j for j in iter_jobs(client, created_from=since) if j.jobId == job_id]
            except E.ApiStatusError:
                use_list = False  # e.g. no rights for the list: poll the detail, sparingly
                continue
            unlisted = 0 if listed else unlisted + 1
            use_list = unlisted < 3  # never listed (clock skew?): poll the detail instead
            if listed and listed[0].status not in UNPROCESSED:
                return _detail(client, job_id)
            continue
        if detail_reads >= schedule.detail_polls:
            raise JobWaitExpired(
                f"{job_id} was still unprocessed after {detail_reads} detail reads (Shoptet "
                "allows 10)"
            )
        detail_reads += 1
        job = _detail(client, job_id)
        if job.status not in UNPROCESSED:
            return job


def _detail(client: ShoptetClient, job_id: str) -> Job:
    try:
        return get_job(client, job_id)
    except E.PermissionDenied as err:  # job-detail-try-counter-exceeded-limit
        raise JobDetailRefused(f"{job_id} ({err.error_code or 'HTTP 403'})") from None


def register_webhook(client: ShoptetClient, event: str, url: str) -> WriteResult:
    """``POST /api/webhooks`` with one registration (needs a read-write client)."""
    return client._write(
        "POST", "/api/webhooks", [{"event": event, "url": url}], reread="GET /api/webhooks"
    )


def check_result_url(result_url: str, eshop_url: str | None) -> str:
    """``result_url`` when it is on the e-shop's own origin, else ``ResultHostRefused``.

    Same scheme, host and port as ``eshop_url`` (``GET /api/eshop`` ``contactInformation.url``),
    and ``https`` unless the e-shop URL itself is ``http`` (the sandbox); no user info."""
    got = urlsplit(result_url.strip())
    shop = urlsplit((eshop_url or "").strip())
    same = (
        bool(shop.hostname)
        and got.scheme.lower() == shop.scheme.lower()
        and got.scheme.lower() in ("https", "http")
        and (got.hostname or "").lower() == (shop.hostname or "").lower()
        and _port(got) == _port(shop)
        and got.username is None
        and got.password is None
    )
    if not same:
        raise ResultHostRefused(
            redact(
                f"The snapshot job's result URL is on {got.netloc.rpartition('@')[2] or 'no host'} "
                f"({got.scheme or 'no scheme'}), not "
                f"on the e-shop's own address {shop.scheme}://{shop.netloc or '(unknown)'} that "
                "GET /api/eshop reports. Nothing was downloaded from it. Shoptet puts results on "
                "the e-shop's domain; check SHOPTET_API_URL, or plan with --read details."
            ),
            method="GET",
        )
    return result_url.strip()


def _port(parts: Any) -> int:
    try:
        explicit = parts.port
    except ValueError:
        return -1
    return explicit if explicit is not None else (443 if parts.scheme == "https" else 80)


class _Shared(httpx.BaseTransport):
    """The API client's transport (a test's or the sandbox's), not closed with the download."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)


def iter_result_lines(
    client: ShoptetClient,
    result_url: str,
    eshop_url: str | None,
    limits: DownloadLimits = DownloadLimits(),
    clock: Callable[[], float] | None = None,
) -> Iterator[bytes]:
    """The lines of a job result, one at a time (gzip or plain, by its first bytes).

    Raises ``ResultHostRefused`` before any request when the URL is not on the e-shop's origin,
    ``ResultUnavailable`` when the file is gone (404/410: expired), cut off, over a limit or
    arrives as anything but 200."""
    url = check_result_url(result_url, eshop_url)
    transport = getattr(client, "transport", None)
    clock = clock or time.monotonic
    started = clock()
    with httpx.Client(
        transport=_Shared(transport) if transport is not None else None,
        follow_redirects=False,
        timeout=httpx.Timeout(client.config.read_timeout, connect=client.config.connect_timeout),
        headers={"User-Agent": f"shoptet-catalog/{__version__}", "Accept-Encoding": "identity"},
    ) as http:
        try:
            with http.stream("GET", url) as response:
                if response.status_code != 200:
                    gone = response.status_code in (404, 410)
                    raise ResultUnavailable(
                        f"The snapshot result answered HTTP {response.status_code}"
                        + (" (expired or removed)" if gone else "")
                        + ".",
                        status=response.status_code,
                        method="GET",
                    )
                yield from _lines(_raw(response), limits, clock, started)
        except httpx.TransportError as exc:
            raise ResultUnavailable(
                redact(f"The snapshot result download failed ({type(exc).__name__}: {exc})."),
                method="GET",
            ) from None


def _raw(response: httpx.Response, size: int = 1 << 16) -> Iterator[bytes]:
    """The body as it arrives; an in-memory answer (a test's transport) in the same chunks."""
    if not response.is_stream_consumed:
        yield from response.iter_raw(size)
        return
    body = response.content
    for i in range(0, len(body), size):
        yield body[i : i + size]


def _lines(
    chunks: Iterator[bytes], limits: DownloadLimits, clock: Callable[[], float], started: float
) -> Iterator[bytes]:
    """Split ``chunks`` (gzip when they start with its magic bytes) into lines within limits."""
    inflate: Any = None
    received = inflated = 0
    head = b""
    pending = b""
    for chunk in chunks:
        received += len(chunk)
        if received > limits.max_bytes:
            raise _over(f"larger than {limits.max_bytes} bytes as transferred")
        if clock() - started > limits.deadline:
            raise _over(f"still arriving after {limits.deadline:.0f} s")
        if inflate is None:
            head += chunk
            if len(head) < len(GZIP_MAGIC):
                continue
            inflate = zlib.decompressobj(wbits=31) if head.startswith(GZIP_MAGIC) else False
            chunk, head = head, b""
        data = inflate.decompress(chunk, limits.max_line + 1) if inflate else chunk
        while True:
            inflated += len(data)
            if inflated > limits.max_inflated:
                raise _over(f"larger than {limits.max_inflated} bytes unpacked")
            pending += data
            *whole, pending = pending.split(b"\n")
            for line in whole:
                if line.strip():
                    yield line
            if len(pending) > limits.max_line:
                raise _over(f"a line longer than {limits.max_line} bytes")
            if inflate and inflate.eof and inflate.unused_data:  # another gzip member
                rest, inflate = inflate.unused_data, zlib.decompressobj(wbits=31)
                data = inflate.decompress(rest, limits.max_line + 1)
                continue
            if not inflate or not inflate.unconsumed_tail:
                break
            data = inflate.decompress(inflate.unconsumed_tail, limits.max_line + 1)
    if inflate is None and head:  # a body shorter than the magic bytes
        pending += head
    if inflate and not inflate.eof:
        raise ResultUnavailable("The snapshot result ends before its gzip stream does (cut off).")
    if pending.strip():
        yield pending


def _over(what: str) -> ResultUnavailable:
    return ResultUnavailable(f"The snapshot result is {what}; it was not read further.")
