"""Excursion records from stored telemetry: found once, kept in step with late readings, reviewed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from logistics.core.alerting import Route, Target
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, AuditEvent, ExcursionRecord, Logger
from logistics.readers.config_files import load_alert_routes
from logistics.services.alerts import dispatch_due
from logistics.services.errors import InputError
from logistics.services.excursions import acknowledge_record, resolve_record, scan
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW

START = NOW - timedelta(hours=10)  # when LG-24003 joined HG-2026-0045 (refrigerated, in transit)
# HG-2026-0044 (received) carried LG-24002 from NOW - 99 h to NOW - 45 h, and it sent nothing: the first
# scan finds that whole closed window without data, one no-data excursion, besides what a test sends.
MINUTES_5 = timedelta(minutes=5)
SILENT = ("HG-2026-0044", "LG-24002", NOW - timedelta(hours=99), NOW - timedelta(hours=45))


def send(runtime, readings, logger="LG-24003"):
    payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp} for time, temp in readings]})
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger,
                                                          payload=payload.encode(), received_at=NOW)])


def trace_with_a_40_minute_excursion():
    # every 5 min for 8 h at 5 °C, except 40 min at 9.5 °C starting 3 h in
    return [(START + timedelta(minutes=5 * i), 9.5 if 36 <= i < 44 else 5.0) for i in range(97)]


def watched_until_receipt(runtime, trace):
    """HG-2026-0045's loggers speak from when they joined until it is received at NOW: `trace` on LG-24003
    and 5 °C after it, 5 °C on LG-24004. So its only excursions are those in `trace` (no time without
    data), however the windows close."""
    tail = START + timedelta(minutes=5 * len(trace))
    send(runtime, trace + [(tail + timedelta(minutes=5 * i), 5.0) for i in range((NOW - tail) // MINUTES_5)])
    send(runtime, [(START + timedelta(minutes=5 * i), 5.0) for i in range((NOW - START) // MINUTES_5)],
         "LG-24004")


def run_scan(runtime, now=NOW, routes=None):
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        return scan(session, runtime.profiles, load_alert_routes() if routes is None else routes, now=now,
                    public_url="http://tracker")


def records(runtime, logger="LG-24003"):
    """The logger's excursion records, oldest first."""
    with runtime.sessions() as session:
        return list(session.exec(select(ExcursionRecord).join(Logger, Logger.id == ExcursionRecord.logger_id)
                                 .where(Logger.code == logger).order_by(col(ExcursionRecord.id))))


def test_an_excursion_is_found_once_and_announced(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    report = run_scan(demo_runtime)
    assert (report.loggers, report.found) == (2, 2)  # and the silent LG-24002
    [record] = records(demo_runtime)
    assert (record.rule, record.kind, record.severity, record.status) == ("above_8c_30min", "above", "major",
                                                                          "open")
    assert (record.profile, record.profile_version) == ("refrigerated", 1)
    assert record.start == START + timedelta(minutes=180) and record.duration_s == 40 * 60
    assert record.peak == 9.5
    assert run_scan(demo_runtime).loggers == 0  # nothing new: nothing evaluated
    with demo_runtime.sessions() as session:
        [alert] = session.exec(select(Alert).where(Alert.key == f"excursion:{record.id}:opened")).all()
    assert alert.key == f"excursion:{record.id}:opened" and alert.link == "http://tracker/shipments/HG-2026-0045"
    assert "above its range on LG-24003" in alert.title


def test_a_late_reading_that_splits_the_run_withdraws_the_record(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    send(demo_runtime, [(START + timedelta(minutes=5 * 40 + 2), 6.0)])  # backfilled: in range mid-run
    report = run_scan(demo_runtime)
    assert (report.found, report.withdrawn) == (0, 1)  # 22 + 18 min: neither run reaches 30 min
    assert [record.status for record in records(demo_runtime)] == ["withdrawn"]


def test_review_needs_a_comment_then_an_assessment_and_is_audited(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    [record] = records(demo_runtime)
    with pytest.raises(InputError) as missing:
        with unit_of_work(demo_runtime.sessions, actor="somchai") as session:
            acknowledge_record(session, record.id, by="somchai", comment=" ", now=NOW)
    assert "comment" in missing.value.errors
    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="seen") as session:
        acknowledge_record(session, record.id, by="somchai", comment="QA informed; goods stay cold", now=NOW)
    with pytest.raises(InputError) as bad:
        with unit_of_work(demo_runtime.sessions, actor="napat") as session:
            resolve_record(session, record.id, by="napat", assessment="ok", disposition="keep", now=NOW)
    assert "disposition" in bad.value.errors
    with unit_of_work(demo_runtime.sessions, actor="napat", reason="assessed") as session:
        resolve_record(session, record.id, by="napat", assessment="40 min at 9.5 °C is within the kit's "
                       "72 h stability budget", disposition="use_within_stability_budget", now=NOW)
    [done] = records(demo_runtime)
    assert (done.status, done.acknowledged_by, done.resolved_by) == ("resolved", "somchai", "napat")
    with demo_runtime.sessions() as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.entity == "excursions",
                                                      AuditEvent.field == "status")
                             .order_by(col(AuditEvent.id))).all()
    assert [(event.actor, json.loads(event.new_value)) for event in trail] == [
        ("somchai", "acknowledged"), ("napat", "resolved")]


