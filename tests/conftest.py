"""Suite-wide settings: hypothesis budgets, the `slow` marker, and OpenAPI conformance.

Default runs stay fast (CI budget); `HYPOTHESIS_PROFILE=thorough` or `-m slow` /
`SHOPTET_SLOW=1` ask for the long runs.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

# Under CI (CI=true, as .ci/run sets) no example database: failures found by an earlier run must
# not make one run differ from the next (issue 11). Locally the database replays them.
# Under CI also derandomized: the same examples on every run, so a landing never depends on
# luck; exploring new examples is for local runs and HYPOTHESIS_PROFILE=thorough.
_under_ci = {"database": None, "derandomize": True} if os.environ.get("CI") else {}
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    **_under_ci,
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    **_under_ci,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# With Shoptet's OpenAPI file (SHOPTET_OPENAPI, or ../shared/reference/shoptet-openapi/
# openapi.yaml next to the repository), every API response any sandbox returns during a test is
# checked against it (opt out: @pytest.mark.openapi_unchecked).
from tests.support.openapi_responses import sandbox_spec_watch  # noqa: E402,F401
from tests.support.openapi_spec import missing_reason, spec_path  # noqa: E402
from tests.support.tools import under_ci  # noqa: E402


def pytest_collection_modifyitems(config, items):
    wants_slow = os.environ.get("SHOPTET_SLOW") == "1" or "slow" in (config.option.markexpr or "")
    if wants_slow:
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or SHOPTET_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_sessionstart(session):
    # A pytest-xdist controller collects nothing: a parallel run is checked before it starts.
    if getattr(session.config.option, "numprocesses", None) and not _xdist_worker(session):
        require_openapi_under_ci(None)


def pytest_collection_finish(session):
    if not _xdist_worker(session):  # workers: sandbox_spec_watch and require_spec fail instead
        require_openapi_under_ci(session.items)


def _xdist_worker(session) -> bool:
    return hasattr(session.config, "workerinput")


def require_openapi_under_ci(items) -> None:
    """Under CI a run whose tests would check conformance fails at once without the OpenAPI
    file: skipping every conformance check there would pass CI without them. (A serial run of
    only ``openapi_unchecked`` tests, like the README quick-start job, needs no spec.)"""
    if not under_ci() or spec_path() is not None:
        return
    if items is not None and all(item.get_closest_marker("openapi_unchecked") for item in items):
        return
    pytest.exit(f"CI: {missing_reason()}; CI must check it.", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="module")
def server():
    """The demo shop served over HTTP on 127.0.0.1, once per module: ``(sandbox, url)``."""
    from reconciler.sandbox import Sandbox
    from tests.support.sandbox_client import served

    sb = Sandbox.from_seed("demo")
    with served(sb) as srv:
        yield sb, srv.url


@pytest.fixture
def shop(server):
    """``server``, reset to the demo shop with an empty leaky bucket (no pacing between tests).
    Modules with other needs define their own ``shop``."""
    sb, url = server
    sb.reset()
    return sb, url
