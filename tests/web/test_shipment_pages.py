"""The shipment pages: list, detail with local times, create and edit with field errors."""

import html
import re

import pytest
from sqlmodel import select

from logistics.core.roles import Role
from logistics.db.models import AuditEvent
from tests.web.conftest import csrf_token, login
from tests.web.refusals import field_error

GOOD_FORM = {
    "reference": "HG-2026-0101", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
    "air_waybill": "160-48122034", "planned_departure": "2026-12-01T09:30",
    "planned_arrival": "2026-12-04T14:00", "packaging": "Passive shipper, 2–8 °C",
    "packaging_validated_hours": "96", "import_permit": "TFDA-IMP-2026-00501", "notes": "",
}


def test_the_list_shows_the_demo_shipments_and_filters(client):
    login(client, "viewer")
    page = client.get("/shipments").get_data(as_text=True)
    for reference in ("HG-2026-0041", "HG-2026-0045", "HG-2026-0046", "HG-2026-0048"):
        assert reference in page
    arrived = client.get("/shipments?status=arrived").get_data(as_text=True)
    assert "HG-2026-0046" in arrived and "HG-2026-0045" not in arrived
    assert "No shipment matches" in client.get("/shipments?q=nothing-like-this").get_data(
        as_text=True)


def test_the_detail_page_shows_times_in_each_sites_zone(client):
    login(client, "viewer")
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    # Demo loaded at 06:00 UTC; planned departure 9 h earlier, from Shenzhen (UTC+8).
    assert "Nov 24, 2026, 05:00 +08:00" in page
    # Planned arrival 40 h later, in Bangkok (UTC+7).
    assert "Nov 26, 2026, 05:00 +07:00" in page
    assert "SK2609-031" in page and "6 kit" in page
    assert "LG-24003" in page and "CX705" in page
    assert client.get("/shipments/NOPE").status_code == 404


def test_the_detail_page_shows_each_lots_stability_budget(client):
    login(client, "viewer")
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    stability = page.split("Stability of the lots carried", 1)[1].split("</table>", 1)[0]
    kits = stability.split("SK2609-031", 1)[1].split("</tr>", 1)[0]
    assert "72.0 h at ≤ 25 °C" in kits and "badge-budget-ok" in kits  # no telemetry yet: all of it left


def test_create_a_shipment_and_read_it_back(client):
    login(client, "logistics")
    response = client.post("/shipments/new",
                           data={**GOOD_FORM, "csrf_token": csrf_token(client, "/shipments/new")})
    assert response.status_code == 302
    assert response.location == "/shipments/HG-2026-0101"
    page = client.get("/shipments/HG-2026-0101").get_data(as_text=True)
    assert "Dec 1, 2026, 09:30 +08:00" in page  # typed in the origin's local time
    assert "Dec 4, 2026, 14:00 +07:00" in page  # typed in the destination's local time
    assert "Shipment HG-2026-0101 created." in page


