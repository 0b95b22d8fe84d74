"""/stats/report, /stats/report.xlsx, /stats/children and /checks: read-only, within the caller's scope."""

import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.auth.principal import DbSession, Principal, require
from dangjian.auth.scope import ScopeKind, visible_org
from dangjian.errors import NotFound, ValidationFailed
from dangjian.org.models import Organization
from dangjian.stats import checks as stats_checks
from dangjian.stats import render
from dangjian.stats import memo
from dangjian.stats.schemas import (
    CheckResultRead,
    ChecksRead,
    ChildTotals,
    Day,
    OrgInfo,
    StatsReport,
)

router = APIRouter()  # /stats/..., /checks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The Party was founded on 1 July 1921; nothing is counted before. (Also keeps the report's age
# cut-offs, up to 62 years back, inside the calendar.)
EARLIEST_DAY = date(1921, 7, 1)
MAX_ID = 2_147_483_647

OrgId = Annotated[
    int | None,
    Query(ge=1, le=MAX_ID, description="党组织编号；不填为本人数据范围的起点（市委组织部为市委）"),
]


def report_day(
    as_of: Annotated[Day | None, Query(description="统计日期（截至该日），格式 2025-12-31；不填为今天")] = None,
) -> date:
    today = date.today()
    if as_of is None:
        return today
    if as_of > today:
        raise ValidationFailed(f"统计日期：不能晚于今天（{today.isoformat()}）", field="as_of")
    if as_of < EARLIEST_DAY:
        raise ValidationFailed("统计日期：不能早于1921年7月1日", field="as_of")
    return as_of


ReportDay = Annotated[date, Depends(report_day)]


def org_in_scope(session: Session, principal: Principal, org_id: int | None) -> Organization:
    """The requested organization, or the start of the caller's scope; 404 outside the scope."""
    if org_id is None:
        org_id = principal.scope.root_org_id
        if org_id is None:
            raise NotFound("没有可统计的党组织", field="org_id")
    return visible_org(session, principal.scope, org_id)


class XlsxResponse(Response):
    media_type = XLSX


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the Chinese one (RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/stats/report", response_model=StatsReport, summary="党内统计报表（本组织及以下，截至某日）")
def get_report(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("stats:report:read"))],
    as_of: ReportDay,
    org_id: OrgId = None,
) -> dict[str, Any]:
    org = org_in_scope(session, principal, org_id)
    return memo.report(session, org_id=org.id, as_of=as_of)


@router.get(
    "/stats/report.xlsx",
    response_class=Response,  # no media type of its own, so the error answers stay documented as JSON
    responses={200: {
        "description": "Excel 文件（工作表“统计报表”）",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }},
    summary="导出党内统计报表（Excel）",
)
def export_report(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("stats:report:export"))],
    as_of: ReportDay,
    org_id: OrgId = None,
) -> XlsxResponse:
    org = org_in_scope(session, principal, org_id)
    report = memo.report(session, org_id=org.id, as_of=as_of)
    with tempfile.TemporaryDirectory(prefix="dangjian-report-") as folder:
        path = Path(folder) / "report.xlsx"
        render.write_xlsx(report, path)
        content = path.read_bytes()
    audit_service.record(
        session, actor=principal.actor, action="export", entity="stats_report", org_id=org.id, after={"as_of": as_of}
    )
    day = as_of.strftime("%Y%m%d")
    disposition = attachment(f"{org.name}党内统计报表{day}.xlsx", f"stats-report-{org.id}-{day}.xlsx")
    return XlsxResponse(content=content, headers={"Content-Disposition": disposition})


@router.get("/stats/children", response_model=list[ChildTotals], summary="各下级党组织党员数（截至某日）")
def list_children(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("stats:report:read"))],
    as_of: ReportDay,
    org_id: OrgId = None,
) -> list[dict[str, Any]]:
    org = org_in_scope(session, principal, org_id)
    rows = memo.children(session, org_id=org.id, as_of=as_of)
    # Children as the tree stood on the day may since have moved out of the caller's scope.
    ids = [row["org"]["id"] for row in rows]
    visible = set(session.scalars(select(Organization.id).where(Organization.id.in_(ids), principal.scope.orgs())))
    return [row for row in rows if row["org"]["id"] in visible]


@router.get("/checks", response_model=ChecksRead, summary="数据检查（身份证号、党员信息和组织设置）")
def get_checks(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("stats:check:read"))],
    org_id: OrgId = None,
) -> ChecksRead:
    today = date.today()
    if org_id is None and principal.scope.kind is ScopeKind.city:
        org = None  # the whole database, members without an organization included
    else:
        org = org_in_scope(session, principal, org_id)
    results = stats_checks.run_checks(session, org_id=org.id if org else None, today=today)
    return ChecksRead(
        org=OrgInfo.model_validate(org) if org else None,
        checked_on=today,
        results=[CheckResultRead.model_validate(asdict(result)) for result in results],
    )
