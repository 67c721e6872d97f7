"""item gtin

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09 09:00:00.000000

An item's GTIN-14, as the GS1 barcode on its pack carries it (optional, unique): a pack scanned at
receiving finds its shipment line by it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gtin', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True))
        batch_op.create_unique_constraint('uq_items_gtin', ['gtin'])


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('uq_items_gtin', type_='unique')
        batch_op.drop_column('gtin')
