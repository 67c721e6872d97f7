"""The writer formats times itself on SQLite; the text must be exactly what SQLAlchemy stores.

Queries compare times as text on SQLite, and (logger, device_time) is unique as text: a reading is a
duplicate, and falls inside a window, only if both sides wrote the same characters. The reference is the
column type's full bind processing (our UTC conversion, then SQLAlchemy's SQLite formatting).
"""

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Reading
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage

RECEIVED = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
GMT = timezone(timedelta(0), "GMT")  # a zero offset, but not the UTC object the quick path expects
ZONES = [UTC, GMT, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]


def driver_text(runtime, moment: datetime) -> str:
    """The text SQLAlchemy stores on SQLite for `moment` (through the ORM or a Core statement)."""
    return Reading.__table__.c.device_time.type._cached_bind_processor(runtime.engine.dialect)(moment)


def device_times(count: int) -> list[datetime]:
    """Edge cases, then random moments; a third of them on a whole second (no fraction in the text)."""
    edges = [datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
             datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 1, 0, 0, 0, 1, tzinfo=UTC),
             datetime(2026, 3, 1, 2, 30, tzinfo=timezone(timedelta(hours=8)))]
    rng = random.Random(8428)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    span = int((RECEIVED - start).total_seconds())
    moments = []
    for _ in range(count):
        microseconds = rng.choice([0, rng.randrange(10**6)])
        moment = start + timedelta(seconds=rng.randrange(span), microseconds=microseconds)
        moments.append(moment.astimezone(rng.choice(ZONES)))
    return edges + moments


@pytest.fixture
def store(sqlite_runtime):
    with unit_of_work(sqlite_runtime.sessions, actor="test") as session:
        session.add(Logger(code="LG-1", serial="S-1"))
    return TelemetryStore(sqlite_runtime.engine)


def message(readings, received=RECEIVED):
    payload = json.dumps({"readings": readings}).encode()
    return IncomingMessage(source="mqtt", logger_code="LG-1", payload=payload, received_at=received)


def stored_texts(runtime) -> list[tuple[str, str]]:
    with runtime.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(
            "SELECT device_time, received_at FROM readings ORDER BY id")]


def test_device_and_receive_times_are_stored_as_sqlalchemy_stores_them(sqlite_runtime, store):
    moments = device_times(400)
    [result] = store.store([message([{"ts": moment.isoformat(), "temp": 5.0} for moment in moments])])
    assert (result.accepted, result.rejected) == (len(moments), 0)
    received = driver_text(sqlite_runtime, RECEIVED)
    expected = [(driver_text(sqlite_runtime, moment), received) for moment in moments]
    assert stored_texts(sqlite_runtime) == expected
    assert received == "2026-03-01 06:00:00.000000"  # always six fractional digits


@pytest.mark.parametrize("received", [
    RECEIVED, RECEIVED.replace(microsecond=1), RECEIVED.replace(microsecond=500000),
    RECEIVED.astimezone(timezone(timedelta(hours=-3))), RECEIVED.astimezone(GMT).replace(microsecond=7),
])
def test_a_reading_without_time_takes_the_receive_time_in_the_same_text(sqlite_runtime, store,
                                                                              received):
    store.store([message([{"temp": 5.0}], received=received)])
    expected = driver_text(sqlite_runtime, received)
    assert stored_texts(sqlite_runtime) == [(expected, expected)]


def test_a_window_query_finds_a_reading_exactly_at_its_start(sqlite_runtime, store):
    from sqlmodel import select

    start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    store.store([message([{"ts": start.isoformat(), "temp": 5.0}])])
    with sqlite_runtime.sessions() as session:
        assert session.exec(select(Reading.id).where(Reading.device_time >= start)).all()
        assert session.exec(select(Reading.id).where(Reading.device_time == start)).all()
        assert not session.exec(select(Reading.id).where(Reading.device_time < start)).all()


def test_migration_0005_rewrites_times_stored_without_a_fraction(tmp_path):
    from logistics.app import build_runtime
    from logistics.db import migrate
    from tests.conftest import settings_for

    runtime = build_runtime(settings_for(f"sqlite:///{tmp_path / 'old.db'}"))
    migrate.upgrade(runtime.engine, "0004")
    with runtime.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO loggers (id, code, serial, status, last_seen_at) "
                                   "VALUES (1, 'LG-1', 'S', 'active', '2026-03-01 06:00:00')")
        for device_time in ("2026-03-01 02:00:00", "2026-03-01 02:00:00.250000", "2026-03-01 02:05:00"):
            connection.exec_driver_sql(
                "INSERT INTO readings (logger_id, device_time, received_at, source, time_flagged) "
                "VALUES (1, ?, '2026-03-01 06:00:00', 'mqtt', 0)", (device_time,))
        connection.exec_driver_sql(  # the same moment once more, as the ORM would have written it
            "INSERT INTO readings (logger_id, device_time, received_at, source, time_flagged) "
            "VALUES (1, '2026-03-01 02:05:00.000000', '2026-03-01 06:00:00.000000', 'mqtt', 0)")
    migrate.upgrade(runtime.engine)
    with runtime.engine.connect() as connection:
        times = [row[0] for row in connection.exec_driver_sql("SELECT device_time FROM readings ORDER BY 1")]
        received = {row[0] for row in connection.exec_driver_sql("SELECT received_at FROM readings")}
        seen = connection.exec_driver_sql("SELECT last_seen_at FROM loggers").scalar()
    runtime.close()
    assert times == ["2026-03-01 02:00:00.000000", "2026-03-01 02:00:00.250000", "2026-03-01 02:05:00.000000"]
    assert received == {"2026-03-01 06:00:00.000000"} and seen == "2026-03-01 06:00:00.000000"
