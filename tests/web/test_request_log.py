"""The console's line per request (issue 19, point 3): method, path, status, duration and user, at INFO."""

import logging
import re

import pytest

from tests.web.conftest import login
from tests.web.test_api import bearer

LOGGER = "logistics.web.request_log"
LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) (?P<ms>\d+) ms (?P<user>\S+)$")


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    def read():
        lines = [(record.levelno, record.getMessage()) for record in caplog.records if record.name == LOGGER]
        caplog.clear()
        return lines

    return read


def parsed(lines):
    assert all(LINE.match(message) for _level, message in lines), lines
    fields = ("method", "path", "status", "user")
    return [(level, *LINE.match(message).group(*fields)) for level, message in lines]


def test_a_request_logs_one_info_line_naming_the_signed_in_user(client, request_lines):
    login(client, "pharmacy")
    request_lines()
    assert client.get("/shipments?page=1").status_code == 200
    assert parsed(request_lines()) == [(logging.INFO, "GET", "/shipments", "200", "pharmacy")]


def test_anonymous_requests_refused_ones_and_the_api_are_logged_too(client, token_for, request_lines):
    client.get("/shipments")  # sent to the login page by the hook that runs before the view
    client.get("/no-such-page")
    client.get("/api/v1/shipments", headers=bearer(token_for("viewer")))
    client.post("/login", data={"username": "viewer", "password": "x"})  # no CSRF token
    assert parsed(request_lines()) == [(logging.INFO, "GET", "/shipments", "302", "-"),
                                       (logging.INFO, "GET", "/no-such-page", "404", "-"),
                                       (logging.INFO, "GET", "/api/v1/shipments", "200", "viewer"),
                                       (logging.INFO, "POST", "/login", "400", "-")]

