"""Readings carry the id of the transaction that inserted them; consumers keep (xid, id) positions

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:30:00.000000

On PostgreSQL, inserts of readings no longer take turns: scans, rollups and the geofence read readings in
(xid, id) order below a watermark instead (logistics.db.reading_order). The readings already stored keep
xid 0 (all long committed), and each mark keeps its id with xid 0: the rows after it, old ones with a
larger id and every new one (xid > 0), are exactly those it has not processed. On SQLite xid stays 0.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKS = ('evaluation_marks', 'rollup_cursor', 'geofence_cursor')
# The 64-bit id (epoch and xid), which never wraps; assigned by the first insert of the transaction.
INSERTING_TRANSACTION = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    # A constant default fills the existing rows without rewriting the table; the transaction's id is the
    # default for new rows only from then on.
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xid', sa.BigInteger(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('readings', 'xid', server_default=sa.text(INSERTING_TRANSACTION))
        op.create_index('ix_readings_xid_id', 'readings', ['xid', 'id'])
    for table in MARKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('last_xid', sa.BigInteger(), nullable=False, server_default='0'))


def downgrade() -> None:
    for table in MARKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_xid')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_readings_xid_id', table_name='readings')
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_column('xid')
