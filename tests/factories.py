"""Typed factory helpers that build test data through the services (so history rows are right)."""

import itertools
from datetime import date

from sqlalchemy.orm import Session

from dangjian.kit.idcard import make_id_number
from dangjian.member import service as member_service
from dangjian.member.codes import Employment, Occupation
from dangjian.member.models import Member
from dangjian.member.schemas import MemberCreate
from dangjian.org import service as org_service
from dangjian.org.codes import OrgKind
from dangjian.org.models import Organization
from dangjian.org.schemas import OrgCreate

TODAY = date(2025, 12, 31)
_serial = itertools.count(1)


def make_org(
    session: Session,
    parent: Organization | None = None,
    *,
    kind: OrgKind | None = None,
    name: str | None = None,
    founded_on: date = date(2000, 1, 1),
    **fields,
) -> Organization:
    n = next(_serial)
    kind = kind or (OrgKind.local_committee if parent is None else OrgKind.branch)
    data = OrgCreate(
        parent_id=parent.id if parent else None,
        name=name or f"测试党组织{n}",
        kind=kind,
        founded_on=founded_on,
        **fields,
    )
    return org_service.create_org(session, data, actor="test", today=TODAY)


ADDRESSES = ("430421", "430422", "430423", "430424", "430426", "430481", "430405", "430406")  # not 430482: tests use it as "other"


def new_id_number(birth_on: date = date(1980, 5, 17), gender: str = "male") -> str:
    """A valid number never handed out before in this process (500 per address code and day)."""
    n = next(_serial)
    sequence = (n % 500) * 2 + (1 if gender == "male" else 0)
    return make_id_number(ADDRESSES[(n // 500) % len(ADDRESSES)], birth_on, sequence)


def make_member(
    session: Session,
    org: Organization | None,
    *,
    birth_on: date = date(1980, 5, 17),
    gender: str = "male",
    joined_on: date = date(2005, 7, 1),
    confirmed_on: date | None = date(2006, 7, 1),
    education: str = "21",
    occupation: Occupation = Occupation.worker,
    employment: Employment = Employment.in_service,
    effective_on: date | None = None,
    **fields,
) -> Member:
    data = MemberCreate(
        name=fields.pop("name", f"党员{next(_serial)}"),
        id_number=fields.pop("id_number", None) or new_id_number(birth_on, gender),
        org_id=org.id if org is not None else None,
        joined_on=joined_on,
        confirmed_on=confirmed_on,
        education=education,
        occupation=occupation,
        employment=employment,
        **fields,
    )
    return member_service.create_member(session, data, actor="test", effective_on=effective_on, today=TODAY)
