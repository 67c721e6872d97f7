"""Scheduled jobs: each a function of the context it runs in, calling into services.

The composition root builds the context (logistics.app.build_job_context); the scheduler stores each
job by the import path of its function here and hands it the context when it runs
(logistics.scheduling), so nothing here keeps state between runs.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from logistics.core.alerting import Route
from logistics.core.forecast_inputs import ForecastError
from logistics.db.engine import unit_of_work
from logistics.outbound.recruitment_feed import FeedError, fetch_enrolments
from logistics.services import alerts, forecasting, geofence, recruitment
from logistics.services.excursions import scan
from logistics.services.metrics import record_run
from logistics.services.monitoring import MonitoringPolicy, run_checks
from logistics.services.series import ROLLUP_BATCH, roll_up
from logistics.services.stability import check_budgets

if TYPE_CHECKING:
    from logistics.app import Runtime


@dataclass(frozen=True)
class JobContext:
    """What the jobs run with: the runtime, where alerts go and how they are sent."""

    runtime: Runtime
    routes: list[Route]
    policy: MonitoringPolicy
    senders: dict[str, Any]
    http: requests.Session
    # The scan and the dispatch job may both dispatch; one at a time, or a delivery could go out twice.
    dispatching: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)


Job = Callable[[JobContext], None]
log = logging.getLogger(__name__)


def _recorded(job: Job) -> Job:
    """Keep each run's duration and outcome in job_runs (for the metrics); a failure is noted, then
    raised again for APScheduler to log."""
    @functools.wraps(job)
    def run(context: JobContext) -> None:
        started, began, error = datetime.now(UTC), time.perf_counter(), None
        try:
            job(context)
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
            raise
        finally:
            _note(context, job.__name__, started, time.perf_counter() - began, error)
    return run


def _note(context: JobContext, job: str, started: datetime, seconds: float, error: str | None) -> None:
    try:
        with context.runtime.sessions() as session, session.begin():
            record_run(session, job, started=started, seconds=seconds, error=error)
    except Exception as failure:  # the database may be what failed: the job's own error matters more
        log.warning("could not record the run of %s: %s", job, failure)


@_recorded
def evaluate_excursions(context: JobContext) -> None:
    """Judge the readings that arrived since the last scan; record and announce new excursions, and
    lots of the shipments and storage zones concerned whose stability budget runs low or out."""
    now, runtime, public_url = datetime.now(UTC), context.runtime, context.policy.public_url
    with unit_of_work(runtime.sessions, actor="scheduler", reason="excursion scan") as session:
        report = scan(session, runtime.profiles, context.routes, now=now, public_url=public_url)
        raised = len(report.alerts) + check_budgets(session, report.shipments, runtime.profiles,
                                                    context.routes, now=now, public_url=public_url,
                                                    zone_ids=report.zones)
    if raised:  # deliver now rather than at the next dispatch: people hear within one scan interval
        _dispatch(context)


@_recorded
def monitor(context: JobContext) -> None:
    """Silent loggers, calibrations due, low batteries: raise their alerts."""
    with unit_of_work(context.runtime.sessions, actor="scheduler", reason="monitoring") as session:
        run_checks(session, context.routes, context.policy, now=datetime.now(UTC))


@_recorded
def roll_up_readings(context: JobContext) -> None:
    """Fold new readings into the chart rollups, a batch per transaction, until none is left."""
    total = 0
    while True:
        with unit_of_work(context.runtime.sessions, actor="scheduler", reason="chart rollups") as session:
            folded = roll_up(session)
        total += folded
        if folded < ROLLUP_BATCH:
            return
        # A backlog (a first run over a long history): say how far it has got.
        log.info("chart rollups: %d readings folded so far, continuing", total)


@_recorded
def detect_milestones(context: JobContext) -> None:
    """Milestones from telemetry: geofence arrivals and departures (with the legs' actual times nobody
    recorded), shippers opened, and stops held longer than planned; a batch per transaction, signed by
    the system, until no reading is left."""
    now, raised = datetime.now(UTC), 0
    while True:
        with unit_of_work(context.runtime.sessions, actor="system",
                          reason="milestones from telemetry") as session:
            report = geofence.detect(session, context.routes, now=now, public_url=context.policy.public_url,
                                     profiles=context.runtime.profiles)
        raised += len(report.alerts)
        if report.readings < geofence.BATCH:
            break
    if raised:
        _dispatch(context)


@_recorded
def forecast_reorders(context: JobContext) -> None:
    """Forecast again whenever the inputs changed (a new day, an enrolment, a receipt, the plan) and
    announce order-by dates inside the warning window and patient slots at risk."""
    settings, now, public_url = context.runtime.settings, datetime.now(UTC), context.policy.public_url
    with unit_of_work(context.runtime.sessions, actor="scheduler", reason="reorder forecast") as session:
        try:
            run = forecasting.refresh(session, settings, now=now)
        except ForecastError as error:  # the plan as entered cannot be forecast: say so, once a day
            log.warning("reorder forecast: %s", error)
            raised = alerts.raise_alert(session, context.routes, alerts.forecast_failed(
                str(error), now=now, public_url=public_url)) is not None
        else:
            raised = run is not None and (forecasting.reorder_alerts(
                session, context.routes, run, warning_days=settings.forecast_warning_days,
                public_url=public_url) + forecasting.slot_alerts(
                session, context.routes, run, threshold=settings.forecast_slot_alert_probability,
                public_url=public_url)) > 0
    if raised:
        _dispatch(context)


@_recorded
def pull_recruitment(context: JobContext) -> None:
    """Fetch enrolments from the registry or CTMS when one is configured; a failure is recorded (and
    announced once a day) and what was pulled before stays."""
    settings, now = context.runtime.settings, datetime.now(UTC)
    if not settings.recruitment_url:
        return
    records, error = None, None
    try:
        records = fetch_enrolments(context.http, settings)
    except FeedError as failure:
        error = str(failure)
        log.warning("recruitment pull from %s failed: %s", settings.recruitment_url, error)
    with unit_of_work(context.runtime.sessions, actor="registry", reason="recruitment pull") as session:
        pull = recruitment.record_pull(session, url=settings.recruitment_url, records=records, error=error,
                                       now=now, today=forecasting.today(settings, now))
        if not pull.ok:
            alerts.raise_alert(session, context.routes, alerts.recruitment_pull_failed(
                pull.message, now=now, public_url=context.policy.public_url))


@_recorded
def dispatch_alerts(context: JobContext) -> None:
    """Deliver alerts that are due, retrying failed ones with back-off."""
    _dispatch(context)


def _dispatch(context: JobContext) -> None:
    with context.dispatching:
        alerts.dispatch_due(context.runtime.sessions, context.senders, now=datetime.now(UTC))
