"""geofences: a site's centre and radius, the milestone detector's state, light and door readings

Revision ID: 0020
Revises: 0019
Create Date: 2027-01-06 10:00:00.000000

A site may carry a geofence (latitude, longitude, radius in metres: all three or none, each in its
plausible range). The milestone detector reads the readings once each (its cursor) and keeps, per
logger in a shipment, where the logger's fixes put it and whether its shipper is open. Readings keep the
light on the sensor (lux) and a door or lid contact where the logger reports them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import logistics.db.types

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FENCE_WHOLE = "(latitude IS NULL) = (longitude IS NULL) AND (latitude IS NULL) = (radius_m IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('radius_m', sa.Float(), nullable=True))
        batch_op.create_check_constraint('ck_sites_fence_whole', FENCE_WHOLE)
        batch_op.create_check_constraint('ck_sites_latitude', 'latitude BETWEEN -90 AND 90')
        batch_op.create_check_constraint('ck_sites_longitude', 'longitude BETWEEN -180 AND 180')
        batch_op.create_check_constraint('ck_sites_radius', 'radius_m BETWEEN 50 AND 50000')

    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('light_lux', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('door_open', sa.Boolean(), nullable=True))

    op.create_table('geofence_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_reading_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('geofence_tracks',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('opened', sa.Boolean(), nullable=False),
    sa.Column('light_checked_at', logistics.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['logger_assignments.id'], ),
    sa.PrimaryKeyConstraint('assignment_id')
    )


def downgrade() -> None:
    op.drop_table('geofence_tracks')
    op.drop_table('geofence_cursor')
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_column('door_open')
        batch_op.drop_column('light_lux')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_constraint('ck_sites_radius', type_='check')
        batch_op.drop_constraint('ck_sites_longitude', type_='check')
        batch_op.drop_constraint('ck_sites_latitude', type_='check')
        batch_op.drop_constraint('ck_sites_fence_whole', type_='check')
        batch_op.drop_column('radius_m')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
