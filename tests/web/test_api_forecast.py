"""The API for the trial's recruitment and the reorder forecast."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from logistics.db.models import AuditEvent
from tests.web.test_api import bearer
from tests.web.test_forecast_pages import slots_from, store_run


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
            "/forecast/runs/{run_id}", "/forecast/runs/{run_id}/inputs", "/forecast/compare"}
    assert {f"/api/v1{path}" for path in ours} <= set(paths)
    assert set(paths["/api/v1/forecast"]) == {"get", "post"}
    assert set(paths["/api/v1/forecast/compare"]) == {"get"}


def test_the_scenarios_compare_as_json(app, client, token_for):
    viewer, planner = bearer(token_for("viewer")), bearer(token_for("logistics"))
    missing = client.get("/api/v1/forecast/compare", headers=viewer)
    assert missing.status_code == 404 and "no forecast yet" in missing.get_json()["error"]
    run = client.post("/api/v1/forecast", headers=planner).get_json()
    answer = client.get("/api/v1/forecast/compare", headers=viewer)
    assert answer.status_code == 200
    comparison = answer.get_json()
    assert comparison["run_id"] == run["id"] and comparison["as_of"] == run["as_of"]
    scenarios = {scenario["scenario"]: scenario for scenario in comparison["scenarios"]}
    assert [(s["scenario"], s["recruitment_factor"], s["extra_lead_days"]) for s in comparison["scenarios"]] \
        == [("planned", 1.0, 0), ("faster", 1.5, 0), ("slower", 0.5, 0), ("customs_hold", 1.0, 14)]
    assert scenarios["faster"]["rate_per_30d"] > scenarios["planned"]["rate_per_30d"] \
        > scenarios["slower"]["rate_per_30d"]
    # As planned, the figures are the stored run's: the same inputs, the same seed.
    planned = {item["code"]: item for item in scenarios["planned"]["items"]}
    assert len(planned) == 14 and set(planned["LV-BGLOB"]) == {
        "code", "unit", "order_quantity", "order_by", "stockout_probability", "expected_waste"}
    for item in run["items"]:
        assert planned[item["code"]] == {key: item[key] for key in planned[item["code"]]}
    assert all(scenario["slot_risk"] is None or 0 <= scenario["slot_risk"]["probability"] <= 1
               for scenario in comparison["scenarios"])


def test_a_stored_forecast_with_slots_and_lots_left_out_reads_back(app, client, token_for):
    excluded = {"QC-ENDO": [{"quantity": 2.0, "expiry": "2027-01-05", "reason": "do-not-count"}]}
    run_id, _as_of = store_run(app.extensions["logistics"], slots=slots_from(date(2027, 1, 4)),
                               excluded=excluded)
    answer = client.get(f"/api/v1/forecast/runs/{run_id}", headers=bearer(token_for("viewer")))
    assert answer.status_code == 200
    forecast = answer.get_json()
    assert forecast["slots"][1] == {"patient": "P007", "slot_date": "2027-02-13", "probability": 0.62,
                                    "limiting_item": "QC-ENDO", "enrolled": False}
    endo = next(item for item in forecast["items"] if item["code"] == "QC-ENDO")
    assert endo["excluded"] == [{"quantity": 2.0, "expiry": "2027-01-05", "reason": "do-not-count"}]
