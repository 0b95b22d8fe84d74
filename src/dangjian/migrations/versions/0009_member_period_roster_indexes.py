"""member_period indexes that cover a roster on a day: (org, end, start, confirmed) and (member,
end, start, org)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 04:10:00.000000
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member_period', schema=None) as batch_op:
        batch_op.drop_index('ix_member_period_open')
        batch_op.drop_index('ix_member_period_org_id')
        batch_op.create_index('ix_member_period_open', ['member_id', 'end_on', 'start_on', 'org_id'], unique=False)
        batch_op.create_index('ix_member_period_org_id', ['org_id', 'end_on', 'start_on', 'confirmed_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_period', schema=None) as batch_op:
        batch_op.drop_index('ix_member_period_org_id')
        batch_op.drop_index('ix_member_period_open')
        batch_op.create_index('ix_member_period_org_id', ['org_id'], unique=False)
        batch_op.create_index('ix_member_period_open', ['member_id', 'end_on'], unique=False)
