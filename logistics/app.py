"""The composition root: builds every long-lived object from one settings object."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from logistics.core.profiles import StorageProfile
from logistics.db.engine import make_engine, make_session_factory
from logistics.readers.config_files import load_profiles
from logistics.services.profiles import ProfileBook
from logistics.settings import Settings, load_settings

if TYPE_CHECKING:
    import requests
    from flask import Flask  # the command line builds a runtime without the web framework

    from logistics.jobs import JobContext
    from sensors.ingest import MqttIngest
    from sensors.intake import StagedStore


@dataclass(frozen=True)
class Runtime:
    """What the adapters share: settings, the database and the storage profiles."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    book: ProfileBook

    @property
    def profiles(self) -> dict[str, StorageProfile]:
        """The current version of every storage profile: an edit counts from the next call on."""
        return self.book.current()

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings | None = None) -> Runtime:
    """Create the runtime from `settings` (or the effective settings of this environment)."""
    settings = settings or load_settings()
    configure_logging(settings)
    engine = make_engine(settings.database_url,
                         sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    sessions = make_session_factory(engine)
    return Runtime(settings=settings, engine=engine, sessions=sessions,
                   book=ProfileBook(sessions, seed=load_profiles))


def configure_logging(settings: Settings) -> None:
    level = logging.getLevelName(settings.log_level.upper())
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the CLI reports the revision itself
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # font subsetting narrates every PDF made
    # APScheduler tells of every job run at INFO, a dozen lines a minute: only for DEBUG; its warnings
    # (a missed run, a job still running) and errors always show.
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if level <= logging.DEBUG else logging.WARNING)


def build_web_app(runtime: Runtime, *, demo: bool = False) -> Flask:
    """The Flask application for `runtime`; starts no background work."""
    from logistics.web import create_app

    return create_app(runtime, demo=demo)


def build_ingest(runtime: Runtime, *, retiring: bool = False) -> MqttIngest:
    """The MQTT subscriber that stores telemetry; `run(stop)` it in a thread or the main thread.

    `retiring`: leave the shared subscription for good (see IngestOptions.retiring)."""
    from sensors.ingest import IngestOptions, MqttIngest
    from sensors.topics import parse_broker_url

    settings = runtime.settings
    options = IngestOptions(prefix=settings.mqtt_topic_prefix, client_id=settings.ingest_client_id,
                            shared_group=settings.ingest_shared_group or None,
                            batch_size=settings.ingest_batch_size, retiring=retiring)
    return MqttIngest(broker=parse_broker_url(settings.mqtt_url),
                      open_store=partial(open_telemetry_store, settings), options=options)


def open_telemetry_store(settings: Settings) -> StagedStore:
    """The ingest writer's store, opened in the writer's own process (see sensors.ingest)."""
    from logistics.services.telemetry import TelemetryStore

    configure_logging(settings)
    engine = make_engine(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    return TelemetryStore(engine, max_shock_g=settings.telemetry_max_shock_g)


def build_job_context(runtime: Runtime, http: requests.Session) -> JobContext:
    """What the scheduled jobs run with: the alert routes, the monitoring policy and the alert senders."""
    from logistics.jobs import JobContext
    from logistics.outbound.notify import make_senders
    from logistics.readers.config_files import load_alert_routes
    from logistics.services.monitoring import MonitoringPolicy

    settings = runtime.settings
    return JobContext(runtime=runtime, routes=load_alert_routes(), policy=MonitoringPolicy.of(settings),
                      senders=make_senders(http, smtp_url=settings.smtp_url, sender=settings.alert_from),
                      http=http)


def wsgi() -> Flask:
    """Entry point for WSGI servers: `gunicorn 'logistics.app:wsgi()'`."""
    return build_web_app(build_runtime())
