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

Speed: most catalog files (every file ``import`` writes) use plain YAML without anchors, tags
or merge keys. Those are built straight from libyaml's event stream (PyYAML's C parser), about
ten times faster than ruamel's pure-Python composer. The fast path only ever *accepts*: on
anything it does not handle itself, and on any problem at all, the file is read again by the
exact path above, so every problem message, position and limit is the exact path's. The
equivalence of the two on accepted files is a test (tests/desired/test_fast_yaml.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import unicodedata
import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from reconciler.errors import Problem

try:  # libyaml, through PyYAML; without it every file takes the exact path
    from yaml import YAMLError as _CYAMLError  # type: ignore[import-untyped]
    from yaml._yaml import CParser as _CParser  # type: ignore[import-untyped]
    from yaml.events import (  # type: ignore[import-untyped]
        DocumentEndEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )
except ImportError:  # pragma: no cover - PyYAML is a dependency; a build without libyaml
    _CParser = None

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
    """A mapping with the position of the mapping itself, of each key and of each value.

    ``sizes``: on a mapping directly under the document's top mapping (a file's ``products:``)
    read by the fast path, the nodes each entry counts toward ``MAX_NODES`` (its key and
    everything under it); ``--changed-since`` adds them up for blocks it does not parse again."""

    pos: Pos
    key_pos: dict[str, Pos]
    val_pos: dict[str, Pos]
    sizes: dict[str, int] | None = None


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
            value = node.value
            if node.style == ">":  # ruamel's round-trip scanner marks folded line breaks with BEL
                value = value.replace("\a", "")
            return self.text(value, pos)
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
            key = sys.intern(self.text(key_node.value, key_pos))
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


def _content(line: str) -> str:
    """A source line without its comment and trailing space (a rough cut: '#' after a space)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].rstrip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _line_above(lines: list[str], index: int) -> int | None:
    """The 0-based index of the nearest line above ``index`` with content, or None."""
    for i in range(min(index, len(lines)) - 1, -1, -1):
        if _content(lines[i]).strip():
            return i
    return None


def _key_of(line: str) -> str:
    body = _content(line).strip()
    body = body[2:].lstrip() if body.startswith("- ") else body
    return body.split(":", 1)[0].strip() if ":" in body else body


_KEY_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s:#][^:#]*?:(?:\s|$)")


def _missing_colon(lines: list[str], index: int) -> tuple[Pos, str] | None:
    """When line ``index`` is text where a ``key: value`` belongs (``name x``, ``name:x``),
    the plain-words problem for it."""
    body = _content(lines[index])
    if not body.strip() or _KEY_VALUE.match(body) or body.strip().startswith(("-", "[", "{")):
        return None
    col = _indent(body) + 1
    text = body.strip()
    glued = re.match(r"^([^\s:]+):(\S.*)$", text)
    if glued:
        return (index + 1, col + len(glued.group(1))), (
            f"'{text}' has no space after ':'; a key needs ': ' (colon and space) before its "
            f"value: write '{glued.group(1)}: {glued.group(2)}'"
        )
    first, _, rest = text.partition(" ")
    fix = f"'{first}: {rest.strip()}'" if rest.strip() else f"'{first}:'"
    return (index + 1, col), (
        f"'{text}' is missing the ':' after the key; write {fix} (a key, a colon, a space, "
        "then the value)"
    )


def _text_start(lines: list[str], index: int) -> int | None:
    """When line ``index`` continues a plain text value written on a ``key: value`` line
    above it (indented more, no ':' of its own), the index of that line, else None."""
    i = index
    while i is not None and not _KEY_VALUE.match(_content(lines[i])):
        prev = _line_above(lines, i)
        if prev is None or _indent(lines[i]) <= _indent(lines[prev]):
            return None
        i = prev
    if i is None or i == index or not _content(lines[i]).split(":", 1)[1].strip():
        return None
    return i


def _explain(text: str, err: MarkedYAMLError) -> tuple[Pos, str] | None:
    """Plain words for the usual indentation and colon mistakes, located at the line that is
    actually wrong (the parser often notices one line later). None when not recognised."""
    lines = text.splitlines()
    mark = err.problem_mark
    line, col = _pos(mark)
    what = err.problem or ""
    here = lines[mark.line] if mark.line < len(lines) else ""
    if "'\\t'" in what or "\t" in what:
        return (line, col), (
            "a tab is used for indentation here; YAML indents with spaces only: replace the tab "
            "with spaces so the key lines up with the keys around it"
        )
    if "could not find expected ':'" in what and err.context_mark is not None:
        start = err.context_mark.line
        if start < len(lines):
            found = _missing_colon(lines, start)
            if found is not None:
                return found
    if what == "mapping values are not allowed here":
        above = _line_above(lines, mark.line)
        start = _text_start(lines, above) if above is not None else None
        if start is not None:
            return (line, col), (
                f"this ': ' is read as part of the text that starts on line {start + 1} "
                f"('{_key_of(lines[start])}'); if this line is a new key, indent it like the "
                "keys around it; if it is text, put the whole value in quotes"
            )
        if above is not None:
            found = _missing_colon(lines, above)
            if found is not None:
                return found
            if _indent(here) > _indent(lines[above]) and _KEY_VALUE.match(lines[above]):
                key, sibling = _key_of(here), _key_of(lines[above])
                return (line, _indent(here) + 1), (
                    f"'{key}' is indented more than '{sibling}' on line {above + 1} above it, "
                    "which already has a value; keys of one mapping must start in the same "
                    f"column: move '{key}' to column {_indent(lines[above]) + 1}"
                )
        found = _missing_colon(lines, mark.line)
        if found is not None:
            return found
    if "while parsing a flow" in (err.context or "") and err.context_mark is not None:
        opened = err.context_mark
        bracket, close = ("[", "]") if "sequence" in (err.context or "") else ("{", "}")
        return _pos(opened), (
            f"the '{bracket}' on line {opened.line + 1} is never closed with '{close}' (the "
            f"parser gave up on line {line}); close it, or quote the text if the '{bracket}' "
            "is meant literally"
        )
    if (err.context or "").startswith("while parsing a block") and "expected <block end>" in what:
        above = _line_above(lines, mark.line)
        key = _key_of(here)
        if above is not None and _indent(here) < _indent(lines[above]):
            outer = (err.context_mark.column + 1) if err.context_mark is not None else None
            also = f" (or column {outer} if it belongs to the level above)" if outer else ""
            return (line, _indent(here) + 1), (
                f"'{key}' is indented less than '{_key_of(lines[above])}' on line {above + 1} "
                "above it; keys of one mapping must start in the same column: move "
                f"'{key}' to column {_indent(lines[above]) + 1}{also}"
            )
        if above is not None and _indent(here) > _indent(lines[above]):
            return (line, _indent(here) + 1), (
                f"'{key}' is indented more than '{_key_of(lines[above])}' on line {above + 1} "
                "above it; keys of one mapping must start in the same column: move "
                f"'{key}' to column {_indent(lines[above]) + 1}"
            )
    return None


def _syntax_problem(file: str, text: str, err: Exception) -> Problem:
    if isinstance(err, MarkedYAMLError) and err.problem_mark is not None:
        explained = _explain(text, err)
        if explained is not None:
            (line, col), what = explained
            return Problem(file, line, col, f"YAML syntax error: {what}")
        line, col = _pos(err.problem_mark)
        what = err.problem or "invalid YAML"
        if "maximum depth" in what:
            what = f"nesting deeper than {MAX_DEPTH} levels"
        elif "expected a single document" in (err.context or ""):
            what = "only one YAML document per file (found a second '---')"
        elif err.context:
            what = f"{err.context}: {what}"
        if "alias" in what:
            what += " (an alias *name needs an anchor &name earlier in the same file)"
        elif not what.startswith(("nesting", "only one")):
            what += (
                " (check this line and the one above it: keys of one mapping start in the "
                "same column, indented with spaces, each followed by ': ')"
            )
    else:
        index = getattr(err, "position", None)
        line, col = _line_col(text, index) if isinstance(index, int) else (1, 1)
        what = str(getattr(err, "reason", "") or err).splitlines()[0] or "invalid YAML"
        character = getattr(err, "character", None)
        if isinstance(character, int):
            what = f"character {chr(character)!r} is not allowed in YAML text"
    return Problem(file, line, col, f"YAML syntax error: {' '.join(what.split())}")


def source_excerpt(text: str, line: int, column: int) -> list[str]:
    """The source line ``line`` (1-based) and a caret under ``column``, for a terminal; tabs
    and control characters are shown escaped (``\\t``) and the caret follows them."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return []
    source = lines[line - 1]

    def show(part: str) -> str:
        return "".join(
            c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" if ord(c) <= 0xFF
            else f"\\u{ord(c):04x}"
            for c in part
        )

    prefix = show(source[: max(column - 1, 0)])
    return [f"  {show(source)}", f"  {' ' * len(prefix)}^"]


def problem_excerpt(problem: Problem) -> list[str]:
    """For a YAML syntax error, the offending source line with a caret under the column
    (read again from the file; nothing when it cannot be read or it is another problem)."""
    if not problem.message.startswith("YAML syntax error"):
        return []
    try:
        with open(problem.file, "rb") as f:
            text = f.read(MAX_EXCERPT_READ).decode("utf-8-sig", "replace")
    except OSError:
        return []
    return source_excerpt(text, problem.line, problem.column)


MAX_EXCERPT_READ = 4 * 1024 * 1024  # a catalog file is at most 2 MiB; never read more


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
    if _CParser is not None and os.environ.get("SHOPTET_YAML_EXACT") != "1":
        fast = _fast_load(text)
        if fast is not _UNDECIDED:
            return fast, []
    return _exact_load(file, text)


def _exact_load(file: str, text: str) -> tuple[Any, list[Problem]]:
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


# ---------------------------------------------------------------------------------------------
# The fast path: libyaml events straight into LMap/LSeq, for files that need none of the exact
# path's special handling. It returns _UNDECIDED whenever it is not sure; it never reports.

_UNDECIDED: Any = object()
# YAML 1.1 (libyaml) reads NEL, LS and PS as line breaks, YAML 1.2 (ruamel) as text; the two
# also differ on where a tab may stand.
_ONLY_EXACT = re.compile("[\t\x85\u2028\u2029]")


class _Undecided(Exception):
    pass


def _fast_text(value: str) -> str:
    if value.isascii():  # ASCII is always NFC; only control characters can be wrong
        if _BAD_TEXT.search(value) is not None:
            raise _Undecided
        return value
    if _BAD_TEXT.search(value) is not None:
        raise _Undecided
    return _nfc(value)


def _fast_load(text: str) -> Any:
    """The document, or _UNDECIDED (the exact path decides: anchors, aliases, tags, merge
    keys, directives, several documents, a duplicate key, bad text, a limit, a syntax error)."""
    if _ONLY_EXACT.search(text) is not None:
        return _UNDECIDED
    assert _CParser is not None
    parser = _CParser(text)
    try:
        return _build(parser)
    except (_Undecided, _CYAMLError, RecursionError, ValueError, TypeError, AttributeError):
        return _UNDECIDED
    finally:
        parser.dispose()


def _build(parser: Any) -> Any:
    get = parser.get_event
    event = get()  # StreamStart
    event = get()
    if type(event) is StreamEndEvent:
        return None
    if event.version is not None or event.tags is not None:  # %YAML / %TAG directives
        raise _Undecided
    # The stack holds the open collections: [container, pending key (maps), its position,
    # the node count before that key] (see _attach). Classes are compared by identity: this
    # loop runs once a node.
    stack: list[list[Any]] = []
    root: Any = None
    nodes = 0
    intern = sys.intern
    while True:
        event = get()
        cls = type(event)
        if cls is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Undecided
            mark = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            value = event.value
            if value in NULLS and event.style == "":
                if value == "":  # libyaml places an empty value elsewhere than ruamel
                    raise _Undecided
                value = None
            elif value.isascii() and value.isprintable():  # no control characters; NFC
                pass
            else:
                value = _fast_text(value)
            nodes += 1
            if nodes > MAX_NODES:
                raise _Undecided
            if not stack:
                root = value
                break
            frame = stack[-1]
            container = frame[0]
            if type(container) is LMap and frame[1] is _NO_KEY:
                if value is None or (value == "<<" and event.style == "") or value in container:
                    raise _Undecided  # a null key, a merge key, a duplicate: the exact path
                frame[1], frame[2], frame[3] = intern(value), pos, nodes - 1
            else:
                _attach(frame, value, pos, nodes)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Undecided
            mark = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            nodes += 1
            if len(stack) >= MAX_DEPTH or nodes > MAX_NODES:
                raise _Undecided
            if cls is MappingStartEvent:
                value = LMap()
                value.pos, value.key_pos, value.val_pos = pos, {}, {}
                if len(stack) == 1:
                    value.sizes = {}
            else:
                value = LSeq()
                value.pos, value.item_pos = pos, []
            if stack and type(stack[-1][0]) is LMap and stack[-1][1] is _NO_KEY:
                raise _Undecided  # a mapping or list as a key
            stack.append([value, _NO_KEY, None, 0])
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            frame = stack.pop()
            if not stack:
                root = frame[0]
                break
            value = frame[0]
            _attach(stack[-1], value, value.pos, nodes)
        else:  # an alias, or anything unexpected
            raise _Undecided
    if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
        raise _Undecided  # a second document
    return root


_NO_KEY: Any = object()


def _attach(frame: list[Any], value: Any, pos: Pos, nodes: int) -> None:
    """Add ``value`` to the open collection of ``frame`` ([container, pending key, its
    position, the node count before the key]); ``nodes``: the count after the value."""
    container = frame[0]
    if type(container) is LMap:
        key = frame[1]
        container[key] = value
        container.key_pos[key] = frame[2]
        container.val_pos[key] = pos
        if container.sizes is not None:
            container.sizes[key] = nodes - frame[3]
        frame[1] = _NO_KEY
    else:
        container.append(value)
        container.item_pos.append(pos)
