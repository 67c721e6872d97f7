"""Receiving, QA release and stock, through the services on a real database file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from logistics.core.excursion_assessment import AssessmentDraft, Outcome, RootCause
from logistics.core.receiving import Checklist, CoolantState, Disposition
from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import (
    AuditEvent,
    LoggerAssignment,
    Lot,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Signature,
    SigningFailure,
    StockMovement,
)
from logistics.services import assessments, quality, receiving, stock
from logistics.services.errors import InputError, NotFound
from tests.conftest import DEMO_PASSWORD, NOW
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion

REFERENCE = "HG-2026-0045"  # in transit to SIRIRAJ-PH: 6 kit SEL-CD34, 12 bottle MED-HSC, 10 vial TE-POLOX
GOOD_BOX = Checklist(packaging_intact=True, seals_intact=True, coolant_present=True,
                     coolant_state=CoolantState.COLD, logger_present=True, logger_alarm=False,
                     documents_complete=True, import_permit_present=True)


def steady_readings(runtime):
    """Both loggers at 5 °C every 5 minutes since they joined the shipment: a clean journey."""
    readings = [(NOW - timedelta(hours=10) + timedelta(minutes=5 * i), 5.0) for i in range(121)]
    for logger in ("LG-24003", "LG-24004"):
        send(runtime, readings, logger)


def counts(session, *, requested=Disposition.ACCEPT, **by_lot):
    """A count of every line of the shipment as shipped, with changes by lot number."""
    lines = session.exec(select(ShipmentLine).join(Shipment).where(Shipment.reference == REFERENCE)).all()
    found = []
    for line in lines:
        lot = session.get(Lot, line.lot_id)
        values = dict(line_id=line.id, lot_number=lot.lot_number, expiry=lot.expiry, received=line.quantity,
                      damaged=0.0, missing=0.0, requested=requested)
        found.append(receiving.LineCount(**{**values, **by_lot.get(lot.lot_number, {})}))
    return found


def receive(runtime, checklist=GOOD_BOX, **by_lot):
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        draft = receiving.ReceiptDraft(checklist, counts(session, **by_lot))
        return receiving.receive(session, REFERENCE, draft, runtime.profiles, by="pharmacy", now=NOW).id


def balance(runtime, lot_number, status):
    with runtime.sessions() as session:
        return sum(b.holding.quantity for b in stock.balances(session)
                   if b.holding.lot_number == lot_number and b.holding.status == status)


def test_a_clean_box_goes_straight_into_available_stock(demo_runtime):
    steady_readings(demo_runtime)
    receive(demo_runtime)
    with demo_runtime.sessions() as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == REFERENCE)).one()
        assert shipment.status == "received" and shipment.actual_arrival == NOW
        open_assignments = session.exec(select(LoggerAssignment).where(
            LoggerAssignment.shipment_id == shipment.id, col(LoggerAssignment.ends_at).is_(None))).all()
        assert open_assignments == []  # the loggers were stopped
        assert {line.disposition for line in session.exec(select(ReceiptLine)).all()} == {"accept"}
    assert balance(demo_runtime, "SK2609-031", "available") == 6
    assert balance(demo_runtime, "M26K05", "available") == 12


def test_an_open_excursion_sends_every_line_to_quarantine(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    receive(demo_runtime)
    with demo_runtime.sessions() as session:
        lines = session.exec(select(ReceiptLine)).all()
        assert {(line.disposition, line.qa_status) for line in lines} == {("quarantine", "pending")}
        assert all("open_excursion" in line.reasons.split(",") for line in lines)
    assert balance(demo_runtime, "SK2609-031", "quarantined") == 6
    assert balance(demo_runtime, "SK2609-031", "available") == 0


def test_an_excursion_not_yet_scanned_counts_too(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())  # no scan has run since
    receive(demo_runtime)
    assert balance(demo_runtime, "SK2609-031", "quarantined") == 6


def test_a_discrepancy_quarantines_its_line_and_damage_is_rejected(demo_runtime):
    steady_readings(demo_runtime)
    receive(demo_runtime, **{"SK2609-031": {"lot_number": "SK2609-013"},
                             "M26K05": {"received": 10.0, "damaged": 2.0}})
    with demo_runtime.sessions() as session:
        lines = {line.lot_number_seen: line for line in session.exec(select(ReceiptLine)).all()}
    wrong_lot = lines["SK2609-013"]
    assert (wrong_lot.disposition, wrong_lot.discrepancies) == ("quarantine", "lot_mismatch")
    assert lines["M26K05"].disposition == "quarantine" and lines["M26K05"].discrepancies == "damaged"
    assert lines["TE-26-019"].disposition == "accept"
    assert balance(demo_runtime, "M26K05", "rejected") == 2
    assert balance(demo_runtime, "M26K05", "quarantined") == 10


def test_a_failed_check_of_the_box_quarantines_everything(demo_runtime):
    steady_readings(demo_runtime)
    receive(demo_runtime, GOOD_BOX.__class__(**{**GOOD_BOX.__dict__, "seals_intact": False}))
    with demo_runtime.sessions() as session:
        assert {line.reasons for line in session.exec(select(ReceiptLine)).all()} == {"seal_broken"}


def test_every_line_must_be_counted_and_a_shipment_is_received_once(demo_runtime):
    steady_readings(demo_runtime)
    with unit_of_work(demo_runtime.sessions, actor="pharmacy") as session:
        every_line = counts(session)
        partial = receiving.ReceiptDraft(GOOD_BOX, every_line[:1])
        with pytest.raises(InputError) as refused:
            receiving.receive(session, REFERENCE, partial, demo_runtime.profiles, by="pharmacy", now=NOW)
    uncounted = {f"line-{count.line_id}" for count in every_line[1:]}
    assert set(refused.value.errors) == uncounted
    receive(demo_runtime)
    with pytest.raises(InputError, match="received already"):
        receive(demo_runtime)


def test_the_scanned_packing_list_names_the_shipment():
    assert receiving.reference_from_scan(" HG-2026-0045 ") == "HG-2026-0045"
    scanned = "https://tracker.example/receiving/HG-2026-0045?x=1"
    assert receiving.reference_from_scan(scanned) == "HG-2026-0045"


def test_a_typed_or_scanned_reference_is_found_in_any_case(demo_runtime):
    with demo_runtime.sessions() as session:
        for typed in ("HG-2026-0045", " hg-2026-0045 ", "Hg-2026-0045\t",
                      "https://tracker.example/receiving/hg-2026-0045?x=1"):
            assert receiving.find_scanned(session, typed).reference == "HG-2026-0045", typed
        for unknown in ("HG-2026-004", "HG-2026-00455", "99999999999999999999", ""):
            with pytest.raises(NotFound):
                receiving.find_scanned(session, unknown)


def test_of_references_differing_only_by_case_the_exact_one_is_found(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        twin = session.exec(select(Shipment).where(Shipment.reference == "HG-2026-0048")).one()
        session.add(Shipment(reference="hg-2026-0048", origin_id=twin.origin_id,
                             destination_id=twin.destination_id, status=twin.status))
    with demo_runtime.sessions() as session:
        assert receiving.find_scanned(session, "hg-2026-0048").reference == "hg-2026-0048"
        assert receiving.find_scanned(session, "HG-2026-0048").reference == "HG-2026-0048"
        with pytest.raises(NotFound):
            receiving.find_scanned(session, "Hg-2026-0048")  # neither: it would be a guess


def quarantined_line_id(runtime, lot_number="SK2609-031"):
    with runtime.sessions() as session:
        return session.exec(select(ReceiptLine.id).where(ReceiptLine.lot_number_seen == lot_number)).one()


def sign(runtime, line_id, meaning, released=None, password=DEMO_PASSWORD, comment="Within the budget",
         **more):
    with unit_of_work(runtime.sessions, actor="qa") as session:
        return quality.sign_decision(session, line_id, quality.Decision(meaning, released, comment, **more),
                                     signer="qa", password=password, now=NOW + timedelta(hours=2)).id


def assess_all(runtime, line_id, outcome=Outcome.NO_IMPACT, root_cause=RootCause.PACKAGING):
    """QA assesses every excursion of the line's lot, an hour after the receipt."""
    draft = AssessmentDraft(root_cause, None, "Gel packs conditioned too warm; within allowance", outcome)
    with unit_of_work(runtime.sessions, actor="qa") as session:
        decision = quality.line_decision(session, line_id, runtime.profiles, now=NOW)
        for row in decision.evidence:
            assessments.assess_excursion(session, line_id, row.record.id, draft, runtime.profiles, by="qa",
                                         now=NOW + timedelta(hours=1))
        return len(decision.evidence)


