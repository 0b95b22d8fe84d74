"""Imports as background jobs: each runs in a thread with its own database session; the job row
keeps its status and result, and the running job's progress is kept in memory (the import's own
transaction holds SQLite's write lock, so progress cannot be written to the database meanwhile)."""

import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dangjian.auth.models import User
from dangjian.auth.roles import Role
from dangjian.auth.scope import scope_for
from dangjian.db import session_scope
from dangjian.errors import AppError, NotFound
from dangjian.importexport import service
from dangjian.importexport.models import ImportJob
from dangjian.importexport.schemas import ImportJobRead, ImportMode, ImportResult, JobStatus
from dangjian.member.schemas import OrgRef
from dangjian.org.models import Organization

log = logging.getLogger(__name__)
_progress: dict[int, tuple[int, str]] = {}
_lock = threading.Lock()
WAIT_FOR_JOB_S = 10.0  # the request that made the job may still be committing when the thread starts


def set_progress(job_id: int, percent: int, stage: str) -> None:
    with _lock:
        _progress[job_id] = (max(0, min(100, percent)), stage)


def progress_of(job_id: int) -> tuple[int, str] | None:
    with _lock:
        return _progress.get(job_id)


def visible_job(session: Session, user: User, job_id: int) -> ImportJob:
    """A job is seen by the user who started it and by the city's organization department."""
    job = session.get(ImportJob, job_id)
    if job is None or (job.user_id != user.id and user.role != Role.city_admin.value):
        raise NotFound(f"导入任务不存在：{job_id}", field="job_id")
    return job


def job_read(session: Session, job: ImportJob) -> ImportJobRead:
    percent, stage = job.progress, None
    if job.status in (JobStatus.queued.value, JobStatus.running.value) and (live := progress_of(job.id)):
        percent, stage = live
    org = session.get(Organization, job.org_id) if job.org_id is not None else None
    return ImportJobRead(
        id=job.id, status=job.status, status_label=JobStatus(job.status).label, mode=job.mode,
        mode_label=ImportMode(job.mode).label, filename=job.filename,
        size=job.size, org=OrgRef(id=org.id, name=org.name) if org else None, progress=percent, stage=stage,
        created_at=job.created_at, finished_at=job.finished_at,
        result=ImportResult.model_validate(job.result) if job.result else None, error=job.error,
        has_error_workbook=bool(job.result and job.result.get("error_rows")),
    )


def start(session: Session, job_id: int) -> None:
    """Run the job: in a thread with its own sessions when the request's session is bound to an
    engine (the server), or right here in the caller's session (tests, whose requests share one
    transaction)."""
    bind = session.get_bind()
    if isinstance(bind, Engine):
        threading.Thread(target=run, args=(job_id,), kwargs={"engine": bind}, name=f"import-job-{job_id}",
                         daemon=True).start()
    else:
        run(job_id, session=session)


@contextmanager
def _transaction(engine: Engine | None, session: Session | None, *, writes: bool = True) -> Iterator[Session]:
    if session is not None:
        with session.begin_nested():
            yield session
    else:
        with session_scope(engine, writes=writes) as own:
            yield own


def _claim(engine: Engine | None, session: Session | None, job_id: int) -> tuple[bytes, str, str, str, int | None, int] | None:
    """Mark the job running; its file and settings. Waits for the row to become visible."""
    deadline = time.monotonic() + WAIT_FOR_JOB_S
    while True:
        with _transaction(engine, session) as db:
            job = db.get(ImportJob, job_id)
            if job is not None:
                if job.status != JobStatus.queued.value:
                    return None
                job.status = JobStatus.running.value
                job.progress = 0
                return job.content, job.mode, job.actor, job.filename, job.org_id, job.user_id
        if session is not None or time.monotonic() > deadline:
            log.warning("import job %s not found", job_id)
            return None
        time.sleep(0.1)


def _finish(db: Session, job_id: int, *, status: JobStatus, result: dict | None = None, error: str | None = None,
            errors_xlsx: bytes | None = None) -> None:
    job = db.get(ImportJob, job_id)
    job.status = status.value
    job.progress = 100 if status is not JobStatus.failed else job.progress
    job.result = result
    job.error = error[:500] if error else None
    job.errors_xlsx = errors_xlsx
    job.finished_at = datetime.now(UTC)


def run(job_id: int, *, engine: Engine | None = None, session: Session | None = None) -> None:
    claimed = _claim(engine, session, job_id)
    if claimed is None:
        return
    content, mode_value, actor, filename, org_id, user_id = claimed
    mode = ImportMode(mode_value)
    set_progress(job_id, 0, "读取文件")
    try:
        with _transaction(engine, session, writes=mode is not ImportMode.preview) as db:
            user = db.get(User, user_id)
            target = db.get(Organization, org_id) if org_id is not None else None
            result, plan = service.import_members(
                db, content, scope=scope_for(db, user), actor=actor, mode=mode, target=target, filename=filename,
                progress=lambda percent, stage: set_progress(job_id, percent, stage))
            errors_xlsx = None
            if plan.issues:
                with tempfile.TemporaryDirectory(prefix="dangjian-import-") as folder:
                    path = Path(folder) / "errors.xlsx"
                    service.write_error_workbook(plan, path)
                    errors_xlsx = path.read_bytes()
            status = JobStatus.previewed if mode is ImportMode.preview else JobStatus.done
            if mode is not ImportMode.preview:  # the members and the job's outcome commit together
                _finish(db, job_id, status=status, result=result.model_dump(mode="json"), errors_xlsx=errors_xlsx)
        if mode is ImportMode.preview:
            with _transaction(engine, session) as db:
                _finish(db, job_id, status=status, result=result.model_dump(mode="json"), errors_xlsx=errors_xlsx)
    except AppError as error:
        with _transaction(engine, session) as db:
            _finish(db, job_id, status=JobStatus.failed, error=error.detail)
    except Exception:
        log.exception("import job %s failed", job_id)
        with _transaction(engine, session) as db:
            _finish(db, job_id, status=JobStatus.failed, error="导入时发生内部错误，请联系管理员")
    finally:
        with _lock:
            _progress.pop(job_id, None)
