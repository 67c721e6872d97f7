"""SQLite: times written by the ingest's fast path get their six fractional digits

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 14:40:00

The ingest wrote whole-second times as "2026-03-01 02:00:00" while SQLAlchemy writes and compares
"2026-03-01 02:00:00.000000"; on SQLite times compare as text, so such readings fell outside windows
that start exactly at them. PostgreSQL stores real timestamps and needs nothing.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHORT = "length({column}) = 19"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # A moment stored both ways would collide on (logger_id, device_time): keep the complete one.
    op.execute("DELETE FROM readings WHERE length(device_time) = 19 AND EXISTS (SELECT 1 FROM readings AS "
               "full WHERE full.logger_id = readings.logger_id AND full.device_time = readings.device_time "
               "|| '.000000')")
    for table, column in (("readings", "device_time"), ("readings", "received_at"),
                          ("loggers", "last_seen_at")):
        op.execute(f"UPDATE {table} SET {column} = {column} || '.000000' WHERE {SHORT.format(column=column)}")


def downgrade() -> None:
    pass  # the complete form is what SQLAlchemy writes anyway; nothing to undo
