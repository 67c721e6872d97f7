"""Scheduled job functions: one-line calls into services.

APScheduler's persistent job store keeps jobs by the import path of these functions, so they are
plain module-level functions; the scheduler binds them to its runtime once, when it starts.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from logistics.core.alerting import AlertFacts, Route
from logistics.core.forecast_inputs import ForecastError
from logistics.db.engine import unit_of_work
from logistics.outbound.recruitment_feed import FeedError, fetch_enrolments
from logistics.services import forecasting, recruitment
from logistics.services.alerts import dispatch_due, raise_alert
from logistics.services.excursions import scan
from logistics.services.metrics import record_run
from logistics.services.monitoring import MonitoringPolicy, run_checks
from logistics.services.series import ROLLUP_BATCH, roll_up
from logistics.services.stability import check_budgets

if TYPE_CHECKING:
    from logistics.app import Runtime


@dataclass(frozen=True)
class JobContext:
    runtime: Runtime
    routes: list[Route]
    policy: MonitoringPolicy
    senders: dict[str, Any]
    http: requests.Session


log = logging.getLogger(__name__)
_context: JobContext | None = None


def _recorded(job: Callable[[], None]) -> Callable[[], None]:
    """Keep each run's duration and outcome in job_runs (for the metrics); a failure is noted, then
    raised again for APScheduler to log."""
    @functools.wraps(job)
    def run() -> None:
        started, began, error = datetime.now(UTC), time.perf_counter(), None
        try:
            job()
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
            raise
        finally:
            _note(job.__name__, started, time.perf_counter() - began, error)
    return run


def _note(job: str, started: datetime, seconds: float, error: str | None) -> None:
    try:
        with _bound().runtime.sessions() as session, session.begin():
            record_run(session, job, started=started, seconds=seconds, error=error)
    except Exception as failure:  # the database may be what failed: the job's own error matters more
        log.warning("could not record the run of %s: %s", job, failure)


def bind(context: JobContext) -> None:
    """Give the job functions their runtime; called by the scheduler process at start."""
    global _context
    _context = context


def _bound() -> JobContext:
    if _context is None:
        raise RuntimeError("scheduled jobs run only inside `logistics scheduler` or `logistics serve`")
    return _context


@_recorded
def evaluate_excursions() -> None:
    """Judge the readings that arrived since the last scan; record and announce new excursions, and
    lots of the shipments concerned whose stability budget runs low or out."""
    context = _bound()
    now, runtime, public_url = datetime.now(UTC), context.runtime, context.policy.public_url
    with unit_of_work(runtime.sessions, actor="scheduler", reason="excursion scan") as session:
        report = scan(session, runtime.profiles, context.routes, now=now, public_url=public_url)
        raised = len(report.alerts) + check_budgets(session, report.shipments, runtime.profiles,
                                                    context.routes, now=now, public_url=public_url)
    if raised:  # deliver now rather than at the next dispatch: people hear within one scan interval
        _dispatch(context)


@_recorded
def monitor() -> None:
    """Silent loggers, calibrations due, low batteries: raise their alerts."""
    context = _bound()
    with unit_of_work(context.runtime.sessions, actor="scheduler", reason="monitoring") as session:
        run_checks(session, context.routes, context.policy, now=datetime.now(UTC))


@_recorded
def roll_up_readings() -> None:
    """Fold new readings into the chart rollups, a batch per transaction, until none is left."""
    context = _bound()
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
def forecast_reorders() -> None:
    """Forecast again whenever the inputs changed (a new day, an enrolment, a receipt, the plan) and
    announce order-by dates inside the warning window."""
    context = _bound()
    settings, now = context.runtime.settings, datetime.now(UTC)
    with unit_of_work(context.runtime.sessions, actor="scheduler", reason="reorder forecast") as session:
        try:
            run = forecasting.refresh(session, settings, now=now)
        except ForecastError as error:  # the plan as entered cannot be forecast: say so, once a day
            log.warning("reorder forecast: %s", error)
            raised = _forecast_failed(session, context, str(error), now) is not None
        else:
            raised = run is not None and forecasting.reorder_alerts(
                session, context.routes, run, warning_days=settings.forecast_warning_days,
                public_url=context.policy.public_url) > 0
    if raised:
        _dispatch(context)


def _forecast_failed(session: Any, context: JobContext, problem: str, now: datetime) -> object:
    return raise_alert(session, context.routes, AlertFacts(
        key=f"forecast-failed:{now.date().isoformat()}", kind="forecast_failed", severity="minor", site=None,
        subject="forecast", title="The reorder forecast cannot run", body=problem, raised_at=now,
        link=f"{context.policy.public_url}/recruitment"))


@_recorded
def pull_recruitment() -> None:
    """Fetch enrolments from the registry or CTMS when one is configured; a failure is recorded (and
    announced once a day) and what was pulled before stays."""
    context = _bound()
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
            raise_alert(session, context.routes, AlertFacts(
                key=f"recruitment-pull:{now.date().isoformat()}", kind="recruitment_pull", severity="minor",
                site=None, subject="recruitment", title="Enrolments could not be pulled from the registry",
                body=pull.message, raised_at=now, link=f"{context.policy.public_url}/recruitment"))


@_recorded
def dispatch_alerts() -> None:
    """Deliver alerts that are due, retrying failed ones with back-off."""
    _dispatch(_bound())


# The scan and this job may both dispatch; one at a time, or a delivery could go out twice.
_dispatching = threading.Lock()


def _dispatch(context: JobContext) -> None:
    with _dispatching:
        dispatch_due(context.runtime.sessions, context.senders, now=datetime.now(UTC))
