"""Records of organizational life, party groups, and the compliance views built on compliance.py."""

import hashlib
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Integer, case, cast, delete, extract, func, insert, or_, select
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.auth.models import User
from dangjian.auth.roles import Role
from dangjian.auth.scope import Scope, visible_org
from dangjian.config import get_settings
from dangjian.errors import Conflict, NotFound, ValidationFailed
from dangjian.meeting import compliance
from dangjian.meeting.codes import AttendanceStatus, KindStatus, LifeStatus, MeetingKind, Signal
from dangjian.meeting.models import (
    Meeting,
    MeetingAttachment,
    MeetingAttendance,
    PartyGroup,
    PartyGroupMember,
    TalkParticipant,
)
from dangjian.meeting.schemas import (
    AttachmentRead,
    AttendanceIn,
    AttendanceRead,
    Attendee,
    BranchLifeDetail,
    BranchLifePage,
    BranchLifeRead,
    ComplianceChild,
    ComplianceReport,
    KindCell,
    KindDetail,
    LapsedMember,
    LapsedPage,
    MeetingCreate,
    MeetingDetail,
    MeetingFields,
    MeetingListItem,
    MeetingPage,
    MeetingQuery,
    Participation,
    ParticipationPage,
    PartyGroupCreate,
    PartyGroupPatch,
    PartyGroupRead,
    PeriodCell,
    Ref,
    StatusCounts,
)
from dangjian.member.models import Member, MemberPeriod
from dangjian.org import service as org_service
from dangjian.org.codes import BASIC_LEVEL_KINDS, BRANCH_KINDS, DivisionLevel
from dangjian.org.models import Division, OrgAncestor, Organization
from dangjian.stats import memo

FIELD_LABELS = {
    "org_id": "党组织", "kind": "类型", "held_on": "日期", "group_id": "党小组", "topic": "主题", "place": "地点",
    "host": "主持人", "speaker": "授课人", "minutes": "会议记录", "decisions": "决定事项", "attendance": "参会情况",
    "edit_reason": "修改事由", "name": "名称", "leader_id": "组长", "founded_on": "成立日期", "member_ids": "组员",
    "dissolved_on": "撤销日期",
}
MEETING_FIELDS = ("kind", "held_on", "group_id", "topic", "place", "host", "speaker", "minutes", "decisions")
# Talks are between people; every other record is of the whole branch (or group).
MIN_TALK_PARTICIPANTS = 2
# A file's first bytes must match its declared type (DOCX and XLSX are ZIP containers).
MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


def _ref(row) -> Ref:
    return Ref(id=row.id, name=row.name)


def _snapshot(meeting: Meeting, attendance: list[tuple[int, str, str | None]] | None = None) -> dict[str, Any]:
    values = {field: getattr(meeting, field) for field in ("org_id", *MEETING_FIELDS)}
    if attendance is not None:
        values["attendance"] = [{"member_id": m, "status": s, "reason": r} for m, s, r in attendance]
    return values


# ---------------------------------------------------------------- who may attend


def attending_members(session: Session, org: Organization, on: date):
    """Members of the organization on the day: by formal relation, or floating into it."""
    return (
        select(MemberPeriod.member_id, MemberPeriod.org_id)
        .where(or_(MemberPeriod.org_id == org.id, MemberPeriod.inflow_org_id == org.id),
               org_service.covering(MemberPeriod.start_on, MemberPeriod.end_on, on))
    )


def attendees(session: Session, org: Organization, *, on: date, group_id: int | None = None) -> list[Attendee]:
    members = attending_members(session, org, on).subquery()
    query = (
        select(Member.id, Member.name, Member.gender, Member.confirmed_on, members.c.org_id)
        .join(members, members.c.member_id == Member.id)
        .order_by(Member.name, Member.id)
    )
    if group_id is not None:
        query = query.where(Member.id.in_(select(PartyGroupMember.member_id).where(PartyGroupMember.group_id == group_id)))
    rows = session.execute(query).all()
    groups: dict[int, list[int]] = {}
    for member_id, gid in session.execute(
        select(PartyGroupMember.member_id, PartyGroupMember.group_id)
        .join(PartyGroup, PartyGroup.id == PartyGroupMember.group_id)
        .where(PartyGroup.org_id == org.id)
    ):
        groups.setdefault(member_id, []).append(gid)
    return [
        Attendee(member_id=r.id, name=r.name, gender=r.gender, is_probationary=r.confirmed_on is None or r.confirmed_on > on,
                 is_floating_in=r.org_id != org.id, group_ids=sorted(groups.get(r.id, [])))
        for r in rows
    ]


# ---------------------------------------------------------------- records


