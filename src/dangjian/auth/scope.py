"""What a user may see: the one place that decides visibility.

A scope is the whole city, the subtrees of some organizations (a county, a township, an inspector's
assigned townships and villages), one organization (a branch secretary's branch) or one member (a
member's own record). Records outside it answer 404, so their existence does not leak.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from dangjian.auth.models import InspectorArea, User
from dangjian.auth.roles import Role
from dangjian.errors import NotFound
from dangjian.meeting.models import Meeting, MeetingAttendance
from dangjian.member.models import Member
from dangjian.org.models import Organization


class ScopeKind(StrEnum):
    city = "city"  # 全部
    subtree = "subtree"  # 本组织及以下
    org = "org"  # 本组织
    self = "self"  # 仅本人


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    roots: tuple[int, ...] = ()  # organization ids: subtree roots, or the one organization
    paths: tuple[str, ...] = ()
    member_id: int | None = None

    def orgs(self) -> ColumnElement[bool]:
        """Clause on Organization: the organizations in scope."""
        if self.kind is ScopeKind.city:
            return true()
        if self.kind is ScopeKind.subtree:
            return or_(*(Organization.path.startswith(p, autoescape=True) for p in self.paths)) if self.paths else false()
        if self.kind is ScopeKind.org:
            return Organization.id.in_(self.roots)
        return false()

    def meetings(self) -> ColumnElement[bool]:
        """Clause on Meeting: records of organizations in scope, or (a member) those they attended."""
        if self.kind is ScopeKind.self:
            if self.member_id is None:
                return false()
            return Meeting.id.in_(select(MeetingAttendance.meeting_id).where(MeetingAttendance.member_id == self.member_id))
        if self.kind is ScopeKind.city:
            return true()
        return Meeting.org_id.in_(self.org_ids())

    def org_ids(self) -> Select:
        return select(Organization.id).where(self.orgs())

    def members(self) -> ColumnElement[bool]:
        """Clause on Member: members whose organization is in scope, floating-in members whose
        inflow organization is, or the member themselves."""
        if self.kind is ScopeKind.self:
            return Member.id == self.member_id if self.member_id is not None else false()
        if self.kind is ScopeKind.city:
            return true()
        return or_(Member.org_id.in_(self.org_ids()), Member.inflow_org_id.in_(self.org_ids()))

    @property
    def root_org_id(self) -> int | None:
        """Where this user's reports and trees start (the first root)."""
        return self.roots[0] if self.roots else None


def scope_for(session: Session, user: User) -> Scope:
    role = Role(user.role)
    if role is Role.city_admin:
        root = session.scalar(select(Organization.id).where(Organization.parent_id.is_(None)).order_by(Organization.id))
        return Scope(ScopeKind.city, roots=(root,) if root else ())
    if role is Role.member:
        return Scope(ScopeKind.self, member_id=user.member_id)
    if role is Role.branch_secretary:
        return Scope(ScopeKind.org, roots=(user.org_id,) if user.org_id else ())
    if role is Role.inspector:
        ids = session.scalars(select(InspectorArea.org_id).where(InspectorArea.user_id == user.id).order_by(InspectorArea.id)).all()
    else:
        ids = [user.org_id] if user.org_id else []
    paths = session.scalars(select(Organization.path).where(Organization.id.in_(ids))).all() if ids else []
    return Scope(ScopeKind.subtree, roots=tuple(ids), paths=tuple(paths))


def visible_org(session: Session, scope: Scope, org_id: int) -> Organization:
    """The organization if it is in scope; otherwise 404, as if it did not exist."""
    org = session.scalar(select(Organization).where(Organization.id == org_id, scope.orgs()))
    if org is None:
        raise NotFound(f"党组织不存在：{org_id}", field="org_id")
    return org


def visible_member(session: Session, scope: Scope, member_id: int) -> Member:
    member = session.scalar(select(Member).where(Member.id == member_id, scope.members()))
    if member is None:
        raise NotFound(f"党员不存在：{member_id}", field="member_id")
    return member


def visible_meeting(session: Session, scope: Scope, meeting_id: int) -> Meeting:
    meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id, scope.meetings()))
    if meeting is None:
        raise NotFound(f"组织生活记录不存在：{meeting_id}", field="meeting_id")
    return meeting


def owns_member_formally(session: Session, scope: Scope, member: Member) -> bool:
    """Writes need the formal relation in scope: a member floating in from elsewhere in the city is
    only visible where they work. One whose relation is outside the city is kept by the inflow
    organization, which is then the one that may write."""
    if scope.kind is ScopeKind.self:
        return False
    keeper = member.org_id if member.org_id is not None else member.inflow_org_id
    if keeper is None:
        return False
    return session.scalar(select(Organization.id).where(Organization.id == keeper, scope.orgs())) is not None
