"""Issue 12: a journal that cannot be written (a full disk) stops apply before its next write,
with the journal ending in its last complete entry (exit 1); SIGTERM is handled like Ctrl-C
(writes not started are cancelled, the journal is finished) and exits 143, Ctrl-C exits 130."""

from __future__ import annotations

import errno
import json
import os
import signal
import threading

import pytest

from reconciler.apply import journal as J
from reconciler.shoptet import ShoptetClient
from tests.apply.support import WRITES, copy_example, run_cli

ARGS = ["apply", "--auto-approve", "--allow-bulk", "--journal", "journal.jsonl"]


def writes(sb) -> list[dict]:
    return [e for e in sb.request_log if e["method"] in WRITES]


def journal_lines(path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")  # never half a line
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("good_lines", [0, 2, 5])
def test_a_full_disk_stops_apply_before_the_next_write(
    shop, tmp_path, monkeypatch, capsys, good_lines
):
    sb, url = shop
    copy_example(tmp_path)
    real = J._os_write
    state = {"lines": 0, "failed_at": None}

    def disk_fills_up(fd, data):
        if state["lines"] < good_lines:
            state["lines"] += 1
            return real(fd, data)
        if state["failed_at"] is None:
            state["failed_at"] = len(writes(sb))
            return real(fd, bytes(data[:10]))  # half a line reaches the disk ...
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # ... then the disk is full

    monkeypatch.setattr(J, "_os_write", disk_fills_up)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ARGS, url=url)
    assert "Traceback" not in out + err
    assert code == 1
    assert "the journal journal.jsonl could not be written (No space left on device)" in err
    assert "apply stopped before its next write" in err
    assert "The journal ends with its last complete entry" in err
    lines = journal_lines(tmp_path / "journal.jsonl")
    assert len(lines) == good_lines and all(line["kind"] == "write" for line in lines)
    # the write that could not be recorded was sent; only writes already on the wire then
    # (at most the 2 other parallel workers) may follow; nothing new starts
    assert len(writes(sb)) <= state["failed_at"] + 2
    assert len(writes(sb)) < 30  # the full apply is ~40 writes


def test_an_unopenable_journal_writes_nothing(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    copy_example(tmp_path)
    args = [*ARGS[:-1], "no-such-dir/journal.jsonl"]
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=url)
    assert "Traceback" not in out + err
    assert code == 1 and "cannot open the journal no-such-dir/journal.jsonl" in err
    assert writes(sb) == []


def _interrupt_on_write(monkeypatch, nth: int, how):
    """Run ``how()`` in the main thread's place when the nth PATCH of a product starts."""
    real = ShoptetClient.patch_product
    count = {"n": 0}
    lock = threading.Lock()

    def patch(self, guid, body):
        with lock:
            count["n"] += 1
            n = count["n"]
        if n == nth:
            how()
        return real(self, guid, body)

    monkeypatch.setattr(ShoptetClient, "patch_product", patch)


def test_sigterm_is_handled_like_ctrl_c_and_exits_143(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    copy_example(tmp_path)
    _interrupt_on_write(monkeypatch, 3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ARGS, url=url)
    assert "Traceback" not in out + err
    assert code == 143
    assert "Terminated (SIGTERM). Writes not yet started were cancelled" in err
    assert signal.getsignal(signal.SIGTERM) is before  # main() restores the handler
    lines = journal_lines(tmp_path / "journal.jsonl")
    # every write that reached the shop is in the journal; nothing after the cancel
    journalled = [(x["method"], x["path"]) for x in lines]
    sent = [(w["method"], w["path"]) for w in writes(sb)]
    assert journalled and sorted(journalled) == sorted(sent)
    assert len(writes(sb)) < 30


def test_ctrl_c_exits_130(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    copy_example(tmp_path)

    def ctrl_c():
        raise KeyboardInterrupt

    monkeypatch.setattr(ShoptetClient, "get_eshop", lambda self, **kw: ctrl_c())
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ARGS, url=url)
    assert "Traceback" not in out + err
    assert code == 130
    assert "Interrupted. Writes not yet started were cancelled" in err
    assert writes(sb) == []


def test_an_interrupted_request_on_the_wire_is_recorded(shop, tmp_path, monkeypatch, capsys):
    """Ctrl-C while a request is being sent (one worker): the journal says so."""
    import functools

    from reconciler.apply.result import ApplyOptions

    _, url = shop
    copy_example(tmp_path)
    # one write at a time, so the interrupted request is the last one journalled
    one_at_a_time = functools.partial(ApplyOptions, parallel=1)
    monkeypatch.setattr("reconciler.cli.apply_cmd.ApplyOptions", one_at_a_time)

    def ctrl_c():
        raise KeyboardInterrupt

    _interrupt_on_write(monkeypatch, 2, ctrl_c)
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, ARGS, url=url)
    assert code == 130 and "Traceback" not in out + err
    lines = journal_lines(tmp_path / "journal.jsonl")
    assert [line["outcome"] for line in lines][-1] == "interrupted"
    assert lines[-1]["method"] == "PATCH" and lines[-1]["status"] is None
