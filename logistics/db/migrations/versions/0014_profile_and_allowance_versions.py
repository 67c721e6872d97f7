"""storage profile and item allowance versions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:07:17.732321

Storage profiles and items' stability allowances become records, one row per version (a change adds
one; none is edited). `logistics init` copies config/profiles.toml into a database that has none, and
each item's allowance as it stands into its first version. Items carry the activation energy of their
current allowance beside its budget and limit.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import logistics.db.types


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('storage_profile_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('min_c', sa.Float(), nullable=True),
    sa.Column('max_c', sa.Float(), nullable=True),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('shock_g', sa.Float(), nullable=False),
    sa.Column('max_hold_minutes', sa.Float(), nullable=True),
    sa.Column('activation_energy_kj', sa.Float(), nullable=False),
    sa.Column('gap_severity', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'version')
    )
    op.create_table('item_allowance_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('budget_s', sa.Float(), nullable=False),
    sa.Column('limit_c', sa.Float(), nullable=False),
    sa.Column('activation_energy_kj', sa.Float(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'version')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activation_energy_kj', sa.Float(), server_default='83.144', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('activation_energy_kj')
    op.drop_table('item_allowance_versions')
    op.drop_table('storage_profile_versions')
