"""Milestones from telemetry: the simulator's GPS journey crossing the demo's geofences, fed to the store
as the logger would send it (flight mode included), then followed batch by batch."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from sqlmodel import col, select

from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, AuditEvent, Leg, Milestone, Shipment, Site
from logistics.schemas.shipments import LegTimes
from logistics.services import geofence, legs
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from sensors.journey import default_journey, simulate_journey
from sensors.simulator import plan_publications
from tests.conftest import NOW

# HG-2026-0047 (packed at NOW - 2 h, LG-24006 in its LN2 dry shipper): HG-SZ → HKG → BKK, customs,
# → SIRIRAJ-CM, on lane SZ-HKG-BKK-CM, which plans 29 h at BKK (1 h wait, 24 h customs, 4 h wait).
REFERENCE, LOGGER = "HG-2026-0047", "LG-24006"


def travel(runtime, *, customs_hours: float = 24.0, interval_s: float = 600.0) -> list:
    """The simulator's journey via HKG from NOW, sent as the logger sends it: one message per reading,
    and the readings taken in flight mode in one batch on landing."""
    phases = default_journey(via="HKG", customs_hours=customs_hours, profile="ln2_vapour")
    readings = list(simulate_journey(phases, start=NOW, interval_s=interval_s, profile="ln2_vapour",
                                     rng=random.Random(7)))
    messages = [IncomingMessage(source="mqtt", logger_code=LOGGER, payload=publication.payload,
                                received_at=publication.due)
                for publication in plan_publications(readings, {"flight"})]
    TelemetryStore(runtime.engine).store(messages)
    return readings


def detect_all(runtime, *, batch: int = geofence.BATCH) -> list[geofence.DetectReport]:
    reports = []
    while True:
        with unit_of_work(runtime.sessions, actor="system", reason="milestones from telemetry") as session:
            reports.append(geofence.detect(session, [], now=NOW + timedelta(days=3), public_url="http://t",
                                           batch=batch))
        if reports[-1].readings < batch:
            return reports


def milestones(runtime, kinds=(geofence.ARRIVED, geofence.LEFT)):
    with runtime.sessions() as session:
        rows = session.exec(select(Milestone.kind, Site.code, Milestone.at)
                            .join(Shipment, Shipment.id == Milestone.shipment_id)
                            .join(Site, Site.id == Milestone.site_id, isouter=True)
                            .where(Shipment.reference == REFERENCE, col(Milestone.kind).in_(kinds))
                            .order_by(col(Milestone.at))).all()
    return [(kind, site, (at - NOW) / timedelta(hours=1)) for kind, site, at in rows]


def leg_times(runtime):
    with runtime.sessions() as session:
        rows = session.exec(select(Leg).join(Shipment, Shipment.id == Leg.shipment_id)
                            .where(Shipment.reference == REFERENCE).order_by(col(Leg.sequence))).all()
    return [tuple(None if moment is None else round((moment - NOW) / timedelta(hours=1), 2)
                  for moment in (leg.actual_start, leg.actual_end)) for leg in rows]


def test_geofence_entry_and_exit_from_the_simulated_gps_journey(demo_runtime):
    runtime = demo_runtime
    travel(runtime)
    reports = detect_all(runtime, batch=64)  # many small transactions: each carries on from the last
    assert len(reports) > 3
    # packout 0.5 h, truck 3 h, apron 1 h, flight 2.75 h, apron 1 h, customs 24 h, courier 1.5 h
    expected = [("gps_left", "HG-SZ", 0.5), ("gps_arrived", "HKG", 3.5), ("gps_left", "HKG", 4.5),
                ("gps_arrived", "BKK", 7.25), ("gps_left", "BKK", 32.25),
                ("gps_arrived", "SIRIRAJ-CM", 33.75)]
    found = milestones(runtime)
    assert [(kind, site) for kind, site, _ in found] == [(kind, site) for kind, site, _ in expected]
    for (_, _, hours), (_, _, planned) in zip(found, expected, strict=True):
        assert hours == pytest.approx(planned, abs=0.5)  # a fence is crossed before the site is reached
    # every leg's actual times, in route order: landing starts customs, leaving the airport ends it
    times = leg_times(runtime)
    assert [all(moment is not None for moment in leg) for leg in times] == [True] * 4
    flat = [moment for leg in times for moment in leg]
    assert flat == sorted(flat)
    assert times[1][1] == times[2][0] and times[2][1] == times[3][0]
    with runtime.sessions() as session:  # signed by the system, each with what it followed
        reasons = session.exec(select(AuditEvent.reason).where(AuditEvent.actor == "system",
                                                               AuditEvent.entity == "legs")).all()
        assert "GPS: LG-24006 arrived at BKK (geofence)" in reasons
        assert session.exec(select(Alert).where(Alert.kind == geofence.DWELL)).all() == []  # 25 h < 29 h
    assert detect_all(runtime) == [geofence.DetectReport()]  # every reading is looked at once
    assert len(milestones(runtime)) == 6


def test_a_persons_record_stays_and_a_person_may_still_correct_the_systems(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with unit_of_work(runtime.sessions, actor="logistics", reason="truck left") as session:
        legs.record_leg(session, REFERENCE, 1, LegTimes(actual_start=NOW + timedelta(hours=0.4)))
    travel(runtime)
    detect_all(runtime)
    times = leg_times(runtime)
    assert times[0][0] == 0.4  # the person's click, kept
    assert times[1][0] is not None
    with unit_of_work(runtime.sessions, actor="logistics", reason="the flight left later") as session:
        legs.record_leg(session, REFERENCE, 2, LegTimes(actual_start=NOW + timedelta(hours=5)))
    assert leg_times(runtime)[1][0] == 5.0
    with runtime.sessions() as session:
        changes = session.exec(select(AuditEvent.actor).where(AuditEvent.entity == "legs",
                                                              AuditEvent.field == "actual_start")
                               .order_by(col(AuditEvent.id))).all()
    assert changes == ["logistics", "system", "system", "system", "logistics"]


@pytest.mark.parametrize("batch", [20, geofence.BATCH])  # seen while it stays, or once it has left
def test_a_stop_longer_than_the_lane_plans_raises_one_dwell_alert(sqlite_demo_runtime, batch):
    runtime = sqlite_demo_runtime
    travel(runtime, customs_hours=40)
    detect_all(runtime, batch=batch)
    with runtime.sessions() as session:
        raised = session.exec(select(Alert).where(Alert.kind == geofence.DWELL)).all()
    assert [(alert.site, alert.subject) for alert in raised] == [("BKK", REFERENCE)]
    assert raised[0].title == "HG-2026-0047 held at BKK longer than planned (29.0 h)"
    assert raised[0].link == "http://t/shipments/HG-2026-0047"


def test_light_and_door_readings_say_when_the_shipper_was_opened(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    start = NOW - timedelta(hours=1)
    readings = [{"ts": (start + timedelta(minutes=10 * index)).isoformat(), "temp": -180.0, "light": lux}
                for index, lux in enumerate([0, 0, 350, 20, 1, 0])]
    readings.append({"ts": (start + timedelta(minutes=70)).isoformat(), "temp": -180.0, "door": "open"})
    TelemetryStore(runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code=LOGGER, payload=json.dumps({"readings": readings}).encode(),
        received_at=NOW)])
    detect_all(runtime)
    assert milestones(runtime, kinds=(geofence.OPENED,)) == [("opened", None, pytest.approx(-1 + 20 / 60)),
                                                             ("opened", None, pytest.approx(-1 + 70 / 60))]
    with runtime.sessions() as session:
        notes = session.exec(select(Milestone.note).where(Milestone.kind == geofence.OPENED)).all()
    assert notes == ["LG-24006, light 350 lx", "LG-24006, door open"]


def test_the_shipment_page_shows_the_automatic_milestones_in_the_readers_language(sqlite_demo_runtime):
    from logistics.services import users
    from tests.web.conftest import login, web_app

    runtime = sqlite_demo_runtime
    travel(runtime)
    detect_all(runtime)
    app = web_app(runtime)
    page = login(app.test_client(), "pharmacy").get(f"/shipments/{REFERENCE}").get_data(as_text=True)
    assert "<b>arrived (GPS)</b> at BKK — LG-24006, GPS " in page and "<b>left (GPS)</b> at HG-SZ" in page
    with unit_of_work(runtime.sessions, actor="qa", reason="language") as session:
        users.set_language(session, "qa", "th")
    thai = login(app.test_client(), "qa").get(f"/shipments/{REFERENCE}").get_data(as_text=True)
    assert "<b>มาถึง (GPS)</b>" in thai


def test_a_sites_fence_is_refused_naming_the_field_and_the_database_keeps_the_ranges(sqlite_demo_runtime):
    from sqlalchemy.exc import IntegrityError

    from logistics.services import catalogue
    from logistics.services.errors import InputError

    with unit_of_work(sqlite_demo_runtime.sessions, actor="admin") as session:
        with pytest.raises(InputError) as refused:
            catalogue.add_site(session, code="DMK", name="Don Mueang", kind="airport", country="TH",
                               timezone="Asia/Bangkok", latitude=13.91, longitude=100.6, radius_m=80_000)
        assert set(refused.value.errors) == {"radius_m"}
    with sqlite_demo_runtime.engine.begin() as connection, pytest.raises(IntegrityError):
        connection.exec_driver_sql("UPDATE sites SET latitude = 95 WHERE code = 'BKK'")
