from __future__ import annotations

import re

import pytest

from logistics.db.engine import unit_of_work
from logistics.services import users
from logistics.web import create_app
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def app(sqlite_demo_runtime):
    return create_app(sqlite_demo_runtime)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username, password=DEMO_PASSWORD):
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def token_for(app):
    runtime = app.extensions["logistics"]

    def issue(username):
        with unit_of_work(runtime.sessions, actor="test") as session:
            return users.issue_token(session, username)

    return issue
