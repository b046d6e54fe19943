"""The products snapshot, jobs and webhook registration (``reconciler.sandbox.jobs`` holds the
queue and the registry; this module only translates requests)."""

from __future__ import annotations

import re

from reconciler.sandbox import render
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err, invalid_parameter
from reconciler.sandbox.handlers_products import _includes, _physical
from reconciler.sandbox.jobs import JOB_FINISHED, AsyncJobs
from reconciler.sandbox.state import parse_time
from reconciler.sandbox.validate import A, O, S, check_body

SNAPSHOT = "/api/products/snapshot"
JOB_STATUSES = ("completed", "pending", "running", "failed", "expired", "killed")
MAX_FILTER = 50
_URL_MAX = 2000
_EVENT = re.compile(r"^[a-z]+:[a-zA-Z]+$")

# POST /api/webhooks request body (OpenAPI L32790-32835): up to 50 {event, url, sendPayload}
CREATE_WEBHOOKS = A(
    O(
        {
            "event": S(),
            "url": S(max=_URL_MAX),
            "sendPayload": S(null=True, enum=("full",)),
        },
        ("event", "url"),
    ),
    min=1,
)
MAX_WEBHOOKS = 50


def _jobs(ctx: Ctx) -> AsyncJobs:
    assert ctx.jobs is not None, "the core hands every handler the job queue"
    return ctx.jobs


def require_webhook(ctx: Ctx) -> AsyncJobs:
    """The job queue, for an asynchronous endpoint: 403 while no ``job:finished`` webhook is
    registered (Shoptet: "job won't be queued")."""
    jobs = _jobs(ctx)
    if not jobs.has_webhook(JOB_FINISHED):
        raise Fail(
            403,
            err(
                "job-webhook-not-registered",
                'Webhook "job:finished" is not registered; asynchronous requests need it. '
                "The job was not queued.",
                "webhook",
            ),
        )
    return jobs


def products_snapshot(ctx: Ctx) -> Result:
    jobs = require_webhook(ctx)
    includes = _includes(ctx)
    guids = [g.strip().lower() for g in ctx.query.get("productGuids", "").split(",") if g.strip()]
    if len(guids) > MAX_FILTER:
        raise invalid_parameter(
            "productGuids",
            f'Invalid "productGuids" parameter. Expected max. {MAX_FILTER} elements, but '
            f"{len(guids)} given.",
        )
    changed_from = ctx.time_param("changeTimeFrom")
    products = []
    for product in ctx.state.doc["products"]:
        if guids and product["guid"] not in guids:
            continue
        changed = product.get("changeTime") or product["creationTime"]
        if changed_from is not None and not guids and parse_time(changed) < changed_from:
            continue
        products.append(_physical(ctx, render.detail(ctx.state, product, includes)))
    job = jobs.submit(SNAPSHOT, products)
    return Result(status=202, data={"jobId": job.job_id})


def job_detail(ctx: Ctx) -> Result:
    jobs = _jobs(ctx)
    job_id = ctx.params["jobId"]
    job = jobs.jobs.get(job_id)
    if job is None:
        raise Fail(404, err("job-not-found", f'Job with ID "{job_id}" not found.', job_id))
    if jobs.status(job) in ("pending", "running"):
        job.detail_reads += 1
        limit = int(getattr(ctx.config, "job_detail_limit", 10))
        if job.detail_reads > limit:
            raise Fail(
                403,
                err(
                    "job-detail-try-counter-exceeded-limit",
                    "You have exceeded the limit of job detail request for unprocessed job "
                    f'"{job_id}". Please wait for job:finished event after job is completed!',
                    job_id,
                ),
            )
    return Result(data={"job": jobs.detail(job)})


def job_list(ctx: Ctx) -> Result:
    jobs = _jobs(ctx)
    status = ctx.query.get("status") or None
    if status is not None and status not in JOB_STATUSES:
        raise invalid_parameter("status", f'Invalid "status" parameter value "{status}".')
    since = ctx.time_param("creationTimeFrom")
    rows = [
        jobs.list_row(job)
        for job in jobs.jobs.values()
        if (since is None or job.created >= since)
        and (status is None or jobs.status(job) == status)
    ]
    chunk, pager = ctx.page(rows, 100, 500)
    return Result(data={"jobs": chunk, "paginator": pager})


def list_webhooks(ctx: Ctx) -> Result:
    rows = [w.row() for w in _jobs(ctx).webhooks]
    chunk, pager = ctx.page(rows, 20, 500)
    return Result(data={"webhooks": chunk, "paginator": pager})


def create_webhooks(ctx: Ctx) -> Result:
    """All or nothing: an event that already has a URL (or is twice in the request) is 422
    "Webhook already exists for this event" and nothing is registered."""
    data = check_body(ctx.body, CREATE_WEBHOOKS)
    if len(data) > MAX_WEBHOOKS:
        raise Fail(
            422,
            err("invalid-request-data", f"At most {MAX_WEBHOOKS} webhooks per request.", "data"),
        )
    jobs = _jobs(ctx)
    seen = {w.event for w in jobs.webhooks}
    for i, item in enumerate(data):
        if not _EVENT.match(item["event"]):
            raise Fail(
                422, err("invalid-request-data", "Unknown webhook event.", f"data.{i}.event")
            )
        if not item["url"].lower().startswith(("https://", "http://")):
            raise Fail(422, err("invalid-request-data", "Invalid webhook URL.", f"data.{i}.url"))
        if item["event"] in seen:
            raise Fail(
                422,
                err("webhook-exists", "Webhook already exists for this event", f"data.{i}.event"),
            )
        seen.add(item["event"])
    now = ctx.state.touch()
    created = []
    for item in data:
        hook = jobs.register(item["event"], item["url"], item.get("sendPayload"), now)
        assert hook is not None  # checked above, under the core's lock
        created.append(hook.row())
    return Result(status=201, data={"webhooks": created})
