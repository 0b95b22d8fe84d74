"""/dicts: every code list's Chinese labels, generated from the enums (no label is written twice)."""

from fastapi import APIRouter
from pydantic import BaseModel

from dangjian.auth.roles import Role
from dangjian.meeting import codes as meeting_codes
from dangjian.member import codes as member_codes
from dangjian.org import codes as org_codes

router = APIRouter()


class Choice(BaseModel):
    value: str
    label: str
    group: str | None = None


ENUMS = (
    org_codes.DivisionLevel, org_codes.DivisionKind, org_codes.UnitKind, org_codes.UnitStatus, org_codes.OrgKind,
    org_codes.VillageClass, org_codes.DissolveReason, member_codes.Gender, member_codes.EducationGroup,
    member_codes.Occupation, member_codes.Employment, member_codes.MemberStatus, member_codes.LeaveReason,
    member_codes.MemberEventKind, Role, meeting_codes.MeetingKind, meeting_codes.AttendanceStatus,
    meeting_codes.KindStatus, meeting_codes.LifeStatus, meeting_codes.Signal,
)


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def all_dicts() -> dict[str, list[Choice]]:
    dicts = {snake(enum.__name__): [Choice(value=m.value, label=m.label) for m in enum] for enum in ENUMS}
    dicts["ethnicity"] = [Choice(value=code, label=name) for code, name in member_codes.ETHNICITIES.items()]
    dicts["education"] = [
        Choice(value=code, label=name, group=group.value) for code, (name, group) in member_codes.EDUCATIONS.items()
    ]
    return dicts


@router.get("/dicts", response_model=dict[str, list[Choice]], summary="全部代码表及中文名称")
def get_dicts() -> dict[str, list[Choice]]:
    return all_dicts()