def _check_org(org: Organization) -> None:
    if org.kind not in {k.value for k in BASIC_LEVEL_KINDS}:
        raise ValidationFailed(f"党组织：{org.name}不是基层党组织（党委、党总支、党支部），不记录组织生活", field="org_id")


def _check_record(session: Session, org: Organization, values: dict[str, Any], today: date) -> None:
    held_on: date = values["held_on"]
    if held_on > today:
        raise ValidationFailed(f"日期：不能晚于今天（{today.isoformat()}）", field="held_on")
    if held_on < org.founded_on:
        raise ValidationFailed(f"日期：早于{org.name}的成立日期（{org.founded_on.isoformat()}）", field="held_on")
    if org.dissolved_on is not None and held_on >= org.dissolved_on:
        raise ValidationFailed(f"日期：{org.name}已于{org.dissolved_on.isoformat()}撤销", field="held_on")
    if not (values.get("topic") or "").strip():
        raise ValidationFailed("主题：不能为空", field="topic")
    kind = MeetingKind(values["kind"])
    if kind is MeetingKind.party_lesson and not (values.get("speaker") or "").strip():
        raise ValidationFailed("授课人：党课须填写授课人", field="speaker")
    group_id = values.get("group_id")
    if kind is MeetingKind.group_meeting:
        if group_id is None:
            raise ValidationFailed("党小组：党小组会须选择党小组", field="group_id")
        group = session.get(PartyGroup, group_id)
        if group is None or group.org_id != org.id:
            raise ValidationFailed(f"党小组：不是{org.name}的党小组", field="group_id")
        if group.founded_on > held_on or (group.dissolved_on is not None and group.dissolved_on <= held_on):
            raise ValidationFailed("党小组：会议日期时该党小组不存在", field="group_id")
    elif group_id is not None:
        raise ValidationFailed(f"党小组：只有党小组会选择党小组（本记录为{kind.label}）", field="group_id")


def _check_attendance(
    session: Session, org: Organization, values: dict[str, Any], rows: list[AttendanceIn]
) -> list[tuple[int, str, str | None]]:
    held_on, kind = values["held_on"], MeetingKind(values["kind"])
    eligible = set(session.scalars(select(attending_members(session, org, held_on).subquery().c.member_id)))
    if kind is MeetingKind.group_meeting:
        eligible &= set(session.scalars(select(PartyGroupMember.member_id).where(PartyGroupMember.group_id == values["group_id"])))
    ids = [row.member_id for row in rows]
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all()) if ids else {}
    seen: set[int] = set()
    result = []
    for number, row in enumerate(rows, start=1):
        who = names.get(row.member_id, f"编号{row.member_id}")
        if row.member_id in seen:
            raise ValidationFailed(f"参会情况第{number}行：{who}重复列出", field="attendance")
        seen.add(row.member_id)
        if row.member_id not in eligible:
            where = "该党小组" if kind is MeetingKind.group_meeting else org.name
            raise ValidationFailed(f"参会情况第{number}行：{who}在{held_on.isoformat()}不是{where}的党员", field="attendance")
        reason = (row.reason or "").strip() or None
        if row.status is AttendanceStatus.excused and reason is None:
            raise ValidationFailed(f"参会情况第{number}行：{who}请假，须填写请假事由", field="attendance")
        result.append((row.member_id, row.status.value, reason))
    if not result:
        raise ValidationFailed("参会情况：至少列出一名参会党员", field="attendance")
    present = sum(1 for _, status, _ in result if status == AttendanceStatus.present.value)
    if kind is MeetingKind.heart_to_heart_talk and present < MIN_TALK_PARTICIPANTS:
        raise ValidationFailed("参会情况：谈心谈话至少须有两名党员出席", field="attendance")
    return result