def test_bad_fields_are_shown_next_to_the_field_and_nothing_is_stored(client, app):
    login(client, "logistics")
    form = {**GOOD_FORM, "air_waybill": "160-48122035", "packaging_validated_hours": "lots",
            "csrf_token": csrf_token(client, "/shipments/new")}
    response = client.post("/shipments/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "enter a number of hours" in page
    assert 'id="packaging_validated_hours-error"' in page
    form["packaging_validated_hours"] = "96"
    page = client.post("/shipments/new", data=form).get_data(as_text=True)
    assert "check digit should be 4, not 5" in page
    assert 'aria-describedby="air_waybill-error"' in page
    assert 'value="HG-2026-0101"' in page  # what was typed is kept
    assert client.get("/shipments/HG-2026-0101").status_code == 404


def test_a_form_without_csrf_token_is_refused(client):
    login(client, "logistics")
    response = client.post("/shipments/new", data=GOOD_FORM)
    assert response.status_code == 400
    assert client.get("/shipments/HG-2026-0101").status_code == 404


def test_an_edit_needs_a_reason_which_goes_into_the_audit_trail(client, app):
    login(client, "logistics")
    token = csrf_token(client, "/shipments/HG-2026-0048/edit")
    form = {"origin": "HG-SZ", "destination": "SIRIRAJ-PH", "planned_departure": "2026-12-01T09:30",
            "planned_arrival": "2026-12-04T14:00", "import_permit": "TFDA-IMP-2026-00777",
            "csrf_token": token}
    response = client.post("/shipments/HG-2026-0048/edit", data=form)
    assert response.status_code == 422
    assert "say why the record changes" in response.get_data(as_text=True)
    response = client.post("/shipments/HG-2026-0048/edit",
                           data={**form, "reason": "permit issued by Thai FDA"})
    assert response.status_code == 302
    with app.extensions["logistics"].sessions() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.field == "import_permit")).one()
    assert (event.actor, event.reason) == ("logistics", "permit issued by Thai FDA")
    assert "TFDA-IMP-2026-00777" in client.get("/shipments/HG-2026-0048").get_data(as_text=True)


def test_status_buttons_follow_the_lifecycle(client):
    login(client, "logistics")
    token = csrf_token(client, "/shipments/HG-2026-0047")
    page = client.get("/shipments/HG-2026-0047").get_data(as_text=True)
    assert "Mark in transit" in page and "Mark arrived" not in page
    client.post("/shipments/HG-2026-0047/status", data={"status": "in_transit", "csrf_token": token})
    page = client.get("/shipments/HG-2026-0047").get_data(as_text=True)
    assert "is now in transit." in page and "Mark arrived" in page
    refused = client.post("/shipments/HG-2026-0047/status", data={"status": "closed", "csrf_token": token})
    assert refused.status_code == 422  # the page again, the refusal at the top of the status form
    problems = refused.get_data(as_text=True).split('id="status-problems" role="alert">', 1)[1]
    assert "cannot go from in_transit to closed" in problems.split("</div>", 1)[0]


def test_a_viewer_cannot_change_status(client):
    login(client, "viewer")
    token = csrf_token(client, "/shipments")
    response = client.post("/shipments/HG-2026-0047/status",
                           data={"status": "in_transit", "csrf_token": token})
    assert response.status_code == 403


def test_the_chart_data_follow_the_window_asked_for(app, client):
    import json as json_module
    from datetime import UTC, datetime, timedelta

    from logistics.services.telemetry import TelemetryStore
    from sensors.intake import IncomingMessage

    login(client, "viewer")
    now = datetime.now(UTC).replace(microsecond=0)
    readings = [{"ts": (now - timedelta(minutes=2 * i)).isoformat(), "temp": 5.0 + i % 3} for i in range(120)]
    TelemetryStore(app.extensions["logistics"].engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24003", payload=json_module.dumps({"readings": readings}).encode(),
        received_at=now)])
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    assert 'id="chart-data"' in page and "chart.js" in page
    start, end = now - timedelta(hours=1), now
    ms = lambda moment: int(moment.timestamp() * 1000)  # noqa: E731
    charts = client.get(f"/shipments/HG-2026-0045/charts?from={ms(start)}&to={ms(end)}").get_json()
    [lg3] = [chart for chart in charts if chart["logger"] == "LG-24003"]
    assert (lg3["low"], lg3["high"], lg3["level_s"]) == (2.0, 8.0, 60)
    assert lg3["points"] and all(ms(start) <= time < ms(end) for time, _ in lg3["points"])
    assert len(lg3["points"]) == 30  # one reading every 2 min for the hour: each its own bucket's point
    bad = client.get("/shipments/HG-2026-0045/charts?from=yesterday")
    assert bad.status_code == 400 and "Unix milliseconds" in bad.get_json()["error"]


