"""Issue 12: the live cache file is untrusted input. Over a size limit (the file, or what it
decompresses to: a gzip bomb) or nested too deep, it is not used: one-line notice, full read,
and the bomb is never decompressed whole into memory."""

from __future__ import annotations

import gzip
import hashlib
import json
import tracemalloc
import zlib

import pytest

from reconciler.live import cache_file as C
from tests.live.cache_support import Clock, cached_plan, cold_plan, example, sandbox

MIB = 1024 * 1024


@pytest.fixture
def world(tmp_path):
    clock = Clock()
    sb = sandbox(clock)
    loaded = example()
    cached_plan(sb, loaded, tmp_path / "cache", clock)  # writes a good cache
    clock.advance(hours=1)
    return clock, sb, loaded, tmp_path / "cache"


def full_read_with_notice(world, reason: str) -> None:
    clock, sb, loaded, cache_dir = world
    cold, cold_requests = cold_plan(sb, loaded)
    notices: list[str] = []
    plan, requests = cached_plan(sb, loaded, cache_dir, clock, notices)
    assert requests == cold_requests and plan.to_json() == cold.to_json()
    assert len(notices) == 1 and "\n" not in notices[0]
    assert "not used" in notices[0] and reason in notices[0] and "whole shop" in notices[0]


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed in a streaming way (~1000:1)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MIB)
    parts = [z.compress(block) for _ in range(size // MIB)]
    return b"".join(parts) + z.flush()


def test_a_gzip_bomb_is_refused_without_decompressing_it_whole(world, monkeypatch):
    monkeypatch.setattr(C, "MAX_CONTENT_BYTES", 4 * MIB)
    path = world[3] / C.CACHE_FILE
    path.write_bytes(gzip_bomb(64 * MIB))
    tracemalloc.start()
    try:
        cache, why = C.load_cache(world[3])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cache is None
    assert (
        why
        == "the cache file decompresses to more than 4 MiB (damaged, or not written by this tool)"
    )
    assert peak < 16 * MIB  # gzip.decompress of the whole file would hold 64 MiB
    full_read_with_notice(world, "decompresses to more than 4 MiB")


def test_a_cache_file_over_the_size_limit_is_not_read(world, monkeypatch):
    monkeypatch.setattr(C, "MAX_FILE_BYTES", 1024)
    read = []
    monkeypatch.setattr(C, "_decompress_bounded", lambda path: read.append(path))
    cache, why = C.load_cache(world[3])
    assert cache is None and why == "the cache file is larger than 1024 bytes"
    assert read == []
    full_read_with_notice(world, "larger than")


def _write_body(cache_dir, body: bytes) -> None:
    head = {"format": C.FORMAT, "tool": C.TOOL, "checksum": hashlib.sha256(body).hexdigest()}
    (cache_dir / C.CACHE_FILE).write_bytes(gzip.compress(json.dumps(head).encode() + b"\n" + body))


@pytest.mark.parametrize("depth", [C.MAX_JSON_DEPTH + 1, 100_000])
def test_json_nested_too_deep_is_not_parsed(world, monkeypatch, depth):
    _write_body(world[3], b"[" * depth + b"]" * depth)
    parsed = []
    real = json.loads
    monkeypatch.setattr(C.json, "loads", lambda s, **kw: parsed.append(len(s)) or real(s, **kw))
    cache, why = C.load_cache(world[3])
    assert cache is None
    assert why == f"the cache file is damaged (JSON nested deeper than {C.MAX_JSON_DEPTH} levels)"
    assert len(parsed) == 1  # the header only, never the body
    monkeypatch.setattr(C.json, "loads", real)
    full_read_with_notice(world, "nested deeper")


def test_nesting_check_ignores_brackets_and_escapes_inside_strings():
    assert not C._too_deep(json.dumps({"a": "[[[[{{{{" * 10, "b": ['\\"[[', "\\\\"]}).encode(), 2)
    assert C._too_deep(json.dumps([[[["x"]]]]).encode(), 3)
    assert not C._too_deep(json.dumps([[[["x"]]]]).encode(), 4)


def test_a_real_cache_is_well_within_the_nesting_limit(world):
    body = gzip.decompress((world[3] / C.CACHE_FILE).read_bytes()).partition(b"\n")[2]
    assert not C._too_deep(body, C.MAX_JSON_DEPTH // 2)
    cache, why = C.load_cache(world[3])
    assert cache is not None, why
