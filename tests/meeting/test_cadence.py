"""The cadence table and its calendar arithmetic (meeting/cadence.py), exhaustively; then the
compliance service at the boundaries of docs/meetings.md, each case also checked against the
independent computation (tests/meeting/independent.py)."""

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from dangjian.config import get_settings
from dangjian.meeting import compliance
from dangjian.meeting import service as meeting_service
from dangjian.meeting.cadence import (
    COMMITTEE_MIN_FULL_MEMBERS,
    Applies,
    Cadence,
    Period,
    add_months,
    applies,
    cadences,
    existed_through,
    kind_status,
    month_start,
    period_of,
    periods,
)
from dangjian.meeting.codes import KindStatus, LifeStatus, MeetingKind
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup
from dangjian.member import service as member_service
from dangjian.member.codes import LeaveReason
from dangjian.member.schemas import MemberUpdate
from dangjian.org.codes import OrgKind
from tests.factories import TODAY, make_member, make_org
from tests.meeting.independent import Compliance

LENGTHS = (1, 2, 3, 4, 6, 12)
DAYS = [date(2023, 1, 1) + timedelta(days=n) for n in range(3 * 365 + 1)]  # 2023-2025, 2024 a leap year


def all_periods(months: int, first_year: int = 2020, last_year: int = 2030) -> list[Period]:
    """Every calendar period of `months` months, written out by hand."""
    found = []
    for year in range(first_year, last_year + 1):
        for first_month in range(1, 13, months):
            last_month = first_month + months - 1
            last_day = (date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)) - timedelta(days=1)
            found.append(Period(date(year, first_month, 1), last_day))
    return found


# ---------------------------------------------------------------- the table


def test_the_cadence_table_is_the_documented_one():
    table = {c.kind: (c.months, c.applies) for c in cadences()}
    assert table == {
        MeetingKind.general_meeting: (3, Applies.every_branch),
        MeetingKind.committee_meeting: (1, Applies.with_committee),
        MeetingKind.group_meeting: (1, Applies.with_groups),
        MeetingKind.party_lesson: (3, Applies.every_branch),
        MeetingKind.theme_day: (1, Applies.every_branch),
        MeetingKind.org_life_meeting: (12, Applies.every_branch),
        MeetingKind.member_review: (12, Applies.every_branch),
        MeetingKind.heart_to_heart_talk: (12, Applies.every_branch),
    }
    assert all(c.source for c in cadences())
    assert COMMITTEE_MIN_FULL_MEMBERS == 7


@pytest.fixture
def settings_env(monkeypatch):
    get_settings.cache_clear()

    def set_env(name: str, value: str) -> None:
        monkeypatch.setenv(f"DANGJIAN_{name}", value)
        get_settings.cache_clear()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


def test_party_lesson_period_is_a_setting(settings_env):
    settings_env("PARTY_LESSON_MONTHS", "6")
    lesson = next(c for c in cadences() if c.kind is MeetingKind.party_lesson)
    assert lesson.months == 6


# ---------------------------------------------------------------- calendar arithmetic


