"""``/_sandbox/`` (sandbox only, plain JSON, no auth, never counted or rate-limited):

GET  /_sandbox/state     the state (documented format)   PUT /_sandbox/state   load one
GET  /_sandbox/faults    pending faults                  PUT /_sandbox/faults  replace them
GET  /_sandbox/log       {"requests": [...], "counters": {...}}
GET  /_sandbox/config    tunable settings                PATCH /_sandbox/config  change some
POST /_sandbox/reset     back to the seed; log, faults, buckets and tokens cleared
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from reconciler.sandbox.config import (
    JOB_OUTCOMES,
    TUNABLE,
    VARIANT_PARAMETER_MODES,
    public_settings,
)
from reconciler.sandbox.faults import FaultError
from reconciler.sandbox.messages import JSON_TYPE, Request, Response
from reconciler.sandbox.state import StateError

if TYPE_CHECKING:
    from reconciler.sandbox.core import Sandbox


def _json(status: int, body) -> Response:
    return Response(
        status, {"Content-Type": JSON_TYPE}, json.dumps(body, ensure_ascii=False).encode()
    )


def _body(req: Request):
    try:
        return json.loads(req.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise StateError("request body is not valid JSON") from None


def _kind(key: str) -> type:
    return bool if key == "limits" else (int if key == "max_concurrent" else float)


def handle(sb: Sandbox, method: str, req: Request) -> Response:
    name = req.path.rstrip("/").removeprefix("/_sandbox").strip("/")
    try:
        return _route(sb, method, name, req)
    except (StateError, FaultError, ValueError, TypeError) as exc:
        return _json(400, {"error": str(exc)})


def _route(sb: Sandbox, method: str, name: str, req: Request) -> Response:
    if name == "state" and method == "GET":
        return _json(200, sb.state())
    if name == "state" and method == "PUT":
        sb.load_state(_body(req))
        return _json(200, {"ok": True})
    if name == "faults" and method == "GET":
        return _json(200, {"faults": sb.faults.pending()})
    if name == "faults" and method == "PUT":
        body = _body(req)
        sb.faults.set(body.get("faults") if isinstance(body, dict) else body)
        return _json(200, {"faults": sb.faults.pending()})
    if name == "log" and method == "GET":
        with sb._lock:
            requests = [dict(e) for e in sb.request_log]
        return _json(200, {"requests": requests, "counters": sb.counters})
    if name == "config" and method == "GET":
        return _json(200, public_settings(sb.config))
    if name == "config" and method == "PATCH":
        changes = _body(req)
        if not isinstance(changes, dict) or set(changes) - set(TUNABLE):
            raise ValueError(f"config takes an object with keys from: {', '.join(TUNABLE)}")
        before = public_settings(sb.config)
        for key, value in changes.items():
            if key == "variant_parameters":
                if value not in VARIANT_PARAMETER_MODES:
                    raise ValueError(f"{key} must be one of {', '.join(VARIANT_PARAMETER_MODES)}")
                continue
            if key == "job_outcome":
                if value not in JOB_OUTCOMES:
                    raise ValueError(f"{key} must be one of {', '.join(JOB_OUTCOMES)}")
                continue
            kind = _kind(key)
            if isinstance(value, bool) != (kind is bool) or not isinstance(value, int | float):
                raise ValueError(f"{key} must be a {kind.__name__}")
        for key, value in changes.items():
            textual = key in ("variant_parameters", "job_outcome")
            setattr(sb.config, key, value if textual else _kind(key)(value))
        try:
            sb.config.__post_init__()
        except ValueError:
            for key, value in before.items():
                setattr(sb.config, key, value)
            raise
        return _json(200, public_settings(sb.config))
    if name == "reset" and method == "POST":
        sb.reset()
        return _json(200, {"ok": True})
    return _json(404, {"error": f"unknown admin call {method} /_sandbox/{name}"})
