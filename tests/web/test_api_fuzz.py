"""Every operation of the OpenAPI document, fed what schemathesis generates from it (valid and invalid
requests alike) as an administrator: never a 500, answers that match the document, invalid input
refused, and every 4xx naming the problem.

Two of schemathesis' checks do not apply: `ignored_auth` replays the request with broken credentials but
our explicit token overrides them (anonymous requests are proven refused by tests/web/test_access.py),
and `positive_data_acceptance` expects any schema-valid body to be accepted, while the API also
applies rules a schema cannot state (an air waybill's check digit, a lot that exists)."""

from __future__ import annotations

import dataclasses

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.web.conftest import web_app
from tests.web.test_api import bearer

# Every API write also meets the extremes of each field in tests/web/test_hostile_values.py; this test
# adds what schemathesis derives from the document, at a size the suite's time budget allows.
EXAMPLES = 12


@pytest.fixture
def app(sqlite_demo_runtime):
    """The forecast draws 2,000 futures, not 10,000, as in tests/web/test_forecast_pages.py: what this test
    asks of each answer does not depend on how many, and running the forecast took a third of its time."""
    settings = dataclasses.replace(sqlite_demo_runtime.settings, forecast_runs=2000)
    return web_app(dataclasses.replace(sqlite_demo_runtime, settings=settings))


def test_every_operation_answers_generated_requests_without_a_server_error(app, client, token_for):
    token = token_for("admin")
    document = client.get("/api/v1/openapi.json", headers=bearer(token)).get_json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    answered: set[tuple[str, str, int]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_well(case: schemathesis.Case) -> None:
            response = case.call(headers=bearer(token))
            answered.add((case.method, case.path, response.status_code))
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
            case.validate_response(response, excluded_checks=[ignored_auth, positive_data_acceptance])
            if 400 <= response.status_code < 500 and response.headers.get("Content-Type", "").startswith(
                    "application/json"):
                assert response.json().get("error"), (case.method, case.formatted_path, response.text[:300])

        answers_well()
    assert len({(method, path) for method, path, _ in answered}) == len(list(schema.get_all_operations()))
    assert any(status == 422 for _, _, status in answered) and any(status < 300 for _, _, status in answered)
