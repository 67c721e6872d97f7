"""The API for the trial's recruitment and the reorder forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from logistics.db.models import AuditEvent
from tests.web.test_api import bearer


def test_the_plan_its_sites_enrolments_and_bill_of_materials_are_readable(client, token_for):
    headers = bearer(token_for("viewer"))
    answer = client.get("/api/v1/recruitment", headers=headers).get_json()
    assert answer["plan"]["trial"] == "HG-TDT-201" and answer["plan"]["target"] == 12
    assert [(site["code"], site["enrolled"]) for site in answer["sites"]] == [("TH-01", 4), ("TH-02", 1)]
    enrolled = client.get("/api/v1/recruitment/enrolments", headers=headers).get_json()["items"]
    assert [row["patient_code"] for row in enrolled] == [f"TDT-00{n}" for n in range(1, 6)]
    bom = client.get("/api/v1/recruitment/bom", headers=headers).get_json()["items"]
    assert {"item": "LV-BGLOB", "basis": "batch", "quantity": 2.0, "unit": "vial", "offset_days": 31} \
        .items() <= next(line for line in bom if line["item"] == "LV-BGLOB").items()


def test_enrolments_are_recorded_by_code_with_their_problems_named(app, client, token_for):
    today = datetime.now(UTC).date().isoformat()
    viewer, pharmacy = bearer(token_for("viewer")), bearer(token_for("pharmacy"))
    new = {"patient_code": "TDT-006", "site": "TH-02", "enrolled_on": today}
    assert client.post("/api/v1/recruitment/enrolments", json=new, headers=viewer).status_code == 403
    made = client.post("/api/v1/recruitment/enrolments", json=new, headers=pharmacy)
    assert made.status_code == 201 and made.get_json()["source"] == "api"
    again = client.post("/api/v1/recruitment/enrolments", json=new, headers=pharmacy)
    assert again.status_code == 422 and "enrolled already" in again.get_json()["fields"]["patient_code"]
    named = client.post("/api/v1/recruitment/enrolments", headers=pharmacy,
                        json={**new, "patient_code": "Somchai Jaidee"})
    assert named.status_code == 422 and "never a name" in named.get_json()["fields"]["patient_code"]
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    ahead = client.post("/api/v1/recruitment/enrolments", headers=pharmacy,
                        json={**new, "patient_code": "TDT-007", "enrolled_on": future})
    assert ahead.get_json()["fields"] == {"enrolled_on": "cannot be in the future"}
    with app.extensions["logistics"].sessions() as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.entity == "enrolments")).all()
    assert {event.actor for event in trail} >= {"pharmacy"}


def test_a_forecast_is_run_stored_and_explained_by_its_inputs(client, token_for):
    viewer, planner = bearer(token_for("viewer")), bearer(token_for("logistics"))
    assert client.get("/api/v1/forecast", headers=viewer).status_code == 404
    assert client.post("/api/v1/forecast", headers=viewer).status_code == 403
    made = client.post("/api/v1/forecast", headers=planner)
    assert made.status_code == 201
    forecast = made.get_json()
    assert forecast["trigger"] == "manual" and len(forecast["items"]) == 14
    assert client.get("/api/v1/forecast", headers=viewer).get_json() == forecast
    assert client.get(f"/api/v1/forecast/runs/{forecast['id']}", headers=viewer).get_json() == forecast
    inputs = client.get(f"/api/v1/forecast/runs/{forecast['id']}/inputs", headers=viewer).get_json()
    assert inputs["recruitment"]["target"] == 12 and inputs["as_of"] == forecast["as_of"]
    assert client.get("/api/v1/forecast/runs/999", headers=viewer).status_code == 404


def test_the_openapi_document_describes_the_new_routes(client, token_for):
    paths = client.get("/api/v1/openapi.json", headers=bearer(token_for("viewer"))).get_json()["paths"]
    ours = {"/recruitment", "/recruitment/enrolments", "/recruitment/bom", "/forecast",
            "/forecast/runs/{run_id}", "/forecast/runs/{run_id}/inputs"}
    assert {f"/api/v1{path}" for path in ours} <= set(paths)
    assert set(paths["/api/v1/forecast"]) == {"get", "post"}
