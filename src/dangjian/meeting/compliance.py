"""Is organizational life regular? Each branch's periods asked and covered, its status, its
members' participation: set-based queries over a subtree (definitions in docs/meetings.md)."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    column,
    extract,
    func,
    literal,
    or_,
    select,
    values,
)
from sqlalchemy.orm import Session

from dangjian.config import get_settings
from dangjian.meeting.cadence import Applies, COMMITTEE_MIN_FULL_MEMBERS, Period, add_months, cadences, periods
from dangjian.meeting.codes import AttendanceStatus, KindStatus, LifeStatus, MeetingKind
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup
from dangjian.member.models import Member, MemberPeriod
from dangjian.org import service as org_service
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization

EPSILON = 1e-9  # talks >= coverage × members, compared in floating point


@dataclass(frozen=True)
class KindSummary:
    status: KindStatus
    asked: int
    covered: int


@dataclass(frozen=True)
class BranchLife:
    org_id: int
    status: LifeStatus
    asked: int  # look-back periods asked (the half-paralysed basis)
    covered: int
    overdue_kinds: int
    present: int
    expected: int
    last_held_on: date | None

    @property
    def attendance_rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day if it has no such day)."""
    first = add_months(day, -months)
    last = add_months(first, 1) - timedelta(days=1)
    return first.replace(day=min(day.day, last.day))


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _calendar(start: date, end: date) -> list[tuple]:
    """(kind, first day, last day, its year, first month index, last month index, in report, in
    look-back) for every period the report or the look-back may ask."""
    lookback_from = months_before(end, get_settings().half_paralysed_months)
    rows: dict[tuple[str, Period], list[bool]] = {}
    for cadence in cadences():
        for period in periods(cadence.months, start, end):
            rows.setdefault((cadence.kind.value, period), [False, False])[0] = True
        for period in periods(cadence.months, add_months(lookback_from, -cadence.months), end):
            if lookback_from < period.end <= end:
                rows.setdefault((cadence.kind.value, period), [False, False])[1] = True
    return [
        (kind, p.start, p.end, p.start.year, month_index(p.start), month_index(p.end), int(flags[0]), int(flags[1]))
        for (kind, p), flags in sorted(rows.items())
    ]


def branch_ids(org_id: int, end: date):
    """The branches of the subtree as it stood on `end`, existing that day."""
    return select(Organization.id).where(
        Organization.id.in_(org_service.subtree_ids(org_id, end)),
        Organization.kind.in_([k.value for k in BRANCH_KINDS]),
        org_service.covering(Organization.founded_on, Organization.dissolved_on, end),
    )


