"""Suite-wide settings: hypothesis budgets and the `slow` marker.

Default runs stay fast (CI budget); `HYPOTHESIS_PROFILE=thorough` or `-m slow` /
`SHOPTET_SLOW=1` ask for the long runs.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

# Under CI (CI=true, as .ci/run sets) no example database: failures found by an earlier run must
# not make one run differ from the next (issue 11). Locally the database replays them.
_database = {"database": None} if os.environ.get("CI") else {}
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    **_database,
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    **_database,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# With SHOPTET_OPENAPI set, every API response any sandbox returns during a test is checked
# against Shoptet's OpenAPI file (opt out: @pytest.mark.openapi_unchecked).
from tests.support.openapi_responses import sandbox_spec_watch  # noqa: E402,F401


def pytest_collection_modifyitems(config, items):
    wants_slow = os.environ.get("SHOPTET_SLOW") == "1" or "slow" in (config.option.markexpr or "")
    if wants_slow:
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or SHOPTET_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