def test_a_running_excursion_cannot_be_resolved(demo_runtime):
    # 5 °C, then above 8 °C for the last 45 min up to NOW: still running in a live shipment
    send(demo_runtime, [(NOW - timedelta(minutes=5 * (20 - i)), 9.0 if i >= 11 else 5.0) for i in range(21)])
    run_scan(demo_runtime, now=NOW)
    [record] = [r for r in records(demo_runtime) if r.mode == "single"]
    assert record.end is None
    with unit_of_work(demo_runtime.sessions, actor="somchai") as session:
        acknowledge_record(session, record.id, by="somchai", comment="courier called", now=NOW)
    with pytest.raises(InputError, match="still running"):
        with unit_of_work(demo_runtime.sessions, actor="napat") as session:
            resolve_record(session, record.id, by="napat", assessment="x", disposition="reject", now=NOW)


def test_a_withdrawn_excursion_that_comes_back_is_reinstated_not_duplicated(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    send(demo_runtime, [(START + timedelta(minutes=5 * 40 + 2), 6.0)])  # splits the run: withdrawn
    run_scan(demo_runtime)
    correct_away_the_stray_reading(demo_runtime)
    report = run_scan(demo_runtime)
    assert (report.found, report.failed) == (0, 0)
    assert [record.status for record in records(demo_runtime)] == ["open"]


def correct_away_the_stray_reading(runtime):
    with runtime.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM readings WHERE temperature_c = 6.0")
        connection.exec_driver_sql("DELETE FROM evaluation_marks")


def test_one_loggers_failure_does_not_stop_the_scan(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())  # LG-24003, refrigerated shipment
    send(demo_runtime, trace_with_a_40_minute_excursion(), logger="LG-24005")  # dry-ice shipment
    with demo_runtime.engine.begin() as connection:  # a profile the configuration no longer has
        connection.exec_driver_sql("UPDATE items SET storage_profile = 'withdrawn_profile' "
                                   "WHERE code = 'QC-VCN'")
    report = run_scan(demo_runtime)
    assert (report.loggers, report.failed, report.found) == (3, 1, 2)  # the silent LG-24002's too
    with demo_runtime.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE items SET storage_profile = 'frozen' WHERE code = 'QC-VCN'")
    retried = run_scan(demo_runtime)  # LG-24005's mark did not move: it is evaluated again
    assert (retried.loggers, retried.failed) == (1, 0) and retried.found > 0


def test_a_shock_in_a_shipment_with_two_storage_profiles_is_one_record(demo_runtime):
    # HG-2026-0046 holds dry-ice vector and frozen QC kits: LG-24005 is judged by both profiles,
    # and both call a 12 g drop "shock_10g" at the same moment.
    base = NOW - timedelta(hours=20)
    readings = [{"ts": (base + timedelta(minutes=5 * i)).isoformat(), "temp": -75.0,
                 **({"shock_g": 12.0} if i == 10 else {})} for i in range(30)]
    TelemetryStore(demo_runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24005", payload=json.dumps({"readings": readings}).encode(),
        received_at=NOW)])
    report = run_scan(demo_runtime)
    assert report.failed == 0
    shocks = [record for record in records(demo_runtime, "LG-24005") if record.kind == "shock"]
    assert [(record.rule, record.peak) for record in shocks] == [("shock_10g", 12.0)]


def eventful_trace():
    """Every 5 min for 8 h: a 40 min excursion above 8 °C, a 25 min freeze, a 45 min silence, a shock."""
    def temperature(i):
        return 9.5 if 36 <= i < 44 else -0.5 if 60 <= i < 65 else 5.0
    return [{"ts": (START + timedelta(minutes=5 * i)).isoformat(), "temp": temperature(i),
             **({"shock_g": 14.0} if i == 52 else {})} for i in range(97) if not 80 <= i < 89]


def send_raw(runtime, readings, logger="LG-24003"):
    TelemetryStore(runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code=logger, payload=json.dumps({"readings": readings}).encode(),
        received_at=NOW)])


def standing(runtime):
    return sorted((record.rule, record.start, record.end, record.duration_s, record.peak)
                  for record in records(runtime) if record.status != "withdrawn")


