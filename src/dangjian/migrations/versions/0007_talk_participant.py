"""talk_participant: who talked in each branch's 谈心谈话 per year, filled from the talk records

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'talk_participant',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('first_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_talk_participant_member_id_member')),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_talk_participant_org_id_organization')),
        sa.PrimaryKeyConstraint('org_id', 'year', 'member_id', name=op.f('pk_talk_participant')),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO talk_participant (org_id, year, member_id, first_on) "
        "SELECT m.org_id, CAST(substr(CAST(m.held_on AS VARCHAR(10)), 1, 4) AS INTEGER), a.member_id, min(m.held_on) "
        "FROM meeting m JOIN meeting_attendance a ON a.meeting_id = m.id "
        "WHERE m.kind = 'heart_to_heart_talk' AND a.status = 'present' "
        "GROUP BY m.org_id, CAST(substr(CAST(m.held_on AS VARCHAR(10)), 1, 4) AS INTEGER), a.member_id"
    )


def downgrade() -> None:
    op.drop_table('talk_participant')
