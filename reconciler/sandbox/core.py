"""The sandbox core: one object holds the shop state and answers requests. The two faces
(transport.py for httpx in-process, server.py for HTTP on 127.0.0.1) only translate."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.sandbox import admin, routes
from reconciler.sandbox.auth import OAUTH_PATH, Auth
from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, encode, err
from reconciler.sandbox.faults import APPLYING, FaultSchedule
from reconciler.sandbox.jobs import RESULT_PREFIX, AsyncJobs
from reconciler.sandbox.limits import Limits
from reconciler.sandbox.messages import JSON_TYPE, Request, Response
from reconciler.sandbox.seeds import load_seed
from reconciler.sandbox.state import ShopState

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class Sandbox:
    """A stateful fake Shoptet API. ``Sandbox.from_seed("demo")``; see the package docstring."""

    def __init__(self, state: dict, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self._seed = json.loads(json.dumps(state))
        self._lock = threading.RLock()
        self.limits = Limits(self.config)
        self.auth = Auth(self.config)
        self.faults = FaultSchedule()
        self.request_log: list[dict] = []
        self._index = 0
        self._state = ShopState(state, now=self.config.now)
        self.jobs = AsyncJobs(self.config, state_url=lambda: self._state.doc["eshop"]["url"])

    @classmethod
    def from_seed(
        cls, seed: str | Path = "demo", config: SandboxConfig | None = None, **settings
    ) -> Sandbox:
        """``"demo"``, ``"empty"`` or a state file; ``settings`` are SandboxConfig fields."""
        if settings:
            config = SandboxConfig(**settings) if config is None else config
            for key, value in settings.items():
                setattr(config, key, value)
        return cls(load_seed(seed), config)

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict:
        """The whole shop in the documented JSON state format (= GET /_sandbox/state)."""
        with self._lock:
            return self._state.dump()

    def load_state(self, doc: dict) -> None:
        """Replace the shop (StateError when ``doc`` is not in the state format)."""
        new = ShopState(doc, now=self.config.now)
        with self._lock:
            self._state = new

    def reset(self) -> None:
        """Back to the seed; forget the request log, faults, buckets and issued tokens."""
        with self._lock:
            self._state = ShopState(self._seed, now=self.config.now)
            self.request_log = []
            self._index = 0
        self.faults.set([])
        self.jobs.reset()
        self.limits.reset()
        self.auth.reset()

    @property
    def counters(self) -> dict:
        with self._lock:
            log = list(self.request_log)
        by_status: dict[str, int] = {}
        for entry in log:
            key = str(entry["status"]) if entry["status"] is not None else "none"
            by_status[key] = by_status.get(key, 0) + 1
        return {
            "requests": len(log),
            "writes": sum(1 for e in log if e["wrote"]),
            "faults": sum(1 for e in log if e["fault"]),
            "byStatus": by_status,
        }

    # -- faces -----------------------------------------------------------------------------
    def transport(self):
        from reconciler.sandbox.transport import SandboxTransport

        return SandboxTransport(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0):
        from reconciler.sandbox.server import SandboxServer

        return SandboxServer(self, host, port)

    # -- requests --------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        method = req.method.upper()
        if req.path.startswith("/_sandbox/") or req.path == "/_sandbox":
            return admin.handle(self, method, req)
        if req.path.startswith(RESULT_PREFIX):  # a job result, on the e-shop's own origin only
            return self.jobs.download(req)
        if self._on_eshop_origin(req):  # the e-shop's host serves no API
            missing = err("endpoint-not-found", f"{method} {req.path} is not available.", req.path)
            return Response(404, {"Content-Type": JSON_TYPE}, encode(None, [missing], "eshop-host"))
        with self._lock:
            self._index += 1
            index = self._index
        request_id = f"019c8c34-64f3-7328-af43-{index:012x}"
        entry = {
            "index": index,
            "method": method,
            "path": req.path,
            "status": None,
            "wrote": False,
            "fault": None,
            "requestId": request_id,
        }
        try:
            response = self._handle(req, method, index, request_id, entry)
        finally:
            with self._lock:
                self.request_log.append(entry)
        response.headers.setdefault("X-Request-ID", request_id)
        entry["status"] = None if response.fault else response.status
        return response

    def _on_eshop_origin(self, req: Request) -> bool:
        host = req.headers.get("host", "").lower()
        return bool(host) and host == urlsplit(self.jobs.origin()).netloc.lower()

    def _handle(
        self, req: Request, method: str, index: int, request_id: str, entry: dict
    ) -> Response:
        if req.path.rstrip("/") == OAUTH_PATH:
            status, body = self.auth.issue(req.headers.get("authorization"))
            return Response(status, {"Content-Type": JSON_TYPE}, json.dumps(body).encode())
        try:
            key = self.auth.check(req.headers)
        except Fail as fail:
            return self._envelope(Result(fail.status, None, fail.errors), request_id, None)
        no_rights = any(req.path.startswith(prefix) for prefix in self.config.forbidden) or (
            method in WRITE_METHODS
            and any(req.path.startswith(prefix) for prefix in self.config.read_only_rights)
        )
        if no_rights:  # a token whose endpoint group (or its write half) was removed
            denied = err(
                "invalid-token-no-rights",
                "Your access token has no defined rights for this resource.",
                "access-token",
            )
            return self._envelope(Result(403, None, [denied]), request_id, key)
        if not self.limits.enter(key):
            return self._envelope(
                Result(
                    429,
                    None,
                    [
                        err(
                            "too-many-requests",
                            "Too many concurrent requests for this token.",
                            "unknown",
                        )
                    ],
                ),
                request_id,
                key,
            )
        try:
            return self._admitted(req, method, index, request_id, entry, key)
        finally:
            self.limits.leave(key)

    def _admitted(self, req, method, index, request_id, entry, key) -> Response:
        if self.limits.bucket_full(key):
            return self._envelope(
                Result(
                    429,
                    None,
                    [err("too-many-requests", "Leaky bucket is full. Slow down.", "unknown")],
                ),
                request_id,
                key,
            )
        fault = self.faults.pick(index, method, req.path)
        entry["fault"] = fault
        if fault and fault.isdigit():
            self.limits.charge(key)
            code = {"429": "too-many-requests", "423": "locked"}.get(fault, "server-error")
            return self._envelope(
                Result(int(fault), None, [err(code, f"Injected fault {fault}.", "unknown")]),
                request_id,
                key,
            )
        if fault in ("timeout", "reset_before"):
            return Response(0, fault=fault)
        url = f"{method} {req.path}?{sorted(req.query.items())}"
        is_write = method in WRITE_METHODS
        if is_write and not self.limits.lock_write(url):
            return self._envelope(
                Result(
                    423,
                    None,
                    [err("locked", "The same request is already being processed.", "unknown")],
                ),
                request_id,
                key,
            )
        try:
            if self.config.latency:
                self.config.sleep(self.config.real(self.config.latency))
            result, wrote = self._dispatch(req, method, request_id)
        finally:
            if is_write:
                self.limits.unlock_write(url)
        entry["wrote"] = wrote
        self.limits.charge(key)
        if fault in APPLYING:
            return Response(0, fault=fault)
        return self._envelope(result, request_id, key)

    def _dispatch(self, req: Request, method: str, request_id: str) -> tuple[Result, bool]:
        path = req.path
        if self.config.slash_in_path == "decoded":
            path = path.replace("%2F", "/").replace("%2f", "/")
        handler, params, template = routes.match(method, path)
        if handler is None:
            status = 405 if template else 404
            code = "method-not-allowed" if template else "endpoint-not-found"
            return Result(
                status, None, [err(code, f"{method} {req.path} is not available.", req.path)]
            ), False
        with self._lock:
            state = self._state
            self.jobs.settle(state)  # finished write jobs (image adds) take effect first
            before = state.doc["clock"].get("last")
            ctx = Ctx(
                state,
                method,
                req.path,
                req.query,
                params,
                req.body,
                request_id,
                self.config,
                jobs=self.jobs,
            )
            try:
                result = handler(ctx)
            except Fail as fail:
                result = Result(fail.status, None, fail.errors)
            except Exception as exc:  # a sandbox bug must still answer, never kill the server
                result = Result(
                    500,
                    None,
                    [
                        err(
                            "server-error",
                            f"Sandbox internal error: {type(exc).__name__}: {exc}",
                            req.path,
                        )
                    ],
                )
            return result, state.doc["clock"].get("last") != before

    def _envelope(self, result: Result, request_id: str, key: str | None) -> Response:
        headers = {"Content-Type": JSON_TYPE, **result.headers}
        headers.update(self.limits.headers(key or "anonymous"))
        return Response(result.status, headers, encode(result.data, result.errors, request_id))
