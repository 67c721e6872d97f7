"""Evidence that changes after goods were decided: late readings, a recall. The stock goes on hold, the
decision returns to QA flagged, QA is alerted, and only a new signed decision makes the stock usable."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, AlertDelivery, AuditEvent, ExcursionRecord, ReceiptLine, Signature
from logistics.services import evidence, forecasting, quality
from logistics.services.errors import InputError
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW
from tests.services.test_excursions import (
    START,
    run_scan,
    send,
    trace_with_a_40_minute_excursion,
    watched_until_receipt,
)
from tests.services.test_receiving import (
    assess_all,
    balance,
    quarantined_line_id,
    receive,
    sign,
    steady_readings,
)

LOT = "SK2609-031"  # SEL-CD34, 6 kit in HG-2026-0045


def backfill_shocks(runtime, logger="LG-24003"):
    """The logger's flight-mode backfill, uploaded after the receipt: two shocks (21.1 g and 23.6 g) during
    the journey, between readings already stored."""
    shocks = [(START + timedelta(minutes=62), 21.1), (START + timedelta(minutes=122), 23.6)]
    readings = [{"ts": time.isoformat(), "temp": 5.0, "shock_g": g} for time, g in shocks]
    payload = json.dumps({"readings": readings})
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger,
                                                          payload=payload.encode(), received_at=NOW)])


def released_with_an_assessed_excursion(runtime):
    """HG-2026-0045 received with an excursion; QA assessed it and released the kits."""
    watched_until_receipt(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    receive(runtime)
    line_id = quarantined_line_id(runtime)
    assess_all(runtime, line_id)
    return line_id, sign(runtime, line_id, Meaning.RELEASED)


def evidence_alerts(runtime):
    with runtime.sessions() as session:
        return list(session.exec(select(Alert).where(Alert.kind == "evidence_changed")))


def test_late_shocks_after_release_put_the_stock_on_hold_and_the_decision_back_to_qa(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    line_id, first = released_with_an_assessed_excursion(runtime)
    assert balance(runtime, LOT, "available") == 6
    backfill_shocks(runtime)
    report = run_scan(runtime, now=NOW + timedelta(hours=3))
    assert report.found == 2  # shock_10g twice, before the receipt

    assert balance(runtime, LOT, "available") == 0 and balance(runtime, LOT, "on_hold") == 6
    with runtime.sessions() as session:
        assert forecasting.usable_stock(session, NOW.date()).get("SEL-CD34", []) == []
        line = session.get(ReceiptLine, line_id)
        assert line.qa_status == "pending" and "shock_10g added" in line.evidence_change
        assert not quality.signature_holds(session, session.get(Signature, first))
        (waiting,) = [row for row in quality.queue(session, runtime.profiles, now=NOW)
                      if row.line.id == line_id]
        assert waiting.evidence_changed and waiting.waiting == 6
        decision = quality.line_decision(session, line_id, runtime.profiles, now=NOW)
        assert [label.split()[1] for _kind, label in decision.blockers] == ["shock_10g", "shock_10g"]
    (alert,) = evidence_alerts(runtime)
    assert (alert.severity, alert.subject) == ("major", f"SEL-CD34 lot {LOT}")
    assert "HG-2026-0045: released, 6 kit made available" in alert.body
    assert alert.title == f"SEL-CD34 lot {LOT}: evidence changed after release; 6 kit on hold at SIRIRAJ-PH"
    assert alert.link.endswith(f"/qa/lines/{line_id}")
    with runtime.sessions() as session:
        channels = {(d.channel, d.address) for d in session.exec(select(AlertDelivery)
                                                                 .where(AlertDelivery.alert_id == alert.id))}
    assert ("in_app", "qa") in channels

    with pytest.raises(InputError, match="cannot release.*shock_10g.*not assessed"):
        sign(runtime, line_id, Meaning.RELEASED)
    assert assess_all(runtime, line_id) == 3
    second = sign(runtime, line_id, Meaning.RELEASED, comment="Shocks within the kit's 25 g rating")
    assert balance(runtime, LOT, "available") == 6 and balance(runtime, LOT, "on_hold") == 0
    with runtime.sessions() as session:
        assert quality.signature_holds(session, session.get(Signature, second))
        shown = quality.line_decision(session, line_id, runtime.profiles, now=NOW)
        assert not shown.row.evidence_changed and [s.id for s in shown.earlier] == [first]
        kept = session.exec(select(AuditEvent.entity_id).where(AuditEvent.entity == "signatures",
                                                               AuditEvent.action == "create")).all()
    assert {str(first), str(second)} <= set(kept)  # the superseded signature stays in the trail
    run_scan(runtime, now=NOW + timedelta(hours=4))  # nothing new: nothing held, no alert
    assert len(evidence_alerts(runtime)) == 1 and balance(runtime, LOT, "available") == 6


def test_a_withdrawn_excursion_reopens_a_rejection_too(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    watched_until_receipt(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    receive(runtime)
    line_id = quarantined_line_id(runtime)
    sign(runtime, line_id, Meaning.REJECTED, comment="Too warm")
    send(runtime, [(START + timedelta(minutes=5 * 40 + 2), 6.0)])  # backfilled: splits the run
    run_scan(runtime, now=NOW + timedelta(hours=3))
    with runtime.sessions() as session:
        records = session.exec(select(ExcursionRecord).where(ExcursionRecord.rule != "no_data_gap")).all()
        assert [r.status for r in records] == ["withdrawn"]  # (the demo's silent LG-24002 has a gap)
        line = session.get(ReceiptLine, line_id)
        assert line.qa_status == "pending" and "above_8c_30min withdrawn" in line.evidence_change
        assert quality.waiting_for(session, line_id) == 0  # rejected stock stays rejected
    assert balance(runtime, LOT, "rejected") == 6
    (alert,) = evidence_alerts(runtime)
    assert alert.title == f"SEL-CD34 lot {LOT}: evidence changed after QA's decision at SIRIRAJ-PH"
    assert "HG-2026-0045: rejected" in alert.body and "new decision" in alert.body


def test_goods_accepted_at_receipt_go_on_hold_when_an_excursion_turns_up_later(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    steady_readings(runtime)
    receive(runtime)
    assert balance(runtime, "M26K05", "available") == 12
    backfill_shocks(runtime, logger="LG-24004")
    run_scan(runtime, now=NOW + timedelta(hours=1))
    assert balance(runtime, "M26K05", "on_hold") == 12 and balance(runtime, LOT, "on_hold") == 6
    with runtime.sessions() as session:
        waiting = {row.lot.lot_number: row for row in quality.queue(session, runtime.profiles, now=NOW)}
    assert waiting["M26K05"].evidence_changed and waiting["M26K05"].waiting == 12
    assert len(evidence_alerts(runtime)) == 4  # one per lot held at SIRIRAJ-PH


def test_qa_recalls_a_lot_and_every_site_holding_it_puts_it_on_hold(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    steady_readings(runtime)
    receive(runtime)
    with pytest.raises(InputError) as refused:
        with unit_of_work(runtime.sessions, actor="qa") as session:
            evidence.recall_lot(session, "SEL-CD34/NO-SUCH", reason=" ", by="qa", now=NOW, routes=[])
    assert set(refused.value.errors) == {"reason"}
    with pytest.raises(InputError, match="no lot"):
        with unit_of_work(runtime.sessions, actor="qa") as session:
            evidence.recall_lot(session, "SEL-CD34/NO-SUCH", reason="supplier", by="qa", now=NOW, routes=[])
    with unit_of_work(runtime.sessions, actor="qa", reason="lot recalled") as session:
        report = evidence.recall_lot(session, f"SEL-CD34/{LOT}", reason="supplier recall R-2026-11", by="qa",
                                     now=NOW, routes=[])
        opening = evidence.recall_lot(session, "QC-ENDO/LAL-26-3341", reason="supplier recall R-2026-12",
                                      by="qa", now=NOW, routes=[])
    assert len(report.reopened) == 1 and list(report.held.values()) == [6]
    assert opening.reopened == [] and list(opening.held.values()) == [2]  # an opening balance: held too
    assert balance(runtime, LOT, "on_hold") == 6 and balance(runtime, "LAL-26-3341", "on_hold") == 2
    with runtime.sessions() as session:
        line = session.exec(select(ReceiptLine).where(ReceiptLine.lot_number_seen == LOT)).one()
        assert line.evidence_change == "recall: supplier recall R-2026-11"
        trail = session.exec(select(AuditEvent).where(AuditEvent.entity == "stock_movements")
                             .order_by(col(AuditEvent.id).desc())).first()
    assert (trail.actor, trail.reason) == ("qa", "lot recalled")
