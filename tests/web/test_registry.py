"""The logger registry and rejected-telemetry pages and their API."""

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from logistics.db.models import AuditEvent, Logger
from sensors.intake import IncomingMessage
from tests.web.conftest import csrf_token, login


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def reject_something(app):
    store = app.extensions["telemetry_store"]
    store.store([IncomingMessage(source="mqtt", logger_code="LG-GHOST", payload=b'{"temp": 5}',
                                 received_at=datetime.now(UTC),
                                 topic="coldchain/loggers/LG-GHOST/telemetry")])


def test_the_registry_lists_loggers_with_their_shipment(client):
    login(client, "viewer")
    page = client.get("/loggers").get_data(as_text=True)
    assert "LG-24003" in page and "HG-2026-0045" in page
    assert "Register a logger" not in page


def test_registering_a_logger_shows_its_secret_once(client):
    login(client, "logistics")
    token = csrf_token(client, "/loggers")
    response = client.post("/loggers", data={"code": "LG-40001", "serial": "SN-40001",
                                             "calibration_due": "2027-01-31", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "shown <strong>only now</strong>" in page
    assert 'id="logger-secret"' in page
    again = client.get("/loggers").get_data(as_text=True)
    assert "LG-40001" in again and 'id="logger-secret"' not in again


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"code": "LG 1", "serial": "S"}, "code", "letters, digits"),
    ({"code": "LG-24003", "serial": "S"}, "code", "already registered"),
    ({"code": "LG-50001", "serial": ""}, "serial", "serial number is required"),
    ({"code": "LG-50001", "serial": "S", "calibration_due": "31/01/2027"}, "calibration_due", "enter a date"),
])
def test_bad_registrations_name_the_field(client, form, field, message):
    login(client, "admin")
    response = client.post("/loggers", data={**form, "csrf_token": csrf_token(client, "/loggers")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page


def test_only_logger_managers_may_register(client):
    login(client, "pharmacy")
    response = client.post("/loggers", data={"code": "LG-60001", "serial": "S",
                                             "csrf_token": csrf_token(client, "/loggers")})
    assert response.status_code == 403


def test_rejections_page_and_api(app, client, token_for):
    reject_something(app)
    login(client, "viewer")
    page = client.get("/ingest/rejections").get_data(as_text=True)
    assert "unknown logger &#39;LG-GHOST&#39;" in page and "{&#34;temp&#34;: 5}" in page
    answer = client.get("/api/v1/ingest/rejections?logger=LG-GHOST", headers=bearer(token_for("viewer")))
    body = answer.get_json()
    assert body["total"] == 1 and body["items"][0]["reason"] == "unknown logger 'LG-GHOST'"
    assert json.loads(body["items"][0]["payload_preview"]) == {"temp": 5}


def test_loggers_api_register_and_assign(client, token_for):
    headers = bearer(token_for("logistics"))
    created = client.post("/api/v1/loggers", json={"code": "LG-70001", "serial": "SN-7"}, headers=headers)
    assert created.status_code == 201 and len(created.get_json()["secret"]) == 43
    assigned = client.post("/api/v1/loggers/LG-70001/assignments", headers=headers,
                           json={"shipment": "HG-2026-0048", "starts_at": "2026-01-01T00:00:00Z"})
    assert assigned.status_code == 201 and assigned.get_json()["shipment"] == "HG-2026-0048"
    listed = client.get("/api/v1/loggers", headers=headers).get_json()["items"]
    assert all("secret" not in row and "credential_hash" not in row for row in listed)
    clash = client.post("/api/v1/loggers/LG-70001/assignments", headers=headers,
                        json={"shipment": "HG-2026-0047", "starts_at": "2026-02-01T00:00:00Z"})
    assert clash.status_code == 422 and "already assigned" in clash.get_json()["fields"]["logger"]


def retire_events(app, code):
    runtime = app.extensions["logistics"]
    with runtime.sessions() as session:
        logger_id = str(session.exec(select(Logger.id).where(Logger.code == code)).one())
        return [(event.actor, event.field, event.new_value, event.reason) for event in session.exec(
            select(AuditEvent).where(AuditEvent.entity == "loggers", AuditEvent.entity_id == logger_id,
                                     AuditEvent.field == "status"))]


@pytest.mark.parametrize("code", ["ingest", "INGEST", "logistics-ingest", "LG\t1", "$SYS", "LG/1"], ids=repr)
def test_the_ingests_names_and_unsafe_ids_are_refused_by_page_and_api(app, client, token_for, code):
    login(client, "logistics")
    page = client.post("/loggers", data={"code": code, "serial": "S",
                                         "csrf_token": csrf_token(client, "/loggers")})
    api = app.test_client().post("/api/v1/loggers", json={"code": code, "serial": "S"},
                                 headers=bearer(token_for("logistics")))

    assert page.status_code == 422 and 'id="code-error"' in page.get_data(as_text=True)
    assert api.status_code == 422 and set(api.get_json()["fields"]) == {"code"}
    reserved = code.lower() in ("ingest", "logistics-ingest")
    assert ("reserved for the ingest" if reserved else "letters") in api.get_json()["fields"]["code"]


def test_retiring_on_the_page_keeps_the_logger_listed_as_retired_and_is_audited(app, client):
    login(client, "logistics")
    client.post("/loggers", data={"code": "LG-80001", "serial": "SN-8",
                                  "csrf_token": csrf_token(client, "/loggers")})

    response = client.post("/loggers/LG-80001/retire", data={"csrf_token": csrf_token(client, "/loggers")},
                           follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "LG-80001 retired" in page
    row = page[page.index("<b>LG-80001</b>"):].split("</tr>")[0]
    assert "retired" in row and "Retire LG-80001" not in row
    assert retire_events(app, "LG-80001") == [("logistics", "status", '"retired"', "retired")]


def test_a_logger_assigned_to_a_shipment_is_not_retired_from_the_page(app, client):
    login(client, "admin")

    response = client.post("/loggers/LG-24003/retire", data={"csrf_token": csrf_token(client, "/loggers")},
                           follow_redirects=True)

    assert "LG-24003 is assigned to HG-2026-0045: stop it there first" in response.get_data(as_text=True)
    assert retire_events(app, "LG-24003") == []


def test_loggers_api_retire(client, token_for):
    headers = bearer(token_for("logistics"))
    created = client.post("/api/v1/loggers", json={"code": "LG-90001", "serial": "SN-9"}, headers=headers)
    assert created.status_code == 201

    retired = client.post("/api/v1/loggers/LG-90001/retire", headers=headers)
    again = client.post("/api/v1/loggers/LG-90001/retire", headers=headers)
    assign = client.post("/api/v1/loggers/LG-90001/assignments", headers=headers,
                         json={"shipment": "HG-2026-0048", "starts_at": "2026-01-01T00:00:00Z"})
    busy = client.post("/api/v1/loggers/LG-24003/retire", headers=headers)
    unknown = client.post("/api/v1/loggers/LG-NOPE/retire", headers=headers)
    viewer = client.post("/api/v1/loggers/LG-24001/retire", headers=bearer(token_for("viewer")))

    assert retired.status_code == 200 and retired.get_json()["status"] == "retired"
    assert again.status_code == 422
    assert again.get_json()["fields"] == {"logger": "LG-90001 is already retired"}
    assert assign.status_code == 422 and assign.get_json()["fields"] == {"logger": "LG-90001 is retired"}
    assert busy.status_code == 422 and "stop it there first" in busy.get_json()["fields"]["logger"]
    assert unknown.status_code == 404 and viewer.status_code == 403
    listed = client.get("/api/v1/loggers", headers=headers).get_json()["items"]
    assert {row["code"]: row["status"] for row in listed}["LG-90001"] == "retired"
    document = client.get("/api/v1/openapi.json", headers=headers).get_json()
    assert "post" in document["paths"]["/api/v1/loggers/{logger_id}/retire"]
