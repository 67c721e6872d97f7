"""Scheduled checks on the demo scenario, and the scheduler itself."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta

import requests
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import col, select

from logistics.app import build_job_context, build_runtime
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, JobRun
from logistics.readers.config_files import load_alert_routes
from logistics.scheduling import JOB_TABLE, start_scheduler
from logistics.services.monitoring import MonitoringPolicy, run_checks
from tests.conftest import NOW, settings_for


def check(runtime, now):
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        return run_checks(session, load_alert_routes(), MonitoringPolicy(), now=now)


def alerts(runtime):
    with runtime.sessions() as session:
        rows = session.exec(select(Alert).order_by(col(Alert.id)))
        return {(alert.kind, alert.subject): alert for alert in rows}


def test_silent_loggers_except_on_a_flight_and_calibrations_due(demo_runtime):
    assert check(demo_runtime, NOW) == 4
    raised = alerts(demo_runtime)
    assert set(raised) == {("silent_logger", "LG-24005"), ("silent_logger", "LG-24007"),
                           ("silent_logger", "LG-24006"), ("calibration_due", "LG-24006")}
    silent = raised[("silent_logger", "LG-24005")]
    assert silent.site == "SIRIRAJ-CM" and "HG-2026-0046" in silent.title and "+07:00" in silent.title
    assert check(demo_runtime, NOW + timedelta(minutes=5)) == 0  # the same silence is not raised twice

    # LG-24003/4 fly on CX705, planned to land 1.5 h after NOW; an hour's grace later it is overdue.
    assert check(demo_runtime, NOW + timedelta(hours=2, minutes=40)) == 2
    overrun = alerts(demo_runtime)[("silent_logger", "LG-24003")]
    assert overrun.key.endswith(":overrun") and "should have landed by" in overrun.body


def test_the_scheduler_runs_its_jobs_and_keeps_them_across_restarts(sqlite_demo_runtime):
    url = sqlite_demo_runtime.settings.database_url
    runtime = build_runtime(settings_for(url, scan_interval_seconds=5))
    with requests.Session() as http:
        scheduler = start_scheduler(build_job_context(runtime, http))
        first = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        try:
            deadline = time.monotonic() + 20
            while not alerts(runtime) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            scheduler.shutdown(wait=True)
        assert alerts(runtime), "the monitor job did not run within 20 s"
        again = start_scheduler(build_job_context(runtime, http))
        try:
            kept = {job.id: job.next_run_time for job in again.get_jobs()}
        finally:
            again.shutdown(wait=True)
    runtime.close()
    assert set(first) == set(kept) == {"evaluate_excursions", "monitor", "dispatch_alerts",
                                         "roll_up_readings", "forecast_reorders", "pull_recruitment",
                                         "detect_milestones"}


def test_a_job_stored_by_an_earlier_version_still_runs(sqlite_demo_runtime):
    """A database scheduled before the jobs took their context keeps `logistics.jobs:monitor` with no
    arguments in its job store: it loads, keeps its schedule and runs."""
    url = sqlite_demo_runtime.settings.database_url
    runtime = build_runtime(settings_for(url, scan_interval_seconds=5))
    store_earlier_job(runtime, "monitor", "logistics.jobs:monitor", seconds=5, due=datetime.now(UTC))
    with requests.Session() as http:
        scheduler = start_scheduler(build_job_context(runtime, http))
        try:
            deadline = time.monotonic() + 20
            while not job_runs(runtime, "monitor") and time.monotonic() < deadline:
                time.sleep(0.2)
            kept = scheduler.get_job("monitor")
        finally:
            scheduler.shutdown(wait=True)
    runs = job_runs(runtime, "monitor")
    runtime.close()
    assert runs and runs[0].ok, "the stored monitor job did not run within 20 s"
    assert kept.func_ref == "logistics.jobs:monitor" and kept.trigger.interval == timedelta(seconds=5)
    assert ("silent_logger", "LG-24005") in alerts(sqlite_demo_runtime)


def store_earlier_job(runtime, job_id, function, *, seconds, due):
    """Write a job as APScheduler 3 pickles it, the way `logistics scheduler` stored its jobs before."""
    store = SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)
    store.jobs_t.create(runtime.engine, checkfirst=True)
    state = {"version": 1, "id": job_id, "func": function, "trigger": IntervalTrigger(seconds=seconds,
                                                                                       timezone=UTC),
             "executor": "default", "args": (), "kwargs": {}, "name": job_id, "misfire_grace_time": 120,
             "coalesce": True, "max_instances": 1, "next_run_time": due}
    with runtime.engine.begin() as connection:
        connection.execute(store.jobs_t.insert().values(
            id=job_id, next_run_time=due.timestamp(), job_state=pickle.dumps(state, store.pickle_protocol)))


def job_runs(runtime, job):
    with runtime.sessions() as session:
        return session.exec(select(JobRun).where(JobRun.job == job)).all()


def test_unacknowledged_excursions_escalate_and_repeat_until_acknowledged(demo_runtime):
    from logistics.core.alerting import parse_routes
    from logistics.db.models import AlertDelivery
    from logistics.services.excursions import acknowledge_record, scan
    from tests.services.test_excursions import send, trace_with_a_40_minute_excursion

    routes = parse_routes({"routes": [{
        "targets": [{"channel": "in_app", "address": "logistics"}],
        "escalate_after_minutes": 30, "escalate_to": [{"channel": "email", "address": "qa-lead@example"}],
        "repeat_every_minutes": 60}]})
    send(demo_runtime, trace_with_a_40_minute_excursion())
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        scan(session, demo_runtime.profiles, routes, now=NOW)
    with unit_of_work(demo_runtime.sessions, actor="somchai") as session:  # the demo's own: HG-2026-0044's
        silent = session.exec(select(Alert).where(Alert.subject == "HG-2026-0044")).one()  # silent logger
        acknowledge_record(session, int(silent.key.split(":")[1]), by="somchai", comment="asked", now=NOW)

    def remind(minutes):
        with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
            return run_checks(session, routes, MonitoringPolicy(), now=NOW + timedelta(minutes=minutes))

    remind(0)  # silent loggers and calibrations; nothing about the excursion yet
    assert remind(20) == 0
    assert remind(31) == 1 and remind(35) == 0  # escalated once
    assert remind(61) == 1 and remind(125) == 1  # repeat 1, then repeat 2
    keys = excursion_alerts(demo_runtime)
    with demo_runtime.sessions() as session:
        escalation_to = session.exec(select(AlertDelivery.address).where(
            AlertDelivery.alert_id == keys["escalated"].id)).all()
        record_id = int(keys["opened"].key.split(":")[1])
    assert set(keys) == {"opened", "escalated", "repeat:1", "repeat:2"}
    assert escalation_to == ["qa-lead@example"]
    assert keys["escalated"].title.startswith("Not acknowledged: ")
    with unit_of_work(demo_runtime.sessions, actor="somchai") as session:
        acknowledge_record(session, record_id, by="somchai", comment="on it", now=NOW)
    remind(300)
    assert set(excursion_alerts(demo_runtime)) == set(keys)  # acknowledged: no more reminders


def excursion_alerts(runtime):
    with runtime.sessions() as session:
        return {alert.key.split(":", 2)[2]: alert for alert in session.exec(select(Alert))
                if alert.kind == "excursion" and alert.subject == "HG-2026-0045"}


def test_stock_close_to_expiry_is_announced_once_and_again_when_it_expires(demo_runtime):
    from logistics.db.models import Lot
    from tests.services.test_receiving import receive, steady_readings

    steady_readings(demo_runtime)
    receive(demo_runtime)
    with demo_runtime.sessions() as session:
        expiry = session.exec(select(Lot.expiry).where(Lot.lot_number == "M26K05")).one()
    policy = MonitoringPolicy(expiry_warning_days=30)

    def expiry_alerts(day):
        with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
            run_checks(session, load_alert_routes(), policy, now=NOW.replace(
                year=day.year, month=day.month, day=day.day))
        return {alert.key: alert for alert in alerts_of_kind(demo_runtime, "stock_expiry")}

    assert expiry_alerts(expiry - timedelta(days=31)) == {}  # outside the warning window
    soon = expiry_alerts(expiry - timedelta(days=30))
    assert [(a.subject, a.severity, a.site) for a in soon.values()] == [("M26K05", "minor", "SIRIRAJ-PH")]
    (warning,) = soon.values()
    assert "12 bottle" in warning.body and "30 days left" in warning.body
    assert warning.link.endswith("/stock?item=MED-HSC")
    assert expiry_alerts(expiry - timedelta(days=10)).keys() == soon.keys()  # said once
    expired = expiry_alerts(expiry + timedelta(days=1))
    assert len(expired) == 2
    assert {a.severity for key, a in expired.items() if key.endswith(":expired")} == {"major"}


def alerts_of_kind(runtime, kind):
    with runtime.sessions() as session:
        return session.exec(select(Alert).where(Alert.kind == kind).order_by(col(Alert.id))).all()


def test_goods_under_way_with_no_logger_are_announced_once_and_not_once_a_logger_records(demo_runtime):
    from logistics.core.alerting import parse_routes
    from logistics.db.models import AlertDelivery
    from logistics.services import loggers

    routes = parse_routes({"routes": [{"targets": [{"channel": "webhook",
                                                    "address": "http://hooks.example/coldchain"}]}]})
    hour = timedelta(hours=1)

    def checked(at):
        with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
            run_checks(session, routes, MonitoringPolicy(), now=at)
        with demo_runtime.sessions() as session:
            return session.exec(select(Alert, AlertDelivery.status).join(AlertDelivery)
                                .where(Alert.kind == "no_logger").order_by(col(Alert.id))).all()

    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="loggers taken out") as session:
        for reference, code in [("HG-2026-0045", "LG-24003"), ("HG-2026-0045", "LG-24004"),
                                ("HG-2026-0046", "LG-24005"), ("HG-2026-0046", "LG-24007"),
                                ("HG-2026-0047", "LG-24006")]:  # in transit, arrived, and still packed
            loggers.stop_recording(session, reference=reference, logger_code=code, at=NOW - hour)
    first = checked(NOW)
    assert [(alert.subject, alert.severity, status) for alert, status in first] == [
        ("HG-2026-0045", "major", "pending"), ("HG-2026-0046", "major", "pending")]
    in_transit = first[0][0]
    assert in_transit.site == "SIRIRAJ-PH" and in_transit.link.endswith("/shipments/HG-2026-0045")
    assert "no logger recording since" in in_transit.title and "+07:00" in in_transit.title
    assert checked(NOW + timedelta(minutes=5)) == first  # said once

    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="logger put back") as session:
        loggers.assign(session, logger_code="LG-24003", reference="HG-2026-0045", starts_at=NOW)
    again = checked(NOW + timedelta(minutes=10))
    assert [(alert.subject, status) for alert, status in again] == [
        ("HG-2026-0045", "withdrawn"), ("HG-2026-0046", "pending")]  # recorded again: not sent after all

    with unit_of_work(demo_runtime.sessions, actor="somchai", reason="taken out again") as session:
        loggers.stop_recording(session, reference="HG-2026-0045", logger_code="LG-24003", at=NOW + hour)
    later = checked(NOW + 2 * hour)
    assert [alert.subject for alert, _ in later] == ["HG-2026-0045", "HG-2026-0046", "HG-2026-0045"]
    assert later[2][0].key != in_transit.key and later[2][1] == "pending"  # a new stretch: said again
