"""`plan --read snapshot|auto|details` end to end over HTTP: the served sandbox's results live on
its second (e-shop) origin, so the download really goes to another host than the API."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest

from reconciler.cli import main
from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import served


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


@pytest.fixture
def shop(monkeypatch):
    def start(**settings):
        sb = Sandbox.from_seed("demo", limits=False, **settings)
        return sb

    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", "sandbox-token")
    return start


def plan_json(sb, monkeypatch, capsys, *extra):
    with served(sb) as server:
        monkeypatch.setenv("SHOPTET_API_URL", server.url)
        return run(["plan", "--format", "json", *extra], capsys)


def test_snapshot_plan_over_http_equals_the_details_plan(shop, monkeypatch, capsys):
    sb = shop()
    code, details, err = plan_json(sb, monkeypatch, capsys)
    assert code == 0, err
    log_before = len(sb.request_log)
    code, snapshot, err = plan_json(sb, monkeypatch, capsys, "--read", "snapshot")
    assert code == 0, err
    assert snapshot == details
    assert "Snapshot read" not in err
    assert [d["status"] for d in sb.jobs.downloads] == [200]
    assert sb.jobs.downloads[0]["token"] is False
    paths = [e["path"] for e in sb.request_log[log_before:]]
    assert "/api/products/snapshot" in paths
    assert not [p for p in paths if p.startswith("/api/products/") and p.count("-") >= 4]


def test_without_the_webhook_plan_says_so_and_reads_details(shop, monkeypatch, capsys):
    sb = shop(webhooks=())
    code, details, _ = plan_json(sb, monkeypatch, capsys)
    code, out, err = plan_json(sb, monkeypatch, capsys, "--read", "snapshot")
    assert code == 0 and out == details
    notices = [line for line in err.splitlines() if line.startswith("Snapshot read:")]
    assert len(notices) == 1
    assert "webhooks ensure --url URL" in notices[0]
    assert notices[0].endswith("reading product details instead.")
    assert sb.jobs.jobs == {}


def test_auto_reads_details_below_its_threshold(shop, monkeypatch, capsys):
    sb = shop()
    code, _, err = plan_json(sb, monkeypatch, capsys, "--read", "auto")
    assert code == 0, err
    assert sb.jobs.jobs == {}  # 28 managed products: details are cheaper than a job


def test_snapshot_budget_is_honoured(shop, monkeypatch, capsys):
    sb = shop(job_duration=3600.0)
    code, details, _ = plan_json(sb, monkeypatch, capsys)
    code, out, err = plan_json(
        sb, monkeypatch, capsys, "--read", "snapshot", "--snapshot-budget", "2"
    )
    assert code == 0 and out == details
    assert "did not finish within the 2 s budget (--snapshot-budget)" in err


def _edit_a_price(sb, code: str = "KAV-COL-250", price: str = "211.00") -> None:
    from tests.support.sandbox_client import sandbox_client

    with sandbox_client(sb) as writer:
        writer.patch_pricelist(1, [{"code": code, "price": {"price": price}}])


def test_cache_with_snapshot_cold_then_warm_equals_the_details_plan(
    shop, monkeypatch, capsys, tmp_path
):
    """Issue 16: the cold cached read takes the whole shop from one snapshot; the warm one
    reads what changed since from one changeTimeFrom snapshot, no product details."""
    sb = shop()
    cache = ["--cache", str(tmp_path / "c"), "--read", "snapshot"]
    code, cold, err = plan_json(sb, monkeypatch, capsys, *cache)
    assert code == 0, err
    assert "Snapshot read" not in err and len(sb.jobs.jobs) == 1
    _, details, _ = plan_json(sb, monkeypatch, capsys)
    assert cold == details
    sb.request_log.clear()
    _edit_a_price(sb)
    code, warm, err = plan_json(sb, monkeypatch, capsys, *cache)
    assert code == 0, err
    assert "Live cache" in err and "Snapshot read" not in err
    _, details, _ = plan_json(sb, monkeypatch, capsys)
    assert warm == details
    befores = [
        f["before"]
        for c in json.loads(warm)["changes"]
        if c.get("code") == "KAV-COL-250"
        for f in c["fields"]
        if f["field"] == "price"
    ]
    assert [Decimal(str(b)) for b in befores] == [Decimal("211")]  # the edit, read by export
    assert len(sb.jobs.jobs) == 2
    paths = [e["path"] for e in sb.request_log]
    assert paths.count("/api/products/snapshot") == 1


def test_cache_with_snapshot_falls_back_to_details_in_one_line(
    shop, monkeypatch, capsys, tmp_path
):
    sb = shop(webhooks=())
    cache = ["--cache", str(tmp_path / "c"), "--read", "snapshot"]
    code, cold, err = plan_json(sb, monkeypatch, capsys, *cache)
    assert code == 0, err
    notices = [line for line in err.splitlines() if line.startswith("Snapshot read:")]
    assert len(notices) == 1 and "webhooks ensure --url URL" in notices[0]
    assert cold == plan_json(sb, monkeypatch, capsys)[1]
    _edit_a_price(sb)
    code, warm, err = plan_json(sb, monkeypatch, capsys, *cache)
    assert code == 0, err
    assert sum(line.startswith("Snapshot read:") for line in err.splitlines()) == 1
    _, details, _ = plan_json(sb, monkeypatch, capsys)
    assert warm == details and sb.jobs.jobs == {}


def test_a_scoped_snapshot_plan_reads_its_products_directly(capsys):
    code, _, err = run(
        ["--sandbox", "plan", "--read", "snapshot", "--target", "KAV-COL-250"], capsys
    )
    assert code == 0, err
    assert "--read snapshot serves full plans only" in err


def _import(sb, monkeypatch, capsys, out, *extra):
    with served(sb) as server:
        monkeypatch.setenv("SHOPTET_API_URL", server.url)
        code, stdout, err = run(["import", "--out", str(out), *extra], capsys)
    files = {p.relative_to(out): p.read_text() for p in sorted(out.rglob("*.yaml"))}
    return code, stdout, err, files


def test_import_through_the_snapshot_writes_what_details_write(shop, monkeypatch, capsys, tmp_path):
    sb = shop()
    code, _, err, details = _import(sb, monkeypatch, capsys, tmp_path / "a", "--all")
    assert code == 0, err
    code, _, err, snapshot = _import(
        sb, monkeypatch, capsys, tmp_path / "b", "--all", "--read", "snapshot"
    )
    assert code == 0 and "Snapshot read" not in err
    assert snapshot == details and details
    assert len(sb.jobs.jobs) == 1 and [d["token"] for d in sb.jobs.downloads] == [False]


def test_import_of_a_few_guids_exports_only_them(shop, monkeypatch, capsys, tmp_path):
    sb = shop()
    guids = [p["guid"] for p in sb.state()["products"][:3]]
    args = [a for g in guids for a in ("--guid", g)]
    code, _, err, files = _import(sb, monkeypatch, capsys, tmp_path, *args, "--read", "snapshot")
    assert code == 0, err
    assert all(g in next(iter(files.values())) for g in guids)
    job = next(iter(sb.jobs.jobs.values()))
    assert len(gzip.decompress(job.body).splitlines()) == 3  # productGuids= limited the export


def test_import_falls_back_with_a_notice(shop, monkeypatch, capsys, tmp_path):
    sb = shop(webhooks=())
    code, _, err, details = _import(sb, monkeypatch, capsys, tmp_path / "a", "--all")
    code, _, err, snapshot = _import(
        sb, monkeypatch, capsys, tmp_path / "b", "--all", "--read", "snapshot"
    )
    assert code == 0 and snapshot == details
    assert sum(line.startswith("Snapshot read:") for line in err.splitlines()) == 1
