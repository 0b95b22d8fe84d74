"""create_app(): the JSON API under /api/v1 (and, once built, the browser app at /)."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from pathlib import Path

from dangjian import __version__, api
from dangjian.config import get_settings
from dangjian.audit.service import request_address
from dangjian.errors import FIELD_LABELS, AppError, describe_validation
from dangjian.member.service import FIELD_LABELS as MEMBER_LABELS

FIELD_LABELS.update(MEMBER_LABELS)
FIELD_LABELS.update({
    "username": "用户名", "password": "密码", "old_password": "原密码", "new_password": "新密码", "parent_id": "上级党组织",
    "kind": "类别", "code": "编码", "founded_on": "成立日期", "division_id": "行政区划", "division_code": "行政区划代码",
    "version": "版本号", "reason": "原因", "left_on": "出党日期", "effective_on": "生效日期", "as_of": "统计日期",
    "page": "页码", "page_size": "每页条数", "token_id": "令牌编号", "member_id": "党员编号",
})


def create_app() -> FastAPI:
    app = FastAPI(
        title="基层党建管理平台 API",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )

    @app.exception_handler(AppError)
    def app_error(_request: Request, error: AppError) -> JSONResponse:
        return JSONResponse({"error": error.error, "detail": error.detail, "field": error.field}, status_code=error.status)

    @app.exception_handler(RequestValidationError)
    def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        detail, field = describe_validation(error.errors())
        return JSONResponse({"error": "ValidationFailed", "detail": detail, "field": field}, status_code=422)

    @app.middleware("http")
    async def remember_address(request: Request, call_next):
        token = request_address.set(request.client.host if request.client else None)
        try:
            return await call_next(request)
        finally:
            request_address.reset(token)

    app.include_router(api.router, prefix="/api/v1")
    mount_console(app, get_settings().web_dist)
    return app


def mount_console(app: FastAPI, dist: Path) -> None:
    """The browser app: its files, and index.html for every other path (client-side routes)."""
    index = dist / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    def console(path: str):
        if path.startswith("api/"):
            return JSONResponse({"error": "NotFound", "detail": f"接口不存在：/{path}", "field": None}, status_code=404)
        if not index.exists():
            return HTMLResponse("<p>浏览器端尚未构建，请运行 <code>make web</code> 或 <code>make demo</code>。</p>", status_code=503)
        file = (dist / path).resolve()
        if path and file.is_file() and file.is_relative_to(dist.resolve()):
            return FileResponse(file)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
