"""Faults on a schedule, the request log, and the /_sandbox/ admin surface."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.faults import FaultError
from tests.support.sandbox_client import raw_client


def rename(c: httpx.Client, guid: str, name: str) -> httpx.Response:
    return c.patch(f"/api/products/{guid}", json={"data": {"name": name}})


@pytest.fixture
def guid(sb) -> str:
    return sb.state()["products"][0]["guid"]


def test_reset_after_commit_applies_the_write_and_loses_the_response(sb, client, guid):
    """Issue: a "reset after commit" fault leaves the write applied; the client sees a
    connection error."""
    sb.faults.add(kind="reset_after", method="PATCH", path="/api/products/*")
    with pytest.raises(httpx.ReadError):
        rename(client, guid, "Applied")
    assert sb.state()["products"][0]["name"] == "Applied"
    assert sb.request_log[-1] | {"requestId": None} == {
        "index": 1,
        "method": "PATCH",
        "path": f"/api/products/{guid}",
        "status": None,
        "wrote": True,
        "fault": "reset_after",
        "requestId": None,
    }


@pytest.mark.parametrize(
    ("kind", "error"), [("reset_before", httpx.ReadError), ("timeout", httpx.ReadTimeout)]
)
def test_faults_before_commit_apply_nothing(sb, client, guid, kind, error):
    sb.faults.add(kind=kind, at=1)
    with pytest.raises(error):
        rename(client, guid, "Never")
    assert sb.state()["products"][0]["name"] != "Never"
    assert sb.request_log[-1]["wrote"] is False
    assert rename(client, guid, "Later").status_code == 200  # fires once by default


def test_timeout_after_commit_applies(sb, client, guid):
    sb.faults.add(kind="timeout_after", at=1)
    with pytest.raises(httpx.ReadTimeout):
        rename(client, guid, "Done")
    assert sb.state()["products"][0]["name"] == "Done"


@pytest.mark.parametrize("status", [429, 423, 500, 502, 503, 504])
def test_status_faults_answer_in_the_envelope_and_apply_nothing(sb, client, guid, status):
    sb.faults.add(kind=str(status), method="PATCH", times=2)
    for _ in range(2):
        r = rename(client, guid, "Never")
        assert r.status_code == status
        assert r.json()["errors"][0]["errorCode"]
        assert "X-RateLimit-Bucket-Filling" in r.headers
    assert rename(client, guid, "Now").status_code == 200
    assert sb.state()["products"][0]["name"] == "Now"


def test_fault_by_request_index_counts_api_requests(sb, client):
    sb.faults.add(kind="503", at=3)
    statuses = [client.get("/api/eshop").status_code for _ in range(4)]
    assert statuses == [200, 200, 503, 200]
    assert sb.counters == {
        "requests": 4,
        "writes": 0,
        "faults": 1,
        "byStatus": {"200": 3, "503": 1},
    }


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "explode", "at": 1},
        {"kind": "500"},
        {"kind": "500", "at": 0},
        {"kind": "500", "at": 1, "times": 0},
        {"kind": "500", "at": 1, "extra": 1},
        "500",
    ],
)
def test_bad_fault_descriptions_are_refused(sb, fault):
    with pytest.raises(FaultError):
        sb.faults.set([fault])


def test_request_log_marks_writes(sb, client, guid):
    """Issue: every request is counted and logged (method, path, status, whether it wrote)."""
    client.get(f"/api/products/{guid}")
    rename(client, guid, "x")
    client.patch(
        "/api/stocks/1/movements", json={"data": [{"productCode": "NOPE", "amountChange": 1}]}
    )
    log = [(e["method"], e["status"], e["wrote"]) for e in sb.request_log]
    assert log == [("GET", 200, False), ("PATCH", 200, True), ("PATCH", 400, False)]


def test_unknown_endpoint_and_method(client):
    assert client.get("/api/nothing").status_code == 404
    assert client.put("/api/eshop").status_code == 405


# -- admin -----------------------------------------------------------------------------------
def test_admin_state_round_trip_and_reset(sb, client, guid):
    """Issue: dump and load state (the documented format), reset to the seed."""
    with raw_client(sb, token=None) as a:
        state = a.get("/_sandbox/state").json()
        assert state == sb.state() and state["formatVersion"] == 1
        state["products"][0]["name"] = "Loaded"
        assert a.put("/_sandbox/state", content=json.dumps(state)).status_code == 200
        assert client.get(f"/api/products/{guid}").json()["data"]["name"] == "Loaded"
        bad = a.put("/_sandbox/state", content=b'{"formatVersion": 2}')
        assert bad.status_code == 400 and "formatVersion" in bad.json()["error"]
        assert a.post("/_sandbox/reset").status_code == 200
    assert client.get(f"/api/products/{guid}").json()["data"]["name"] != "Loaded"
    assert len(sb.request_log) == 1


def test_admin_faults_log_and_config(sb, client):
    with raw_client(sb, token=None) as a:
        r = a.put("/_sandbox/faults", json={"faults": [{"kind": "500", "at": 1}]})
        assert r.json()["faults"][0]["kind"] == "500"
        assert a.put("/_sandbox/faults", json={"faults": [{"kind": "x"}]}).status_code == 400
        assert client.get("/api/eshop").status_code == 500
        log = a.get("/_sandbox/log").json()
        assert log["counters"]["requests"] == 1 and log["requests"][0]["fault"] == "500"
        assert (
            a.patch("/_sandbox/config", json={"limits": False, "latency": 0}).json()["limits"]
            is False
        )
        assert a.patch("/_sandbox/config", json={"token": "x"}).status_code == 400
        assert a.patch("/_sandbox/config", json={"latency": "slow"}).status_code == 400
        assert "token" not in a.get("/_sandbox/config").json()
        assert a.get("/_sandbox/nothing").status_code == 404
    assert sb.counters["requests"] == 1  # admin calls are not counted


def test_state_file_seed_and_errors(tmp_path):
    """Issue: seeds are empty, demo or a state file (the GET /_sandbox/state format)."""
    state = Sandbox.from_seed("empty").state()
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    assert Sandbox.from_seed(path).state() == state
    from reconciler.sandbox import StateError

    with pytest.raises(StateError, match="not a file"):
        Sandbox.from_seed(tmp_path / "missing.json")
    path.write_text("{")
    with pytest.raises(StateError, match="not a readable JSON"):
        Sandbox.from_seed(path)
    path.write_text(json.dumps({**state, "surprise": 1}))
    with pytest.raises(StateError, match="surprise"):
        Sandbox.from_seed(path)


def test_accessing_with_the_private_token_through_api_client(make_sandbox):
    sb = make_sandbox("empty")
    with raw_client(sb) as c:
        assert c.get("/api/products").json()["data"]["paginator"]["totalCount"] == 0