def _write_attendance(session: Session, meeting: Meeting, rows: list[tuple[int, str, str | None]]) -> None:
    session.execute(delete(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    session.add_all(
        MeetingAttendance(meeting_id=meeting.id, member_id=m, status=s, reason=r, held_on=meeting.held_on) for m, s, r in rows
    )
    counts = Counter(status for _, status, _ in rows)
    meeting.present_count = counts[AttendanceStatus.present.value]
    meeting.excused_count = counts[AttendanceStatus.excused.value]
    meeting.absent_count = counts[AttendanceStatus.absent.value]


def refresh_talks(session: Session, buckets: set[tuple[int, int]] | None = None) -> None:
    """Recompute `talk_participant` from the talk records for the given (organization, year)
    buckets, or for every one when None."""
    session.flush()
    year = cast(extract("year", Meeting.held_on), Integer)
    talkers = (
        select(Meeting.org_id, year, MeetingAttendance.member_id, func.min(Meeting.held_on))
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(Meeting.kind == MeetingKind.heart_to_heart_talk.value,
               MeetingAttendance.status == AttendanceStatus.present.value)
        .group_by(Meeting.org_id, year, MeetingAttendance.member_id)
    )
    columns = ["org_id", "year", "member_id", "first_on"]
    if buckets is None:
        session.execute(delete(TalkParticipant))
        session.execute(insert(TalkParticipant).from_select(columns, talkers))
        return
    for org_id, talk_year in sorted(buckets):
        session.execute(delete(TalkParticipant).where(TalkParticipant.org_id == org_id, TalkParticipant.year == talk_year))
        in_bucket = talkers.where(Meeting.org_id == org_id, Meeting.held_on >= date(talk_year, 1, 1),
                                  Meeting.held_on <= date(talk_year, 12, 31))
        session.execute(insert(TalkParticipant).from_select(columns, in_bucket))


def _talk_buckets(meeting: Meeting) -> set[tuple[int, int]]:
    """The bucket of `talk_participant` a record counts in (none unless it is a talk)."""
    if meeting.kind != MeetingKind.heart_to_heart_talk.value:
        return set()
    return {(meeting.org_id, meeting.held_on.year)}


def _attendance_of(session: Session, meeting_id: int) -> list[tuple[int, str, str | None]]:
    return [tuple(r) for r in session.execute(
        select(MeetingAttendance.member_id, MeetingAttendance.status, MeetingAttendance.reason)
        .where(MeetingAttendance.meeting_id == meeting_id).order_by(MeetingAttendance.member_id)
    )]


def create_meeting(session: Session, scope: Scope, data: MeetingCreate, *, actor: str, today: date | None = None) -> Meeting:
    today = today or date.today()
    org = visible_org(session, scope, data.org_id)
    _check_org(org)
    values = data.model_dump(include=set(MEETING_FIELDS))
    values["kind"] = data.kind.value
    _check_record(session, org, values, today)
    rows = _check_attendance(session, org, values, data.attendance)
    meeting = Meeting(org_id=org.id, recorded_by=actor, **{k: v.strip() if isinstance(v, str) else v for k, v in values.items()})
    session.add(meeting)
    session.flush()
    _write_attendance(session, meeting, rows)
    refresh_talks(session, _talk_buckets(meeting))
    audit_service.record(session, actor=actor, action="create", entity="meeting", entity_id=meeting.id, org_id=org.id,
                         after=_snapshot(meeting, rows))
    session.flush()
    return meeting


def reason_needed(meeting: Meeting, today: date) -> bool:
    recorded = meeting.created_at.date() if meeting.created_at else today
    return (today - recorded).days >= get_settings().meeting_edit_grace_days


def _check_reason(meeting: Meeting, reason: str | None, today: date) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None and reason_needed(meeting, today):
        days = get_settings().meeting_edit_grace_days
        raise ValidationFailed(f"修改事由：记录录入已满{days}天，修改或删除须填写事由", field="edit_reason")
    return reason


def _check_version(meeting: Meeting, version: int) -> None:
    if meeting.version != version:
        raise Conflict("该记录已被他人修改，请刷新后重试", field="version")


def update_meeting(session: Session, meeting: Meeting, data: MeetingFields, *, version: int, edit_reason: str | None,
                   actor: str, today: date | None = None) -> Meeting:
    today = today or date.today()
    _check_version(meeting, version)
    reason = _check_reason(meeting, edit_reason, today)
    org = session.get(Organization, meeting.org_id)
    old_rows = _attendance_of(session, meeting.id)
    before = _snapshot(meeting, old_rows)
    talks_before = _talk_buckets(meeting)
    changes = data.model_dump(include=set(MEETING_FIELDS), exclude_unset=True)
    for field in ("kind", "held_on", "topic"):
        if field in changes and changes[field] is None:
            raise ValidationFailed(f"{FIELD_LABELS[field]}：不能为空", field=field)
    values = {**{f: getattr(meeting, f) for f in MEETING_FIELDS}, **changes}
    if isinstance(values["kind"], MeetingKind):
        values["kind"] = values["kind"].value
    if values["kind"] != MeetingKind.group_meeting.value and "group_id" not in changes:
        values["group_id"] = None
    _check_record(session, org, values, today)
    attendance = data.attendance
    if attendance is None:  # the date or group changed: the same people must still be eligible
        attendance = [AttendanceIn(member_id=m, status=AttendanceStatus(s), reason=r) for m, s, r in old_rows]
    rows = _check_attendance(session, org, values, attendance)
    for field in MEETING_FIELDS:
        value = values[field]
        setattr(meeting, field, value.strip() if isinstance(value, str) else value)
    _write_attendance(session, meeting, rows)
    refresh_talks(session, talks_before | _talk_buckets(meeting))
    meeting.version += 1
    meeting.updated_at = datetime.now(UTC)
    after = _snapshot(meeting, rows)
    audit_service.record(session, actor=actor, action="update", entity="meeting", entity_id=meeting.id, org_id=org.id,
                         before={**before, "edit_reason": None}, after={**after, "edit_reason": reason})
    session.flush()
    return meeting


def delete_meeting(session: Session, meeting: Meeting, *, version: int, reason: str | None, actor: str,
                   today: date | None = None) -> None:
    today = today or date.today()
    _check_version(meeting, version)
    reason = _check_reason(meeting, reason, today)
    before = _snapshot(meeting, _attendance_of(session, meeting.id))
    session.execute(delete(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    session.execute(delete(MeetingAttachment).where(MeetingAttachment.meeting_id == meeting.id))
    audit_service.record(session, actor=actor, action="delete", entity="meeting", entity_id=meeting.id, org_id=meeting.org_id,
                         before=before, after={"edit_reason": reason})
    session.delete(meeting)
    refresh_talks(session, _talk_buckets(meeting))


def _list_items(session: Session, meetings: list[Meeting]) -> list[MeetingListItem]:
    orgs = {r.id: _ref(r) for r in session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_({m.org_id for m in meetings})))}
    group_ids = {m.group_id for m in meetings if m.group_id}
    groups = {r.id: _ref(r) for r in session.execute(
        select(PartyGroup.id, PartyGroup.name).where(PartyGroup.id.in_(group_ids)))} if group_ids else {}
    return [
        MeetingListItem(id=m.id, org=orgs[m.org_id], group=groups.get(m.group_id) if m.group_id else None,
                        kind=MeetingKind(m.kind), held_on=m.held_on, topic=m.topic, present_count=m.present_count,
                        excused_count=m.excused_count, absent_count=m.absent_count)
        for m in meetings
    ]


def search_meetings(session: Session, scope: Scope, query: MeetingQuery) -> MeetingPage:
    clauses = [scope.meetings()]
    if query.org_id is not None:
        org = visible_org(session, scope, query.org_id)
        clauses.append(Meeting.org_id.in_(org_service.subtree_ids(org.id)))
    if query.kind is not None:
        clauses.append(Meeting.kind == query.kind.value)
    if query.start is not None:
        clauses.append(Meeting.held_on >= query.start)
    if query.end is not None:
        clauses.append(Meeting.held_on <= query.end)
    total = session.scalar(select(func.count()).select_from(Meeting).where(*clauses)) or 0
    meetings = list(session.scalars(
        select(Meeting).where(*clauses).order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(query.page_size).offset((query.page - 1) * query.page_size)
    ))
    return MeetingPage(items=_list_items(session, meetings), total=total, page=query.page, page_size=query.page_size)


def meeting_detail(session: Session, meeting: Meeting, *, may_edit: bool, today: date | None = None) -> MeetingDetail:
    today = today or date.today()
    item = _list_items(session, [meeting])[0]
    attendance = [
        AttendanceRead(member_id=r.member_id, name=r.name, status=AttendanceStatus(r.status), reason=r.reason)
        for r in session.execute(
            select(MeetingAttendance.member_id, Member.name, MeetingAttendance.status, MeetingAttendance.reason)
            .join(Member, Member.id == MeetingAttendance.member_id)
            .where(MeetingAttendance.meeting_id == meeting.id)
            .order_by(MeetingAttendance.status.desc(), Member.name, Member.id)
        )
    ]
    attachments = [AttachmentRead.model_validate(a) for a in session.scalars(
        select(MeetingAttachment).where(MeetingAttachment.meeting_id == meeting.id).order_by(MeetingAttachment.id))]
    return MeetingDetail(
        **item.model_dump(), place=meeting.place, host=meeting.host, speaker=meeting.speaker, minutes=meeting.minutes,
        decisions=meeting.decisions, attendance=attendance, attachments=attachments, recorded_by=meeting.recorded_by,
        created_at=meeting.created_at, updated_at=meeting.updated_at, version=meeting.version,
        reason_needed=reason_needed(meeting, today), may_edit=may_edit,
    )


def may_write(session: Session, scope: Scope, meeting: Meeting) -> bool:
    return session.scalar(select(Organization.id).where(Organization.id == meeting.org_id, scope.orgs())) is not None


# ---------------------------------------------------------------- attachments


def add_attachment(session: Session, meeting: Meeting, *, filename: str, content_type: str, content: bytes,
                   actor: str) -> MeetingAttachment:
    settings = get_settings()
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not name:
        raise ValidationFailed("附件：缺少文件名", field="file")
    if content_type not in settings.attachment_types:
        raise ValidationFailed(f"附件：{name}的类型不允许（可上传 PDF、JPG、PNG、DOCX、XLSX）", field="file")
    if not content:
        raise ValidationFailed(f"附件：{name}是空文件", field="file")
    if len(content) > settings.attachment_max_bytes:
        limit = settings.attachment_max_bytes // (1024 * 1024)
        raise ValidationFailed(f"附件：{name}超过{limit}MB", field="file")
    if not content.startswith(MAGIC.get(content_type, (b"",))):
        raise ValidationFailed(f"附件：{name}的内容与声明的类型（{content_type}）不符", field="file")
    attachment = MeetingAttachment(meeting_id=meeting.id, filename=name, content_type=content_type, size=len(content),
                                   sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=actor)
    session.add(attachment)
    session.flush()
    audit_service.record(session, actor=actor, action="create", entity="meeting_attachment", entity_id=attachment.id,
                         org_id=meeting.org_id, after={"meeting_id": meeting.id, "filename": name, "size": len(content),
                                                       "sha256": attachment.sha256})
    return attachment


def get_attachment(session: Session, meeting: Meeting, attachment_id: int) -> MeetingAttachment:
    attachment = session.get(MeetingAttachment, attachment_id)
    if attachment is None or attachment.meeting_id != meeting.id:
        raise NotFound(f"附件不存在：{attachment_id}", field="attachment_id")
    return attachment


def remove_attachment(session: Session, meeting: Meeting, attachment_id: int, *, actor: str) -> None:
    attachment = get_attachment(session, meeting, attachment_id)
    audit_service.record(session, actor=actor, action="delete", entity="meeting_attachment", entity_id=attachment.id,
                         org_id=meeting.org_id, before={"meeting_id": meeting.id, "filename": attachment.filename,
                                                        "size": attachment.size, "sha256": attachment.sha256})
    session.delete(attachment)
    session.flush()


# ---------------------------------------------------------------- party groups


def _group_read(session: Session, group: PartyGroup) -> PartyGroupRead:
    members = [_ref(r) for r in session.execute(
        select(Member.id, Member.name).join(PartyGroupMember, PartyGroupMember.member_id == Member.id)
        .where(PartyGroupMember.group_id == group.id).order_by(Member.name, Member.id))]
    leader = next((m for m in members if m.id == group.leader_id), None)
    if leader is None and group.leader_id is not None:
        leader = Ref(id=group.leader_id, name=session.get(Member, group.leader_id).name)
    return PartyGroupRead(id=group.id, org_id=group.org_id, name=group.name, leader=leader, founded_on=group.founded_on,
                          dissolved_on=group.dissolved_on, members=members)


def list_groups(session: Session, org: Organization) -> list[PartyGroupRead]:
    groups = session.scalars(select(PartyGroup).where(PartyGroup.org_id == org.id).order_by(PartyGroup.id))
    return [_group_read(session, g) for g in groups]


def _check_group_members(session: Session, org: Organization, member_ids: list[int], leader_id: int | None,
                         group_id: int | None) -> None:
    current = set(session.scalars(select(Member.id).where(Member.status == "active", or_(Member.org_id == org.id, Member.inflow_org_id == org.id))))
    for number, member_id in enumerate(member_ids, start=1):
        if member_id not in current:
            raise ValidationFailed(f"组员第{number}个：编号{member_id}不是{org.name}的党员", field="member_ids")
    if len(set(member_ids)) != len(member_ids):
        raise ValidationFailed("组员：有重复", field="member_ids")
    taken = session.execute(
        select(Member.name).join(PartyGroupMember, PartyGroupMember.member_id == Member.id)
        .join(PartyGroup, PartyGroup.id == PartyGroupMember.group_id)
        .where(PartyGroupMember.member_id.in_(member_ids), PartyGroup.org_id == org.id, PartyGroup.dissolved_on.is_(None),
               PartyGroup.id != (group_id or 0))
    ).scalars().first()
    if taken:
        raise ValidationFailed(f"组员：{taken}已在本支部的另一个党小组", field="member_ids")
    if leader_id is not None and leader_id not in member_ids:
        raise ValidationFailed("组长：须是本小组的组员", field="leader_id")


def create_group(session: Session, scope: Scope, data: PartyGroupCreate, *, actor: str) -> PartyGroup:
    org = visible_org(session, scope, data.org_id)
    if org.kind not in {k.value for k in BRANCH_KINDS}:
        raise ValidationFailed(f"党组织：党小组设在党支部下，{org.name}不是党支部", field="org_id")
    if data.founded_on < org.founded_on or data.founded_on > date.today():
        raise ValidationFailed("成立日期：应在党支部成立之后、今天之前", field="founded_on")
    _check_group_members(session, org, data.member_ids, data.leader_id, None)
    group = PartyGroup(org_id=org.id, name=data.name.strip(), leader_id=data.leader_id, founded_on=data.founded_on)
    session.add(group)
    session.flush()
    session.add_all(PartyGroupMember(group_id=group.id, member_id=m) for m in data.member_ids)
    audit_service.record(session, actor=actor, action="create", entity="party_group", entity_id=group.id, org_id=org.id,
                         after={**data.model_dump()})
    session.flush()
    return group


def update_group(session: Session, scope: Scope, group_id: int, data: PartyGroupPatch, *, actor: str) -> PartyGroup:
    group = session.get(PartyGroup, group_id)
    org = session.scalar(select(Organization).where(Organization.id == group.org_id, scope.orgs())) if group else None
    if group is None or org is None:
        raise NotFound(f"党小组不存在：{group_id}", field="group_id")
    members = list(session.scalars(select(PartyGroupMember.member_id).where(PartyGroupMember.group_id == group.id)))
    before = {"name": group.name, "leader_id": group.leader_id, "member_ids": members, "dissolved_on": group.dissolved_on}
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "member_ids"):  # null for these means "unchanged"; an empty list clears the members
        if changes.get(field, "") is None:
            del changes[field]
    new_members = changes.get("member_ids", members)
    leader = changes.get("leader_id", group.leader_id)
    _check_group_members(session, org, new_members, leader, group.id)
    if "dissolved_on" in changes and changes["dissolved_on"] is not None and changes["dissolved_on"] < group.founded_on:
        raise ValidationFailed("撤销日期：早于成立日期", field="dissolved_on")
    if "name" in changes:
        group.name = changes["name"].strip()
    group.leader_id = leader
    if "dissolved_on" in changes:
        group.dissolved_on = changes["dissolved_on"]
    if "member_ids" in changes:
        session.execute(delete(PartyGroupMember).where(PartyGroupMember.group_id == group.id))
        session.add_all(PartyGroupMember(group_id=group.id, member_id=m) for m in new_members)
    after = {"name": group.name, "leader_id": group.leader_id, "member_ids": new_members, "dissolved_on": group.dissolved_on}
    audit_service.record(session, actor=actor, action="update", entity="party_group", entity_id=group.id, org_id=org.id,
                         before=before, after=after)
    session.flush()
    return group


def group_read(session: Session, group: PartyGroup) -> PartyGroupRead:
    return _group_read(session, group)


# ---------------------------------------------------------------- compliance views


def branch_lives(session: Session, *, org_id: int, start: date, end: date) -> list[compliance.BranchLife]:
    """compliance.branch_lives, remembered until the next write (a city takes seconds)."""
    return memo.remembered(session, ("org-life", org_id, start, end),
                           lambda: compliance.branch_lives(session, org_id=org_id, start=start, end=end))


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def status_counts(lives: list[compliance.BranchLife]) -> StatusCounts:
    settings = get_settings()
    by_status = Counter(life.status for life in lives)
    total = len(lives)
    regular = by_status[LifeStatus.regular]
    weak = by_status[LifeStatus.half_paralysed] + by_status[LifeStatus.paralysed]
    if total and (regular < total * settings.red_regular_share or weak > total * settings.red_weak_share):
        signal = Signal.red
    elif total and regular < total * settings.amber_regular_share:
        signal = Signal.amber
    else:
        signal = Signal.green
    return StatusCounts(
        total=total, regular=regular, irregular=by_status[LifeStatus.irregular],
        half_paralysed=by_status[LifeStatus.half_paralysed], paralysed=by_status[LifeStatus.paralysed],
        regular_share=percent(regular, total) or 0.0,
        attendance_rate=percent(sum(x.present for x in lives), sum(x.expected for x in lives)), signal=signal,
    )


def compliance_report(session: Session, scope: Scope, org: Organization, lives: list[compliance.BranchLife], *,
                      start: date, end: date) -> ComplianceReport:
    on_day = org_service.covering(OrgAncestor.valid_from, OrgAncestor.valid_to, end)
    children = session.execute(
        select(Organization.id, Organization.name)
        .join(OrgAncestor, OrgAncestor.descendant_id == Organization.id)
        .where(OrgAncestor.ancestor_id == org.id, OrgAncestor.depth == 1, on_day, scope.orgs(),
               org_service.covering(Organization.founded_on, Organization.dissolved_on, end))
        .order_by(Organization.code)
    ).all()
    under: dict[int, int] = dict(session.execute(
        select(OrgAncestor.descendant_id, OrgAncestor.ancestor_id)
        .where(OrgAncestor.ancestor_id.in_([c.id for c in children]), on_day,
               OrgAncestor.descendant_id.in_(compliance.branch_ids(org.id, end)))
    ).all()) if children else {}
    grouped: dict[int, list[compliance.BranchLife]] = {c.id: [] for c in children}
    for life in lives:
        if life.org_id in under:
            grouped[under[life.org_id]].append(life)
    return ComplianceReport(
        org=_ref(org), start=start, end=end, counts=status_counts(lives),
        children=[ComplianceChild(org=_ref(c), counts=status_counts(grouped[c.id])) for c in children if grouped[c.id]],
    )


SEVERITY = {LifeStatus.paralysed: 0, LifeStatus.half_paralysed: 1, LifeStatus.irregular: 2, LifeStatus.regular: 3}


def _townships(session: Session, org_ids: list[int], end: date) -> dict[int, Organization]:
    """The township-level organization (乡镇、街道党（工）委) above each branch."""
    on_day = org_service.covering(OrgAncestor.valid_from, OrgAncestor.valid_to, end)
    rows = session.execute(
        select(OrgAncestor.descendant_id, Organization)
        .join(Organization, Organization.id == OrgAncestor.ancestor_id)
        .join(Division, Division.id == Organization.division_id)
        .where(OrgAncestor.descendant_id.in_(org_ids), OrgAncestor.depth > 0, on_day,
               Division.level == DivisionLevel.township.value)
        .order_by(OrgAncestor.depth.desc())
    ).all()
    return {branch: org for branch, org in rows}  # the nearest wins (smallest depth comes last)


def branch_rows(session: Session, lives: list[compliance.BranchLife], *, start: date, end: date) -> list[BranchLifeRead]:
    ids = [life.org_id for life in lives]
    if not ids:
        return []
    names = {r.id: _ref(r) for r in session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids)))}
    townships = _townships(session, ids, end)
    secretaries: dict[int, str] = {}
    for org_id, name, post in session.execute(
        select(Member.org_id, Member.name, Member.post)
        .where(Member.org_id.in_(ids), Member.status == "active", Member.post.like("%书记%"), ~Member.post.like("%副书记%"))
        .order_by(Member.id)
    ):
        secretaries.setdefault(org_id, name)
    organizers: dict[int, list[str]] = {}
    township_ids = {t.id for t in townships.values()}
    for org_id, name in session.execute(
        select(User.org_id, User.display_name)
        .where(User.org_id.in_(township_ids), User.role == Role.township_organizer.value, User.is_active.is_(True))
        .order_by(User.id)
    ):
        organizers.setdefault(org_id, []).append(name)
    kinds = compliance.kind_statuses(session, org_ids=ids, start=start, end=end)
    rows = []
    for life in lives:
        township = townships.get(life.org_id)
        rows.append(BranchLifeRead(
            org=names[life.org_id], township=_ref(township) if township else None, status=life.status,
            overdue_kinds=life.overdue_kinds, asked=life.asked, covered=life.covered,
            attendance_rate=percent(life.present, life.expected), last_held_on=life.last_held_on,
            secretary=secretaries.get(life.org_id), organizers=organizers.get(township.id, []) if township else [],
            kinds=[KindCell(kind=k, status=s.status, asked=s.asked, covered=s.covered) for k, s in kinds[life.org_id].items()],
        ))
    return rows


