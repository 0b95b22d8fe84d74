"""/meetings, /party-groups and /stats/org-life: organizational life within the caller's scope."""

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from dangjian.auth.principal import DbSession, Principal, require
from dangjian.auth.scope import visible_meeting, visible_org
from dangjian.config import get_settings
from dangjian.errors import FIELD_LABELS, NotFound, ValidationFailed
from dangjian.meeting import service as meeting_service
from dangjian.meeting.codes import LifeStatus
from dangjian.meeting.schemas import (
    AttachmentRead,
    Attendee,
    BranchLifeDetail,
    BranchLifePage,
    ComplianceReport,
    LapsedPage,
    MeetingCreate,
    MeetingDetail,
    MeetingPage,
    MeetingPatch,
    MeetingQuery,
    Page,
    PageSize,
    ParticipationPage,
    PartyGroupCreate,
    PartyGroupPatch,
    PartyGroupRead,
)
from dangjian.kit.upload import FilePart, file_part, read_body
from dangjian.member.schemas import MAX_ID, Version
from dangjian.stats.router import org_in_scope
from dangjian.stats.schemas import Day

router = APIRouter()  # /meetings
groups = APIRouter()  # /party-groups
stats = APIRouter()  # /stats/org-life...
for _field, _label in {**meeting_service.FIELD_LABELS, "start": "开始日期", "end": "结束日期", "on": "日期",
                       "reason": "删除事由", "file": "附件", "page": "页码", "page_size": "每页条数"}.items():
    FIELD_LABELS.setdefault(_field, _label)

MeetingId = Annotated[int, Path(ge=1, le=MAX_ID, description="记录编号")]
WRITE = "meeting:meeting:write"
Reader = Annotated[Principal, Depends(require("meeting:meeting:read"))]
Writer = Annotated[Principal, Depends(require(WRITE))]
GroupWriter = Annotated[Principal, Depends(require("meeting:group:write"))]
ComplianceReader = Annotated[Principal, Depends(require("meeting:compliance:read"))]
OrgId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="党组织编号；不填为本人数据范围的起点")]
Start = Annotated[Day | None, Query(description="开始日期（含）；不填为结束日期所在年的1月1日")]
End = Annotated[Day | None, Query(description="结束日期（含）；不填为今天")]


def writable_meeting(session, principal: Principal, meeting_id: int):
    meeting = visible_meeting(session, principal.scope, meeting_id)
    if not meeting_service.may_write(session, principal.scope, meeting):
        raise NotFound(f"组织生活记录不存在：{meeting_id}", field="meeting_id")
    return meeting


def detail(session, principal: Principal, meeting) -> MeetingDetail:
    may_edit = principal.can(WRITE) and meeting_service.may_write(session, principal.scope, meeting)
    return meeting_service.meeting_detail(session, meeting, may_edit=may_edit)


@router.get("", response_model=MeetingPage, summary="组织生活记录（本组织及以下，按日期倒序）")
def list_meetings(query: Annotated[MeetingQuery, Query()], session: DbSession, principal: Reader) -> MeetingPage:
    return meeting_service.search_meetings(session, principal.scope, query)


@router.post("", response_model=MeetingDetail, status_code=201, summary="记录一次组织生活（含参会情况）")
def create_meeting(body: MeetingCreate, session: DbSession, principal: Writer) -> MeetingDetail:
    meeting = meeting_service.create_meeting(session, principal.scope, body, actor=principal.actor)
    return detail(session, principal, meeting)


@router.get("/attendees", response_model=list[Attendee], summary="应参会党员（某日本组织党员及流入党员）")
def list_attendees(
    session: DbSession,
    principal: Writer,
    org_id: Annotated[int, Query(ge=1, le=MAX_ID, description="党组织编号")],
    on: Annotated[Day | None, Query(description="会议日期；不填为今天")] = None,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="党小组（只列组员）")] = None,
) -> list[Attendee]:
    org = visible_org(session, principal.scope, org_id)
    return meeting_service.attendees(session, org, on=on or date.today(), group_id=group_id)


