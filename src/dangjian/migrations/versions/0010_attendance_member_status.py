"""meeting_attendance member index with the status: a member's attendance is read from the index

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:40:00.000000
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_attendance_member')
        batch_op.create_index('ix_meeting_attendance_member', ['member_id', 'held_on', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_attendance_member')
        batch_op.create_index('ix_meeting_attendance_member', ['member_id', 'held_on'], unique=False)