def branch_page(session: Session, lives: list[compliance.BranchLife], *, status: LifeStatus | None, page: int,
                page_size: int, start: date, end: date) -> BranchLifePage:
    chosen = [life for life in lives if status is None or life.status is status]
    chosen.sort(key=lambda x: (SEVERITY[x.status], -x.overdue_kinds, x.covered - x.asked, x.org_id))
    shown = chosen[(page - 1) * page_size: page * page_size]
    return BranchLifePage(items=branch_rows(session, shown, start=start, end=end), total=len(chosen), page=page,
                          page_size=page_size)


def branch_detail(session: Session, org: Organization, *, start: date, end: date) -> BranchLifeDetail:
    if org.kind not in {k.value for k in BRANCH_KINDS}:
        raise ValidationFailed(f"党组织：{org.name}不是党支部，三会一课按党支部检查", field="org_id")
    if not (org.founded_on <= end and (org.dissolved_on is None or org.dissolved_on > end)):
        raise ValidationFailed(f"党组织：{org.name}在{end.isoformat()}不存在", field="end")
    lives = compliance.branch_lives(session, org_id=org.id, start=start, end=end)
    row = branch_rows(session, lives, start=start, end=end)[0]
    covered = compliance.covered_periods(session, org_id=org.id, start=start, end=end)
    held = Counter(
        (kind, on) for kind, on in session.execute(
            select(Meeting.kind, Meeting.held_on).where(Meeting.org_id == org.id, Meeting.held_on >= start, Meeting.held_on <= end))
    )
    details = []
    for cell in row.kinds:
        periods = []
        for period, is_covered in covered.get(cell.kind, []):
            count = sum(n for (kind, on), n in held.items() if kind == cell.kind.value and period.start <= on <= period.end)
            status = KindStatus.done if is_covered else (KindStatus.due if period.end > end else KindStatus.overdue)
            periods.append(PeriodCell(label=period.label(), start=period.start, end=period.end, status=status, held=count))
        details.append(KindDetail(**cell.model_dump(), periods=periods))
    return BranchLifeDetail(branch=row, start=start, end=end, kinds=details)


