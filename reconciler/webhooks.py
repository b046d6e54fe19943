"""``webhooks ensure``: make sure a ``job:finished`` webhook is registered, which Shoptet
requires before it runs any asynchronous request (the products snapshot of ``plan --read
snapshot``). Registers one if, and only if, none is registered for that event; never changes
or deletes an existing registration (Shoptet keeps one URL per event, and another integration
of the shop may own it).

    result = ensure_job_finished(client, "https://hooks.example.com/shoptet")  # read-write client
    hooks = list_webhooks(client)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler import errors as E
from reconciler.shoptet import jobs as J
from reconciler.shoptet.client import iter_webhooks
from reconciler.shoptet.models import Webhook

__all__ = ["EnsureResult", "check_webhook_url", "ensure_job_finished", "list_webhooks"]

MAX_URL = 2000  # OpenAPI: "url cannot be longer than 2000 characters"
HTTPS_PORTS = (443, 8443)  # of the ports Shoptet delivers to (80, 8080, 443, 8443), the TLS ones
RIGHTS = (
    "the token has no rights for webhooks. Give it read and write access to the Webhooks "
    "endpoint group in the Shoptet admin (Connections > Private API), or run this once with a "
    "token that has them; plans then need only product read rights."
)


@dataclass(frozen=True)
class EnsureResult:
    registered: bool  # True: this run registered the URL; False: one was there already
    webhook: Webhook  # the job:finished registration now in place

    def describe(self, wanted: str) -> str:
        if self.registered:
            return f"Registered job:finished -> {self.webhook.url} (id {self.webhook.id})."
        same = self.webhook.url == wanted
        return (
            f"job:finished is already registered -> {self.webhook.url} (id {self.webhook.id}); "
            + (
                "nothing to do."
                if same
                else "left as it is (Shoptet keeps one URL per event and it may belong to "
                "another integration; snapshots work with it). Change it in the Shoptet admin "
                "if it is yours and wrong."
            )
        )


def check_webhook_url(url: str) -> str:
    """``url`` when Shoptet can deliver to it and it is https, else ``ConfigError``."""
    text = url.strip()
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    problem = None
    if parts.scheme != "https" or not parts.hostname:
        problem = "it must be an https:// URL with a host"
    elif port is not None and port not in HTTPS_PORTS:
        problem = f"Shoptet delivers https webhooks to port 443 or 8443 only, not {port}"
    elif parts.username or parts.password:
        problem = "it must not carry a user name or password"
    elif len(text) > MAX_URL:
        problem = f"Shoptet accepts at most {MAX_URL} characters"
    if problem:
        raise E.ConfigError(
            f"--url {text!r}: {problem}. Give the URL of an endpoint that answers 200 to POST."
        )
    return text


def list_webhooks(client) -> list[Webhook]:
    try:
        return list(iter_webhooks(client))
    except E.PermissionDenied:
        raise E.ConfigError(f"webhooks: {RIGHTS}") from None


def ensure_job_finished(client, url: str) -> EnsureResult:
    """Register ``url`` for ``job:finished`` unless a registration exists (see the module)."""
    url = check_webhook_url(url)
    existing = _job_finished(list_webhooks(client))
    if existing is not None:
        return EnsureResult(False, existing)
    try:
        created = J.register_webhook(client, J.JOB_FINISHED, url)
    except E.PermissionDenied:
        raise E.ConfigError(f"webhooks ensure: {RIGHTS}") from None
    except E.ValidationFailed:
        # 422: registered in the meantime (Shoptet: "Webhook already exists for this event")
        existing = _job_finished(list_webhooks(client))
        if existing is not None:
            return EnsureResult(False, existing)
        raise
    rows = (created.data or {}).get("webhooks") if isinstance(created.data, dict) else None
    hook = next(
        (Webhook.model_validate(r) for r in rows or [] if r.get("event") == J.JOB_FINISHED), None
    )
    return EnsureResult(True, hook or Webhook(id=0, event=J.JOB_FINISHED, url=url))


def _job_finished(hooks: list[Webhook]) -> Webhook | None:
    return next((h for h in hooks if h.event == J.JOB_FINISHED), None)
