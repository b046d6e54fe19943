"""Keeping tokens out of everything the tool says.

Every token the client holds is wrapped in :class:`Secret` (whose ``repr``/``str`` are
``'***'``) and registered here as it becomes known (private token, OAuth token, each minted API
access token). :func:`redact` replaces any registered value in a text; the client runs every
exception message through it, and :class:`RedactingFilter` does the same for log records of the
client's loggers (and httpx's), so a token that slipped into a message or a log argument is
masked before any handler sees it.
"""

from __future__ import annotations

import logging
import threading

MASK = "***"

_lock = threading.Lock()
_secrets: set[str] = set()


class Secret:
    """A credential. Only :meth:`reveal` gives the value; everything else shows ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value
        register(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # never pickle a credential into a file
        raise TypeError("a Secret cannot be pickled")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo) -> Secret:  # dataclasses.asdict(config) deep-copies values
        return self


def token_problem(value: str) -> str | None:
    """What makes ``value`` unusable as a token, without showing any of it; None if usable.

    Shoptet's tokens are printable ASCII (letters, digits, ``-``; notes §1), and a token travels
    in an HTTP header, where a line break could add a header of its own and non-ASCII has no
    defined encoding. The docs do not list the allowed characters, so the strict choice: only
    visible ASCII (``!`` to ``~``) passes; spaces, tabs, line breaks, other control characters
    and non-ASCII are refused. Only the kind and position are named, never the character.
    """
    for i, c in enumerate(value, 1):
        if "!" <= c <= "~":
            continue
        if c in "\r\n\u2028\u2029\x85":
            kind = "a line break"
        elif c == "\t":
            kind = "a tab"
        elif c == " ":
            kind = "a space"
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            kind = "a control character"
        else:
            kind = "a non-ASCII character"
        return f"contains {kind} at character {i} of {len(value)}"
    return None


def register(value: str | None) -> None:
    """Remember ``value`` as secret, so :func:`redact` masks it from now on."""
    if value and len(value) >= 4:  # masking 1-3 character strings would garble ordinary text
        with _lock:
            _secrets.add(value)


def redact(text: object) -> str:
    """``text`` as a string with every registered secret replaced by ``***``."""
    out = str(text)
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        if value in out:
            out = out.replace(value, MASK)
    return out


class RedactingFilter(logging.Filter):
    """Masks registered secrets in a record's message and arguments (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact(record.msg)
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """A logger with the redacting filter attached (idempotent)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


for _name in ("httpx", "httpcore"):
    get_logger(_name)
