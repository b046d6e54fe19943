"""A saved plan of the example catalog against the served demo shop (``saved_plan``: the
stale and forged-plan tests); ``server``/``shop`` are the suite's (tests/conftest.py)."""

import pytest

from reconciler.cli import main
from tests.apply.support import copy_example
from tests.support.sandbox_client import TOKEN


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
