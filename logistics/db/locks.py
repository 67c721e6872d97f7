"""Named locks that make a read-then-write decision atomic across processes (count, then record).

PostgreSQL: a transaction-scoped advisory lock, so it also covers rows that do not exist yet (a first
attempt for a user name has no row to `SELECT ... FOR UPDATE`). SQLite: the database's single writer
lock, taken at the start of the transaction (BEGIN IMMEDIATE), already serialises every writer.
Either way the lock is released when the transaction commits or rolls back.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import text
from sqlmodel import Session

from logistics.db.engine import begin_writing


class Lock(IntEnum):
    """Advisory lock keys; any constants, distinct from each other and from the audit chain's."""

    SIGN_IN = 7_201_012
    SIGNING = 7_201_013


def hold(session: Session, lock: Lock) -> None:
    """Hold `lock` until the session's transaction ends. Call before the transaction's first read."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(lock)})
    else:
        begin_writing(connection)
