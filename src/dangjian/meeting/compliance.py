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
from sqlalchemy.orm import Session, aliased

from dangjian.config import get_settings
from dangjian.meeting.cadence import Applies, COMMITTEE_MIN_FULL_MEMBERS, Period, add_months, cadences, periods
from dangjian.meeting.codes import AttendanceStatus, KindStatus, LifeStatus, MeetingKind
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup, TalkParticipant
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
    """(kind, first day, last day, last day counted (not after `end`), first month index, year, in
    report, in look-back, ended by `end`) for every period the report or the look-back may ask."""
    lookback_from = months_before(end, get_settings().half_paralysed_months)
    rows: dict[tuple[str, Period], list[bool]] = {}
    for cadence in cadences():
        for period in periods(cadence.months, start, end):
            rows.setdefault((cadence.kind.value, period), [False, False])[0] = True
        for period in periods(cadence.months, add_months(lookback_from, -cadence.months), end):
            if lookback_from < period.end <= end:
                rows.setdefault((cadence.kind.value, period), [False, False])[1] = True
    return [
        (kind, p.start, p.end, min(p.end, end), month_index(p.start), p.start.year, int(flags[0]), int(flags[1]),
         int(p.end <= end))
        for (kind, p), flags in sorted(rows.items())
    ]


def branch_ids(org_id: int, end: date):
    """The branches of the subtree as it stood on `end`, existing that day."""
    return select(Organization.id).where(
        Organization.id.in_(org_service.subtree_ids(org_id, end)),
        Organization.kind.in_([k.value for k in BRANCH_KINDS]),
        org_service.covering(Organization.founded_on, Organization.dissolved_on, end),
    )


def _slots(session: Session, branches, start: date, end: date):
    """Every period asked of every branch, in the report or the look-back: (the periods, a column that
    is 1 when the period was covered and NULL when not, the FROM clause that gives both)."""
    calendar = _calendar(start, end)
    cal = values(
        column("kind", String), column("p_start", Date), column("p_end", Date), column("p_last", Date),
        column("m_from", Integer), column("year", Integer), column("in_report", Integer), column("in_lookback", Integer),
        column("ended", Integer),
        name="cal",
    ).data(calendar).cte("cal")
    on_end = org_service.covering(MemberPeriod.start_on, MemberPeriod.end_on, end)
    members = (
        select(
            MemberPeriod.org_id.label("org_id"),
            func.count().label("members"),
            func.sum(case((MemberPeriod.confirmed_on <= end, 1), else_=0)).label("full_members"),
        )
        .where(MemberPeriod.org_id.in_(branches), on_end)
        .group_by(MemberPeriod.org_id)
        .subquery("mc")
    )
    groups = (
        select(PartyGroup.org_id.label("org_id"), func.count().label("groups"))
        .where(PartyGroup.org_id.in_(branches), _active_group(PartyGroup, end))
        .group_by(PartyGroup.org_id)
        .subquery("gc")
    )
    kinds_by_rule = {rule: [c.kind.value for c in cadences() if c.applies is rule] for rule in Applies}
    asked_kinds = or_(
        cal.c.kind.in_(kinds_by_rule[Applies.every_branch]),
        and_(cal.c.kind.in_(kinds_by_rule[Applies.with_committee]),
             func.coalesce(members.c.full_members, 0) >= COMMITTEE_MIN_FULL_MEMBERS),
        and_(cal.c.kind.in_(kinds_by_rule[Applies.with_groups]), func.coalesce(groups.c.groups, 0) > 0),
    )
    # The branches are the outer loop, in order of id: SQLite then sums per branch without sorting.
    slot = (
        select(
            Organization.id.label("org_id"), func.coalesce(members.c.members, 0).label("members"),
            func.coalesce(groups.c.groups, 0).label("groups"),
            cal.c.kind, cal.c.p_start, cal.c.p_end, cal.c.p_last, cal.c.m_from, cal.c.year, cal.c.in_report,
            cal.c.in_lookback, cal.c.ended,
        )
        .select_from(Organization)
        .outerjoin(members, members.c.org_id == Organization.id)
        .outerjoin(groups, groups.c.org_id == Organization.id)
        .join(cal, and_(Organization.founded_on <= cal.c.p_start,
                        or_(Organization.dissolved_on.is_(None), Organization.dissolved_on > cal.c.p_end)))
        .where(Organization.id.in_(branches), asked_kinds)
        .subquery("slot")
    )
    if session.get_bind().dialect.name == "sqlite":
        return _covered_by_lookup(slot, end)
    return _covered_by_join(slot, branches, min(row[1] for row in calendar), end)