def test_scanning_as_readings_trickle_in_ends_where_one_scan_of_them_all_does(demo_runtime,
                                                                              sqlite_demo_runtime):
    trace, end = eventful_trace(), START + timedelta(hours=8, minutes=30)
    send_raw(sqlite_demo_runtime, trace)
    run_scan(sqlite_demo_runtime, now=end)
    # In time order, one scan after each part, then a backfill of readings held back (flight mode).
    held_back = trace[40:48]
    for part in (trace[:20], trace[20:40], trace[48:70], trace[70:], held_back):
        send_raw(demo_runtime, part)
        run_scan(demo_runtime, now=end)
    assert standing(demo_runtime) == standing(sqlite_demo_runtime)
    assert {rule for rule, *_ in standing(demo_runtime)} == {
        "above_8c_30min", "freeze_below_0c", "no_data_gap", "shock_10g"}


def test_each_scan_carries_the_evaluation_on_from_where_the_last_stopped(demo_runtime):
    from logistics.core.excursion_progress import Progress
    from logistics.db.models import EvaluationProgress

    trace = eventful_trace()
    send_raw(demo_runtime, trace[:50])
    run_scan(demo_runtime, now=START + timedelta(hours=5))
    send_raw(demo_runtime, trace[50:51])
    run_scan(demo_runtime, now=START + timedelta(hours=5))
    with demo_runtime.sessions() as session:
        [stored] = session.exec(select(EvaluationProgress)  # LG-24003's open window, not LG-24002's
                                .where(col(EvaluationProgress.window_end).is_(None))).all()
    progress = Progress.from_json(stored.state)
    assert progress.resume_at == START + timedelta(minutes=5 * 50) and progress.readings == 50


WEBHOOK = [Route(frozenset({"major", "critical"}), frozenset({"*"}), (Target("webhook", "http://hooks"),))]
ABOVE = "HG-2026-0045: above its range on LG-24003 (above_8c_30min)"


def dispatch(runtime, heard):
    """Deliver the alerts that are due; the webhook's titles go to `heard` (but the silent LG-24002's)."""
    def webhook(_target, facts):
        if SILENT[1] not in facts.title:
            heard.append(facts.title)
    dispatch_due(runtime.sessions, {"webhook": webhook}, now=NOW)


def test_a_late_reading_that_moves_an_excursions_start_announces_it_once(demo_runtime):
    # Two ingest workers share the stream: the one holding the excursion's first reading commits last.
    trace, heard = trace_with_a_40_minute_excursion(), []
    first = trace.pop(36)
    send(demo_runtime, trace)
    run_scan(demo_runtime, routes=WEBHOOK)  # 35 min above 8 °C from the second reading on
    dispatch(demo_runtime, heard)
    send(demo_runtime, [first])
    run_scan(demo_runtime, routes=WEBHOOK)  # the same excursion, 5 min longer
    dispatch(demo_runtime, heard)
    assert heard == [ABOVE]
    assert [(record.start, record.duration_s, record.status) for record in records(demo_runtime)] == [
        (START + timedelta(minutes=180), 40 * 60, "open")]  # the record found first, kept in step


def test_a_late_reading_that_joins_two_excursions_leaves_one_alert_to_send(demo_runtime):
    # 80 min above 8 °C with a hole of 10 min in the middle: two runs of 45 and 30 min until it is filled
    trace = [(START + timedelta(minutes=5 * i), 9.5 if 36 <= i < 52 else 5.0) for i in range(97)]
    hole, heard = trace[44:46], []
    send(demo_runtime, trace[:44] + trace[46:])
    assert run_scan(demo_runtime, routes=WEBHOOK).found == 5  # both runs, the gap, the budget; LG-24002
    send(demo_runtime, hole)  # before the alerts went out
    run_scan(demo_runtime, routes=WEBHOOK)
    dispatch(demo_runtime, heard)
    assert [(record.rule, record.start, record.duration_s) for record in records(demo_runtime)
            if record.status != "withdrawn"] == [
        ("above_8c_30min", START + timedelta(minutes=180), 80 * 60),
        ("above_8c_cumulative_60min", START + timedelta(minutes=240), 80 * 60)]
    assert sorted(heard) == [ABOVE, ABOVE.replace("30min", "cumulative_60min")]


def test_an_alert_not_sent_waits_while_its_excursion_is_withdrawn(demo_runtime):
    heard = []
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime, routes=WEBHOOK)
    send(demo_runtime, [(START + timedelta(minutes=5 * 40 + 2), 6.0)])  # splits the run: withdrawn
    run_scan(demo_runtime, routes=WEBHOOK)
    dispatch(demo_runtime, heard)
    assert heard == []
    correct_away_the_stray_reading(demo_runtime)
    run_scan(demo_runtime, routes=WEBHOOK)  # reinstated
    dispatch(demo_runtime, heard)
    assert heard == [ABOVE]
