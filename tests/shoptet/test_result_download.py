"""The job-result reader (``shoptet.jobs``): gzip recognised by its magic bytes whatever the
headers say, JSON Lines split across chunks, and every cap (as transferred, inflated, one line,
time) stops the read with ``ResultUnavailable``."""

from __future__ import annotations

import gzip
import itertools

import httpx
import pytest

from reconciler.shoptet import ClientConfig, ShoptetClient
from reconciler.shoptet import jobs as J

ESHOP = "https://shop.example.cz/"
URL = "https://shop.example.cz/api-results/abc-123.json"
LINES = [b'{"guid":"a","name":"A"}', b'{"guid":"b","name":"\xc5\xbd"}', b'{"guid":"c"}']
BODY = b"\n".join(LINES) + b"\n"


LIMITS = J.DownloadLimits()


def read(body: bytes, headers=None, limits=LIMITS, clock=None, status=200):
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, headers=headers or {}, content=body)

    config = ClientConfig(private_token="secret-token-0123456789")
    with ShoptetClient(config, transport=httpx.MockTransport(answer)) as client:
        return list(J.iter_result_lines(client, URL, ESHOP, limits, clock)), seen


def chunks(data: bytes, size: int):
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (BODY, {"Content-Type": "application/json"}),
        (gzip.compress(BODY), {"Content-Type": "application/json"}),  # Shoptet's .json, gzip
        (gzip.compress(BODY), {"Content-Type": "text/plain"}),
        (gzip.compress(BODY[:30]) + gzip.compress(BODY[30:]), {}),  # two gzip members
        (BODY.rstrip(b"\n"), {}),  # no newline after the last line
        (BODY.replace(b"\n", b"\n\n"), {}),  # blank lines are skipped
    ],
    ids=["plain", "gzip-as-json", "gzip-as-text", "two-members", "no-final-newline", "blanks"],
)
def test_lines_whatever_the_headers_say(body, headers):
    lines, seen = read(body, headers)
    assert lines == LINES
    assert "shoptet-private-api-token" not in {k.lower() for k in seen[0].headers}


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_lines_split_across_any_chunking(size):
    clock = itertools.count().__next__
    limits = J.DownloadLimits(deadline=1e9)
    for body in (BODY, gzip.compress(BODY)):
        out = list(J._lines(chunks(body, size), limits, clock, 0.0))
        assert out == LINES


@pytest.mark.parametrize(
    ("body", "limits", "says"),
    [
        (gzip.compress(BODY), J.DownloadLimits(max_bytes=20), "as transferred"),
        (gzip.compress(b"{}\n" * 2_000_000), J.DownloadLimits(max_inflated=1 << 20), "unpacked"),
        (gzip.compress(b"x" * 5_000_000), J.DownloadLimits(max_line=1 << 20), "a line longer"),
        (b"y" * 3_000_000, J.DownloadLimits(max_line=1 << 20), "a line longer"),
        (gzip.compress(BODY)[:-12], J.DownloadLimits(), "cut off"),
    ],
    ids=["transferred", "gzip-bomb", "long-gzip-line", "long-plain-line", "truncated"],
)
def test_caps_stop_the_read(body, limits, says):
    with pytest.raises(J.ResultUnavailable) as stopped:
        read(body, limits=limits)
    assert says in str(stopped.value)


def test_a_download_past_its_deadline_stops():
    ticks = itertools.count(step=100).__next__
    with pytest.raises(J.ResultUnavailable, match="still arriving after 150 s"):
        list(
            J._lines(
                chunks(gzip.compress(BODY * 50), 10), J.DownloadLimits(deadline=150), ticks, 0.0
            )
        )


@pytest.mark.parametrize("status", [404, 410, 500, 302])
def test_anything_but_200_is_unavailable_and_redirects_are_not_followed(status):
    headers = {"Location": "https://elsewhere.example/x"} if status == 302 else {}
    with pytest.raises(J.ResultUnavailable, match=f"HTTP {status}") as stopped:
        read(b"", headers=headers, status=status)
    assert ("expired" in str(stopped.value)) == (status in (404, 410))
