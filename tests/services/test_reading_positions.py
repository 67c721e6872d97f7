"""Scans, chart rollups and the geofence take each reading exactly once, whatever order the transactions
that insert readings commit in (logistics.db.reading_order): on PostgreSQL a later id can commit first."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import select

from logistics.core.series import LEVELS_S
from logistics.db import migrate
from logistics.db.engine import begin_writing, unit_of_work
from logistics.db.models import EvaluationMark, Logger, Reading, ReadingRollup
from logistics.services import geofence
from logistics.services.excursions import scan
from logistics.services.series import roll_up
from tests.conftest import NOW, _runtime_on, settings_for


@pytest.fixture(params=["postgresql"])
def pg_demo_runtime(request, tmp_path):
    """The demo on PostgreSQL alone: only there can writers commit out of id order."""
    with _runtime_on(request, "demo", tmp_path) as built:
        yield built


class Consumers:
    """The three readers of new readings, run as the scheduler runs them; what each took, in total."""

    def __init__(self, runtime) -> None:
        self.runtime, self.looked_at = runtime, 0

    def run(self) -> None:
        sessions = self.runtime.sessions
        with unit_of_work(sessions, actor="scheduler", reason="excursion scan") as session:
            scan(session, self.runtime.profiles, [], now=NOW + timedelta(days=2))
        while True:
            with unit_of_work(sessions, actor="scheduler", reason="chart rollups") as session:
                if roll_up(session) == 0:
                    break
        while True:
            with unit_of_work(sessions, actor="system", reason="milestones") as session:
                report = geofence.detect(session, [], now=NOW + timedelta(days=2), public_url="http://t")
            self.looked_at += report.readings
            if report.readings < geofence.BATCH:
                break

    def rolled_up(self) -> int:
        with self.runtime.sessions() as session:
            return int(session.exec(select(func.coalesce(func.sum(ReadingRollup.count), 0))
                                    .where(ReadingRollup.level_s == LEVELS_S[0])).one())

    def unscanned(self) -> list[int]:
        """Ids of readings past their logger's evaluation mark."""
        with self.runtime.sessions() as session:
            position = sa.tuple_(Reading.xid, Reading.id)
            mark = sa.tuple_(func.coalesce(EvaluationMark.last_xid, 0),
                             func.coalesce(EvaluationMark.last_reading_id, 0))
            return sorted(session.exec(
                select(Reading.id).join(EvaluationMark, EvaluationMark.logger_id == Reading.logger_id,
                                        isouter=True).where(position > mark)).all())


def readings(runtime) -> int:
    with runtime.sessions() as session:
        return int(session.exec(select(func.count()).select_from(Reading)).one())


def logger_ids(runtime) -> list[int]:
    with runtime.sessions() as session:
        return list(session.exec(select(Logger.id).order_by(Logger.id).limit(3)).all())


def insert(connection: Connection, logger_id: int, minutes: int) -> int:
    """One reading as ingest stores it (the database fills its xid); its id."""
    at = NOW + timedelta(hours=20, minutes=minutes)
    return int(connection.execute(sa.insert(Reading).returning(Reading.id), [dict(
        logger_id=logger_id, device_time=at, received_at=at, temperature_c=5.0, source="mqtt",
        time_flagged=False)]).scalar_one())


def writer(stack: ExitStack, runtime) -> Connection:
    connection = stack.enter_context(runtime.engine.connect())
    begin_writing(connection)
    return connection


def test_each_reading_is_consumed_once_when_commits_come_out_of_id_order(pg_demo_runtime):
    runtime = pg_demo_runtime
    consumers = Consumers(runtime)
    consumers.run()
    first, second, third = logger_ids(runtime)
    with ExitStack() as stack:
        # Ids drawn in the order a, b, c; committed c, a, b.
        a, b, c = (writer(stack, runtime) for _ in range(3))
        drawn = [insert(a, first, 1), insert(b, second, 2), insert(c, third, 3), insert(a, third, 4)]
        assert drawn == sorted(drawn)
        c.commit()
        consumers.run()  # c committed, but a and b began before it: nothing of theirs or its is taken
        assert consumers.unscanned() == [drawn[2]]
        assert consumers.rolled_up() + 1 == consumers.looked_at + 1 == readings(runtime)
        a.commit()
        consumers.run()  # a's readings now; c's still waits behind b
        assert consumers.unscanned() == [drawn[2]]
        b.commit()
        consumers.run()
    assert consumers.unscanned() == []
    assert consumers.rolled_up() == consumers.looked_at == readings(runtime)


