"""Lanes through the API, on SQLite and PostgreSQL: listed and read by anyone signed in, recorded and set
whole by logistics (bearer token), bad input 422 naming the field, every change in the audit trail; a
shipment planned from a lane through /api/v1/lanes/{code}/shipments."""

from __future__ import annotations

import json

import pytest

from tests.web.conftest import web_app
from tests.web.test_api import bearer

LEGS = [
    {"mode": "truck", "origin": "HG-SZ", "destination": "SZX", "duration_hours": 2},
    {"mode": "air", "origin": "SZX", "destination": "BKK", "wait_hours": 4, "duration_hours": 3.5},
    {"mode": "courier", "origin": "BKK", "destination": "SIRIRAJ-PH", "wait_hours": 26, "duration_hours": 2},
]
LANE = {"code": "SZ-SZX-EXPRESS", "name": "Express via Shenzhen airport", "origin": "HG-SZ",
        "destination": "SIRIRAJ-PH", "packaging": "Passive shipper, 2–8 °C", "packaging_hold_hours": 48,
        "storage_profiles": ["refrigerated"], "coolant": "gel_packs", "legs": LEGS}


@pytest.fixture
def api(demo_runtime, token_for_runtime):
    client = web_app(demo_runtime).test_client()
    return client, bearer(token_for_runtime(demo_runtime, "logistics"))


@pytest.fixture
def token_for_runtime():
    from logistics.db.engine import unit_of_work
    from logistics.services import users

    def issue(runtime, username):
        with unit_of_work(runtime.sessions, actor="test") as session:
            return users.issue_token(session, username)

    return issue


def test_lanes_are_listed_and_read_whole(api):
    client, editor = api
    listed = client.get("/api/v1/lanes", headers=editor).get_json()["items"]
    assert [lane["code"] for lane in listed] == ["SZ-HKG-BKK-CM", "SZ-HKG-BKK-PH", "SZ-SZX-BKK-CM",
                                                 "SZ-SZX-BKK-PH"]
    lane = client.get("/api/v1/lanes/SZ-SZX-BKK-CM", headers=editor).get_json()
    assert (lane["coolant"], lane["coolant_kg"], lane["loggers_per_box"]) == ("dry_ice", 12, 2)
    assert [(leg["mode"], leg["origin"], leg["destination"]) for leg in lane["legs"]] == [
        ("truck", "HG-SZ", "SZX"), ("air", "SZX", "BKK"), ("customs", "BKK", "BKK"),
        ("courier", "BKK", "SIRIRAJ-CM")]
    assert lane["transit_hours"] == 40.5 and lane["shipments"] == 2  # HG-2026-0044 and -0046
    missing = client.get("/api/v1/lanes/NO-SUCH", headers=editor)
    assert missing.status_code == 404 and "NO-SUCH" in missing.get_json()["error"]


def test_a_lane_is_recorded_and_set_whole_with_a_reason_the_trail_keeps(api):
    client, editor = api
    created = client.post("/api/v1/lanes", headers=editor, json=LANE)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["transit_hours"] == 37.5 and created.get_json()["warnings"] == []
    longer = {**LANE, "legs": [*LEGS[:2], {**LEGS[2], "wait_hours": 40}], "reason": "courier slots full"}
    longer.pop("code")
    changed = client.put("/api/v1/lanes/SZ-SZX-EXPRESS", headers=editor, json=longer)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["warnings"] == [
        "The packaging is qualified for 48 h, but the lane is planned to take 51.5 h from departure to "
        "arrival: a delay would leave the goods without their range."]
    events = client.get("/api/v1/audit?entity=lane_legs", headers=editor).get_json()["items"]
    [change] = [event for event in events if event["action"] == "update"]
    assert (change["field"], json.loads(change["old_value"]), json.loads(change["new_value"]),
            change["reason"], change["actor"]) == (
        "wait_s", 26 * 3600.0, 40 * 3600.0, "courier slots full", "logistics")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": "SZ-HKG-BKK-PH"}, "code", "already used"),
    ({"code": "new"}, "code", "is the name of a page"),
    ({"legs": [{**LEGS[0], "duration_hours": 0}, *LEGS[1:]]}, "legs.0.duration_hours", "greater than 0"),
    ({"legs": [LEGS[0], {**LEGS[1], "origin": "HKG"}, LEGS[2]]}, "legs.1.origin",
     "must be SZX, where the leg before arrives"),
    ({"legs": LEGS[:2]}, "legs.1.destination", "must arrive at the lane's destination"),
    ({"coolant": "dry_ice"}, "coolant_kg", "give the net kg of dry ice"),
    ({"coolant": "snow"}, "coolant", "choose one of none, gel_packs, dry_ice, ln2_dry_shipper"),
    ({"storage_profiles": ["tepid"]}, "storage_profiles", "no storage profile 'tepid'"),
    ({"legs": "truck"}, "legs", "valid list"),
    ({"colour": "blue"}, "colour", "is not a known field"),
])
def test_bad_input_is_422_naming_the_field(api, changes, field, message):
    client, editor = api
    answer = client.post("/api/v1/lanes", headers=editor, json={**LANE, **changes})
    assert answer.status_code == 422, answer.get_json()
    assert message in answer.get_json()["fields"][field]