def test_the_list_filters_by_route_dates_and_contents_and_exports_what_it_shows(client):
    import csv
    import io

    login(client, "viewer")
    page = client.get("/shipments?lot=SK2609-031&destination=SIRIRAJ-PH").get_data(as_text=True)
    assert "HG-2026-0045" in page and "HG-2026-0046" not in page
    assert 'href="/shipments.csv?lot=SK2609-031&amp;destination=SIRIRAJ-PH"' in page
    exported = client.get("/shipments.csv?lot=SK2609-031&destination=SIRIRAJ-PH")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [row["reference"] for row in rows] == ["HG-2026-0045"]
    assert rows[0]["status"] == "in_transit" and rows[0]["actual_departure"].endswith("+08:00")  # Shenzhen
    assert "SEL-CD34/SK2609-031=" in rows[0]["lines"]
    everything = client.get("/shipments.csv").get_data(as_text=True).splitlines()
    assert len(everything) == 1 + 6  # a header and every demo shipment, not one page
    bad = client.get("/shipments?departs_from=31/12/2026").get_data(as_text=True)
    assert "expected a day as YYYY-MM-DD" in bad and 'aria-invalid="true"' in bad
    assert client.get("/shipments.csv?departs_to=soon").status_code == 422


def test_lines_are_added_with_typed_quantities_checked_against_the_unit_of_issue(client):
    login(client, "logistics")
    client.post("/shipments/new", data={**GOOD_FORM, "csrf_token": csrf_token(client, "/shipments/new")})
    token = csrf_token(client, "/shipments/HG-2026-0101")
    added = client.post("/shipments/HG-2026-0101/lines", follow_redirects=True,
                        data={"lot": "MED-HSC/M26K05", "quantity": "6 bottles", "csrf_token": token})
    page = added.get_data(as_text=True)
    assert "MED-HSC/M26K05 added." in page and "6 bottle" in page
    for typed, said in (
            ("500 mL", "&#39;500 mL&#39; cannot be expressed in kit"),
            ("1.5 kit", "must be a whole number of kit (they are counted, not measured), got 1.5"),
            ("1e3 kit", "write the number out in full, not in scientific notation (&#39;1e3 kit&#39;)"),
            ("100000 kit", "must be at most 10,000 kit, the largest quantity of SEL-CD34 one entry "
                           "may hold")):
        refused = client.post("/shipments/HG-2026-0101/lines",
                              data={"lot": "SEL-CD34/SK2609-031", "quantity": typed, "csrf_token": token})
        assert refused.status_code == 422, typed
        assert field_error(refused.get_data(as_text=True), "line-quantity") == html.unescape(said), typed
    twice = client.post("/shipments/HG-2026-0101/lines",
                        data={"lot": "MED-HSC/M26K05", "quantity": "2", "csrf_token": token})
    assert twice.status_code == 422
    assert "is listed already" in field_error(twice.get_data(as_text=True), "line-lot")
    line_id = page.split("/shipments/HG-2026-0101/lines/", 1)[1].split("/remove", 1)[0]
    removed = client.post(f"/shipments/HG-2026-0101/lines/{line_id}/remove", follow_redirects=True,
                          data={"csrf_token": token, "reason": "packed by mistake"}).get_data(as_text=True)
    assert "Line removed." in removed and "No lines yet." in removed
    # Goods on their way keep their contents.
    in_transit = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    assert "Add line" not in in_transit


def test_adding_a_line_needs_the_right_role(client):
    login(client, "viewer")
    token = csrf_token(client, "/shipments/HG-2026-0048")
    response = client.post("/shipments/HG-2026-0048/lines", data={"lot": "MED-HSC/M26K05", "quantity": "1",
                                                                  "csrf_token": token})
    assert response.status_code == 403


