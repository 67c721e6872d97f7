"""storage zones, watched by loggers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00.000000

A site's storage zones (a fridge, an ultra-low freezer), each with its storage profile. A logger's
assignment, and an excursion record, now belong to a shipment or to a storage zone: exactly one of
the two columns is set. Downgrading deletes what belonged to a zone.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_PLACE = '(shipment_id IS NULL) <> (storage_zone_id IS NULL)'


def upgrade() -> None:
    op.create_table('storage_zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('storage_profile', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('storage_zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_zones_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('logger_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_zone_id', sa.Integer(), nullable=True))
        batch_op.alter_column('shipment_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_logger_assignments_storage_zone_id'), ['storage_zone_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_logger_assignments_storage_zone_id', 'storage_zones',
                                    ['storage_zone_id'], ['id'])
        batch_op.create_check_constraint('ck_logger_assignments_one_place', ONE_PLACE)

    with op.batch_alter_table('excursions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_zone_id', sa.Integer(), nullable=True))
        batch_op.alter_column('shipment_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_excursions_storage_zone_id'), ['storage_zone_id'], unique=False)
        batch_op.create_foreign_key('fk_excursions_storage_zone_id', 'storage_zones', ['storage_zone_id'], ['id'])
        batch_op.create_unique_constraint('uq_excursions_zone_logger_rule_start',
                                          ['storage_zone_id', 'logger_id', 'rule', 'start'])
        batch_op.create_check_constraint('ck_excursions_one_place', ONE_PLACE)


def downgrade() -> None:
    op.execute('DELETE FROM excursions WHERE storage_zone_id IS NOT NULL')
    op.execute('DELETE FROM evaluation_progress WHERE assignment_id IN '
               '(SELECT id FROM logger_assignments WHERE storage_zone_id IS NOT NULL)')
    op.execute('DELETE FROM logger_assignments WHERE storage_zone_id IS NOT NULL')
    with op.batch_alter_table('excursions', schema=None) as batch_op:
        batch_op.drop_constraint('ck_excursions_one_place', type_='check')
        batch_op.drop_constraint('uq_excursions_zone_logger_rule_start', type_='unique')
        batch_op.drop_constraint('fk_excursions_storage_zone_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_excursions_storage_zone_id'))
        batch_op.alter_column('shipment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('storage_zone_id')

    with op.batch_alter_table('logger_assignments', schema=None) as batch_op:
        batch_op.drop_constraint('ck_logger_assignments_one_place', type_='check')
        batch_op.drop_constraint('fk_logger_assignments_storage_zone_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_logger_assignments_storage_zone_id'))
        batch_op.alter_column('shipment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('storage_zone_id')

    with op.batch_alter_table('storage_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_zones_site_id'))

    op.drop_table('storage_zones')
