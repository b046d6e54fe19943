"""Round-trip YAML for `import`: edit catalog files in place, keeping comments and key order.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and flow style. Its default
resolver would still turn ``00123`` into ``123`` and ``0012345678905`` into ``12345678905``
on the way through, changing entries nobody asked to touch. ``TextResolver`` types every
plain scalar as text (as ``yamlload.py`` does for validation), so what is not edited is
written back byte for byte, and every value this module writes is text in the spelling the
loader reads (``true``, ``null``, ``189.00``).

Comments between entries belong, in ruamel's tree, to the last key of the entry before
them; ``append`` moves such a trailing comment to the new last key, so a new entry goes
above the comment (and the blank line) that introduces the next one.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.events import AliasEvent, ScalarEvent
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    PlainScalarString,
    SingleQuotedScalarString,
)

__all__ = [
    "CommentedMap",
    "CommentedSeq",
    "append",
    "dump",
    "first_anchor",
    "flow_map",
    "load",
    "plain",
    "quoted",
    "text_block",
]


class TextResolver(VersionedResolver):
    """No implicit types: every plain scalar is text (see the module docstring)."""

    @property
    def versioned_resolver(self) -> dict:
        return {}


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Resolver = TextResolver
    y.preserve_quotes = True
    y.width = 4096  # never fold long lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def read_text(path: Path) -> str:
    """A catalog file's text, never through a symbolic link (``OSError`` ELOOP)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read().decode("utf-8-sig")


def load(path: Path) -> Any:
    return _yaml().load(read_text(path))


def first_anchor(text: str) -> tuple[int, int] | None:
    """Where ``text`` first uses a YAML anchor (``&x``), alias (``*x``) or merge key
    (``<<:``), 1-based (line, column); None when it uses none."""
    for event in YAML(typ="rt", pure=True).parse(io.StringIO(text)):
        merge = isinstance(event, ScalarEvent) and event.value == "<<" and not event.style
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) or merge:
            return event.start_mark.line + 1, event.start_mark.column + 1
    return None


def dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def is_plain(value: Any) -> bool:
    """Text written without quotes (where ``null`` means null)."""
    return isinstance(value, str) and not isinstance(
        value, SingleQuotedScalarString | DoubleQuotedScalarString | LiteralScalarString
    )


def plain(text: str) -> PlainScalarString:
    """Text written without quotes (``true``, ``null``, ``189.00``)."""
    return PlainScalarString(text)


def quoted(text: str) -> DoubleQuotedScalarString:
    """Text written in double quotes (EANs and codes: visibly text)."""
    return DoubleQuotedScalarString(text)


def text_block(text: str) -> Any:
    """Multi-line text as a ``|`` block, else as it is."""
    return LiteralScalarString(text) if "\n" in text else text


def empty_seq() -> CommentedSeq:
    """``[]``: an empty list written inline."""
    return flow_seq([])


def flow_seq(items: list[Any]) -> CommentedSeq:
    """``[a, b]``: a list written inline."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def flow_map(items: dict[str, Any]) -> CommentedMap:
    """A ``{1: 20, 2: 5}`` style mapping."""
    m = CommentedMap(items)
    m.fa.set_flow_style()
    return m


def _deepest(m: Any) -> tuple[Any, Any]:
    """The block mapping and key that end ``m`` (where a trailing comment hangs)."""
    holder, key = None, None
    while isinstance(m, CommentedMap) and len(m) and not m.fa.flow_style():
        holder, key = m, list(m.keys())[-1]
        m = m[key]
    return holder, key


def append(mapping: CommentedMap, key: str, value: Any) -> None:
    """Add ``key: value`` at the end of ``mapping``, keeping the comment that followed the
    old last entry after the new one."""
    holder, last = _deepest(mapping)
    moved = None
    if holder is not None:
        slot = holder.ca.items.get(last)
        if slot and len(slot) > 2 and slot[2] is not None:
            moved, slot[2] = slot[2], None
    mapping[key] = value
    if moved is not None:
        holder, last = _deepest(mapping)
        if holder is not None:
            holder.ca.items.setdefault(last, [None, None, None, None])[2] = moved
