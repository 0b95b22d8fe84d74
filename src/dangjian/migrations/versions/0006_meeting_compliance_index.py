"""meeting index covering the compliance of a branch: (org, kind, day) with group and attendance counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 05:00:00.000000
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(
            'ix_meeting_org_kind',
            ['org_id', 'kind', 'held_on', 'group_id', 'present_count', 'excused_count', 'absent_count'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_org_kind')
