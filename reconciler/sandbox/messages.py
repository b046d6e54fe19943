"""What the sandbox's two faces hand the core and get back: a request and a response, in
plain bytes and strings, with no HTTP library in between."""

from __future__ import annotations

from dataclasses import dataclass, field

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str  # raw (still percent-encoded) path, no query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fault: str | None = None  # a fault the face must act out (timeout / reset)