def test_legs_are_added_and_their_actual_times_recorded_in_local_time(client):
    login(client, "logistics")
    token = csrf_token(client, "/shipments/HG-2026-0048")
    added = client.post("/shipments/HG-2026-0048/legs", follow_redirects=True, data={
        "mode": "air", "origin": "HKG", "destination": "BKK", "carrier": "Cathay Cargo",
        "transport_ref": "CX705", "planned_start": "2026-12-05T13:30", "planned_end": "2026-12-05T15:30",
        "csrf_token": token})
    page = added.get_data(as_text=True)
    assert "Leg added." in page and "Dec 5, 2026, 13:30 +08:00 – Dec 5, 2026, 15:30 +07:00" in page
    sequence = max(int(found) for found in re.findall(r"/shipments/HG-2026-0048/legs/(\d+)/times", page))
    recorded = client.post(f"/shipments/HG-2026-0048/legs/{sequence}/times", follow_redirects=True,
                           data={"record": "start", "at": "2026-12-05T13:52", "csrf_token": token})
    assert "Dec 5, 2026, 13:52 +08:00 – ongoing" in recorded.get_data(as_text=True)
    backwards = client.post(f"/shipments/HG-2026-0048/legs/{sequence}/times",
                            data={"record": "end", "at": "2026-12-05T11:00", "csrf_token": token})
    assert backwards.status_code == 422
    problems = backwards.get_data(as_text=True).split(f'id="leg-{sequence}-times-problems"', 1)[1]
    assert "actual end: must not be before the actual start" in problems.split("</div>", 1)[0]
    wrong = client.post("/shipments/HG-2026-0048/legs", data={
        "mode": "boat", "origin": "HKG", "destination": "BKK", "csrf_token": token})
    assert wrong.status_code == 422
    assert field_error(wrong.get_data(as_text=True), "leg-mode") == (
        "choose one of truck, air, customs, courier, storage")


def test_a_milestone_is_added_at_its_sites_local_time(client):
    login(client, "logistics")
    token = csrf_token(client, "/shipments/HG-2026-0045")
    page = client.post("/shipments/HG-2026-0045/milestones", follow_redirects=True, data={
        "kind": "landed", "at": "2026-11-24T15:10", "site": "BKK", "note": "CX705 on blocks",
        "csrf_token": token}).get_data(as_text=True)
    assert "Milestone added." in page
    assert "Nov 24, 2026, 15:10 +07:00</time> <b>landed</b> at BKK — CX705 on blocks" in page
    missing = client.post("/shipments/HG-2026-0045/milestones", data={
        "kind": "landed", "at": "", "csrf_token": token})
    assert missing.status_code == 422
    assert field_error(missing.get_data(as_text=True), "milestone-at")


def test_a_logger_is_assigned_from_the_shipment_page_and_stopped(client):
    login(client, "logistics")
    token = csrf_token(client, "/shipments/HG-2026-0048")
    page = client.get("/shipments/HG-2026-0048").get_data(as_text=True)
    free = page.split('id="assign-logger"', 1)[1].split("</select>", 1)[0]
    assert "LG-24003" not in free  # recording for HG-2026-0045
    code = re.findall(r'<option value="(LG-[0-9]+)">', free)[0]
    assigned = client.post("/shipments/HG-2026-0048/loggers", follow_redirects=True,
                           data={"logger": code, "starts_at": "", "csrf_token": token}).get_data(as_text=True)
    assert f"{code} assigned." in assigned and f"Stop {code} now" in assigned
    stopped = client.post(f"/shipments/HG-2026-0048/loggers/{code}/stop", follow_redirects=True,
                          data={"csrf_token": token}).get_data(as_text=True)
    assert f"{code} stopped." in stopped and f"Stop {code} now" not in stopped
    # Its button is gone from the page: the refusal can only go to the banner.
    again = client.post("/shipments/HG-2026-0048/loggers/LG-24003/stop", follow_redirects=True,
                        data={"csrf_token": token})
    assert "logger: LG-24003 is not recording for HG-2026-0048" in again.get_data(as_text=True)


IMPORT_HEADER = "reference,origin,destination,air_waybill,planned_departure,planned_arrival,lines\n"


