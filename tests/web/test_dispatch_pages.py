"""The dispatch gate on a shipment's page and in the API: its state shown before anyone clicks, marking a
shipment departed refused (422) with every reason, and QA's override, after which it may leave."""

from __future__ import annotations

from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent
from logistics.schemas.shipments import ShipmentUpdate
from logistics.services import shipments
from tests.conftest import NOW
from tests.web.conftest import csrf_token, login
from tests.web.test_languages import choose

PACKED, PLANNED, UNDER_WAY = "HG-2026-0047", "HG-2026-0048", "HG-2026-0045"


def hold(app, reference=PACKED):
    """Take the shipment's permit away: the gate holds it."""
    runtime = app.extensions["logistics"]
    with unit_of_work(runtime.sessions, actor="logistics", reason="permit withdrawn") as session:
        shipments.update_shipment(session, reference, ShipmentUpdate(import_permit=None), now=NOW)


def panel(page):
    return page.split('id="dispatch"', 1)[1].split("</section>", 1)[0]


def test_the_page_shows_the_gate_before_anyone_clicks(client):
    login(client, "logistics")
    planned = panel(client.get(f"/shipments/{PLANNED}").get_data(as_text=True))
    assert "Ready to dispatch" in planned and "It may not leave: 2 reasons hold it." in planned
    assert "no import permit is named" in planned and "no logger is recording for the shipment" in planned
    assert "Override (QA)" not in planned  # logistics may not override
    assert "Nothing holds it" in panel(client.get(f"/shipments/{PACKED}").get_data(as_text=True))
    assert 'id="dispatch"' not in client.get(f"/shipments/{UNDER_WAY}").get_data(as_text=True)  # it left
    choose(client, "th", f"/shipments/{PLANNED}")
    thai = panel(client.get(f"/shipments/{PLANNED}").get_data(as_text=True))
    assert "Ready to dispatch" not in thai and "no import permit is named" not in thai


def test_a_refused_departure_names_its_reasons_until_qa_overrides_them(app):
    hold(app)
    staff = login(app.test_client(), "logistics")
    token = csrf_token(staff, f"/shipments/{PACKED}")
    refused = staff.post(f"/shipments/{PACKED}/status", data={"status": "in_transit", "csrf_token": token})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    problems = page.split('id="status-problems" role="alert">', 1)[1].split("</div>", 1)[0]
    assert "it may not leave yet: the dispatch gate holds it for the reasons listed" in problems
    assert "no import permit is named" in panel(page)

    qa = login(app.test_client(), "qa")
    action = f"/shipments/{PACKED}/dispatch-override"
    assert action in qa.get(f"/shipments/{PACKED}").get_data(as_text=True)
    why = "Permit renewal filed with Thai FDA; broker confirms clearance"
    done = qa.post(action, data={"why": why, "csrf_token": csrf_token(qa, f"/shipments/{PACKED}")})
    assert done.status_code == 302
    shown = panel(qa.get(f"/shipments/{PACKED}").get_data(as_text=True))
    assert "(overridden by QA)" in shown and "Overridden by qa on" in shown and why in shown
    assert "It may leave: QA has overridden every reason below." in shown

    left = staff.post(f"/shipments/{PACKED}/status", data={"status": "in_transit", "csrf_token": token})
    assert left.status_code == 302
    assert "is now in transit." in staff.get(f"/shipments/{PACKED}").get_data(as_text=True)
    with app.extensions["logistics"].sessions() as session:
        audited = session.exec(select(AuditEvent.actor, AuditEvent.reason)
                               .where(AuditEvent.entity == "dispatch_overrides")).all()
    assert {actor for actor, _ in audited} == {"qa"} and all(why in reason for _, reason in audited)


def test_the_api_refuses_a_departure_with_the_reasons_and_takes_qas_override(app, client, token_for):
    hold(app)
    staff = {"Authorization": f"Bearer {token_for('logistics')}"}
    qa = {"Authorization": f"Bearer {token_for('qa')}"}
    path = f"/api/v1/shipments/{PACKED}"
    refused = client.patch(path, headers=staff, json={"status": "in_transit", "reason": "truck here"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "dispatch blocked" and "status" in body["fields"]
    assert [(reason["code"], reason["subject"]) for reason in body["reasons"]] == [("permit_missing", None)]
    gate = client.get(f"{path}/dispatch-gate", headers=staff).get_json()
    assert gate["applies"] and not gate["ready"] and gate["blocking"] == body["reasons"]
    assert client.post(f"{path}/dispatch-override", headers=staff, json={"why": "x"}).status_code == 403
    assert client.post(f"{path}/dispatch-override", headers=qa, json={"why": ""}).status_code == 422
    overridden = client.post(f"{path}/dispatch-override", headers=qa, json={"why": "renewal filed"})
    assert overridden.status_code == 201
    shown = overridden.get_json()
    assert shown["ready"] and shown["blocking"] == [] and shown["override"]["by"] == "qa"
    assert shown["override"]["covers"] == [
        "permit_missing: no import permit is named: give the permit's number"]
    left = client.patch(path, headers=staff, json={"status": "in_transit", "reason": "truck here"})
    assert left.status_code == 200 and left.get_json()["status"] == "in_transit"
    gone = client.get(f"{path}/dispatch-gate", headers=staff).get_json()
    assert not gone["applies"] and gone["reasons"] == []
