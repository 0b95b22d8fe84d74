"""create_app(): the JSON API under /api/v1 (and, once built, the browser app at /)."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import threading
from contextlib import asynccontextmanager
from pathlib import Path

from dangjian import __version__, api
from dangjian.config import get_settings
from dangjian.audit.service import request_address
from dangjian.errors import FIELD_LABELS, AppError, describe_validation
from dangjian.member.service import FIELD_LABELS as MEMBER_LABELS
from dangjian.stats import memo

FIELD_LABELS.update(MEMBER_LABELS)
FIELD_LABELS.update({
    "username": "用户名", "password": "密码", "old_password": "原密码", "new_password": "新密码", "parent_id": "上级党组织", "new_parent_id": "新的上级党组织", "moved_on": "调整日期",
    "kind": "类别", "code": "编码", "founded_on": "成立日期", "division_id": "行政区划", "division_code": "行政区划代码",
    "version": "版本号", "reason": "原因", "left_on": "出党日期", "effective_on": "生效日期", "as_of": "统计日期",
    "page": "页码", "page_size": "每页条数", "token_id": "令牌编号", "member_id": "党员编号",
})


HTTP_DETAILS = {
    400: "请求内容无法解析，请检查格式",
    401: "未登录，请先登录",
    403: "没有权限执行此操作",
    404: "接口不存在",
    405: "不支持该请求方法",
    413: "请求内容过大",
    415: "不支持该内容类型",
}


@asynccontextmanager
async def lifespan(_app: FastAPI):
    if get_settings().warm_reports:
        threading.Thread(target=memo.warm, name="warm-reports", daemon=True).start()
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title="基层党建管理平台 API",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )

    @app.exception_handler(AppError)
    def app_error(_request: Request, error: AppError) -> JSONResponse:
        return JSONResponse({"error": error.error, "detail": error.detail, "field": error.field}, status_code=error.status)

    dist = get_settings().web_dist

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404 and (page := console_page(dist, request)) is not None:
            return page
        detail = HTTP_DETAILS.get(error.status_code, f"请求失败（{error.status_code}）")
        return JSONResponse({"error": "HTTPError", "detail": detail, "field": None}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))

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
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    return app


def console_page(dist: Path, request: Request) -> Response | None:
    """The browser app for a GET outside /api/: a file of the build, or index.html for a client-side route."""
    if request.method not in ("GET", "HEAD") or request.url.path.startswith("/api/"):
        return None
    index = dist / "index.html"
    if not index.exists():
        return HTMLResponse("<p>浏览器端尚未构建，请运行 <code>make web</code> 或 <code>make demo</code>。</p>", status_code=503)
    file = (dist / request.url.path.lstrip("/")).resolve()
    if file.is_file() and file.is_relative_to(dist.resolve()):
        return FileResponse(file)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})