def _member_refs(session: Session, member_ids: list[int]) -> tuple[dict[int, Member], dict[int, Ref]]:
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(member_ids)))} if member_ids else {}
    orgs = {r.id: _ref(r) for r in session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({m.org_id for m in members.values() if m.org_id})))}
    return members, orgs


def participation_page(session: Session, scope: Scope, org: Organization | None, *, start: date, end: date, page: int,
                       page_size: int) -> ParticipationPage:
    """Each member's attendance over [start, end], the least present first."""
    a = MeetingAttendance
    members = select(Member.id).where(scope.members())
    if org is not None:
        members = members.where(Member.org_id.in_(org_service.subtree_ids(org.id)))

    def count(status: AttendanceStatus):
        return func.sum(case((a.status == status.value, 1), else_=0)).label(status.value)

    grouped = (
        select(a.member_id, count(AttendanceStatus.present), count(AttendanceStatus.excused), count(AttendanceStatus.absent))
        .where(a.member_id.in_(members), a.held_on >= start, a.held_on <= end)
        .group_by(a.member_id)
        .subquery()
    )
    # The total comes with the page (one pass over the attendance rows, not two).
    rows = session.execute(
        select(grouped.c.member_id, grouped.c.present, grouped.c.excused, grouped.c.absent, func.count().over().label("total"))
        .order_by((grouped.c.present * 1.0 / (grouped.c.present + grouped.c.excused + grouped.c.absent)), grouped.c.member_id)
        .limit(page_size).offset((page - 1) * page_size)
    ).all()
    total = rows[0].total if rows else session.scalar(select(func.count()).select_from(grouped)) or 0
    ids = [r.member_id for r in rows]
    last = dict(session.execute(
        select(a.member_id, func.max(a.held_on)).where(a.member_id.in_(ids), a.status == AttendanceStatus.present.value,
                                                       a.held_on <= end).group_by(a.member_id)
    ).all()) if ids else {}
    found, orgs = _member_refs(session, ids)
    items = [
        Participation(member=Ref(id=r.member_id, name=found[r.member_id].name),
                      org=orgs.get(found[r.member_id].org_id), present=r.present, excused=r.excused, absent=r.absent,
                      rate=percent(r.present, r.present + r.excused + r.absent), last_present_on=last.get(r.member_id))
        for r in rows
    ]
    return ParticipationPage(items=items, total=total, page=page, page_size=page_size)


