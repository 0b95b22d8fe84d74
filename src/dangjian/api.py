"""The route map: every module's router, its prefix and tag, in one readable list."""

from fastapi import APIRouter
from pydantic import BaseModel

from dangjian import dicts
from dangjian.audit import router as audit_router
from dangjian.auth import router as auth_router
from dangjian.importexport import router as importexport_router
from dangjian.meeting import router as meeting_router
from dangjian.member import router as member_router
from dangjian.org import router as org_router
from dangjian.stats import router as stats_router


class ErrorBody(BaseModel):
    error: str
    detail: str
    field: str | None = None


ERROR_RESPONSES = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "请求有误"), (401, "未登录或登录已失效"), (403, "没有权限或缺少 CSRF 令牌"), (404, "不存在或不在数据范围内"),
        (409, "数据已被他人修改"), (422, "字段校验未通过"), (429, "尝试次数过多"),
    )
}

router = APIRouter(responses=ERROR_RESPONSES)


class Health(BaseModel):
    status: str


@router.get("/health", response_model=Health, tags=["system"], summary="服务状态")
def health() -> Health:
    return Health(status="ok")


router.include_router(auth_router.router, prefix="/auth", tags=["auth"])
router.include_router(org_router.router, prefix="/orgs", tags=["org"])
router.include_router(org_router.lookups, tags=["org"])  # /divisions, /units
router.include_router(member_router.router, prefix="/members", tags=["member"])
router.include_router(stats_router.router, tags=["stats"])  # /stats/... and /checks
router.include_router(meeting_router.router, prefix="/meetings", tags=["meeting"])
router.include_router(meeting_router.groups, prefix="/party-groups", tags=["meeting"])
router.include_router(meeting_router.stats, prefix="/stats", tags=["meeting"])  # /stats/org-life...
router.include_router(audit_router.router, prefix="/audit", tags=["audit"])
router.include_router(dicts.router, tags=["dicts"])
router.include_router(importexport_router.router, tags=["importexport"])  # /exports/... and /imports
