"""The demo city's year of organizational life (dangjian.demo.meetings), checked against
docs/meetings.md: who may attend, the counts, the window, groups, determinism and the status mix."""

import hashlib
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import and_, func, or_, select

from dangjian.demo.generator import generate
from dangjian.errors import ValidationFailed
from dangjian.meeting import compliance
from dangjian.meeting.codes import AttendanceStatus, LifeStatus, MeetingKind
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup, PartyGroupMember
from dangjian.member.models import Member, MemberPeriod
from dangjian.org import service as org_service
from dangjian.org.codes import OrgKind
from dangjian.org.models import OrgAncestor, OrgClassification, Organization

AS_OF = date(2025, 12, 31)
UNTIL = date(2026, 10, 20)
WINDOW_START = date(2025, 10, 1)  # the first day of the month twelve months before UNTIL's
SCALE = 0.02
BRANCH_KINDS = (OrgKind.branch.value, OrgKind.joint_branch.value)


@pytest.fixture
def city(session):
    generate(session, scale=SCALE, seed=7, as_of=AS_OF, meetings_until=UNTIL)
    return session


def covering(day):
    return and_(MemberPeriod.start_on <= day, or_(MemberPeriod.end_on.is_(None), MemberPeriod.end_on > day))


def test_every_branch_has_a_year_of_records_with_attendance(city):
    kinds = dict(city.execute(select(Meeting.kind, func.count()).group_by(Meeting.kind)).all())
    assert set(kinds) == {k.value for k in MeetingKind}
    branches = city.scalar(
        select(func.count()).select_from(Organization).where(Organization.kind.in_(BRANCH_KINDS))
    )
    with_records = city.scalar(select(func.count(func.distinct(Meeting.org_id))))
    assert with_records == branches
    assert kinds[MeetingKind.theme_day.value] > 10 * branches
    attendance = city.scalar(select(func.count()).select_from(MeetingAttendance))
    members = city.scalar(select(func.count()).select_from(Member).where(Member.status == "active"))
    assert attendance > 20 * members


def test_counts_on_each_meeting_are_its_attendance_rows(city):
    counted = {
        (meeting_id, status): n
        for meeting_id, status, n in city.execute(
            select(MeetingAttendance.meeting_id, MeetingAttendance.status, func.count())
            .group_by(MeetingAttendance.meeting_id, MeetingAttendance.status)
        )
    }
    meetings = city.execute(
        select(Meeting.id, Meeting.present_count, Meeting.excused_count, Meeting.absent_count)
    ).all()
    assert meetings
    statuses = (AttendanceStatus.present, AttendanceStatus.excused, AttendanceStatus.absent)
    for meeting_id, present, excused, absent in meetings:
        assert present + excused + absent > 0
        assert (present, excused, absent) == tuple(counted.get((meeting_id, s.value), 0) for s in statuses), meeting_id
    other_day = city.scalar(
        select(func.count()).select_from(MeetingAttendance).join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(MeetingAttendance.held_on != Meeting.held_on)
    )
    assert other_day == 0
    reasons = city.execute(
        select(MeetingAttendance.status, func.count()).where(
            (MeetingAttendance.status == AttendanceStatus.excused.value) == MeetingAttendance.reason.is_(None)
        ).group_by(MeetingAttendance.status)
    ).all()
    assert reasons == []  # a reason exactly for the excused


def test_attendees_belong_to_the_branch_or_group_on_the_day(city):
    belongs = (
        select(MemberPeriod.id)
        .where(MemberPeriod.member_id == MeetingAttendance.member_id, covering(Meeting.held_on),
               or_(MemberPeriod.org_id == Meeting.org_id,
                   and_(MemberPeriod.is_floating.is_(True), MemberPeriod.inflow_org_id == Meeting.org_id)))
        .exists()
    )
    strangers = city.scalar(
        select(func.count()).select_from(MeetingAttendance).join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(~belongs)
    )
    assert strangers == 0
    in_group = (
        select(PartyGroupMember.member_id)
        .where(PartyGroupMember.group_id == Meeting.group_id, PartyGroupMember.member_id == MeetingAttendance.member_id)
        .exists()
    )
    outside_group = city.scalar(
        select(func.count()).select_from(MeetingAttendance).join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(Meeting.group_id.is_not(None), ~in_group)
    )
    assert outside_group == 0
    assert city.scalar(select(func.count()).select_from(Meeting).where(
        (Meeting.kind == MeetingKind.group_meeting.value) == Meeting.group_id.is_(None))) == 0
    talks = city.execute(
        select(func.count(), func.sum(Meeting.present_count)).where(Meeting.kind == MeetingKind.heart_to_heart_talk.value)
    ).one()
    assert talks[0] > 0 and talks[1] == 2 * talks[0]  # two people, both present


def test_no_record_outside_the_window_or_before_the_branch(city):
    first, last = city.execute(select(func.min(Meeting.held_on), func.max(Meeting.held_on))).one()
    assert WINDOW_START <= first and last <= UNTIL
    early = city.scalar(
        select(func.count()).select_from(Meeting).join(Organization, Organization.id == Meeting.org_id)
        .where(Meeting.held_on < Organization.founded_on)
    )
    assert early == 0
    not_branch = city.scalar(
        select(func.count()).select_from(Meeting).join(Organization, Organization.id == Meeting.org_id)
        .where(Organization.kind.not_in(BRANCH_KINDS))
    )
    assert not_branch == 0
    # the previous year's yearly items are there
    last_year = dict(city.execute(
        select(Meeting.kind, func.count()).where(Meeting.held_on.between(date(2025, 12, 1), date(2025, 12, 31)))
        .group_by(Meeting.kind)
    ).all())
    for kind in (MeetingKind.org_life_meeting, MeetingKind.member_review, MeetingKind.heart_to_heart_talk):
        assert last_year.get(kind.value, 0) > 0, kind


