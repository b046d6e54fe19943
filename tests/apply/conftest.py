"""The demo shop served over HTTP once per module, reset before each test that asks for it;
and a saved plan of the example catalog against it (``saved_plan``: the stale and forged-plan
tests). Modules with other needs (test_apply_http) define their own `server`/`shop`.
"""

import pytest

from reconciler.cli import main
from reconciler.sandbox import Sandbox
from tests.apply.support import copy_example, demo_state
from tests.support.sandbox_client import TOKEN, served


@pytest.fixture(scope="module")
def server():
    sb = Sandbox(demo_state())
    with served(sb) as srv:
        yield sb, srv.url


@pytest.fixture
def shop(server):
    sb, url = server
    sb.reset()  # the demo shop again, and an empty leaky bucket (no pacing between tests)
    return sb, url


@pytest.fixture(scope="module")
def saved_plan_text(server, tmp_path_factory):
    """`plan --out` of the example catalog against the demo shop (made once per module: every
    test starts from that same shop)."""
    _sb, url = server
    root = tmp_path_factory.mktemp("plan")
    copy_example(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("SHOPTET_API_URL", url)
        mp.setenv("SHOPTET_PRIVATE_API_TOKEN", TOKEN)
        with pytest.raises(SystemExit) as info:
            main(["plan", "--out", "plan.json"])
    assert info.value.code == 0
    return (root / "plan.json").read_text(encoding="utf-8")


@pytest.fixture
def saved_plan(server, saved_plan_text, tmp_path):
    """(sandbox, url, root): the demo shop reset, the example catalog in root/catalog and its
    saved plan in root/plan.json."""
    sb, url = server
    sb.reset()
    copy_example(tmp_path)
    (tmp_path / "plan.json").write_text(saved_plan_text, encoding="utf-8")
    return sb, url, tmp_path