def test_qa_releases_part_of_a_quarantined_line_with_a_signature_bound_to_it(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    receive(demo_runtime)
    line_id = quarantined_line_id(demo_runtime)
    with demo_runtime.sessions() as session:
        (waiting,) = [row for row in quality.queue(session, demo_runtime.profiles, now=NOW)
                      if row.line.id == line_id]
        assert waiting.excursions and waiting.stability.remaining_s is not None
    assert assess_all(demo_runtime, line_id) == 1
    signature_id = sign(demo_runtime, line_id, Meaning.PARTIALLY_RELEASED, released="4 kit")
    assert balance(demo_runtime, "SK2609-031", "available") == 4
    assert balance(demo_runtime, "SK2609-031", "rejected") == 2
    assert balance(demo_runtime, "SK2609-031", "quarantined") == 0
    with demo_runtime.sessions() as session:
        signature = session.get(Signature, signature_id)
        assert (signature.signer, signature.meaning) == ("qa", "partially_released")
        assert quality.signature_holds(session, signature)
        other = quarantined_line_id(demo_runtime, "M26K05")
        moved = Signature(**{**signature.model_dump(exclude={"id"}), "record_id": other})
        assert not quality.signature_holds(session, moved)  # a signature cannot be moved to another line
    with pytest.raises(InputError, match="decided already"):
        sign(demo_runtime, line_id, Meaning.RELEASED)


def test_a_wrong_password_signs_nothing_and_the_refusal_is_kept(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    receive(demo_runtime)
    line_id = quarantined_line_id(demo_runtime)
    with demo_runtime.sessions(info={"actor": "qa", "reason": "QA decision"}) as session:
        with pytest.raises(quality.SignatureRefused):
            quality.sign_decision(session, line_id, quality.Decision(Meaning.REJECTED, None, "Too warm"),
                                  signer="qa", password="not-the-password", now=NOW)
        session.commit()  # the refusal is kept; nothing else was changed
    with demo_runtime.sessions() as session:
        assert session.exec(select(Signature)).all() == []
        assert session.get(ReceiptLine, line_id).qa_status == "pending"
        assert len(session.exec(select(SigningFailure)).all()) == 1
        assert session.exec(select(AuditEvent).where(AuditEvent.entity == "signing_failures")).first()


def test_consumption_takes_the_first_expiring_lot_against_a_run_or_patient_code(demo_runtime):
    steady_readings(demo_runtime)
    receive(demo_runtime)
    with unit_of_work(demo_runtime.sessions, actor="pharmacy") as session:
        with pytest.raises(InputError, match="never a name"):
            stock.read_use("patient", "Somchai Jaidee")
        use = stock.read_use("patient", "TDT-017")
        taken = stock.consume(session, site="SIRIRAJ-PH", item="SEL-CD34", quantity="2 kit", use=use,
                              by="pharmacy", now=NOW)
        assert [(m.quantity, m.used_for) for m in taken] == [(-2.0, "patient:TDT-017")]
        with pytest.raises(InputError, match="only 4 usable"):
            stock.consume(session, site="SIRIRAJ-PH", item="SEL-CD34", quantity="5 kit", use=use,
                          by="pharmacy", now=NOW)
        with pytest.raises(InputError, match="cannot be expressed in kit"):
            stock.consume(session, site="SIRIRAJ-PH", item="SEL-CD34", quantity="5 mL", use=use,
                          by="pharmacy", now=NOW)
    assert balance(demo_runtime, "SK2609-031", "available") == 4
    with demo_runtime.sessions() as session:
        warned = stock.expiry_warnings(session, today=date(2030, 1, 1), within_days=0)
        assert {b.holding.lot_number for b in warned} >= {"SK2609-031", "M26K05"}
        rows, total = stock.ledger(session, item="SEL-CD34")
        assert total == 2 and rows[0].movement.kind == "consume"


def test_the_ledger_is_append_only(demo_runtime):
    steady_readings(demo_runtime)
    receive(demo_runtime)
    with pytest.raises(Exception, match="append-only"):
        with unit_of_work(demo_runtime.sessions, actor="mallory") as session:
            movement = session.exec(select(StockMovement)).first()
            movement.quantity = 600.0


def test_loggers_that_recorded_nothing_leave_the_goods_unmonitored(demo_runtime):
    receive(demo_runtime)  # the demo's loggers are assigned but sent no reading
    with demo_runtime.sessions() as session:  # and each closed window is one no-data excursion to assess
        assert {line.reasons for line in session.exec(select(ReceiptLine)).all()} == {
            "open_excursion,no_monitor"}


def test_the_receipt_reads_its_lines_and_their_signatures_in_one_query(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    receive(demo_runtime)
    sign(demo_runtime, quarantined_line_id(demo_runtime), Meaning.RELEASED)
    statements = []
    event.listen(demo_runtime.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_rest: statements.append(statement))
    with demo_runtime.sessions() as session:
        shown = receiving.receipt_public(session, REFERENCE)
    signed = [line for line in shown.lines if line.signature is not None]
    assert len(shown.lines) == 4 and len(signed) == 1 and signed[0].signature.valid
    # The shipment, its receipt, the site, and the lines with all they show; then, per signature, what
    # it was signed on besides: the lot's excursions in shipments, those of the zones that held the goods
    # (the receipt and the lot booked, the lot's storage periods, the zones' excursions), and QA's
    # assessments of them: as many whatever the number of sites and zones.
    assert len(statements) == 4 + 5 * len(signed)


def test_consumed_movements_read_back_as_ledger_rows_in_their_order(demo_runtime):
    steady_readings(demo_runtime)
    receive(demo_runtime)
    with unit_of_work(demo_runtime.sessions, actor="pharmacy") as session:
        taken = stock.consume(session, site="SIRIRAJ-PH", item="MED-HSC", quantity="12 bottle",
                              use=stock.read_use("run", "RUN-7"), by="pharmacy", now=NOW)
        rows = stock.ledger_rows(session, taken)
    assert [row.movement.id for row in rows] == [movement.id for movement in taken]
    assert {(row.site, row.item, row.unit) for row in rows} == {("SIRIRAJ-PH", "MED-HSC", "bottle")}