def test_party_groups_hold_members_of_their_branch(city):
    groups = city.execute(select(PartyGroup.id, PartyGroup.org_id, PartyGroup.leader_id, PartyGroup.founded_on)).all()
    assert groups
    members = {}
    for group_id, member_id in city.execute(select(PartyGroupMember.group_id, PartyGroupMember.member_id)):
        members.setdefault(group_id, set()).add(member_id)
    on_until = {
        member_id: (org_id, confirmed_on)
        for member_id, org_id, confirmed_on in city.execute(
            select(MemberPeriod.member_id, MemberPeriod.org_id, MemberPeriod.confirmed_on).where(covering(UNTIL))
        )
    }
    per_branch = Counter(org_id for _, org_id, _, _ in groups)
    for group_id, org_id, leader_id, founded_on in groups:
        assert members[group_id]
        assert all(on_until[m][0] == org_id for m in members[group_id])
        assert leader_id in members[group_id]
        assert on_until[leader_id][1] is not None and on_until[leader_id][1] <= UNTIL  # a full member
        assert founded_on <= WINDOW_START
        assert 2 <= per_branch[org_id] <= 4
    in_two = city.scalar(
        select(func.count()).select_from(
            select(PartyGroupMember.member_id).group_by(PartyGroupMember.member_id).having(func.count() > 1).subquery()
        )
    )
    assert in_two == 0


def fingerprint(session) -> str:
    digest = hashlib.sha256()
    for row in session.execute(select(Meeting.org_id, Meeting.group_id, Meeting.kind, Meeting.held_on, Meeting.topic,
                                      Meeting.host, Meeting.present_count, Meeting.excused_count).order_by(Meeting.id)):
        digest.update(repr(tuple(row)).encode())
    for row in session.execute(select(MeetingAttendance.meeting_id, MeetingAttendance.member_id, MeetingAttendance.status,
                                      MeetingAttendance.reason).order_by(MeetingAttendance.meeting_id, MeetingAttendance.member_id)):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_same_seed_gives_the_same_records(session):
    generate(session, scale=0.01, seed=3, as_of=AS_OF, meetings_until=UNTIL)
    first = fingerprint(session)
    generate(session, scale=0.01, seed=3, as_of=AS_OF, meetings_until=UNTIL, replace=True)
    assert fingerprint(session) == first
    generate(session, scale=0.01, seed=4, as_of=AS_OF, meetings_until=UNTIL, replace=True)
    assert fingerprint(session) != first


def test_records_may_not_reach_into_the_future(session):
    with pytest.raises(ValidationFailed):
        generate(session, scale=0.01, seed=3, as_of=AS_OF, meetings_until=date(2999, 1, 1))


def class_3_branches(session) -> set[int]:
    tops = select(OrgClassification.org_id).where(OrgClassification.grade == "class_3")
    return set(session.scalars(
        select(Organization.id).join(OrgAncestor, OrgAncestor.descendant_id == Organization.id)
        .where(OrgAncestor.ancestor_id.in_(tops), Organization.kind.in_(BRANCH_KINDS))
    ))


@pytest.mark.parametrize("start", [date(UNTIL.year, 1, 1), WINDOW_START], ids=["this_year", "trailing"])
def test_status_mix_is_mostly_regular_with_weak_branches_among_class_3_villages(city, start):
    root = org_service.root_org(city)
    lives = compliance.branch_lives(city, org_id=root.id, start=start, end=UNTIL)
    statuses = Counter(life.status for life in lives)
    assert statuses[LifeStatus.regular] > 0.7 * len(lives), statuses
    assert statuses[LifeStatus.paralysed] >= 1 and statuses[LifeStatus.half_paralysed] >= 1, statuses
    assert statuses[LifeStatus.paralysed] + statuses[LifeStatus.half_paralysed] < 0.15 * len(lives), statuses
    weak = {LifeStatus.paralysed, LifeStatus.half_paralysed}
    class_3 = class_3_branches(city)
    assert class_3
    weak_share = lambda group: sum(1 for life in group if life.status in weak) / len(group)  # noqa: E731
    among_class_3 = [life for life in lives if life.org_id in class_3]
    others = [life for life in lives if life.org_id not in class_3]
    assert weak_share(among_class_3) > 3 * weak_share(others)
    rate = sum(life.present for life in lives) / sum(life.expected for life in lives)
    assert 0.85 <= rate <= 0.95


def test_a_few_members_show_on_the_lapse_warning_list(city):
    root = org_service.root_org(city)
    lapsed = compliance.lapsed_members(city, org_id=root.id, day=UNTIL)
    members = city.scalar(select(func.count()).select_from(MemberPeriod).where(covering(UNTIL), MemberPeriod.org_id.is_not(None)))
    assert 0 < len(lapsed) < 0.05 * members  # the persistently absent, and everyone of a paralysed branch
