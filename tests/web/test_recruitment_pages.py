"""The recruitment page: the plan, sites, enrolments and bill of materials, their forms and roles, and the
enrolments' CSV import and export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from logistics.db.models import AuditEvent, BomLine, Enrolment
from tests.web.conftest import csrf_token, login

PAGE = "/recruitment"
TODAY = datetime.now(UTC).date()  # the display zone's day may be one ahead: keep dates a day back
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, PAGE), **data})


def upload(client, text, encoding="utf-8"):
    """Posts the file encoded here: the test client would spool a large body to a file it never closes."""
    file = FileStorage(io.BytesIO(text.encode(encoding)), "enrolments.csv", content_type="text/csv")
    boundary, body = encode_multipart({"csrf_token": csrf_token(client, PAGE), "file": file})
    return client.post(f"{PAGE}/enrolments/import", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def enrol(client, code, day=YESTERDAY, site="TH-01"):
    return post(client, "/recruitment/enrolments", site=site, patient_code=code, enrolled_on=day)


def shown(response):
    return response.get_data(as_text=True)


def enrolment_codes(app):
    with app.extensions["logistics"].sessions() as session:
        return {row.patient_code for row in session.exec(select(Enrolment)).all()}


def bom_line_id(app):
    with app.extensions["logistics"].sessions() as session:
        return session.exec(select(BomLine.id)).first()


def test_a_viewer_sees_the_trial_but_no_form(client):
    login(client, "viewer")
    page = client.get(PAGE).get_data(as_text=True)
    assert "HG-TDT-201" in page and "12 patients" in page and "25%" in page  # the plan
    assert "TH-01" in page and "Ramathibodi Hospital" in page  # the sites
    assert page.index("TDT-005") < page.index("TDT-001")  # newest first
    assert "LV-BGLOB" in page and "manufacturing batch" in page and "1.5 (50% more)" in page
    assert '<polyline class="enrolment-actual"' in page and 'aria-labelledby="enrolment-title"' in page
    for control in ("Save the plan", "Save the site", "Record the enrolment", "Import", "Add the line",
                    "Remove", "Save the terms"):
        assert f">{control}</button>" not in page


def test_a_viewer_is_refused_every_change(app, client):
    login(client, "viewer")
    for path in ("/recruitment/plan", "/recruitment/sites", "/recruitment/enrolments",
                 "/recruitment/enrolments/import", "/recruitment/bom",
                 f"/recruitment/bom/{bom_line_id(app)}/remove", "/recruitment/supply"):
        assert post(client, path).status_code == 403, path


def test_a_pharmacist_records_an_enrolment_but_may_not_plan(app, client):
    login(client, "pharmacy")
    page = client.get(PAGE).get_data(as_text=True)
    assert ">Record the enrolment</button>" in page and ">Save the plan</button>" not in page
    made = enrol(client, "TDT-006", site="TH-02")
    assert made.status_code == 302 and made.location.endswith("#enrol")
    shown = client.get(PAGE).get_data(as_text=True)
    assert "Enrolment of TDT-006 recorded." in shown and "TDT-006" in enrolment_codes(app)
    with app.extensions["logistics"].sessions() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "enrolments",
                                                      AuditEvent.actor == "pharmacy")).first()
    assert event is not None and event.reason == "enrolment recorded on the page"
    for path, data in (("/recruitment/plan", {"trial": "X", "target": "3"}), ("/recruitment/bom", {}),
                       (f"/recruitment/bom/{bom_line_id(app)}/remove", {}), ("/recruitment/supply", {}),
                       ("/recruitment/sites", {})):
        assert post(client, path, **data).status_code == 403, path


def test_a_name_instead_of_a_code_is_refused_at_its_field(app, client):
    login(client, "pharmacy")
    refused = enrol(client, "Somchai Jaidee")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="enrol-patient_code-error">[^<]*never a name', page)
    assert re.search(r'id="enrol-patient_code"[^>]*aria-invalid="true"', page)
    assert "Somchai" not in enrolment_codes(app)
    bad_day = enrol(client, "TDT-009", day="soon")
    assert bad_day.status_code == 422 and 'id="enrol-enrolled_on-error">enter a date' in shown(bad_day)


def test_an_import_with_a_bad_row_keeps_nothing_and_names_the_row(app, client):
    login(client, "pharmacy")
    future = (TODAY + timedelta(days=5)).isoformat()
    header = "patient_code,site,enrolled_on\n"
    refused = upload(client, f"{header}TDT-006,TH-02,{YESTERDAY}\nTDT-007,TH-01,{future}\n")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was imported" in page
    assert "row 3: enrolled_on: cannot be in the future" in page
    assert enrolment_codes(app) == {f"TDT-00{n}" for n in range(1, 6)}  # not even the good row
    done = upload(client, f"{header}TDT-006,TH-02,{YESTERDAY}\nTDT-001,TH-01,{_first_enrolment(app)}\n")
    assert done.status_code == 302
    assert "1 enrolment added. 1 was recorded already." in client.get(PAGE).get_data(as_text=True)
    assert "TDT-006" in enrolment_codes(app)


def _first_enrolment(app):
    with app.extensions["logistics"].sessions() as session:
        return session.exec(select(Enrolment).where(Enrolment.patient_code == "TDT-001")).one().enrolled_on


def test_an_upload_over_1_mib_or_not_utf8_is_refused(client):
    login(client, "logistics")
    big = upload(client, "patient_code,site,enrolled_on\n" + "x" * (1024 * 1024))
    assert big.status_code == 422 and "larger than 1 MiB" in shown(big)
    latin = upload(client, "patient_code,site,enrolled_on\nJos\xe9,TH-01,2026-06-01\n", encoding="latin-1")
    assert latin.status_code == 422 and "not UTF-8" in shown(latin)


def test_the_planner_changes_the_plan_and_a_site(client):
    login(client, "logistics")
    plan = {"trial": "HG-TDT-201", "target": "14", "prior_strength": "2", "screen_failure_ratio": "0.25",
            "batches_per_patient": "1"}
    refused = post(client, "/recruitment/plan", **(plan | {"target": "fourteen"}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="plan-target-error">enter a whole number' in page
    assert 'value="fourteen"' in page  # what was typed stays, to be corrected
    again = post(client, "/recruitment/plan", **(plan | {"screen_failure_ratio": "2"}))
    assert again.status_code == 422 and 'id="plan-screen_failure_ratio-error"' in again.get_data(as_text=True)
    assert post(client, "/recruitment/plan", **plan).status_code == 302
    assert "14 patients" in client.get(PAGE).get_data(as_text=True)
    site = {"code": "th-03", "name": "Chiang Mai University Hospital", "activated_on": YESTERDAY,
            "planned_rate": "0.5"}
    bad = post(client, "/recruitment/sites", **(site | {"planned_rate": "half"}))
    assert bad.status_code == 422 and 'id="site-planned_rate-error">enter a number' in shown(bad)
    assert post(client, "/recruitment/sites", **site).status_code == 302
    assert "Site TH-03 saved." in client.get(PAGE).get_data(as_text=True)


def test_the_planner_edits_the_bill_of_materials_and_supply_terms(app, client):
    login(client, "logistics")
    line = {"item": "QC-ENDO", "basis": "patient", "quantity": "1 kit", "offset_days": "-7",
            "note": "screening"}
    wrong_unit = post(client, "/recruitment/bom", **(line | {"quantity": "500 mL"}))
    assert wrong_unit.status_code == 422
    assert re.search(r'id="bom-quantity-error">[^<]*issued in kit', wrong_unit.get_data(as_text=True))
    not_a_day = post(client, "/recruitment/bom", **(line | {"offset_days": "a week before"}))
    assert not_a_day.status_code == 422 and 'id="bom-offset_days-error"' in not_a_day.get_data(as_text=True)
    assert post(client, "/recruitment/bom", **line).status_code == 302
    with app.extensions["logistics"].sessions() as session:
        added = session.exec(select(BomLine).where(BomLine.note == "screening")).one()
    assert (added.basis, added.quantity, added.offset_days) == ("patient", 1.0, -7)
    assert post(client, f"/recruitment/bom/{added.id}/remove").status_code == 302
    assert post(client, f"/recruitment/bom/{added.id}/remove").status_code == 404
    terms = {"item": "MED-HSC", "minimum_order": "6", "overage": "1.2"}
    refused = post(client, "/recruitment/supply", **(terms | {"overage": "lots"}))
    assert refused.status_code == 422 and 'id="terms-overage-error">enter a number' in shown(refused)
    assert post(client, "/recruitment/supply", **terms).status_code == 302
    assert "1.2 (20% more)" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("username", ["viewer", "pharmacy"])
def test_the_enrolments_download_as_csv_by_code_only(client, username):
    login(client, username)
    download = client.get("/recruitment/enrolments.csv")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    reader = csv.DictReader(io.StringIO(download.get_data(as_text=True)))
    rows = list(reader)
    assert reader.fieldnames == ["patient_code", "site", "enrolled_on", "source", "recorded_by"]
    assert [row["patient_code"] for row in rows] == [f"TDT-00{n}" for n in range(1, 6)]
    assert rows[3]["site"] == "TH-02"
