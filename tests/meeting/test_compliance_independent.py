"""The compliance service (meeting/compliance.py) against the independent DuckDB computation of
tests/meeting/independent.py, on random branches and records and on a small demo city."""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dangjian.config import get_settings
from dangjian.demo.generator import generate
from dangjian.meeting import compliance
from dangjian.meeting import service as meeting_service
from dangjian.meeting.codes import KindStatus, LifeStatus, MeetingKind
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup, PartyGroupMember
from dangjian.member import service as member_service
from dangjian.member.codes import LeaveReason
from dangjian.member.schemas import MemberUpdate
from dangjian.org import service as org_service
from dangjian.org.codes import DissolveReason, OrgKind
from dangjian.org.models import Organization
from tests.factories import TODAY, make_member, make_org
from tests.meeting.independent import Compliance

FIRST_DAY = date(2023, 7, 1)  # records from here to TODAY (the earliest window and its look-back)
WINDOWS = [
    (date(2025, 1, 1), date(2025, 12, 31)),  # a whole year ending at a year end
    (date(2025, 1, 1), date(2025, 8, 15)),  # ending mid-quarter, mid-month
    (date(2024, 1, 1), date(2024, 12, 31)),
    (date(2024, 11, 15), date(2025, 5, 20)),  # starting mid-quarter: that quarter is not asked
    (date(2025, 4, 1), date(2025, 6, 30)),  # one quarter, ending on its last day
    (date(2023, 7, 1), date(2024, 6, 30)),
    (date(2025, 12, 1), date(2025, 12, 10)),  # only unfinished periods
    (date(2024, 2, 29), date(2025, 2, 28)),
    (date(2022, 12, 31), date(2025, 12, 31)),  # three years and a day: the longest report the API allows
]
LAPSE_DAYS = [date(2025, 12, 31), date(2025, 8, 15), date(2024, 12, 31), date(2025, 5, 20)]
MOVE_DAY = date(2025, 3, 1)


# ---------------------------------------------------------------- building random data


@dataclass
class Spec:
    """One branch to build: who is in it, how diligent it is."""

    parent: str
    founded_on: date = date(2010, 1, 1)
    kind: OrgKind = OrgKind.branch
    full: int = 5
    probationary: int = 0
    groups: int = 0
    diligence: float = 0.9  # chance that a period's record is held
    quiet_from: date | None = None  # no records from this day (paralysis)
    dissolved_on: date | None = None
    move_to: str | None = None  # moved under another parent on MOVE_DAY
    late_confirmed: int = 0  # full members confirmed only in 2025 (probationary at 2024 ends)


@dataclass
class Built:
    orgs: dict[str, Organization]
    branches: dict[str, Organization]
    # member id -> [(org id, from, to)) formal relations over time
    spans: dict[int, list[list]] = field(default_factory=dict)
    lazy: set[int] = field(default_factory=set)  # never present

    def by_org(self, org_id: int) -> list[tuple[int, date, date | None]]:
        """(member id, from, to) of the org's members over time; spans no longer change once
        records are added, so this is kept."""
        if not hasattr(self, "_by_org"):
            self._by_org: dict[int, list] = {}
            for member_id, spans in self.spans.items():
                for org, start, end in spans:
                    self._by_org.setdefault(org, []).append((member_id, start, end))
        return self._by_org.get(org_id, [])


