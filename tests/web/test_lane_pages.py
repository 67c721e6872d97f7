"""Lane pages: everyone signed in reads them, logistics records and changes lanes (a change with a reason
the audit trail keeps), a lane that does not join up comes back naming the field; "new shipment from lane"
proposes the shipment with its legs planned from the departure, to change before it is recorded."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from logistics.db.models import AuditEvent, Lane
from tests.web.conftest import csrf_token, login, web_app
from tests.web.refusals import field_error, focused, kept_value

NEW_LANE = {
    "code": "SZ-ROAD-PH", "name": "By road", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
    "packaging": "Passive shipper, 2–8 °C", "packaging_hold_hours": "48", "storage_profiles": "refrigerated",
    "loggers_per_box": "1", "coolant": "gel_packs",
    "legs-0-mode": "truck", "legs-0-origin": "HG-SZ", "legs-0-destination": "BKK",
    "legs-0-duration_hours": "40",
    "legs-1-mode": "courier", "legs-1-origin": "BKK", "legs-1-destination": "SIRIRAJ-PH",
    "legs-1-wait_hours": "1", "legs-1-duration_hours": "2.5",
}


@pytest.fixture
def pages(demo_runtime):
    """A logistics user's client on the demo, of each database kind."""
    client = login(web_app(demo_runtime).test_client(), "logistics")
    return client, csrf_token(client, "/lanes/new")


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_every_role_reads_the_lanes_and_only_logistics_is_offered_to_change_them(app):
    viewer = login(app.test_client(), "viewer")
    listed = text(viewer.get("/lanes"))
    assert "SZ-HKG-BKK-PH" in listed and "HG-SZ → HKG → BKK → SIRIRAJ-PH" in listed
    assert "New lane" not in listed and "New shipment from lane" not in listed
    lane = text(viewer.get("/lanes/SZ-SZX-BKK-CM"))
    assert "Dry-ice shipper, 12 kg pellets" in lane and "12 kg" in lane and "40.5 h" in lane
    assert viewer.get("/lanes/new").status_code == 403
    assert viewer.get("/lanes/SZ-SZX-BKK-CM/edit").status_code == 403
    assert viewer.get("/shipments/from-lane").status_code == 403
    assert viewer.get("/lanes/NO-SUCH").status_code == 404
    assert "New shipment from lane" in text(login(app.test_client(), "logistics").get("/shipments"))


def test_a_lane_is_added_from_its_form_and_changed_with_a_reason(pages, demo_runtime):
    client, token = pages
    added = client.post("/lanes/new", data={**NEW_LANE, "csrf_token": token}, follow_redirects=True)
    assert added.status_code == 200, text(added)
    shown = text(added)
    assert "Lane SZ-ROAD-PH added." in shown and "HG-SZ → BKK → SIRIRAJ-PH" in shown and "43.5 h" in shown
    form = {**NEW_LANE, "legs-0-duration_hours": "50", "csrf_token": token}
    form.pop("code")
    refused = client.post("/lanes/SZ-ROAD-PH/edit", data=form)
    assert refused.status_code == 422 and "say why the record changes" in text(refused)
    page = refused.get_data(as_text=True)
    assert field_error(page, "reason") and focused(page) == ["reason"]
    assert kept_value(page, "legs-0-duration_hours") == "50" and kept_value(page, "legs-1-mode") == "courier"
    changed = client.post("/lanes/SZ-ROAD-PH/edit", data={**form, "reason": "border queues"},
                          follow_redirects=True)
    assert "Lane SZ-ROAD-PH saved." in text(changed)
    assert "The packaging is qualified for 48 h, but the lane is planned to take 53.5 h" in text(changed)
    with demo_runtime.sessions() as session:
        lane_id = session.exec(select(Lane.id).where(Lane.code == "SZ-ROAD-PH")).one()
        trail = session.exec(select(AuditEvent.entity, AuditEvent.action, AuditEvent.reason).where(
            AuditEvent.actor == "logistics", AuditEvent.entity.in_(["lanes", "lane_legs"]))).all()
    assert ("lanes", "create", "lane added") in trail and ("lane_legs", "update", "border queues") in trail
    assert lane_id is not None


@pytest.mark.parametrize(("changes", "field_error"), [
    ({"legs-0-duration_hours": "0"}, "Input should be greater than 0"),
    ({"legs-1-origin": "HKG"}, "must be BKK, where the leg before arrives"),
    ({"legs-0-duration_hours": "four"}, "enter a number written out in full"),
    ({"coolant": "dry_ice"}, "give the net kg of dry ice"),
    ({"code": ""}, "use 3 to 40 letters"),
])
def test_a_lane_that_does_not_join_up_comes_back_naming_the_field(pages, changes, field_error):
    client, token = pages
    answer = client.post("/lanes/new", data={**NEW_LANE, **changes, "csrf_token": token})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Please correct the fields marked below." in page
    assert re.search(r'class="field-error" id="[\w-]+-error">[^<]*' + re.escape(field_error), page), page


