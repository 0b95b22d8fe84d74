"""member_period: drop ix_member_period_member_id, a prefix of ix_member_period_open (member, end,
start, org), which serves every lookup by member

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 06:10:00.000000
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member_period', schema=None) as batch_op:
        batch_op.drop_index('ix_member_period_member_id')


def downgrade() -> None:
    with op.batch_alter_table('member_period', schema=None) as batch_op:
        batch_op.create_index('ix_member_period_member_id', ['member_id'], unique=False)
