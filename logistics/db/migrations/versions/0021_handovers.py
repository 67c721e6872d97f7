"""hand-overs: the chain of custody along a shipment's route

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-20 10:00:00.000000

Each time the box changes hands on its way (shipper, carrier, customs broker, courier) the parties record
when, where, in what condition and who; the pharmacy's receipt is the last hand-over. A shipment counts
the generations of its one-shipment hand-over links, so that raising the number ends the links made so far.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import logistics.db.types


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('from_party', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('to_party', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('leg_sequence', sa.Integer(), nullable=True),
    sa.Column('seals_intact', sa.Boolean(), nullable=False),
    sa.Column('packaging_intact', sa.Boolean(), nullable=False),
    sa.Column('coolant_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('recorded_via', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('recorded_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handovers_shipment_id'), ['shipment_id'], unique=False)

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handover_links', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_column('handover_links')

    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handovers_shipment_id'))
    op.drop_table('handovers')