@router.get("/{meeting_id}", response_model=MeetingDetail, summary="组织生活记录详情")
def get_meeting(meeting_id: MeetingId, session: DbSession, principal: Reader) -> MeetingDetail:
    return detail(session, principal, visible_meeting(session, principal.scope, meeting_id))


@router.patch("/{meeting_id}", response_model=MeetingDetail, summary="修改记录（须带版本号；录入满30天须填事由）")
def update_meeting(meeting_id: MeetingId, body: MeetingPatch, session: DbSession, principal: Writer) -> MeetingDetail:
    meeting = writable_meeting(session, principal, meeting_id)
    meeting = meeting_service.update_meeting(session, meeting, body, version=body.version, edit_reason=body.edit_reason,
                                             actor=principal.actor)
    return detail(session, principal, meeting)


@router.delete("/{meeting_id}", status_code=204, summary="删除记录（须带版本号；录入满30天须填事由）")
def delete_meeting(
    meeting_id: MeetingId,
    session: DbSession,
    principal: Writer,
    version: Annotated[Version, Query(description="版本号")],
    reason: Annotated[str | None, Query(max_length=200, description="删除事由")] = None,
) -> Response:
    meeting = writable_meeting(session, principal, meeting_id)
    meeting_service.delete_meeting(session, meeting, version=version, reason=reason, actor=principal.actor)
    return Response(status_code=204)


MULTIPART_SLACK = 64 * 1024
UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "附件（PDF、JPG、PNG、DOCX、XLSX，最大 10 MB）"}}}},
}}}


async def read_attachment(request: Request) -> FilePart:
    limit = get_settings().attachment_max_bytes
    body = await read_body(request, limit + MULTIPART_SLACK)
    if body is None:
        raise ValidationFailed(f"附件：超过{limit // (1024 * 1024)}MB", field="file", status=413)
    part = file_part(request.headers.get("content-type", ""), body)
    part.filename = part.filename or request.query_params.get("filename")
    return part


@router.post("/{meeting_id}/attachments", response_model=AttachmentRead, status_code=201, openapi_extra=UPLOAD_BODY,
             summary="上传附件（PDF、图片、Word、Excel）")
def upload_attachment(
    meeting_id: MeetingId, session: DbSession, principal: Writer, upload: Annotated[FilePart, Depends(read_attachment)]
) -> AttachmentRead:
    meeting = writable_meeting(session, principal, meeting_id)
    attachment = meeting_service.add_attachment(session, meeting, filename=upload.filename or "", content=upload.content,
                                                content_type=upload.content_type, actor=principal.actor)
    return AttachmentRead.model_validate(attachment)