def test_add_months_is_the_first_of_the_month_n_months_later():
    for day in DAYS[::7] + [date(2024, 1, 31), date(2024, 2, 29), date(2025, 12, 31)]:
        for n in range(-40, 41):
            index = day.year * 12 + day.month - 1 + n
            assert add_months(day, n) == date(index // 12, index % 12 + 1, 1), (day, n)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 1)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert add_months(date(2025, 3, 31), -12) == date(2024, 3, 1)
    assert add_months(date(2025, 3, 31), 0) == date(2025, 3, 1)
    assert month_start(date(2024, 2, 29)) == date(2024, 2, 1)


@pytest.mark.parametrize("months", LENGTHS)
def test_period_of_every_day(months):
    calendar = all_periods(months)
    for day in DAYS:
        period = period_of(day, months)
        assert [p for p in calendar if p.start <= day <= p.end] == [period], day
    # Consecutive, no gaps: the day after a period's end begins the next one.
    for before, after in itertools.pairwise(calendar):
        assert period_of(before.end, months) == before
        assert period_of(before.end + timedelta(days=1), months) == after


@pytest.mark.parametrize("months", [5, 7, 8, 9, 10, 11, 24])
def test_a_period_must_divide_the_year(months):
    with pytest.raises(ValueError):
        period_of(date(2025, 5, 5), months)


def test_period_boundaries_by_hand():
    assert period_of(date(2025, 3, 31), 3) == Period(date(2025, 1, 1), date(2025, 3, 31))
    assert period_of(date(2025, 4, 1), 3) == Period(date(2025, 4, 1), date(2025, 6, 30))
    assert period_of(date(2024, 2, 29), 1) == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert period_of(date(2025, 2, 28), 1) == Period(date(2025, 2, 1), date(2025, 2, 28))
    assert period_of(date(2025, 12, 31), 12) == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert period_of(date(2025, 7, 1), 6) == Period(date(2025, 7, 1), date(2025, 12, 31))
    assert period_of(date(2025, 6, 30), 6).label() == "2025年上半年"
    assert period_of(date(2025, 12, 1), 3).label() == "2025年第4季度"
    assert period_of(date(2025, 12, 1), 12).label() == "2025年"
    assert period_of(date(2025, 12, 1), 1).label() == "2025年12月"


SPANS = (0, 1, 27, 28, 29, 30, 31, 58, 59, 60, 89, 90, 91, 92, 181, 182, 364, 365, 366, 400, 800)


@pytest.mark.parametrize("months", LENGTHS)
def test_periods_are_those_beginning_within_the_report(months):
    calendar = all_periods(months)
    for start in DAYS[365:731]:  # every day of 2024
        for span in SPANS:
            end = start + timedelta(days=span)
            expected = [p for p in calendar if start <= p.start <= end]
            assert periods(months, start, end) == expected, (start, end)
    assert periods(months, date(2025, 5, 2), date(2025, 5, 1)) == []


def test_periods_by_hand():
    q = lambda y, n: Period(date(y, 3 * n - 2, 1), add_months(date(y, 3 * n - 2, 1), 3) - timedelta(days=1))
    assert periods(3, date(2025, 1, 1), date(2025, 12, 31)) == [q(2025, 1), q(2025, 2), q(2025, 3), q(2025, 4)]
    assert periods(3, date(2025, 1, 2), date(2025, 12, 31)) == [q(2025, 2), q(2025, 3), q(2025, 4)]
    assert periods(3, date(2025, 1, 1), date(2025, 8, 15)) == [q(2025, 1), q(2025, 2), q(2025, 3)]  # Q3 running
    assert periods(3, date(2025, 3, 31), date(2025, 3, 31)) == []
    assert periods(3, date(2025, 4, 1), date(2025, 4, 1)) == [q(2025, 2)]
    assert periods(1, date(2025, 2, 15), date(2025, 3, 14)) == [Period(date(2025, 3, 1), date(2025, 3, 31))]
    assert periods(12, date(2024, 12, 31), date(2025, 12, 31)) == [Period(date(2025, 1, 1), date(2025, 12, 31))]
    assert periods(12, date(2025, 1, 2), date(2025, 12, 31)) == []


# ---------------------------------------------------------------- who is asked, and the status


QUARTER = Period(date(2025, 4, 1), date(2025, 6, 30))


@pytest.mark.parametrize(
    ("founded_on", "dissolved_on", "asked"),
    [
        (date(2025, 4, 1), None, True),  # founded on the first day
        (date(2025, 4, 2), None, False),  # founded the day after
        (date(2025, 3, 31), None, True),
        (date(2025, 5, 15), None, False),
        (date(2025, 7, 1), None, False),
        (date(2025, 1, 1), date(2025, 7, 1), True),  # dissolved the day after the last: existed throughout
        (date(2025, 1, 1), date(2025, 6, 30), False),  # gone on the last day
        (date(2025, 1, 1), date(2025, 5, 1), False),
        (date(2025, 1, 1), date(2025, 4, 1), False),
        (date(2025, 4, 1), date(2025, 7, 1), True),
    ],
)
def test_existed_through(founded_on, dissolved_on, asked):
    assert existed_through(QUARTER, founded_on, dissolved_on) is asked


def test_applies():
    by_rule = {c.applies: c for c in cadences()}
    committee, groups, every = by_rule[Applies.with_committee], by_rule[Applies.with_groups], by_rule[Applies.every_branch]
    for full in range(0, 15):
        for n_groups in range(0, 4):
            assert applies(committee, full_members=full, groups=n_groups) is (full >= 7)
            assert applies(groups, full_members=full, groups=n_groups) is (n_groups > 0)
            assert applies(every, full_members=full, groups=n_groups) is True
    lone = Cadence(MeetingKind.theme_day, 1, Applies.every_branch, "test")
    assert applies(lone, full_members=0, groups=0)


def test_kind_status_every_combination():
    months = [Period(date(2025, m, 1), add_months(date(2025, m, 1), 1) - timedelta(days=1)) for m in range(9, 13)]
    for end in (date(2025, 11, 29), date(2025, 11, 30), date(2025, 12, 1), date(2025, 12, 31)):
        for mask in range(16):
            covered = {p for i, p in enumerate(months) if mask >> i & 1}
            missing = [p for p in months if p not in covered]
            if not missing:
                expected = KindStatus.done
            elif all(p.end > end for p in missing):
                expected = KindStatus.due
            else:
                expected = KindStatus.overdue
            assert kind_status(months, covered, end) is expected, (end, mask)
    assert kind_status([], set(), date(2025, 12, 31)) is KindStatus.not_required
    november = months[2]
    # A period ending on the report's end day has ended: missing it is overdue, not due.
    assert kind_status([november], set(), november.end) is KindStatus.overdue
    assert kind_status([november], set(), november.end - timedelta(days=1)) is KindStatus.due
    assert kind_status([november], {november}, november.start) is KindStatus.done


# ---------------------------------------------------------------- the service at the boundaries


def branch_with(session: Session, *, full: int = 2, probationary: int = 0, founded_on: date = date(2010, 1, 1)):
    city = make_org(session, kind=OrgKind.local_committee, founded_on=date(2000, 1, 1))
    branch = make_org(session, city, founded_on=founded_on)
    members = [make_member(session, branch) for _ in range(full)]
    members += [make_member(session, branch, joined_on=date(2025, 6, 1), confirmed_on=None) for _ in range(probationary)]
    return branch, [m.id for m in members]


def hold(session: Session, branch, kind: MeetingKind, day: date, present=(), *, excused=(), group_id=None) -> None:
    meeting_id = session.execute(
        insert(Meeting).values(org_id=branch.id, group_id=group_id, kind=kind.value, held_on=day, topic="t",
                               recorded_by="test", present_count=len(present), excused_count=len(excused),
                               absent_count=0).returning(Meeting.id)
    ).scalar_one()
    rows = [{"meeting_id": meeting_id, "member_id": m, "status": "present", "held_on": day} for m in present]
    rows += [{"meeting_id": meeting_id, "member_id": m, "status": "excused", "held_on": day} for m in excused]
    if rows:
        session.execute(insert(MeetingAttendance), rows)
    meeting_service.refresh_talks(session)  # written here without the service, as the demo loader does


def group(session: Session, branch, founded_on=date(2015, 1, 1), dissolved_on=None) -> int:
    return session.execute(
        insert(PartyGroup).values(org_id=branch.id, name="党小组", founded_on=founded_on, dissolved_on=dissolved_on)
        .returning(PartyGroup.id)
    ).scalar_one()


def kinds(session: Session, branch, start: date, end: date):
    """The service's kind statuses of one branch, after checking them against the independent ones."""
    got = compliance.kind_statuses(session, org_ids=[branch.id], start=start, end=end)[branch.id]
    want = Compliance.from_connection(session.connection()).kind_statuses(branch.id, start, end)[branch.id]
    assert {k.value: (s.status, s.asked, s.covered) for k, s in got.items()} == {
        k: (s.status, s.asked, s.covered) for k, s in want.items()
    }
    return got


def life(session: Session, branch, start: date, end: date):
    (got,) = compliance.branch_lives(session, org_id=branch.id, start=start, end=end)
    want = Compliance.from_connection(session.connection()).branch_lives(branch.id, start, end)[branch.id]
    assert (got.status, got.asked, got.covered, got.overdue_kinds, got.present, got.expected, got.last_held_on) == (
        want.status, want.asked, want.covered, want.overdue_kinds, want.present, want.expected, want.last_held_on
    )
    return got


Y2025 = (date(2025, 1, 1), date(2025, 12, 31))
GENERAL, COMMITTEE, THEME = MeetingKind.general_meeting, MeetingKind.committee_meeting, MeetingKind.theme_day
GROUP, TALK = MeetingKind.group_meeting, MeetingKind.heart_to_heart_talk


def test_a_meeting_on_the_last_day_of_a_quarter_counts_for_it(session):
    on_last, on_next = branch_with(session)[0], branch_with(session)[0]
    hold(session, on_last, GENERAL, date(2025, 3, 31))
    hold(session, on_next, GENERAL, date(2025, 4, 1))
    q1 = (date(2025, 1, 1), date(2025, 3, 31))
    assert kinds(session, on_last, *q1)[GENERAL] == compliance.KindSummary(KindStatus.done, 1, 1)
    assert kinds(session, on_next, *q1)[GENERAL] == compliance.KindSummary(KindStatus.overdue, 1, 0)
    h1 = (date(2025, 1, 1), date(2025, 6, 30))
    assert kinds(session, on_last, *h1)[GENERAL] == compliance.KindSummary(KindStatus.overdue, 2, 1)
    assert kinds(session, on_next, *h1)[GENERAL] == compliance.KindSummary(KindStatus.overdue, 2, 1)
    # Held on the report's end day counts; held the day after does not (yet).
    assert kinds(session, on_next, date(2025, 4, 1), date(2025, 4, 1))[GENERAL].status is KindStatus.done
    assert kinds(session, on_next, date(2025, 1, 1), date(2025, 3, 31))[GENERAL].covered == 0


def test_committee_meetings_are_asked_from_seven_full_members(session):
    six, _ = branch_with(session, full=6, probationary=3)
    seven, _ = branch_with(session, full=7)
    assert kinds(session, six, *Y2025)[COMMITTEE] == compliance.KindSummary(KindStatus.not_required, 0, 0)
    assert kinds(session, seven, *Y2025)[COMMITTEE] == compliance.KindSummary(KindStatus.overdue, 12, 0)
    # A probationary member confirmed on the end day makes the seventh full member from then.
    late, _ = branch_with(session, full=6)
    make_member(session, late, joined_on=date(2024, 6, 1), confirmed_on=date(2025, 6, 30))
    assert kinds(session, late, date(2025, 1, 1), date(2025, 6, 29))[COMMITTEE].status is KindStatus.not_required
    assert kinds(session, late, date(2025, 1, 1), date(2025, 6, 30))[COMMITTEE].asked == 6


def test_committee_counts_members_on_the_end_day(session):
    branch, members = branch_with(session, full=7)
    other = make_org(session, make_org(session, kind=OrgKind.local_committee))
    member = member_service.get_member(session, members[0])
    member_service.update_member(session, member.id, MemberUpdate(org_id=other.id), version=member.version,
                                 actor="test", effective_on=date(2025, 7, 1), today=TODAY)
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 6, 30))[COMMITTEE].asked == 6
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 7, 1))[COMMITTEE].status is KindStatus.not_required


