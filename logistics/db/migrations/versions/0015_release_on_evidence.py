"""release on evidence: excursion assessments, the lot booked, evidence changed after a decision

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 10:00:00.000000

QA's structured assessment of each excursion for a lot (append-only, as signatures are: assessing again
adds a row); on receipt lines, the lot the stock is booked under once QA accepted the lot read on the
pack, and when and why evidence changed after the line was decided. The stock status `on_hold` needs
no change to the schema.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import logistics.db.types


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "excursion_assessments"


def _append_only() -> list[str]:
    table = APPEND_ONLY
    if op.get_bind().dialect.name == "postgresql":
        return [f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION '{table} is append-only'; END $$""",
                f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
                    ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"""]
    return [f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""" for verb in ("UPDATE", "DELETE")]


def _drop_append_only() -> list[str]:
    table = APPEND_ONLY
    if op.get_bind().dialect.name == "postgresql":
        return [f"DROP TRIGGER {table}_append_only ON {table}", f"DROP FUNCTION {table}_append_only()"]
    return [f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"]


def _add_booked_lot() -> None:
    """receipt_lines.lot_id with its foreign key. SQLite adds both in one ALTER TABLE; batch mode would copy
    the table instead, which stock movements refer to."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE receipt_lines ADD COLUMN lot_id INTEGER REFERENCES lots (id)")
        return
    op.add_column('receipt_lines', sa.Column('lot_id', sa.Integer(), nullable=True))
    op.create_foreign_key('fk_receipt_lines_lot_id_lots', 'receipt_lines', 'lots', ['lot_id'], ['id'])


def upgrade() -> None:
    _add_booked_lot()
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_changed_at', logistics.db.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('evidence_change', sqlmodel.sql.sqltypes.AutoString(length=1000),
                                      nullable=True))
    op.create_table('excursion_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('excursion_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('receipt_line_id', sa.Integer(), nullable=False),
    sa.Column('root_cause', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('leg_id', sa.Integer(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('excursion_start', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('excursion_end', logistics.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('excursion_duration_s', sa.Float(), nullable=False),
    sa.Column('excursion_peak', sa.Float(), nullable=True),
    sa.Column('excursion_severity', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('used_s', sa.Float(), nullable=False),
    sa.Column('budget_s', sa.Float(), nullable=True),
    sa.Column('limit_c', sa.Float(), nullable=True),
    sa.Column('assessed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('assessed_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['excursion_id'], ['excursions.id'], ),
    sa.ForeignKeyConstraint(['leg_id'], ['legs.id'], ),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], ),
    sa.ForeignKeyConstraint(['receipt_line_id'], ['receipt_lines.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('excursion_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excursion_assessments_excursion_id'), ['excursion_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_excursion_assessments_lot_id'), ['lot_id'], unique=False)
    for statement in _append_only():
        op.execute(statement)


def downgrade() -> None:
    for statement in _drop_append_only():
        op.execute(statement)
    with op.batch_alter_table('excursion_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excursion_assessments_lot_id'))
        batch_op.drop_index(batch_op.f('ix_excursion_assessments_excursion_id'))
    op.drop_table('excursion_assessments')
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.drop_column('evidence_change')
        batch_op.drop_column('evidence_changed_at')
        batch_op.drop_column('lot_id')
