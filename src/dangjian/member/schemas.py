from datetime import date

from pydantic import BaseModel, ConfigDict

from dangjian.member.codes import Employment, Gender, LeaveReason, MemberStatus, Occupation


class MemberFields(BaseModel):
    """Fields a user may set; every one optional so that the same shape serves edits."""

    name: str | None = None
    gender: Gender | None = None
    ethnicity: str | None = None
    birth_on: date | None = None
    id_number: str | None = None
    education: str | None = None
    occupation: Occupation | None = None
    employment: Employment | None = None
    joined_on: date | None = None
    confirmed_on: date | None = None
    post: str | None = None
    org_id: int | None = None
    unit_id: int | None = None
    is_floating: bool | None = None
    outflow_place: str | None = None
    inflow_org_id: int | None = None
    inflow_place: str | None = None
    lost_contact_on: date | None = None
    phone: str | None = None
    address: str | None = None


class MemberCreate(MemberFields):
    name: str
    id_number: str
    ethnicity: str = "01"
    education: str
    occupation: Occupation
    employment: Employment = Employment.in_service
    joined_on: date


class MemberUpdate(MemberFields):
    pass


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    gender: Gender
    ethnicity: str
    birth_on: date
    id_number: str
    education: str
    occupation: Occupation
    employment: Employment
    joined_on: date
    confirmed_on: date | None
    post: str | None
    org_id: int | None
    unit_id: int | None
    is_floating: bool
    outflow_place: str | None
    inflow_org_id: int | None
    inflow_place: str | None
    lost_contact_on: date | None
    phone: str | None
    address: str | None
    status: MemberStatus
    left_on: date | None
    left_reason: LeaveReason | None
    version: int