def _active_group(group, end: date):
    return and_(group.founded_on <= end, or_(group.dissolved_on.is_(None), group.dissolved_on > end))


def _on_roster(talk, end: date):
    """The talker is still a member of the branch (formal relation) on `end`."""
    return (
        select(MemberPeriod.id)
        .where(MemberPeriod.member_id == talk.member_id, MemberPeriod.org_id == talk.org_id,
               org_service.covering(MemberPeriod.start_on, MemberPeriod.end_on, end))
        .exists()
    )


def _talk_enough(talked, members):
    return or_(members == 0, talked + EPSILON >= members * literal(get_settings().talk_coverage, Float))


def _covered_by_lookup(slot, end: date):
    """SQLite: each period checked by index seeks on meeting (org_id, kind, held_on), no sorting of
    the year's records. The check sits in a join condition so that it runs once per period."""
    m = aliased(Meeting)
    in_period = and_(m.org_id == slot.c.org_id, m.kind == slot.c.kind, m.held_on >= slot.c.p_start,
                     m.held_on <= slot.c.p_last)
    g = aliased(PartyGroup)
    every_group_met = ~(
        select(g.id)
        .where(g.org_id == slot.c.org_id, _active_group(g, end),
               ~select(m.id).where(in_period, m.group_id == g.id).correlate_except(m).exists())
        .correlate_except(g)
        .exists()
    )
    talked = (
        select(func.count())
        .select_from(TalkParticipant)
        .where(TalkParticipant.org_id == slot.c.org_id, TalkParticipant.year == slot.c.year,
               TalkParticipant.first_on <= slot.c.p_last, _on_roster(TalkParticipant, end))
        .correlate_except(TalkParticipant)
        .scalar_subquery()
    )
    covered = case(
        (slot.c.kind == MeetingKind.heart_to_heart_talk.value, _talk_enough(talked, slot.c.members)),
        (slot.c.kind == MeetingKind.group_meeting.value, every_group_met),
        else_=select(m.id).where(in_period).correlate_except(m).exists(),
    )
    hit = select(literal(1).label("one")).subquery("hit")
    return slot, hit.c.one, slot.outerjoin(hit, covered)


def _covered_by_join(slot, branches, first_day: date, end: date):
    """PostgreSQL: the year's records counted per branch, kind and period once (hash aggregates), then
    joined to the periods."""
    # Each record is counted in the period of its kind that contains it, identified by the index of
    # the period's first month (periods are aligned to the calendar year).
    month = cast(extract("year", Meeting.held_on), Integer) * 12 + cast(extract("month", Meeting.held_on), Integer) - 1
    months = case(*((Meeting.kind == c.kind.value, c.months) for c in cadences()), else_=1)
    period = (month - month % months).label("p_idx")
    g = aliased(PartyGroup)
    held = (
        select(Meeting.org_id.label("org_id"), Meeting.kind.label("kind"), period, func.count(func.distinct(g.id)).label("g"))
        .outerjoin(g, and_(g.id == Meeting.group_id, g.org_id == Meeting.org_id, _active_group(g, end)))
        .where(Meeting.held_on >= first_day, Meeting.held_on <= end, Meeting.org_id.in_(branches),
               Meeting.kind != MeetingKind.heart_to_heart_talk.value)
        .group_by(Meeting.org_id, Meeting.kind, period)
        .subquery("held")
    )
    talks = (
        select(TalkParticipant.org_id, TalkParticipant.year, func.count().label("talked"))
        .where(TalkParticipant.org_id.in_(branches), TalkParticipant.year >= first_day.year,
               TalkParticipant.first_on <= end, _on_roster(TalkParticipant, end))
        .group_by(TalkParticipant.org_id, TalkParticipant.year)
        .subquery("tk")
    )
    covered = case(
        (slot.c.kind == MeetingKind.heart_to_heart_talk.value,
         case((_talk_enough(func.coalesce(talks.c.talked, 0), slot.c.members), 1), else_=None)),
        (slot.c.kind == MeetingKind.group_meeting.value, case((func.coalesce(held.c.g, 0) >= slot.c.groups, 1), else_=None)),
        else_=case((held.c.org_id.is_not(None), 1), else_=None),
    )
    joined = (
        slot.outerjoin(held, and_(held.c.org_id == slot.c.org_id, held.c.kind == slot.c.kind, held.c.p_idx == slot.c.m_from))
        .outerjoin(talks, and_(slot.c.kind == MeetingKind.heart_to_heart_talk.value, talks.c.org_id == slot.c.org_id,
                               talks.c.year == slot.c.year))
    )
    return slot, covered, joined


