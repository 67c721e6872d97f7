"""A shipment's lane, changed on its edit form (which offers the lanes between its ends, or none) and
through the API (`lane` by code, on create and update): a lane between other sites is refused naming the
field, and the audit trail keeps the change."""

from __future__ import annotations

import json
import re

from tests.web.conftest import csrf_token, login
from tests.web.test_api import bearer

PLANNED = "HG-2026-0048"  # HG-SZ → SIRIRAJ-PH, planned from lane SZ-SZX-BKK-PH
EDIT = f"/shipments/{PLANNED}/edit"
FORM = {"origin": "HG-SZ", "destination": "SIRIRAJ-PH", "reason": "booked through Hong Kong"}


def test_the_edit_form_offers_the_lanes_between_the_ends_and_saves_the_choice(app):
    client = login(app.test_client(), "logistics")
    page = client.get(EDIT).get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]*)"', page.split('id="lane"', 1)[1].split("</select>", 1)[0])
    assert offered == ["", "SZ-HKG-BKK-PH", "SZ-SZX-BKK-PH"]  # none, and the two lanes to the pharmacy
    assert re.search(r'<option value="SZ-SZX-BKK-PH" selected>', page)
    saved = client.post(EDIT, data={**FORM, "lane": "SZ-HKG-BKK-PH", "csrf_token": csrf_token(client, EDIT)})
    assert saved.status_code == 302
    assert re.search(r'<option value="SZ-HKG-BKK-PH" selected>', client.get(EDIT).get_data(as_text=True))
    token = csrf_token(client, EDIT)
    refused = client.post(EDIT, data={**FORM, "lane": "SZ-SZX-BKK-CM", "csrf_token": token})
    assert refused.status_code == 422
    assert re.search(r'<p class="field-error" id="lane-error">lane SZ-SZX-BKK-CM runs from HG-SZ to '
                     r"SIRIRAJ-CM, not from HG-SZ to SIRIRAJ-PH", refused.get_data(as_text=True))
    cleared = client.post(EDIT, data={**FORM, "lane": "", "reason": "lane not booked",
                                      "csrf_token": csrf_token(client, EDIT)})
    assert cleared.status_code == 302
    headers = bearer(_token(app, "viewer"))
    assert app.test_client().get(f"/api/v1/shipments/{PLANNED}", headers=headers).get_json()["lane"] is None
    events = app.test_client().get("/api/v1/audit?entity=shipments&actor=logistics",
                                   headers=headers).get_json()["items"]
    changes = [(event["field"], event["reason"]) for event in events if event["field"] == "lane_id"]
    assert changes == [("lane_id", "lane not booked"), ("lane_id", "booked through Hong Kong")]


def test_the_api_takes_the_lane_by_code_and_refuses_one_between_other_sites(app):
    client, editor = app.test_client(), bearer(_token(app, "logistics"))
    address = f"/api/v1/shipments/{PLANNED}"
    answer = client.patch(address, headers=editor, json={"lane": "SZ-HKG-BKK-PH", "reason": "via Hong Kong"})
    assert answer.status_code == 200 and answer.get_json()["lane"] == "SZ-HKG-BKK-PH"
    moved = client.patch(address, headers=editor, json={"destination": "SIRIRAJ-CM", "reason": "to the lab"})
    assert moved.status_code == 422 and "runs from HG-SZ to SIRIRAJ-PH" in moved.get_json()["fields"]["lane"]
    both = client.patch(address, headers=editor, json={"destination": "SIRIRAJ-CM", "lane": "SZ-HKG-BKK-CM",
                                                       "reason": "to the lab"})
    assert both.status_code == 200 and both.get_json()["lane"] == "SZ-HKG-BKK-CM"
    unknown = client.patch(address, headers=editor, json={"lane": "NO-SUCH", "reason": "x"})
    assert unknown.status_code == 422 and unknown.get_json()["fields"] == {"lane": "no lane 'NO-SUCH'"}
    new = {"reference": "HG-2026-0950", "origin": "HG-SZ", "destination": "SIRIRAJ-PH"}
    refused = client.post("/api/v1/shipments", headers=editor, json={**new, "lane": "SZ-HKG-BKK-CM"})
    assert refused.status_code == 422
    assert "not from HG-SZ to SIRIRAJ-PH" in refused.get_json()["fields"]["lane"]
    created = client.post("/api/v1/shipments", headers=editor, json={**new, "lane": "SZ-SZX-BKK-PH"})
    assert created.status_code == 201 and created.get_json()["lane"] == "SZ-SZX-BKK-PH"
    events = client.get("/api/v1/audit?entity=shipments&actor=logistics", headers=editor).get_json()["items"]
    lanes = [json.loads(event["new_value"]) for event in events if event["field"] == "lane_id"]
    assert len(lanes) == 2 and all(lanes)  # HG-2026-0048's two changes (the refused ones left no trace)


def _token(app, username):
    from logistics.db.engine import unit_of_work
    from logistics.services import users

    with unit_of_work(app.extensions["logistics"].sessions, actor="test") as session:
        return users.issue_token(session, username)
