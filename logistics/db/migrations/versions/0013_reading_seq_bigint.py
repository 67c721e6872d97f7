"""readings.seq as a 64-bit integer

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:20:00.000000

A logger's sequence number may be any 64-bit value (0 to 2**63-1). PostgreSQL held it in a 32-bit
INTEGER, so a sequence number past 2**31-1 made the database refuse the reading. SQLite's INTEGER is
64-bit already, so its table is left as it is (rebuilding the readings table would cost hours).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('readings', 'seq', type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('readings', 'seq', type_=sa.Integer(), existing_nullable=True)
