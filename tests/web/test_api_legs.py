"""Route legs through the API: a leg that does not fit the route is 422 naming the field, a gap comes back
in `route_warnings`; PUT corrects and DELETE removes a leg that has not started, each with a reason the
audit trail keeps; a started leg is refused with the reason."""

from __future__ import annotations

import json

import pytest

from tests.web.test_api import bearer

SHIPMENT = "/api/v1/shipments/HG-2026-0045"  # legs 1 and 2 started; 3 (customs BKK) and 4 not
CUSTOMS = {"mode": "customs", "origin": "BKK", "destination": "BKK", "carrier": "Thai customs / Thai FDA",
           "planned_start": "2026-11-24T16:00:00+07:00", "planned_end": "2026-11-25T19:00:00+07:00"}


@pytest.fixture
def editor(token_for):
    return bearer(token_for("logistics"))


def audit(client, headers, action):
    events = client.get("/api/v1/audit?entity=legs", headers=headers).get_json()["items"]
    return [event for event in events if event["action"] == action]


def test_a_leg_that_has_not_started_is_corrected_with_its_reason(client, editor):
    corrected = client.put(f"{SHIPMENT}/legs/3", headers=editor, json={**CUSTOMS, "reason": "slot moved"})
    assert corrected.status_code == 200, corrected.get_json()
    leg = corrected.get_json()["legs"][2]
    assert (leg["sequence"], leg["planned_start"]) == (3, "2026-11-24T09:00:00Z")
    [change] = audit(client, editor, "update")
    assert (change["field"], json.loads(change["old_value"]), json.loads(change["new_value"]),
            change["reason"], change["actor"]) == (
        "planned_start", "2026-11-24T08:00:00+00:00", "2026-11-24T09:00:00+00:00", "slot moved", "logistics")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({}, "reason", "Field required"),
    ({"reason": ""}, "reason", "at least 1 character"),
    ({"reason": "x", "planned_end": "2026-11-26T08:00:00+07:00"}, "planned_end",
     "must not be after 2026-11-25 16:00 UTC, when leg 4 is planned to start"),
    ({"reason": "x", "planned_end": "2026-11-24T16:00:00+07:00"}, "planned_end",
     "must be after the planned start: a leg takes some time"),
    ({"reason": "x", "mode": "truck"}, "destination",
     "must differ from the origin: a truck leg takes the goods somewhere else"),
    ({"reason": "x", "destination": "NOPE"}, "destination", "no site with code 'NOPE'"),
])
def test_a_correction_that_does_not_fit_is_422_naming_the_field(client, editor, changes, field, message):
    refused = client.put(f"{SHIPMENT}/legs/3", headers=editor, json={**CUSTOMS, **changes})
    assert refused.status_code == 422
    assert message in refused.get_json()["fields"][field]
    assert audit(client, editor, "update") == []


def test_a_leg_that_has_not_started_is_deleted_with_its_reason(client, editor):
    deleted = client.delete(f"{SHIPMENT}/legs/4", headers=editor, json={"reason": "delivered by the airline"})
    assert deleted.status_code == 200
    answer = deleted.get_json()
    assert [leg["sequence"] for leg in answer["legs"]] == [1, 2, 3]
    assert answer["route_warnings"] == ["The route ends at BKK, but the shipment goes to SIRIRAJ-PH."]
    [gone] = audit(client, editor, "delete")
    assert (gone["reason"], json.loads(gone["old_value"])["mode"]) == ("delivered by the airline", "courier")
    assert client.delete(f"{SHIPMENT}/legs/4", headers=editor, json={"reason": "again"}).status_code == 404


@pytest.mark.parametrize(("sequence", "body", "field", "message"), [
    (4, None, "body", "send a JSON object"),
    (4, {"reason": " "}, "reason", "say why the record changes"),
    (1, {"reason": "wrong truck"}, "leg", "leg 1 started at 2026-11-23 21:30 UTC: a leg under way or done "
                                          "cannot be deleted, since the goods travelled it"),
])
def test_a_deletion_without_a_reason_or_of_a_started_leg_is_refused(client, editor, sequence, body, field,
                                                                     message):
    refused = client.delete(f"{SHIPMENT}/legs/{sequence}", headers=editor, json=body)
    assert refused.status_code == 422
    assert message in refused.get_json()["fields"][field]
    assert audit(client, editor, "delete") == []


def test_a_started_leg_is_not_corrected(client, editor):
    refused = client.put(f"{SHIPMENT}/legs/2", headers=editor, json={
        "mode": "air", "origin": "HKG", "destination": "BKK", "reason": "other flight"})
    assert refused.status_code == 422
    assert "cannot be corrected; record its actual times instead" in refused.get_json()["fields"]["leg"]


def test_a_new_leg_is_checked_against_the_route_and_a_gap_is_warned(client, editor):
    early = client.post(f"{SHIPMENT}/legs", headers=editor, json={
        "mode": "courier", "origin": "SIRIRAJ-PH", "destination": "SIRIRAJ-CM",
        "planned_start": "2026-11-25T20:00:00+07:00", "planned_end": "2026-11-25T22:00:00+07:00"})
    assert early.status_code == 422
    assert early.get_json()["fields"]["planned_start"] == (
        "must not be before 2026-11-25 18:00 UTC, when leg 4 is planned to end")
    gap = client.post(f"{SHIPMENT}/legs", headers=editor, json={
        "mode": "courier", "origin": "HKG", "destination": "SIRIRAJ-PH",
        "planned_start": "2026-11-26T08:00:00+07:00", "planned_end": "2026-11-26T10:00:00+07:00"})
    assert gap.status_code == 201
    assert gap.get_json()["route_warnings"] == ["Leg 5 starts at HKG, but leg 4 ends at SIRIRAJ-PH."]


def test_the_openapi_document_describes_correcting_and_deleting_a_leg(client, editor):
    paths = client.get("/api/v1/openapi.json", headers=editor).get_json()["paths"]
    described = paths["/api/v1/shipments/{reference}/legs/{sequence}"]
    assert {"patch", "put", "delete"} <= described.keys()
    assert described["delete"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "LegRemoval")
