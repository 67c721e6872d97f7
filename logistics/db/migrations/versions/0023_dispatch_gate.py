"""The dispatch gate: QA's overrides, and each item's do-not-ship window

Revision ID: 0023
Revises: 0022
Create Date: 2027-01-05 10:00:00.000000

An override by QA lets a shipment leave despite the reasons the dispatch gate found (kept as they read,
with why and by whom); an item's do-not-ship window is the days before a lot's expiry that it no longer
leaves (0 for the items there are).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import logistics.db.types


revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dispatch_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('why', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dispatch_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_overrides_shipment_id'), ['shipment_id'], unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('do_not_ship_days', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('do_not_ship_days')
    with op.batch_alter_table('dispatch_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_overrides_shipment_id'))
    op.drop_table('dispatch_overrides')
