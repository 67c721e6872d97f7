"""The database unavailable for a while (a PostgreSQL database that refuses connections and has its open ones
cut): the ingest stops acknowledging, keeps its place, and once the database is back stores every reading
exactly once. SQLite held locked by another writer is in tests/ingest/test_acknowledgements.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlmodel import select

from logistics.app import open_telemetry_store
from logistics.core.mosquitto import hash_secret
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Reading
from tests.integration.mosquitto_helpers import broker_credentials
from tests.integration.test_ingest_acks import running, wait_until


def stored(runtime):
    with runtime.sessions() as session:
        return session.exec(select(func.count()).select_from(Reading)).one()


class OneLogger(NamedTuple):
    broker: Any
    ingest_secret: str
    publisher: Any
    code: str

    def publish(self, minutes: range, now: datetime) -> None:
        """A reading at `now` minus each of `minutes`, one message each."""
        for minute in minutes:
            reading = {"ts": (now - timedelta(minutes=minute)).isoformat(), "temp": 5.0}
            topic = f"coldchain/loggers/{self.code}/telemetry"
            assert self.publisher.publish(topic, json.dumps(reading).encode()) == 0


def one_logger(runtime, start_broker, make_probe, code: str = "LG-A") -> OneLogger:
    """A private broker with the logger's and the ingest's credentials; the logger registered in
    `runtime`'s database and publishing through a connected client."""
    credentials = broker_credentials(logger_ids=[code])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text)
    with unit_of_work(runtime.sessions, actor="test") as session:
        secret = credentials.secrets[code]
        session.add(Logger(code=code, serial=f"S-{code}", credential_hash=hash_secret(secret)))
    publisher = make_probe(broker, f"pub-{code}", username=code, password=credentials.secrets[code])
    publisher.connect()
    return OneLogger(broker, credentials.secrets["ingest"], publisher, code)


def test_postgresql_going_away_and_coming_back_loses_nothing(start_broker, make_probe, pg_database):
    from logistics.app import build_runtime
    from logistics.db import migrate
    from tests.conftest import _pg_admin, settings_for

    runtime = build_runtime(settings_for(pg_database))
    migrate.upgrade(runtime.engine)
    logger = one_logger(runtime, start_broker, make_probe)
    now, name = datetime.now(UTC).replace(microsecond=0), pg_database.rsplit("/", 1)[1]
    try:
        with running(logger.broker, logger.ingest_secret, partial(open_telemetry_store, runtime.settings)) \
                as ingest:
            logger.publish(range(10), now)
            assert wait_until(lambda: ingest.counters.messages == 10)
            with _pg_admin() as admin:  # the database goes away: no new connections, the open ones cut
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                              (name,))
            logger.publish(range(10, 20), now)
            assert wait_until(lambda: ingest.counters.store_failures >= 2), "the store was not retried"
            assert ingest.counters.messages == 10  # nothing acknowledged while it is away
            with _pg_admin() as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            assert wait_until(lambda: ingest.counters.messages == 20, timeout=60), ingest.counters
        runtime.engine.dispose()
        assert stored(runtime) == 20
    finally:
        with _pg_admin() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        runtime.close()
