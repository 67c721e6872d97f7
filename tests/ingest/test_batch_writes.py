"""A batch's readings written together (one COPY on PostgreSQL, INSERTs of many rows on SQLite), and
written the careful way when one of them is stored already: duplicates counted per message as before,
and one refused message found and kept apart."""

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event
from sqlmodel import col, select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Reading
from logistics.services.telemetry import TelemetryStore
from tests.ingest.test_telemetry_store import REFUSE_13_37, message, rejections, stored

START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def backfill(minutes, temp, logger="LG-24003"):
    """A native batch message with a reading at each of `minutes` after START."""
    readings = [{"ts": int((START + timedelta(minutes=minute)).timestamp()), "temp": temp}
                for minute in minutes]
    return message({"readings": readings}, logger=logger)


@pytest.fixture
def store(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        session.add(Logger(code="LG-OTHER", serial="S-OTHER"))
    return TelemetryStore(demo_runtime.engine)


def test_duplicates_are_counted_per_message_and_the_first_of_a_batch_is_stored(demo_runtime, store):
    store.store([backfill(range(5), 5.0)])
    results = store.store([
        backfill(range(3, 8), 6.0),  # minutes 3 and 4 are stored already
        backfill(range(6, 10), 7.0),  # minutes 6 and 7 come in the message before
        backfill([10, 10], 8.0),  # the same reading twice in one message
        backfill([0, 1], 9.0, logger="LG-OTHER"),  # same times, another logger
    ])
    assert [(result.accepted, result.duplicates) for result in results] == [(3, 2), (2, 2), (1, 1), (2, 0)]
    readings = stored(demo_runtime)
    assert [reading.temperature_c for reading in readings] == [5.0] * 5 + [6.0] * 3 + [7.0] * 2 + [8.0]
    assert [reading.device_time for reading in readings] == [START + timedelta(minutes=m) for m in range(11)]
    assert [reading.id for reading in readings] == sorted(reading.id for reading in readings)  # batch order
    assert [reading.temperature_c for reading in stored(demo_runtime, "LG-OTHER")] == [9.0, 9.0]


def test_a_refused_backfill_is_kept_apart_and_the_next_batch_is_written(demo_runtime, store):
    with demo_runtime.engine.begin() as connection:
        for statement in REFUSE_13_37[connection.dialect.name]:
            connection.exec_driver_sql(statement)
    batch = [backfill(range(first, first + 50), 5.0) for first in range(0, 300, 50)]
    batch[3] = message({"readings": [*json.loads(batch[3].payload)["readings"],
                                     {"ts": int((START - timedelta(days=1)).timestamp()), "temp": 13.37}]})
    results = store.store(batch)
    assert [(result.accepted, result.rejected) for result in results] == [(50, 0)] * 3 + [(0, 51)] + [
        (50, 0)] * 2
    [rejection] = rejections(demo_runtime)
    assert "13.37 refused by site rule" in rejection.reason and rejection.payload == batch[3].payload
    # Whatever the failed attempts staged is gone: the next batch stores exactly its own readings.
    results = store.store([backfill(range(150, 200), 6.0), backfill(range(300, 310), 6.0)])
    assert [(result.accepted, result.duplicates) for result in results] == [(50, 0), (10, 0)]
    with demo_runtime.sessions() as session:
        temperatures = session.exec(select(Reading.temperature_c).order_by(col(Reading.device_time))
                                    .where(col(Reading.device_time) >= START)).all()
    assert temperatures.count(6.0) == 60 and len(temperatures) == 310


def test_only_a_batch_holding_a_stored_reading_is_written_message_by_message(demo_runtime):
    with watched(demo_runtime) as (engine, wrote_carefully):
        store = TelemetryStore(engine)
        assert [result.accepted for result in store.store([backfill(range(5), 5.0)])] == [5]
        assert not wrote_carefully()  # all new: in one go
        results = store.store([backfill(range(3, 8), 6.0)])
        assert [(result.accepted, result.duplicates) for result in results] == [(3, 2)]
        assert wrote_carefully()


@contextmanager
def watched(runtime):
    """An engine on the runtime's database, and a probe: has the store taken the careful way (message by
    message on SQLite, through the staging table on PostgreSQL) since it was made?"""
    if runtime.engine.dialect.name == "sqlite":
        statements: list[str] = []
        event.listen(runtime.engine, "checkout",
                     lambda dbapi_connection, *_: dbapi_connection.set_trace_callback(statements.append))
        yield runtime.engine, lambda: "ROLLBACK TO whole_batch" in statements
        return
    # One connection, so that the probe sees the session's temporary staging table if it was made.
    engine = create_engine(runtime.engine.url, pool_size=1, max_overflow=0)

    def staged() -> bool:
        with engine.connect() as connection:
            table = connection.exec_driver_sql("SELECT to_regclass('pg_temp.reading_batch')").scalar()
        return table is not None
    try:
        yield engine, staged
    finally:
        engine.dispose()
