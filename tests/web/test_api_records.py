"""The API for what the pages show besides shipments: excursions (with review), lots, alerts, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, LoggerAssignment
from logistics.readers.config_files import load_alert_routes
from logistics.services.excursions import scan
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.web.test_api import bearer


def an_excursion(app) -> None:
    """LG-24003 (HG-2026-0045): 40 min at 9.5 °C that ended an hour ago, in readings from when it joined
    the shipment (4 h ago, by the clock the pages read) to now."""
    runtime = app.extensions["logistics"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    readings = [{"ts": (now - timedelta(minutes=240 - 5 * i)).isoformat(),
                 "temp": 9.5 if 24 <= i < 32 else 5.0} for i in range(48)]
    with unit_of_work(runtime.sessions, actor="logistics", reason="joined when it began") as session:
        joined = select(LoggerAssignment).join(Logger).where(Logger.code == "LG-24003")
        session.exec(joined).one().starts_at = now - timedelta(minutes=240)
    TelemetryStore(runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24003", payload=json.dumps({"readings": readings}).encode(),
        received_at=now)])
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        scan(session, runtime.profiles, load_alert_routes(), now=now)


def test_an_excursion_is_listed_acknowledged_and_resolved_through_the_api(app, client, token_for):
    an_excursion(app)
    [found] = client.get("/api/v1/shipments/HG-2026-0045/excursions",
                         headers=bearer(token_for("viewer"))).get_json()["items"]
    assert (found["logger"], found["rule"], found["status"], found["duration_s"]) == (
        "LG-24003", "above_8c_30min", "open", 2400.0)
    path = f"/api/v1/excursions/{found['id']}"
    assert client.post(f"{path}/acknowledge", json={"comment": "seen"},
                       headers=bearer(token_for("viewer"))).status_code == 403
    empty = client.post(f"{path}/acknowledge", json={"comment": " "}, headers=bearer(token_for("logistics")))
    assert empty.status_code == 422 and "comment" in empty.get_json()["fields"]
    seen = client.post(f"{path}/acknowledge", json={"comment": "QA told; shipper re-iced"},
                       headers=bearer(token_for("logistics"))).get_json()
    assert (seen["status"], seen["acknowledged_by"]) == ("acknowledged", "logistics")
    wrong = client.post(f"{path}/resolve", json={"assessment": "fine", "disposition": "keep"},
                        headers=bearer(token_for("qa")))
    assert wrong.status_code == 422 and "disposition" in wrong.get_json()["fields"]
    done = client.post(f"{path}/resolve", json={"assessment": "Within stability data",
                                                "disposition": "use_within_stability_budget"},
                       headers=bearer(token_for("qa"))).get_json()
    assert (done["status"], done["resolved_by"]) == ("resolved", "qa")
    assert client.post("/api/v1/excursions/99999/acknowledge", json={"comment": "x"},
                       headers=bearer(token_for("logistics"))).status_code == 404
    trail = client.get(f"/api/v1/audit?entity=excursions&entity_id={found['id']}",
                       headers=bearer(token_for("viewer"))).get_json()
    assert {"acknowledged", "resolved"} <= {event["new_value"].strip('"') for event in trail["items"]
                                             if event["field"] == "status"}
    assert all(event["actor"] in ("scheduler", "logistics", "qa") for event in trail["items"])


def test_lots_and_alerts_are_readable(app, client, token_for):
    an_excursion(app)
    lots = client.get("/api/v1/shipments/HG-2026-0045/lots", headers=bearer(token_for("viewer"))).get_json()
    kits = next(lot for lot in lots["items"] if lot["lot"] == "SK2609-031")
    assert (kits["item"], kits["state"], kits["budget_s"]) == ("SEL-CD34", "ok", 72 * 3600.0)
    assert kits["out_of_range_s"] == 40 * 60.0 and kits["remaining_s"] == 72 * 3600.0 - 2400
    page = client.get("/api/v1/alerts?kind=excursion", headers=bearer(token_for("viewer"))).get_json()
    [alert] = [alert for alert in page["items"]  # besides HG-2026-0044's, whose logger sent nothing
               if alert["title"].startswith("HG-2026-0045")]
    assert alert["severity"] == "major" and "LG-24003" in alert["title"]
    assert {delivery["channel"] for delivery in alert["deliveries"]} == {"in_app"}
    assert client.get("/api/v1/alerts?page=0", headers=bearer(token_for("viewer"))).status_code == 422


def test_each_loggers_time_counts_its_whole_window(app, client, token_for):
    # HG-2026-0044 carried LG-24002 from NOW − 99 h to NOW − 45 h, and it sent nothing: 54 h without data.
    headers = bearer(token_for("viewer"))
    [silent] = client.get("/api/v1/shipments/HG-2026-0044/loggers", headers=headers).get_json()["items"]
    assert silent == {
        "logger": "LG-24002", "profile": "frozen", "profile_version": 1,
        "window_start": "2026-11-20T03:00:00Z", "window_end": "2026-11-22T09:00:00Z", "readings": 0,
        "start": None, "end": None, "min_c": None, "max_c": None, "mean_c": None, "mkt_c": None,
        "time_in_range_s": 0.0, "time_above_s": 0.0, "time_below_s": 0.0, "time_no_data_s": 54 * 3600.0}
    # HG-2026-0045, still travelling: LG-24003 read every 5 min since it joined, 4 h ago; its window is open.
    an_excursion(app)
    items = client.get("/api/v1/shipments/HG-2026-0045/loggers", headers=headers).get_json()["items"]
    reading = next(item for item in items if item["logger"] == "LG-24003")
    assert (reading["window_end"], reading["readings"], reading["time_above_s"]) == (None, 48, 2400.0)
    assert reading["time_in_range_s"] + reading["time_above_s"] + reading["time_no_data_s"] >= 4 * 3600
    assert client.get("/api/v1/shipments/NOPE/loggers", headers=headers).status_code == 404


def test_lines_through_the_api_name_the_field_at_fault(client, token_for):
    headers = bearer(token_for("logistics"))
    path = "/api/v1/shipments/HG-2026-0048/lines"
    added = client.post(path, json={"lot": "CYT-SCF/SCF-2604-B", "quantity": "3 vials"}, headers=headers)
    assert added.status_code == 201
    [line] = [line for line in added.get_json()["lines"] if line["lot_number"] == "SCF-2604-B"]
    assert (line["quantity"], line["unit"]) == (3.0, "vial")
    bad = client.post(path, json={"lot": "CYT-SCF/SCF-2604-B", "quantity": "two"}, headers=headers)
    assert bad.status_code == 422 and "quantity" in bad.get_json()["fields"]
    unknown = client.post(path, json={"lot": "NOPE/1", "quantity": "1"}, headers=headers)
    assert unknown.status_code == 422 and "lot" in unknown.get_json()["fields"]
    gone = client.delete(f"{path}/{line['id']}", headers=headers)
    assert gone.status_code == 200 and line["id"] not in [entry["id"] for entry in gone.get_json()["lines"]]
    moving = client.post("/api/v1/shipments/HG-2026-0045/lines", json={"lot": "CYT-SCF/SCF-2604-B",
                                                                        "quantity": "1"}, headers=headers)
    assert moving.status_code == 422 and "only while planned or packed" in moving.get_json()["fields"]["lot"]


def test_legs_and_milestones_through_the_api(client, token_for):
    headers = bearer(token_for("logistics"))
    added = client.post("/api/v1/shipments/HG-2026-0048/legs", headers=headers, json={
        "mode": "courier", "origin": "SIRIRAJ-CM", "destination": "SIRIRAJ-PH",
        "planned_start": "2026-12-06T08:00:00+07:00", "planned_end": "2026-12-06T10:00:00+07:00"})
    assert added.status_code == 201
    leg = added.get_json()["legs"][-1]
    assert (leg["mode"], leg["origin"], leg["destination"]) == ("courier", "SIRIRAJ-CM", "SIRIRAJ-PH")
    done = client.patch(f"/api/v1/shipments/HG-2026-0048/legs/{leg['sequence']}", headers=headers,
                        json={"actual_start": "2026-12-06T08:20:00+07:00"})
    assert done.get_json()["legs"][-1]["actual_start"] == "2026-12-06T01:20:00Z"
    naive = client.patch(f"/api/v1/shipments/HG-2026-0048/legs/{leg['sequence']}", headers=headers,
                         json={"actual_end": "2026-12-06T10:00:00"})
    assert naive.status_code == 422 and "actual_end" in naive.get_json()["fields"]
    milestone = client.post("/api/v1/shipments/HG-2026-0048/milestones", headers=headers, json={
        "kind": "delivered", "at": "2026-12-06T09:55:00+07:00", "site": "SIRIRAJ-PH"})
    assert milestone.status_code == 201 and milestone.get_json()["milestones"][-1]["kind"] == "delivered"
    assert client.post("/api/v1/shipments/HG-2026-0048/milestones", headers=bearer(token_for("viewer")),
                       json={"kind": "x", "at": "2026-12-06T09:55:00+07:00"}).status_code == 403
