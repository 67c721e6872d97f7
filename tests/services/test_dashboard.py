"""The dashboard's view of active shipments on the demo scenario: each logger judged inside its window,
the most urgent shipment first, goods under way with no logger needing attention."""

from __future__ import annotations

import gc
import json
import random
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import col, select

from logistics.core.dashboard_pages import paged
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, LoggerAssignment, Reading, Shipment
from logistics.services import dashboard, loggers
from logistics.services.dashboard import overview
from logistics.services.excursions import logger_window
from logistics.services.monitoring import MonitoringPolicy
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW
from tests.services.test_excursions import run_scan, send

H = timedelta(hours=1)
# In the demo at NOW: HG-2026-0045 (2–8 °C) in transit with LG-24003 and LG-24004 since NOW - 10 h;
# HG-2026-0046 (dry ice and −20 °C) arrived with LG-24005 and LG-24007; HG-2026-0047 packed with LG-24006
# since NOW - 2 h, never heard from (silent).


def rows(runtime, now=NOW):
    with runtime.sessions() as session:
        return overview(session, runtime.profiles, MonitoringPolicy(), now=now)


def row(runtime, reference, now=NOW):
    return next(shown for shown in rows(runtime, now) if shown.reference == reference)


def logger_in(shown, code):
    return next(logger for logger in shown.loggers if logger.code == code)


def stop(runtime, reference, *codes, at):
    with unit_of_work(runtime.sessions, actor="somchai", reason="loggers taken out") as session:
        for code in codes:
            loggers.stop_recording(session, reference=reference, logger_code=code, at=at)


def test_a_reading_from_before_the_logger_joined_the_shipment_is_not_its_temperature(demo_runtime):
    send(demo_runtime, [(NOW - 11 * H, 12.0)])  # LG-24003 at the warehouse, an hour before it was packed
    shown = row(demo_runtime, "HG-2026-0045")
    logger = logger_in(shown, "LG-24003")
    assert (logger.temperature_c, logger.last_time, logger.state) == (None, None, "unknown")
    assert not logger.out_of_range and logger.flight_mode  # as far as the shipment knows, quiet on CX705
    send(demo_runtime, [(NOW - timedelta(minutes=20), 5.0)])
    logger = logger_in(row(demo_runtime, "HG-2026-0045"), "LG-24003")
    assert (logger.temperature_c, logger.state, logger.flight_mode) == (5.0, "in_range", False)


def test_a_reading_stamped_after_the_window_ends_is_not_its_temperature(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="hand-over planned") as session:
        handed_over = select(LoggerAssignment).join(Logger).where(Logger.code == "LG-24004")
        session.exec(handed_over).one().ends_at = NOW + H
    # A clock running ahead stamps a warm reading after the hand-over.
    send(demo_runtime, [(NOW - timedelta(minutes=5), 4.5), (NOW + timedelta(minutes=90), 12.0)],
         "LG-24004")
    logger = logger_in(row(demo_runtime, "HG-2026-0045"), "LG-24004")
    assert (logger.temperature_c, logger.state) == (4.5, "in_range")
    assert logger.last_time == NOW - timedelta(minutes=5)


def test_the_critical_shipment_first_and_goods_with_no_logger_among_those_needing_attention(demo_runtime):
    send(demo_runtime, [(NOW - timedelta(minutes=60 - 5 * i), -5.0) for i in range(12)], "LG-24005")
    run_scan(demo_runtime)  # dry ice at −5 °C: a critical excursion on HG-2026-0046
    stop(demo_runtime, "HG-2026-0045", "LG-24003", "LG-24004", at=NOW - H)
    shown = rows(demo_runtime)
    assert [(r.reference, r.level) for r in shown] == [
        ("HG-2026-0046", "critical"),
        ("HG-2026-0045", "other"),  # no logger since NOW - 1 h: newer than ...
        ("HG-2026-0047", "other")]  # ... LG-24006's silence since NOW - 2 h
    no_logger = shown[1]
    assert no_logger.attention and no_logger.loggers == () and no_logger.unwatched.since == NOW - H
    assert shown[0].open_excursions["critical"] >= 1 and shown[0].standing.since >= NOW - H


def test_frozen_kits_in_dry_ice_are_not_flagged_below_a_range_no_rule_watches(demo_runtime):
    send(demo_runtime, [(NOW - timedelta(minutes=20), -71.0)], "LG-24005")
    cold = logger_in(row(demo_runtime, "HG-2026-0046"), "LG-24005")
    assert (cold.temperature_c, cold.state, cold.out_of_range) == (-71.0, "in_range", False)
    send(demo_runtime, [(NOW - timedelta(minutes=10), -50.0)], "LG-24005")  # the dry ice's rule watches
    warm = logger_in(row(demo_runtime, "HG-2026-0046"), "LG-24005")
    assert (warm.state, warm.out_of_range) == ("above", True)


def test_goods_still_in_the_warehouse_need_no_logger_yet(demo_runtime):
    with demo_runtime.sessions() as session:
        heard = session.exec(select(Logger).where(Logger.code == "LG-24006")).one()
    assert heard.last_seen_at is None
    stop(demo_runtime, "HG-2026-0047", "LG-24006", at=NOW - H)
    packed = row(demo_runtime, "HG-2026-0047")
    assert packed.loggers == () and packed.unwatched is None and not packed.attention
    assert packed.level == "none"


def statements_of_overview(runtime):
    profiles, statements = runtime.profiles, []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        with runtime.sessions() as session:
            overview(session, profiles, MonitoringPolicy(), now=NOW)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
    return statements


