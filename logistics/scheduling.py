"""The one scheduler (APScheduler 3): a persistent job store in the tracker's database, jobs added
only when absent so that a restart keeps their schedule, coalescing and a misfire grace period."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

import requests
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from logistics import jobs
from logistics.outbound.notify import make_senders
from logistics.readers.config_files import load_alert_routes
from logistics.services.monitoring import MonitoringPolicy

if TYPE_CHECKING:
    from logistics.app import Runtime

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"


def job_intervals(runtime: Runtime) -> dict[str, tuple[str, int]]:
    """Job id → (function path, interval in seconds)."""
    scan = runtime.settings.scan_interval_seconds
    return {"evaluate_excursions": ("logistics.jobs:evaluate_excursions", scan),
            "monitor": ("logistics.jobs:monitor", scan),
            "dispatch_alerts": ("logistics.jobs:dispatch_alerts", max(scan // 2, 5)),
            "roll_up_readings": ("logistics.jobs:roll_up_readings", scan),
            "forecast_reorders": ("logistics.jobs:forecast_reorders", scan),
            "pull_recruitment": ("logistics.jobs:pull_recruitment",
                                 runtime.settings.recruitment_poll_minutes * 60)}


def start_scheduler(runtime: Runtime, http: requests.Session) -> BackgroundScheduler:
    """Bind the jobs to `runtime`, start the scheduler and make sure every job is scheduled."""
    settings = runtime.settings
    jobs.bind(jobs.JobContext(
        runtime=runtime, routes=load_alert_routes(),
        policy=MonitoringPolicy.of(settings),
        senders=make_senders(http, smtp_url=settings.smtp_url, sender=settings.alert_from), http=http))
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": 120, "max_instances": 1}, timezone=UTC)
    scheduler.start(paused=True)
    for job_id, (function, seconds) in job_intervals(runtime).items():
        _ensure(scheduler, job_id, function, seconds)
    scheduler.resume()
    log.info("scheduler started: %s", ", ".join(f"{job.id} every {job.trigger.interval}"
                                                for job in scheduler.get_jobs()))
    return scheduler


def _ensure(scheduler: BackgroundScheduler, job_id: str, function: str, seconds: int) -> None:
    job = scheduler.get_job(job_id)
    if job is None:
        scheduler.add_job(function, IntervalTrigger(seconds=seconds, timezone=UTC), id=job_id, name=job_id)
    elif job.trigger.interval != timedelta(seconds=seconds):  # the setting changed: follow it
        scheduler.reschedule_job(job_id, trigger=IntervalTrigger(seconds=seconds, timezone=UTC))