def test_a_branch_is_asked_only_from_its_founding(session):
    first, _ = branch_with(session, founded_on=date(2025, 3, 1))
    second, _ = branch_with(session, founded_on=date(2025, 3, 2))
    on_first = kinds(session, first, *Y2025)
    on_second = kinds(session, second, *Y2025)
    assert (on_first[THEME].asked, on_second[THEME].asked) == (10, 9)  # March asked only of the first
    assert (on_first[GENERAL].asked, on_second[GENERAL].asked) == (3, 3)  # Q1 began before both
    assert on_first[MeetingKind.org_life_meeting].status is KindStatus.not_required  # the year too
    april, _ = branch_with(session, founded_on=date(2025, 4, 1))
    assert kinds(session, april, *Y2025)[GENERAL].asked == 3  # Q2 is asked of a branch founded on its first day
    # Founded after the report's start, not asked before it: no overdue for March either.
    hold(session, second, THEME, date(2025, 3, 20))
    assert kinds(session, second, date(2025, 3, 1), date(2025, 3, 31))[THEME].status is KindStatus.not_required


def test_paralysed_exactly_at_six_months(session):
    end = date(2025, 12, 31)
    quiet, active = branch_with(session)[0], branch_with(session)[0]
    hold(session, quiet, THEME, date(2025, 6, 30))  # end - 6 months: not within the six months
    hold(session, active, THEME, date(2025, 7, 1))
    assert life(session, quiet, date(2025, 1, 1), end).status is LifeStatus.paralysed
    assert life(session, active, date(2025, 1, 1), end).status is not LifeStatus.paralysed
    # A branch founded exactly six months before the end can be paralysed; one founded a day later not.
    old_enough, young = branch_with(session, founded_on=date(2025, 6, 30))[0], branch_with(session, founded_on=date(2025, 7, 1))[0]
    assert life(session, old_enough, date(2025, 1, 1), end).status is LifeStatus.paralysed
    assert life(session, young, date(2025, 1, 1), end).status is not LifeStatus.paralysed
    # Month ends: 31 August minus six months is 28 February.
    feb, march = branch_with(session)[0], branch_with(session)[0]
    hold(session, feb, THEME, date(2025, 2, 28))
    hold(session, march, THEME, date(2025, 3, 1))
    assert life(session, feb, date(2025, 1, 1), date(2025, 8, 31)).status is LifeStatus.paralysed
    assert life(session, march, date(2025, 1, 1), date(2025, 8, 31)).status is not LifeStatus.paralysed
    assert life(session, march, date(2025, 1, 1), date(2025, 8, 31)).last_held_on == date(2025, 3, 1)
    # A record after the end does not count.
    later, _ = branch_with(session)
    hold(session, later, THEME, date(2025, 4, 1))
    hold(session, later, THEME, date(2026, 1, 1))
    assert life(session, later, date(2025, 1, 1), end).status is LifeStatus.paralysed


