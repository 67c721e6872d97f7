"""The evidence QA decides a quarantined line on, read from a real SQLite file: the lot of lentiviral vector
LV-B-26-007 travelled on dry ice twice, in an earlier shipment watched by one logger and in HG-2026-0046 by
two, and each logger saw the same rule fire once."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from logistics.core.excursion_types import Window
from logistics.core.profiles import ExcursionKind
from logistics.core.receiving import Checklist, CoolantState, Disposition
from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, LoggerAssignment, Lot, ReceiptLine, Shipment, ShipmentLine, Site
from logistics.readers.config_files import load_alert_routes
from logistics.services import loggers, receiving
from logistics.services.errors import NotFound
from logistics.services.excursions import scan
from logistics.services.qa_evidence import PeriodKind, line_evidence
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW
from tests.services.test_excursions import run_scan, trace_with_a_40_minute_excursion
from tests.services.test_excursions import send as send_trace
from tests.services.test_receiving import GOOD_BOX, assess_all, counts, quarantined_line_id, receive, sign
from tests.services.test_storage import RECEIVED, every_10_minutes

REFERENCE = "HG-2026-0046"  # arrived on dry ice: LG-24005 and LG-24007 since NOW - 41 h
EARLIER = "HG-2026-0039"  # carried 2 vials of the same lot ten days before, watched by LG-24008
VECTOR_LOT = "LV-B-26-007"  # LV-BGLOB, profile dry_ice (≤ −60 °C, above it for 15 min is critical)
DRY_ICE_BOX = Checklist(packaging_intact=True, seals_intact=True, coolant_present=True,
                        coolant_state=CoolantState.DRY_ICE_PRESENT, logger_present=True, logger_alarm=True,
                        documents_complete=True, import_permit_present=True)
# Readings cover each logger's whole assignment: from its start to the receipt (or its end), no gap.
TRIP_START, TRIP_HOURS = NOW - timedelta(hours=41), 41
EARLIER_START = NOW - timedelta(days=10)
EARLIER_END = EARLIER_START + timedelta(hours=30)


def send(runtime, logger, readings):
    payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp} for time, temp in readings]})
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger,
                                                          payload=payload.encode(), received_at=NOW)])


def on_dry_ice(start, hours, warm_from_minutes, warm_minutes, warm_c):
    """Every 5 minutes between −75.0 and −74.4 °C, except `warm_minutes` at `warm_c` from
    `warm_from_minutes` on."""
    warm = range(warm_from_minutes, warm_from_minutes + warm_minutes)
    return [(start + timedelta(minutes=5 * i), warm_c if 5 * i in warm else -75.0 + (i % 7) / 10)
            for i in range(hours * 12)]


def earlier_shipment(runtime):
    """HG-2026-0039, received: 2 vials of the lot, LG-24008 for 30 h, 20 min at −58 °C after 10 h."""
    with unit_of_work(runtime.sessions, actor="test") as session:
        sites = {site.code: site.id for site in session.exec(select(Site)).all()}
        lot = session.exec(select(Lot).where(Lot.lot_number == VECTOR_LOT)).one()
        shipment = Shipment(reference=EARLIER, origin_id=sites["HG-SZ"], destination_id=sites["SIRIRAJ-CM"],
                            status="received")
        session.add(shipment)
        session.flush()
        logger_id = session.exec(select(Logger.id).where(Logger.code == "LG-24008")).one()
        session.add_all([ShipmentLine(shipment_id=shipment.id, lot_id=lot.id, quantity=2, unit="vial"),
                         LoggerAssignment(logger_id=logger_id, shipment_id=shipment.id,
                                          starts_at=EARLIER_START, ends_at=EARLIER_END)])
    send(runtime, "LG-24008", on_dry_ice(EARLIER_START, 30, 600, 20, -58.0))


def dry_ice_readings(runtime):
    """Both shipments' readings, scanned at NOW: in HG-2026-0046 LG-24005 saw 45 min at −55 °C 21 h in,
    LG-24007 45 min at −52.5 °C 29 h in."""
    earlier_shipment(runtime)
    send(runtime, "LG-24005", on_dry_ice(TRIP_START, TRIP_HOURS, 21 * 60, 45, -55.0))
    send(runtime, "LG-24007", on_dry_ice(TRIP_START, TRIP_HOURS, 29 * 60, 45, -52.5))
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        scan(session, runtime.profiles, load_alert_routes(), now=NOW)


def dry_ice_journey(runtime, **by_lot):
    """The readings, then HG-2026-0046 received (every line quarantined: the excursions are open).
    `by_lot` changes what is counted for a lot (lot_number=..., missing=...)."""
    dry_ice_readings(runtime)
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        rows = session.exec(select(ShipmentLine, Lot).join(Lot).join(Shipment)
                            .where(Shipment.reference == REFERENCE)).all()
        as_shipped = {"damaged": 0.0, "missing": 0.0, "requested": Disposition.ACCEPT}
        counts = [receiving.LineCount(**{
            "line_id": line.id, "lot_number": lot.lot_number, "expiry": lot.expiry, "received": line.quantity,
            **as_shipped, **by_lot.get(lot.lot_number, {})}) for line, lot in rows]
        receiving.receive(session, REFERENCE, receiving.ReceiptDraft(DRY_ICE_BOX, counts), runtime.profiles,
                          by="pharmacy", now=NOW)


def line_of(runtime, lot_number):
    with runtime.sessions() as session:
        return session.exec(select(ReceiptLine.id).join(ShipmentLine).join(Lot)
                            .where(Lot.lot_number == lot_number)).one()


def evidence_of(runtime, lot_number, now=NOW):
    with runtime.sessions() as session:
        return line_evidence(session, line_of(runtime, lot_number), runtime.profiles, now=now)


def test_every_logger_of_every_shipment_the_lot_travelled_in_is_there(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    evidence = evidence_of(sqlite_demo_runtime, VECTOR_LOT)
    assert (evidence.item_code, evidence.profile.name) == ("LV-BGLOB", "dry_ice")
    assert evidence.zone == "Asia/Bangkok"  # SIRIRAJ-CM's, where it was received
    # then stored since the receipt in the vector store, whose logger has sent nothing yet
    assert [(p.kind, p.reference, p.current) for p in evidence.periods] == [
        (PeriodKind.SHIPMENT, EARLIER, False), (PeriodKind.SHIPMENT, REFERENCE, True),
        (PeriodKind.STORAGE, "SIRIRAJ-CM", False)]
    assert [[lg.logger for lg in p.loggers] for p in evidence.periods] == [["LG-24008"],
                                                                          ["LG-24005", "LG-24007"],
                                                                          ["LG-24104"]]
    *shipments, stored = evidence.periods
    assert (stored.start, stored.end, stored.zones, stored.loggers[0].zone) == (NOW, None, ("SIR-ULT-1",),
                                                                                "SIR-ULT-1")
    assert stored.loggers[0].chart is None  # received at NOW: nothing to draw yet
    for period in shipments:
        for logger in period.loggers:
            assert (logger.summary.profile.name, logger.summary.profile.version) == ("dry_ice", 1)
            assert logger.chart is not None and logger.chart.logger == logger.logger
            # the vector's range (≤ −60 °C), not the narrowest of all the goods (none: the kits are frozen)
            assert (logger.chart.low_c, logger.chart.high_c) == (None, -60.0)


def test_each_excursion_names_its_logger_and_shipment(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    evidence = evidence_of(sqlite_demo_runtime, VECTOR_LOT)
    seen = [(period.reference, x.logger, x.rule, x.start, x.duration_s, x.peak, x.status)
            for period in evidence.periods for x in period.excursions]
    rule, earlier_start = "above_minus60c_15min", EARLIER_START + timedelta(minutes=600)
    assert seen == [(EARLIER, "LG-24008", rule, earlier_start, 20 * 60, -58.0, "open"),
                    (REFERENCE, "LG-24005", rule, TRIP_START + timedelta(hours=21), 45 * 60, -55.0, "open"),
                    (REFERENCE, "LG-24007", rule, TRIP_START + timedelta(hours=29), 45 * 60, -52.5, "open")]
    assert evidence.unresolved == 3
    by_logger = {lg.logger: lg for period in evidence.periods for lg in period.loggers}
    assert [x.logger for x in by_logger["LG-24005"].excursions] == ["LG-24005"]


def test_each_loggers_figures_are_judged_by_the_lots_profile(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    [_, trip, _stored] = evidence_of(sqlite_demo_runtime, VECTOR_LOT).periods
    first = trip.loggers[0].summary.evaluation
    assert first.readings == TRIP_HOURS * 12
    assert (first.stats.min_c, first.stats.max_c) == (-75.0, -55.0)
    partition = first.partition
    assert (partition.above_s, partition.below_s, partition.no_data_s) == (45 * 60, 0, 0)
    assert partition.in_range_s == TRIP_HOURS * 3600 - 45 * 60
    assert (first.start, first.end) == (TRIP_START, NOW)  # the MKT's window: the whole assignment
    assert first.stats.min_c < first.stats.mkt_c < first.stats.max_c
    assert trip.loggers[0].summary.unjudged == ()  # dry ice has no lower limit, so nothing is "below"


def test_the_allowance_counts_each_shipment_once_by_its_worst_logger(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    evidence = evidence_of(sqlite_demo_runtime, VECTOR_LOT)
    allowance = evidence.allowance
    # the warmer peak of each shipment; then its storage since the receipt, in a zone whose logger has
    # sent nothing yet
    assert [(x.shipment, x.logger) for x in allowance.exposures] == [
        (EARLIER, "LG-24008"), (REFERENCE, "LG-24007"), (None, "LG-24104")]
    assert allowance.out_of_range_s == (20 + 45) * 60 and allowance.max_c == -52.5
    assert allowance.budget_s is None  # the vector carries no stability allowance
    counted = [(p.reference, lg.logger) for p in evidence.periods for lg in p.loggers if lg.counted]
    assert counted == [(EARLIER, "LG-24008"), (REFERENCE, "LG-24007"), ("SIRIRAJ-CM", "LG-24104")]


def test_frozen_kits_on_dry_ice_are_below_their_range_without_an_excursion(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    evidence = evidence_of(sqlite_demo_runtime, "VCN-26-12")  # QC-VCN: frozen, −25 to −15 °C
    [trip, stored] = evidence.periods  # this lot travelled only once, then went into the freezer
    assert [(lg.logger, lg.zone) for lg in stored.loggers] == [("LG-24103", "SIR-FRZ-1")]
    summary = trip.loggers[0].summary
    assert summary.profile.name == "frozen" and summary.unjudged == (ExcursionKind.BELOW,)
    assert summary.evaluation.partition.below_s == TRIP_HOURS * 3600  # −55 °C too is below −25 °C
    assert [x.profile for x in trip.excursions] == ["dry_ice", "dry_ice"]  # recorded for the vector
    assert (trip.loggers[0].chart.low_c, trip.loggers[0].chart.high_c) == (-25.0, -15.0)


def test_the_box_as_the_pharmacy_found_it(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime, **{VECTOR_LOT: {"lot_number": "LV-B-26-070", "received": 3.0,
                                                         "missing": 1.0}})
    box = evidence_of(sqlite_demo_runtime, VECTOR_LOT).box
    assert dict(box.answers) == {"packaging_intact": True, "seals_intact": True, "coolant_present": True,
                                 "logger_present": True, "logger_alarm": True, "documents_complete": True,
                                 "import_permit_present": True}
    assert box.checklist.coolant_state is CoolantState.DRY_ICE_PRESENT and box.findings == ("logger_alarm",)
    assert (box.lot_shipped, box.lot_seen, box.received, box.missing, box.shipped) == (
        VECTOR_LOT, "LV-B-26-070", 3.0, 1.0, 4.0)
    assert set(box.discrepancies) == {"lot_mismatch", "missing"}
    assert box.open_excursions == 2  # this shipment's, when it was received


def test_an_item_with_an_allowance_shows_its_budget(sqlite_demo_runtime):
    send_trace(sqlite_demo_runtime, trace_with_a_40_minute_excursion())  # HG-2026-0045: 40 min at 9.5 °C
    run_scan(sqlite_demo_runtime)
    receive(sqlite_demo_runtime)
    allowance = evidence_of(sqlite_demo_runtime, "SK2609-031").allowance  # SEL-CD34: 72 h at ≤ 25 °C
    assert (allowance.out_of_range_s, allowance.budget_s, allowance.limit_c) == (40 * 60, 72 * 3600, 25.0)
    assert allowance.max_c == 9.5 and allowance.remaining_s == 72 * 3600 - 40 * 60


def test_an_unknown_line_is_not_found(sqlite_demo_runtime):
    with sqlite_demo_runtime.sessions() as session, pytest.raises(NotFound):
        line_evidence(session, 999, sqlite_demo_runtime.profiles, now=NOW)


# --- Storage: the pharmacy fridge that held a quarantined lot ---------------------------------------------
# HG-2026-0045 reaches SIRIRAJ-PH at RECEIVED and waits there for QA in the fridge SIR-FRIDGE-1, watched by
# LG-24101 (every 10 minutes from an hour before): in range, then 50 min at 12 °C from 10 h after the
# receipt (the door left ajar), in range again until 22 h 40 min after it, then silent.
FRIDGE_WARM = RECEIVED + timedelta(hours=10)
FRIDGE_LAST = RECEIVED + timedelta(hours=22, minutes=40)
FRIDGE_SCANNED = RECEIVED + timedelta(hours=24)
KITS_LOT = "SK2609-031"  # SEL-CD34, refrigerated, 72 h at ≤ 25 °C


def into_the_fridge(runtime, *, stop_watching_at=None):
    """The journey and the receipt (every line held for QA), the fridge's readings scanned at FRIDGE_SCANNED;
    LG-24101 stops watching the fridge at `stop_watching_at` if given."""
    joined = NOW - timedelta(hours=10)
    send_trace(runtime, every_10_minutes(joined, [5.0] * 30 + [15.0] * 2 + [5.0] * 34), "LG-24003")
    send_trace(runtime, every_10_minutes(joined, [5.0] * 66), "LG-24004")
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        draft = receiving.ReceiptDraft(GOOD_BOX, counts(session, requested=Disposition.QUARANTINE))
        receiving.receive(session, "HG-2026-0045", draft, runtime.profiles, by="pharmacy", now=RECEIVED)
    send_trace(runtime, every_10_minutes(RECEIVED - timedelta(hours=1), [5.0] * 66 + [12.0] * 5 + [5.0] * 72),
               "LG-24101")
    if stop_watching_at is not None:
        with unit_of_work(runtime.sessions, actor="logistics") as session:
            loggers.stop_watching(session, zone_code="SIR-FRIDGE-1", logger_code="LG-24101",
                                  at=stop_watching_at)
    run_scan(runtime, now=FRIDGE_SCANNED)


def test_the_fridge_that_held_the_lot_is_evidence_with_its_logger_chart_and_excursion(sqlite_demo_runtime):
    into_the_fridge(sqlite_demo_runtime)
    evidence = evidence_of(sqlite_demo_runtime, KITS_LOT, FRIDGE_SCANNED)
    assert [(p.kind, p.reference, p.start) for p in evidence.periods] == [
        (PeriodKind.SHIPMENT, "HG-2026-0045", NOW - timedelta(hours=10)),
        (PeriodKind.STORAGE, "SIRIRAJ-PH", RECEIVED)]  # in the order they began
    stored = evidence.periods[1]
    assert (stored.end, stored.zones, stored.route) == (None, ("SIR-FRIDGE-1",), "SIR-FRIDGE-1")  # still held
    [fridge] = stored.loggers
    assert (fridge.logger, fridge.zone, fridge.counted) == ("LG-24101", "SIR-FRIDGE-1", True)
    summary = fridge.summary
    assert (summary.profile.name, summary.profile.version) == ("refrigerated", 1)
    assert summary.window == Window(RECEIVED, None)  # the piece, not the fridge logger's whole assignment
    evaluation = summary.evaluation
    assert evaluation.readings == 137  # from the receipt on: the hour before is the fridge's, not the lot's
    assert (evaluation.stats.min_c, evaluation.stats.max_c) == (5.0, 12.0)
    partition = evaluation.partition
    # the last reading covers until FRIDGE_LAST + H (20 min); the hour after, up to the scan, is no data
    assert (partition.above_s, partition.below_s, partition.no_data_s) == (50 * 60, 0, 60 * 60)
    assert partition.in_range_s == 24 * 3600 - 110 * 60
    chart = fridge.chart
    assert (chart.logger, chart.start, chart.end, chart.low_c, chart.high_c) == (
        "LG-24101", RECEIVED, FRIDGE_SCANNED, 2.0, 8.0)
    assert min(time for time, _ in chart.series.points) == RECEIVED
    assert chart.marks == [("above", "major", FRIDGE_WARM, FRIDGE_WARM + timedelta(minutes=50), 12.0)]
    assert chart.no_data == [(FRIDGE_LAST + timedelta(minutes=20), FRIDGE_SCANNED)]
    seen = [(x.logger, x.rule, x.severity, x.start, x.duration_s, x.peak, x.status)
            for x in stored.excursions]
    assert seen == [("LG-24101", "above_8c_30min", "major", FRIDGE_WARM, 50 * 60, 12.0, "open")]
    assert evidence.unresolved == 1  # the journey's 20 min at 15 °C made no excursion
    [exposure] = [x for x in evidence.allowance.exposures if x.stored]
    assert exposure.out_of_range_s == partition.out_of_range_s  # the allowance counts what the page shows


def test_storage_no_logger_watched_is_shown_as_not_monitored(sqlite_demo_runtime):
    stopped = RECEIVED + timedelta(hours=12)
    into_the_fridge(sqlite_demo_runtime, stop_watching_at=stopped)
    periods = evidence_of(sqlite_demo_runtime, KITS_LOT, FRIDGE_SCANNED).periods
    assert [(p.kind, p.start, p.end, [lg.logger for lg in p.loggers]) for p in periods[1:]] == [
        (PeriodKind.STORAGE, RECEIVED, stopped, ["LG-24101"]),
        (PeriodKind.STORAGE, stopped, None, [])]  # not monitored since
    watched, unwatched = periods[1:]
    assert unwatched.zones == ("SIR-FRIDGE-1",) and unwatched.key != watched.key
    assert watched.loggers[0].summary.evaluation.partition.no_data_s == 0  # closed while it still spoke
    assert watched.loggers[0].chart.end == stopped
    assert [x.rule for x in watched.excursions] == ["above_8c_30min"]


def test_once_qa_books_the_lot_read_on_the_pack_its_life_is_followed_under_it(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    send_trace(runtime, trace_with_a_40_minute_excursion())  # HG-2026-0045: LG-24003 40 min at 9.5 °C
    run_scan(runtime)
    receive(runtime, **{"TE-26-019": {"lot_number": "TE-26-091", "expiry": None}})
    line_id = quarantined_line_id(runtime, "TE-26-091")
    assess_all(runtime, line_id)
    with runtime.sessions() as session:
        before = line_evidence(session, line_id, runtime.profiles, now=NOW)
    sign(runtime, line_id, Meaning.RELEASED, accept_lot_read=True, lot_expiry=date(2027, 12, 31))
    with runtime.sessions() as session:
        after = line_evidence(session, line_id, runtime.profiles, now=NOW + timedelta(hours=3))
    assert (before.lot_number, after.lot_number) == ("TE-26-019", "TE-26-091")
    for evidence in (before, after):  # the shipment that brought the goods stays their evidence
        assert [(p.kind, p.reference, p.current) for p in evidence.periods][0] == (
            PeriodKind.SHIPMENT, "HG-2026-0045", True)
        assert [x.shipment for x in evidence.allowance.exposures][0] == "HG-2026-0045"
        assert evidence.allowance.out_of_range_s >= 40 * 60
        assert (evidence.box.lot_shipped, evidence.box.lot_seen) == ("TE-26-019", "TE-26-091")
    stored = [p for p in after.periods if p.kind is PeriodKind.STORAGE]
    assert [(p.reference, p.start) for p in stored] == [("SIRIRAJ-PH", NOW + timedelta(hours=2))]  # booked
