"""`shoptet-catalog doctor`: every check passes on the sandbox; for each check a sandbox setting
(or a rewritten response) makes the shop behave the other way and doctor catches it. The report
never holds the token (canary), doctor never writes, and the exit code follows README."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.cli import main
from reconciler.cli.context import AppContext
from reconciler.doctor import NOT_OK, OK, UNKNOWN, run_doctor
from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import TOKEN, sandbox_client

CANARY = "canary-7f3a9c1e5b2d4680aa11bb22cc33dd44"


def doctor(sandbox: Sandbox | None = None, transport=None, token: str = TOKEN, **settings):
    sandbox = sandbox or Sandbox.from_seed("demo", **settings)
    with sandbox_client(
        sandbox, read_only=True, private_token=token, transport=transport
    ) as client:
        return run_doctor(client), sandbox


def check(report, ident):
    return next(c for c in report.checks if c.id == ident)


def test_every_check_passes_on_the_sandbox_and_nothing_is_written():
    report, sandbox = doctor()
    assert [c.id for c in report.checks if c.status != OK] == []
    assert report.exit_code == 0 and report.eshop_id == 222651
    assert {e["method"] for e in sandbox.request_log} == {"GET"}
    assert sandbox.counters["writes"] == 0
    ids = {c.id for c in report.checks}
    assert {
        "a-stock-amount",
        "b-visibility",
        "c-date-format",
        "d-slash-code",
        "e-vat-payer",
        "f-negative-stock",
        "g-job-finished-webhook",
    } <= ids


def test_cli_report_exits_0_on_the_sandbox(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--sandbox", "doctor"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "tool version: " in out and "e-shop id: 222651" in out
    assert "0 not ok" in out and "Nothing the tool relies on is broken." in out


def _cli(sandbox, argv, capsys, monkeypatch):
    monkeypatch.setattr(AppContext, "sandbox_shop", lambda self: sandbox)
    with pytest.raises(SystemExit) as exc:
        main(["--sandbox", "doctor", *argv])
    return exc.value.code, capsys.readouterr()


def test_cli_exits_1_and_json_names_the_failed_check(capsys, monkeypatch):
    sandbox = Sandbox.from_seed("demo", per_stock_amount="physical")
    code, out = _cli(sandbox, ["--format", "json"], capsys, monkeypatch)
    assert code == 1
    doc = json.loads(out.out)
    failed = [c for c in doc["checks"] if c["status"] == NOT_OK]
    assert [c["id"] for c in failed] == ["a-stock-amount"]


def test_a_missing_read_right_names_the_endpoint_group():
    report, _ = doctor(forbidden=("/api/brands",))
    c = check(report, "read-brands")
    assert c.status == NOT_OK and "invalid-token-no-rights" in c.evidence[0]
    assert "'Brands' endpoint group" in c.advice
    assert report.exit_code == 1


def test_a_token_that_may_only_read_stock_fails_the_write_check():
    report, _ = doctor(read_only_rights=("/api/stocks",))
    c = check(report, "write-stock-movements")
    assert c.status == NOT_OK and "access 'read'" in c.evidence[0]
    assert check(report, "write-products").status == OK
    assert report.exit_code == 1


def test_write_rights_are_not_guessed_without_the_endpoint_list():
    report, _ = doctor(forbidden=("/api/system",))
    for ident in ("write-products", "write-stock-movements", "write-pricelists"):
        c = check(report, ident)
        assert c.status == UNKNOWN and "cannot check without writing" in c.evidence
    assert report.exit_code == 0


def test_a_physical_per_stock_amount_is_caught():
    report, _ = doctor(per_stock_amount="physical")
    c = check(report, "a-stock-amount")
    assert c.status == NOT_OK
    assert any("physical amount" in e for e in c.evidence)


class Rewrite(httpx.BaseTransport):
    """The sandbox, with ``/api/products`` list items' visibility spelled differently."""

    def __init__(self, sandbox: Sandbox, spelling: str):
        self.inner, self.spelling = sandbox.transport(), spelling

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != "/api/products":
            return response
        body = json.loads(response.read())
        for item in body["data"]["products"]:
            if item["visibility"] == "visible":
                item["visibility"] = self.spelling
        return httpx.Response(response.status_code, headers=response.headers, json=body)


def test_visibility_normal_is_understood_an_unknown_spelling_is_caught():
    sandbox = Sandbox.from_seed("demo")
    report, _ = doctor(sandbox, transport=Rewrite(sandbox, "normal"))
    c = check(report, "b-visibility")
    assert c.status == OK and "'normal' x30" in c.evidence[0]
    report, _ = doctor(sandbox, transport=Rewrite(sandbox, "shown"))
    c = check(report, "b-visibility")
    assert c.status == NOT_OK and "'shown'" in c.evidence[1]
    assert report.exit_code == 1


