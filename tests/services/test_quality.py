"""QA's decision through the service on a real SQLite file: what blocks a release, the lot read on the
pack, partial release with units, and what the signature covers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from logistics.core.excursion_assessment import AssessmentDraft, Outcome, RootCause
from logistics.core.signatures import Meaning, SignatureFacts, record_digest, signature_digest
from logistics.db.engine import unit_of_work
from logistics.db.models import ExcursionRecord, Lot, ReceiptLine, Signature
from logistics.services import assessments, quality
from logistics.services.errors import InputError
from tests.conftest import DEMO_PASSWORD, NOW
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_qa_evidence import FRIDGE_SCANNED, KITS_LOT, into_the_fridge
from tests.services.test_receiving import assess_all, balance, quarantined_line_id, receive, sign


def with_an_open_excursion(runtime, **by_lot):
    send(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    receive(runtime, **by_lot)


def review(runtime, line_id, meaning, released=None, **more):
    with runtime.sessions() as session:
        decision = quality.Decision(meaning, released, "Checked", **more)
        return quality.review_decision(session, line_id, decision)


def test_no_release_while_an_excursion_is_not_assessed_and_rejecting_stays_possible(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with_an_open_excursion(runtime)
    line_id = quarantined_line_id(runtime)
    with runtime.sessions() as session:
        shown = quality.line_decision(session, line_id, runtime.profiles, now=NOW)
    assert [(kind.value, what) for kind, what in shown.blockers] == [
        ("unassessed", "LG-24003 above_8c_30min (HG-2026-0045)")]
    for meaning in (Meaning.RELEASED, Meaning.PARTIALLY_RELEASED):
        with pytest.raises(InputError) as refused:
            review(runtime, line_id, meaning, "2 kit")
        assert refused.value.errors["decision"] == ("cannot release: LG-24003 above_8c_30min (HG-2026-0045): "
                                                    "not assessed for this lot")
    assert review(runtime, line_id, Meaning.REJECTED).rejected == 6
    assert balance(runtime, "SK2609-031", "quarantined") == 6  # a review changes nothing


def test_an_assessed_impact_allows_only_a_rejection(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with_an_open_excursion(runtime)
    line_id = quarantined_line_id(runtime)
    assess_all(runtime, line_id, outcome=Outcome.REJECT)
    with pytest.raises(InputError, match="assessed with an impact"):
        review(runtime, line_id, Meaning.RELEASED)
    sign(runtime, line_id, Meaning.REJECTED)
    assert balance(runtime, "SK2609-031", "rejected") == 6


def test_the_lot_read_on_the_pack_is_entered_and_the_stock_booked_under_it(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with_an_open_excursion(runtime, **{"TE-26-019": {"lot_number": "TE-26-091", "expiry": None}})
    line_id = quarantined_line_id(runtime, "TE-26-091")
    assess_all(runtime, line_id)
    with runtime.sessions() as session:
        (row,) = [row for row in quality.queue(session, runtime.profiles, now=NOW) if row.line.id == line_id]
    assert (row.lot.lot_number, row.lot_read, row.lot_differs) == ("TE-26-019", "TE-26-091", True)
    with pytest.raises(InputError) as unresolved:
        review(runtime, line_id, Meaning.RELEASED)
    assert "TE-26-091" in unresolved.value.errors["lot"] and "or reject" in unresolved.value.errors["lot"]
    with pytest.raises(InputError) as no_expiry:
        review(runtime, line_id, Meaning.RELEASED, accept_lot_read=True)
    assert set(no_expiry.value.errors) == {"lot_expiry"}  # nothing read on the pack, nothing entered
    summary = review(runtime, line_id, Meaning.RELEASED, accept_lot_read=True, lot_expiry=date(2027, 12, 31))
    assert (summary.lot_number, summary.expiry, summary.new_lot) == ("TE-26-091", date(2027, 12, 31), True)
    signature_id = sign(runtime, line_id, Meaning.RELEASED, accept_lot_read=True,
                        lot_expiry=date(2027, 12, 31))
    assert balance(runtime, "TE-26-091", "available") == 10
    assert balance(runtime, "TE-26-019", "available") == balance(runtime, "TE-26-019", "quarantined") == 0
    with runtime.sessions() as session:
        lot = session.exec(select(Lot).where(Lot.lot_number == "TE-26-091")).one()
        assert session.get(ReceiptLine, line_id).lot_id == lot.id and lot.expiry == date(2027, 12, 31)
        assert quality.signature_holds(session, session.get(Signature, signature_id))
        # booked under the lot read, the goods still travelled in HG-2026-0045: its excursion and QA's
        # assessment of it stay in what the signature covers, and on the page
        line = session.get(ReceiptLine, line_id)
        content = quality.signed_content(session, line, as_of=session.get(Signature, signature_id).signed_at)
        assert [e["rule"] for e in content["evidence"]] == ["above_8c_30min"]
        assert [a["outcome"] for a in content["assessments"]] == ["no_impact"]
        shown = quality.line_decision(session, line_id, runtime.profiles, now=NOW)
        assert [row.record.rule for row in shown.evidence] == ["above_8c_30min"]


def test_a_known_lot_read_on_the_pack_keeps_its_recorded_expiry(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with_an_open_excursion(runtime, **{"SK2609-031": {"lot_number": "SK2607-114"}})
    line_id = quarantined_line_id(runtime, "SK2607-114")
    with pytest.raises(InputError, match="recorded with expiry"):
        review(runtime, line_id, Meaning.REJECTED, accept_lot_read=True, lot_expiry=date(2030, 1, 1))
    summary = review(runtime, line_id, Meaning.REJECTED, accept_lot_read=True)
    assert (summary.lot_number, summary.new_lot) == ("SK2607-114", False)


def test_a_partial_release_reads_units_and_rejects_the_remainder_explicitly(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with_an_open_excursion(runtime)
    line_id = quarantined_line_id(runtime, "M26K05")
    assess_all(runtime, line_id)
    for text in ("10 bottle", "10 bottles", "10"):
        summary = review(runtime, line_id, Meaning.PARTIALLY_RELEASED, text)
        assert (summary.waiting, summary.released, summary.rejected, summary.unit) == (12, 10, 2, "bottle")
    for wrong, problem in (("0.5 box", "cannot be expressed in bottle"), ("12 bottle", "less than 12"),
                           ("", "a quantity is required"), ("ten", "cannot read")):
        with pytest.raises(InputError) as refused:
            review(runtime, line_id, Meaning.PARTIALLY_RELEASED, wrong)
        assert problem in refused.value.errors["released"]
    sign(runtime, line_id, Meaning.PARTIALLY_RELEASED, "10 bottle")
    assert (balance(runtime, "M26K05", "available"), balance(runtime, "M26K05", "rejected")) == (10, 2)
    with runtime.sessions() as session:
        assert quality.waiting_for(session, line_id) == 0
        line = session.get(ReceiptLine, line_id)
        assert (line.released, line.rejected) == (10, 2)


def test_the_signature_covers_the_assessments_and_earlier_signatures_still_verify(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with_an_open_excursion(runtime)
    line_id = quarantined_line_id(runtime)
    assess_all(runtime, line_id)
    signature_id = sign(runtime, line_id, Meaning.RELEASED)
    with runtime.sessions() as session:
        line = session.get(ReceiptLine, line_id)
        signature = session.get(Signature, signature_id)
        content = quality.signed_content(session, line, as_of=signature.signed_at)
        assert [a["outcome"] for a in content["assessments"]] == ["no_impact"]
        assert [e["rule"] for e in content["evidence"]] == ["above_8c_30min"]
        assert quality.signature_holds(session, signature)
        # a signature made before the assessments were signed with the decision covered the line alone:
        older = record_digest("receipt_line", line_id, quality._first_content(session, line))
        facts = SignatureFacts("qa", "QA", Meaning.RELEASED, NOW, older)
        before = Signature(record_type="receipt_line", record_id=line_id, meaning="released", signer="qa",
                           signer_name="QA", signed_at=NOW, record_digest=older,
                           digest=signature_digest(facts))
        assert quality.signature_holds(session, before)
        with pytest.raises(InputError, match="this line is decided"):  # no assessing a decided line
            assess_all(runtime, line_id)


def test_a_fridge_excursion_while_the_lot_waits_for_qa_blocks_its_release_until_assessed(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    into_the_fridge(runtime)  # held for QA in SIR-FRIDGE-1, which then spent 50 min at 12 °C
    line_id = quarantined_line_id(runtime, KITS_LOT)
    fridge = "LG-24101 above_8c_30min (SIR-FRIDGE-1 at SIRIRAJ-PH)"
    with runtime.sessions() as session:
        shown = quality.line_decision(session, line_id, runtime.profiles, now=FRIDGE_SCANNED)
    # the fridge's data gap that ended before the kits arrived is not theirs
    assert [(kind.value, what) for kind, what in shown.blockers] == [("unassessed", fridge)]
    [row] = shown.evidence
    assert (row.shipment, row.legs) == ("SIR-FRIDGE-1 at SIRIRAJ-PH", [])
    assert row.impact.used_s == (20 + 50) * 60  # the journey's 20 min at 15 °C and the fridge's 50 min
    with pytest.raises(InputError) as refused:
        review(runtime, line_id, Meaning.RELEASED)
    assert refused.value.errors["decision"] == f"cannot release: {fridge}: not assessed for this lot"

    def assess(cause):
        draft = AssessmentDraft(cause, None, "Door left ajar; 50 min at 12 °C is inside 72 h at ≤ 25 °C",
                                Outcome.NO_IMPACT)
        with unit_of_work(runtime.sessions, actor="qa") as session:
            assessments.assess_excursion(session, line_id, row.record.id, draft, runtime.profiles, by="qa",
                                         now=FRIDGE_SCANNED)

    with pytest.raises(InputError) as no_leg:
        assess(RootCause.HANDLING)  # storage has no leg to name
    assert set(no_leg.value.errors) == {"leg"}
    assess(RootCause.OTHER)
    with runtime.sessions() as session:
        assert quality.line_decision(session, line_id, runtime.profiles, now=FRIDGE_SCANNED).blockers == []
        assert session.get(ExcursionRecord, row.record.id).status == "resolved"
    signed_at = FRIDGE_SCANNED + timedelta(hours=1)
    with unit_of_work(runtime.sessions, actor="qa") as session:
        decision = quality.Decision(Meaning.RELEASED, None, "Assessed: no impact")
        signature = quality.sign_decision(session, line_id, decision, signer="qa", password=DEMO_PASSWORD,
                                          now=signed_at)
    assert balance(runtime, KITS_LOT, "available") == 6
    with runtime.sessions() as session:
        content = quality.signed_content(session, session.get(ReceiptLine, line_id), as_of=signed_at)
        assert [(e.get("storage"), e["logger"], e["rule"]) for e in content["evidence"]] == [
            ("SIR-FRIDGE-1 at SIRIRAJ-PH", "LG-24101", "above_8c_30min")]
        assert [(a["excursion_id"], a["outcome"]) for a in content["assessments"]] == [
            (row.record.id, "no_impact")]
        assert quality.signature_holds(session, session.get(Signature, signature.id))
