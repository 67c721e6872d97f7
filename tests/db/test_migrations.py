"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from logistics.app import build_runtime
from logistics.db import migrate
from tests.conftest import settings_for


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(database_url):
    runtime = build_runtime(settings_for(database_url))
    try:
        assert migrate.current_revision(runtime.engine) is None
        migrate.upgrade(runtime.engine)
        assert migrate.current_revision(runtime.engine) == migrate.head_revision(runtime.engine)
        with runtime.engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        assert drift == []
        tables = set(inspect(runtime.engine).get_table_names())
        assert {"shipments", "readings", "audit_events", "users", "logger_assignments"} <= tables
        migrate.downgrade(runtime.engine, "base")
        assert set(inspect(runtime.engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(runtime.engine)  # and back up again
        assert migrate.current_revision(runtime.engine) == migrate.head_revision(runtime.engine)
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
