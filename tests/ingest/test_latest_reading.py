"""Each logger's row names its newest reading with a temperature, kept by the writer in the transaction that
stores the readings: forwards only, one update per logger per batch, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from logistics.db.models import Logger
from logistics.services.telemetry import TelemetryStore
from tests.ingest.test_telemetry_store import message

T = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def readings(*pairs):
    return {"readings": [{"ts": at.isoformat(), **({"temp": temp} if temp is not None else {"shock_g": 0.4})}
                         for at, temp in pairs]}


def latest(runtime, code="LG-24003"):
    with runtime.sessions() as session:
        logger = session.exec(select(Logger).where(Logger.code == code)).one()
        return logger.latest_at, logger.latest_temperature_c


@pytest.fixture
def store(demo_runtime):
    return TelemetryStore(demo_runtime.engine)


def test_it_follows_the_newest_reading_and_a_backfill_of_older_ones_leaves_it(demo_runtime, store):
    assert latest(demo_runtime) == (None, None)
    store.store([message(readings((T, 5.0), (T + 2 * MINUTE, 6.5), (T + MINUTE, 7.0)))])
    assert latest(demo_runtime) == (T + 2 * MINUTE, 6.5)
    # A flight's buffered readings arrive after the live ones: older, so the row stays.
    store.store([message(readings(*[(T - i * MINUTE, 12.0) for i in range(1, 30)]))])
    assert latest(demo_runtime) == (T + 2 * MINUTE, 6.5)
    store.store([message(readings((T + 3 * MINUTE, None)))])  # no temperature: not the latest reading
    assert latest(demo_runtime) == (T + 2 * MINUTE, 6.5)
    store.store([message(readings((T + 4 * MINUTE, -1.25)))])
    assert latest(demo_runtime) == (T + 4 * MINUTE, -1.25)


def test_it_names_the_stored_reading_when_a_newer_one_was_dropped_as_a_duplicate(demo_runtime, store):
    store.store([message(readings((T, 5.0), (T + MINUTE, None)))])
    # Sent again with a temperature: a duplicate of (logger, time), not stored, so not the latest.
    [again] = store.store([message(readings((T + MINUTE, 9.0)))])
    assert again.duplicates == 1
    assert latest(demo_runtime) == (T, 5.0)


def test_one_update_per_logger_per_batch(sqlite_demo_runtime):
    # The writer speaks to the driver directly, past SQLAlchemy's events: SQLite's own trace sees it.
    statements: list[str] = []
    event.listen(sqlite_demo_runtime.engine, "checkout",
                 lambda dbapi_connection, *_: dbapi_connection.set_trace_callback(statements.append))
    store = TelemetryStore(sqlite_demo_runtime.engine)
    batch = [message(readings(*[(T + (10 * part + i) * MINUTE, 5.0 + i) for i in range(10)]))
             for part in range(3)]
    batch.append(message(readings((T, 4.0), (T + MINUTE, 4.5)), logger="LG-24004"))
    store.store(batch)
    updates = [statement for statement in statements if "SET (latest_at" in statement]
    assert len(updates) == 2
    # The batch's 32 new readings go in as one INSERT of 32 rows (no duplicate: no message-by-message).
    inserts = [statement for statement in statements if statement.startswith("INSERT INTO readings")]
    assert len(inserts) == 1 and inserts[0].count("), (") == 31
    assert latest(sqlite_demo_runtime) == (T + 29 * MINUTE, 14.0)
    assert latest(sqlite_demo_runtime, "LG-24004") == (T + MINUTE, 4.5)


def test_a_batch_that_fails_leaves_the_row_as_it_was(demo_runtime, store):
    store.store([message(readings((T, 5.0)))])
    with demo_runtime.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE rejections")
    with pytest.raises(Exception):  # noqa: B017 - any database error
        store.store([message(readings((T + MINUTE, 8.0))), message(b"garbage")])
    assert latest(demo_runtime) == (T, 5.0)