def test_setting_a_lane_needs_a_reason_and_an_existing_lane(api):
    client, editor = api
    whole = {key: value for key, value in LANE.items() if key != "code"}
    answer = client.put("/api/v1/lanes/SZ-HKG-BKK-PH", headers=editor, json=whole)
    assert answer.status_code == 422 and "reason" in answer.get_json()["fields"]
    answer = client.put("/api/v1/lanes/NO-SUCH", headers=editor, json={**whole, "reason": "x"})
    assert answer.status_code == 404


def test_a_shipment_is_planned_from_a_lane_from_its_departure(api):
    client, editor = api
    answer = client.post("/api/v1/lanes/SZ-HKG-BKK-PH/shipments", headers=editor, json={
        "reference": "HG-2026-0300", "planned_departure": "2026-12-01T08:30:00+08:00",
        "air_waybill": "160-48122034", "loggers": ["LG-24008"]})
    assert answer.status_code == 201, answer.get_json()
    shipment = answer.get_json()
    assert (shipment["lane"], shipment["coolant"], shipment["packaging_validated_hours"]) == (
        "SZ-HKG-BKK-PH", "gel_packs", 96)
    assert [(leg["planned_start"], leg["planned_end"]) for leg in shipment["legs"]] == [
        ("2026-12-01T00:30:00Z", "2026-12-01T04:30:00Z"), ("2026-12-01T08:00:00Z", "2026-12-01T11:00:00Z"),
        ("2026-12-01T12:00:00Z", "2026-12-02T12:00:00Z"), ("2026-12-02T16:00:00Z", "2026-12-02T18:00:00Z")]
    assert shipment["planned_arrival"] == "2026-12-02T18:00:00Z"
    assert [logger["logger"] for logger in shipment["loggers"]] == ["LG-24008"]
    again = client.post("/api/v1/lanes/SZ-HKG-BKK-PH/shipments", headers=editor, json={
        "reference": "HG-2026-0300", "planned_departure": "2026-12-01T08:30:00+08:00"})
    assert again.status_code == 422 and "already used" in again.get_json()["fields"]["reference"]
    bad = client.post("/api/v1/lanes/SZ-HKG-BKK-PH/shipments", headers=editor, json={
        "reference": "x", "planned_departure": "2026-12-01T08:30:00+08:00"})
    assert bad.status_code == 422 and list(bad.get_json()["fields"]) == ["reference"]


def test_only_roles_that_edit_shipments_may_write_lanes_and_the_openapi_document_describes_them(
        api, demo_runtime, token_for_runtime):
    client, _editor = api
    viewer = bearer(token_for_runtime(demo_runtime, "viewer"))
    assert client.get("/api/v1/lanes", headers=viewer).status_code == 200
    assert client.post("/api/v1/lanes", headers=viewer, json=LANE).status_code == 403
    assert client.post("/api/v1/lanes", json=LANE).status_code == 401
    paths = client.get("/api/v1/openapi.json", headers=viewer).get_json()["paths"]
    assert set(paths["/api/v1/lanes"]) == {"get", "post"}
    assert set(paths["/api/v1/lanes/{code}"]) == {"get", "put"}
    assert set(paths["/api/v1/lanes/{code}/shipments"]) == {"post"}
