"""GET /api/v1/shipments/{reference}/epcis: an EPCIS 2.0 document for anyone who may view."""

from __future__ import annotations

import json

from tests.epcis_schema import schema_errors
from tests.web.conftest import login
from tests.web.test_api import bearer
from tests.web.test_api_records import an_excursion


def test_a_viewer_gets_a_valid_json_ld_document_with_the_alarm(app, client, token_for):
    an_excursion(app)
    response = client.get("/api/v1/shipments/HG-2026-0045/epcis", headers=bearer(token_for("viewer")))
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document = json.loads(response.get_data(as_text=True))
    assert schema_errors(document) == []
    [shipping] = document["epcisBody"]["eventList"]
    [logger] = shipping["sensorElementList"]
    assert logger["sensorMetadata"]["deviceID"] == "urn:coldchain-logistics:logger:LG-24003"
    assert [report.get("exception") for report in logger["sensorReport"]] == [None, "ALARM_CONDITION"]


def test_plain_json_when_asked_for_and_a_browser_session_may_read(client):
    login(client, "pharmacy")
    response = client.get("/api/v1/shipments/HG-2026-0044/epcis", headers={"Accept": "application/json"})
    assert (response.status_code, response.mimetype) == (200, "application/json")
    assert [event["bizStep"] for event in response.get_json()["epcisBody"]["eventList"]] == [
        "shipping", "receiving"]


def test_an_unknown_shipment_is_404(client, token_for):
    response = client.get("/api/v1/shipments/NOPE/epcis", headers=bearer(token_for("viewer")))
    assert response.status_code == 404 and "NOPE" in response.get_json()["error"]


def test_without_login_it_is_401(client):
    assert client.get("/api/v1/shipments/HG-2026-0045/epcis").status_code == 401


def test_the_openapi_document_points_at_gs1s_schema(client, token_for):
    document = client.get("/api/v1/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    content = document["paths"]["/api/v1/shipments/{reference}/epcis"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/ld+json", "application/json"}
    assert content["application/ld+json"]["schema"] == {
        "$ref": "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"}
