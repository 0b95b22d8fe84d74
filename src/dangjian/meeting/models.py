from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from dangjian.db import Base, UtcDateTime


class PartyGroup(Base):
    """党小组: a group of a branch's members (not a level of organization)."""

    __tablename__ = "party_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    founded_on: Mapped[date] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)


class PartyGroupMember(Base):
    __tablename__ = "party_group_member"

    group_id: Mapped[int] = mapped_column(ForeignKey("party_group.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)


class Meeting(Base):
    """One record of organizational life: a meeting, a lesson, a theme day or a talk.

    The attendance counts repeat what `meeting_attendance` holds, kept by the service in the same
    transaction, so that attendance rates over a city are sums over meetings, not over people.
    """

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("party_group.id"))
    kind: Mapped[str] = mapped_column(String(24))
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(128))
    host: Mapped[str | None] = mapped_column(String(64))
    speaker: Mapped[str | None] = mapped_column(String(64))
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    present_count: Mapped[int] = mapped_column(Integer, default=0)
    excused_count: Mapped[int] = mapped_column(Integer, default=0)
    absent_count: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())

    __table_args__ = (
        Index("ix_meeting_org_held", "org_id", "held_on"),
        # Covers the compliance roll-up, which reads every meeting of a period.
        Index("ix_meeting_held", "held_on", "org_id", "kind", "group_id"),
        # Covers the compliance of a branch: a period's records are one seek, its attendance sums and
        # last record are read from the index alone.
        Index("ix_meeting_org_kind", "org_id", "kind", "held_on", "group_id", "present_count", "excused_count",
              "absent_count"),
    )


class MeetingAttendance(Base):
    """Who was expected at a meeting and whether they came. `held_on` repeats the meeting's date so
    that a member's last organizational life is one index seek."""

    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)

    # On SQLite the rows live in the primary key's b-tree (no rowid table beside it): the demo
    # city's 11 million rows are written and stored once.
    # The member index carries the status, so that a member's attendance over a period (the
    # participation list, the lapse warning) is read from the index alone.
    __table_args__ = (Index("ix_meeting_attendance_member", "member_id", "held_on", "status"), {"sqlite_with_rowid": False})


class TalkParticipant(Base):
    """A member present at a branch's 谈心谈话 in a calendar year, with the first such day. Kept by
    the meeting service from the talk records (`service.refresh_talks`), so that a city's talk
    coverage reads one row per member who talked rather than every attendance row."""

    __tablename__ = "talk_participant"

    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    first_on: Mapped[date] = mapped_column(Date)

    __table_args__ = ({"sqlite_with_rowid": False},)


class MeetingAttachment(Base):
    """A file kept with a meeting record (sign-in sheet, photos, minutes scan)."""

    __tablename__ = "meeting_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
