"""meeting_attendance WITHOUT ROWID on SQLite: the rows live in the primary key's b-tree, one
b-tree written and stored instead of two (the demo city's 11 million rows load faster)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:00:00.000000
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return  # a SQLite storage option; PostgreSQL's table is unchanged
    with op.batch_alter_table(
        'meeting_attendance', recreate='always', table_kwargs={'sqlite_with_rowid': with_rowid}
    ):
        pass


def upgrade() -> None:
    _rebuild(False)


def downgrade() -> None:
    _rebuild(True)
