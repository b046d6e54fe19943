"""The demo shop served over HTTP once per module, reset before each test that asks for it.

Modules with other needs (test_stale, test_apply_http) define their own `server`/`shop`.
"""

import pytest

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, served


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
