"""Read one YAML file into plain data that remembers where every key and value was written.

The YAML is parsed by ruamel.yaml (YAML 1.2) only as far as its node tree (``compose``); this
module turns nodes into data itself, so nothing is coerced behind our back:

* every *plain* scalar is text exactly as written (``00123``, ``1e5``, ``NO``, ``12:30``,
  ``0x1F`` stay text), except the YAML null spellings (empty, ``~``, ``null``, ``Null``,
  ``NULL``) which become ``None``; quoted and block scalars are always text. Booleans, numbers
  and decimals are parsed from that text by the model layer, so they never pass through float;
* all text (keys and values) is normalised to Unicode NFC; text Shoptet cannot store is a
  located problem: a lone surrogate (``"\\ud800"``, half of a UTF-16 pair, not a character),
  NUL and the other C0 control characters except tab, newline and carriage return, and DEL
  (YAML refuses these written raw; its double-quoted escapes such as ``"\\0"`` or ``"\\e"``
  can still produce them);
* mapping keys are always text; a duplicate key is a problem naming both positions; YAML merge
  keys (``<<: *defaults``) work, and merged values keep the position they were written at;
* resource limits: file size, nesting depth and the total size after alias expansion are capped,
  so an alias bomb fails fast with a located problem instead of eating memory.

Results are ``LMap`` (a dict) and ``LSeq`` (a list) carrying 1-based ``(line, column)``
positions. Problems are ``reconciler.errors.Problem``; this module never raises for bad input.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from reconciler.errors import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000
NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "merge", "map", "seq")
)

Pos = tuple[int, int]


class LMap(dict):
    """A mapping with the position of the mapping itself, of each key and of each value."""

    pos: Pos
    key_pos: dict[str, Pos]
    val_pos: dict[str, Pos]


class LSeq(list):
    """A list with the position of the list and of each item."""

    pos: Pos
    item_pos: list[Pos]


class _Stop(Exception):
    """Internal: a limit was hit; the problem is already recorded."""


def _pos(mark: Any) -> Pos:
    return (mark.line + 1, mark.column + 1)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# C0 controls except tab, newline and carriage return, plus DEL; and the UTF-16 surrogates.
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored in Shoptet (a message for the user), or None."""
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return (
            f"this text contains a lone surrogate ({code}, half of a UTF-16 pair, not a "
            "character), which Shoptet cannot store; write the character itself or remove the "
            "escape"
        )
    return (
        f"this text contains the control character {code}, which Shoptet cannot store; "
        "remove it (of the control characters only tab and line breaks are allowed)"
    )


def _line_col(text: str, index: int) -> Pos:
    before = text[:index]
    line = before.count("\n") + 1
    return (line, index - (before.rfind("\n") + 1) + 1)


