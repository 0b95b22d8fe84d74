from datetime import date

from pydantic import BaseModel, ConfigDict

from dangjian.org.codes import DissolveReason, DivisionKind, OrgKind


class OrgCreate(BaseModel):
    parent_id: int | None
    name: str
    kind: OrgKind
    code: str | None = None
    unit_id: int | None = None
    division_id: int | None = None
    division_code: str | None = None
    founded_on: date | None = None


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
