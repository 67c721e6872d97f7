"""Route legs on the shipment page: a leg that does not fit the route is refused naming the field, a gap is
warned; a leg that has not started is corrected (reviewed old → new, then confirmed) or deleted, each with
a reason that the audit trail keeps; a started leg is neither."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from logistics.db.models import AuditEvent
from tests.web.conftest import csrf_token, login
from tests.web.refusals import field_error

SHIPMENT = "HG-2026-0045"  # in transit: legs 1 and 2 started; 3 (customs BKK), 4 (courier → SIRIRAJ-PH) not
PAGE = f"/shipments/{SHIPMENT}"
OPEN = "HG-2026-0048"  # planned: truck HG-SZ → SZX, air → BKK, customs BKK, courier → SIRIRAJ-PH


def signed_in(app, role="logistics"):
    client = login(app.test_client(), role)
    return client, csrf_token(client, PAGE)


def test_a_leg_that_does_not_fit_the_route_is_refused_naming_the_field(app):
    client, token = signed_in(app)
    leg = {"mode": "courier", "origin": "SIRIRAJ-PH", "destination": "SIRIRAJ-CM", "csrf_token": token}
    cases = [  # (what differs from a sensible next leg, the field refused, what it says)
        ({"planned_start": "2026-12-03T10:00", "planned_end": "2026-12-03T12:00"}, "leg-start",
         "must not be before 2026-12-03 18:00 UTC, when leg 4 is planned to end"),
        ({"planned_start": "2026-12-05T10:00", "planned_end": "2026-12-05T10:00"}, "leg-end",
         "must be after the planned start: a leg takes some time"),
        ({"destination": "SIRIRAJ-PH"}, "leg-destination",
         "must differ from the origin: a courier leg takes the goods somewhere else"),
        ({"origin": "BKK"}, "leg-origin",
         "leg 4 takes the goods from BKK to SIRIRAJ-PH: start this leg at SIRIRAJ-PH, or add first "
         "the leg that brings them back"),
    ]
    for changes, field_id, said in cases:
        page = client.post(f"/shipments/{OPEN}/legs", data={**leg, **changes})
        assert page.status_code == 422, changes
        assert field_error(page.get_data(as_text=True), field_id) == said, changes
    shown = client.get(f"/shipments/{OPEN}").get_data(as_text=True)
    assert len(re.findall(r'action="/shipments/HG-2026-0048/legs/\d+/times"', shown)) == 4  # nothing added


def test_a_gap_in_the_route_is_added_and_warned_on_the_page(app):
    client, token = signed_in(app)
    page = client.post(f"/shipments/{OPEN}/legs", follow_redirects=True, data={
        "mode": "courier", "origin": "HKG", "destination": "SIRIRAJ-PH", "planned_start": "2026-12-05T10:00",
        "planned_end": "2026-12-05T12:00", "csrf_token": token}).get_data(as_text=True)
    assert "Leg added." in page
    warnings = re.search(r'<ul class="warnings" id="route-warnings"[^>]*>(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>([^<]*)</li>", warnings) == ["Leg 5 starts at HKG, but leg 4 ends at SIRIRAJ-PH."]


def test_a_leg_is_corrected_after_a_review_and_the_trail_keeps_old_new_and_why(app):
    client, token = signed_in(app)
    form = client.get(f"{PAGE}/legs/3/edit").get_data(as_text=True)
    assert 'value="2026-11-24T15:00"' in form  # the planned start, in BKK's time, ready to change
    change = {"mode": "customs", "origin": "BKK", "destination": "BKK", "carrier": "Thai customs / Thai FDA",
              "transport_ref": "", "planned_start": "2026-11-24T16:00", "planned_end": "2026-11-25T20:00",
              "csrf_token": token}
    unexplained = client.post(f"{PAGE}/legs/3/edit", data={**change, "step": "review", "reason": " "})
    assert unexplained.status_code == 422
    assert 'id="reason-error">say why the record changes' in unexplained.get_data(as_text=True)
    reviewed = client.post(f"{PAGE}/legs/3/edit", data={**change, "step": "review",
                                                         "reason": "customs slot moved by the broker"})
    review = reviewed.get_data(as_text=True)
    assert reviewed.status_code == 200 and "The correction changes:" in review
    assert ("<td>planned start</td><td>Nov 24, 2026, 15:00 +07:00</td><td>Nov 24, 2026, 16:00 +07:00</td>"
            in review)
    with app.extensions["logistics"].sessions() as session:  # nothing is written before the confirmation
        assert session.exec(select(AuditEvent).where(AuditEvent.entity == "legs",
                                                     AuditEvent.action == "update")).all() == []
    confirmed = client.post(f"{PAGE}/legs/3/edit", follow_redirects=True, data={
        **change, "step": "confirm", "reason": "customs slot moved by the broker"}).get_data(as_text=True)
    assert "Leg 3 corrected." in confirmed
    trail = confirmed.split('id="audit"', 1)[1]
    assert re.search(r'<td title="logistics">[^<]*</td>\s*<td><span class="kind">route leg</span>\s*'
                     r"HG-2026-0045 leg 3</td>\s*<td class=\"change\">\s*"
                     r"<span class=\"field\">planned start:</span> "
                     r"Nov 24, 2026, 15:00 \+07:00 → Nov 24, 2026, 16:00 \+07:00\s*</td>\s*"
                     r"<td>customs slot moved by the broker</td>", trail)


def test_a_correction_that_overlaps_the_next_leg_is_refused_and_changes_nothing(app):
    client, token = signed_in(app)
    refused = client.post(f"{PAGE}/legs/3/edit", data={
        "mode": "customs", "origin": "BKK", "destination": "BKK", "planned_start": "2026-11-24T15:00",
        "planned_end": "2026-11-26T08:00", "reason": "longer hold", "step": "confirm", "csrf_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert ('id="planned_end-error">must not be after 2026-11-25 16:00 UTC, when leg 4 is planned to start'
            in page)
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.entity == "legs",
                                                     AuditEvent.action != "create")).all() == []


def test_a_leg_is_deleted_with_a_reason_shown_in_the_audit_trail(app):
    client, token = signed_in(app)
    asked = client.get(f"{PAGE}/legs/3/delete").get_data(as_text=True)
    assert "Delete leg 3 of HG-2026-0045" in asked
    assert "Without this leg" not in asked  # customs stays at BKK: the route still adds up
    unexplained = client.post(f"{PAGE}/legs/3/delete", data={"reason": "", "csrf_token": token})
    assert unexplained.status_code == 422
    said = unexplained.get_data(as_text=True)
    assert field_error(said, "reason") == "say why the record changes (kept in the audit trail)"
    deleted = client.post(f"{PAGE}/legs/3/delete", follow_redirects=True, data={
        "reason": "cleared in advance, no customs hold", "csrf_token": token}).get_data(as_text=True)
    assert "Leg 3 deleted." in deleted
    trail = deleted.split('id="audit"', 1)[1]
    [row] = [row for row in trail.split("<tr")[1:] if 'class="audit-delete"' in row]
    assert '<td title="logistics">' in row and "HG-2026-0045 leg 3</td>" in row
    assert '<span class="field">mode:</span> customs' in row
    assert row.count("cleared in advance, no customs hold") == 1  # the reason, once
    audit = client.get("/audit?entity=legs").get_data(as_text=True)
    assert "cleared in advance, no customs hold" in audit
    with app.extensions["logistics"].sessions() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one()
        assert (event.actor, event.reason, json.loads(event.old_value)["sequence"]) == (
            "logistics", "cleared in advance, no customs hold", 3)
    legs = re.findall(r'action="/shipments/HG-2026-0045/legs/(\d+)/delete"', deleted)
    assert legs == ["4"]  # the others keep their numbers; 1 and 2 have started


def test_deleting_a_leg_in_the_middle_says_what_the_route_then_lacks(app):
    client, _token = signed_in(app)
    asked = client.get(f"/shipments/{OPEN}/legs/2/delete").get_data(as_text=True)
    assert "Without this leg, the route would not add up:" in asked
    assert "Leg 3 starts at BKK, but leg 1 ends at SZX." in asked


def test_a_started_leg_can_be_neither_corrected_nor_deleted(app):
    client, token = signed_in(app)
    page = client.get(PAGE).get_data(as_text=True)
    assert f"{PAGE}/legs/1/delete" not in page and f"{PAGE}/legs/1/edit" not in page
    asked = client.get(f"{PAGE}/legs/1/delete").get_data(as_text=True)
    assert "leg 1 started at 2026-11-23 21:30 UTC: a leg under way or done cannot be deleted" in asked
    assert 'name="reason"' not in asked
    refused = client.post(f"{PAGE}/legs/1/delete", data={"reason": "wrong truck", "csrf_token": token})
    assert refused.status_code == 422
    assert "leg 1 started at 2026-11-23 21:30 UTC" in refused.get_data(as_text=True)
    editing = client.get(f"{PAGE}/legs/2/edit").get_data(as_text=True)
    assert "a leg under way or done cannot be corrected; record its actual times instead" in editing
    corrected = client.post(f"{PAGE}/legs/2/edit", data={
        "mode": "air", "origin": "HKG", "destination": "BKK", "reason": "other flight", "step": "confirm",
        "csrf_token": token})
    assert corrected.status_code == 422
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.entity == "legs",
                                                     AuditEvent.action != "create")).all() == []


def test_only_those_who_edit_shipments_correct_or_delete_legs(app):
    client, token = signed_in(app, "viewer")
    assert client.get(f"{PAGE}/legs/4/delete").status_code == 403
    assert client.post(f"{PAGE}/legs/4/delete", data={"reason": "x", "csrf_token": token}).status_code == 403
    assert client.get(f"{PAGE}/legs/4/edit").status_code == 403
    page = client.get(PAGE).get_data(as_text=True)
    assert "/legs/4/delete" not in page
    editor, _token = signed_in(app)
    assert editor.get(f"{PAGE}/legs/9/delete").status_code == 404
    assert editor.get("/shipments/NOPE-1/legs/1/edit").status_code == 404


def test_a_route_warning_reads_in_the_readers_language(app):
    client, token = signed_in(app)
    client.post("/language", data={"language": "th", "next": "/", "csrf_token": token})
    asked = client.get(f"/shipments/{OPEN}/legs/2/delete").get_data(as_text=True)
    assert "Leg 3 starts at BKK, but leg 1 ends at SZX." not in asked
    assert re.search(r"<li>[^<]*[\u0e00-\u0e7f][^<]*BKK[^<]*SZX[^<]*</li>", asked)
