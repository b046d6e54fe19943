"""Sandbox settings. Times are in Shoptet seconds; ``time_scale`` > 1 runs them faster than real
time (bucket drain, latency, Retry-After, locks and token lifetime scale together)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime

VARIANT_PARAMETER_MODES = ("enforce", "off")
JOB_OUTCOMES = ("completed", "failed")


@dataclass
class SandboxConfig:
    token: str = field(default="sandbox-token", repr=False)
    oauth_token: str = field(default="sandbox-oauth", repr=False)
    access_token_lifetime: float = 1800.0  # expires_in of issued access tokens
    max_access_tokens: int = 5  # valid at once per OAuth token (oldest dropped)
    limits: bool = True  # enforce 429s (headers are sent either way)
    max_concurrent: int = 3  # per token
    bucket_capacity: float = 200.0  # drops
    drain_rate: float = 10.0  # drops per second
    request_cost: float = 1.0  # drops per request
    lock_seconds: float = 5.0  # longest 423 lock of an in-flight write
    latency: float = 0.0  # seconds added to every API request
    time_scale: float = 1.0  # 10 = ten times faster than real time
    timeout_hold: float = 30.0  # how long a "timeout" fault holds the connection
    # API path prefixes the tokens have no rights for: 403 invalid-token-no-rights, like a
    # Shoptet token whose endpoint group was removed (e.g. ("/api/products",)).
    forbidden: tuple[str, ...] = ()
    # Shoptet's variant-parameter rule on product writes (POST /api/products description: each
    # variant of a multi-variant product needs a unique combination of ``parameters``):
    # "enforce" refuses, with 422, a product with 2+ variants where a variant has no
    # parameters, two variants with the same combination, a parameter name twice in one variant
    # and a nameIndex/valueIndex the shop does not have; "off" keeps only the parameter-name-
    # twice check (what the sandbox did before issue 14; for tests of other behaviour only).
    variant_parameters: str = "enforce"
    # Shop behaviour `doctor` probes (issue 14); the defaults are what the tool assumes.
    # API path prefixes the tokens may read but not write: a write gets 403
    # invalid-token-no-rights and GET /api/system/endpoints lists them with access "read".
    read_only_rights: tuple[str, ...] = ()
    # Registered webhooks, (event, url) pairs, as GET /api/webhooks lists them.
    webhooks: tuple[tuple[str, str], ...] = (
        ("job:finished", "https://sandbox.invalid/shoptet/job-finished"),
    )
    # Asynchronous jobs (``reconciler.sandbox.jobs``), in Shoptet seconds: a job is pending for
    # job_queue, running for job_duration, then job_outcome ("completed" or "failed"); a
    # completed result expires job_validity after completion (Shoptet: about 24 h). Detail
    # reads of an unprocessed job beyond job_detail_limit get Shoptet's 403.
    job_queue: float = 0.0
    job_duration: float = 0.0
    job_outcome: str = "completed"
    job_validity: float = 86400.0
    job_detail_limit: int = 10
    # The e-shop's own origin, where job results are served (Shoptet: the e-shop's domain);
    # None: the state's eshop.url. The HTTP face sets it to its second, results-only server.
    result_origin: str | None = None
    vat_payer: bool = True  # /api/eshop settings.vatPayer
    # /api/eshop settings.negativeStockAmount; the demo seed's variants say "no-global"
    negative_stock_amount: str = "no-show-product"
    # perStockAmounts[].amount: "available" (realStock - claim, as supplies' amount) or
    # "physical" (realStock), a shop that would break the tool's reading of stock
    per_stock_amount: str = "available"
    # date filters: "documented" accepts what the OpenAPI file shows (+0100; +01:00 too for
    # the changes feed's `from`), "any" every ISO 8601 form with an offset, "no-colon" only
    # +0100, "colon-only" only +01:00 (else 400)
    time_offsets: str = "documented"
    # "encoded": %2F in a path stays part of one segment; "decoded": decoded before routing,
    # like a proxy that normalises paths (GET /api/products/code/A%2FB then finds no route)
    slash_in_path: str = "encoded"
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    wall: Callable[[], float] = field(default=time.time, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    now: Callable[[], datetime] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        for name in (
            "bucket_capacity",
            "drain_rate",
            "request_cost",
            "latency",
            "lock_seconds",
            "access_token_lifetime",
            "timeout_hold",
            "job_queue",
            "job_duration",
            "job_validity",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        if self.job_outcome not in JOB_OUTCOMES:
            raise ValueError(f"job_outcome must be one of {', '.join(JOB_OUTCOMES)}")
        if self.variant_parameters not in VARIANT_PARAMETER_MODES:
            raise ValueError(
                f"variant_parameters must be one of {', '.join(VARIANT_PARAMETER_MODES)}"
            )

    def real(self, shoptet_seconds: float) -> float:
        """Shoptet seconds to real seconds under the time scale."""
        return shoptet_seconds / self.time_scale


TUNABLE = (
    "access_token_lifetime",
    "limits",
    "max_concurrent",
    "bucket_capacity",
    "drain_rate",
    "request_cost",
    "lock_seconds",
    "latency",
    "time_scale",
    "timeout_hold",
    "variant_parameters",
    "job_queue",
    "job_duration",
    "job_outcome",
    "job_validity",
)


def public_settings(config: SandboxConfig) -> dict:
    """The tunable settings (never the tokens)."""
    return {f.name: getattr(config, f.name) for f in fields(config) if f.name in TUNABLE}
