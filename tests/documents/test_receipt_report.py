"""The receipt report for the batch record, read back with pypdf."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text

from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.services import documents, quality
from tests.conftest import DEMO_PASSWORD, NOW
from tests.documents.test_packing_list import page_texts
from tests.services.test_evidence import backfill_shocks
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_receiving import REFERENCE, assess_all, quarantined_line_id, receive


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
    line_id = quarantined_line_id(runtime)
    assess_all(runtime, line_id)
    with unit_of_work(runtime.sessions, actor="qa") as session:
        decision = quality.Decision(Meaning.PARTIALLY_RELEASED, "4 kit", "4 of 6")
        quality.sign_decision(session, line_id, decision, signer="qa", password=DEMO_PASSWORD,
                              now=NOW + timedelta(hours=2))
    return line_id


def test_the_report_carries_the_journey_the_inspection_and_the_signatures(sqlite_demo_runtime):
    received_and_partly_released(sqlite_demo_runtime)
    report = report_text(sqlite_demo_runtime)
    for expected in ("Shipment receipt report", REFERENCE, "HG-SZ → SIRIRAJ-PH",
                     "Temperature during the journey", "LG-24003", "above_8c_30min", "Seals intact yes",
                     "Logger shows an alarm no",
                     "Coolant cold", "SK2609-031", "quarantine", "open excursion",
                     "partially released", "(qa)", "valid", "Waiting for QA: MED-HSC M26K05",
                     "Excursion assessments signed with the decisions", "no impact", "packaging",
                     "0.7 h of 72.0 h"):
        assert expected in report, expected
    assert "DOES NOT MATCH" not in report


def test_a_changed_record_shows_its_signature_no_longer_binds(sqlite_demo_runtime):
    line_id = received_and_partly_released(sqlite_demo_runtime)
    with sqlite_demo_runtime.engine.begin() as connection:  # behind the application's back
        connection.execute(text("UPDATE receipt_lines SET released = 6, rejected = 0 WHERE id = :id"),
                           {"id": line_id})
    assert "DOES NOT MATCH THE RECORD" in report_text(sqlite_demo_runtime)


def test_evidence_changed_since_signing_is_printed_with_the_decision(sqlite_demo_runtime):
    received_and_partly_released(sqlite_demo_runtime)
    backfill_shocks(sqlite_demo_runtime)
    run_scan(sqlite_demo_runtime, now=NOW + timedelta(hours=3))
    report = report_text(sqlite_demo_runtime)
    assert "EVIDENCE CHANGED SINCE SIGNING" in report and "valid;" not in report
    assert ("SEL-CD34 SK2609-031: evidence changed since signing: HG-2026-0045: excursion shock_10g added"
            in report)


def test_the_lot_read_on_the_pack_is_printed_where_it_is_booked(sqlite_demo_runtime):
    send(sqlite_demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(sqlite_demo_runtime)
    receive(sqlite_demo_runtime, **{"TE-26-019": {"lot_number": "TE-26-091"}})
    line_id = quarantined_line_id(sqlite_demo_runtime, "TE-26-091")
    assess_all(sqlite_demo_runtime, line_id)
    with unit_of_work(sqlite_demo_runtime.sessions, actor="qa") as session:
        decision = quality.Decision(Meaning.RELEASED, None, "Lot read on the pack", accept_lot_read=True)
        quality.sign_decision(session, line_id, decision, signer="qa", password=DEMO_PASSWORD,
                              now=NOW + timedelta(hours=2))
    assert "TE-26-019 / TE-26-091 (differs; booked under TE-26-091)" in report_text(sqlite_demo_runtime)


def test_a_shipment_not_received_yet_says_so(sqlite_demo_runtime):
    assert "Not received yet." in report_text(sqlite_demo_runtime)


def test_the_report_counts_no_data_over_each_loggers_window_and_hatches_it(sqlite_demo_runtime):
    # LG-24003 read from its assignment (NOW − 10 h) to NOW − 2 h; the receipt closed its window at NOW:
    # its last reading covers H = 10 min, then 110 min without data. LG-24004 sent nothing: all 600 min.
    received_and_partly_released(sqlite_demo_runtime)
    report = report_text(sqlite_demo_runtime)
    assert re.search(r"LG-24003 refrigerated v1 97 5\.0 / 9\.5 °C .*?40 min 0 min 110 min ", report)
    assert re.search(r"LG-24004 refrigerated v1 0 — — — 0 min 0 min 600 min ", report)
    assert report.count("no data (no reading covers the time)") == 2  # the legend under each chart
