"""`webhooks ensure` registers job:finished if, and only if, nothing is registered for it, and
never changes an existing registration; `webhooks list`; rights and URL errors are plain."""

from __future__ import annotations

import pytest

from reconciler import errors as E
from reconciler.cli import main
from reconciler.sandbox import Sandbox
from reconciler.webhooks import ensure_job_finished, list_webhooks
from tests.support.sandbox_client import sandbox_client, served

URL = "https://hooks.example.com/shoptet/job-finished"
CREATED = "2026-11-30T08:00:00+0100"


def hooks(sb):
    return [(w.event, w.url) for w in sb.jobs.webhooks]


def test_ensure_registers_when_none_is_registered():
    sb = Sandbox.from_seed("demo", webhooks=(("order:create", "https://o.example/x"),))
    with sandbox_client(sb) as c:
        result = ensure_job_finished(c, URL)
    assert result.registered and result.webhook.url == URL
    assert hooks(sb) == [("order:create", "https://o.example/x"), ("job:finished", URL)]
    assert result.describe(URL).startswith("Registered job:finished -> " + URL)


@pytest.mark.parametrize("theirs", [URL, "https://other-integration.example/hook"])
def test_ensure_never_overwrites_an_existing_registration(theirs):
    sb = Sandbox.from_seed("demo", webhooks=(("job:finished", theirs),))
    with sandbox_client(sb) as c:
        result = ensure_job_finished(c, URL)
    assert not result.registered and result.webhook.url == theirs
    assert hooks(sb) == [("job:finished", theirs)]
    assert [e["method"] for e in sb.request_log] == ["GET"]  # nothing was written
    said = result.describe(URL)
    assert ("nothing to do" in said) == (theirs == URL)
    assert ("left as it is" in said) == (theirs != URL)


def test_a_registration_made_meanwhile_is_reported_not_overwritten(monkeypatch):
    import reconciler.webhooks as W

    sb = Sandbox.from_seed("demo", webhooks=())

    def racing(client):  # someone registers between our list and our POST
        seen = list_webhooks(client)
        if not sb.jobs.webhooks:
            sb.jobs.register("job:finished", "https://first.example/h", None, CREATED)
        return seen

    monkeypatch.setattr(W, "list_webhooks", racing)
    with sandbox_client(sb) as c:
        result = ensure_job_finished(c, URL)
    assert not result.registered and result.webhook.url == "https://first.example/h"
    assert hooks(sb) == [("job:finished", "https://first.example/h")]


@pytest.mark.parametrize(
    ("setting", "blocked"),
    [("forbidden", "/api/webhooks"), ("read_only_rights", "/api/webhooks")],
)
def test_a_token_without_webhook_rights_gets_a_plain_message(setting, blocked):
    sb = Sandbox.from_seed("demo", webhooks=(), **{setting: (blocked,)})
    with sandbox_client(sb) as c, pytest.raises(E.ConfigError) as refused:
        ensure_job_finished(c, URL)
    assert "no rights for webhooks" in str(refused.value)
    assert "Webhooks endpoint group" in str(refused.value)
    assert hooks(sb) == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/x", "https:// URL"),
        ("https:///x", "https:// URL with a host"),
        ("https://hooks.example.com:8080/x", "port 443 or 8443"),
        ("https://u:p@hooks.example.com/x", "user name or password"),
        ("https://hooks.example.com/" + "a" * 2000, "at most 2000"),
    ],
)
def test_bad_urls_are_refused_before_any_request(url, says):
    sb = Sandbox.from_seed("demo", webhooks=())
    with sandbox_client(sb) as c, pytest.raises(E.ConfigError, match=says):
        ensure_job_finished(c, url)
    assert sb.request_log == []


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_cli_list_and_ensure_on_the_demo_sandbox(capsys):
    code, out, _ = run(["--sandbox", "webhooks", "list"], capsys)
    assert code == 0
    assert out == "job:finished             https://sandbox.invalid/shoptet/job-finished  (id 1)\n"
    code, out, _ = run(["--sandbox", "webhooks", "ensure", "--url", URL], capsys)
    assert code == 0
    assert "already registered -> https://sandbox.invalid/shoptet/job-finished" in out
    assert "left as it is" in out
    code, out, err = run(["--sandbox", "webhooks", "ensure", "--url", "ftp://x"], capsys)
    assert code == 1 and "Traceback" not in err
    assert "must be an https:// URL" in err


def test_cli_ensure_registers_on_a_served_shop_without_one(capsys, monkeypatch):
    sb = Sandbox.from_seed("demo", webhooks=())
    with served(sb) as server:
        monkeypatch.setenv("SHOPTET_API_URL", server.url)
        monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", "sandbox-token")
        code, out, _ = run(["webhooks", "ensure", "--url", URL], capsys)
        assert code == 0 and out.startswith(f"Registered job:finished -> {URL} (id 1)")
        code, out, _ = run(["webhooks", "ensure", "--url", URL + "-2"], capsys)
        assert code == 0 and "already registered" in out
        code, out, _ = run(["webhooks", "list"], capsys)
    assert hooks(sb) == [("job:finished", URL)]
    assert "sandbox-token" not in out
