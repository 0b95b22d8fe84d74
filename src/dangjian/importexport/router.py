"""/exports/... (Excel files of the roster, the import template) and /imports (roster imports run as
background jobs: upload, progress, preview, confirm, error workbook)."""

import os
import tempfile
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from dangjian.auth.principal import DbSession, Principal, require
from dangjian.auth.scope import ScopeKind, visible_org
from dangjian.errors import FIELD_LABELS, AppError, Conflict, Forbidden, NotFound, ValidationFailed
from dangjian.importexport import jobs, service
from dangjian.importexport.engine import XLSX
from dangjian.importexport.models import ImportJob
from dangjian.importexport.schemas import ImportConfirm, ImportJobRead, ImportMode, JobStatus
from dangjian.kit.upload import file_part, read_body
from dangjian.member.codes import EducationGroup, Employment, Gender, MemberStatus, Occupation
from dangjian.member.schemas import MAX_ID, MemberQuery
from dangjian.org.models import Organization

router = APIRouter()
for _field, _label in {"columns": "导出列", "full": "完整个人信息", "job_id": "导入任务编号", "mode": "导入方式",
                       "file": "文件", "filename": "文件名"}.items():
    FIELD_LABELS.setdefault(_field, _label)

MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MULTIPART_SLACK = 64 * 1024  # the multipart envelope around the file
SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # .xlsx (zip), .xls (OLE2)
FILE_DOC = {"description": "Excel 文件", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
UPLOAD_ERRORS = {413: {"description": "文件过大"}, 415: {"description": "不是 Excel 文件"}}

Exporter = Annotated[Principal, Depends(require("member:member:export"))]
Importer = Annotated[Principal, Depends(require("member:member:import"))]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="导入任务编号")]


class UploadRejected(AppError):
    pass


class MemberExportQuery(BaseModel):
    """Which members and columns to export (GET /exports/members.xlsx); filters as for GET /members."""

    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="党组织（含下级）；默认为本人数据范围的起点")
    columns: str | None = Field(None, max_length=500, description="导出列，逗号分隔，如 name,id_number,org；默认全部")
    full: bool = Field(False, description="导出完整身份证号、电话和住址（须有查看权限，记入审计）")
    name: str | None = Field(None, max_length=64, description="姓名（包含）")
    status: MemberStatus = MemberStatus.active
    gender: Gender | None = None
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    education_group: EducationGroup | None = None
    occupation: Occupation | None = None
    employment: Employment | None = None
    floating: bool | None = None
    lost_contact: bool | None = None
    without_post: bool | None = None
    probationary: bool | None = None


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the Chinese one (RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _file_response(path: str, filename: str, fallback: str) -> FileResponse:
    return FileResponse(path, media_type=XLSX, headers={"Content-Disposition": attachment(filename, fallback)},
                        background=BackgroundTask(os.remove, path))


def _temp_xlsx() -> str:
    handle, path = tempfile.mkstemp(prefix="dangjian-", suffix=".xlsx")
    os.close(handle)
    return path


def export_org(session, principal: Principal, org_id: int | None) -> Organization:
    if org_id is None:
        org_id = principal.scope.root_org_id
        if org_id is None:
            raise NotFound("没有可导出的党组织", field="org_id")
    return visible_org(session, principal.scope, org_id)


@router.get("/exports/members.xlsx", response_class=Response, responses={200: FILE_DOC},
            summary="导出党员名册（Excel，默认脱敏；完整信息须有权限并记入审计）")
def export_members(query: Annotated[MemberExportQuery, Query()], session: DbSession, principal: Exporter) -> Response:
    org = export_org(session, principal, query.org_id)
    full = query.full and principal.can("member:personal:reveal")
    if query.full and not full:
        raise Forbidden("没有查看完整个人信息的权限，不能导出完整身份证号、电话和住址", field="full")
    columns = [c.strip() for c in query.columns.split(",") if c.strip()] if query.columns else None
    filters = MemberQuery(**query.model_dump(exclude={"org_id", "columns", "full"}))
    path = _temp_xlsx()
    try:
        service.export_members(session, path, scope=principal.scope, org=org, actor=principal.actor, query=filters,
                               columns=columns, full=full)
    except BaseException:
        os.remove(path)
        raise
    day = date.today().strftime("%Y%m%d")
    return _file_response(path, f"{org.name}党员名册{day}.xlsx", f"members-{org.id}-{day}.xlsx")


@router.get("/exports/template.xlsx", response_class=Response, responses={200: FILE_DOC},
            summary="下载党员名册导入模板（含示例行和下拉选项）")
def export_template(principal: Importer) -> Response:
    path = _temp_xlsx()
    service.write_template(path)
    return _file_response(path, "党员名册导入模板.xlsx", "members-template.xlsx")


class Upload(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    content: bytes
    filename: str
    fields: dict[str, str] = {}


async def read_upload(request: Request) -> Upload:
    """The uploaded file: the request body itself (Content-Type of the file), or the part named
    "file" of a multipart/form-data body. At most 50 MB; .xlsx or .xls only."""
    too_large = UploadRejected(f"文件过大：不能超过 {MAX_UPLOAD_MB} MB（可按县、乡镇分别导入）", field="file", status=413)
    body = await read_body(request, MAX_UPLOAD_BYTES + MULTIPART_SLACK)
    if body is None:
        raise too_large
    part = file_part(request.headers.get("content-type", ""), body)
    content, filename = part.content, part.filename or request.query_params.get("filename") or ""
    if not content:
        raise ValidationFailed("文件：请选择要导入的 Excel 文件", field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise too_large
    if not content.startswith(SIGNATURES):
        raise UploadRejected("只能导入 Excel 文件（.xlsx 或 .xls），请在 Excel 中“另存为”后再上传", field="file", status=415)
    return Upload(content=content, filename=(filename or "upload.xlsx")[:255], fields=part.fields)


UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "Excel 文件（.xlsx 或 .xls，最大 50 MB）"}}}},
}}}


