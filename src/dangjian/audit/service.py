from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from dangjian.audit.models import AuditEvent
from dangjian.auth.scope import Scope, ScopeKind
from dangjian.kit import idcard

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


# ---------------------------------------------------------------- reading the log

# Days in filters are Beijing days (China has one time zone and no daylight saving time).
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
ADDRESS_SHOWN = 6  # characters of an address left visible


def mask_phone(phone: str) -> str:
    """First 3 and last 4 characters visible: 138****5678; short numbers entirely hidden."""
    text = phone.strip()
    if len(text) <= 7:
        return "*" * len(text)
    return f"{text[:3]}{'*' * (len(text) - 7)}{text[-4:]}"


def mask_address(address: str) -> str:
    """The first 6 characters (never more than half) and ****: 湖南省衡阳市****."""
    text = address.strip()
    return f"{text[:min(ADDRESS_SHOWN, len(text) // 2)]}****"


PERSONAL: dict[str, Callable[[str], str]] = {
    "id_number": idcard.mask,
    "phone": mask_phone,
    "address": mask_address,
}


def _personal_mask(key: str) -> Callable[[str], str] | None:
    for name, mask in PERSONAL.items():
        if key == name or key.endswith(f"_{name}"):  # id_number, spouse_id_number, home_address
            return mask
    return None


def masked(value: Any, mask: Callable[[str], str] | None = None) -> Any:
    """The value with personal data masked at any depth: every text or number under a personal
    key (id_number, phone, address, or a key ending in _id_number, _phone, _address)."""
    if isinstance(value, dict):
        return {key: masked(item, _personal_mask(str(key)) or mask) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item, mask) for item in value]
    if mask is not None and value is not None and not isinstance(value, bool):
        return mask(str(value))
    return value


@dataclass(frozen=True)
class EventPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


def day_start(day: date) -> datetime:
    """The first instant of a Beijing day, in UTC (SQLite keeps UTC text without an offset)."""
    return datetime.combine(day, time.min, tzinfo=BEIJING).astimezone(UTC)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """Events of organizations in scope; events tied to no organization only for the whole city."""
    if scope.kind is ScopeKind.city:
        return true()
    return AuditEvent.org_id.in_(scope.org_ids())


def event_read(event: AuditEvent) -> dict[str, Any]:
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
    return {
        "id": event.id,
        "at": at.astimezone(BEIJING),
        "actor": event.actor,
        "address": event.address,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "org_id": event.org_id,
        "before": masked(event.before),
        "after": masked(event.after),
    }


def list_events(
    session: Session,
    *,
    scope: Scope,
    entity: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    page_size: int = 20,
) -> EventPage:
    """Events visible in `scope`, newest first, filtered (since/until: Beijing days, inclusive),
    with personal data in before/after masked."""
    conditions: list[ColumnElement[bool]] = [in_scope(scope)]
    for column, value in (
        (AuditEvent.entity, entity), (AuditEvent.entity_id, entity_id),
        (AuditEvent.actor, actor), (AuditEvent.action, action),
    ):
        if value is not None:
            conditions.append(column == value)
    if since is not None and since > date.min:
        conditions.append(AuditEvent.at >= day_start(since))
    if until is not None and until < date.max:
        conditions.append(AuditEvent.at < day_start(until + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    events = session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return EventPage([event_read(e) for e in events], int(total), page, page_size)
