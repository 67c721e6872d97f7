"""The receipt report for the batch record, read back with pypdf."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import ReceiptLine
from logistics.services import documents, quality
from tests.conftest import DEMO_PASSWORD, NOW
from tests.documents.test_packing_list import page_texts
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_receiving import REFERENCE, receive


def report_text(runtime):
    with runtime.sessions() as session:
        content = documents.receipt_report_pdf(session, REFERENCE, settings=runtime.settings,
                                               profiles=runtime.profiles, now=NOW + timedelta(hours=3))
    assert content.startswith(b"%PDF")
    return " ".join(page_texts(content))


def received_and_partly_released(runtime):
    send(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    receive(runtime)
    with unit_of_work(runtime.sessions, actor="qa") as session:
        line = session.exec(select(ReceiptLine).where(ReceiptLine.lot_number_seen == "SK2609-031")).one()
        quality.sign_decision(session, line.id, quality.Decision(Meaning.PARTIALLY_RELEASED, 4.0, "4 of 6"),
                              signer="qa", password=DEMO_PASSWORD, now=NOW + timedelta(hours=2))
        return line.id


def test_the_report_carries_the_journey_the_inspection_and_the_signatures(sqlite_demo_runtime):
    received_and_partly_released(sqlite_demo_runtime)
    report = report_text(sqlite_demo_runtime)
    for expected in ("Shipment receipt report", REFERENCE, "HG-SZ → SIRIRAJ-PH",
                     "Temperature during the journey", "LG-24003", "above_8c_30min", "Seals intact yes",
                     "Logger shows an alarm no",
                     "Coolant cold", "SK2609-031", "quarantine", "open excursion",
                     "partially released", "(qa)", "valid", "Waiting for QA: MED-HSC M26K05"):
        assert expected in report, expected
    assert "DOES NOT MATCH" not in report


def test_a_changed_record_shows_its_signature_no_longer_binds(sqlite_demo_runtime):
    line_id = received_and_partly_released(sqlite_demo_runtime)
    with sqlite_demo_runtime.engine.begin() as connection:  # behind the application's back
        connection.execute(text("UPDATE receipt_lines SET released = 6, rejected = 0 WHERE id = :id"),
                           {"id": line_id})
    assert "DOES NOT MATCH THE RECORD" in report_text(sqlite_demo_runtime)


def test_a_shipment_not_received_yet_says_so(sqlite_demo_runtime):
    assert "Not received yet." in report_text(sqlite_demo_runtime)


def test_the_report_counts_no_data_over_each_loggers_window_and_hatches_it(sqlite_demo_runtime):
    # LG-24003 read from its assignment (NOW − 10 h) to NOW − 2 h; the receipt closed its window at NOW:
    # its last reading covers H = 10 min, then 110 min without data. LG-24004 sent nothing: all 600 min.
    received_and_partly_released(sqlite_demo_runtime)
    report = report_text(sqlite_demo_runtime)
    assert re.search(r"LG-24003 97 5\.0 / 9\.5 °C .*?40 min 0 min 110 min ", report)
    assert re.search(r"LG-24004 0 — — — 0 min 0 min 600 min ", report)
    assert report.count("no data (no reading covers the time)") == 2  # the legend under each chart
