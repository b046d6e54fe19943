"""What a handler sees: the state, the parsed request and a few helpers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, overload

from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.envelope import Fail, err, invalid_parameter
from reconciler.sandbox.jobs import AsyncJobs
from reconciler.sandbox.state import ShopState, parse_time

_MISSING = object()


@dataclass
class Ctx:
    state: ShopState
    method: str
    path: str
    query: dict[str, str]
    params: dict[str, str]
    raw_body: bytes
    request_id: str
    config: SandboxConfig = field(default_factory=SandboxConfig, repr=False)
    jobs: AsyncJobs | None = field(default=None, repr=False)  # the job queue and webhooks
    _body: object = field(default=_MISSING, repr=False)

    @property
    def enforce_variant_parameters(self) -> bool:
        return self.config.variant_parameters == "enforce"

    @property
    def body(self) -> Any:
        """The request's JSON, as parsed: its shape is the handler's to check (422 if wrong)."""
        if self._body is _MISSING:
            try:
                self._body = json.loads(self.raw_body or b"null", parse_float=Decimal)
            except (ValueError, UnicodeDecodeError):
                raise Fail(
                    422, err("invalid-request-data", "Malformed JSON in request body.", "payload")
                ) from None
        return self._body

    @property
    def includes(self) -> set[str]:
        raw = self.query.get("include", "")
        return {part.strip().lower() for part in raw.split(",") if part.strip()}

    @overload
    def int_param(self, name: str, default: int) -> int: ...
    @overload
    def int_param(self, name: str, default: None = None) -> int | None: ...
    def int_param(self, name: str, default: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise invalid_parameter(
                name, f'Invalid "{name}" parameter. Expected an integer.'
            ) from None

    def time_param(self, name: str) -> datetime | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return None
        if not _time_form_accepted(name, raw, getattr(self.config, "time_offsets", "documented")):
            raise invalid_parameter(
                name,
                f'Invalid "{name}" parameter. Expected date in ISO 8601 format, e.g. '
                "2017-02-28T17:04:47+0100.",
            )
        try:
            return parse_time(raw)
        except ValueError:
            raise invalid_parameter(
                name,
                f'Invalid "{name}" parameter. Expected date in ISO 8601 format, e.g. '
                "2017-02-28T17:04:47+0100.",
            ) from None

    def page(
        self, items: list[Any], default: int, maximum: int
    ) -> tuple[list[Any], dict[str, Any]]:
        """One page of ``items`` and its paginator; ``itemsPerPage`` above the maximum is
        clamped like Shoptet does; a page past the end is 404 ``page-not-found``."""
        from reconciler.sandbox.render import paginator

        per_page = self.int_param("itemsPerPage", default)
        page = self.int_param("page", 1)
        if per_page < 1 or page < 1:
            raise invalid_parameter(
                "page" if page < 1 else "itemsPerPage",
                "Paging parameters must be positive integers.",
            )
        per_page = min(per_page, maximum)
        total = len(items)
        pages = -(-total // per_page)
        if page > max(pages, 1):
            raise Fail(404, err("page-not-found", f"Page not found, max page is {pages}.", "page"))
        chunk = items[(page - 1) * per_page : page * per_page]
        return chunk, paginator(total, page, per_page, len(chunk))


# The forms Shoptet documents (OpenAPI): changeTimeFrom/creationTimeFrom/changedFrom and the
# other date filters "2017-02-28T17:04:47+0100"; the changes feed's ``from`` also shows
# "2018-01-01T01:01:01+02:00". A '+' that arrived as a space (sent unencoded) is refused.
_DOCUMENTED_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}(:?)\d{2}")


def _time_form_accepted(name: str, raw: str, mode: str) -> bool:
    """Whether the sandbox takes ``raw`` for the date parameter ``name`` (before parsing).
    ``documented`` (the default, strict: only what the OpenAPI file shows), ``any`` (every ISO
    8601 form with an offset), ``no-colon`` (+0100 only), ``colon-only`` (+01:00 only)."""
    if mode == "any":
        return True
    found = _DOCUMENTED_TIME.fullmatch(raw)
    if found is None:
        return False
    colon = bool(found.group(1))
    if mode == "no-colon":
        return not colon
    if mode == "colon-only":
        return colon
    return not colon or name == "from"
