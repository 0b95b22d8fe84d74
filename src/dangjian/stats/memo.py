"""Reports remembered until the data changes.

Every write is audited, so the audit log's last id is a version of the whole database: a report
computed at one version stays true until a write makes a new one. The city report takes about a
second at 333k members on SQLite; remembered, the dashboard opens at once.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangjian.audit.models import AuditEvent
from dangjian.config import get_settings
from dangjian.stats import service as stats_service

CAPACITY = 256
_entries: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


# Audited actions that change no data (reads and sign-ins); every other audited action is a write.
READ_ACTIONS = ("login", "reveal", "export")


def data_version(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.action.not_in(READ_ACTIONS))) or 0


def remembered(session: Session, key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its value from before if no data was written since (any module's key)."""
    if not get_settings().report_memo:
        return compute()
    key = (session.get_bind().engine.url.render_as_string(), data_version(session), *key)
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    value = compute()
    with _lock:
        _entries[key] = value
        while len(_entries) > CAPACITY:
            _entries.popitem(last=False)
    return value


def report(session: Session, *, org_id: int, as_of: date) -> dict[str, Any]:
    return remembered(session, ("report", org_id, as_of), lambda: stats_service.build_report(session, org_id=org_id, as_of=as_of))


def children(session: Session, *, org_id: int, as_of: date) -> list[dict[str, Any]]:
    return remembered(session, ("children", org_id, as_of), lambda: stats_service.report_by_children(session, org_id=org_id, as_of=as_of))


def forget() -> None:
    with _lock:
        _entries.clear()


def warm() -> None:
    """Compute today's city report and organizational life ahead of the first visitor (run by
    `dangjian serve`)."""
    from dangjian.db import session_scope
    from dangjian.org import service as org_service

    try:
        with session_scope(writes=False) as session:
            root = org_service.root_org(session)
            report(session, org_id=root.id, as_of=date.today())
            children(session, org_id=root.id, as_of=date.today())
            from dangjian.meeting import service as meeting_service

            start, end = meeting_service.default_period(None, None, date.today())
            meeting_service.branch_lives(session, org_id=root.id, start=start, end=end)
    except Exception:  # an empty or unmigrated database: nothing to warm
        return
