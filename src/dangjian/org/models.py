from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from dangjian.db import Base, UtcDateTime


class Division(Base):
    """行政区划: city → county level → township level → village / community."""

    __tablename__ = "division"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    path: Mapped[str] = mapped_column(String(128), index=True)


class Unit(Base):
    """单位: the body an organization sits in."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="normal")
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Organization(Base):
    """党组织: a typed tree of any depth; `path` is the materialized path `/1/12/305/`."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    depth: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    founded_on: Mapped[date] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    dissolve_reason: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())

    __table_args__ = (Index("ix_organization_path", "path"),)


class OrgAncestor(Base):
    """Closure table over the organization tree, effective-dated so that subtrees can be taken as
    of any date: a row says `ancestor_id` was an ancestor (or, at depth 0, the organization itself)
    of `descendant_id` from `valid_from` until the day before `valid_to`."""

    __tablename__ = "org_ancestor"

    ancestor_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    valid_to: Mapped[date | None] = mapped_column(Date)
    depth: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_org_ancestor_descendant", "descendant_id"),)


class OrgClassification(Base):
    """分类定级 of a village (or other) organization for one year."""

    __tablename__ = "org_classification"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(16))

    __table_args__ = (UniqueConstraint("org_id", "year"),)
