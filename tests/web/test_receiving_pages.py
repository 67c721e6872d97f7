"""Receiving, QA release and stock pages, with their roles."""

from __future__ import annotations

import csv
import io
import re

from sqlmodel import select

from logistics.db.models import AuditEvent, Lot, ReceiptLine, Shipment, ShipmentLine, SigningFailure
from tests.conftest import DEMO_PASSWORD
from tests.web.conftest import csrf_token, login
from tests.web.test_excursion_review import with_an_excursion

REFERENCE = "HG-2026-0045"
PAGE = f"/receiving/{REFERENCE}"
CHECKS = ("packaging_intact", "seals_intact", "coolant_present", "logger_present", "documents_complete",
          "import_permit_present")


def receipt_form(app, client, **changes):
    """Every check passed and every line counted as shipped, asking to accept it."""
    data = {check: "yes" for check in CHECKS} | {"logger_alarm": "no", "coolant_state": "cold",
                                                  "csrf_token": csrf_token(client, PAGE)}
    with app.extensions["logistics"].sessions() as session:
        rows = session.exec(select(ShipmentLine, Lot).join(Lot).join(Shipment)
                            .where(Shipment.reference == REFERENCE)).all()
    for line, lot in rows:
        data |= {f"line-{line.id}-lot": lot.lot_number, f"line-{line.id}-expiry": lot.expiry.isoformat(),
                 f"line-{line.id}-received": f"{line.quantity:g}", f"line-{line.id}-damaged": "0",
                 f"line-{line.id}-missing": "0", f"line-{line.id}-disposition": "accept"}
    return data | changes


def test_the_pharmacy_finds_a_shipment_by_reference_or_scanned_code(client):
    login(client, "pharmacy")
    page = client.get("/receiving").get_data(as_text=True)
    assert REFERENCE in page and "HG-2026-0046" in page and "HG-2026-0048" not in page  # planned: not due
    scanned = client.get("/receiving", query_string={"scan": f"http://127.0.0.1:8000/receiving/{REFERENCE}"})
    assert scanned.status_code == 302 and scanned.headers["Location"] == PAGE
    unknown = client.get("/receiving", query_string={"scan": "HG-1999-0001"}, follow_redirects=True)
    assert "No shipment HG-1999-0001." in unknown.get_data(as_text=True)
    typed = client.get("/receiving", query_string={"scan": "  hg-2026-0045 "})
    assert typed.status_code == 302 and typed.headers["Location"] == PAGE


def test_a_viewer_cannot_receive_and_a_pharmacist_cannot_release(app, client):
    login(client, "viewer")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=receipt_form(app, client)).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "pharmacy")
    assert client.post("/qa/lines/1", data={"decision": "released", "comment": "x", "password": DEMO_PASSWORD,
                                             "csrf_token": csrf_token(client, "/qa")}).status_code == 403


