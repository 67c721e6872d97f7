"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from logistics.app import build_runtime
from logistics.db import migrate
from logistics.db.types import UTCDateTime
from tests.conftest import settings_for


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(database_url):
    runtime = build_runtime(settings_for(database_url))
    try:
        assert migrate.current_revision(runtime.engine) is None
        migrate.upgrade(runtime.engine)
        assert migrate.current_revision(runtime.engine) == migrate.head_revision(runtime.engine)
        with runtime.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_object": migrate.schema_filter(connection.dialect.name)})
            drift = compare_metadata(context, SQLModel.metadata)
        assert drift == []
        tables = set(inspect(runtime.engine).get_table_names())
        assert {"shipments", "readings", "audit_events", "users", "logger_assignments"} <= tables
        migrate.downgrade(runtime.engine, "base")
        assert set(inspect(runtime.engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(runtime.engine)  # and back up again
        assert migrate.current_revision(runtime.engine) == migrate.head_revision(runtime.engine)
    finally:
        runtime.close()


def test_each_logger_gets_its_newest_reading_with_a_temperature_from_those_stored(database_url):
    """Migration 0025 fills the latest reading the dashboard reads from the logger's row."""
    loggers = sa.table("loggers", *(sa.column(name) for name in ("id", "code", "serial", "status")))
    readings = sa.table("readings", sa.column("logger_id"), sa.column("device_time", UTCDateTime()),
                        sa.column("received_at", UTCDateTime()), sa.column("temperature_c"),
                        sa.column("source"), sa.column("time_flagged"))
    at = datetime(2026, 3, 1, 2, 0, 0, 250_000, tzinfo=UTC)
    # Logger 1's newest reading has no temperature, nor has logger 2's only one; logger 3 has none.
    rows = [(1, at, 5.0), (1, at + timedelta(minutes=2), 7.5), (1, at + timedelta(minutes=1), 9.0),
            (1, at + timedelta(minutes=3), None), (2, at, None)]
    runtime = build_runtime(settings_for(database_url))
    try:
        migrate.upgrade(runtime.engine, "0023")
        with runtime.engine.begin() as connection:
            connection.execute(sa.insert(loggers), [dict(id=n, code=f"LG-{n}", serial=str(n), status="active")
                                                    for n in (1, 2, 3)])
            connection.execute(sa.insert(readings), [
                dict(logger_id=logger, device_time=time, received_at=at, temperature_c=temperature,
                     source="file", time_flagged=False) for logger, time, temperature in rows])
        migrate.upgrade(runtime.engine)
        with runtime.engine.connect() as connection:
            latest = sa.table("loggers", sa.column("id"), sa.column("latest_at", UTCDateTime()),
                              sa.column("latest_temperature_c"))
            found = connection.execute(sa.select(latest).order_by(latest.c.id)).all()
            # Stored as ingest stores times: the dashboard compares them with window bounds as stored.
            as_text = connection.execute(sa.text("SELECT count(*) FROM loggers JOIN readings ON "
                                                 "readings.logger_id = loggers.id AND "
                                                 "readings.device_time = loggers.latest_at")).scalar()
        assert [tuple(row) for row in found] == [(1, at + timedelta(minutes=2), 7.5), (2, None, None),
                                                 (3, None, None)]
        assert as_text == 1
    finally:
        runtime.close()


def test_readings_are_unique_per_logger_and_device_time(runtime):
    indexes = inspect(runtime.engine).get_indexes("readings")
    unique = [index for index in indexes if index["unique"]]
    assert [index["column_names"] for index in unique] == [["logger_id", "device_time"]]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_runtime):
    with sqlite_runtime.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert pragma("PRAGMA busy_timeout").scalar() == 5000


def test_an_assignment_and_an_excursion_belong_to_a_shipment_or_a_storage_zone_never_both(demo_runtime):
    """The database itself keeps the rule that migration 0016 added, on both backends."""
    with demo_runtime.engine.connect() as connection:
        run = connection.exec_driver_sql
        run("INSERT INTO storage_zones (site_id, code, name, storage_profile) "
            "SELECT id, 'SIR-FRIDGE-9', 'Fridge 9', 'refrigerated' FROM sites WHERE code = 'SIRIRAJ-PH'")
        zone = run("SELECT id FROM storage_zones WHERE code = 'SIR-FRIDGE-9'").scalar()
        shipment = run("SELECT min(id) FROM shipments").scalar()
        logger = run("SELECT min(id) FROM loggers").scalar()
        at = "'2026-03-14 02:00:00+00:00'"

        def assignment(shipment_id, zone_id):
            run("INSERT INTO logger_assignments (logger_id, shipment_id, storage_zone_id, starts_at) "
                f"VALUES ({logger}, {shipment_id}, {zone_id}, {at})")

        def record(shipment_id, zone_id):
            run("INSERT INTO excursions (shipment_id, storage_zone_id, logger_id, rule, kind, mode, "
                "severity, profile, profile_version, start, duration_s, status, found_at) VALUES "
                f"({shipment_id}, {zone_id}, {logger}, 'r', 'above', 'single', 'major', 'refrigerated', 1, "
                f"{at}, 0, 'open', {at})")

        for insert in (assignment, record):
            insert("NULL", zone)  # a zone alone: kept
            for shipment_id, zone_id in ((shipment, zone), ("NULL", "NULL")):
                with pytest.raises(IntegrityError), connection.begin_nested():
                    insert(shipment_id, zone_id)
        connection.rollback()
