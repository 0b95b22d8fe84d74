"""/audit/events: the audit log within the caller's scope, personal data masked."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from dangjian.audit import service as audit_service
from dangjian.audit.schemas import AuditEventPage, Day
from dangjian.auth.principal import DbSession, Principal, require
from dangjian.errors import FIELD_LABELS, ValidationFailed

router = APIRouter()

for _field, _label in {
    "entity": "对象类型", "entity_id": "对象编号", "actor": "操作人", "action": "操作",
    "since": "起始日期", "until": "截止日期",
}.items():
    FIELD_LABELS.setdefault(_field, _label)

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
MAX_ID = 2_147_483_647


@router.get("/events", response_model=AuditEventPage, summary="审计日志（新的在前，个人信息已脱敏）")
def list_events(
    session: DbSession,
    principal: Principal = Depends(require("audit:event:read")),
    entity: Annotated[str | None, Query(max_length=32, pattern=NO_NUL, description="对象类型，如 member、organization")] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="对象编号")] = None,
    actor: Annotated[str | None, Query(max_length=64, pattern=NO_NUL, description="操作人用户名")] = None,
    action: Annotated[str | None, Query(max_length=24, pattern=NO_NUL, description="操作，如 create、update、export")] = None,
    since: Annotated[Day | None, Query(description="起始日期（含，北京时间）")] = None,
    until: Annotated[Day | None, Query(description="截止日期（含，北京时间）")] = None,
    page: Annotated[int, Query(ge=1, le=100_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AuditEventPage:
    if since is not None and until is not None and until < since:
        raise ValidationFailed("截止日期：不能早于起始日期", field="until")
    result = audit_service.list_events(
        session, scope=principal.scope, entity=entity, entity_id=entity_id, actor=actor, action=action,
        since=since, until=until, page=page, page_size=page_size,
    )
    return AuditEventPage.model_validate(asdict(result))
