"""The HTTP face on 127.0.0.1: limits over real sockets, throughput, faults, the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from email.utils import parsedate_to_datetime

import httpx
import pytest

from reconciler.sandbox import Sandbox

pytestmark = pytest.mark.http
HEADERS = {"Shoptet-Private-API-Token": "sandbox-token"}


@pytest.fixture
def serve(make_sandbox):
    servers = []

    def start(seed="demo", **settings):
        sb = make_sandbox(seed, **settings)
        server = sb.serve(port=0)
        servers.append(server)
        return sb, server

    yield start
    for server in servers:
        server.close()


def test_same_answers_over_http(serve):
    sb, server = serve()
    with httpx.Client(base_url=server.url, headers=HEADERS) as c:
        r = c.get("/api/products", params={"itemsPerPage": 5})
        code = sb.state()["products"][0]["variants"][0]["code"]
        by_code = c.get(f"/api/products/code/{code}")
    assert r.status_code == 200 and len(r.json()["data"]["products"]) == 5
    assert r.headers["X-RateLimit-Bucket-Filling"] == "1/200"
    assert by_code.json()["data"]["guid"] == sb.state()["products"][0]["guid"]


def test_code_with_slash_is_percent_encoded_in_the_path(serve):
    """Variant codes may contain "/" (pattern in SPEC); the path segment is %2F-encoded."""
    sb, server = serve("empty")
    cat = sb.state()["categories"][0]["guid"]
    with httpx.Client(base_url=server.url, headers=HEADERS) as c:
        body = {
            "data": {"name": "Bílá", "defaultCategoryGuid": cat, "variants": [{"code": "43/bil"}]}
        }
        assert c.post("/api/products", json=body).status_code == 201
        assert c.get("/api/products/code/43%2FBIL").status_code == 200


def test_three_concurrent_pass_fourth_gets_429(serve):
    """notes §4: 3 concurrent requests per token pass, a 4th concurrent one gets 429."""
    sb, server = serve("empty", latency=2.0)
    results, barrier = [], threading.Barrier(3)

    def call():
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as c:
            barrier.wait()
            results.append(c.get("/api/stocks").status_code)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    # the fourth goes once the three are being answered (not after a guessed sleep: a busy
    # machine may take longer than any fixed time to get them there)
    deadline = time.monotonic() + 10
    while sb.limits.in_flight() < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sb.limits.in_flight() == 3
    with httpx.Client(base_url=server.url, headers=HEADERS) as c:
        fourth = c.get("/api/stocks")
    for t in threads:
        t.join()
    assert sorted(results) == [200, 200, 200]
    assert fourth.status_code == 429
    assert fourth.json()["errors"][0]["errorCode"] == "too-many-requests"


def test_burst_fills_the_bucket_429_with_both_headers(serve):
    """notes §4: a burst that fills the bucket gets 429 with X-RateLimit-Bucket-Filling and an
    HTTP-date Retry-After."""
    _, server = serve("empty", bucket_capacity=20, drain_rate=1)
    with httpx.Client(base_url=server.url, headers=HEADERS) as c:
        statuses = []
        for _ in range(25):
            r = c.get("/api/eshop")
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
    assert statuses[:20] == [200] * 20 and statuses[-1] == 429
    assert r.headers["X-RateLimit-Bucket-Filling"] == "20/20"
    retry = parsedate_to_datetime(r.headers["Retry-After"])
    assert 0 <= retry.timestamp() - time.time() <= 3


def test_reset_after_commit_over_http(serve):
    """Issue: "reset after commit" leaves the write applied; the client sees a connection
    error."""
    sb, server = serve()
    guid = sb.state()["products"][0]["guid"]
    sb.faults.add(kind="reset_after", method="PATCH")
    with (
        httpx.Client(base_url=server.url, headers=HEADERS) as c,
        pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)),
    ):
        c.patch(f"/api/products/{guid}", json={"data": {"name": "Applied"}})
    assert sb.state()["products"][0]["name"] == "Applied"
    assert sb.request_log[-1]["wrote"] is True


def test_timeout_fault_holds_the_connection(serve):
    sb, server = serve("empty", timeout_hold=2)
    sb.faults.add(kind="timeout", at=1)
    with (
        httpx.Client(base_url=server.url, headers=HEADERS, timeout=0.3) as c,
        pytest.raises(httpx.ReadTimeout),
    ):
        c.get("/api/eshop")


def _throughput() -> tuple[float, float]:
    """(requests per wall second, requests per CPU second of this process) for 600 detail
    reads over keep-alive from 3 client threads. The CPU figure counts client and server
    threads together, so it understates the server alone."""
    sb = Sandbox.from_seed("demo", limits=False)
    guid = sb.state()["products"][0]["guid"]
    n, workers = 600, 3

    def run():
        with httpx.Client(base_url=server.url, headers=HEADERS) as c:
            for _ in range(n // workers):
                assert c.get(f"/api/products/{guid}").status_code == 200

    with sb.serve(port=0) as server:
        threads = [threading.Thread(target=run) for _ in range(workers)]
        wall, cpu = time.perf_counter(), time.process_time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"sandbox throughput: {n / wall:.0f} requests/s wall, {n / cpu:.0f} per CPU second")
    return n / wall, n / cpu


@pytest.mark.openapi_unchecked  # validating each response would be measured too
def test_throughput_at_least_300_requests_per_second():
    """Issue: the sandbox sustains >= 300 req/s with limits off. Asserted on CPU time so that
    other work on a shared machine cannot fail it; the wall-clock check is the slow test."""
    _, per_cpu_second = _throughput()
    assert per_cpu_second >= 300


@pytest.mark.openapi_unchecked  # validating each response would be measured too
@pytest.mark.slow
def test_throughput_wall_clock_on_a_quiet_machine():
    assert max(_throughput()[0] for _ in range(2)) >= 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_cli_and_time_first_answer() -> tuple[float, float]:
    """(wall seconds from launching `sandbox serve --seed demo` to its first answered API call,
    CPU seconds the server process used in all)."""
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "reconciler",
        "sandbox",
        "serve",
        "--port",
        str(port),
        "--seed",
        "demo",
        "--token",
        "t0k",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    wall = None
    try:
        while time.perf_counter() - started < 15:
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}/api/eshop",
                    headers={"Shoptet-Private-API-Token": "t0k"},
                    timeout=0.5,
                )
            except httpx.TransportError:
                time.sleep(0.02)
                continue
            assert r.status_code == 200
            wall = time.perf_counter() - started
            break
    finally:
        proc.terminate()
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
        err = proc.stderr.read()
        proc.stderr.close()
    assert b"t0k" not in err
    assert wall is not None, "the sandbox did not answer within 15 s"
    return wall, usage.ru_utime + usage.ru_stime


def test_cli_serve_demo_starts_under_two_seconds():
    """Issue: `shoptet-catalog sandbox serve --seed demo` starts in under 2 seconds. Asserted
    on the server's CPU time (start-up plus one answer), which other load cannot inflate; the
    wall-clock check is the slow test."""
    wall, cpu = _start_cli_and_time_first_answer()
    print(f"sandbox serve --seed demo: first answer after {wall:.2f}s wall, {cpu:.2f}s CPU")
    assert cpu < 2.0


@pytest.mark.slow
def test_cli_serve_demo_starts_under_two_seconds_wall_clock():
    assert min(_start_cli_and_time_first_answer()[0] for _ in range(3)) < 2.0


def test_cli_bad_seed_is_a_clear_error(tmp_path):
    bad = tmp_path / "state.json"
    bad.write_text(json.dumps({"formatVersion": 9}))
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--seed", str(bad), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 1
    assert "cannot load the sandbox seed" in out.stderr and "Traceback" not in out.stderr


def test_cli_port_in_use_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr and "Traceback" not in out.stderr


def test_cli_dump_prints_the_state_format():
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "dump", "--seed", "empty"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0
    assert json.loads(out.stdout)["formatVersion"] == 1
