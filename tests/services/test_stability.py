"""Stability budgets from stored telemetry: a lot's shipments add up, and the scheduler announces them."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import col, select

from logistics.core.signatures import Meaning
from logistics.core.stability import BudgetState
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, Item, Logger, LoggerAssignment, Lot, Shipment, ShipmentLine, Site
from logistics.readers.config_files import load_alert_routes
from logistics.services.excursions import scan
from logistics.services.stability import check_budgets, shipment_lots, stability_of
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW
from tests.services.test_excursions import run_scan
from tests.services.test_receiving import quarantined_line_id, receive, sign

START = NOW - timedelta(hours=9)  # HG-2026-0045 (in transit) has had LG-24003 and LG-24004 since NOW - 10 h


def send(runtime, logger, start, temperatures, every_minutes=10):
    readings = [{"ts": (start + timedelta(minutes=every_minutes * i)).isoformat(), "temp": value}
                for i, value in enumerate(temperatures)]
    payload = json.dumps({"readings": readings}).encode()
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger, payload=payload,
                                                          received_at=NOW)])


def earlier_shipment_of(runtime, lot_key, logger, starts, ends):
    """A delivered shipment that carried the lot before, watched by `logger` from `starts` to `ends`."""
    item_code, lot_number = lot_key.split("/")
    with unit_of_work(runtime.sessions, actor="test") as session:
        lot = session.exec(select(Lot).join(Item).where(Item.code == item_code,
                                                        Lot.lot_number == lot_number)).one()
        site = session.exec(select(Site)).first()
        shipment = Shipment(reference="HG-2026-0031", origin_id=site.id, destination_id=site.id,
                            status="delivered")
        session.add(shipment)
        session.flush()
        logger_id = session.exec(select(Logger.id).where(Logger.code == logger)).one()
        session.add_all([ShipmentLine(shipment_id=shipment.id, lot_id=lot.id, quantity=1, unit="bottle"),
                         LoggerAssignment(logger_id=logger_id, shipment_id=shipment.id, starts_at=starts,
                                          ends_at=ends)])


def lot_rows(runtime):
    with runtime.sessions() as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == "HG-2026-0045")).one()
        return {f"{row.item.code}/{row.lot.lot_number}": row.stability
                for row in shipment_lots(session, shipment, runtime.profiles, now=NOW)}


def test_a_lots_budget_adds_its_shipments_each_by_its_worst_logger(demo_runtime):
    # This shipment: LG-24003 saw 2 h at 12 °C, LG-24004 only 30 min at 9 °C.
    send(demo_runtime, "LG-24003", START, [5.0] * 12 + [12.0] * 12 + [5.0] * 24)
    send(demo_runtime, "LG-24004", START, [5.0] * 12 + [9.0] * 3 + [5.0] * 33)
    # Before: the medium's lot spent 40 h at 15 °C in an earlier shipment watched by LG-24008.
    before = NOW - timedelta(days=10)
    earlier_shipment_of(demo_runtime, "MED-HSC/M26K05", "LG-24008", before, before + timedelta(hours=40))
    send(demo_runtime, "LG-24008", before, [15.0] * 240)  # the last, 10 min before the window's end

    lots = lot_rows(demo_runtime)
    medium, kits = lots["MED-HSC/M26K05"], lots["SEL-CD34/SK2609-031"]
    assert [(e.shipment, e.logger) for e in medium.exposures] == [("HG-2026-0031", "LG-24008"),
                                                                 ("HG-2026-0045", "LG-24003")]
    assert medium.out_of_range_s == (40 + 2) * 3600 and medium.remaining_s == 6 * 3600
    assert medium.state is BudgetState.LOW and not medium.limit_exceeded
    assert kits.out_of_range_s == 2 * 3600 and kits.state is BudgetState.OK  # 72 h budget, only here


def test_the_scan_job_announces_a_budget_running_low_once(demo_runtime):
    before = NOW - timedelta(days=10)
    earlier_shipment_of(demo_runtime, "MED-HSC/M26K05", "LG-24008", before, before + timedelta(hours=41))
    send(demo_runtime, "LG-24008", before, [15.0] * 240)
    send(demo_runtime, "LG-24003", START, [5.0] * 12 + [12.0] * 12 + [5.0] * 24)
    routes = load_alert_routes()
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        report = scan(session, demo_runtime.profiles, routes, now=NOW)
        assert check_budgets(session, report.shipments, demo_runtime.profiles, routes, now=NOW,
                             public_url="http://tracker") == 1
    send(demo_runtime, "LG-24003", START + timedelta(hours=8), [5.0, 26.0, 5.0])  # now above 25 °C too
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        report = scan(session, demo_runtime.profiles, routes, now=NOW)
        assert check_budgets(session, report.shipments, demo_runtime.profiles, routes, now=NOW,
                             public_url="http://tracker") == 2  # the kits' and the medium's limit
    with demo_runtime.sessions() as session:
        alerts = session.exec(select(Alert).where(Alert.kind == "stability").order_by(Alert.key)).all()
        lot = session.exec(select(Lot).where(Lot.lot_number == "M26K05")).one()
        assert stability_of(session, lot, demo_runtime.profiles, now=NOW).limit_exceeded
    assert sorted((alert.subject, alert.key.rsplit(":", 1)[1], alert.severity) for alert in alerts) == [
        ("MED-HSC lot M26K05", "limit", "critical"), ("MED-HSC lot M26K05", "low", "major"),
        ("SEL-CD34 lot SK2609-031", "limit", "critical")]
    low = next(alert for alert in alerts if alert.key.endswith(":low"))
    assert low.title == "MED-HSC lot M26K05: stability budget running low"
    assert low.link == "http://tracker/shipments/HG-2026-0045"


def test_the_budget_check_finds_a_lot_booked_from_the_pack(demo_runtime):
    # HG-2026-0045 reached 26 °C for 20 min (no excursion, but above the kits' 25 °C limit); the pharmacy
    # read SK2607-114 on the kits' pack, and QA booked them under it.
    joined = NOW - timedelta(hours=10)
    send(demo_runtime, "LG-24003", joined, [5.0] * 12 + [26.0] * 2 + [5.0] * 46)
    send(demo_runtime, "LG-24004", joined, [5.0] * 60)
    run_scan(demo_runtime)
    receive(demo_runtime, **{"SK2609-031": {"lot_number": "SK2607-114"}})
    line_id = quarantined_line_id(demo_runtime, "SK2607-114")
    sign(demo_runtime, line_id, Meaning.RELEASED, accept_lot_read=True)
    later = NOW + timedelta(hours=3)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == "HG-2026-0045")).one()
        check_budgets(session, {shipment.id}, demo_runtime.profiles, load_alert_routes(), now=later,
                      public_url="http://tracker")
    with demo_runtime.sessions() as session:
        kits = session.exec(select(Alert.subject, Alert.key).where(Alert.kind == "stability",
                                                                   col(Alert.subject).startswith("SEL-CD34"))).all()
    assert [(subject, key.rsplit(":", 1)[1]) for subject, key in kits] == [
        ("SEL-CD34 lot SK2607-114", "limit")]  # not the shipped lot: none of it travelled
