"""the largest quantity of an item one entry may hold

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-15 10:00:00.000000

Each item may set the largest quantity one entry (a shipment line, a count at receipt, a stock
movement) may hold, in its unit of issue; empty, the `max_quantity` setting applies.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_quantity', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('max_quantity')
