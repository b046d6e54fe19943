"""``write_atomically``: a file is replaced whole or not at all.

The text goes to a new temporary file beside the target (``mkstemp``: created exclusively,
owner-only, so never through a planted link), is flushed to disk and renamed over the target:
a crash or a full disk leaves the old file or the new one, never half of one, and no
temporary file behind. A link at the target is replaced, never followed."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

KEEP_MODE = -1  # the target's permissions if it exists, else 0o644 (catalog files)


def write_atomically(path: Path, chunks: Iterable[str], mode: int | None = KEEP_MODE) -> None:
    """Write ``chunks`` (streamed as they come) to ``path``. ``mode``: ``KEEP_MODE``, an
    explicit mode, or None for owner-only (files holding personal data). Raises ``OSError``
    after removing the temporary file."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.writelines(chunks)
            f.flush()
            os.fsync(f.fileno())
        if mode == KEEP_MODE:
            mode = _mode_of(path)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _mode_of(path: Path) -> int:
    """A regular file's permissions; 0o644 for a new file or one a link stands in for (a
    link's own mode is 0o777, never what the file should get)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 0o644
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else 0o644
