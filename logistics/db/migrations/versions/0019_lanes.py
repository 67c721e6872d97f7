"""lanes: route templates, and the lane a shipment was planned from

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-16 10:00:00.000000

A lane is an origin and a destination with its legs (mode, sites, carrier, wait and planned duration),
the packaging and its qualified hold time, the storage profiles it carries, the loggers per box and the
coolant. A shipment may name the lane it was planned from, and now records its coolant (with net kg).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import logistics.db.types


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lanes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('origin_id', sa.Integer(), nullable=False),
    sa.Column('destination_id', sa.Integer(), nullable=False),
    sa.Column('packaging', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('packaging_hold_s', sa.Float(), nullable=True),
    sa.Column('storage_profiles', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('loggers_per_box', sa.Integer(), nullable=False),
    sa.Column('coolant', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('coolant_kg', sa.Float(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('created_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['destination_id'], ['sites.id'], ),
    sa.ForeignKeyConstraint(['origin_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('lanes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lanes_origin_id'), ['origin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lanes_destination_id'), ['destination_id'], unique=False)

    op.create_table('lane_legs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lane_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('from_site_id', sa.Integer(), nullable=False),
    sa.Column('to_site_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('wait_s', sa.Float(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['from_site_id'], ['sites.id'], ),
    sa.ForeignKeyConstraint(['lane_id'], ['lanes.id'], ),
    sa.ForeignKeyConstraint(['to_site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lane_id', 'sequence')
    )
    with op.batch_alter_table('lane_legs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lane_legs_lane_id'), ['lane_id'], unique=False)

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('coolant', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('coolant_kg', sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f('ix_shipments_lane_id'), ['lane_id'], unique=False)
        batch_op.create_foreign_key('fk_shipments_lane_id', 'lanes', ['lane_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_shipments_lane_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_shipments_lane_id'))
        batch_op.drop_column('coolant_kg')
        batch_op.drop_column('coolant')
        batch_op.drop_column('lane_id')

    with op.batch_alter_table('lane_legs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lane_legs_lane_id'))
    op.drop_table('lane_legs')

    with op.batch_alter_table('lanes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lanes_destination_id'))
        batch_op.drop_index(batch_op.f('ix_lanes_origin_id'))
    op.drop_table('lanes')
