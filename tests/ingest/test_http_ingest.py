"""POST /api/v1/loggers/{id}/readings with the logger's own secret."""

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Reading, Rejection
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


@pytest.mark.parametrize(("reading", "field"), [
    ({"shock": {"x": 1e200, "y": 1e200, "z": 1e200}}, "shock_g"),
    ({"shock_g": 1e30}, "shock_g"),
    ({"humidity": 1e308}, "humidity"),
    ({"battery": -5}, "battery"),
    ({"lat": 999, "lon": 100.5}, "latitude"),
    ({"lat": 13.7, "lon": -999}, "longitude"),
])
def test_physically_impossible_values_are_refused_naming_the_field(app, client, secret, reading, field):
    answer = post(client, {**READING, **reading}, secret).get_json()
    assert (answer["accepted"], answer["rejected"]) == (0, 1)
    assert answer["problems"][0].startswith(f"reading 2026-11-24T05:00:00+00:00: {field}: ")
    with app.extensions["logistics"].sessions() as session:
        [rejection] = session.exec(select(Rejection)).all()
        assert field in rejection.reason and session.exec(select(Reading)).all() == []


def test_an_undecodable_body_is_counted_as_rejected(client, secret):
    response = client.post("/api/v1/loggers/LG-24003/readings", data=b"{not json",
                           headers={"Authorization": f"Bearer {secret}"}, content_type="application/json")
    assert response.status_code == 202
    answer = response.get_json()
    assert (answer["accepted"], answer["rejected"]) == (0, 1) and "not JSON" in answer["problems"][0]


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 3 * 1024 * 1024])  # over ours, and over the app's cap
def test_a_body_over_one_mebibyte_is_refused_and_kept_in_rejections(app, client, secret, size):
    body = b'{"readings": [' + b"x" * (size - 16) + b"]}"
    response = client.post("/api/v1/loggers/LG-24003/readings", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 413 and f"{size} bytes" in response.get_json()["error"]
    with app.extensions["logistics"].sessions() as session:
        [rejection] = session.exec(select(Rejection)).all()
    assert rejection.payload == body[:64 * 1024] and rejection.payload_size == size
    assert rejection.source == "http" and rejection.logger_code == "LG-24003"
    assert "1 MiB" in rejection.reason and rejection.readings_rejected == 1


def test_a_retired_logger_is_refused_with_the_reason_and_the_message_is_kept(app, client, secret, token_for):
    with unit_of_work(app.extensions["logistics"].sessions, actor="test") as session:
        loggers.register_logger(session, code="LG-OLD1", serial="S-OLD")
        new_secret = loggers.rotate_secret(session, "LG-OLD1")
        loggers.retire(session, "LG-OLD1", now=datetime.now(UTC))

    refused = post(client, READING, new_secret, logger="LG-OLD1")
    wrong = post(client, READING, "wrong", logger="LG-OLD1")

    assert refused.status_code == 403
    assert refused.get_json() == {"error": "logger LG-OLD1 is retired: it may no longer send readings"}
    assert wrong.status_code == 401, "without its secret nobody learns the logger is retired"
    kept = client.get("/api/v1/ingest/rejections?logger=LG-OLD1",
                      headers={"Authorization": f"Bearer {token_for('viewer')}"}).get_json()["items"]
    assert [(row["source"], row["reason"], json.loads(row["payload_preview"])) for row in kept] == [
        ("http", "logger LG-OLD1 is retired: it may no longer send readings", READING)]
    with app.extensions["logistics"].sessions() as session:
        logger_id = session.exec(select(Logger.id).where(Logger.code == "LG-OLD1")).one()
        assert session.exec(select(Reading).where(Reading.logger_id == logger_id)).all() == []
