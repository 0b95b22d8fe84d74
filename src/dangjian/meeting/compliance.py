"""Is organizational life regular? Each branch's periods asked and covered, its status, its
members' participation, over a subtree (definitions in docs/meetings.md).

The database reads each fact once, in a few set-based scans: per branch its size and last record,
per branch and kind the months in which records were held (one bit per month), the same per party
group, and per branch and year the talkers still on the roll. Which periods are asked of a branch
depends only on its founding and dissolution days and is worked out once per pair of days; the
periods covered then follow from the month bits by bit arithmetic, with no row per period."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import BigInteger, Integer, and_, case, cast, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from dangjian.config import get_settings
from dangjian.kit.memory import gc_paused
from dangjian.meeting.cadence import (
    Applies,
    COMMITTEE_MIN_FULL_MEMBERS,
    Cadence,
    Period,
    add_months,
    cadences,
    existed_through,
    periods,
)
from dangjian.meeting.codes import AttendanceStatus, KindStatus, LifeStatus, MeetingKind
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup, TalkParticipant
from dangjian.member.models import Member, MemberPeriod
from dangjian.org import service as org_service
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization

EPSILON = 1e-9  # talks >= coverage × members, compared in floating point
MONTH_BITS = 62  # months a calendar may span: one bit each in a signed 64-bit integer


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


@dataclass(frozen=True)
class _Slot:
    """A period the report or the look-back may ask, as the bit of its first month."""

    period: Period
    bit: int
    in_report: bool
    in_lookback: bool
    ended: bool  # over by the report's end


@dataclass(frozen=True)
class _Asked:
    """The periods of one kind asked of a branch, as bits of their first months."""

    report: int
    ended: int  # report periods over by the report's end
    lookback: int


class _Calendar:
    """The periods of every kind a report over [start, end] may ask, and the month bits: bit n is
    the n-th month counted from January of the first year the report or its look-back reaches."""

    def __init__(self, start: date, end: date):
        settings = get_settings()
        lookback_from = months_before(end, settings.half_paralysed_months)
        found: dict[Cadence, dict[Period, list[bool]]] = {}
        for cadence in cadences():
            flags = found[cadence] = {}
            for period in periods(cadence.months, start, end):
                flags.setdefault(period, [False, False])[0] = True
            for period in periods(cadence.months, add_months(lookback_from, -cadence.months), end):
                if lookback_from < period.end <= end:
                    flags.setdefault(period, [False, False])[1] = True
        first_day = min([start, *(p.start for flags in found.values() for p in flags)])
        self.start, self.end, self.first_day, self.year = start, end, first_day, first_day.year
        self.last_day = max(p.end for flags in found.values() for p in flags)
        if self.month(end) >= MONTH_BITS:
            raise ValueError(f"a report with its look-back spans at most {MONTH_BITS} months")
        self.slots = {
            cadence: [
                _Slot(p, 1 << self.month(p.start), report, lookback, p.end <= end)
                for p, (report, lookback) in sorted(flags.items())
            ]
            for cadence, flags in found.items()
        }
        self.talk_coverage = settings.talk_coverage
        self.years = [(year, 1 << self.month(date(year, 1, 1))) for year in range(self.year, end.year + 1)]
        self._asked: dict[tuple[date, date | None], tuple[_Asked, ...]] = {}
        self._covered: dict[tuple[int, int], int] = {}
        # Periods are aligned to the calendar year, so a period begins every `months` bits.
        self._starts = {c.months: sum(1 << bit for bit in range(0, MONTH_BITS, c.months)) for c in self.slots}

    def month(self, day: date) -> int:
        return (day.year - self.year) * 12 + day.month - 1

    def asked(self, founded_on: date, dissolved_on: date | None) -> tuple[_Asked, ...]:
        """Per cadence (in the order of `slots`), the periods asked of a branch that existed from
        `founded_on` until `dissolved_on` (whether the kind applies to it is the caller's question)."""
        # Days before the first period or after the last all ask the same periods.
        lasting = dissolved_on is None or dissolved_on > self.last_day
        key = (max(founded_on, self.first_day), None if lasting else dissolved_on)
        found = self._asked.get(key)
        if found is None:
            asked = []
            for slots in self.slots.values():
                report = ended = lookback = 0
                for slot in slots:
                    if existed_through(slot.period, founded_on, dissolved_on):
                        if slot.in_report:
                            report |= slot.bit
                            if slot.ended:
                                ended |= slot.bit
                        if slot.in_lookback:
                            lookback |= slot.bit
                asked.append(_Asked(report, ended, lookback))
            found = self._asked[key] = tuple(asked)
        return found

    def covered(self, held: int, months: int) -> int:
        """The first-month bits of the periods of `months` months with a month in `held`."""
        key = (held, months)
        found = self._covered.get(key)
        if found is None:
            spread = 0
            for shift in range(months):
                spread |= held >> shift
            found = self._covered[key] = spread & self._starts[months]
        return found


@dataclass(slots=True)
class _Branch:
    """What the rules need to know of one branch over a report."""

    founded_on: date
    dissolved_on: date | None
    members: int
    full_members: int
    last_held_on: date | None
    present: int = 0
    expected: int = 0
    held: dict[MeetingKind, int] = field(default_factory=dict)  # month bits with a record of the kind
    groups: list[int] = field(default_factory=list)  # month bits of each party group's meetings
    talked: dict[int, int] = field(default_factory=dict)  # year -> talkers still on the roll

    def covered(self, calendar: _Calendar, cadence: Cadence) -> int:
        """The first-month bits of the periods of the cadence this branch covered."""
        if cadence.kind is MeetingKind.heart_to_heart_talk:
            if self.members == 0:
                return -1
            needed = self.members * calendar.talk_coverage - EPSILON
            return sum(bit for year, bit in calendar.years if self.talked.get(year, 0) >= needed)
        if cadence.kind is MeetingKind.group_meeting:
            every = -1
            for held in self.groups:
                every &= calendar.covered(held, cadence.months)
            return every
        return calendar.covered(self.held.get(cadence.kind, 0), cadence.months)


def branch_ids(org_id: int, end: date):
    """The branches of the subtree as it stood on `end`, existing that day."""
    return select(Organization.id).where(
        Organization.id.in_(org_service.subtree_ids(org_id, end)),
        Organization.kind.in_([k.value for k in BRANCH_KINDS]),
        org_service.covering(Organization.founded_on, Organization.dissolved_on, end),
    )


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


def _month_bit(session: Session, calendar: _Calendar):
    """1 << the record's month bit, computed in the database."""
    if session.get_bind().dialect.name == "sqlite":  # dates are ISO text there
        year, month = (cast(func.substr(Meeting.held_on, at, size), Integer) for at, size in ((1, 4), (6, 2)))
    else:
        year, month = (cast(extract(part, Meeting.held_on), Integer) for part in ("year", "month"))
    return literal(1, BigInteger).op("<<")((year - calendar.year) * 12 + month - 1)


def _month_bits(session: Session, bit):
    """The month bits of a group of records: an OR of their bits (SQLite has no bit_or; its bits
    are distinct powers of two, whose sum is their OR)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.sum(bit.distinct())
    return func.bit_or(bit)


def _branches(session: Session, branches, calendar: _Calendar) -> dict[int, _Branch]:
    """Every branch with the facts of its organizational life over the calendar, in five queries."""
    start, end = calendar.start, calendar.end
    size = (
        select(
            MemberPeriod.org_id.label("org_id"),
            func.count().label("members"),
            func.sum(case((MemberPeriod.confirmed_on <= end, 1), else_=0)).label("full_members"),
        )
        .where(MemberPeriod.org_id.in_(branches), org_service.covering(MemberPeriod.start_on, MemberPeriod.end_on, end))
        .group_by(MemberPeriod.org_id)
        .subquery("size")
    )
    last_held = (
        select(func.max(Meeting.held_on)).where(Meeting.org_id == Organization.id, Meeting.held_on <= end).scalar_subquery()
    )
    facts = (
        select(Organization.id, Organization.founded_on, Organization.dissolved_on,
               func.coalesce(size.c.members, 0), func.coalesce(size.c.full_members, 0), last_held)
        .outerjoin(size, size.c.org_id == Organization.id)
        .where(Organization.id.in_(branches))
    )
    found = {
        org_id: _Branch(founded_on, dissolved_on, members, full_members, _day(last) if last is not None else None)
        for org_id, founded_on, dissolved_on, members, full_members, last in _rows(session, facts)
    }

    bit = _month_bit(session, calendar)
    in_report = Meeting.held_on >= start
    in_calendar = (Meeting.held_on >= calendar.first_day, Meeting.held_on <= end)
    # Every kind named so that SQLite seeks each branch's (kind, day) range in the covering index
    # (org_id, kind, held_on, ..., counts) rather than reading each record through (org_id, held_on).
    every_kind = Meeting.kind.in_([kind.value for kind in MeetingKind])
    held_by_kind = (
        select(
            Meeting.org_id, Meeting.kind, _month_bits(session, bit),
            func.sum(case((in_report, Meeting.present_count), else_=0)),
            func.sum(case((in_report, Meeting.present_count + Meeting.excused_count + Meeting.absent_count), else_=0)),
        )
        .where(Meeting.org_id.in_(branches), every_kind, *in_calendar)
        .group_by(Meeting.org_id, Meeting.kind)
    )
    for org_id, kind, held, present, expected in _rows(session, held_by_kind):
        branch = found[org_id]
        branch.held[MeetingKind(kind)] = held
        branch.present += present
        branch.expected += expected

    active_groups = select(PartyGroup.org_id, PartyGroup.id).where(
        PartyGroup.org_id.in_(branches), _active_group(PartyGroup, end)
    )
    held_by_group = (
        select(Meeting.org_id, Meeting.group_id, _month_bits(session, bit))
        .where(Meeting.org_id.in_(branches), Meeting.kind == MeetingKind.group_meeting.value,
               Meeting.group_id.is_not(None), *in_calendar)
        .group_by(Meeting.org_id, Meeting.group_id)
    )
    group_held = {(org_id, group_id): held for org_id, group_id, held in _rows(session, held_by_group)}
    for org_id, group_id in _rows(session, active_groups):
        found[org_id].groups.append(group_held.get((org_id, group_id), 0))

    # Talk periods are calendar years; a talker counts for the year up to `end`.
    talkers = (
        select(TalkParticipant.org_id, TalkParticipant.year, func.count())
        .where(TalkParticipant.org_id.in_(branches), TalkParticipant.year >= calendar.year,
               TalkParticipant.first_on <= end, _on_roster(TalkParticipant, end))
        .group_by(TalkParticipant.org_id, TalkParticipant.year)
    )
    for org_id, year, talked in _rows(session, talkers):
        found[org_id].talked[year] = talked
    return found


def _rows(session: Session, statement) -> list:
    """All rows at once, as plain tuples (no ORM rows for these large reads)."""
    return session.connection().execute(statement).all()


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _status_of(asked: int, covered: int, missing_ended: bool) -> KindStatus:
    if asked == 0:
        return KindStatus.not_required
    if covered == asked:
        return KindStatus.done
    return KindStatus.overdue if missing_ended else KindStatus.due


def _kinds(calendar: _Calendar, branch: _Branch) -> list[tuple[Cadence, _Asked, int]]:
    """(cadence, periods asked, periods covered) of every kind that applies to the branch."""
    found = []
    for cadence, asked in zip(calendar.slots, calendar.asked(branch.founded_on, branch.dissolved_on)):
        if cadence.applies is Applies.with_committee and branch.full_members < COMMITTEE_MIN_FULL_MEMBERS:
            continue
        if cadence.applies is Applies.with_groups and not branch.groups:
            continue
        found.append((cadence, asked, branch.covered(calendar, cadence)))
    return found


def covered_periods(session: Session, *, org_id: int, start: date, end: date) -> dict[MeetingKind, list[tuple[Period, bool]]]:
    """The report's periods asked of one branch, each with whether it was covered."""
    calendar = _Calendar(start, end)
    branch = _branches(session, [org_id], calendar).get(org_id)
    if branch is None:
        return {}
    found: dict[MeetingKind, list[tuple[Period, bool]]] = {}
    for cadence, asked, covered in sorted(_kinds(calendar, branch), key=lambda k: k[0].kind.value):
        chosen = [(slot.period, bool(slot.bit & covered)) for slot in calendar.slots[cadence] if slot.bit & asked.report]
        if chosen:
            found[cadence.kind] = chosen
    return found


def kind_statuses(session: Session, *, org_ids: list[int], start: date, end: date) -> dict[int, dict[MeetingKind, KindSummary]]:
    """Each kind's status over [start, end] for the given branches (every kind, asked or not)."""
    result = {org_id: {kind: KindSummary(KindStatus.not_required, 0, 0) for kind in MeetingKind} for org_id in org_ids}
    if not org_ids:
        return result
    calendar = _Calendar(start, end)
    for org_id, branch in _branches(session, org_ids, calendar).items():
        for cadence, asked, covered in _kinds(calendar, branch):
            count, done = asked.report.bit_count(), (asked.report & covered).bit_count()
            result[org_id][cadence.kind] = KindSummary(_status_of(count, done, bool(asked.ended & ~covered)), count, done)
    return result


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


@gc_paused
def branch_lives(session: Session, *, org_id: int, start: date, end: date) -> list[BranchLife]:
    """Every branch of the subtree with its organizational life over [start, end]."""
    calendar = _Calendar(start, end)
    lives = []
    for b, branch in sorted(_branches(session, branch_ids(org_id, end), calendar).items()):
        asked = covered = overdue = 0
        for _, kind_asked, kind_covered in _kinds(calendar, branch):
            asked += kind_asked.lookback.bit_count()
            covered += (kind_asked.lookback & kind_covered).bit_count()
            overdue += bool(kind_asked.ended & ~kind_covered)
        status = life_status(founded_on=branch.founded_on, end=end, last_held_on=branch.last_held_on, asked=asked,
                             covered=covered, overdue_kinds=overdue)
        lives.append(BranchLife(b, status, asked, covered, overdue, branch.present, branch.expected, branch.last_held_on))
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
