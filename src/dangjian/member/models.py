from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dangjian.db import Base, UtcDateTime


class Member(Base):
    """党员: the current record. Members are never deleted; they leave through a reason."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[str] = mapped_column(String(8))
    ethnicity: Mapped[str] = mapped_column(String(2))
    birth_on: Mapped[date] = mapped_column(Date)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    education: Mapped[str] = mapped_column(String(2))
    occupation: Mapped[str] = mapped_column(String(16))
    employment: Mapped[str] = mapped_column(String(16))
    joined_on: Mapped[date] = mapped_column(Date)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    post: Mapped[str | None] = mapped_column(String(64))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    is_floating: Mapped[bool] = mapped_column(Boolean, default=False)
    outflow_place: Mapped[str | None] = mapped_column(String(128))
    inflow_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    inflow_place: Mapped[str | None] = mapped_column(String(128))
    lost_contact_on: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default="active")
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())

    # The roster's searches: a subtree's members by name, and those floating into it.
    __table_args__ = (
        Index("ix_member_org_status_name", "org_id", "status", "name"),
        Index("ix_member_inflow_status", "inflow_org_id", "status"),
    )


class MemberPeriod(Base):
    """A span of days over which a member's organization and statistical attributes held.

    Statistics as of a date read the periods covering it (start_on <= day < end_on), so a member
    who joined later or left earlier is counted as of that day. The current state of a member is
    the open period (end_on is null); `member_service` keeps it equal to the member row.
    """

    __tablename__ = "member_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))  # indexed by ix_member_period_open
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    inflow_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    gender: Mapped[str] = mapped_column(String(8))
    ethnicity: Mapped[str] = mapped_column(String(2))
    birth_on: Mapped[date] = mapped_column(Date)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    education: Mapped[str] = mapped_column(String(2))
    occupation: Mapped[str] = mapped_column(String(16))
    employment: Mapped[str] = mapped_column(String(16))
    has_post: Mapped[bool] = mapped_column(Boolean)
    is_floating: Mapped[bool] = mapped_column(Boolean)
    is_lost_contact: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        # Both cover "who belonged where on a day" (a branch's roster, a member's branch) without
        # reading the rows, as the city-wide organizational-life checks ask it for every member.
        Index("ix_member_period_open", "member_id", "end_on", "start_on", "org_id"),
        Index("ix_member_period_org_id", "org_id", "end_on", "start_on", "confirmed_on"),
    )


class MemberEvent(Base):
    """A dated event of a member's history (joined, confirmed, moved, left, ...)."""

    __tablename__ = "member_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[date] = mapped_column(Date)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