def random_specs(rng: random.Random) -> dict[str, Spec]:
    specs = {
        "big": Spec("A", full=9, probationary=2, groups=2, diligence=0.95),
        "six_full": Spec("A", full=6, probationary=3, groups=1, diligence=0.9),
        "seventh_late": Spec("G", full=6, late_confirmed=1, groups=1, diligence=0.75),
        "first_of_month": Spec("G", kind=OrgKind.joint_branch, founded_on=date(2024, 3, 1), full=4, diligence=0.6),
        "second_of_month": Spec("B", founded_on=date(2024, 3, 2), full=3, probationary=1, diligence=0.5),
        "paralysed": Spec("B", full=8, groups=1, diligence=0.9, quiet_from=date(2025, 4, 20)),
        "new": Spec("B", founded_on=date(2025, 5, 15), full=3, diligence=0.8),
        "gone": Spec("B", full=4, diligence=0.8, dissolved_on=date(2024, 9, 30)),
        "going": Spec("A", full=4, diligence=0.8, dissolved_on=date(2025, 6, 15)),
        "sparse": Spec("root", full=5, probationary=1, diligence=0.3),
        "moved": Spec("B", full=7, groups=2, diligence=0.85, move_to="A"),
        "empty": Spec("G", full=0, diligence=0.4),
        "half": Spec("A", full=10, groups=3, diligence=0.5),
    }
    for n in range(5):
        specs[f"random{n}"] = Spec(
            rng.choice(["A", "B", "G", "root"]),
            founded_on=rng.choice([date(2010, 1, 1), date(2023, rng.randint(1, 12), rng.randint(1, 28)),
                                   date(2024, rng.randint(1, 12), 1)]),
            full=rng.randint(0, 12),
            probationary=rng.randint(0, 3),
            groups=rng.randint(0, 3),
            diligence=rng.choice([0.2, 0.5, 0.7, 0.9, 1.0]),
            quiet_from=rng.choice([None, None, date(2025, rng.randint(1, 11), rng.randint(1, 28))]),
        )
    return specs


def build(session: Session, seed: int) -> Built:
    rng = random.Random(seed)
    root = make_org(session, kind=OrgKind.local_committee, founded_on=date(2000, 1, 1))
    a = make_org(session, root, kind=OrgKind.committee)
    b = make_org(session, root, kind=OrgKind.committee)
    g = make_org(session, a, kind=OrgKind.general_branch)
    orgs = {"root": root, "A": a, "B": b, "G": g}
    specs = random_specs(rng)
    built = Built(orgs, {})
    groups: dict[str, list[tuple[int, date, date | None, list[int]]]] = {}
    for name, spec in specs.items():
        branch = make_org(session, orgs[spec.parent], kind=spec.kind, founded_on=spec.founded_on, name=f"支部{name}")
        built.branches[name] = branch
        members = []
        for i in range(spec.full + spec.late_confirmed + spec.probationary):
            if i < spec.full:
                joined, confirmed = date(2005 + i % 15, 7, 1), date(2006 + i % 15, 7, 1)
            elif i < spec.full + spec.late_confirmed:
                joined, confirmed = date(2024, 3, 1), date(2025, 3, 1)
            else:
                joined, confirmed = rng.choice([(date(2025, 8, 1), None), (date(2025, 1, 10), None),
                                                (date(2024, 9, 1), date(2025, 9, 1))])
            member = make_member(session, branch, joined_on=joined, confirmed_on=confirmed)
            start = max(joined, spec.founded_on)
            built.spans[member.id] = [[branch.id, start, None]]
            members.append(member)
            if rng.random() < 0.12:
                built.lazy.add(member.id)
        groups[name] = []
        for n in range(spec.groups):
            founded = rng.choice([date(2015, 1, 1), date(2024, rng.randint(1, 12), rng.randint(1, 28))])
            dissolved = date(2025, rng.randint(1, 12), 1) if rng.random() < 0.2 else None
            people = [m.id for m in members if rng.random() < 0.6]
            groups[name].append((founded, dissolved, people))
    # Members moving between branches (member_period history), leaving, and emptied branches.
    all_members = list(built.spans)
    movers = rng.sample(all_members, 12)
    targets = [br for n, br in built.branches.items() if specs[n].dissolved_on is None]
    doomed = {built.branches[n].id for n, s in specs.items() if s.dissolved_on}
    for member_id in movers:
        current = built.spans[member_id][-1]
        if current[0] in doomed:  # they move when their branch is dissolved
            continue
        target = rng.choice([t for t in targets if t.id != current[0]])
        day = max(current[1], target.founded_on) + timedelta(days=rng.randint(1, 500))
        if day > date(2025, 12, 1):
            continue
        move(session, built, member_id, target, day)
    for name, spec in specs.items():
        if spec.dissolved_on is None:
            continue
        branch = built.branches[name]
        for member_id, spans in built.spans.items():
            if spans[-1][0] == branch.id and spans[-1][2] is None:
                day = spec.dissolved_on - timedelta(days=rng.randint(1, 60))
                move(session, built, member_id, built.branches["big"], max(day, spans[-1][1] + timedelta(days=1)))
    for member_id in rng.sample([m for m in all_members if built.spans[m][-1][2] is None], 5):
        spans = built.spans[member_id]
        day = max(spans[-1][1] + timedelta(days=1), date(2024, rng.randint(1, 12), rng.randint(1, 28)))
        member_service.leave_member(session, member_id, reason=LeaveReason.death, left_on=day, actor="test", today=TODAY)
        spans[-1][2] = day
    for name, spec in specs.items():
        if spec.move_to:
            org_service.move_org(session, built.branches[name].id, new_parent_id=orgs[spec.move_to].id,
                                 moved_on=MOVE_DAY, actor="test", today=TODAY)
    group_rows = add_groups(session, built, groups)
    add_records(session, rng, built, specs, group_rows)
    for name, spec in specs.items():
        if spec.dissolved_on:
            org_service.dissolve_org(session, built.branches[name].id, dissolved_on=spec.dissolved_on,
                                     reason=DissolveReason.merged, actor="test", today=TODAY)
    session.flush()
    return built


