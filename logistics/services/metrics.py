"""What the tracker reports to monitoring (Prometheus): figures read from the database, so that they hold
for the whole deployment however many ingest, web and scheduler processes it runs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from logistics.core.excursion_review import ReviewStatus
from logistics.core.release_time import MonthlyMedian, monthly_medians
from logistics.db.models import AlertDelivery, ExcursionRecord, JobRun, Reading, Rejection, Shipment
from logistics.services.release_time import receipt_releases

RECENT = timedelta(minutes=5)
LAG_SAMPLE = 5000  # newest readings whose receive delay is measured


@dataclass(frozen=True)
class JobFigures:
    job: str
    last_seconds: float
    last_ok: bool
    last_success_age_s: float | None
    runs: int
    failures: int


@dataclass(frozen=True)
class Figures:
    readings_recent: int  # stored in the last RECENT
    newest_reading_age_s: float | None  # since the newest reading was stored
    lag_p50_s: float | None  # device time to storage, over the newest readings
    lag_max_s: float | None
    rejections_total: int
    rejections_recent: int
    deliveries: dict[str, int]  # alert deliveries by status: pending, sent, failed, withdrawn
    open_excursions: int
    shipments: dict[str, int]  # by status
    jobs: list[JobFigures] = field(default_factory=list)
    release_times: list[MonthlyMedian] = field(default_factory=list)  # arrival → QA's decision, per month


def gather(session: Session, *, now: datetime) -> Figures:
    since = now - RECENT
    newest = session.exec(select(func.max(Reading.received_at))).one()
    return Figures(
        readings_recent=session.exec(select(func.count()).select_from(Reading)
                                     .where(Reading.received_at >= since)).one(),
        newest_reading_age_s=(now - newest).total_seconds() if newest else None,
        **_lag(session),
        rejections_total=session.exec(select(func.count()).select_from(Rejection)).one(),
        rejections_recent=session.exec(select(func.count()).select_from(Rejection)
                                       .where(Rejection.received_at >= since)).one(),
        deliveries=_counts(session, AlertDelivery.status, ("pending", "sent", "failed")),
        open_excursions=session.exec(select(func.count()).select_from(ExcursionRecord)
                                     .where(ExcursionRecord.status == ReviewStatus.OPEN.value)).one(),
        shipments=_counts(session, Shipment.status, ()),
        jobs=[_job(run, now) for run in session.exec(select(JobRun).order_by(col(JobRun.job))).all()],
        release_times=monthly_medians(receipt_releases(session)))


def _lag(session: Session) -> dict[str, float | None]:
    """How long the newest readings took from their logger to the database (late backfills included:
    a logger in flight mode sends hours of readings on landing)."""
    rows = session.exec(select(Reading.received_at, Reading.device_time)
                        .order_by(col(Reading.received_at).desc()).limit(LAG_SAMPLE)).all()
    delays = [max((received - device).total_seconds(), 0.0) for received, device in rows]
    if not delays:
        return {"lag_p50_s": None, "lag_max_s": None}
    return {"lag_p50_s": statistics.median(delays), "lag_max_s": max(delays)}


def _counts(session: Session, column: Any, always: tuple[str, ...]) -> dict[str, int]:
    found = dict.fromkeys(always, 0)
    for value, count in session.exec(select(column, func.count()).group_by(column)).all():
        found[value] = count
    return found


def _job(run: JobRun, now: datetime) -> JobFigures:
    age = (now - run.last_success_at).total_seconds() if run.last_success_at else None
    return JobFigures(run.job, run.seconds, run.ok, age, run.runs, run.failures)


def record_run(session: Session, job: str, *, started: datetime, seconds: float, error: str | None) -> None:
    """Note a scheduled job's run (the scheduler is the only writer of these rows)."""
    run = session.get(JobRun, job) or JobRun(job=job, started_at=started, seconds=seconds, ok=True)
    run.started_at, run.seconds, run.ok = started, round(seconds, 4), error is None
    run.error = error[:1000] if error else None
    run.runs += 1
    if error is None:
        run.last_success_at = started
    else:
        run.failures += 1
    session.add(run)


def database_problem(engine: Engine) -> str | None:
    """None while the database answers; else the kind of error it gave (what /health reports)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # report, never raise: this is what monitoring polls
        return error.__class__.__name__
    return None
