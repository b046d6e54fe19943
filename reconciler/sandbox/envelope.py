"""Shoptet's response envelope and the error the handlers raise."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal


def err(code: str, message: str, instance: str = "unknown") -> dict:
    return {"errorCode": code, "message": message, "instance": instance}


class Fail(Exception):
    """A handler's error answer: HTTP status plus Shoptet ``errors`` items; nothing applied."""

    def __init__(self, status: int, errors: list[dict] | dict):
        self.status = status
        self.errors = [errors] if isinstance(errors, dict) else list(errors)
        super().__init__(f"{status} {self.errors[0]['errorCode'] if self.errors else ''}")


def not_found_product(ident: str) -> Fail:
    return Fail(
        404, err("product-not-found", f'Product with identificator "{ident}" not found.', ident)
    )


def invalid_parameter(name: str, message: str) -> Fail:
    return Fail(400, err("invalid-parameter", message, name))


@dataclass
class Result:
    """What a handler returns: status, ``data`` and per-item ``errors`` (None when empty)."""

    status: int = 200
    data: object = None
    errors: list[dict] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def encode(data, errors, request_id: str) -> bytes:
    body = {"data": data, "errors": errors or None, "metadata": {"requestId": request_id}}
    return json.dumps(body, ensure_ascii=False, default=_default, separators=(",", ":")).encode()
