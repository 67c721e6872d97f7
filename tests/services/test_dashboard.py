"""The dashboard's view of active shipments on the demo scenario: each logger judged inside its window,
the most urgent shipment first, goods under way with no logger needing attention."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, LoggerAssignment
from logistics.services import loggers
from logistics.services.dashboard import overview
from logistics.services.monitoring import MonitoringPolicy
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
