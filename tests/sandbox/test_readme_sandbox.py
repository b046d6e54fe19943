"""The README's sandbox section: the documented serve command and curl call work as written."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.tools import need

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^## The sandbox shop\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, "README.md has no sandbox section"
    return m.group(1)


def test_readme_documents_serve_and_a_curl_with_the_sandbox_token():
    text = section()
    assert "shoptet-catalog sandbox serve --port 8765 --seed demo" in text
    assert "curl -H 'Shoptet-Private-API-Token: sandbox-token' http://127.0.0.1:8765/api/eshop" in (
        text
    )


@pytest.mark.http
def test_readme_curl_call_answers(make_sandbox):
    need("curl", "apt-get install curl")
    line = next(x for x in section().splitlines() if x.startswith("curl ") and "/api/eshop" in x)
    sb = make_sandbox("demo")
    with sb.serve(port=0) as server:
        argv = [a.replace("http://127.0.0.1:8765", server.url) for a in shlex.split(line)]
        out = subprocess.run([*argv, "-s", "-f"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert '"eshopName":"Zrnko & Lístek"' in out.stdout
