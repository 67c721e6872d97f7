from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import StatementError
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Site
from logistics.db.types import NaiveDatetimeError, UTCDateTime, sqlite_time_text

BANGKOK = timezone(timedelta(hours=7))
ZONES = [UTC, BANGKOK, timezone(-timedelta(hours=9, minutes=30))]


def test_times_are_stored_in_utc_and_read_back_aware(runtime):
    with unit_of_work(runtime.sessions, actor="test") as session:
        session.add(Logger(code="LG-1", serial="S1",
                           last_seen_at=datetime(2026, 11, 24, 19, 30, tzinfo=BANGKOK)))
    with runtime.sessions() as session:
        seen = session.exec(select(Logger.last_seen_at)).one()
    assert seen == datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
    assert seen.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(runtime):
    with pytest.raises(StatementError) as raised:
        with unit_of_work(runtime.sessions, actor="test") as session:
            session.add(Logger(code="LG-2", serial="S2", last_seen_at=datetime(2026, 11, 24, 12)))
    assert isinstance(raised.value.orig, NaiveDatetimeError)
    with runtime.sessions() as session:
        assert session.exec(select(Logger)).all() == []


def test_foreign_keys_are_enforced(runtime):
    from sqlalchemy.exc import IntegrityError

    from logistics.db.models import Lot

    with pytest.raises(IntegrityError):
        with unit_of_work(runtime.sessions, actor="test") as session:
            session.add(Lot(item_id=999, lot_number="L1", expiry=datetime(2027, 1, 1).date()))
    with runtime.sessions() as session:
        assert session.exec(select(Site)).all() == []


@settings(max_examples=400, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                           timezones=st.sampled_from(ZONES)))
def test_the_ingest_writes_a_time_as_the_text_sqlalchemy_stores(moment):
    dialect = SQLiteDialect_pysqlite()
    assert sqlite_time_text(moment) == UTCDateTime().dialect_impl(dialect).bind_processor(dialect)(moment)


def test_the_ingest_refuses_a_naive_time_as_the_column_does():
    with pytest.raises(NaiveDatetimeError):
        sqlite_time_text(datetime(2026, 11, 24, 12))