def test_half_paralysed_below_half_of_the_look_back(session):
    # Founded 1 March 2025 with one full member, no groups: asked over 2025 are ten theme days and
    # three quarters each of general meetings and lessons (Q1 and the year began before): 16.
    def branch_covering(theme_months: list[int]):
        branch, _ = branch_with(session, full=1, founded_on=date(2025, 3, 1))
        for month in theme_months:
            hold(session, branch, THEME, date(2025, month, 10))
        hold(session, branch, GENERAL, date(2025, 8, 1))
        hold(session, branch, GENERAL, date(2025, 11, 1))
        return branch

    half = life(session, branch_covering([7, 8, 9, 10, 11, 12]), *Y2025)
    assert (half.asked, half.covered, half.status) == (16, 8, LifeStatus.irregular)  # exactly 50%
    below = life(session, branch_covering([7, 8, 9, 10, 11]), *Y2025)
    assert (below.asked, below.covered, below.status) == (16, 7, LifeStatus.half_paralysed)
    assert below.overdue_kinds == 3  # theme days, lessons, general meetings


def test_the_look_back_is_twelve_months_whatever_the_report(session):
    branch, _ = branch_with(session, full=1)
    for month in range(1, 13):
        hold(session, branch, THEME, date(2024, month, 5))
    # Report of December 2024 only; the look-back still holds the year 2024's 12 + 4 + 4 + 3 periods.
    got = life(session, branch, date(2024, 12, 1), date(2024, 12, 31))
    assert (got.asked, got.covered) == (23, 12)
    assert got.status is LifeStatus.regular  # December's theme day held: nothing overdue in the report
    # Mid-month: the look-back holds only periods ended after 15 Dec 2023 and by 15 Dec 2024.
    got = life(session, branch, date(2024, 12, 1), date(2024, 12, 15))
    assert (got.asked, got.covered) == (12 + 4 + 4 + 3, 11)  # Dec 2023 .. Nov 2024; the year 2023


