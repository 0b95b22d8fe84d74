from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dangjian.audit.models import AuditEvent


def jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in values.items()}


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        address=address,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=jsonable(before),
        after=jsonable(after),
    )
    session.add(event)
    return event