def _slots(branches, start: date, end: date):
    """Every period asked of every branch, in the report or the look-back, and whether it was covered."""
    settings = get_settings()
    calendar = _calendar(start, end)
    cal = values(
        column("kind", String), column("p_start", Date), column("p_end", Date), column("p_year", Integer),
        column("m_from", Integer), column("m_to", Integer), column("in_report", Integer), column("in_lookback", Integer),
        name="cal",
    ).data(calendar).cte("cal")
    first_day = min(row[1] for row in calendar)
    on_end = org_service.covering(MemberPeriod.start_on, MemberPeriod.end_on, end)

    br = (
        select(Organization.id, Organization.founded_on, Organization.dissolved_on)
        .where(Organization.id.in_(branches))
        .cte("br")
    )
    members = (
        select(
            MemberPeriod.org_id.label("org_id"),
            func.count().label("members"),
            func.sum(case((MemberPeriod.confirmed_on <= end, 1), else_=0)).label("full_members"),
        )
        .where(MemberPeriod.org_id.in_(select(br.c.id)), on_end)
        .group_by(MemberPeriod.org_id)
        .cte("mc")
    )
    active_group = and_(PartyGroup.founded_on <= end, or_(PartyGroup.dissolved_on.is_(None), PartyGroup.dissolved_on > end))
    groups = (
        select(PartyGroup.org_id.label("org_id"), func.count().label("groups"))
        .where(PartyGroup.org_id.in_(select(br.c.id)), active_group)
        .group_by(PartyGroup.org_id)
        .cte("gc")
    )
    # Each record is counted in the period of its kind that contains it, identified by the index of
    # the period's first month (periods are aligned to the calendar year).
    month = cast(extract("year", Meeting.held_on), Integer) * 12 + cast(extract("month", Meeting.held_on), Integer) - 1
    months = case(*((Meeting.kind == c.kind.value, c.months) for c in cadences()), else_=1)
    period = (month - month % months).label("p_idx")
    counted_group = Meeting.group_id.in_(select(PartyGroup.id).where(active_group))
    held = (
        select(
            Meeting.org_id.label("org_id"),
            Meeting.kind.label("kind"),
            period,
            func.count(func.distinct(case((counted_group, Meeting.group_id)))).label("g"),
        )
        .where(Meeting.held_on >= first_day, Meeting.held_on <= end, Meeting.org_id.in_(select(br.c.id)),
               Meeting.kind != MeetingKind.heart_to_heart_talk.value)
        .group_by(Meeting.org_id, Meeting.kind, period)
        .cte("held")
    )
    talk_year = cast(extract("year", Meeting.held_on), Integer).label("y")
    talks = (
        select(Meeting.org_id.label("org_id"), talk_year, func.count(func.distinct(MeetingAttendance.member_id)).label("talked"))
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .join(MemberPeriod, and_(MemberPeriod.member_id == MeetingAttendance.member_id, MemberPeriod.org_id == Meeting.org_id, on_end))
        .where(Meeting.kind == MeetingKind.heart_to_heart_talk.value, MeetingAttendance.status == AttendanceStatus.present.value,
               Meeting.held_on >= first_day, Meeting.held_on <= end, Meeting.org_id.in_(select(br.c.id)))
        .group_by(Meeting.org_id, talk_year)
        .cte("tk")
    )
    n_members = func.coalesce(members.c.members, 0)
    n_groups = func.coalesce(groups.c.groups, 0)
    applicable = {
        Applies.with_committee: func.coalesce(members.c.full_members, 0) >= COMMITTEE_MIN_FULL_MEMBERS,
        Applies.with_groups: n_groups > 0,
    }
    kinds_by_rule = {rule: [c.kind.value for c in cadences() if c.applies is rule] for rule in Applies}
    asked_kinds = or_(
        cal.c.kind.in_(kinds_by_rule[Applies.every_branch]),
        and_(cal.c.kind.in_(kinds_by_rule[Applies.with_committee]), applicable[Applies.with_committee]),
        and_(cal.c.kind.in_(kinds_by_rule[Applies.with_groups]), applicable[Applies.with_groups]),
    )
    slot = (
        select(
            br.c.id.label("org_id"), cal.c.kind, cal.c.p_start, cal.c.p_end, cal.c.p_year, cal.c.m_from, cal.c.m_to,
            cal.c.in_report, cal.c.in_lookback, n_members.label("members"), n_groups.label("groups"),
        )
        .select_from(br)
        .join(cal, and_(br.c.founded_on <= cal.c.p_start, or_(br.c.dissolved_on.is_(None), br.c.dissolved_on > cal.c.p_end)))
        .outerjoin(members, members.c.org_id == br.c.id)
        .outerjoin(groups, groups.c.org_id == br.c.id)
        .where(asked_kinds)
        .cte("slot")
    )
    is_talk = slot.c.kind == MeetingKind.heart_to_heart_talk.value
    is_group = slot.c.kind == MeetingKind.group_meeting.value
    talked = func.coalesce(talks.c.talked, 0) + EPSILON >= slot.c.members * literal(settings.talk_coverage, Float)
    covered = case(
        (is_talk, case((or_(slot.c.members == 0, talked), 1), else_=0)),
        (is_group, case((func.coalesce(held.c.g, 0) >= slot.c.groups, 1), else_=0)),
        else_=case((held.c.org_id.is_not(None), 1), else_=0),
    )
    return (
        select(slot.c.org_id, slot.c.kind, slot.c.p_start, slot.c.p_end, slot.c.in_report, slot.c.in_lookback,
               covered.label("covered"))
        .select_from(slot)
        .outerjoin(held, and_(held.c.org_id == slot.c.org_id, held.c.kind == slot.c.kind, held.c.p_idx == slot.c.m_from))
        .outerjoin(talks, and_(is_talk, talks.c.org_id == slot.c.org_id, talks.c.y == slot.c.p_year))
        .subquery("slots")
    )


def _kind_rows(session: Session, branches, start: date, end: date):
    """Per branch and kind: periods asked and covered in the report and in the look-back, and the
    report periods missing that had ended by `end`."""
    slots = _slots(branches, start, end)
    ended = slots.c.p_end <= end
    report = slots.c.in_report == 1
    lookback = slots.c.in_lookback == 1
    covered = slots.c.covered
    return session.execute(
        select(
            slots.c.org_id,
            slots.c.kind,
            func.sum(case((report, 1), else_=0)),
            func.sum(case((report, covered), else_=0)),
            func.sum(case((and_(report, ended, covered == 0), 1), else_=0)),
            func.sum(case((lookback, 1), else_=0)),
            func.sum(case((lookback, covered), else_=0)),
        ).group_by(slots.c.org_id, slots.c.kind)
    ).all()


