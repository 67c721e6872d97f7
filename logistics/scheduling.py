"""The one scheduler (APScheduler 3): a persistent job store in the tracker's database, jobs added
only when absent so that a restart keeps their schedule, coalescing and a misfire grace period.

The store keeps a job by the import path of its function (logistics.jobs:monitor) and pickles its
arguments. A job's one argument is its context, which is live (a database engine, an HTTP session, a
lock) and cannot be pickled: the store keeps None in its place, and the scheduler's executor passes the
context the scheduler was built with each time the job runs. Jobs stored by earlier versions, with no
arguments at all, run the same way.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from logistics.jobs import JobContext
from logistics.settings import Settings

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"


def job_intervals(settings: Settings) -> dict[str, tuple[str, int]]:
    """Job id → (function path, interval in seconds)."""
    scan = settings.scan_interval_seconds
    return {"evaluate_excursions": ("logistics.jobs:evaluate_excursions", scan),
            "monitor": ("logistics.jobs:monitor", scan),
            "dispatch_alerts": ("logistics.jobs:dispatch_alerts", max(scan // 2, 5)),
            "roll_up_readings": ("logistics.jobs:roll_up_readings", scan),
            "detect_milestones": ("logistics.jobs:detect_milestones", scan),
            "forecast_reorders": ("logistics.jobs:forecast_reorders", scan),
            "pull_recruitment": ("logistics.jobs:pull_recruitment", settings.recruitment_poll_minutes * 60)}


class ContextExecutor(ThreadPoolExecutor):
    """Runs each job, in a thread of its pool, with the context the scheduler was built with."""

    def __init__(self, context: JobContext) -> None:
        super().__init__()
        self._context = context

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        # The job as stored with the context for its arguments, made as the job store makes a job; a
        # copy, for the scheduler stores the job again after submitting it and must not pickle a context.
        running = Job.__new__(Job)
        running.__setstate__({**job.__getstate__(), "args": (), "kwargs": {"context": self._context}})
        running._jobstore_alias = job._jobstore_alias
        super()._do_submit_job(running, run_times)


def start_scheduler(context: JobContext) -> BackgroundScheduler:
    """Start the scheduler for the jobs' `context` and make sure every job is scheduled."""
    runtime = context.runtime
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)},
        executors={"default": ContextExecutor(context)},
        job_defaults={"coalesce": True, "misfire_grace_time": 120, "max_instances": 1}, timezone=UTC)
    scheduler.start(paused=True)
    for job_id, (function, seconds) in job_intervals(runtime.settings).items():
        _ensure(scheduler, job_id, function, seconds)
    scheduler.resume()
    log.info("scheduler started: %s", ", ".join(f"{job.id} every {job.trigger.interval}"
                                                for job in scheduler.get_jobs()))
    return scheduler


def _ensure(scheduler: BackgroundScheduler, job_id: str, function: str, seconds: int) -> None:
    job = scheduler.get_job(job_id)
    if job is None:
        scheduler.add_job(function, IntervalTrigger(seconds=seconds, timezone=UTC),
                          kwargs={"context": None}, id=job_id, name=job_id)  # given when it runs
    elif job.trigger.interval != timedelta(seconds=seconds):  # the setting changed: follow it
        scheduler.reschedule_job(job_id, trigger=IntervalTrigger(seconds=seconds, timezone=UTC))