def test_the_loggers_latest_readings_come_with_their_windows_whatever_their_number(demo_runtime):
    quiet = len(statements_of_overview(demo_runtime))
    for code in ("LG-24003", "LG-24004", "LG-24005", "LG-24006", "LG-24007"):
        send(demo_runtime, [(NOW - timedelta(minutes=20 + i), 5.0) for i in range(3)], code)
    # The shipments, the sites, the legs, the goods' ranges, the open excursions, and the loggers' windows
    # with their latest readings: no query per logger.
    assert len(statements_of_overview(demo_runtime)) == quiet == 6
    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="hand-over planned") as session:
        handed_over = select(LoggerAssignment).join(Logger).where(Logger.code == "LG-24004")
        session.exec(handed_over).one().ends_at = NOW + H
    send(demo_runtime, [(NOW + 2 * H, 12.0)], "LG-24004")  # stamped after its window: one seek for it
    assert len(statements_of_overview(demo_runtime)) == 7


def newest_in_windows(runtime):
    """Per logger code, its newest reading with a temperature in its window in an active shipment, found
    by a seek of its own (the way the dashboard read it before loggers kept their latest reading)."""
    found = {}
    with runtime.sessions() as session:
        rows = session.exec(select(LoggerAssignment, Shipment, Logger.code)
                            .join(Shipment, col(Shipment.id) == LoggerAssignment.shipment_id)
                            .join(Logger, col(Logger.id) == LoggerAssignment.logger_id)).all()
        for assignment, shipment, code in rows:
            window = logger_window(assignment, shipment)
            if window.end is not None and window.end <= NOW:
                continue
            query = (select(Reading.device_time, Reading.temperature_c)
                     .where(Reading.logger_id == assignment.logger_id, Reading.device_time >= window.start,
                            col(Reading.temperature_c).is_not(None))
                     .order_by(col(Reading.device_time).desc()).limit(1))
            if window.end is not None:
                query = query.where(Reading.device_time < window.end)
            newest = session.exec(query).first()
            found[code] = tuple(newest) if newest else (None, None)
    return found


def test_the_dashboard_shows_each_loggers_newest_reading_in_its_window_as_a_seek_finds_it(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="hand-over planned") as session:
        handed_over = select(LoggerAssignment).join(Logger).where(Logger.code == "LG-24004")
        session.exec(handed_over).one().ends_at = NOW + H
    store, rng = TelemetryStore(demo_runtime.engine), random.Random(2025)
    for _ in range(12):  # live readings, flight backfills, clocks ahead, readings without a temperature
        batch = []
        for code in rng.sample(["LG-24003", "LG-24004", "LG-24005", "LG-24006"], 2):
            readings = [{"ts": (NOW + timedelta(minutes=rng.randrange(-14 * 60, 3 * 60))).isoformat(),
                         **({"temp": round(rng.uniform(-2, 12), 1)} if rng.random() < 0.8
                            else {"shock_g": 1})} for _ in range(rng.randrange(1, 6))]
            batch.append(IncomingMessage(source="mqtt", logger_code=code, received_at=NOW,
                                         payload=json.dumps({"readings": readings}).encode()))
        store.store(batch)
        expected = newest_in_windows(demo_runtime)
        shown = {logger.code: (logger.last_time, logger.temperature_c)
                 for row in rows(demo_runtime) for logger in row.loggers}
        assert shown == expected


def test_a_page_holds_the_most_urgent_first_and_the_counts_cover_every_shipment(demo_runtime):
    send(demo_runtime, [(NOW - timedelta(minutes=60 - 5 * i), -5.0) for i in range(12)], "LG-24005")
    run_scan(demo_runtime)  # HG-2026-0046 critical; HG-2026-0047 silent; HG-2026-0045 quiet on its flight
    every = rows(demo_runtime)
    first = paged(every, page=1, per_page=1)
    assert [row.reference for row in first.rows] == ["HG-2026-0046"]
    assert (first.page, first.pages, first.matching, first.active, first.attention) == (1, 3, 3, 3, 2)
    assert first.by_level == {"critical": 1, "major": 0, "other": 1, "none": 1}
    assert first.by_status == {"arrived": 1, "in_transit": 1, "packed": 1}
    pages = [paged(every, page=number, per_page=1).rows[0].reference for number in (1, 2, 3)]
    assert pages == [row.reference for row in every]  # the pages in turn: the whole list, in its order
    beyond = paged(every, page=9, per_page=1)
    assert (beyond.page, beyond.rows) == (3, (every[2],))  # past the end: the last page


def test_a_filter_chooses_by_level_or_status_and_the_counts_stay_over_all(demo_runtime):
    every = rows(demo_runtime)
    looked_at = paged(every, page=1, per_page=10, level="other")
    assert looked_at.rows == tuple(row for row in every if row.level == "other")
    packed = paged(every, page=1, per_page=10, status="packed")
    assert [row.reference for row in packed.rows] == ["HG-2026-0047"] and packed.matching == 1
    assert packed.active == 3 and sum(packed.by_level.values()) == 3
    nothing = paged(every, page=2, per_page=10, level="critical")
    assert (nothing.rows, nothing.matching, nothing.page, nothing.pages) == ((), 0, 1, 1)


def test_overlapping_requests_leave_the_collector_as_they_found_it():
    # Two requests in a threaded server: the first to leave must not switch it back on under the second,
    # nor the second, having found it off, leave it off for good.
    assert gc.isenabled()
    first, second = dashboard._without_cycle_collection(), dashboard._without_cycle_collection()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
