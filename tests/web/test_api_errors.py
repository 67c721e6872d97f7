"""Every error under /api/v1 answers JSON naming the problem, a server fault included; pages answer the
error page. A fault is logged with the incident id that the answer gives."""

import logging

import pytest
from werkzeug.exceptions import BadRequest, TooManyRequests

from tests.web.conftest import login
from tests.web.test_api import bearer


def fault() -> None:
    raise RuntimeError("a bug")


def refuse(error):
    def view() -> None:
        raise error
    return view


@pytest.fixture
def faulty(app):
    """The app with routes that fail as only a bug or a proxy would make them, added before any request."""
    for prefix in ("/api/v1", ""):
        app.add_url_rule(f"{prefix}/test-fault", f"fault{prefix}", fault)
        app.add_url_rule(f"{prefix}/test-bad-request", f"bad{prefix}", refuse(BadRequest("malformed")))
        app.add_url_rule(f"{prefix}/test-too-many", f"many{prefix}", refuse(TooManyRequests("slow down")))
    return app


def test_every_api_error_is_json_naming_the_problem(faulty, token_for, caplog):
    client = faulty.test_client()
    viewer, admin = bearer(token_for("viewer")), bearer(token_for("admin"))
    answers = {
        400: client.get("/api/v1/test-bad-request", headers=viewer),
        401: client.post("/api/v1/shipments", json={}),
        403: client.post("/api/v1/loggers", json={}, headers=bearer(token_for("pharmacy"))),
        404: client.get("/api/v1/no-such-thing", headers=viewer),
        405: client.delete("/api/v1/shipments", headers=admin),
        413: client.post("/api/v1/shipments", data="x" * (2 * 1024 * 1024 + 1),
                         content_type="application/json", headers=admin),
        422: client.post("/api/v1/shipments", json={"reference": "RT/2026/1"}, headers=admin),
        429: client.get("/api/v1/test-too-many", headers=viewer),
    }
    with caplog.at_level(logging.ERROR, logger="logistics.web"):
        answers[500] = client.get("/api/v1/test-fault", headers=viewer)
    for code, answer in answers.items():
        assert answer.status_code == code, (code, answer.status_code)
        assert answer.is_json and answer.get_json()["error"], (code, answer.get_data(as_text=True)[:200])
    said = answers[500].get_json()["error"]
    incident = said.split()[2].rstrip(":")
    assert said.startswith("internal error") and "a bug" not in said  # named, not the internals
    logged = [record.getMessage() for record in caplog.records]
    assert any(incident in message and "a bug" in message for message in logged)


def test_a_server_fault_on_a_page_is_the_error_page(faulty):
    client = login(faulty.test_client(), "viewer")
    answer = client.get("/test-fault")
    assert answer.status_code == 500 and answer.mimetype == "text/html"
    assert "Something went wrong on the server (incident" in answer.get_data(as_text=True)