def _kind_rows(session: Session, branches, start: date, end: date):
    """Per branch and kind: periods asked and covered in the report and in the look-back, and the
    report periods missing that had ended by `end`."""
    slot, hit, joined = _slots(session, branches, start, end)
    covered = func.coalesce(hit, 0)
    report_ended = slot.c.in_report * slot.c.ended
    return session.execute(
        select(
            slot.c.org_id,
            slot.c.kind,
            func.sum(slot.c.in_report),
            func.sum(slot.c.in_report * covered),
            func.sum(report_ended) - func.sum(report_ended * covered),
            func.sum(slot.c.in_lookback),
            func.sum(slot.c.in_lookback * covered),
        )
        .select_from(joined)
        .group_by(slot.c.org_id, slot.c.kind)
    ).all()


def covered_periods(session: Session, *, org_id: int, start: date, end: date) -> dict[MeetingKind, list[tuple[Period, bool]]]:
    """The report's periods asked of one branch, each with whether it was covered."""
    slot, hit, joined = _slots(session, [org_id], start, end)
    rows = session.execute(
        select(slot.c.kind, slot.c.p_start, slot.c.p_end, hit)
        .select_from(joined)
        .where(slot.c.org_id == org_id, slot.c.in_report == 1)
        .order_by(slot.c.kind, slot.c.p_start)
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
    # No range on held_on in the WHERE clause: SQLite then reads the covering index (org_id, kind,
    # held_on, ..., counts) rather than seeking (org_id, held_on) and fetching every record.
    in_report = and_(Meeting.held_on >= start, Meeting.held_on <= end)
    rows = session.execute(
        select(
            Meeting.org_id,
            func.sum(case((in_report, Meeting.present_count), else_=0)),
            func.sum(case((in_report, Meeting.present_count + Meeting.excused_count + Meeting.absent_count), else_=0)),
            func.max(case((Meeting.held_on <= end, Meeting.held_on))),
        )
        .where(Meeting.org_id.in_(branches))
        .group_by(Meeting.org_id)
    )
    return {org_id: (int(p or 0), int(e or 0), _day(last) if last is not None else None) for org_id, p, e, last in rows}


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


def _branch_rows(session: Session, branches, start: date, end: date):
    """Per branch: look-back periods asked and covered, and the kinds with a report period missing
    that had ended by `end`."""
    slot, hit, joined = _slots(session, branches, start, end)
    missing_ended = and_(slot.c.in_report == 1, slot.c.ended == 1, hit.is_(None))
    return session.execute(
        select(
            slot.c.org_id,
            func.sum(slot.c.in_lookback),
            func.sum(slot.c.in_lookback * func.coalesce(hit, 0)),
            func.count(func.distinct(case((missing_ended, slot.c.kind)))),
        )
        .select_from(joined)
        .group_by(slot.c.org_id)
    ).all()


def branch_lives(session: Session, *, org_id: int, start: date, end: date) -> list[BranchLife]:
    """Every branch of the subtree with its organizational life over [start, end]."""
    branches = branch_ids(org_id, end)
    founded = dict(session.execute(select(Organization.id, Organization.founded_on).where(Organization.id.in_(branches))).all())
    per_branch = {b: (0, 0, 0) for b in founded}  # look-back asked, covered, overdue kinds
    for b, asked, covered, overdue in _branch_rows(session, branches, start, end):
        per_branch[b] = (int(asked), int(covered), int(overdue))
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