def test_an_unanswered_check_and_a_bad_count_are_named(app, client):
    login(client, "pharmacy")
    form = receipt_form(app, client)
    line = next(name for name in form if name.endswith("-received"))
    del form["seals_intact"]
    form[line] = "six"
    refused = client.post(PAGE, data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="seals_intact-error">answer yes or no' in page and f'id="{line}-error">enter a number' in page


def test_receive_with_an_excursion_then_qa_signs_a_release(app, client):
    with_an_excursion(app)
    login(client, "pharmacy")
    page = client.get(PAGE).get_data(as_text=True)
    assert "1 excursion is not resolved" in page
    received = client.post(PAGE, data=receipt_form(app, client), follow_redirects=True).get_data(as_text=True)
    assert f"{REFERENCE} received." in received and "in quarantine" not in received
    assert "excursion not resolved" in received  # why
    with app.extensions["logistics"].sessions() as session:
        assert {line.disposition for line in session.exec(select(ReceiptLine)).all()} == {"quarantine"}
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "qa")
    queue = client.get("/qa").get_data(as_text=True)
    assert "SEL-CD34" in queue and "above_8c_30min" in queue
    with app.extensions["logistics"].sessions() as session:
        line_id = session.exec(select(ReceiptLine.id)
                               .where(ReceiptLine.lot_number_seen == "SK2609-031")).one()
    decision = f"/qa/lines/{line_id}"
    page = client.get(decision).get_data(as_text=True)
    assert "Cannot release: 1 excursion not assessed" in page and "Reject all" in page
    token = csrf_token(client, decision)
    refused = client.post(decision, data={"decision": "released", "comment": "Within budget",
                                          "csrf_token": token})
    assert refused.status_code == 422 and "not assessed for this lot" in refused.get_data(as_text=True)
    assert assess_every_excursion(app, client, line_id) == 1
    reviewed = client.post(decision, data={"decision": "released", "comment": "Within the 72 h budget",
                                           "csrf_token": token}).get_data(as_text=True)
    assert "Release all 6 kit." in reviewed and 'name="password"' in reviewed
    wrong = client.post(decision, data={"decision": "released", "comment": "Within the 72 h budget",
                                        "step": "sign", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "nothing was signed" in wrong.get_data(as_text=True)
    assert "Release all 6 kit." in wrong.get_data(as_text=True)  # still the signing step
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(SigningFailure)).one().username == "qa"
        assert session.exec(select(AuditEvent).where(AuditEvent.entity == "signing_failures")).first()
    signed = client.post(decision, follow_redirects=True, data={
        "decision": "released", "comment": "Within the 72 h budget", "step": "sign",
        "password": DEMO_PASSWORD, "csrf_token": token})
    assert "Decision signed." in signed.get_data(as_text=True)
    shown = client.get(decision).get_data(as_text=True)
    assert "signature valid" in shown and "(qa)" in shown
    assert '<dd id="waiting">0 kit</dd>' in shown

    stock = client.get("/stock").get_data(as_text=True)
    assert "SK2609-031" in stock
    rows = list(csv.DictReader(io.StringIO(client.get("/stock.csv").get_data(as_text=True))))
    assert {"site": "SIRIRAJ-PH", "item": "SEL-CD34", "lot": "SK2609-031", "status": "available",
            "quantity": "6", "unit": "kit"}.items() <= next(
        row for row in rows if row["lot"] == "SK2609-031").items()


def assess_every_excursion(app, client, line_id, outcome="no_impact"):
    """QA assesses each excursion on the line's page (packaging, no impact); how many there were."""
    page = client.get(f"/qa/lines/{line_id}").get_data(as_text=True)
    actions = re.findall(rf'action="(/qa/lines/{line_id}/excursions/\d+/assess)"', page)
    for action in actions:
        answer = client.post(action, data={"root_cause": "packaging", "outcome": outcome,
                                           "assessment_comment": "Gel packs conditioned too warm",
                                           "csrf_token": csrf_token(client, f"/qa/lines/{line_id}")})
        assert answer.status_code == 302, answer.get_data(as_text=True)
    return len(actions)


def test_the_pharmacy_takes_stock_for_a_patient_code_first_expiry_first_out(app, client):
    login(client, "pharmacy")
    client.post(PAGE, data=receipt_form(app, client, seals_intact="yes"))  # no telemetry: quarantined
    token = csrf_token(client, "/stock")
    refused = client.post("/stock/consume", data={"site": "SIRIRAJ-PH", "item": "SEL-CD34",
                                                   "quantity": "1 kit", "use": "patient", "code": "TDT-017",
                                                   "csrf_token": token})
    assert refused.status_code == 422 and "only 0 usable" in refused.get_data(as_text=True)
    named = client.post("/stock/consume", data={"site": "SIRIRAJ-PH", "item": "SEL-CD34", "quantity": "1 kit",
                                                 "use": "patient", "code": "Somchai J", "csrf_token": token})
    assert "never a name" in named.get_data(as_text=True)
    ledger = client.get("/stock/ledger").get_data(as_text=True)
    assert "SK2609-031" in ledger and "receipt" in ledger
    assert client.get("/stock/ledger.csv").get_data(as_text=True).startswith("at,site,item,lot,status")


def test_the_receipt_report_is_served_as_pdf(client):
    login(client, "viewer")
    report = client.get(f"/shipments/{REFERENCE}/receipt-report.pdf")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    assert report.headers["Content-Disposition"] == f"inline; filename=receipt-report-{REFERENCE}.pdf"
    assert client.get("/shipments/HG-1999-0001/receipt-report.pdf").status_code == 404


def test_the_loggers_are_stopped_from_the_receiving_page(client):
    login(client, "pharmacy")
    token = csrf_token(client, PAGE)
    page = client.post(f"{PAGE}/stop-loggers", data={"csrf_token": token}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Stopped: LG-24003, LG-24004." in text and "Stop the loggers now" not in text
    again = client.post(f"{PAGE}/stop-loggers", data={"csrf_token": token}, follow_redirects=True)
    assert "No logger was recording." in again.get_data(as_text=True)
