"""QA's decision page: assessments, the lot read on the pack, partial release with units, evidence changed
after a decision, the recall, and the release time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import ReceiptLine
from logistics.readers.config_files import load_alert_routes
from logistics.services.excursions import scan
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import DEMO_PASSWORD
from tests.services.test_excursions import START
from tests.web.conftest import csrf_token, login
from tests.web.test_api_metrics import scrape
from tests.web.test_excursion_review import with_an_excursion
from tests.web.test_receiving_pages import PAGE, assess_every_excursion, receipt_form


def received(app, client, **by_lot):
    """The pharmacy receives HG-2026-0045 (every line as shipped, but for `by_lot`: lot → field → value),
    then QA signs in."""
    login(client, "pharmacy")
    form = receipt_form(app, client)
    for lot, fields in by_lot.items():
        prefix = next(name for name, value in form.items() if value == lot and name.endswith("-lot"))[:-4]
        form |= {f"{prefix}-{field}": value for field, value in fields.items()}
    assert client.post(PAGE, data=form).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "qa")


def line_of(app, lot_seen):
    with app.extensions["logistics"].sessions() as session:
        return session.exec(select(ReceiptLine.id).where(ReceiptLine.lot_number_seen == lot_seen)).one()


def decide(client, line_id, **fields):
    """Review, then sign, a decision; the page of each step."""
    path = f"/qa/lines/{line_id}"
    data = {"comment": "Within the stability budget", "csrf_token": csrf_token(client, path)} | fields
    reviewed = client.post(path, data=data)
    if reviewed.status_code != 200:
        return reviewed, None
    return reviewed, client.post(path, data=data | {"step": "sign", "password": DEMO_PASSWORD},
                                 follow_redirects=True)


def test_the_lot_read_on_the_pack_is_shown_resolved_and_booked(app, client):
    received(app, client, **{"TE-26-019": {"lot": "TE-26-091", "expiry": "2027-12-31"}})
    queue = client.get("/qa").get_data(as_text=True)
    assert "TE-26-019" in queue and "read on the pack: TE-26-091" in queue
    line_id = line_of(app, "TE-26-091")
    page = client.get(f"/qa/lines/{line_id}").get_data(as_text=True)
    assert "Accept lot TE-26-091 as a lot of TE-POLOX" in page and 'value="2027-12-31"' in page
    refused, _ = decide(client, line_id, decision="released")
    assert refused.status_code == 422 and 'id="lot-error"' in refused.get_data(as_text=True)
    reviewed, signed = decide(client, line_id, decision="released", accept_lot_read="yes",
                              lot_expiry="2027-12-31")
    summary = reviewed.get_data(as_text=True)
    assert "Booked under lot TE-26-091" in summary and "entered as a new lot of TE-POLOX" in summary
    assert "Decision signed." in signed.get_data(as_text=True)
    rows = client.get("/stock.csv").get_data(as_text=True).splitlines()
    assert any(row.startswith("SIRIRAJ-PH,TE-POLOX,TE-26-091,2027-12-31,available,10,vial") for row in rows)
    assert not any(",TE-26-019," in row for row in rows)
    shown = client.get(f"/qa/lines/{line_id}").get_data(as_text=True)
    assert "booked under lot TE-26-091" in shown and "signature valid" in shown


def test_partial_release_reads_units_states_the_remainder_and_leaves_nothing_in_quarantine(app, client):
    received(app, client)  # no telemetry: every line goes to quarantine
    line_id = line_of(app, "M26K05")
    wrong, _ = decide(client, line_id, decision="partially_released", released="0.5 box")
    assert wrong.status_code == 422
    assert "cannot be expressed in bottle" in wrong.get_data(as_text=True)
    too_much, _ = decide(client, line_id, decision="partially_released", released="12 bottle")
    assert too_much.status_code == 422 and "less than 12" in too_much.get_data(as_text=True)
    reviewed, signed = decide(client, line_id, decision="partially_released", released="10 bottles")
    assert "Release 10 bottle and reject the remaining 2 bottle." in reviewed.get_data(as_text=True)
    assert "Decision signed." in signed.get_data(as_text=True)
    shown = client.get(f"/qa/lines/{line_id}").get_data(as_text=True)
    assert '<dd id="waiting">0 bottle</dd>' in shown and "released 10, rejected 2" in shown
    bare, _ = decide(client, line_of(app, "SK2609-031"), decision="partially_released", released="4")
    assert "Release 4 kit and reject the remaining 2 kit." in bare.get_data(as_text=True)


def test_an_assessment_names_what_is_missing(app, client):
    with_an_excursion(app)
    received(app, client)
    line_id = line_of(app, "SK2609-031")
    page = client.get(f"/qa/lines/{line_id}").get_data(as_text=True)
    (action,) = re.findall(rf'action="(/qa/lines/{line_id}/excursions/\d+/assess)"', page)
    refused = client.post(action, data={"root_cause": "handling", "outcome": "no_impact",
                                        "assessment_comment": " ", "csrf_token": csrf_token(client, "/qa")})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "name the leg where the goods were handled" in text and "say what the assessment rests on" in text
    assert client.post(action, data={"csrf_token": csrf_token(client, "/qa")}).status_code == 422
    login(client, "pharmacy")
    assert client.post(action, data={"csrf_token": csrf_token(client, "/")}).status_code == 403


def test_evidence_after_release_shows_on_the_queue_the_page_and_the_stock(app, client):
    runtime = with_an_excursion(app)
    received(app, client)
    line_id = line_of(app, "SK2609-031")
    assess_every_excursion(app, client, line_id)
    _, signed = decide(client, line_id, decision="released")
    assert "Decision signed." in signed.get_data(as_text=True)
    shocks = [{"ts": (START + timedelta(minutes=62)).isoformat(), "temp": 5.0, "shock_g": 21.1}]
    TelemetryStore(runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24003", payload=json.dumps({"readings": shocks}).encode(),
        received_at=datetime.now(UTC))])
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        # the shock; and, the loggers' windows having closed at the receipt, the time they did not cover
        assert scan(session, runtime.profiles, load_alert_routes(), now=datetime.now(UTC)).found == 3
    queue = client.get("/qa").get_data(as_text=True)
    assert "evidence changed since signing" in queue
    page = client.get(f"/qa/lines/{line_id}").get_data(as_text=True)
    assert "Evidence changed since signing" in page and "shock_10g added" in page
    assert "signature valid" not in page and "Cannot release: 3 excursions not assessed" in page
    assert '<dd id="waiting">6 kit</dd>' in page
    stock = client.get("/stock").get_data(as_text=True)
    assert '<td class="stock-on_hold">6 kit</td>' in stock
    report = client.get("/shipments/HG-2026-0045/receipt-report.pdf")
    assert report.status_code == 200


def test_qa_recalls_a_lot_from_the_stock_page(app, client):
    login(client, "qa")
    page = client.get("/stock").get_data(as_text=True)
    assert "Recall a lot" in page
    token = csrf_token(client, "/stock")
    refused = client.post("/stock/recall", data={"lot": "QC-ENDO/LAL-26-3341", "reason": "",
                                                 "csrf_token": token})
    assert refused.status_code == 422 and 'id="recall-reason-error"' in refused.get_data(as_text=True)
    done = client.post("/stock/recall", data={"lot": "QC-ENDO/LAL-26-3341", "reason": "supplier notice 12",
                                              "csrf_token": token}, follow_redirects=True)
    assert "QC-ENDO/LAL-26-3341 recalled" in done.get_data(as_text=True)
    assert "SIRIRAJ-PH,QC-ENDO,LAL-26-3341" in client.get("/stock.csv").get_data(as_text=True)
    assert ",on_hold,2," in client.get("/stock.csv").get_data(as_text=True)
    login(client, "pharmacy")
    assert "Recall a lot" not in client.get("/stock").get_data(as_text=True)
    assert client.post("/stock/recall", data={"lot": "QC-ENDO/LAL-26-3341", "reason": "x",
                                              "csrf_token": csrf_token(client, "/stock")}).status_code == 403


def test_release_time_per_receipt_and_month_on_the_queue_and_in_the_metrics(app, client, token_for):
    month = datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m")  # of the arrival, at SIRIRAJ-PH
    received(app, client)
    for lot in ("SK2609-031", "M26K05", "TE-26-019", "CS10-26H2"):
        _, signed = decide(client, line_of(app, lot), decision="rejected")
        assert "Decision signed." in signed.get_data(as_text=True)
    queue = client.get("/qa").get_data(as_text=True)
    assert "Nothing is waiting for QA." in queue and "HG-2026-0045" in queue.split("release-receipts")[1]
    assert f"<tr><td>{month}</td><td>1</td>" in queue
    found = scrape(client, token_for("viewer"))
    median = found[("coldchain_release_time_median_seconds", (("month", month),))]
    assert 0 <= median < 120  # received and decided within the test
    assert found[("coldchain_release_time_receipts", (("month", month),))] == 1


def test_every_link_on_the_decision_page_opens_for_qa(app, client):
    """QA reaches the shipment's page and its receipt report from the decision (not the receiving bench,
    which is the pharmacy's)."""
    received(app, client)
    page = client.get(f"/qa/lines/{line_of(app, 'SK2609-031')}").get_data(as_text=True)
    main = page[page.index("<main"):]
    links = set(re.findall(r'<a [^>]*href="(/[^"#]*)"', main))
    assert {"/shipments/HG-2026-0045", "/shipments/HG-2026-0045/receipt-report.pdf"} <= links
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