def test_the_unfinished_month_is_due_not_overdue(session):
    branch, _ = branch_with(session)
    for month in range(1, 12):
        hold(session, branch, THEME, date(2025, month, 15))
    statuses = kinds(session, branch, date(2025, 1, 1), date(2025, 12, 10))
    assert statuses[THEME] == compliance.KindSummary(KindStatus.due, 12, 11)
    december = kinds(session, branch, date(2025, 12, 1), date(2025, 12, 10))
    assert december[THEME] == compliance.KindSummary(KindStatus.due, 1, 0)
    assert december[GENERAL].status is KindStatus.not_required  # Q4 began before the report
    assert life(session, branch, date(2025, 12, 1), date(2025, 12, 10)).overdue_kinds == 0
    assert kinds(session, branch, date(2025, 12, 1), date(2025, 12, 31))[THEME].status is KindStatus.overdue
    november = kinds(session, branch, date(2025, 11, 1), date(2025, 11, 30))
    assert november[THEME] == compliance.KindSummary(KindStatus.done, 1, 1)


def test_every_group_must_meet(session):
    branch, members = branch_with(session, full=4)
    first, second = group(session, branch), group(session, branch)
    group(session, branch, dissolved_on=date(2025, 3, 1))  # gone by the end: not asked
    group(session, branch, founded_on=date(2026, 1, 1))  # not yet founded at the end
    hold(session, branch, GROUP, date(2025, 5, 31), members[:2], group_id=first)
    hold(session, branch, GROUP, date(2025, 6, 1), members[2:], group_id=second)
    hold(session, branch, GROUP, date(2025, 6, 30), members[:2], group_id=first)
    hold(session, branch, GROUP, date(2025, 7, 3), members, group_id=None)  # no group: counts for none
    statuses = kinds(session, branch, date(2025, 5, 1), date(2025, 7, 31))
    assert statuses[GROUP] == compliance.KindSummary(KindStatus.overdue, 3, 1)  # only June: both groups
    lone, _ = branch_with(session)
    assert kinds(session, lone, *Y2025)[GROUP].status is KindStatus.not_required


