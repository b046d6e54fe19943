"""A product file cut into one block a product, by its text alone (issue 16).

A plainly laid out product file is ``products:`` and then one block a product, each starting
with a line ``  <guid>:`` and running to the next. In a file without anchors, aliases, tags or
merge keys a block means the same wherever it stands, so the text of a block is a product:
``--changed-since`` takes a product whose block is the same at the base as in the working tree
from the working tree's load (``scope``), and ``plan --parse-cache`` keeps each product by its
block's text (``block_cache``). Neither trusts the cut blindly: a block is only ever used as a
product where a parser found that product on the block's first line.
"""

from __future__ import annotations

import re

__all__ = ["HEAD_NODES", "split_blocks"]

# A header line, found by the line end before it (a literal prefix the regex engine searches
# for quickly; a header is never the first line, ``products:`` is).
_HEADER = re.compile(
    r"\n  ([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}):[ \t]*(?=\n)"
)
# Anchors and aliases (``&a``, ``*a``), tags (``!``), merge keys, CR line ends: text that may
# make a block's meaning depend on another (a false alarm only costs the speed-up).
_ANCHOR_OR_ALIAS = re.compile(r"[&*]\S")


def _not_plain(text: str) -> bool:
    if "!" in text or "<<" in text or "\r" in text:  # substring tests: far quicker than a scan
        return True
    return ("&" in text or "*" in text) and _ANCHOR_OR_ALIAS.search(text) is not None


# Before the first header: comments, blank lines and the ``products:`` line, nothing else.
_HEAD = re.compile(
    r"(?:[ \t]*(?:#[^\n]*)?\n)*products:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*"
)

# A product file's nodes outside its product blocks: the top mapping, ``products`` and the
# mapping it holds (``_HEAD`` allows nothing else before the first block).
HEAD_NODES = 3


def split_blocks(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(the text before the first header, [(guid, block)]) or None when the file is not
    plainly laid out (comments and ``products:`` first, a line end last, no GUID twice)."""
    if not text.endswith("\n") or _not_plain(text):
        return None
    starts = [(m.start() + 1, m.group(1)) for m in _HEADER.finditer(text)]
    if not starts or len({g for _, g in starts}) != len(starts):
        return None
    if not _HEAD.fullmatch(text, 0, starts[0][0]):
        return None
    ends = [i for i, _ in starts[1:]] + [len(text)]
    blocks = [(g, text[i:end]) for (i, g), end in zip(starts, ends, strict=True)]
    return text[: starts[0][0]], blocks