def upload(client, text, name="shipments.csv"):
    import io

    token = csrf_token(client, "/shipments/import")
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode()), name)}
    return client.post("/shipments/import", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def test_a_csv_import_records_every_row_or_none_and_names_each_problem(client):
    login(client, "logistics")
    rows = [
        "HG-2026-0301,HG-SZ,SIRIRAJ-PH,160-48122034,2026-12-10 09:00,2026-12-12 15:00,"
        "SEL-CD34/SK2609-031=6 kit",
        "HG-2026-0302,HG-SZ,SIRIRAJ-CM,160-48122035,2026-12-11 09:00,,",
        "HG-2026-0303,HG-SZ,NOWHERE,,,,MED-HSC/M26K05=2 L",
    ]
    refused = upload(client, IMPORT_HEADER + "\n".join(rows) + "\n")
    assert refused.status_code == 422
    report = refused.get_data(as_text=True).split('id="import-problems"', 1)[1]
    assert "<td>3</td><td>air_waybill</td><td>check digit should be 4, not 5</td>" in report
    assert "<td>4</td><td>destination</td><td>no site with code &#39;NOWHERE&#39;</td>" in report
    assert "HG-2026-0301" not in client.get("/shipments?q=HG-2026-030").get_data(as_text=True)

    rows[1] = rows[1].replace("160-48122035", "160-48122034")
    rows[2] = rows[2].replace("NOWHERE", "SIRIRAJ-CM").replace("2 L", "12 bottles")
    imported = upload(client, IMPORT_HEADER + "\n".join(rows) + "\n").get_data(as_text=True)
    assert "3 shipments imported from shipments.csv." in imported
    detail = client.get("/shipments/HG-2026-0301").get_data(as_text=True)
    assert "Dec 10, 2026, 09:00 +08:00" in detail and "6 kit" in detail  # local time at the origin


def test_a_csv_import_refuses_a_bad_header_or_file(client):
    login(client, "logistics")
    header = upload(client, "ref,from,to\nX,Y,Z\n").get_data(as_text=True)
    assert "missing column &#39;reference&#39;" in header and "unknown column &#39;ref&#39;" in header
    assert "choose a CSV file" in client.post("/shipments/import", data={
        "csrf_token": csrf_token(client, "/shipments/import")}).get_data(as_text=True)


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_every_role_that_sees_the_shipment_downloads_its_readings_from_the_page(app, role):
    import csv
    import io
    import json as json_module
    from datetime import UTC, datetime, timedelta

    from logistics.services.telemetry import TelemetryStore
    from sensors.intake import IncomingMessage

    now = datetime.now(UTC).replace(microsecond=0)
    readings = [{"ts": (now - timedelta(minutes=5 * i)).isoformat(), "temp": 5.0} for i in range(12)]
    TelemetryStore(app.extensions["logistics"].engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24004", payload=json_module.dumps({"readings": readings}).encode(),
        received_at=now)])
    client = login(app.test_client(), role)
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    whole = re.search(r'href="([^"]+)" download>Download readings \(CSV\)</a>', page)
    label = "Download the readings of LG-24004 (CSV)"
    one = re.search(rf'href="([^"]+)" download aria-label="{re.escape(label)}">CSV<', page)
    assert whole and one, "no download of the readings on the page"
    for link in (whole.group(1), one.group(1).replace("&amp;", "&")):  # LG-24003 sent nothing
        answer = client.get(link)
        assert answer.status_code == 200 and answer.mimetype == "text/csv", (role, link)
        rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
        assert len(rows) == 12 and {row["logger"] for row in rows} == {"LG-24004"}, (role, link)
    assert 'aria-label="Download the readings of LG-24003 (CSV)"' in page  # one per logger listed
    quiet = client.get("/shipments/HG-2026-0048").get_data(as_text=True)  # no logger: nothing to download
    assert "Download readings (CSV)" not in quiet