class _Converter:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.nodes = 0

    def problem(self, pos: Pos, message: str) -> None:
        self.problems.append(Problem(self.file, pos[0], pos[1], message))

    def text(self, value: str, pos: Pos) -> str:
        """A scalar's text in NFC; text Shoptet cannot store is a problem (and is replaced,
        so nothing later trips over a lone surrogate when it encodes the text). A valid
        escaped UTF-16 pair (``"\\ud83d\\ude00"``, as JSON writes it) is the one character."""
        if any("\ud800" <= c <= "\udfff" for c in value):
            with contextlib.suppress(UnicodeDecodeError):  # a lone one: reported below
                value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        why = text_problem(value)
        if why is not None:
            self.problem(pos, why)
            value = _BAD_TEXT.sub("\ufffd", value)
        return _nfc(value)

    def measure(self, node: Any, memo: dict[int, int], open_: set[int], depth: int = 0) -> int:
        """The number of values ``node`` expands to (aliases counted in full), checked
        against the limits before anything is built, so an alias bomb costs almost nothing."""
        key = id(node)
        if key in memo:
            return memo[key]
        if key in open_:
            self.problem(_pos(node.start_mark), "an alias refers to a node that contains it")
            raise _Stop
        if depth > MAX_DEPTH:
            self.problem(_pos(node.start_mark), f"nesting deeper than {MAX_DEPTH} levels")
            raise _Stop
        open_.add(key)
        if isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        else:
            children = []
        total = 1 + sum(self.measure(child, memo, open_, depth + 1) for child in children)
        open_.discard(key)
        if total > MAX_NODES:
            self.problem(
                _pos(node.start_mark),
                f"this expands to more than {MAX_NODES} values through aliases (an alias "
                "bomb?); write the values out or split the file",
            )
            raise _Stop
        memo[key] = total
        return total

    def convert(self, node: Any, depth: int = 0) -> Any:
        pos = _pos(node.start_mark)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.problem(
                pos,
                f"the document expands to more than {MAX_NODES} values (too many aliases? "
                "an alias bomb?); split it or write the values out",
            )
            raise _Stop
        if depth > MAX_DEPTH:
            self.problem(pos, f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?)")
            raise _Stop
        tag = str(getattr(node.tag, "value", node.tag) or "")
        if tag.startswith("!") or (tag.startswith("tag:") and tag not in _CORE_TAGS):
            self.problem(pos, f"unsupported YAML tag '{tag}'; remove it")
        if isinstance(node, ScalarNode):
            if node.style is None and node.value in NULLS:
                return None
            return self.text(node.value, pos)
        if isinstance(node, SequenceNode):
            seq = LSeq()
            seq.pos, seq.item_pos = pos, []
            for item in node.value:
                seq.append(self.convert(item, depth + 1))
                seq.item_pos.append(_pos(item.start_mark))
            return seq
        if isinstance(node, MappingNode):
            return self.convert_map(node, pos, depth)
        self.problem(pos, "unsupported YAML node")  # pragma: no cover - ruamel has no others
        return None

    def convert_map(self, node: MappingNode, pos: Pos, depth: int) -> LMap:
        out = LMap()
        out.pos, out.key_pos, out.val_pos = pos, {}, {}
        merges: list[tuple[Pos, Any]] = []
        for key_node, value_node in node.value:
            key_pos = _pos(key_node.start_mark)
            if not isinstance(key_node, ScalarNode):
                self.problem(key_pos, "a key must be plain text, not a list or mapping")
                continue
            key = self.text(key_node.value, key_pos)
            if key_node.style is None and key == "<<":
                if merges:
                    self.problem(key_pos, "only one merge key (<<) per mapping; list the aliases")
                merges.append((key_pos, value_node))
                continue
            if key in out:
                first = out.key_pos[key]
                self.problem(
                    key_pos,
                    f"duplicate key '{key}' (first defined at {self.file}:{first[0]}:{first[1]})",
                )
                continue
            out[key] = self.convert(value_node, depth + 1)
            out.key_pos[key] = key_pos
            out.val_pos[key] = _pos(value_node.start_mark)
        for key_pos, value_node in merges[:1]:
            self.merge(out, key_pos, value_node, depth)
        return out

    def merge(self, out: LMap, key_pos: Pos, value_node: Any, depth: int) -> None:
        """YAML merge keys: ``<<: *defaults`` or ``<<: [*a, *b]`` add the keys the mapping
        does not set itself (earlier sources win); positions point at where each value was
        written."""
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.problem(
                    key_pos, "a merge key (<<) takes an alias of a mapping, e.g. <<: *defaults"
                )
                return
            merged = self.convert(source, depth + 1)
            for key, value in merged.items():
                if key not in out:
                    out[key] = value
                    out.key_pos[key] = merged.key_pos[key]
                    out.val_pos[key] = merged.val_pos[key]


def _syntax_problem(file: str, text: str, err: Exception) -> Problem:
    if isinstance(err, MarkedYAMLError) and err.problem_mark is not None:
        line, col = _pos(err.problem_mark)
        what = err.problem or "invalid YAML"
        if "maximum depth" in what:
            what = f"nesting deeper than {MAX_DEPTH} levels"
        elif "expected a single document" in (err.context or ""):
            what = "only one YAML document per file (found a second '---')"
        elif err.context:
            what = f"{err.context}: {what}"
        if "'\\t'" in what:
            what += " (indent with spaces, not tabs)"
    else:
        index = getattr(err, "position", None)
        line, col = _line_col(text, index) if isinstance(index, int) else (1, 1)
        what = str(getattr(err, "reason", "") or err).splitlines()[0] or "invalid YAML"
        character = getattr(err, "character", None)
        if isinstance(character, int):
            what = f"character {chr(character)!r} is not allowed in YAML text"
    return Problem(file, line, col, f"YAML syntax error: {' '.join(what.split())}")


def load_yaml(file: str, data: bytes) -> tuple[Any, list[Problem]]:
    """Parse one YAML document from ``data``; ``file`` is the name used in problems.

    Returns ``(document, problems)``; the document is ``None`` when it is empty or unusable.
    """
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Problem(
                file, 1, 1, f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB; split it"
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, col = _line_col(data[: err.start].decode("utf-8", "replace"), err.start)
        return None, [Problem(file, line, col, "file is not valid UTF-8 text")]
    yaml = YAML(typ="rt", pure=True)
    yaml.max_depth = MAX_DEPTH
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = yaml.compose(io.StringIO(text))
    except (YAMLError, RecursionError, ValueError, TypeError, AttributeError, IndexError) as err:
        # ruamel raises YAMLError for bad input; the others guard against parser bugs on
        # arbitrary bytes (the fuzz test feeds mutated files) so no traceback ever escapes.
        return None, [_syntax_problem(file, text, err)]
    if root is None:
        return None, []
    converter = _Converter(file)
    try:
        converter.measure(root, {}, set())
        document = converter.convert(root)
    except _Stop:
        document = None
    return document, converter.problems
