"""Chart series from stored telemetry: rollups kept up to date, late readings included, and a window's
points always those of every reading in it."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from logistics.core.series import envelope, summarise
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, ReadingRollup
from logistics.services.series import roll_up, series, shipment_charts
from logistics.services.shipments import get_shipment
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW

START = NOW - timedelta(hours=9)


def send(runtime, readings, logger="LG-24003"):
    payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp, **({"shock_g": g} if g else {})}
                                       for time, temp, g in readings]}).encode()
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger, payload=payload,
                                                          received_at=NOW)])


def trace(count, every_s, offset_s=0):
    return [(START + timedelta(seconds=offset_s + every_s * i), 5.0 + ((i * 7) % 23) / 10,
             14.0 if i == 333 else None) for i in range(count)]


def roll_all(runtime):
    while True:
        with unit_of_work(runtime.sessions, actor="scheduler") as session:
            if roll_up(session, batch=500) == 0:
                return


def chart(runtime, start, end):
    with runtime.sessions() as session:
        logger_id = session.exec(select(Logger.id).where(Logger.code == "LG-24003")).one()
        return series(session, logger_id, start, end)


def truth(readings, start, end, level):
    inside = [reading for reading in readings if start <= reading[0] < end]
    return envelope(summarise(inside, level).values())


def test_the_points_are_those_of_every_reading_in_the_window_late_ones_and_unrolled_ones_too(demo_runtime):
    readings = trace(2000, 13)  # a reading every 13 s for 7 h 13 min
    send(demo_runtime, readings[::2])
    roll_all(demo_runtime)
    send(demo_runtime, readings[1::2])  # backfilled: every other reading came late
    start, end = START + timedelta(minutes=17, seconds=31), START + timedelta(hours=6, minutes=2, seconds=9)
    before_rollup = chart(demo_runtime, start, end)
    assert before_rollup.level_s == 60 and before_rollup.points == truth(readings, start, end, 60)
    roll_all(demo_runtime)
    rolled = chart(demo_runtime, start, end)
    assert rolled == before_rollup
    assert rolled.shocks == [(START + timedelta(seconds=333 * 13 // 60 * 60), 14.0)]
    wide = chart(demo_runtime, START - timedelta(days=6), START + timedelta(days=1))
    assert wide.level_s == 3600 and wide.points == truth(readings, START - timedelta(days=6),
                                                         START + timedelta(days=1), 3600)
    assert len(wide.points) < len(readings) / 10


def test_each_reading_is_rolled_up_once(demo_runtime):
    send(demo_runtime, trace(300, 60))
    roll_all(demo_runtime)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        assert roll_up(session) == 0
    with demo_runtime.sessions() as session:
        rows = session.exec(select(ReadingRollup).where(ReadingRollup.level_s == 3600)).all()
    assert sum(row.count for row in rows) == 300


def test_a_charts_no_data_covers_its_windows_edges_and_a_logger_that_sent_nothing(demo_runtime):
    # HG-2026-0045 since NOW − 10 h: LG-24003 reads every 5 min from START = NOW − 9 h to NOW − 1 h (the
    # last covers until NOW − 1 h + H), with a 40-min hole at NOW − 5 h; LG-24004 sent nothing.
    readings = [(START + timedelta(minutes=5 * i), 5.0, None) for i in range(97) if not 48 <= i < 56]
    send(demo_runtime, readings)
    with demo_runtime.sessions() as session:
        shipment = get_shipment(session, "HG-2026-0045")
        charts = {chart.logger: chart for chart in shipment_charts(session, shipment, demo_runtime.profiles,
                                                                   now=NOW)}
        zoomed = shipment_charts(session, shipment, demo_runtime.profiles, now=NOW,
                                 start=NOW - timedelta(hours=9, minutes=30), end=NOW - timedelta(hours=3))
    hole = (START + timedelta(minutes=5 * 47 + 10), START + timedelta(minutes=5 * 56))  # t₄₇ + H → t₅₆
    assert charts["LG-24003"].no_data == [(NOW - timedelta(hours=10), START), hole,
                                          (NOW - timedelta(minutes=50), NOW)]
    assert charts["LG-24004"].no_data == [(NOW - timedelta(hours=10), NOW)]
    assert zoomed[0].no_data == [(NOW - timedelta(hours=9, minutes=30), START), hole]
