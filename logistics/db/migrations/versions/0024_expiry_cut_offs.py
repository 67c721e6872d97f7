"""Each item's do-not-count and do-not-dispense days beside its do-not-ship days

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 09:00:00.000000

The expiry cut-offs (core.expiry_cut_offs): stock within an item's do-not-count days of expiry is not
counted as usable, and a lot is not dispensed within its do-not-dispense days (0 for the items there are).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('do_not_count_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('do_not_dispense_days', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('do_not_dispense_days')
        batch_op.drop_column('do_not_count_days')