def test_talks_must_reach_every_member(session, settings_env):
    branch, members = branch_with(session, full=4)
    hold(session, branch, TALK, date(2025, 3, 1), members[:2])
    hold(session, branch, TALK, date(2025, 9, 1), members[2:3], excused=members[3:])
    assert kinds(session, branch, *Y2025)[TALK] == compliance.KindSummary(KindStatus.overdue, 1, 0)  # 3 of 4
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 11, 30))[TALK].status is KindStatus.due
    hold(session, branch, TALK, date(2025, 12, 31), members[3:])
    assert kinds(session, branch, *Y2025)[TALK].status is KindStatus.done
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 12, 30))[TALK].status is KindStatus.due
    settings_env("TALK_COVERAGE", "0.75")  # 3 of 4 is enough
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 12, 30))[TALK].status is KindStatus.done
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 8, 31))[TALK].status is KindStatus.due  # 2 of 4


def test_talk_coverage_rounds_up_exactly(session, settings_env):
    settings_env("TALK_COVERAGE", "0.28")
    branch, members = branch_with(session, full=25)
    hold(session, branch, TALK, date(2025, 5, 5), members[:6])
    assert kinds(session, branch, *Y2025)[TALK].covered == 0  # 6 < 7
    hold(session, branch, TALK, date(2025, 5, 6), members[6:7])
    assert kinds(session, branch, *Y2025)[TALK].covered == 1  # 0.28 × 25 is 7 (7.000000000000001 in floats)
    settings_env("TALK_COVERAGE", "0.27")
    assert kinds(session, branch, *Y2025)[TALK].covered == 1  # 6.75 rounded up: 7
    settings_env("TALK_COVERAGE", "0.29")
    assert kinds(session, branch, *Y2025)[TALK].covered == 0  # 7.25 rounded up: 8
    odd, members = branch_with(session, full=3)
    settings_env("TALK_COVERAGE", "0.5")
    hold(session, odd, TALK, date(2025, 5, 5), members[:1])
    assert kinds(session, odd, *Y2025)[TALK].covered == 0  # 1.5 rounded up: 2