def test_a_rolled_back_writer_leaves_no_hole_that_stalls_the_consumers(pg_demo_runtime):
    runtime = pg_demo_runtime
    consumers = Consumers(runtime)
    consumers.run()
    first, second, _ = logger_ids(runtime)
    with ExitStack() as stack:
        early, late = writer(stack, runtime), writer(stack, runtime)
        insert(early, first, 1)
        kept = insert(late, second, 2)
        late.commit()
        consumers.run()
        assert consumers.unscanned() == [kept]
        early.rollback()
    consumers.run()
    assert consumers.unscanned() == []
    assert consumers.rolled_up() == consumers.looked_at == readings(runtime)


def test_each_reading_is_consumed_once_as_writers_take_turns(demo_runtime):
    """SQLite has one writer at a time (and PostgreSQL, written this way): positions follow ids."""
    runtime = demo_runtime
    consumers = Consumers(runtime)
    consumers.run()
    before = readings(runtime)
    for minutes, logger_id in enumerate(logger_ids(runtime) * 2):
        with runtime.engine.connect() as connection:
            begin_writing(connection)
            insert(connection, logger_id, minutes)
            connection.commit()
        if minutes % 2:
            consumers.run()
    consumers.run()
    assert readings(runtime) == before + 6
    assert consumers.unscanned() == []
    assert consumers.rolled_up() == consumers.looked_at == readings(runtime)


def test_marks_kept_before_the_upgrade_go_on_from_where_they_were(database_url):
    """Migration 0026: readings stored before it keep xid 0 and each mark (0, its id); nothing behind a
    mark is taken again, nothing after it is skipped, new readings included."""
    from logistics.app import build_runtime

    runtime = build_runtime(settings_for(database_url))
    try:
        migrate.upgrade(runtime.engine, "0025")
        loggers = sa.table("loggers", *(sa.column(name) for name in ("id", "code", "serial", "status")))
        with runtime.engine.begin() as connection:
            connection.execute(sa.insert(loggers), [dict(id=1, code="LG-1", serial="1", status="active")])
            old = [insert(connection, 1, minutes) for minutes in range(5)]
            marks = dict(last_reading_id=old[2])
            connection.execute(sa.table("rollup_cursor", sa.column("id"), sa.column("last_reading_id"))
                               .insert(), [dict(id=1, **marks)])
            connection.execute(sa.table("geofence_cursor", sa.column("id"), sa.column("last_reading_id"))
                               .insert(), [dict(id=1, **marks)])
            connection.execute(sa.table("evaluation_marks", sa.column("logger_id"),
                                        sa.column("last_reading_id"), sa.column("evaluated_at"))
                               .insert(), [dict(logger_id=1, evaluated_at=NOW, **marks)])
        migrate.upgrade(runtime.engine)
        with runtime.engine.begin() as connection:
            new = insert(connection, 1, 10)
        consumers = Consumers(runtime)
        consumers.run()
        with runtime.sessions() as session:
            assert session.exec(select(Reading.xid).where(Reading.id == old[0])).one() == 0
            folded = session.exec(select(func.sum(ReadingRollup.count))
                                  .where(ReadingRollup.level_s == LEVELS_S[0])).one()
            mark = session.get(EvaluationMark, 1)
        assert folded == consumers.looked_at == 3  # old[3], old[4] and the new one
        assert consumers.unscanned() == [] and mark is not None and mark.last_reading_id == new
    finally:
        runtime.close()