@router.get(
    "/{meeting_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"description": "附件内容", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
    summary="下载附件",
)
def download_attachment(
    meeting_id: MeetingId, attachment_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, principal: Reader
) -> Response:
    meeting = visible_meeting(session, principal.scope, meeting_id)
    attachment = meeting_service.get_attachment(session, meeting, attachment_id)
    disposition = f"attachment; filename=\"attachment-{attachment.id}\"; filename*=UTF-8''{quote(attachment.filename, safe='')}"
    return Response(content=attachment.content, media_type=attachment.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


@router.delete("/{meeting_id}/attachments/{attachment_id}", status_code=204, summary="删除附件")
def delete_attachment(
    meeting_id: MeetingId, attachment_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, principal: Writer
) -> Response:
    meeting = writable_meeting(session, principal, meeting_id)
    meeting_service.remove_attachment(session, meeting, attachment_id, actor=principal.actor)
    return Response(status_code=204)


# ---------------------------------------------------------------- party groups


@groups.get("", response_model=list[PartyGroupRead], summary="党支部的党小组")
def list_groups(
    session: DbSession, principal: Reader, org_id: Annotated[int, Query(ge=1, le=MAX_ID, description="党支部编号")]
) -> list[PartyGroupRead]:
    return meeting_service.list_groups(session, visible_org(session, principal.scope, org_id))


@groups.post("", response_model=PartyGroupRead, status_code=201, summary="设立党小组")
def create_group(body: PartyGroupCreate, session: DbSession, principal: GroupWriter) -> PartyGroupRead:
    group = meeting_service.create_group(session, principal.scope, body, actor=principal.actor)
    return meeting_service.group_read(session, group)


@groups.patch("/{group_id}", response_model=PartyGroupRead, summary="修改党小组（名称、组长、组员、撤销）")
def update_group(
    group_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: PartyGroupPatch, session: DbSession, principal: GroupWriter
) -> PartyGroupRead:
    group = meeting_service.update_group(session, principal.scope, group_id, body, actor=principal.actor)
    return meeting_service.group_read(session, group)


# ---------------------------------------------------------------- compliance


def span(start: Start = None, end: End = None) -> tuple[date, date]:
    return meeting_service.default_period(end, start, date.today())


Span = Annotated[tuple[date, date], Depends(span)]


@stats.get("/org-life", response_model=ComplianceReport, summary="三会一课等组织生活开展情况汇总（本组织及下级）")
def get_compliance(session: DbSession, principal: ComplianceReader, period: Span, org_id: OrgId = None) -> ComplianceReport:
    org = org_in_scope(session, principal, org_id)
    start, end = period
    lives = meeting_service.branch_lives(session, org_id=org.id, start=start, end=end)
    return meeting_service.compliance_report(session, principal.scope, org, lives, start=start, end=end)


@stats.get("/org-life/branches", response_model=BranchLifePage, summary="各党支部组织生活状况（问题严重的在前）")
def list_branch_lives(
    session: DbSession,
    principal: ComplianceReader,
    period: Span,
    org_id: OrgId = None,
    status: Annotated[LifeStatus | None, Query(description="只看某种状况")] = None,
    page: Annotated[Page, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 20,
) -> BranchLifePage:
    org = org_in_scope(session, principal, org_id)
    start, end = period
    lives = meeting_service.branch_lives(session, org_id=org.id, start=start, end=end)
    return meeting_service.branch_page(session, lives, status=status, page=page, page_size=page_size, start=start, end=end)


@stats.get("/org-life/branches/{branch_id}", response_model=BranchLifeDetail, summary="一个党支部逐月逐季的组织生活情况")
def get_branch_life(
    branch_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, principal: ComplianceReader, period: Span
) -> BranchLifeDetail:
    org = visible_org(session, principal.scope, branch_id)
    start, end = period
    return meeting_service.branch_detail(session, org, start=start, end=end)


@stats.get("/org-life/participation", response_model=ParticipationPage, summary="党员参加组织生活情况（参会率低的在前）")
def list_participation(
    session: DbSession,
    principal: Reader,
    period: Span,
    org_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="党组织（含下级）；不填为本人数据范围")] = None,
    page: Annotated[Page, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 20,
) -> ParticipationPage:
    org = visible_org(session, principal.scope, org_id) if org_id is not None else None
    start, end = period
    return meeting_service.participation_page(session, principal.scope, org, start=start, end=end, page=page,
                                              page_size=page_size)


@stats.get("/org-life/lapsed", response_model=LapsedPage, summary="连续6个月未参加组织生活的党员（提醒跟进，不自动处理）")
def list_lapsed(
    session: DbSession,
    principal: ComplianceReader,
    org_id: OrgId = None,
    on: Annotated[Day | None, Query(description="截至日期；不填为今天")] = None,
    page: Annotated[Page, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 20,
) -> LapsedPage:
    day = on or date.today()
    if day > date.today():
        raise ValidationFailed(f"日期：不能晚于今天（{date.today().isoformat()}）", field="on")
    org = org_in_scope(session, principal, org_id)
    return meeting_service.lapsed_page(session, org, day=day, page=page, page_size=page_size)