def covered_periods(session: Session, *, org_id: int, start: date, end: date) -> dict[MeetingKind, list[tuple[Period, bool]]]:
    """The report's periods asked of one branch, each with whether it was covered."""
    slots = _slots([org_id], start, end)
    rows = session.execute(
        select(slots.c.kind, slots.c.p_start, slots.c.p_end, slots.c.covered)
        .where(slots.c.org_id == org_id, slots.c.in_report == 1)
        .order_by(slots.c.kind, slots.c.p_start)
    )
    found: dict[MeetingKind, list[tuple[Period, bool]]] = {}
    for kind, p_start, p_end, covered in rows:
        found.setdefault(MeetingKind(kind), []).append((Period(_day(p_start), _day(p_end)), bool(covered)))
    return found


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _status_of(summary_asked: int, summary_covered: int, missing_ended: int) -> KindStatus:
    if summary_asked == 0:
        return KindStatus.not_required
    if summary_covered == summary_asked:
        return KindStatus.done
    return KindStatus.overdue if missing_ended else KindStatus.due


def kind_statuses(session: Session, *, org_ids: list[int], start: date, end: date) -> dict[int, dict[MeetingKind, KindSummary]]:
    """Each kind's status over [start, end] for the given branches (every kind, asked or not)."""
    result = {org_id: {kind: KindSummary(KindStatus.not_required, 0, 0) for kind in MeetingKind} for org_id in org_ids}
    if not org_ids:
        return result
    for org_id, kind, asked, covered, missing_ended, _, _ in _kind_rows(session, org_ids, start, end):
        result[org_id][MeetingKind(kind)] = KindSummary(_status_of(asked, covered, missing_ended), int(asked), int(covered))
    return result


def _attendance(session: Session, branches, start: date, end: date) -> dict[int, tuple[int, int, date | None]]:
    in_report = and_(Meeting.held_on >= start, Meeting.held_on <= end)
    rows = session.execute(
        select(
            Meeting.org_id,
            func.sum(case((in_report, Meeting.present_count), else_=0)),
            func.sum(case((in_report, Meeting.present_count + Meeting.excused_count + Meeting.absent_count), else_=0)),
            func.max(Meeting.held_on),
        )
        .where(Meeting.org_id.in_(branches), Meeting.held_on <= end)
        .group_by(Meeting.org_id)
    )
    return {org_id: (int(p or 0), int(e or 0), last) for org_id, p, e, last in rows}


def life_status(*, founded_on: date, end: date, last_held_on: date | None, asked: int, covered: int,
                overdue_kinds: int) -> LifeStatus:
    settings = get_settings()
    quiet_since = months_before(end, settings.paralysed_months)
    if founded_on <= quiet_since and (last_held_on is None or last_held_on <= quiet_since):
        return LifeStatus.paralysed
    if asked and covered < asked * settings.half_paralysed_share:
        return LifeStatus.half_paralysed
    if overdue_kinds:
        return LifeStatus.irregular
    return LifeStatus.regular


def branch_lives(session: Session, *, org_id: int, start: date, end: date) -> list[BranchLife]:
    """Every branch of the subtree with its organizational life over [start, end]."""
    branches = branch_ids(org_id, end)
    founded = dict(session.execute(select(Organization.id, Organization.founded_on).where(Organization.id.in_(branches))).all())
    per_branch: dict[int, list[int]] = {b: [0, 0, 0] for b in founded}  # asked, covered, overdue kinds
    for b, _, _, _, missing_ended, asked, covered in _kind_rows(session, branches, start, end):
        totals = per_branch[b]
        totals[0] += int(asked)
        totals[1] += int(covered)
        totals[2] += 1 if missing_ended else 0
    attendance = _attendance(session, branches, start, end)
    lives = []
    for b in sorted(founded):
        asked, covered, overdue = per_branch[b]
        present, expected, last = attendance.get(b, (0, 0, None))
        status = life_status(founded_on=founded[b], end=end, last_held_on=last, asked=asked, covered=covered,
                             overdue_kinds=overdue)
        lives.append(BranchLife(b, status, asked, covered, overdue, present, expected, last))
    return lives


def lapsed_members(session: Session, *, org_id: int, day: date) -> list[int]:
    """Members of the subtree (formal relation) not present at any organizational life for
    `lapse_months` months up to `day` (党章 第九条), who joined before that span began."""
    since = months_before(day, get_settings().lapse_months)
    attended = (
        select(MeetingAttendance.member_id)
        .where(MeetingAttendance.member_id == MemberPeriod.member_id, MeetingAttendance.status == AttendanceStatus.present.value,
               MeetingAttendance.held_on > since, MeetingAttendance.held_on <= day)
        .exists()
    )
    return list(session.scalars(
        select(MemberPeriod.member_id)
        .join(Member, Member.id == MemberPeriod.member_id)
        .where(MemberPeriod.org_id.in_(org_service.subtree_ids(org_id, day)),
               org_service.covering(MemberPeriod.start_on, MemberPeriod.end_on, day),
               Member.joined_on <= since, ~attended)
        .order_by(MemberPeriod.member_id)
    ))