@router.post("/imports", response_model=ImportJobRead, status_code=202, openapi_extra=UPLOAD_BODY,
             responses=UPLOAD_ERRORS, summary="上传党员名册并开始导入（后台任务；默认先预览）")
def create_import(
    session: DbSession,
    principal: Importer,
    background: BackgroundTasks,
    upload: Annotated[Upload, Depends(read_upload)],
    mode: Annotated[ImportMode, Query(description="preview 只预览；valid-only 只导入无误的行；all-or-nothing 全部无误才导入")] = ImportMode.preview,
    org_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="导入到的党组织（含下级）；默认为本人数据范围")] = None,
    filename: Annotated[str | None, Query(max_length=255, description="文件名（直接上传文件内容时）")] = None,
) -> ImportJobRead:
    if "mode" in upload.fields:
        try:
            mode = ImportMode(upload.fields["mode"])
        except ValueError:
            raise ValidationFailed("导入方式：取值无效，可选：preview、valid-only、all-or-nothing", field="mode") from None
    if upload.fields.get("org_id"):
        if not upload.fields["org_id"].isdigit() or not 1 <= int(upload.fields["org_id"]) <= MAX_ID:
            raise ValidationFailed("所在党组织：应为整数", field="org_id")
        org_id = int(upload.fields["org_id"])
    if org_id is not None:
        org_id = visible_org(session, principal.scope, org_id).id
    elif principal.scope.kind is not ScopeKind.city:
        org_id = principal.scope.root_org_id
    job = ImportJob(kind="members", user_id=principal.user.id, actor=principal.actor, org_id=org_id, mode=mode.value,
                    status=JobStatus.queued.value, progress=0, filename=upload.filename, size=len(upload.content),
                    content=upload.content)
    session.add(job)
    session.flush()
    background.add_task(jobs.start, session, job.id)
    return jobs.job_read(session, job)


@router.get("/imports/{job_id}", response_model=ImportJobRead, summary="导入任务的状态、进度和结果")
def get_import(job_id: JobId, session: DbSession, principal: Importer) -> ImportJobRead:
    return jobs.job_read(session, jobs.visible_job(session, principal.user, job_id))


@router.post("/imports/{job_id}/confirm", response_model=ImportJobRead, status_code=202,
             summary="预览无误后确认导入（只导入无误的行，或全部无误才导入）")
def confirm_import(job_id: JobId, body: ImportConfirm, session: DbSession, principal: Importer,
                   background: BackgroundTasks) -> ImportJobRead:
    job = jobs.visible_job(session, principal.user, job_id)
    if job.status != JobStatus.previewed.value:
        raise Conflict(f"导入任务当前为“{JobStatus(job.status).label}”，只有预览完成的任务可以确认导入", field="job_id")
    job.mode, job.status, job.progress = body.mode, JobStatus.queued.value, 0
    job.result, job.errors_xlsx, job.finished_at = None, None, None
    session.flush()
    background.add_task(jobs.start, session, job.id)
    return jobs.job_read(session, job)


@router.get("/imports/{job_id}/errors.xlsx", response_class=Response, responses={200: FILE_DOC},
            summary="下载导入错误行（原值加行号、列和错误原因，改正后可重新导入）")
def import_errors(job_id: JobId, session: DbSession, principal: Importer) -> Response:
    job = jobs.visible_job(session, principal.user, job_id)
    if not job.errors_xlsx:
        raise NotFound("该导入任务没有错误行", field="job_id")
    stem = job.filename.rsplit(".", 1)[0]
    return Response(content=job.errors_xlsx, media_type=XLSX,
                    headers={"Content-Disposition": attachment(f"{stem}-错误行.xlsx", f"import-{job.id}-errors.xlsx")})
