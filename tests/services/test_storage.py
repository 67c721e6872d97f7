"""Storage zones on a real database: a fridge at Siriraj watched by its logger, a lot received into it and
partly used, its passport across the shipment and the storage period, and the fridge's own excursions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from logistics.core.receiving import Disposition
from logistics.db.engine import unit_of_work
from logistics.db.models import (
    Alert,
    ExcursionRecord,
    LoggerAssignment,
    Lot,
    Shipment,
    ShipmentLine,
    Site,
    StockMovement,
)
from logistics.readers.config_files import load_alert_routes
from logistics.services import loggers, receiving, stability, stock, storage, storage_periods
from logistics.services.errors import InputError
from tests.conftest import NOW
from tests.services.test_excursions import run_scan, send
from tests.services.test_receiving import GOOD_BOX, counts

RECEIVED = NOW + timedelta(hours=1)  # HG-2026-0045 reaches SIRIRAJ-PH, whose fridge LG-24101 watches
KITS = ("SEL-CD34", "SK2609-031")  # 6 kit, refrigerated, "72 h at ≤ 25 °C"
HOUR = 3600.0


def every_10_minutes(start, temperatures):
    return [(start + timedelta(minutes=10 * i), value) for i, value in enumerate(temperatures)]


def travel_and_receive(runtime):
    """The journey (LG-24003 saw 20 min at 15 °C, LG-24004 nothing), then a clean receipt at RECEIVED."""
    joined = NOW - timedelta(hours=10)
    send(runtime, every_10_minutes(joined, [5.0] * 30 + [15.0] * 2 + [5.0] * 34), "LG-24003")
    send(runtime, every_10_minutes(joined, [5.0] * 66), "LG-24004")
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        draft = receiving.ReceiptDraft(GOOD_BOX, counts(session, requested=Disposition.ACCEPT))
        receiving.receive(session, "HG-2026-0045", draft, runtime.profiles, by="pharmacy", now=RECEIVED)


def fridge_readings(runtime):
    """The pharmacy fridge from an hour before the receipt: 10 h in range, 2 h at 12 °C, 30 min at 26 °C
    (the door left open), then in range again for 30 h."""
    send(runtime, every_10_minutes(RECEIVED - timedelta(hours=1),
                                   [5.0] * 66 + [12.0] * 12 + [26.0] * 3 + [5.0] * 180), "LG-24101")


def consume(runtime, quantity, at):
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        stock.consume(session, site="SIRIRAJ-PH", item=KITS[0], quantity=quantity,
                      use=stock.read_use("run", "MR-2026-014"), by="pharmacy", now=at)


def passport(runtime, now):
    with runtime.sessions() as session:
        lot = session.exec(select(Lot).where(Lot.lot_number == KITS[1])).one()
        return stability.passport(session, lot.id, runtime.profiles, now=now)


def test_a_lots_passport_counts_its_shipment_and_its_storage_period_until_its_stock_is_used_up(demo_runtime):
    travel_and_receive(demo_runtime)
    fridge_readings(demo_runtime)
    consume(demo_runtime, "2 kit", RECEIVED + timedelta(hours=20))  # partly used: still in the fridge
    partly = passport(demo_runtime, RECEIVED + timedelta(hours=24))
    assert [(e.kind, e.shipment, e.site, e.zones, e.exposure.logger) for e in partly.entries] == [
        ("shipment", "HG-2026-0045", None, (), "LG-24003"),
        ("storage", None, "SIRIRAJ-PH", ("SIR-FRIDGE-1",), "LG-24101")]
    stored = partly.entries[1]
    assert (stored.start, stored.end) == (RECEIVED, None)  # from the receipt, still held
    assert stored.exposure.out_of_range_s == 2.5 * HOUR and stored.exposure.max_c == 26.0
    lot = partly.stability
    assert lot.out_of_range_s == (1 / 3 + 2.5) * HOUR and lot.limit_exceeded  # 26 °C > 25 °C
    # 20 min at 15 °C: 1/3 · 0.31224 = 0.10408 h; 2 h at 12 °C: 2 · 0.21673 = 0.43346 h;
    # 30 min at 26 °C: 1/299.15 = 0.00334280, e^(10000 · 0.00001122) = 1.11865 → 0.55933 h. Sum 1.09687 h.
    assert lot.equivalent_s / HOUR == pytest.approx(1.0969, abs=1e-4)
    assert partly.holdings == (("SIRIRAJ-PH", "available", 4.0),)

    consume(demo_runtime, "4 kit", RECEIVED + timedelta(hours=30))  # used up: the period ends there
    send(demo_runtime, every_10_minutes(RECEIVED + timedelta(hours=33), [30.0] * 6), "LG-24101")
    after = passport(demo_runtime, RECEIVED + timedelta(hours=40))
    stored = after.entries[1]
    assert (stored.start, stored.end) == (RECEIVED, RECEIVED + timedelta(hours=30))
    assert stored.exposure.out_of_range_s == 2.5 * HOUR  # the fridge's later warmth is not this lot's
    assert after.holdings == ()
    assert [row["kind"] for row in stability.passport_rows(after)] == ["shipment", "storage"]


def test_a_fridge_excursion_is_recorded_for_its_zone_alerted_and_found_by_the_lots_in_it(demo_runtime):
    travel_and_receive(demo_runtime)
    fridge_readings(demo_runtime)
    report = run_scan(demo_runtime, now=RECEIVED + timedelta(hours=40))
    with demo_runtime.sessions() as session:
        zone = storage.get_zone(session, "SIR-FRIDGE-1")
        assert zone.id in report.zones
        found = session.exec(select(ExcursionRecord).where(ExcursionRecord.storage_zone_id == zone.id)
                             .order_by(col(ExcursionRecord.rule))).all()
        watched_since = session.exec(select(LoggerAssignment.starts_at)
                                     .where(LoggerAssignment.storage_zone_id == zone.id)).one()
        assert [(r.rule, r.severity, r.shipment_id, r.start) for r in found] == [
            ("above_8c_30min", "major", None, RECEIVED + timedelta(hours=10)),
            ("above_8c_cumulative_60min", "critical", None, RECEIVED + timedelta(hours=11)),
            # the fridge logger watched the zone long before it sent these: that time is without data
            ("no_data_gap", "major", None, watched_since)]
        found = found[:2]
        alert = session.exec(select(Alert).where(Alert.key == f"excursion:{found[0].id}:opened")).one()
        assert alert.title == "SIR-FRIDGE-1 at SIRIRAJ-PH: above its range on LG-24101 (above_8c_30min)"
        assert "storage zone SIR-FRIDGE-1 (Pharmacy fridge 1, dispensary) at SIRIRAJ-PH" in alert.body
        assert (alert.site, alert.link) == ("SIRIRAJ-PH", "http://tracker/storage/SIR-FRIDGE-1")
        exposed = {(each.item.code, each.lot.lot_number)
                   for each in storage_periods.lots_exposed(session, found[0])}
        assert KITS in exposed and ("QC-ENDO", "LAL-26-3341") in exposed  # received, and held since the demo
        assert ("TUB-TS310", "TS26-0877") not in exposed  # room temperature goods are not in the fridge
        lot = session.exec(select(Lot).where(Lot.lot_number == KITS[1])).one()
        in_zone = storage_periods.zone_excursions_of_lot(session, lot.id)
        assert [r.id for r in in_zone] == [r.id for r in found]
        # The goods the fridge held were usable: the excursion puts them on hold for QA at once.
        held = session.exec(select(StockMovement).where(StockMovement.lot_id == lot.id,
                                                        StockMovement.status == "on_hold")).all()
        assert sum(movement.quantity for movement in held) == 6
        assert session.exec(select(Alert).where(Alert.kind == "evidence_changed")).first() is not None


def test_the_budget_check_counts_storage_and_announces_lots_held_in_a_scanned_zone(demo_runtime):
    travel_and_receive(demo_runtime)
    fridge_readings(demo_runtime)
    later = RECEIVED + timedelta(hours=40)
    report = run_scan(demo_runtime, now=later)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        raised = stability.check_budgets(session, set(), demo_runtime.profiles, load_alert_routes(),
                                         now=later, public_url="http://tracker", zone_ids=report.zones)
        assert raised == 2  # the kits and the medium went above their 25 °C limit in the fridge
    with demo_runtime.sessions() as session:
        alerts = session.exec(select(Alert).where(Alert.kind == "stability").order_by(Alert.subject)).all()
    assert [(a.subject, a.site, a.link) for a in alerts] == [
        ("MED-HSC lot M26K05", "SIRIRAJ-PH", "http://tracker/lots/MED-HSC/M26K05"),
        ("SEL-CD34 lot SK2609-031", "SIRIRAJ-PH", "http://tracker/lots/SEL-CD34/SK2609-031")]


def test_a_logger_watches_one_place_at_a_time_and_zones_are_checked(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="logistics") as session:
        zone = storage.add_zone(session, demo_runtime.profiles, site="SIRIRAJ-CM", code="SIR-FRIDGE-3",
                                name="Spare fridge", storage_profile="refrigerated")
        with pytest.raises(InputError) as busy:
            loggers.assign_to_zone(session, logger_code="LG-24003", zone_code=zone.code, starts_at=NOW)
        assert busy.value.errors == {"logger": "LG-24003 is already assigned to HG-2026-0045 in that window"}
        with pytest.raises(InputError) as watching:
            loggers.assign(session, logger_code="LG-24101", reference="HG-2026-0048", starts_at=NOW)
        assert watching.value.errors == {
            "logger": "LG-24101 is already assigned to SIR-FRIDGE-1 in that window"}
        loggers.assign_to_zone(session, logger_code="LG-24008", zone_code=zone.code, starts_at=NOW)
        soon, later = NOW + timedelta(minutes=1), NOW + timedelta(hours=1)
        rows = {row.zone.code: row for row in storage.zone_rows(session, now=soon)}
        assert rows["SIR-FRIDGE-3"].loggers == ("LG-24008",) and rows["SIR-LN2-1"].loggers == ()
        listed = {row.logger.code: row for row in loggers.list_loggers(session, now=soon)}
        assert (listed["LG-24008"].zone, listed["LG-24008"].shipment) == ("SIR-FRIDGE-3", None)
        stopped = loggers.stop_watching(session, zone_code=zone.code, logger_code="LG-24008", at=later)
        assert stopped.ends_at == later
        with pytest.raises(InputError) as refused:
            storage.add_zone(session, demo_runtime.profiles, site="NOWHERE", code="sir fridge",
                             name=" ", storage_profile="tepid")
        assert set(refused.value.errors) == {"site", "code", "name", "storage_profile"}


def test_a_shipment_that_carried_the_lot_without_a_logger_is_shown_as_not_monitored(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="logistics") as session:
        lot = session.exec(select(Lot).where(Lot.lot_number == KITS[1])).one()
        site = session.exec(select(Site).where(Site.code == "SIRIRAJ-PH")).one()
        earlier = Shipment(reference="HG-2026-0032", origin_id=site.id, destination_id=site.id,
                           status="closed", actual_departure=NOW - timedelta(days=30),
                           actual_arrival=NOW - timedelta(days=27))
        session.add(earlier)
        session.flush()
        session.add(ShipmentLine(shipment_id=earlier.id, lot_id=lot.id, quantity=1, unit="kit"))
    shown = passport(demo_runtime, NOW)
    assert [(e.kind, e.shipment, e.start, e.end, e.exposure) for e in shown.entries][0] == (
        "unmonitored", "HG-2026-0032", NOW - timedelta(days=30), NOW - timedelta(days=27), None)
    assert [e.shipment for e in shown.entries] == ["HG-2026-0032", "HG-2026-0045"]  # the other is watched
