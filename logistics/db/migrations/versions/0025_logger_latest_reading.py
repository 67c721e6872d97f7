"""Each logger's latest reading on its row, for the dashboard

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 10:00:00.000000

The time and temperature of a logger's newest reading with a temperature, which ingest keeps from now
on; filled here from the readings already stored.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import logistics.db.types


revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One index seek on (logger_id, device_time) per logger and column; times are copied as stored, so
# they keep the form each backend stores (SQLite's text with six fractional digits).
NEWEST = ("(SELECT {column} FROM readings WHERE readings.logger_id = loggers.id "
          "AND readings.temperature_c IS NOT NULL ORDER BY readings.device_time DESC LIMIT 1)")
BACKFILL = (f"UPDATE loggers SET latest_at = {NEWEST.format(column='device_time')}, "
            f"latest_temperature_c = {NEWEST.format(column='temperature_c')}")


def upgrade() -> None:
    with op.batch_alter_table('loggers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_at', logistics.db.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('latest_temperature_c', sa.Float(), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table('loggers', schema=None) as batch_op:
        batch_op.drop_column('latest_temperature_c')
        batch_op.drop_column('latest_at')