def lapsed_page(session: Session, org: Organization, *, day: date, page: int, page_size: int) -> LapsedPage:
    ids = compliance.lapsed_members(session, org_id=org.id, day=day)
    since = compliance.months_before(day, get_settings().lapse_months)
    shown = ids[(page - 1) * page_size: page * page_size]
    a = MeetingAttendance
    last = dict(session.execute(
        select(a.member_id, func.max(a.held_on)).where(a.member_id.in_(shown), a.status == AttendanceStatus.present.value,
                                                       a.held_on <= day).group_by(a.member_id)
    ).all()) if shown else {}
    excused = dict(session.execute(
        select(a.member_id, func.count()).where(a.member_id.in_(shown), a.status == AttendanceStatus.excused.value,
                                                a.held_on > since, a.held_on <= day).group_by(a.member_id)
    ).all()) if shown else {}
    found, orgs = _member_refs(session, shown)
    items = [
        LapsedMember(member=Ref(id=i, name=found[i].name), org=orgs.get(found[i].org_id), joined_on=found[i].joined_on,
                     last_present_on=last.get(i), excused_in_window=excused.get(i, 0))
        for i in shown
    ]
    return LapsedPage(items=items, total=len(ids), page=page, page_size=page_size, since=since, day=day)


def default_period(end: date | None, start: date | None, today: date) -> tuple[date, date]:
    """The report's span: by default the calendar year to `end` (default today)."""
    end = end or today
    start = start or date(end.year, 1, 1)
    if end > today:
        raise ValidationFailed(f"结束日期：不能晚于今天（{today.isoformat()}）", field="end")
    if start > end:
        raise ValidationFailed("开始日期：不能晚于结束日期", field="start")
    if (end - start).days > 366 * 3:
        raise ValidationFailed("开始日期：统计区间最长三年", field="start")
    if start.year < 2000:
        raise ValidationFailed("开始日期：不能早于2000年", field="start")
    return start, end

