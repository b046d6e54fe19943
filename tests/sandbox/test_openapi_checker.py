"""The response checker itself (needs SHOPTET_OPENAPI): it must catch what it is there for."""

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
