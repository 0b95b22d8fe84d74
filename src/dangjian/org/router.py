from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from dangjian.auth.principal import CurrentPrincipal, DbSession, Principal, require
from dangjian.auth.scope import Scope, visible_org
from dangjian.errors import FIELD_LABELS, Forbidden, NotFound, ValidationFailed
from dangjian.org import service as org_service
from dangjian.org.codes import UnitKind
from dangjian.org.models import Organization
from dangjian.org.schemas import (
    INT_MAX,
    NO_NUL,
    DivisionRead,
    OrgCreate,
    OrgDetail,
    OrgDissolve,
    OrgMove,
    OrgNode,
    OrgSearchHit,
    OrgUpdate,
    UnitRead,
)

for _field, _label in org_service.FIELD_LABELS.items():
    FIELD_LABELS.setdefault(_field, _label)

router = APIRouter()  # /orgs
lookups = APIRouter()  # /divisions, /units

OrgId = Annotated[int, Path(ge=1, le=INT_MAX, description="党组织编号")]
Reader = Annotated[Principal, Depends(require("org:org:read"))]
Creator = Annotated[Principal, Depends(require("org:org:create"))]
Editor = Annotated[Principal, Depends(require("org:org:update"))]
Mover = Annotated[Principal, Depends(require("org:org:move"))]
Dissolver = Annotated[Principal, Depends(require("org:org:dissolve"))]


def _visible_parent(session, scope: Scope, org_id: int, field: str) -> Organization:
    try:
        return visible_org(session, scope, org_id)
    except NotFound:
        raise NotFound(f"上级党组织不存在：{org_id}", field=field) from None


@router.get("/roots", response_model=list[OrgNode], summary="组织树的顶层（本人数据范围的起点）")
def list_roots(session: DbSession, principal: CurrentPrincipal) -> list[dict]:
    scope = principal.scope
    return org_service.org_nodes(session, org_service.scope_roots(session, scope), scope=scope)


@router.get("/search", response_model=list[OrgSearchHit], summary="按名称或编码查找党组织（数据范围内）")
def search_orgs(
    session: DbSession,
    principal: Reader,
    q: Annotated[str, Query(min_length=1, max_length=64, pattern=NO_NUL, description="名称的一部分，或编码的开头")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict]:
    return org_service.search_orgs(session, q, scope=principal.scope, limit=limit)


@router.get("/{org_id:int}/children", response_model=list[OrgNode], summary="下级党组织（组织树展开一层）")
def list_children(
    org_id: OrgId, session: DbSession, principal: Reader, include_dissolved: bool = False
) -> list[dict]:
    scope = principal.scope
    org = visible_org(session, scope, org_id)
    children = org_service.visible_children(session, org, scope=scope, include_dissolved=include_dissolved)
    return org_service.org_nodes(session, children, scope=scope, include_dissolved=include_dissolved)


@router.get("/{org_id:int}", response_model=OrgDetail, summary="党组织详情")
def get_org(org_id: OrgId, session: DbSession, principal: Reader) -> dict:
    org = visible_org(session, principal.scope, org_id)
    return org_service.org_detail(session, org, scope=principal.scope)


@router.post("", response_model=OrgDetail, status_code=201, summary="新建党组织")
def create_org(
    body: OrgCreate, session: DbSession, principal: Creator
) -> dict:
    if body.parent_id is None:
        raise ValidationFailed("请选择上级党组织", field="parent_id")
    _visible_parent(session, principal.scope, body.parent_id, "parent_id")
    org = org_service.create_org(session, body, actor=principal.actor)
    return org_service.org_detail(session, org, scope=principal.scope)


@router.patch("/{org_id:int}", response_model=OrgDetail, summary="修改党组织信息")
def update_org(
    org_id: OrgId, body: OrgUpdate, session: DbSession, principal: Editor
) -> dict:
    visible_org(session, principal.scope, org_id)
    org = org_service.update_org(session, org_id, body, actor=principal.actor)
    return org_service.org_detail(session, org, scope=principal.scope)


@router.post("/{org_id:int}/move", response_model=OrgDetail, summary="调整党组织隶属关系")
def move_org(
    org_id: OrgId, body: OrgMove, session: DbSession, principal: Mover
) -> dict:
    scope = principal.scope
    visible_org(session, scope, org_id)
    if org_id in scope.roots:
        raise Forbidden("不能调整本人数据范围顶层党组织的隶属关系", field="org_id")
    _visible_parent(session, scope, body.new_parent_id, "new_parent_id")
    org = org_service.move_org(session, org_id, new_parent_id=body.new_parent_id, moved_on=body.moved_on,
                               version=body.version, actor=principal.actor)
    return org_service.org_detail(session, org, scope=scope)


@router.post("/{org_id:int}/dissolve", response_model=OrgDetail, summary="撤销党组织")
def dissolve_org(
    org_id: OrgId, body: OrgDissolve, session: DbSession, principal: Dissolver
) -> dict:
    scope = principal.scope
    visible_org(session, scope, org_id)
    if org_id in scope.roots:
        raise Forbidden("不能撤销本人数据范围顶层的党组织", field="org_id")
    org = org_service.dissolve_org(session, org_id, dissolved_on=body.dissolved_on, reason=body.reason,
                                   version=body.version, actor=principal.actor)
    return org_service.org_detail(session, org, scope=scope)


@lookups.get("/divisions", response_model=list[DivisionRead], summary="行政区划（逐级展开）")
def list_divisions(
    session: DbSession,
    principal: Reader,
    parent_code: Annotated[
        str | None, Query(min_length=1, max_length=12, pattern=r"^[0-9]*$", description="上级行政区划代码；不填为最上一级")
    ] = None,
) -> list[dict]:
    return org_service.list_divisions(session, parent_code=parent_code)


@lookups.get("/units", response_model=list[UnitRead], summary="可选的单位（数据范围内党组织所在的单位和尚未建立党组织的单位）")
def list_units(
    session: DbSession,
    principal: Reader,
    q: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL, description="名称的一部分")] = None,
    kind: UnitKind | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict]:
    return org_service.list_units(session, scope=principal.scope, q=q, kind=kind, limit=limit)
