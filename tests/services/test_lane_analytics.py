"""Lane analytics from a real database: a lane's history seeded in the test (three shipments, their legs,
excursions and one logger's readings), its figures worked out by hand; and the forecast's lead time of an
item learned from the lanes it travels."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from logistics.db.engine import unit_of_work
from logistics.db.models import ExcursionRecord, Leg, LoggerAssignment, Reading, ShipmentLine
from logistics.schemas.lanes import LaneCreate
from logistics.schemas.shipments import ShipmentCreate
from logistics.services import catalogue, forecasting, lane_analytics, lanes, recruitment, shipments
from tests.conftest import NOW

H = 3600.0
LANE = "TEST-HKG-PH"
# Actual (truck, air) hours after departure, and arrival; planned truck [0, 4) and air [6, 9) for each.
TRIPS = [("TL-1", datetime(2026, 4, 10, tzinfo=UTC), (0, 4), (6, 10), 10),
         ("TL-2", datetime(2026, 5, 10, tzinfo=UTC), (0, 5), (8, 20), 20),
         ("TL-3", datetime(2026, 7, 10, tzinfo=UTC), (0, 4), (10, 30), 30)]


def seed_history(runtime) -> None:
    """The lane, a new item on it, three closed shipments; TL-2 met one warm event (two loggers saw it,
    LG-24001's readings 30 min above 8 °C on the flight), TL-3 a shock at the stop in Hong Kong."""
    with unit_of_work(runtime.sessions, actor="test", reason="seeded history") as session:
        lanes.create_lane(session, LaneCreate.model_validate({
            "code": LANE, "name": "Test lane", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
            "storage_profiles": ["refrigerated"], "legs": [
                {"mode": "truck", "origin": "HG-SZ", "destination": "HKG", "carrier": "SZ Cold Express",
                 "duration_hours": 4},
                {"mode": "air", "origin": "HKG", "destination": "SIRIRAJ-PH", "carrier": "Cathay Cargo",
                 "wait_hours": 2, "duration_hours": 3}]}), runtime.profiles)
        catalogue.add_item(session, runtime.profiles, code="TEST-KIT", name="Test kit", category="reagent",
                           storage_profile="refrigerated", unit="kit")
        session.flush()
        lot = catalogue.add_lot(session, item_code="TEST-KIT", lot_number="T-1", expiry=date(2028, 1, 1))
        lane_id = lanes.get_lane(session, LANE).id
        sites = {code: catalogue.get_site(session, code).id for code in ("HG-SZ", "HKG", "SIRIRAJ-PH")}
        loggers = {code: catalogue.get_logger(session, code).id for code in ("LG-24001", "LG-24002")}
        session.flush()
        for reference, departed, truck, air, arrived in TRIPS:
            def at(hours, departed=departed):
                return departed + timedelta(hours=hours)
            shipment = shipments.create_shipment(session, ShipmentCreate(
                reference=reference, origin="HG-SZ", destination="SIRIRAJ-PH", planned_departure=at(0),
                planned_arrival=at(9)))
            shipment.status, shipment.lane_id = "closed", lane_id
            shipment.actual_departure, shipment.actual_arrival = at(0), at(arrived)
            session.add(ShipmentLine(shipment_id=shipment.id, lot_id=lot.id, quantity=2, unit="kit"))
            for sequence, mode, ends, carrier, planned, actual in (
                    (1, "truck", ("HG-SZ", "HKG"), "SZ Cold Express", (0, 4), truck),
                    (2, "air", ("HKG", "SIRIRAJ-PH"), "Cathay Cargo", (6, 9), air)):
                session.add(Leg(shipment_id=shipment.id, sequence=sequence, mode=mode,
                                from_site_id=sites[ends[0]], to_site_id=sites[ends[1]], carrier=carrier,
                                planned_start=at(planned[0]), planned_end=at(planned[1]),
                                actual_start=at(actual[0]), actual_end=at(actual[1])))
            for code in loggers.values():
                session.add(LoggerAssignment(logger_id=code, shipment_id=shipment.id, starts_at=at(0),
                                             ends_at=at(arrived)))
            session.flush()
            if reference == "TL-2":
                for code, start in (("LG-24001", 10), ("LG-24002", 10.25)):
                    session.add(_excursion(shipment.id, loggers[code], "above 8 °C", "above", at(start),
                                           at(start + 0.5)))
                for minute in range(0, 20 * 60, 10):  # every 10 min: 12 °C from 10:00 to 10:30
                    session.add(Reading(logger_id=loggers["LG-24001"], device_time=at(minute / 60),
                                        received_at=at(20), source="file",
                                        temperature_c=12.0 if 600 <= minute < 630 else 5.0))
            if reference == "TL-3":
                session.add(_excursion(shipment.id, loggers["LG-24002"], "shock", "shock", at(5), at(5)))
                session.add(_excursion(shipment.id, loggers["LG-24002"], "data gap", "no_data", at(6), at(7)))


def _excursion(shipment_id, logger_id, rule, kind, start, end):
    return ExcursionRecord(shipment_id=shipment_id, logger_id=logger_id, rule=rule, kind=kind,
                           mode="single", severity="major", profile="refrigerated", profile_version=1,
                           start=start, end=end, duration_s=(end - start).total_seconds(), found_at=end)


def test_the_lanes_history_gives_the_figures_worked_out_by_hand(demo_runtime):
    seed_history(demo_runtime)
    with demo_runtime.sessions() as session:
        shown = lane_analytics.lane_analytics(session, LANE, demo_runtime.profiles, now=NOW)
        answer = lane_analytics.public(shown)
        rows = lane_analytics.csv_rows(shown)
    figures = shown.figures
    assert shown.references == ("TL-3", "TL-2", "TL-1") and shown.zone == "Asia/Shanghai"
    # door to door 10, 20, 30 h: p50 20 h, p90 at rank 1.8: 20 + 0.8 × 10
    assert (figures.actual_transit_s.p50, figures.actual_transit_s.p90) == (20 * H, pytest.approx(28 * H))
    assert figures.planned_transit_s.p50 == 9 * H and figures.on_time == 0
    truck, air = figures.legs
    assert (truck.actual_s.p50, truck.actual_s.p90) == (4 * H, pytest.approx(4.8 * H))  # 4, 4, 5 h
    assert (air.actual_s.p50, air.actual_s.p90) == (12 * H, pytest.approx(18.4 * H))  # 4, 12, 20 h
    [stop] = figures.stops
    assert (stop.site, stop.actual_s.p50, stop.actual_s.p90) == ("HKG", 3 * H, pytest.approx(5.4 * H))
    # one warm event (two loggers), one shock at the stop; the data gap does not count
    assert figures.exposure.excursions == 2
    assert air.exposure.per_100 == pytest.approx(100 / 3) and truck.exposure.per_100 == 0
    assert stop.exposure.excursions == 1
    # three readings at 12 °C, 10 min each, all on the flight
    assert air.exposure.outside_s == 1800 and truck.exposure.outside_s == 0
    assert [(month.period, month.season) for month in figures.months] == [
        ("2026-04", "hot_season"), ("2026-05", "hot_season"), ("2026-07", "rainy_season")]
    assert figures.months[1].outside_by_leg_s == (0.0, 1800.0)
    hot = figures.seasons[0]
    assert hot.exposure.shipments == 2 and hot.exposure.per_100 == 50
    assert answer.legs[1].exposure.out_of_range_hours == 0.5 and answer.actual_transit.p50_hours == 20
    assert rows[0]["actual_p90_h"] == 28.0 and rows[0]["late"] == 3
    assert {row["section"] for row in rows} == {"lane", "leg", "stop", "carrier", "month", "season"}


def test_an_items_lead_time_comes_from_the_history_of_its_lanes(demo_runtime):
    seed_history(demo_runtime)
    with unit_of_work(demo_runtime.sessions, actor="test", reason="bill of materials") as session:
        recruitment.add_bom_line(session, item="TEST-KIT", basis="patient", quantity="1 kit", offset_days=0)
    with demo_runtime.sessions() as session:
        learned = lane_analytics.lead_times_by_item(session, most=50)["TEST-KIT"]
    assert learned == lane_analytics.LaneLeadTime((LANE,), (2, 1, 1))  # 30, 20 and 10 h, newest first
    settings = dataclasses.replace(demo_runtime.settings, forecast_runs=500, forecast_lead_time_shipments=3)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        run = forecasting.run_forecast(session, settings, now=NOW, trigger="manual")
        item = forecasting.item_view(session, "TEST-KIT")
    assert item.supply["lead_time_samples"] == [2, 1, 1] and item.supply["lead_time_lanes"] == [LANE]
    assert item.lead_time == forecasting.LeadTimeSource("lanes", (LANE,), 3, 1.0, pytest.approx(1.8))
    assert 1 <= item.figures["lead_time_days"] <= 2
    assert forecasting.result_record(forecasting.compute(forecasting.stored(run).inputs)) == \
        forecasting.stored(run).result  # the stored inputs give the same answer again
    too_few = dataclasses.replace(settings, forecast_lead_time_shipments=4)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        document = forecasting.inputs(session, too_few, as_of=NOW.date())
    kit = next(row for row in document["items"] if row["code"] == "TEST-KIT")
    assert "lead_time_samples" not in kit  # too little history: the shared lead time, as before
