"""Bad values from people: every one a 4xx naming its field, never a 5xx, and nothing stored that a page
cannot show (issue 16, points 4-7). Where storage is involved, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Leg, Milestone, Shipment, ShipmentLine
from tests.web.conftest import csrf_token, login, web_app
from tests.web.refusals import field_error
from tests.web.test_access import all_routes
from tests.web.test_api import NEW, bearer
from tests.web.test_excursion_review import record_id, with_an_excursion
from tests.web.test_shipment_pages import GOOD_FORM, IMPORT_HEADER, upload

PAST = "0001-01-01T00:00:00+08:00"  # before year 1 in UTC
FUTURE = "9999-12-31T23:59:59-14:00"  # after year 9999 in UTC
SHIPPED = "HG-2026-0045"  # in transit, with legs and a logger
OPEN = "HG-2026-0048"  # planned: its contents may change


@pytest.fixture
def app(demo_runtime):
    """The app on the demo, on each database."""
    return web_app(demo_runtime)


@pytest.fixture
def api(app, token_for):
    headers = bearer(token_for("admin"))
    client = app.test_client()

    def call(method, path, body=None):
        return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)

    return call


def free_logger(api):
    return next(row["code"] for row in api("GET", "/loggers").get_json()["items"] if row["shipment"] is None)


def every_page_answers(app, reference=SHIPPED):
    viewer = login(app.test_client(), "admin")
    for path in (f"/shipments/{reference}", "/shipments", "/", f"/shipments/{reference}/packing-list.pdf",
                 f"/shipments/{reference}/edit", "/shipments.csv", f"/api/v1/shipments/{reference}",
                 "/api/v1/shipments", f"/api/v1/shipments/{reference}/epcis"):
        response = viewer.get(path)
        assert response.status_code == 200, (path, response.status_code)


# --- 4. business times -------------------------------------------------------------------------

@pytest.mark.parametrize("far", [PAST, FUTURE, "9999-12-31T00:00:00Z", "1999-12-31T23:00:00Z"])
def test_api_refuses_times_outside_the_window_naming_the_field(app, api, far):
    logger = free_logger(api)
    for method, path, body, field in [
        ("POST", "/shipments", {**NEW, "planned_departure": far, "planned_arrival": None},
         "planned_departure"),
        ("PATCH", f"/shipments/{OPEN}", {"planned_arrival": far}, "planned_arrival"),
        ("POST", f"/shipments/{SHIPPED}/legs", {"mode": "truck", "origin": "BKK", "destination": "SIRIRAJ-PH",
                                               "planned_end": far}, "planned_end"),
        ("PATCH", f"/shipments/{SHIPPED}/legs/1", {"actual_end": far}, "actual_end"),
        ("POST", f"/shipments/{SHIPPED}/milestones", {"kind": "landed", "at": far}, "at"),
        ("POST", f"/loggers/{logger}/assignments", {"shipment": OPEN, "starts_at": far}, "starts_at"),
    ]:
        response = api(method, path, body)
        assert response.status_code == 422, (path, response.status_code, response.get_data(as_text=True))
        assert "2000-01-01" in response.get_json()["fields"][field], (path, response.get_json())
    every_page_answers(app)


def test_forms_and_the_csv_import_refuse_times_outside_the_window(app):
    client = login(app.test_client(), "admin")
    created = client.post("/shipments/new", data={**GOOD_FORM, "planned_departure": "0001-01-01T00:00",
                                                  "csrf_token": csrf_token(client, "/shipments/new")})
    assert created.status_code == 422
    assert 'id="planned_departure-error"' in created.get_data(as_text=True)
    assert "enter a time from 2000-01-01 up to 2100-01-01" in created.get_data(as_text=True)
    token = csrf_token(client, f"/shipments/{SHIPPED}")
    far, ancient = "9999-12-31T23:59", "0001-01-01T00:00"
    # The page again, the time refused beside its field; leg 1 has ended, so its form is gone from the page
    # and the refusal can only go to the banner.
    for path, form, status in [(f"/shipments/{SHIPPED}/milestones", {"kind": "landed", "at": far}, 422),
                               (f"/shipments/{SHIPPED}/legs/1/times", {"record": "end", "at": far}, 200),
                               (f"/shipments/{OPEN}/loggers", {"logger": "LG-30001", "starts_at": ancient},
                                422)]:
        shown = client.post(path, data={**form, "csrf_token": token}, follow_redirects=True)
        assert shown.status_code == status, path
        assert "enter a time from 2000-01-01 up to 2100-01-01" in shown.get_data(as_text=True), path
    report = upload(client, IMPORT_HEADER + f"HG-2026-0310,HG-SZ,SIRIRAJ-PH,,{FUTURE},,\n")
    assert report.status_code == 422
    assert "<td>2</td><td>planned_departure</td><td>must be from 2000-01-01" in report.get_data(as_text=True)
    every_page_answers(app)


def test_pages_show_times_stored_outside_the_window(app):
    runtime = app.extensions["logistics"]
    with unit_of_work(runtime.sessions, actor="test", reason="times stored before the window") as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == SHIPPED)).one()
        shipment.planned_departure = datetime(1, 1, 1, tzinfo=UTC)
        shipment.planned_arrival = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
        last = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
        session.add(Milestone(shipment_id=shipment.id, kind="landed", at=last))
        for leg in session.exec(select(Leg).where(Leg.shipment_id == shipment.id)).all():
            leg.actual_end = last
    every_page_answers(app)
    page = login(app.test_client(), "viewer").get(f"/shipments/{SHIPPED}").get_data(as_text=True)
    assert "9999" in page  # shown in UTC, since no zone east of it has such a day


# --- 5. line quantities ------------------------------------------------------------------------

def test_huge_line_quantities_are_refused_in_the_api_the_form_and_the_import(app, api):
    for quantity in ("1e308 bottle", "10001", "1000001", "inf", "nan kit", "1.5 bottle"):
        response = api("POST", f"/shipments/{OPEN}/lines", {"lot": "MED-HSC/M26K05", "quantity": quantity})
        assert response.status_code == 422, quantity
        assert "quantity" in response.get_json()["fields"], quantity
    client = login(app.test_client(), "admin")
    shown = client.post(f"/shipments/{OPEN}/lines", data={
        "lot": "MED-HSC/M26K05", "quantity": "100000 bottle", "csrf_token": csrf_token(client, "/shipments")})
    assert shown.status_code == 422
    assert (field_error(shown.get_data(as_text=True), "line-quantity")
            == "must be at most 10,000 bottle, the largest quantity of MED-HSC one entry may hold")
    report = upload(client, IMPORT_HEADER + "HG-2026-0311,HG-SZ,SIRIRAJ-PH,,,,MED-HSC/M26K05=1e308 bottle\n")
    assert report.status_code == 422
    assert ("<td>2</td><td>lines</td><td>MED-HSC/M26K05: write the number out in full, not in scientific "
            "notation (&#39;1e308 bottle&#39;)") in report.get_data(as_text=True)
    accepted = api("POST", f"/shipments/{OPEN}/lines", {"lot": "MED-HSC/M26K05", "quantity": "10000"})
    assert accepted.status_code == 201
    every_page_answers(app, OPEN)


def test_a_huge_quantity_stored_before_breaks_no_page_and_not_the_forecast(app, token_for):
    runtime = app.extensions["logistics"]
    with unit_of_work(runtime.sessions, actor="test", reason="a quantity stored before the bound") as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == SHIPPED)).one()
        for line in session.exec(select(ShipmentLine).where(ShipmentLine.shipment_id == shipment.id)).all():
            line.quantity = 1e308
    every_page_answers(app)
    planner = bearer(token_for("logistics"))
    run = app.test_client().post("/api/v1/forecast", json={}, headers=planner)
    assert run.status_code == 201, run.get_data(as_text=True)
    for path in ("/forecast", "/forecast.csv", "/stock"):
        assert login(app.test_client(), "logistics").get(path).status_code == 200, path


# --- 6. numbers, depth and lengths beyond reason -----------------------------------------------

HUGE = "99999999999999999999"


def test_page_numbers_and_ids_beyond_64_bits_are_4xx(app, api):
    for path in ("/shipments", "/alerts", "/audit", "/ingest/rejections", "/stock/movements"):
        response = api("GET", f"{path}?page={HUGE}")
        assert response.status_code == 422, path
        assert "page" in response.get_json()["fields"], path
    assert api("GET", "/shipments?page=1000000").status_code == 200
    client = login(app.test_client(), "admin")
    listings = [path for _endpoint, method, path in all_routes(app) if method == "GET" and "/1" not in path
                and SHIPPED not in path and not path.endswith((".css", ".json"))]
    for path in listings:
        response = (api("GET", path.removeprefix("/api/v1") + f"?page={HUGE}") if path.startswith("/api/")
                    else client.get(f"{path}?page={HUGE}"))
        assert response.status_code < 500, (path, response.status_code)
    for method, path in [("POST", f"/excursions/{HUGE}/acknowledge"), ("POST", f"/excursions/{HUGE}/resolve"),
                         ("DELETE", f"/shipments/{OPEN}/lines/{HUGE}"),
                         ("PATCH", f"/shipments/{SHIPPED}/legs/{HUGE}"), ("GET", f"/forecast/runs/{HUGE}")]:
        response = api(method, path, {"comment": "x"})
        assert response.status_code == 404 and response.get_json()["error"], (method, path)
    assert client.get(f"/shipments?page={HUGE}").status_code == 200
    assert client.get(f"/forecast/runs/{HUGE}").status_code == 404
    charts = client.get(f"/shipments/{SHIPPED}/charts?from={HUGE}")
    assert charts.status_code == 400 and "from" in charts.get_json()["error"]


def test_a_number_beyond_64_bits_searched_or_scanned_is_an_ordinary_miss(app, api):
    assert api("GET", f"/shipments?q={HUGE}").get_json()["items"] == []
    client = login(app.test_client(), "admin")
    assert client.get(f"/shipments?q={HUGE}").status_code == 200
    assert client.get(f"/shipments.csv?q={HUGE}").status_code == 200
    missed = client.get(f"/receiving?scan={HUGE}", follow_redirects=True)
    assert missed.status_code == 200 and f"No shipment {HUGE}." in missed.get_data(as_text=True)


def test_a_body_nested_thousands_deep_is_422_naming_the_body(api, app, token_for):
    response = app.test_client().post("/api/v1/shipments", data="[" * 5000 + "]" * 5000,
                                      content_type="application/json", headers=bearer(token_for("admin")))
    assert response.status_code == 422
    assert "nested deeper than 32" in response.get_json()["fields"]["body"]


def test_a_search_too_long_is_refused_naming_q_not_reported_as_an_outage(app, api):
    long = "a" * 100_000
    response = api("GET", f"/shipments?q={long}")
    assert response.status_code == 422 and "100 characters" in response.get_json()["fields"]["q"]
    client = login(app.test_client(), "viewer")
    page = client.get(f"/shipments?q={long}")
    assert page.status_code == 422 and 'id="q-error"' in page.get_data(as_text=True)
    assert client.get(f"/shipments.csv?q={long}").status_code == 422
    assert client.get(f"/shipments?q={'a' * 100}").status_code == 200


def test_a_nul_character_is_refused_naming_its_field(app, api):
    response = api("PATCH", f"/shipments/{OPEN}", {"notes": "a\x00b", "reason": "typo"})
    assert response.status_code == 422 and "NUL" in response.get_json()["fields"]["notes"]
    assert api("GET", "/shipments?q=%00").get_json()["fields"] == {"q": "holds a NUL character (U+0000), "
                                                                       "which no record can keep"}
    client = login(app.test_client(), "admin")
    token = csrf_token(client, "/shipments")
    form = client.post(f"/shipments/{OPEN}/milestones", data={
        "kind": "landed", "at": "2026-12-02T10:00", "note": "\x00", "csrf_token": token})
    assert form.status_code == 422 and "The field note holds a NUL character" in form.get_data(as_text=True)
    assert client.get("/shipments?lot=%00").status_code == 422
    every_page_answers(app, OPEN)


@pytest.mark.parametrize("notes", ["x" * 4000, "\n" * 3000 + "end", "ab \n" * 999, "ก" * 4000])
def test_the_packing_list_prints_any_notes(app, api, notes):
    assert api("PATCH", f"/shipments/{SHIPPED}", {"notes": notes}).status_code == 200
    pdf = login(app.test_client(), "viewer").get(f"/shipments/{SHIPPED}/packing-list.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


# --- 7. references that a URL can reach -------------------------------------------------------

@pytest.mark.parametrize("reference", ["RT/2026/1", "new", "IMPORT", "HG 2026", "HG-2026-0045/edit", "-HG-1"])
def test_references_a_url_cannot_reach_are_refused_everywhere(app, api, reference):
    response = api("POST", "/shipments", {**NEW, "reference": reference})
    assert response.status_code == 422 and "reference" in response.get_json()["fields"]
    client = login(app.test_client(), "admin")
    form = client.post("/shipments/new", data={**GOOD_FORM, "reference": reference,
                                               "csrf_token": csrf_token(client, "/shipments/new")})
    assert form.status_code == 422 and 'id="reference-error"' in form.get_data(as_text=True)
    report = upload(client, IMPORT_HEADER + f"{reference},HG-SZ,SIRIRAJ-PH,,,,\n")
    assert report.status_code == 422 and "<td>2</td><td>reference</td>" in report.get_data(as_text=True)


def test_every_reference_the_demo_uses_is_still_valid_and_reachable(app, api):
    for row in api("GET", "/shipments?per_page=200").get_json()["items"]:
        assert api("POST", "/shipments", {**NEW, "reference": row["reference"]}).get_json()["fields"] == {
            "reference": f"{row['reference']!r} is already used"}
        assert api("GET", f"/shipments/{row['reference']}").status_code == 200
    assert api("POST", "/shipments", {**NEW, "reference": "HG_2026.0900"}).status_code == 201


def test_a_review_longer_than_its_record_keeps_is_refused_naming_the_field(app, api):
    with_an_excursion(app)
    number = record_id(login(app.test_client(), "admin").get(f"/shipments/{SHIPPED}").get_data(as_text=True))
    long = api("POST", f"/excursions/{number}/acknowledge", {"comment": "c" * 2001})
    assert long.status_code == 422 and long.get_json()["fields"] == {"comment": "at most 2000 characters"}
    assert api("POST", f"/excursions/{number}/acknowledge", {"comment": "c" * 2000}).status_code == 200
    refused = api("POST", f"/excursions/{number}/resolve", {"assessment": "a" * 4001,
                                                            "disposition": "no_impact"})
    assert refused.status_code == 422
    assert refused.get_json()["fields"] == {"assessment": "at most 4000 characters"}
    every_page_answers(app)


def test_text_longer_than_its_column_is_refused_naming_it_on_both_databases(app, api):
    client = login(app.test_client(), "admin")
    form = {"item": "REF-CELL", "basis": "patient", "quantity": "1", "offset_days": "0", "note": "n" * 201,
            "csrf_token": csrf_token(client, "/recruitment")}
    refused = client.post("/recruitment/bom", data=form)
    assert refused.status_code == 422 and "note: at most 200 characters" in refused.get_data(as_text=True)
    assert client.post("/recruitment/bom", data={**form, "note": "n" * 200}).status_code == 302
    assert client.get("/recruitment").status_code == 200
