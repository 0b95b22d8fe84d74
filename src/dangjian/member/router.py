"""/members: the roster. Personal data is masked everywhere except the audited reveal."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from dangjian.auth.principal import DbSession, Principal, require
from dangjian.auth.scope import visible_member
from dangjian.errors import FIELD_LABELS
from dangjian.member import service as member_service
from dangjian.member.schemas import (
    MAX_ID,
    PERSONAL_FIELDS,
    MemberCreate,
    MemberDetail,
    MemberHistory,
    MemberLeave,
    MemberPage,
    MemberPatch,
    MemberQuery,
    MemberUpdate,
    RevealedPersonal,
    RevealRequest,
)

router = APIRouter()
# Chinese names of the query parameters, for validation messages (modules add theirs to FIELD_LABELS).
for _field, _label in {
    "id_tail": "身份证号末几位", "status": "状态", "age_min": "年龄下限", "age_max": "年龄上限",
    "education_group": "学历类别", "floating": "流动党员", "lost_contact": "失联党员", "without_post": "无职党员",
    "probationary": "预备党员", "sort": "排序", "fields": "查看项目",
}.items():
    FIELD_LABELS.setdefault(_field, _label)

MemberId = Annotated[int, Path(ge=1, le=MAX_ID, description="党员编号")]
Reader = Annotated[Principal, Depends(require("member:member:read"))]
Creator = Annotated[Principal, Depends(require("member:member:create"))]
UPDATE = "member:member:update"
Editor = Annotated[Principal, Depends(require(UPDATE))]
Leaver = Annotated[Principal, Depends(require("member:member:leave"))]
Revealer = Annotated[Principal, Depends(require("member:personal:reveal"))]


@router.get("", response_model=MemberPage, summary="党员名册（分页查询，个人信息脱敏）")
def list_members(query: Annotated[MemberQuery, Query()], session: DbSession, principal: Reader) -> MemberPage:
    return member_service.search_members(session, principal.scope, query)


@router.post("", response_model=MemberDetail, status_code=201, summary="登记党员")
def create_member(body: MemberCreate, session: DbSession, principal: Creator) -> MemberDetail:
    member_service.check_create_scope(session, principal.scope, body)
    member = member_service.create_member(session, body, actor=principal.actor)
    return member_service.member_detail(session, principal.scope, member, may_update=principal.can(UPDATE))


@router.get("/{member_id}", response_model=MemberDetail, summary="党员详情（个人信息脱敏）")
def get_member(member_id: MemberId, session: DbSession, principal: Reader) -> MemberDetail:
    member = visible_member(session, principal.scope, member_id)
    return member_service.member_detail(session, principal.scope, member, may_update=principal.can(UPDATE))


@router.get("/{member_id}/history", response_model=MemberHistory, summary="党员变动记录与历史状态")
def get_member_history(member_id: MemberId, session: DbSession, principal: Reader) -> MemberHistory:
    member = visible_member(session, principal.scope, member_id)
    return member_service.member_history(session, member)


@router.patch("/{member_id}", response_model=MemberDetail, summary="修改党员信息（须带版本号）")
def update_member(member_id: MemberId, body: MemberPatch, session: DbSession, principal: Editor) -> MemberDetail:
    member = member_service.writable_member(session, principal.scope, member_id, version=body.version)
    data = MemberUpdate(**body.model_dump(exclude_unset=True, exclude={"version", "effective_on"}))
    member_service.check_update_scope(session, principal.scope, member, data)
    member = member_service.update_member(
        session, member.id, data, version=body.version, actor=principal.actor, effective_on=body.effective_on
    )
    return member_service.member_detail(session, principal.scope, member, may_update=principal.can(UPDATE))


@router.post("/{member_id}/leave", response_model=MemberDetail, summary="党员出党（减少），记录保留")
def leave_member(member_id: MemberId, body: MemberLeave, session: DbSession, principal: Leaver) -> MemberDetail:
    member = member_service.writable_member(session, principal.scope, member_id, version=body.version)
    member = member_service.leave_member(
        session, member.id, reason=body.reason, left_on=body.left_on, version=body.version, actor=principal.actor
    )
    return member_service.member_detail(session, principal.scope, member, may_update=principal.can(UPDATE))


@router.post("/{member_id}/reveal", response_model=RevealedPersonal, summary="查看完整身份证号、电话和住址（记入审计）")
def reveal_member(
    member_id: MemberId,
    session: DbSession,
    principal: Revealer,
    body: Annotated[RevealRequest | None, Body()] = None,
) -> RevealedPersonal:
    member = visible_member(session, principal.scope, member_id)
    fields = body.fields if body is not None else list(PERSONAL_FIELDS)
    return member_service.reveal_personal(session, member, fields=fields, actor=principal.actor)
