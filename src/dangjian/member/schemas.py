from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dangjian.member.codes import (
    EDUCATIONS,
    EducationGroup,
    Employment,
    Gender,
    LeaveReason,
    MemberEventKind,
    MemberStatus,
    Occupation,
)

# Ids are 32-bit integers in the database; larger numbers are refused before they reach it.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]


class MemberFields(BaseModel):
    """Fields a user may set; every one optional so that the same shape serves edits."""

    model_config = ConfigDict(extra="forbid")

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
    org_id: RecordId | None = None
    unit_id: RecordId | None = None
    is_floating: bool | None = None
    outflow_place: str | None = None
    inflow_org_id: RecordId | None = None
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


class MemberPatch(MemberUpdate):
    """PATCH body: the fields to change, the version read, and from when a change of situation holds."""

    version: Version
    effective_on: date | None = None


class MemberLeave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LeaveReason
    left_on: date
    version: Version


PersonalField = Literal["id_number", "phone", "address"]
PERSONAL_FIELDS: tuple[PersonalField, ...] = ("id_number", "phone", "address")


class RevealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: list[PersonalField] = Field(default=list(PERSONAL_FIELDS), min_length=1, max_length=3)


class RevealedPersonal(BaseModel):
    """Full personal data; a field not asked for is null."""

    id: int
    id_number: str | None
    phone: str | None
    address: str | None


class OrgRef(BaseModel):
    id: int
    name: str


class UnitRef(BaseModel):
    id: int
    name: str


class MemberListItem(BaseModel):
    """One row of the roster; ID number masked."""

    id: int
    name: str
    gender: Gender
    gender_label: str
    birth_on: date
    age: int
    id_number: str
    ethnicity: str
    ethnicity_label: str
    education: str
    education_label: str
    occupation: Occupation
    occupation_label: str
    employment: Employment
    employment_label: str
    joined_on: date
    confirmed_on: date | None
    is_probationary: bool
    post: str | None
    org: OrgRef | None
    inflow_org: OrgRef | None
    is_floating: bool
    lost_contact: bool
    status: MemberStatus
    status_label: str


class MemberPage(BaseModel):
    items: list[MemberListItem]
    total: int
    page: int
    page_size: int


class MemberDetail(MemberListItem):
    """One member; ID number, phone and address masked (the full values: POST /members/{id}/reveal)."""

    party_age: int | None
    unit: UnitRef | None
    outflow_place: str | None
    inflow_place: str | None
    lost_contact_on: date | None
    phone: str | None
    address: str | None
    left_on: date | None
    left_reason: LeaveReason | None
    left_reason_label: str | None
    version: int
    writable: bool = Field(description="调用者能否修改此党员（组织关系在其数据范围内且在册）")


class MemberEventRead(BaseModel):
    kind: MemberEventKind
    kind_label: str
    occurred_on: date
    org: OrgRef | None
    detail: dict[str, Any] | None = Field(description="变动内容，身份证号、电话和住址已脱敏")


class MemberPeriodRead(BaseModel):
    start_on: date
    end_on: date | None
    org: OrgRef | None
    inflow_org: OrgRef | None
    employment: Employment
    employment_label: str
    is_floating: bool
    is_lost_contact: bool


class MemberHistory(BaseModel):
    events: list[MemberEventRead]
    periods: list[MemberPeriodRead]


EducationCode = Literal[tuple(EDUCATIONS)]  # type: ignore[valid-type]  # GB/T 4658 codes
MemberSort = Literal["name", "-name", "birth_on", "-birth_on", "joined_on", "-joined_on", "id"]


class MemberQuery(BaseModel):
    """Filters, order and page of the roster (GET /members)."""

    org_id: RecordId | None = Field(None, description="党组织（含下级）；默认整个数据范围")
    name: str | None = Field(None, max_length=64, description="姓名（包含）")
    id_tail: str | None = Field(None, pattern=r"^[0-9]{3,5}[0-9Xx]$", description="公民身份号码末4至6位")
    status: MemberStatus = MemberStatus.active
    gender: Gender | None = None
    age_min: int | None = Field(None, ge=0, le=120, description="年龄下限（周岁，含）")
    age_max: int | None = Field(None, ge=0, le=120, description="年龄上限（周岁，含）")
    education_group: EducationGroup | None = None
    education: EducationCode | None = Field(None, description="学历代码（GB/T 4658）")
    occupation: Occupation | None = None
    employment: Employment | None = None
    floating: bool | None = Field(None, description="流动党员")
    lost_contact: bool | None = Field(None, description="失联党员")
    without_post: bool | None = Field(None, description="无职党员")
    probationary: bool | None = Field(None, description="预备党员")
    sort: MemberSort = "name"
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)