def move(session: Session, built: Built, member_id: int, target: Organization, day: date) -> None:
    member = member_service.get_member(session, member_id)
    member_service.update_member(session, member_id, MemberUpdate(org_id=target.id), version=member.version,
                                 actor="test", effective_on=day, today=TODAY)
    built.spans[member_id][-1][2] = day
    built.spans[member_id].append([target.id, day, None])


def add_groups(session, built: Built, groups) -> dict[str, list[tuple[int, date, date | None, list[int]]]]:
    rows = {}
    for name, specs in groups.items():
        branch = built.branches[name]
        rows[name] = []
        for n, (founded, dissolved, people) in enumerate(specs):
            group_id = session.execute(
                insert(PartyGroup).values(org_id=branch.id, name=f"第{n + 1}党小组", founded_on=founded, dissolved_on=dissolved)
                .returning(PartyGroup.id)
            ).scalar_one()
            if people:
                session.execute(insert(PartyGroupMember), [{"group_id": group_id, "member_id": m} for m in people])
            rows[name].append((group_id, founded, dissolved, people))
    return rows


def periods_between(first: date, last: date, months: int):
    index = (first.year * 12 + first.month - 1) // months * months
    while True:
        start = date(index // 12, index % 12 + 1, 1)
        if start > last:
            return
        after = index + months
        yield start, date(after // 12, after % 12 + 1, 1) - timedelta(days=1)
        index = after


def members_on(built: Built, org_id: int, day: date) -> list[int]:
    return [m for m, s, e in built.by_org(org_id) if s <= day and (e is None or e > day)]


def pick_day(rng: random.Random, first: date, last: date) -> date:
    """A day in [first, last], often one of the two ends (the boundaries under test)."""
    roll = rng.random()
    if roll < 0.15:
        return first
    if roll < 0.3:
        return last
    return first + timedelta(days=rng.randint(0, (last - first).days))


def add_records(session: Session, rng: random.Random, built: Built, specs: dict[str, Spec], groups) -> None:
    meetings: list[dict] = []
    attendance: list[list[tuple[int, str]]] = []

    def record(branch: Organization, kind: str, day: date, people: list[int], group_id: int | None = None,
               all_present: bool = False) -> None:
        rows = []
        for member_id in people:
            if all_present:
                status = "present"
            elif member_id in built.lazy:
                status = rng.choice(["absent", "excused"])
            else:
                status = rng.choices(["present", "excused", "absent"], [0.8, 0.1, 0.1])[0]
            rows.append((member_id, status))
        counts = Counter(s for _, s in rows)
        meetings.append({
            "org_id": branch.id, "group_id": group_id, "kind": kind, "held_on": day, "topic": f"{kind} {day}",
            "recorded_by": "test", "present_count": counts["present"], "excused_count": counts["excused"],
            "absent_count": counts["absent"],
        })
        attendance.append(rows)

    months_of = {"general_meeting": 3, "committee_meeting": 1, "party_lesson": 3, "theme_day": 1,
                 "org_life_meeting": 12, "member_review": 12}
    for name, spec in specs.items():
        branch = built.branches[name]
        alive_from = spec.founded_on
        alive_to = min(TODAY, (spec.dissolved_on or TODAY + timedelta(days=1)) - timedelta(days=1),
                       (spec.quiet_from or TODAY + timedelta(days=1)) - timedelta(days=1))
        if alive_from > alive_to:
            continue

        def held(first: date, last: date) -> tuple[date, date] | None:
            first, last = max(first, alive_from), min(last, alive_to)
            return (first, last) if first <= last and rng.random() < spec.diligence else None

        for kind, months in months_of.items():
            for first, last in periods_between(max(FIRST_DAY, alive_from), alive_to, months):
                for _ in range(rng.choice([1, 1, 1, 2])):
                    span = held(first, last)
                    if span:
                        day = pick_day(rng, *span)
                        record(branch, kind, day, members_on(built, branch.id, day))
        for group_id, founded, dissolved, people in groups[name]:
            for first, last in periods_between(max(FIRST_DAY, alive_from), alive_to, 1):
                span = held(max(first, founded), min(last, (dissolved or TODAY) - timedelta(days=1)))
                if span:
                    day = pick_day(rng, *span)
                    present = [m for m in people if m in members_on(built, branch.id, day)]
                    record(branch, "group_meeting", day, present, group_id)
            if rng.random() < 0.3:  # a group meeting without its group: counts for no group
                day = pick_day(rng, max(FIRST_DAY, alive_from), alive_to)
                record(branch, "group_meeting", day, members_on(built, branch.id, day))
        for first, last in periods_between(max(FIRST_DAY, alive_from), alive_to, 12):
            first, last = max(first, alive_from), min(last, alive_to)
            # Talks: with the branch's diligence everyone then a member talks, otherwise some.
            people = sorted({m for d in (first, last, first + (last - first) / 2) for m in members_on(built, branch.id, d)})
            share = 1.0 if rng.random() < spec.diligence else rng.choice([0.5, 0.9])
            talkers = [m for m in people if rng.random() < share]
            for pair in (talkers[i:i + 2] for i in range(0, len(talkers), 2)):
                day = pick_day(rng, first, last)
                still = [m for m in pair if m in members_on(built, branch.id, day)]
                if still:
                    record(branch, "heart_to_heart_talk", day, still, all_present=rng.random() < 0.9)
    ids = session.execute(insert(Meeting).returning(Meeting.id, sort_by_parameter_order=True), meetings).scalars().all()
    rows = [
        {"meeting_id": meeting_id, "member_id": member_id, "status": status, "held_on": meeting["held_on"]}
        for meeting_id, meeting, people in zip(ids, meetings, attendance, strict=True)
        for member_id, status in people
    ]
    if rows:
        session.execute(insert(MeetingAttendance), rows)
    meeting_service.refresh_talks(session)  # written here without the service, as the demo loader does


# ---------------------------------------------------------------- comparing


def compare_lives(service: list, duck: dict, label: str) -> list[str]:
    problems = []
    ours = {life.org_id: life for life in service}
    if ours.keys() != duck.keys():
        problems.append(f"{label}: branches service {sorted(ours)} vs independent {sorted(duck)}")
    for org_id in sorted(ours.keys() & duck.keys()):
        got, want = ours[org_id], duck[org_id]
        for name in ("status", "asked", "covered", "overdue_kinds", "present", "expected", "last_held_on"):
            if getattr(got, name) != getattr(want, name):
                problems.append(f"{label} branch {org_id} {name}: service {getattr(got, name)!r}, "
                                f"independent {getattr(want, name)!r}")
    return problems


def compare_kinds(service: dict, duck: dict, label: str) -> list[str]:
    problems = []
    for org_id, kinds in sorted(duck.items()):
        for kind, want in sorted(kinds.items()):
            got = service.get(org_id, {}).get(MeetingKind(kind))
            if got is None or (got.status, got.asked, got.covered) != (want.status, want.asked, want.covered):
                problems.append(f"{label} branch {org_id} {kind}: service {got}, independent {want}")
    return problems


@dataclass
class Seen:
    lives: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    lapsed: int = 0
    comparisons: int = 0


def compare_all(session: Session, cases: list[tuple[int, list]], days) -> tuple[list[str], Seen]:
    """`cases`: (subtree root, its windows [(start, end)]); `days`: lapse days, for every root."""
    duck = Compliance.from_connection(session.connection())
    problems: list[str] = []
    seen = Seen()
    for root, windows in cases:
        for start, end in windows:
            label = f"root {root} [{start}, {end}]"
            lives = compliance.branch_lives(session, org_id=root, start=start, end=end)
            problems += compare_lives(lives, duck.branch_lives(root, start, end), label)
            want = duck.kind_statuses(root, start, end, again=False)  # the tables of branch_lives just above
            got = compliance.kind_statuses(session, org_ids=sorted(want), start=start, end=end)
            problems += compare_kinds(got, want, label)
            seen.lives.update(life.status for life in lives)
            seen.kinds.update(k.status for kinds in want.values() for k in kinds.values())
            seen.comparisons += 1
        for day in days:
            got = compliance.lapsed_members(session, org_id=root, day=day)
            want = duck.lapsed_members(root, day)
            if sorted(got) != want:
                problems.append(f"lapsed root {root} on {day}: only service {sorted(set(got) - set(want))}, "
                                f"only independent {sorted(set(want) - set(got))}")
            seen.lapsed += len(want)
    return problems, seen


def report(problems: list[str]) -> str:
    return f"{len(problems)} differences:\n" + "\n".join(problems[:60])


@pytest.fixture
def settings_env(monkeypatch):
    """Set DANGJIAN_* variables for one test; the cached settings are rebuilt around it."""
    get_settings.cache_clear()
    yield monkeypatch.setenv
    monkeypatch.undo()
    get_settings.cache_clear()


def test_random_branches_match_the_independent_computation(session):
    built = build(session, seed=20251231)
    # The data are what they claim: counts repeat the attendance rows.
    counts = {m: (p, e, a) for m, p, e, a in session.execute(
        select(Meeting.id, Meeting.present_count, Meeting.excused_count, Meeting.absent_count))}
    rows = Counter(session.execute(select(MeetingAttendance.meeting_id, MeetingAttendance.status)).all())
    assert all(counts[m] == (rows[m, "present"], rows[m, "excused"], rows[m, "absent"]) for m in counts)
    # Every window over the whole city; each subtree (as the tree stood at the end: "moved" changed
    # parents on MOVE_DAY) over two windows either side of the move. Branch figures do not depend on
    # the root, so more of them would only repeat the city's.
    around_move = [WINDOWS[2], WINDOWS[0]]
    cases = [(built.orgs["root"].id, WINDOWS)]
    cases += [(built.orgs[n].id, around_move) for n in ("A", "B", "G")]
    cases += [(built.branches["moved"].id, around_move)]
    problems, seen = compare_all(session, cases, LAPSE_DAYS)
    assert not problems, report(problems)
    # Every outcome occurs somewhere, so the comparison means something.
    assert set(seen.lives) == set(LifeStatus), seen.lives
    assert set(seen.kinds) == set(KindStatus), seen.kinds
    assert seen.lapsed > 0


def test_other_settings_match_too(session, settings_env):
    for name, value in {"PARTY_LESSON_MONTHS": "6", "TALK_COVERAGE": "0.7", "HALF_PARALYSED_SHARE": "0.6",
                        "HALF_PARALYSED_MONTHS": "9", "PARALYSED_MONTHS": "4", "LAPSE_MONTHS": "3"}.items():
        settings_env(f"DANGJIAN_{name}", value)
    get_settings.cache_clear()
    assert get_settings().party_lesson_months == 6
    built = build(session, seed=7)
    problems, seen = compare_all(session, [(built.orgs["root"].id, WINDOWS[:4])], LAPSE_DAYS[:2])
    assert not problems, report(problems)
    assert seen.comparisons == 4


def test_demo_city_matches_the_independent_computation(session):
    generate(session, scale=0.01, seed=11)
    root = org_service.root_org(session)
    counties = session.scalars(
        select(Organization.id).where(Organization.parent_id == root.id).order_by(Organization.code).limit(3)
    ).all()
    # The demo's records run for a year up to today: this year so far, and a window across the
    # year end that stops mid-quarter.
    today = date.today()
    windows = [(date(today.year, 1, 1), today), (date(today.year - 1, 11, 15), min(today, date(today.year, 5, 20)))]
    cases = [(root.id, windows)] + [(county, windows[:1]) for county in counties]
    problems, seen = compare_all(session, cases, [today, windows[1][1]])
    assert not problems, report(problems)
    assert sum(seen.lives.values()) > 50
