"""POST /api/v1/loggers/{id}/readings with the logger's own secret."""

import pytest

from logistics.db.engine import unit_of_work
from logistics.services import loggers

READING = {"ts": "2026-11-24T05:00:00Z", "temp": 5.1}


@pytest.fixture
def secret(app):
    with unit_of_work(app.extensions["logistics"].sessions, actor="test") as session:
        return loggers.rotate_secret(session, "LG-24003")


def post(client, body, secret, logger="LG-24003", **kwargs):
    return client.post(f"/api/v1/loggers/{logger}/readings", json=body,
                       headers={"Authorization": f"Bearer {secret}"}, **kwargs)


def test_readings_are_accepted_with_counts(client, secret):
    response = post(client, {"readings": [READING, {**READING, "ts": "2026-11-24T05:05:00Z"}]}, secret)
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 2, "duplicates": 0, "rejected": 0, "problems": []}
    again = post(client, READING, secret).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)


def test_rejected_readings_are_explained(client, secret):
    body = {"readings": [READING, {"ts": "2026-11-24T05:10:00Z", "temp": "warm"}]}
    answer = post(client, body, secret).get_json()
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    assert "temp" in answer["problems"][0]


def test_a_wrong_or_missing_secret_is_refused(client, secret):
    assert post(client, READING, "wrong").status_code == 401
    assert client.post("/api/v1/loggers/LG-24003/readings", json=READING).status_code == 401


def test_a_logger_cannot_post_as_another(client, secret):
    response = post(client, READING, secret, logger="LG-24004")
    assert response.status_code == 401


def test_a_user_token_is_not_a_logger_secret(client, token_for):
    assert post(client, READING, token_for("admin")).status_code == 401
