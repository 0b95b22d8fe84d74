from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dangjian.audit.models import AuditEvent


# The client's address for the request being served; set by the web app's middleware.
request_address: ContextVar[str | None] = ContextVar("request_address", default=None)


def jsonable(value: Any) -> Any:
    """The value with dates as ISO text, at any depth, ready for a JSON column."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    org_id: int | None = None,
    address: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        address=address or request_address.get(),
        org_id=org_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=jsonable(before),
        after=jsonable(after),
    )
    session.add(event)
    return event
