"""The directory behind ``plan --parse-cache DIR``: one file an entry, ``<key>.json``.

Reading never follows a symbolic link and stops at a size no honest entry reaches; writing
goes through a temporary file and a rename, so a reader never sees half an entry. Failing to
write is not an error (the cache only saves time); a bad entry is said once a process. A
new cache directory gets a ``.gitignore`` of ``*``, so a cache kept inside the repository is
never committed by accident.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import reconciler
from reconciler.desired.yamlload import MAX_FILE_BYTES

# An entry is its file's tree, or its checked products, as JSON with positions: at most about
# twice the YAML, which is at most MAX_FILE_BYTES; anything much larger is not ours.
MAX_ENTRY_BYTES = 8 * MAX_FILE_BYTES


@functools.cache
def code_salt() -> str:
    """sha256 over the tool's own Python files: entries that hold checked products are only
    used by the code that checked them (the version number alone changes too seldom)."""
    package = Path(reconciler.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class DirParseCache:
    def __init__(self, root: Path, notice: Callable[[str], None]) -> None:
        self.root = root
        self.notice = notice
        self.said = False
        self.salt = code_salt()

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> bytes | None:
        try:
            fd = os.open(self._path(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None  # not cached (or a link: never followed)
        with os.fdopen(fd, "rb") as f:
            blob = f.read(MAX_ENTRY_BYTES + 1)
        if len(blob) > MAX_ENTRY_BYTES:
            self.rejected(key)
            return None
        return blob

    def put(self, key: str, blob: bytes) -> None:
        temp = self.root / f".{key}.{os.getpid()}.tmp"
        try:
            if not self.root.is_dir():  # a new cache: git never offers it for a commit
                self.root.mkdir(parents=True, exist_ok=True)
                (self.root / ".gitignore").write_text("# shoptet-catalog parse cache\n*\n")
            fd = os.open(
                temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644
            )
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(temp, self._path(key))
        except OSError as err:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            self._say(f"cannot write to it ({err.strerror}); files are parsed from their YAML")

    def rejected(self, key: str) -> None:
        self._say(
            f"entry {key[:12]} does not fit what this tool writes (damaged or edited?); "
            "ignored, those files are parsed from their YAML and the entries rewritten"
        )

    def _say(self, what: str) -> None:
        if not self.said:
            self.said = True
            self.notice(f"Note: parse cache {self.root}: {what}.")