def test_a_shop_refusing_the_colon_offset_is_fine_the_tool_sends_the_documented_form():
    report, _ = doctor(time_offsets="no-colon")
    c = check(report, "c-date-format")
    assert c.status == OK
    assert any("+0100: accepted" in e for e in c.evidence)
    assert any("+01:00: refused" in e for e in c.evidence)


def test_a_shop_refusing_the_documented_offset_is_caught():
    report, _ = doctor(time_offsets="colon-only")
    c = check(report, "c-date-format")
    assert c.status == NOT_OK and "+0100" in c.advice
    assert any("+0100: refused" in e for e in c.evidence)
    assert any("+01:00: accepted" in e for e in c.evidence)


def test_a_shop_decoding_slashes_before_routing_is_caught():
    report, _ = doctor(slash_in_path="decoded")
    c = check(report, "d-slash-code")
    assert c.status == NOT_OK and "endpoint-not-found" in c.evidence[0]


def test_a_real_code_with_a_slash_is_read_back():
    sandbox = Sandbox.from_seed("demo")
    state = sandbox.state()
    state["products"][0]["variants"][0]["code"] = "KAV/ETI-250"
    sandbox.load_state(state)
    report, _ = doctor(sandbox)
    c = check(report, "d-slash-code")
    assert c.status == OK and "KAV/ETI-250" in c.evidence[0]


def test_a_shop_that_pays_no_vat_is_reported_as_advisory():
    report, _ = doctor(vat_payer=False)
    c = check(report, "e-vat-payer")
    assert c.status == NOT_OK and not c.required and "vatRate" in c.advice
    assert report.exit_code == 0
    assert "[not ok] (advisory) e-vat-payer" in report.text()


def test_a_negative_stock_setting_contradicting_the_variants_is_caught():
    report, _ = doctor(negative_stock_amount="allowed")
    c = check(report, "f-negative-stock")
    assert c.status == NOT_OK and "'no-global'" in c.evidence[1]
    assert report.exit_code == 1


def test_a_missing_job_finished_webhook_is_reported():
    report, _ = doctor(webhooks=(("product:update", "https://example.invalid/hook"),))
    c = check(report, "g-job-finished-webhook")
    assert c.status == NOT_OK and "product:update" in c.evidence[0]
    assert report.exit_code == 0


def test_a_token_that_does_not_work_stops_early_with_exit_1():
    report, _ = doctor(token="wrong-token-0123456789")
    assert [c.id for c in report.checks] == ["token"]
    assert report.checks[0].status == NOT_OK and report.exit_code == 1


@pytest.mark.parametrize("settings", [{}, {"per_stock_amount": "physical"}, {"vat_payer": False}])
def test_the_report_never_contains_the_token(settings):
    sandbox = Sandbox.from_seed("demo", token=CANARY, **settings)
    report, _ = doctor(sandbox, token=CANARY)
    assert report.checks[0].status == OK
    assert CANARY not in report.text()
    assert CANARY not in json.dumps(report.to_dict())


def test_the_report_never_contains_a_rejected_token():
    report, _ = doctor(token=CANARY)  # the sandbox expects another: 401
    assert report.exit_code == 1
    assert CANARY not in report.text() and CANARY not in json.dumps(report.to_dict())


def test_cli_report_from_the_environment_holds_no_token(capsys, monkeypatch):
    sandbox = Sandbox.from_seed("demo", token=CANARY)
    with sandbox.serve(port=0) as server:
        monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", CANARY)
        monkeypatch.setenv("SHOPTET_API_URL", server.url)
        with pytest.raises(SystemExit) as exc:
            main(["doctor"])
    out = capsys.readouterr()
    assert exc.value.code == 0, out.err
    assert "e-shop id: 222651" in out.out
    assert CANARY not in out.out + out.err


class SplitCode(httpx.BaseTransport):
    """The sandbox, except that a code lookup answers as a shop that split the code at '/'."""

    def __init__(self, sandbox: Sandbox):
        self.inner = sandbox.transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/products/code/"):
            body = {
                "data": None,
                "errors": [
                    {"errorCode": "product-not-found", "message": "Not found.", "instance": "PROBE"}
                ],
                "metadata": {"requestId": "r-404"},
            }
            return httpx.Response(404, json=body)
        return self.inner.handle_request(request)


def test_a_code_that_arrives_split_at_the_slash_is_caught():
    sandbox = Sandbox.from_seed("demo")
    report, _ = doctor(sandbox, transport=SplitCode(sandbox))
    c = check(report, "d-slash-code")
    assert c.status == NOT_OK and "instance 'PROBE'" in c.evidence[0]


def test_a_token_without_the_orders_read_right_is_advised_not_failed():
    report, _ = doctor(forbidden=("/api/orders",))
    c = check(report, "read-orders")
    assert c.status == NOT_OK and not c.required
    assert "'Orders' endpoint group" in c.advice and "export orders" in c.advice
    assert report.exit_code == 0
    assert check(doctor()[0], "read-orders").status == OK
