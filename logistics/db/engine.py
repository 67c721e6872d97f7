"""Engine and session construction. Called by the composition root, never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InternalError, OperationalError, StatementError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from logistics import paths
from logistics.db.audit import install_audit_trail
from logistics.db.text_limits import install_text_limits


def resolve_database_url(url: str) -> str:
    """Make a relative SQLite path absolute from the project root, so any working directory works."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    path = Path(parsed.database).expanduser()
    if not path.is_absolute():
        path = paths.data_root() / path
    return parsed.set(database=str(path)).render_as_string(hide_password=False)


# What a database raises when it cannot take a change for now: away, locked, disk full, read-only.
REFUSALS = (OperationalError, InternalError)


# PEP 249's errors that come from the values a statement carried; every other database error (the link,
# locks, disk, permissions, the schema) is the database's state, which no message can be blamed for.
_VALUE_ERRORS = frozenset({"DataError", "IntegrityError"})
_DATABASE_ERRORS = frozenset({"DatabaseError", "InterfaceError", "SQLAlchemyError"})


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database cannot take changes for now, whatever was sent to it.

    Works for SQLAlchemy's wrapped errors and for the driver's own (the telemetry hot path uses the
    driver's cursor directly). Errors that are not the database's (a value Python cannot convert)
    are the data's fault, except a broken connection.
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, StatementError) and not isinstance(error, DBAPIError) and error.orig is not None:
        return is_outage(error.orig)  # raised while binding a value, before the database saw it
    names = {kind.__name__ for kind in type(error).__mro__}
    if names & _VALUE_ERRORS:
        return False
    return bool(names & _DATABASE_ERRORS) or isinstance(error, OSError)


def refusal_reason(error: DBAPIError) -> str:
    """The database's own first line, e.g. "database or disk is full", without the SQL statement."""
    return str(error.orig or error).strip().splitlines()[0]


def make_engine(database_url: str, *, sqlite_busy_timeout_ms: int = 5000) -> Engine:
    """An engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL."""
    url = resolve_database_url(database_url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that write the audit trail for every change to a GxP record."""
    factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
    install_audit_trail(factory)
    install_text_limits(factory)
    return factory


def begin_writing(connection: Connection) -> None:
    """Start a transaction that will write. On SQLite, take the write lock now (BEGIN IMMEDIATE).

    A deferred transaction that reads first and writes later fails at once with "database is
    locked" when another writer committed in between (its snapshot is stale, so SQLite cannot wait);
    taking the lock first makes it wait its turn (busy timeout) instead.
    """
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], *, actor: str, reason: str | None = None, at: datetime | None = None
) -> Iterator[Session]:
    """A session that commits on success and rolls back on error; `actor` signs the audit events, stamped
    now, or at `at` where a history is recorded in time order (the demo's past)."""
    with factory(info={"actor": actor, "reason": reason, "at": at}) as session:
        with session.begin():
            begin_writing(session.connection())
            yield session
