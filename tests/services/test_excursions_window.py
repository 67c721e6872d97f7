"""A logger's assignment window in a shipment (SPEC §2.1): the time before its first reading and after its
last is no data, in the figures and in the excursion records, on a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import ExcursionRecord, Logger
from logistics.services import excursions, loggers, shipments
from tests.conftest import NOW
from tests.services.test_excursions import run_scan, send

HOUR = 3600.0
ASSIGNED = NOW - timedelta(hours=10)  # LG-24003 and LG-24004 joined HG-2026-0045 (in transit) then


def no_data_s(runtime, reference, now=NOW):
    """Each logger's time without data in the shipment, by logger code (one profile per shipment here)."""
    with runtime.sessions() as session:
        shipment = shipments.get_shipment(session, reference)
        return {row.logger: row.evaluation.partition.no_data_s
                for row in excursions.summaries(session, shipment, runtime.profiles, now=now)}


def gaps(runtime, logger):
    with runtime.sessions() as session:
        return [(record.start, record.end, record.duration_s, record.status) for record in session.exec(
            select(ExcursionRecord).join(Logger, Logger.id == ExcursionRecord.logger_id)
            .where(Logger.code == logger, ExcursionRecord.kind == "no_data")
            .order_by(ExcursionRecord.start))]


def every_5_min(start, end, temperature=5.0):
    count = int((end - start) / timedelta(minutes=5))
    return [(start + timedelta(minutes=5 * i), temperature) for i in range(count)]


def test_a_logger_assigned_8_h_before_its_first_reading_has_8_h_without_data(demo_runtime):
    # Readings every 5 min from NOW − 2 h: [NOW − 10 h, NOW − 2 h) is no data, one no-data excursion.
    # LG-24004, in the same box, sent nothing: its whole open window so far, 10 h, is no data.
    first = NOW - timedelta(hours=2)
    send(demo_runtime, every_5_min(first, NOW))
    assert no_data_s(demo_runtime, "HG-2026-0045") == {"LG-24003": 8 * HOUR, "LG-24004": 10 * HOUR}
    run_scan(demo_runtime)
    assert gaps(demo_runtime, "LG-24003") == [(ASSIGNED, first, 8 * HOUR, "open")]
    assert gaps(demo_runtime, "LG-24004") == []  # still open: the silence check's business for now


def test_a_logger_without_readings_has_its_whole_window_without_data(demo_runtime):
    # HG-2026-0044 (received) carried LG-24002 from NOW − 99 h to NOW − 45 h; it sent nothing.
    assert no_data_s(demo_runtime, "HG-2026-0044") == {"LG-24002": 54 * HOUR}
    assert run_scan(demo_runtime).found == 1
    window = (NOW - timedelta(hours=99), NOW - timedelta(hours=45))
    assert gaps(demo_runtime, "LG-24002") == [(*window, 54 * HOUR, "open")]
    assert run_scan(demo_runtime).loggers == 0  # evaluated up to its end: not again


def test_stopping_a_logger_makes_its_silence_since_the_last_reading_a_gap_once(demo_runtime):
    # Readings from the assignment to NOW − 3 h (Δ = 5 min, H = 10 min); stopped at NOW with no new
    # reading: the scan evaluates the closed window, and [NOW − 3 h − 5 min + H, NOW) becomes a gap.
    send(demo_runtime, every_5_min(ASSIGNED, NOW - timedelta(hours=3)))
    run_scan(demo_runtime)
    assert gaps(demo_runtime, "LG-24003") == []
    assert no_data_s(demo_runtime, "HG-2026-0045")["LG-24003"] == 3 * HOUR - 5 * 60
    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="received") as session:
        loggers.stop_recording(session, reference="HG-2026-0045", logger_code="LG-24003", at=NOW)
    report = run_scan(demo_runtime)
    trailing = (NOW - timedelta(hours=3, minutes=5) + timedelta(minutes=10), NOW)
    assert gaps(demo_runtime, "LG-24003") == [(*trailing, 3 * HOUR - 5 * 60, "open")]
    assert (report.found, run_scan(demo_runtime).loggers) == (1, 0)


def test_a_backfilled_first_reading_keeps_the_leading_gaps_record(demo_runtime):
    # The leading gap's identity is (shipment, logger, rule, start = the window's start): a reading
    # backfilled before the first one shortens it, and the same record follows.
    first = NOW - timedelta(hours=2)
    send(demo_runtime, every_5_min(first, NOW))
    run_scan(demo_runtime)
    send(demo_runtime, every_5_min(NOW - timedelta(hours=5), first))  # flight mode: 3 h backfilled
    report = run_scan(demo_runtime)
    assert (report.found, report.changed) == (0, 1)
    assert gaps(demo_runtime, "LG-24003") == [(ASSIGNED, NOW - timedelta(hours=5), 5 * HOUR, "open")]
    send(demo_runtime, every_5_min(ASSIGNED, NOW - timedelta(hours=5)))  # and the rest: no gap left
    assert run_scan(demo_runtime).withdrawn == 1
    assert [status for *_, status in gaps(demo_runtime, "LG-24003")] == ["withdrawn"]
    assert no_data_s(demo_runtime, "HG-2026-0045")["LG-24003"] == 0.0
