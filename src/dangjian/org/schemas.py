from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dangjian.org.codes import (
    DissolveReason,
    DivisionKind,
    DivisionLevel,
    OrgKind,
    UnitKind,
    UnitStatus,
    VillageClass,
)

INT_MAX = 2_147_483_647
# Record ids and versions fit the database's 32-bit integers; anything else is refused with a 422.
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
# PostgreSQL text cannot hold NUL; limits are the column lengths.
NO_NUL = r"^[^\x00]*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=NO_NUL)]
DivisionCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12, pattern=NO_NUL)]


class OrgCreate(BaseModel):
    parent_id: Id | None
    name: Name
    kind: OrgKind
    code: Code | None = None
    unit_id: Id | None = None
    division_id: Id | None = None
    division_code: DivisionCode | None = None
    founded_on: date | None = None


class OrgUpdate(BaseModel):
    """Only the fields sent are changed; `unit_id` or `division_code` sent as null clears it."""

    name: Name | None = None
    code: Code | None = None
    unit_id: Id | None = None
    division_code: DivisionCode | None = None
    founded_on: date | None = None
    version: Id


class OrgMove(BaseModel):
    new_parent_id: Id
    moved_on: date
    version: Id


class OrgDissolve(BaseModel):
    dissolved_on: date
    reason: DissolveReason
    version: Id


class DivisionCreate(BaseModel):
    code: str
    name: str
    kind: DivisionKind
    parent_code: str | None = None


class OrgRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: OrgKind
    parent_id: int | None
    path: str
    depth: int
    unit_id: int | None
    division_id: int | None
    founded_on: date
    dissolved_on: date | None
    dissolve_reason: DissolveReason | None
    version: int


class OrgNode(BaseModel):
    """One node of the lazily loaded tree."""

    id: int
    code: str
    name: str
    kind: OrgKind
    kind_label: str
    dissolved_on: date | None
    has_children: bool
    member_count: int = Field(description="在册党员：组织关系就在本组织的")
    subtree_member_count: int = Field(description="在册党员：本组织及全部下级")


class OrgSearchHit(BaseModel):
    id: int
    code: str
    name: str
    kind: OrgKind
    kind_label: str
    dissolved_on: date | None
    path_names: list[str] = Field(description="数据范围内上级党组织的名称，自上而下")


class OrgRef(BaseModel):
    id: int
    name: str


class UnitRead(BaseModel):
    id: int
    name: str
    kind: UnitKind
    kind_label: str
    status: UnitStatus
    status_label: str


class DivisionRef(BaseModel):
    id: int
    code: str
    name: str
    kind: DivisionKind


class DivisionRead(DivisionRef):
    kind_label: str
    level: DivisionLevel
    level_label: str
    has_children: bool


class OrgCounts(BaseModel):
    members: int
    full: int
    probationary: int
    subtree_members: int
    children: int = Field(description="未撤销的下级党组织")


class ClassificationRead(BaseModel):
    year: int
    grade: VillageClass
    grade_label: str


class OrgHistoryEvent(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    action_label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class OrgDetail(OrgRead):
    kind_label: str
    parent: OrgRef | None = Field(description="上级党组织；不在数据范围内时为空")
    unit: UnitRead | None
    division: DivisionRef | None
    counts: OrgCounts
    classification: ClassificationRead | None = Field(description="最近一年的分类定级")
    history: list[OrgHistoryEvent] = Field(description="新建、修改、调整、撤销的记录，新的在前")