def test_talks_count_the_members_on_the_end_day_only(session):
    branch, members = branch_with(session, full=2)
    elsewhere = make_org(session, make_org(session, kind=OrgKind.local_committee))
    leaver = make_member(session, branch)
    hold(session, branch, TALK, date(2025, 2, 1), [members[0], leaver.id])
    member_service.leave_member(session, leaver.id, reason=LeaveReason.death, left_on=date(2025, 4, 1),
                                actor="test", today=TODAY)
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 3, 31))[TALK].covered == 0  # 2 of 3
    hold(session, branch, TALK, date(2025, 5, 1), members[1:])
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 5, 31))[TALK].covered == 1  # the leaver is gone
    newcomer = make_member(session, elsewhere)
    member_service.update_member(session, newcomer.id, MemberUpdate(org_id=branch.id), version=newcomer.version,
                                 actor="test", effective_on=date(2025, 6, 1), today=TODAY)
    hold(session, elsewhere, TALK, date(2025, 3, 1), [newcomer.id])  # a talk of the branch he came from
    assert kinds(session, branch, *Y2025)[TALK] == compliance.KindSummary(KindStatus.overdue, 1, 0)
    assert kinds(session, branch, date(2025, 1, 1), date(2025, 5, 31))[TALK].status is KindStatus.done
    # With no members at all a branch's talks are covered.
    empty, _ = branch_with(session, full=0)
    assert kinds(session, empty, *Y2025)[TALK] == compliance.KindSummary(KindStatus.done, 1, 1)


def test_attendance_over_the_report_only(session):
    branch, members = branch_with(session, full=3)
    hold(session, branch, THEME, date(2024, 12, 31), members)
    hold(session, branch, THEME, date(2025, 1, 1), members[:1], excused=members[1:])
    hold(session, branch, THEME, date(2025, 12, 31), members[:2], excused=members[2:])
    hold(session, branch, THEME, date(2026, 1, 1), members)
    got = life(session, branch, *Y2025)
    assert (got.present, got.expected, got.last_held_on) == (3, 6, date(2025, 12, 31))
    assert got.attendance_rate == 0.5


def test_lapsed_members_at_the_boundaries(session):
    day = date(2025, 12, 31)
    since = date(2025, 6, 30)
    branch, _ = branch_with(session, full=0)
    joined_then = make_member(session, branch, joined_on=since, confirmed_on=None)
    joined_after = make_member(session, branch, joined_on=since + timedelta(days=1), confirmed_on=None)
    came_on_since = make_member(session, branch)
    came_after = make_member(session, branch)
    excused = make_member(session, branch)
    came_on_day = make_member(session, branch)
    came_later = make_member(session, branch)
    hold(session, branch, THEME, since, [came_on_since.id])
    hold(session, branch, THEME, since + timedelta(days=1), [came_after.id], excused=[excused.id])
    hold(session, branch, THEME, day, [came_on_day.id])
    hold(session, branch, THEME, day + timedelta(days=1), [came_later.id])
    lapsed = compliance.lapsed_members(session, org_id=branch.id, day=day)
    assert lapsed == sorted([joined_then.id, came_on_since.id, excused.id, came_later.id])
    duck = Compliance.from_connection(session.connection())
    assert duck.lapsed_members(branch.id, day) == lapsed
    assert joined_after.id not in lapsed


def test_a_report_reaches_back_at_most_62_months(session):
    branch = branch_with(session)[0]
    hold(session, branch, GENERAL, date(2025, 3, 31))
    # Three years and a day (the API's longest) is computed; with its look-back it spans 48 months.
    assert kinds(session, branch, date(2022, 12, 31), date(2025, 12, 31))[GENERAL].covered == 1
    with pytest.raises(ValueError, match="62 months"):
        compliance.branch_lives(session, org_id=branch.id, start=date(2020, 1, 1), end=date(2025, 12, 31))
