"""The response checker itself (needs Shoptet's OpenAPI file): it must catch what it is there for."""

from __future__ import annotations

import pytest

from tests.support.openapi_spec import require_spec


@pytest.fixture(scope="module")
def checker():
    from tests.support.openapi_responses import ResponseChecker

    return ResponseChecker(require_spec())


def envelope(data, errors=None):
    return {"data": data, "errors": errors, "metadata": {"requestId": "r-1"}}


def test_literal_paths_win_over_templates(checker):
    assert checker.template("/api/products/changes") == "/api/products/changes"
    assert checker.template("/api/products/code/43%2FBIL") == "/api/products/code/{code}"
    assert checker.template("/api/products/1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed") == (
        "/api/products/{guid}"
    )
    assert checker.template("/nope") is None


def test_missing_required_field_and_extra_field_are_reported(checker):
    stocks = {"stocks": [], "defaultStockId": 1}
    assert checker.check("GET", "/api/stocks", 200, envelope(stocks)) == []
    assert checker.check("GET", "/api/stocks", 200, envelope({"stocks": []}))
    assert checker.check("GET", "/api/stocks", 200, envelope({**stocks, "extra": 1}))


def test_wrong_decimal_format_is_reported(checker):
    row = {"productGuid": "x", "code": "A", "amount": "1.0", "claim": "0.000"}
    body = envelope(
        {
            "supplies": [row],
            "paginator": {
                "totalCount": 1,
                "page": 1,
                "pageCount": 1,
                "itemsOnPage": 1,
                "itemsPerPage": 1000,
            },
        }
    )
    assert checker.check("GET", "/api/stocks/1/supplies", 200, body)


def test_undocumented_status_is_checked_against_the_envelope(checker):
    error = {"errorCode": "page-not-found", "message": "m", "instance": "page"}
    assert checker.check("GET", "/api/products", 404, envelope(None, [error])) == []
    assert checker.check("GET", "/api/products", 404, {"error": "x"})


def test_cold_and_warm_loads_give_the_same_verdicts():
    """Issue 11: the first load of the spec once returned the YAML form (integer response codes),
    where the checker's ``.../responses/200/...`` pointers resolve nowhere; every later load
    returned the JSON form from a disk cache. Both loads must now be one form with one verdict."""
    from tests.support.openapi_responses import ResponseChecker
    from tests.support.openapi_spec import load_spec, parse_spec, spec_path

    require_spec()
    path = spec_path()
    cold = parse_spec(path.read_bytes())
    warm = load_spec(str(path))
    assert cold == warm
    assert all(isinstance(code, str) for code in cold["paths"]["/api/stocks"]["get"]["responses"])

    good = envelope({"stocks": [], "defaultStockId": 1})
    bad = envelope({"stocks": []})
    verdicts = []
    for spec in (cold, warm):
        checker = ResponseChecker(spec)
        verdicts.append(
            (
                checker.check("GET", "/api/stocks", 200, good),
                checker.check("GET", "/api/stocks", 200, bad),
            )
        )
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][0] == []
    assert verdicts[0][1]


def test_a_checker_defect_is_a_problem_not_a_dropped_connection():
    from types import SimpleNamespace

    from tests.support.openapi_responses import _problems_of

    class Broken:
        def check(self, *args):
            raise LookupError("pointer to nowhere")

    req = SimpleNamespace(method="GET", path="/api/stocks")
    response = SimpleNamespace(fault=None, body=b'{"data": null}', status=200)
    problems = _problems_of(Broken(), req, response)
    assert len(problems) == 1
    assert "checker error" in problems[0] and "pointer to nowhere" in problems[0]