def test_a_shipment_from_a_lane_is_proposed_from_the_departure_and_recorded_as_changed(pages):
    client, token = pages
    chooser = text(client.get("/shipments/from-lane"))
    assert "SZ-HKG-BKK-PH — Shenzhen → Siriraj pharmacy via Hong Kong" in chooser
    proposed = client.get("/shipments/from-lane?lane=SZ-HKG-BKK-PH&reference=HG-2026-0400"
                          "&departure=2026-12-01T08:30")
    page = proposed.get_data(as_text=True)
    planned = re.findall(r'name="legs-(\d)-planned_(start|end)" type="datetime-local" value="([^"]*)"', page)
    assert planned == [("0", "start", "2026-12-01T08:30"), ("0", "end", "2026-12-01T12:30"),
                       ("1", "start", "2026-12-01T16:00"), ("1", "end", "2026-12-01T18:00"),  # HKG, then BKK
                       ("2", "start", "2026-12-01T19:00"), ("2", "end", "2026-12-02T19:00"),
                       ("3", "start", "2026-12-02T23:00"), ("3", "end", "2026-12-03T01:00")]
    assert 'value="Passive shipper, 2–8 °C, PCM panels, qualified 96 h"' in page
    form = dict(re.findall(r'<input[^>]* name="([\w-]+)"[^>]* value="([^"]*)"', page))
    form |= {f"legs-{index}-{name}": value for index, name, value in re.findall(
        r'<select name="legs-(\d)-(mode|origin|destination)"[^>]*>.*?<option value="([^"]*)" selected', page,
        flags=re.S)}
    form |= {"coolant": "gel_packs", "legs-1-transport_ref": "CX701", "csrf_token": token}
    created = client.post("/shipments/from-lane", data=form, follow_redirects=True)
    assert created.status_code == 200, text(created)
    shown = text(created)
    assert "Shipment HG-2026-0400 created." in shown and ">SZ-HKG-BKK-PH</a>" in shown
    assert "Cathay Cargo CX701" in shown


def test_a_proposal_changed_into_a_route_that_does_not_fit_comes_back_with_the_field_named(pages):
    client, token = pages
    form = {"lane": "SZ-HKG-BKK-PH", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
            "reference": "HG-2026-0401",
            "planned_departure": "2026-12-01T08:30", "coolant": "gel_packs", "csrf_token": token,
            "legs-0-mode": "truck", "legs-0-origin": "HG-SZ", "legs-0-destination": "HKG",
            "legs-0-planned_start": "2026-12-01T08:30", "legs-0-planned_end": "2026-12-01T12:30",
            "legs-1-mode": "air", "legs-1-origin": "HKG", "legs-1-destination": "BKK",
            "legs-1-planned_start": "2026-12-01T10:00", "legs-1-planned_end": "2026-12-01T12:00"}
    answer = client.post("/shipments/from-lane", data=form)
    assert answer.status_code == 422
    assert re.search(r'id="legs-1-planned_start-error">must not be before 2026-12-01 04:30 UTC',
                     answer.get_data(as_text=True))
    assert client.get("/shipments/HG-2026-0401").status_code == 404
    bad = client.get("/shipments/from-lane?lane=SZ-HKG-BKK-PH&departure=yesterday")
    assert bad.status_code == 422 and "enter a date and time" in text(bad)


def test_a_lane_without_legs_is_refused_at_the_top_of_its_form(pages):
    client, token = pages
    no_legs = {name: value for name, value in NEW_LANE.items() if not name.startswith("legs-")}
    answer = client.post("/lanes/new", data={**no_legs, "csrf_token": token})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    top = re.search(r'<div class="form-problems" id="lane-problems" role="alert">(.*?)</div>', page, re.S)
    assert top and "a lane needs at least one leg" in top.group(1), page
    assert kept_value(page, "name") == "By road" and kept_value(page, "coolant") == "gel_packs"


def test_a_logger_refused_on_a_proposal_is_named_beside_its_own_select(pages):
    """Two loggers a box on this lane: the first left empty, the second one still recording elsewhere."""
    client, token = pages
    page = client.get("/shipments/from-lane?lane=SZ-SZX-BKK-CM&reference=HG-2026-0402"
                      "&departure=2026-12-10T08:30").get_data(as_text=True)
    form = dict(re.findall(r'<input[^>]* name="([\w-]+)"[^>]* value="([^"]*)"', page))
    form |= {f"legs-{index}-{name}": value for index, name, value in re.findall(
        r'<select name="legs-(\d)-(mode|origin|destination)"[^>]*>.*?<option value="([^"]*)" selected', page,
        flags=re.S)}
    answer = client.post("/shipments/from-lane", data={**form, "coolant": "dry_ice", "csrf_token": token,
                                                       "loggers": ["", "LG-24003"]})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert field_error(page, "loggers-1") and not field_error(page, "loggers-0"), page
    assert focused(page) == ["loggers-1"] and kept_value(page, "reference") == "HG-2026-0402"
    assert client.get("/shipments/HG-2026-0402").status_code == 404


def test_the_lanes_list_downloads_every_lane_as_the_csv_the_command_line_loads(app):
    from logistics.services import lanes

    client = login(app.test_client(), "viewer")
    assert 'href="/lanes.csv"' in client.get("/lanes").get_data(as_text=True)
    download = client.get("/lanes.csv")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    with app.extensions["logistics"].sessions() as session:
        assert download.get_data(as_text=True) == lanes.export_csv(session)
