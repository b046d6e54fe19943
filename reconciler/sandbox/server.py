"""The HTTP face: a threaded server on 127.0.0.1 over the same core (keep-alive HTTP/1.1)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from reconciler.sandbox.messages import Request

if TYPE_CHECKING:
    from reconciler.sandbox.core import Sandbox

MAX_BODY = 20 * 1024 * 1024


class _Dropped(Exception):
    """The connection was dropped on purpose (a scheduled fault)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall
    server_version = "shoptet-sandbox"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):  # the core keeps the request log
        pass

    def _serve(self) -> None:
        sandbox: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "request body too large")
            return
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        req = Request(
            method=self.command,
            path=path,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = sandbox.handle(req)
        if response.fault in ("timeout", "timeout_after"):
            sandbox.config.sleep(sandbox.config.real(sandbox.config.timeout_hold))
            self._drop(reset=False)
        if response.fault in ("reset_before", "reset_after"):
            self._drop(reset=True)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _drop(self, *, reset: bool) -> None:
        if reset:  # SO_LINGER 0: close() sends RST, the client sees "connection reset"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        raise _Dropped

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except _Dropped:
            self.close_connection = True

    def finish(self):
        with contextlib.suppress(OSError):
            super().finish()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):  # resets and hang-ups are expected
        pass


class SandboxServer:
    """A running server: ``url``, ``close()``, usable as a context manager.

    A second server on another port of the same host is the e-shop's own origin
    (``results_url``): it serves job results and nothing else, so a client's host check of a
    result URL is a real one. Unless the config names a ``result_origin``, ``GET /api/eshop``
    then reports it as the e-shop's URL."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0):
        self.sandbox = sandbox
        self._httpd = _Server((host, port), _Handler)
        self._httpd.sandbox = sandbox  # type: ignore[attr-defined]
        host, port = self._httpd.socket.getsockname()[:2]  # AF_INET: (str, int)
        self.host: str = host
        self.port: int = port
        self.url = f"http://{self.host}:{self.port}"
        self._results = _Server((host, 0), _Handler)
        self._results.sandbox = sandbox  # type: ignore[attr-defined]
        self.results_url = f"http://{host}:{self._results.socket.getsockname()[1]}"
        self._set_origin = sandbox.config.result_origin is None
        if self._set_origin:
            sandbox.config.result_origin = self.results_url
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                daemon=True,
                name=name,
            )
            for server, name in ((self._httpd, "shoptet-sandbox"), (self._results, "eshop-host"))
        ]
        self._thread = self._threads[0]
        for thread in self._threads:
            thread.start()

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI uses this)."""
        self._thread.join()

    def close(self) -> None:
        for server, thread in zip((self._httpd, self._results), self._threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        if self._set_origin:
            self.sandbox.config.result_origin = None

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
