"""The statistics report, the children's totals and the data checks as the API returns them.

The report models mirror the JSON of docs/statistics.md key for key. The `by_*` breakdowns are
built from the enums (one field per code), so a new code shows up here without a second list.
"""

import keyword
import re
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from dangjian.member.codes import EducationGroup, Employment, Gender, Occupation
from dangjian.org.codes import UnitKind, VillageClass
from dangjian.stats.service import AGE_BANDS, SPEECH_AGES, TOWNSHIP_LEVEL_KINDS

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: Any) -> Any:
    """Days in the query string are written 2025-12-31 (Pydantic alone would take 0 as 1970-01-01)."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise PydanticCustomError("date_parsing", "日期格式应为“年-月-日”")
    return value


Day = Annotated[date, BeforeValidator(iso_day)]


def keyed(name: str, keys: Iterable[str], value: Any, doc: str) -> type[BaseModel]:
    """A model with one required field per key; keys that are not identifiers ("30_and_under")
    get a Python name and keep the key as their alias (FastAPI answers by alias)."""
    fields: dict[str, Any] = {}
    for key in keys:
        usable = key.isidentifier() and not keyword.iskeyword(key) and not key.startswith("model_")
        fields[key if usable else f"k_{key}"] = (value, Field(alias=key))
    return create_model(
        name, __config__=ConfigDict(populate_by_name=True), __doc__=doc, **fields
    )


class OrgInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str = Field(description="OrgKind 代码")


class Part(BaseModel):
    """A count and its share of `members.total` in percent, one decimal."""

    count: int
    share: float


TownshipLevel = keyed("TownshipLevel", [k.value for k in TOWNSHIP_LEVEL_KINDS], int, "镇 / 乡 / 街道")
UnitsByKind = keyed("UnitsByKind", [k.value for k in UnitKind], int, "各类单位数")
VillagesByClass = keyed(
    "VillagesByClass", [*(c.value for c in VillageClass), "unclassified"], int, "建制村分类定级"
)
MembersByGender = keyed("MembersByGender", [g.value for g in Gender], Part, "性别")
MembersByAgeBand = keyed("MembersByAgeBand", AGE_BANDS, Part, "年龄（公报口径）")
MembersBySpeechAge = keyed("MembersBySpeechAge", SPEECH_AGES, Part, "年龄（讲话口径）")
MembersByEducation = keyed("MembersByEducation", [g.value for g in EducationGroup], Part, "学历")
MembersByOccupation = keyed("MembersByOccupation", [o.value for o in Occupation], Part, "人员类别")
MembersByEmployment = keyed("MembersByEmployment", [e.value for e in Employment], Part, "工作状况")
CountsByEmployment = keyed("CountsByEmployment", [e.value for e in Employment], int, "工作状况（人数）")


class Divisions(BaseModel):
    township_level: TownshipLevel  # type: ignore[valid-type]
    townships: int
    streets: int
    villages: int
    communities: int


class Units(BaseModel):
    total: int
    by_kind: UnitsByKind  # type: ignore[valid-type]
    restructured: int


class OtherOrgs(BaseModel):
    local_committee: int
    working_committee: int


class Organizations(BaseModel):
    total: int
    committees: int
    general_branches: int
    branches: int
    joint_branches: int
    others: OtherOrgs


class Villages(BaseModel):
    total: int
    year: int
    by_class: VillagesByClass  # type: ignore[valid-type]


class Members(BaseModel):
    total: int
    full: int
    probationary: int
    by_gender: MembersByGender  # type: ignore[valid-type]
    ethnic_minority: Part
    by_age_band: MembersByAgeBand  # type: ignore[valid-type]
    speech_age: MembersBySpeechAge  # type: ignore[valid-type]
    by_education: MembersByEducation  # type: ignore[valid-type]
    by_occupation: MembersByOccupation  # type: ignore[valid-type]
    by_employment: MembersByEmployment  # type: ignore[valid-type]
    floating_out: Part
    floating_in: Part
    lost_contact: Part
    without_post: Part


class RestructuredEnterprises(BaseModel):
    units: int
    members: int
    by_employment: CountsByEmployment  # type: ignore[valid-type]
    contract_ended: int
    retired: int


class StatsReport(BaseModel):
    """党内统计报表 (docs/statistics.md, “The JSON report”)."""

    org: OrgInfo
    as_of: date
    divisions: Divisions
    units: Units
    organizations: Organizations
    villages: Villages
    members: Members
    restructured_enterprises: RestructuredEnterprises


class ChildTotals(BaseModel):
    """党员数 of one direct child organization and everything below it."""

    org: OrgInfo
    total: int
    full: int
    probationary: int


class CheckExample(BaseModel):
    """A member (member_id, masked id_number) or an organization (org_id) the check found."""

    member_id: int | None = None
    org_id: int | None = None
    name: str
    id_number: str | None = Field(None, description="已脱敏")
    detail: str


class CheckResultRead(BaseModel):
    code: str
    title: str
    rule: str
    count: int
    severity: Literal["problem", "info"]
    examples: list[CheckExample]


class ChecksRead(BaseModel):
    org: OrgInfo | None = Field(description="检查范围的起点；为空表示全库")
    checked_on: date
    results: list[CheckResultRead]
