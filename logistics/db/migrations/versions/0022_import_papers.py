"""Thai import papers: the import permit register, HS codes, invoice numbers, net weights, no free liquid

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-20 10:00:00.000000

The register of import permits (number, holder, issued and expiry days, the trial's protocol number) and
the items each covers; an item's HS code; a shipment's invoice number; a shipment line's net weight (the
lot already keeps its manufacture date); and a lane's word that its LN2 dry shipper holds no free liquid.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import logistics.db.types


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_permits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('issued', sa.Date(), nullable=False),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('protocol_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('created_at', logistics.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('import_permit_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.ForeignKeyConstraint(['permit_id'], ['import_permits.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('permit_id', 'item_id')
    )
    with op.batch_alter_table('import_permit_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_permit_items_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_permit_items_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hs_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_number', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
    with op.batch_alter_table('shipment_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('net_weight_kg', sa.Float(), nullable=True))
    with op.batch_alter_table('lanes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_free_liquid', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lanes', schema=None) as batch_op:
        batch_op.drop_column('no_free_liquid')
    with op.batch_alter_table('shipment_lines', schema=None) as batch_op:
        batch_op.drop_column('net_weight_kg')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_column('invoice_number')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('hs_code')

    with op.batch_alter_table('import_permit_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_permit_items_item_id'))
        batch_op.drop_index(batch_op.f('ix_import_permit_items_permit_id'))
    op.drop_table('import_permit_items')
    op.drop_table('import_permits')
