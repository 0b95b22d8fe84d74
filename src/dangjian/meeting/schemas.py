from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dangjian.meeting.codes import AttendanceStatus, KindStatus, LifeStatus, MeetingKind, Signal
from dangjian.member.schemas import RecordId, Version
from dangjian.stats.schemas import Day

Text200 = Annotated[str, Field(max_length=200)]
Name64 = Annotated[str, Field(max_length=64)]
Page = Annotated[int, Field(ge=1, le=100_000, description="页码")]
PageSize = Annotated[int, Field(ge=1, le=200, description="每页条数")]


class Ref(BaseModel):
    id: int
    name: str


# ---------------------------------------------------------------- records


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: RecordId
    status: AttendanceStatus
    reason: str | None = Field(None, max_length=200, description="请假事由（请假时必填）")


class MeetingFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MeetingKind | None = None
    held_on: Day | None = None
    group_id: RecordId | None = Field(None, description="党小组（党小组会必填）")
    topic: str | None = Field(None, max_length=200)
    place: str | None = Field(None, max_length=128)
    host: str | None = Field(None, max_length=64)
    speaker: str | None = Field(None, max_length=64, description="授课人（党课必填）")
    minutes: str | None = Field(None, max_length=20_000)
    decisions: str | None = Field(None, max_length=5_000)
    attendance: list[AttendanceIn] | None = Field(None, max_length=3_000)


class MeetingCreate(MeetingFields):
    org_id: RecordId
    kind: MeetingKind
    held_on: Day
    topic: str = Field(max_length=200)
    attendance: list[AttendanceIn] = Field(max_length=3_000)


class MeetingPatch(MeetingFields):
    version: Version
    edit_reason: str | None = Field(None, max_length=200, description="修改事由（录入满30天后必填）")


class AttendanceRead(BaseModel):
    member_id: int
    name: str
    status: AttendanceStatus
    reason: str | None


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    created_at: datetime


class MeetingListItem(BaseModel):
    id: int
    org: Ref
    group: Ref | None
    kind: MeetingKind
    held_on: date
    topic: str
    present_count: int
    excused_count: int
    absent_count: int


class MeetingDetail(MeetingListItem):
    place: str | None
    host: str | None
    speaker: str | None
    minutes: str | None
    decisions: str | None
    attendance: list[AttendanceRead]
    attachments: list[AttachmentRead]
    recorded_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    reason_needed: bool = Field(description="修改或删除须填写事由（录入已满规定天数）")
    may_edit: bool


class MeetingPage(BaseModel):
    items: list[MeetingListItem]
    total: int
    page: int
    page_size: int


class MeetingQuery(BaseModel):
    org_id: RecordId | None = Field(None, description="党组织（含下级）；默认整个数据范围")
    kind: MeetingKind | None = None
    start: Day | None = Field(None, description="开始日期（含）")
    end: Day | None = Field(None, description="结束日期（含）")
    page: Page = 1
    page_size: PageSize = 20


class Attendee(BaseModel):
    member_id: int
    name: str
    gender: str
    is_probationary: bool
    is_floating_in: bool = Field(description="流入本组织的流动党员")
    group_ids: list[int]


# ---------------------------------------------------------------- party groups


class PartyGroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: RecordId
    name: str = Field(min_length=1, max_length=64)
    leader_id: RecordId | None = None
    founded_on: Day
    member_ids: list[RecordId] = Field(default_factory=list, max_length=500)


class PartyGroupPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=64)
    leader_id: RecordId | None = None
    member_ids: list[RecordId] | None = Field(None, max_length=500)
    dissolved_on: Day | None = None


class PartyGroupRead(BaseModel):
    id: int
    org_id: int
    name: str
    leader: Ref | None
    founded_on: date
    dissolved_on: date | None
    members: list[Ref]


# ---------------------------------------------------------------- compliance


class StatusCounts(BaseModel):
    total: int = Field(description="党支部数")
    regular: int
    irregular: int
    half_paralysed: int
    paralysed: int
    regular_share: float = Field(description="正常党支部占比（%）")
    attendance_rate: float | None = Field(description="参会率（%）")
    signal: Signal


class ComplianceChild(BaseModel):
    org: Ref
    counts: StatusCounts


class ComplianceReport(BaseModel):
    org: Ref
    start: date
    end: date
    counts: StatusCounts
    children: list[ComplianceChild]


class KindCell(BaseModel):
    kind: MeetingKind
    status: KindStatus
    asked: int
    covered: int


class BranchLifeRead(BaseModel):
    org: Ref
    township: Ref | None = Field(description="所在乡镇（街道）党（工）委")
    status: LifeStatus
    overdue_kinds: int
    asked: int = Field(description="近12个月应开展次数")
    covered: int = Field(description="近12个月已开展次数")
    attendance_rate: float | None
    last_held_on: date | None
    secretary: str | None = Field(description="党支部书记")
    organizers: list[str] = Field(description="上级组织委员（乡镇、街道）")
    kinds: list[KindCell]


class BranchLifePage(BaseModel):
    items: list[BranchLifeRead]
    total: int
    page: int
    page_size: int


class PeriodCell(BaseModel):
    label: str
    start: date
    end: date
    status: KindStatus
    held: int


class KindDetail(KindCell):
    periods: list[PeriodCell]


class BranchLifeDetail(BaseModel):
    branch: BranchLifeRead
    start: date
    end: date
    kinds: list[KindDetail]


class Participation(BaseModel):
    member: Ref
    org: Ref | None
    present: int
    excused: int
    absent: int
    rate: float | None
    last_present_on: date | None


class ParticipationPage(BaseModel):
    items: list[Participation]
    total: int
    page: int
    page_size: int


class LapsedMember(BaseModel):
    member: Ref
    org: Ref | None
    joined_on: date
    last_present_on: date | None
    excused_in_window: int = Field(description="期间请假次数（可能有正当理由）")


class LapsedPage(BaseModel):
    items: list[LapsedMember]
    total: int
    page: int
    page_size: int
    since: date
    day: date
