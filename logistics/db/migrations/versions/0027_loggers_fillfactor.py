"""Loggers' rows leave room for their own updates (PostgreSQL fillfactor 10)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 01:00:00.000000

The ingest updates each logger's row (last contact, battery, latest reading) in every batch it stores,
and the foreign-key check of every reading it inserts looks that row up. PostgreSQL prunes a row's
dead versions only once its page is nearly full, so on a page of a few loggers each lookup walked an
ever longer chain of versions: storing a batch took about a third longer than a bare COPY. With pages
kept 90 % free, the versions are pruned as the ingest goes. SQLite has no such setting.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE loggers SET (fillfactor = 10)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE loggers RESET (fillfactor)")
