"""The demo's past as `logistics init --demo` records it, read back from a real SQLite file: each logger
read along its shipment's legs or in its fridge, the received and closed shipments are complete, the one
excursion the README names is the only one open, and the loggers go on from where the history stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from logistics.app import build_runtime
from logistics.db import migrate
from logistics.db.models import (
    Alert,
    AuditEvent,
    ExcursionRecord,
    Leg,
    Logger,
    LoggerAssignment,
    Reading,
    Receipt,
    Shipment,
    StockMovement,
    StorageZone,
)
from logistics.readers.config_files import load_alert_routes, load_demo_scenario
from logistics.services import forecasting, handovers, lane_analytics, receiving, shipments, stock
from logistics.services.audit import verify_audit_trail
from logistics.services.demo import DemoAlreadyLoaded
from logistics.services.demo_history import record_history
from logistics.services.demo_journeys import (
    SHIPMENT_INTERVAL_S,
    ZONE_INTERVAL_S,
    live_journeys,
    newest_readings,
)
from sensors.simulator import upload_times
from tests.conftest import NOW, settings_for

PAST = ["HG-2026-0029", "HG-2026-0030", "HG-2026-0031", "HG-2026-0033", "HG-2026-0035", "HG-2026-0036",
        "HG-2026-0038", "HG-2026-0040"]
TAKE_OFF = NOW - timedelta(hours=1)  # HG-2026-0045's flight CX705, as the scenario has it


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-history")
    runtime = build_runtime(settings_for(f"sqlite:///{folder}/shipments.db"))
    migrate.upgrade(runtime.engine)
    loaded = record_history(runtime.sessions, runtime.engine, runtime.profiles, load_alert_routes(),
                            scenario=load_demo_scenario(), now=NOW)
    yield runtime, loaded
    runtime.close()


def windows(session):
    """(logger, shipment reference or zone code, start, end or None, interval) of every assignment."""
    rows = session.exec(select(LoggerAssignment, Logger.code, Shipment.reference, StorageZone.code)
                        .join(Logger, Logger.id == LoggerAssignment.logger_id)
                        .outerjoin(Shipment, Shipment.id == LoggerAssignment.shipment_id)
                        .outerjoin(StorageZone, StorageZone.id == LoggerAssignment.storage_zone_id)).all()
    return [(code, reference or zone, assignment.starts_at, assignment.ends_at,
             ZONE_INTERVAL_S if zone else SHIPMENT_INTERVAL_S) for assignment, code, reference, zone in rows]


def times(session, logger, start, end):
    return list(session.exec(select(Reading.device_time).join(Logger, Logger.id == Reading.logger_id)
                             .where(Logger.code == logger, col(Reading.device_time) >= start,
                                    col(Reading.device_time) <= end)
                             .order_by(col(Reading.device_time))).all())


def test_each_logger_read_all_along_its_time_in_a_shipment_or_a_fridge(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        found = windows(session)
        assert len(found) == 8 + 2 + 2 + 2 + 1 + 4  # the past's, 0041, 0044, 0045, 0046, 0047, the fridges
        for logger, where, start, end, interval in found:
            if start >= NOW:
                continue
            until = min(end or NOW, TAKE_OFF if where == "HG-2026-0045" else NOW)
            read = times(session, logger, start, until)
            assert read[0] == start, (logger, where)
            assert until - read[-1] <= timedelta(seconds=interval), (logger, where)
            steps = {later - earlier for earlier, later in zip(read, read[1:], strict=False)}
            assert steps == {timedelta(seconds=interval)}, (logger, where)  # no gap: flights backfilled


def test_the_flight_under_way_has_sent_nothing_yet(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        for logger in ("LG-24003", "LG-24004"):
            assert times(session, logger, TAKE_OFF + timedelta(seconds=1), NOW) == []


def test_the_only_open_excursion_is_the_one_the_readme_names(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        rows = session.exec(select(ExcursionRecord, Shipment.reference, Logger.code)
                            .outerjoin(Shipment, Shipment.id == ExcursionRecord.shipment_id)
                            .join(Logger, Logger.id == ExcursionRecord.logger_id)
                            .order_by(col(ExcursionRecord.start))).all()
        found = [(reference, code, record.rule, record.status) for record, reference, code in rows]
        assert found == [("HG-2026-0033", "LG-24003", "above_8c_30min", "resolved"),  # left on the apron
                         ("HG-2026-0035", "LG-24008", "shock_10g", "resolved"),  # dropped from the van
                         ("HG-2026-0046", "LG-24007", "above_minus60c_15min", "open")]  # dry ice ran low
        apron = rows[0][0]
        assert 30 * 60 <= apron.duration_s <= 50 * 60 and apron.found_at < NOW - timedelta(days=100)
        dry_ice = rows[2][0]
        assert dry_ice.severity == "critical" and 30 * 60 <= dry_ice.duration_s <= 50 * 60
        assert NOW - timedelta(hours=12) < dry_ice.start < NOW - timedelta(hours=10)
        # each announced when the scan found it, not when the demo was loaded
        raised = session.exec(select(Alert.raised_at).where(col(Alert.subject) == "HG-2026-0033")).all()
        assert raised and all(moment < NOW - timedelta(days=100) for moment in raised)


def test_received_and_closed_shipments_are_complete(demo):
    runtime, loaded = demo
    with runtime.sessions() as session:
        status = dict(session.exec(select(Shipment.reference, Shipment.status)).all())
        assert {reference: status[reference] for reference in [*PAST, "HG-2026-0041", "HG-2026-0044"]} == {
            **dict.fromkeys([*PAST, "HG-2026-0041"], "closed"), "HG-2026-0044": "received"}
        for reference in [*PAST, "HG-2026-0041", "HG-2026-0044"]:
            receipt = receiving.receipt_public(session, reference)
            lines = shipments.describe_shipment(session, reference).lines
            shipped = {line.id: line.quantity for line in lines}
            assert {line.shipment_line_id: line.received for line in receipt.lines} == shipped, reference
            assert all(line.missing == 0 and line.damaged == 0 for line in receipt.lines), reference
            for line in receipt.lines:
                if line.disposition == "quarantine":  # held for QA: released, the signature valid
                    assert line.qa_status == "released" and line.signature and line.signature.valid, reference
        quarantined = {reference for reference in [*PAST, "HG-2026-0041", "HG-2026-0044"]
                       if any(line.disposition == "quarantine"
                              for line in receiving.receipt_public(session, reference).lines)}
        assert quarantined == {"HG-2026-0033", "HG-2026-0035", "HG-2026-0041", "HG-2026-0044"}
    assert (loaded.receipts, loaded.decisions) == (10, 10)


def test_stock_follows_the_receipts_and_the_patients_batches(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        cytokines = {(b.holding.item_code, b.holding.status): b.holding.quantity
                     for b in stock.balances(session, site="SIRIRAJ-CM")
                     if b.holding.item_code.startswith("CYT")}
        # four vials of each counted at go-live went into four batches; HG-2026-0044 brought ten, released
        assert cytokines == {("CYT-SCF", "available"): 10, ("CYT-TPO", "available"): 10,
                             ("CYT-FLT3L", "available"): 10}
        used_for = set(session.exec(select(StockMovement.used_for)
                                    .where(StockMovement.kind == "consume")).all())
        assert used_for == {"patient:TDT-001", "patient:TDT-002", "patient:TDT-003", "patient:TDT-004"}


def test_the_forecast_learns_lead_times_from_the_shipments_before(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        days = forecasting.door_to_door_days(session)
    assert len(days) == 10 and all(2 <= day <= 4 for day in days)


def test_the_lanes_analytics_read_the_months_before(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        shown = lane_analytics.lane_analytics(session, "SZ-HKG-BKK-PH", runtime.profiles, now=NOW)
        learned = lane_analytics.lead_times_by_item(session, most=50)
    assert shown.references == ("HG-2026-0041", "HG-2026-0040", "HG-2026-0033", "HG-2026-0029")
    # HG-2026-0033, left on the apron at BKK after unloading: the stop between the flight and customs
    at_bkk = next(stop for stop in shown.figures.stops if stop.after == 2)
    assert at_bkk.exposure.excursions == shown.figures.exposure.excursions == 1
    assert at_bkk.exposure.outside_s + sum(leg.exposure.outside_s for leg in shown.figures.legs) == \
        shown.figures.exposure.outside_s > 0
    # an item's lead time from the lanes it travels: MED-HSC both to the pharmacy's, via HKG and SZX
    assert learned["MED-HSC"].lanes == ("SZ-HKG-BKK-PH", "SZ-SZX-BKK-PH")
    assert len(learned["MED-HSC"].days) == 6 and all(2 <= day <= 3 for day in learned["MED-HSC"].days)


def test_the_loggers_go_on_from_where_the_history_stops(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        journeys = live_journeys(session, now=NOW)
        newest = newest_readings(session, [journey.logger for journey in journeys])
        assert sorted(journey.logger for journey in journeys) == [
            "LG-24003", "LG-24004", "LG-24005", "LG-24006", "LG-24007", "LG-24101", "LG-24102", "LG-24103",
            "LG-24104"]
        for journey in journeys:
            readings = journey.readings()
            stored = [reading for reading in readings if reading.time <= newest[journey.logger]]
            following = [reading for reading in readings if reading.time > newest[journey.logger]]
            last = session.exec(select(Reading.temperature_c).join(Logger, Logger.id == Reading.logger_id)
                                .where(Logger.code == journey.logger,
                                       Reading.device_time == newest[journey.logger])).one()
            assert stored[-1].temp_c == last, journey.logger  # the same journey, read again
            assert following[0].time - stored[-1].time == timedelta(seconds=journey.interval_s)
            sent = upload_times(readings, {"flight"})[len(stored)]
            if journey.logger in ("LG-24003", "LG-24004"):  # in flight mode until CX705 lands
                assert sent == session.exec(select(Leg.planned_end).join(Shipment)
                                            .where(Shipment.reference == "HG-2026-0045",
                                                   Leg.mode == "air")).one()
            else:
                assert sent == following[0].time and sent > NOW - timedelta(seconds=journey.interval_s)


def test_the_demo_loads_once_and_its_audit_trail_holds(demo):
    runtime, _ = demo
    with pytest.raises(DemoAlreadyLoaded):
        record_history(runtime.sessions, runtime.engine, runtime.profiles, [], scenario=load_demo_scenario(),
                       now=NOW + timedelta(hours=1))
    with runtime.sessions() as session:
        events, broken = verify_audit_trail(session)
    assert broken is None and events > 0


def test_the_audit_trail_of_the_past_is_stamped_when_each_thing_happened(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        stamps = session.exec(select(AuditEvent.at).order_by(col(AuditEvent.id))).all()
        receipts = session.exec(select(Receipt.id, Receipt.received_at)).all()
        for receipt_id, received_at in receipts:
            created = session.exec(select(AuditEvent.at).where(
                AuditEvent.entity == "receipts", AuditEvent.entity_id == str(receipt_id),
                AuditEvent.action == "create")).first()
            assert created == received_at
    assert stamps == sorted(stamps)  # in the order the story happened
    assert stamps[0] < NOW - timedelta(days=150) and stamps[-1] <= NOW


def test_each_shipment_under_way_or_past_has_its_hand_overs_and_the_receipt_last(demo):
    runtime, _ = demo
    with runtime.sessions() as session:
        def chain(reference):
            return [(entry.kind, entry.from_party, entry.to_party, entry.site, entry.leg)
                    for entry in handovers.handover_list(session, reference).items]

        # In the air since take-off: handed to the truck at the warehouse, to the airline at HKG.
        assert chain("HG-2026-0045") == [("handover", "shipper", "carrier", "HG-SZ", 1),
                                         ("handover", "carrier", "carrier", "HKG", 2)]
        for reference in [*PAST, "HG-2026-0041", "HG-2026-0044"]:  # four legs, then the pharmacy
            assert [entry[:3] for entry in chain(reference)] == [
                ("handover", "shipper", "carrier"), ("handover", "carrier", "carrier"),
                ("handover", "carrier", "customs_broker"), ("handover", "customs_broker", "courier"),
                ("receipt", "courier", "pharmacy")], reference
        assert chain("HG-2026-0047") == []  # packed, not collected yet
        actors = set(session.exec(select(AuditEvent.actor).where(AuditEvent.entity == "handovers")).all())
    assert actors == {"Wang Lei (hand-over link)", "Kelvin Lau (hand-over link)", "Zhou Min (hand-over link)",
                      "Siriporn K. (hand-over link)", "Anan T. (hand-over link)"}
