"""A year of organizational life in the demo city (docs/meetings.md): party groups, meetings,
lessons, theme days, talks, and who attended each.

Built from the generator's in-memory rows, never read back from the database. Each branch gets a
health (regular, irregular, half-paralysed, paralysed) that decides which periods it covers; weak
health is far more frequent in class-3 villages. Attendance is kept per meeting as the sorted
member ids plus the few who were not present, and only expanded into rows while being written, so
the millions of rows never sit in memory at once. Deterministic for a seed.
"""

from __future__ import annotations

import random
import sqlite3
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Table

from dangjian.config import get_settings
from dangjian.db import bulk_insert
from dangjian.meeting.cadence import COMMITTEE_MIN_FULL_MEMBERS, add_months, period_of
from dangjian.meeting.codes import AttendanceStatus, MeetingKind
from dangjian.meeting.compliance import months_before
from dangjian.meeting.models import Meeting, MeetingAttendance, PartyGroup, PartyGroupMember
from dangjian.org.codes import OrgKind

if TYPE_CHECKING:  # the generator imports this module, not the other way round
    from sqlalchemy.orm import Session

    from dangjian.demo.generator import City, MemberWriter, Node

RECORDED_BY = "demo-data"
PRESENT, EXCUSED, ABSENT = (s.value for s in (AttendanceStatus.present, AttendanceStatus.excused, AttendanceStatus.absent))
GENERAL, COMMITTEE, GROUP, LESSON, THEME_DAY, ORG_LIFE, REVIEW, TALK = (k.value for k in (
    MeetingKind.general_meeting, MeetingKind.committee_meeting, MeetingKind.group_meeting, MeetingKind.party_lesson,
    MeetingKind.theme_day, MeetingKind.org_life_meeting, MeetingKind.member_review, MeetingKind.heart_to_heart_talk))
NEVER = date.max

MEETING_COLUMNS = ("id", "org_id", "group_id", "kind", "held_on", "topic", "place", "host", "speaker", "minutes",
                   "decisions", "present_count", "excused_count", "absent_count", "recorded_by", "version",
                   "created_at", "updated_at")
ATTENDANCE_COLUMNS = ("meeting_id", "member_id", "status", "reason", "held_on")
GROUP_COLUMNS = ("id", "org_id", "name", "leader_id", "founded_on", "dissolved_on")
assert all(tuple(c.name for c in model.__table__.columns) == columns for model, columns in (
    (Meeting, MEETING_COLUMNS), (MeetingAttendance, ATTENDANCE_COLUMNS), (PartyGroup, GROUP_COLUMNS))), "rows follow these"

# health -> weights by kind of branch: regular, irregular, half-paralysed, paralysed
HEALTHS = ("regular", "irregular", "half_paralysed", "paralysed")
HEALTH_WEIGHTS = {
    "class_3": (15, 25, 35, 25),
    "village": (80, 13, 4.5, 2.5),
    "weak_sector": (76, 15, 6, 3),  # 非公企业, 社会组织, 改制企业
    "other": (87, 10.5, 1.7, 0.8),
}
WEAK_SECTORS = ("private", "social", "restructured")
# health -> (share present among ordinary members, chance that a member stays away for good)
ATTENDANCE = {
    "regular": (0.93, 0.008), "irregular": (0.88, 0.015), "half_paralysed": (0.78, 0.06), "paralysed": (0.72, 0.08),
}
KEEP_SHARE = {"half_paralysed": 0.28, "paralysed": 0.4}  # of periods covered before the branch stops

EXCUSE_REASONS = ("因病请假", "工作冲突", "工作冲突", "家中有事", "外出学习培训", "外出办事")
VILLAGE_REASONS = ("因病请假", "外出务工", "外出务工", "农忙", "家中有事", "照顾老人")
AWAY_REASONS = ("外出务工", "外出务工", "在外经商")
STAYING_AWAY = ("长期外出", "因病请假", "年老体弱")
PLACES = {
    "village": ("村部会议室", "村党群服务中心", "村党员活动室"),
    "community": ("社区党群服务中心", "社区会议室", "社区党员活动室"),
    "township_agency": ("乡镇机关会议室", "党员活动室"),
    "street_agency": ("街道机关会议室", "党员活动室"),
    "agency": ("机关会议室", "党员活动室", "单位会议室"),
    "institution": ("单位会议室", "党员活动室"),
    "school": ("学校会议室", "学校党员活动室", "学校多功能厅"),
    "hospital": ("医院会议室", "医院党员活动室"),
    "soe": ("公司会议室", "公司党员活动室"),
    "private": ("公司会议室", "党员活动室", "园区党群服务中心"),
    "social": ("党员活动室", "办公室"),
    "restructured": ("离退休党员活动室", "公司会议室", "社区党群服务中心"),
}
THEME_TOPICS = (
    "学习《中国共产党章程》", "学习《中国共产党纪律处分条例》", "学习习近平新时代中国特色社会主义思想",
    "重温入党誓词", "开展党员志愿服务活动", "学习贯彻中央八项规定精神", "开展廉洁文化教育", "观看党员教育电教片",
    "开展“党员先锋岗”承诺践诺", "学习《习近平谈治国理政》", "开展主题党日“三个一”活动", "集中学习党的创新理论",
)
THEME_BY_MONTH = {
    1: "走访慰问困难党员和老党员", 3: "开展学雷锋志愿服务活动", 4: "清明节缅怀革命先烈", 5: "开展“五四”青年党员座谈",
    6: "庆祝建党{party}周年", 7: "庆祝建党{party}周年暨重温入党誓词", 8: "开展“八一”走访慰问退役军人党员",
    9: "纪念中国人民抗日战争胜利", 10: "开展国庆爱国主义教育", 12: "学习《中国共产党章程》暨年终党员教育",
}
SECTOR_TOPICS = {
    "village": ("开展乡村振兴主题实践活动", "开展人居环境整治志愿服务", "开展防汛抗旱党员突击队活动"),
    "community": ("开展党员进网格服务群众活动", "开展社区文明创建志愿服务", "开展“我为群众办实事”活动"),
    "soe": ("开展安全生产主题教育", "开展党建引领生产经营攻坚"), "private": ("开展安全生产主题教育", "开展党员示范岗创建"),
    "school": ("开展师德师风主题教育",), "hospital": ("开展医德医风主题教育", "开展党员义诊服务"),
}
PLENUM_TOPIC, PLENUM_FROM, PLENUM_UNTIL = "学习贯彻党的二十届四中全会精神", date(2025, 10, 24), date(2026, 7, 1)
GENERAL_TOPICS = ("通报支部工作情况，讨论发展党员工作", "学习传达上级党委会议精神", "讨论接收预备党员", "讨论预备党员转正",
                  "通报党费收缴使用情况", "部署本季度支部工作", "研究党员教育培训计划", "讨论推荐入党积极分子")
COMMITTEE_TOPICS = ("研究本月支部工作安排", "研究发展党员工作", "研究主题党日活动方案", "研究党费收缴工作",
                    "研究困难党员帮扶工作", "分析党员思想状况", "研究党员教育管理工作", "研究落实上级党委工作部署")
GROUP_TOPICS = ("党小组集中学习", "学习上级会议精神并交流心得", "党小组学习讨论", "学习党章党规", "交流思想和工作情况")
LESSON_TOPICS = ("坚定理想信念 践行初心使命", "弘扬伟大建党精神", "加强党性修养 争做合格党员", "全面从严治党永远在路上",
                 "以学铸魂 以学增智 以学正风 以学促干", "学习党史 赓续红色血脉", "践行全心全意为人民服务的根本宗旨")
COMMITTEE_POSTS = ("党支部书记", "副书记", "组织委员", "宣传委员", "纪检委员")
NUMERALS = "一二三四五六七八九十"
GROUPS_FROM = 30  # members of a branch that is split into party groups
DAYS = tuple(timedelta(days=n) for n in range(370))


@dataclass(slots=True)
class Roll:
    """A member in one branch over the window: [start, end) with the days they went away or out
    of contact. `stays_away` marks the few who no longer come at all."""

    id: int
    name: str
    start: date
    end: date
    confirmed: date | None
    post: str | None
    away_from: date = NEVER
    lost_from: date = NEVER
    stays_away: bool = False


@dataclass(slots=True)
class Branch:
    node: Node
    rolls: list[Roll]
    inflow: list[Roll]
    health: str
    rate: float
    place: tuple[str, ...]
    host: str | None
    secretary: Roll | None
    stable: tuple[int, ...] = ()
    changing: list[Roll] = field(default_factory=list)
    special: dict[int, Roll] = field(default_factory=dict)
    cutoff: date = NEVER  # a paralysed branch held nothing after this day
    misses: set = field(default_factory=set)  # (kind, period start) an irregular branch skipped
    committee: list[Roll] | None = None
    where: dict[tuple[int, ...], list[tuple[int, Roll]]] = field(default_factory=dict)


class Attendance:
    """The meeting_attendance rows, kept per meeting as (meeting id, ISO day, sorted member ids,
    the ones not present as (index, status, reason)) and expanded only while being written."""

    def __init__(self, held: list[tuple], count: int):
        self.held, self.count = held, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple]:
        for meeting_id, iso, ids, missing in self.held:
            rows = [(meeting_id, m, PRESENT, None, iso) for m in ids]
            for i, status, reason in missing:
                rows[i] = (meeting_id, ids[i], status, reason, iso)
            yield from rows

    def present_lists(self) -> Iterator[tuple]:
        """(meeting id, ISO day, JSON array of the members present) for SQLITE_PRESENT."""
        for meeting_id, iso, ids, missing in self.held:
            if missing:
                out = {i for i, _, _ in missing}
                ids = [m for i, m in enumerate(ids) if i not in out]
            yield meeting_id, iso, str(list(ids))  # a list's repr is its JSON

    def others(self) -> Iterator[tuple]:
        """The rows of those excused or absent."""
        for meeting_id, iso, ids, missing in self.held:
            for i, status, reason in missing:
                yield meeting_id, ids[i], status, reason, iso


class Generator:
    def __init__(self, city: City, writer: MemberWriter, classification: list[tuple], *, until: date, seed: int):
        settings = get_settings()
        self.city, self.writer = city, writer
        self.rng = random.Random(f"dangjian-meetings-{seed}")
        self.random = self.rng.random
        self.until = until
        self.start = add_months(until, -12)  # the first day of the month 12 months before
        self.stop_after = months_before(until, settings.paralysed_months)
        self.months = []  # (first day, last day) of each month of the window
        month = self.start
        while month <= until:
            self.months.append((month, add_months(month, 1) - DAYS[1]))
            month = add_months(month, 1)
        self.quarterly = []  # (kind, first day, last day) of the quarterly kinds' periods
        for kind, months in ((GENERAL, 3), (LESSON, settings.party_lesson_months)):
            period = period_of(self.start, months)
            while period.start <= until:
                self.quarterly.append((kind, period.start, period.end))
                period = period_of(period.end + DAYS[1], months)
        self.grade = {top_id: grade for _id, top_id, _year, grade in classification}
        self.class_3: set[int] = set()  # branches of class-3 villages
        self.now = city.now
        self.groups: list[tuple] = []
        self.group_members: list[tuple] = []
        self.meetings: list[tuple] = []
        self.held: list[tuple] = []  # (meeting id, ISO day, member ids, the ones not present)
        self.attendance_count = 0
        self.talkers: dict[tuple[int, int, int], str] = {}  # (branch, year, member) -> first day talked

    # ---- who belongs where ------------------------------------------------------------------
    def rolls(self) -> tuple[dict[int, list[Roll]], dict[int, list[Roll]]]:
        """Formal members and members floating in, per branch, over the window."""
        w = self.writer
        cols = w.member_cols
        i_id, i_name, i_post = cols.index("id"), cols.index("name"), cols.index("post")
        who = {m[i_id]: (m[i_name], m[i_post]) for m in w.members}
        pc = w.period_cols
        p_member, p_start, p_end = pc.index("member_id"), pc.index("start_on"), pc.index("end_on")
        p_org, p_inflow, p_confirmed = pc.index("org_id"), pc.index("inflow_org_id"), pc.index("confirmed_on")
        p_floating, p_lost = pc.index("is_floating"), pc.index("is_lost_contact")
        formal: dict[int, list[Roll]] = {}
        inflow: dict[int, list[Roll]] = {}
        last: dict[int, tuple[int, Roll]] = {}  # a member's periods come in order of time
        last_in: dict[int, tuple[int, Roll]] = {}
        for p in w.periods:
            member_id, begin, end, org_id = p[p_member], p[p_start], p[p_end] or NEVER, p[p_org]
            if org_id is not None:
                org, roll = last.get(member_id, (None, None))
                if roll is not None and org == org_id and roll.end == begin:
                    roll.end = end
                else:
                    name, post = who[member_id]
                    roll = Roll(member_id, name, begin, end, p[p_confirmed], post)
                    last[member_id] = (org_id, roll)
                    formal.setdefault(org_id, []).append(roll)
                if p[p_floating] and roll.away_from is NEVER:
                    roll.away_from = begin
                if p[p_lost] and roll.lost_from is NEVER:
                    roll.lost_from = begin
            target = p[p_inflow]
            if target is not None and p[p_floating] and target != org_id:
                org, roll = last_in.get(member_id, (None, None))
                if roll is not None and org == target and roll.end == begin:
                    roll.end = end
                else:
                    roll = Roll(member_id, who[member_id][0], begin, end, p[p_confirmed], None)
                    last_in[member_id] = (target, roll)
                    inflow.setdefault(target, []).append(roll)
        start, until = self.start, self.until

        def within(rolls: list[Roll]) -> list[Roll]:
            return sorted((r for r in rolls if r.end > start and r.start <= until), key=lambda r: r.id)

        return {k: within(v) for k, v in formal.items()}, {k: within(v) for k, v in inflow.items()}

    # ---- the run ----------------------------------------------------------------------------
    def healths(self) -> dict[int, str]:
        """Each branch's health, by exact shares within its kind (class-3 villages, other villages,
        the weak sectors, the rest): shuffled, then cut at the cumulative weights."""
        rng, class_3 = self.rng, self.class_3
        for top in self.city.village_tops:
            if self.grade.get(top.id) == "class_3":
                class_3.update(b.id for b in top.branches())
        kinds: dict[str, list[Node]] = {key: [] for key in HEALTH_WEIGHTS}
        for node in self.city.nodes:
            if node.kind in (OrgKind.branch, OrgKind.joint_branch):
                key = "class_3" if node.id in class_3 else "village" if node.profile == "village" else \
                    "weak_sector" if node.profile in WEAK_SECTORS else "other"
                kinds[key].append(node)
        health = {}
        for key, nodes in kinds.items():
            rng.shuffle(nodes)
            weights = HEALTH_WEIGHTS[key]
            bounds = [sum(weights[:k + 1]) / sum(weights) for k in range(len(weights))]
            offset = rng.random()
            for i, node in enumerate(nodes):
                position = (i + offset) / len(nodes)
                health[node.id] = HEALTHS[next(k for k, bound in enumerate(bounds) if position < bound)]
        return health

    def run(self) -> None:
        rng, until = self.rng, self.until
        formal, inflow = self.rolls()
        healths = self.healths()
        for node in self.city.nodes:
            if node.kind not in (OrgKind.branch, OrgKind.joint_branch):
                continue
            health = healths[node.id]
            if health == "paralysed" and node.founded_on > self.stop_after:
                health = "half_paralysed"  # too young to have been silent for six months
            rate, stay_away = ATTENDANCE[health]
            rolls = formal.get(node.id, [])
            secretary = next((r for r in rolls if r.post == "党支部书记"), None)
            host = secretary or next((r for r in rolls if r.confirmed is not None), None)
            b = Branch(node, rolls, inflow.get(node.id, []), health, min(0.99, rng.gauss(rate, 0.03)),
                       PLACES.get(node.profile, PLACES["agency"]), host.name if host else None, secretary)
            stay_away *= 2 if node.id in self.class_3 else 1
            for r in rolls:
                if r.post is None and r.away_from is NEVER and r.lost_from is NEVER and rng.random() < stay_away:
                    r.stays_away = True
                if r.stays_away or r.away_from <= until or r.lost_from <= until:
                    b.special[r.id] = r
                if r.start <= self.start and r.end > until:
                    b.stable += (r.id,)
                else:
                    b.changing.append(r)
            if health == "paralysed":
                b.cutoff = self.stop_after - DAYS[rng.randint(1, 150)]
            elif health == "irregular":
                self.choose_misses(b)
            self.emit(b, self.plan(b))

    def plan(self, b: Branch) -> list[tuple]:
        """(day, kind, group, detail) of every record the branch holds, in order."""
        rng, rnd, until, founded = self.rng, self.random, self.until, b.node.founded_on
        plan: list[tuple] = []
        year_end = date(until.year - 1, 12, 31)
        full = max(sum(1 for r in b.rolls if r.start <= day < r.end and r.confirmed is not None and r.confirmed <= day)
                   for day in (until, year_end))
        has_committee = full >= COMMITTEE_MIN_FULL_MEMBERS
        groups = self.make_groups(b)
        theme_day = rng.choice((1, 5, 8, 10, 15, 18, 20, 25, 28))
        keep = self.keep
        for first, last in self.months:
            lo = max(first, founded)
            if lo > last:
                continue
            span = (last - lo).days + 1
            day = first.replace(day=theme_day) if rnd() < 0.85 else lo + DAYS[int(rnd() * span)]
            if day >= lo and keep(b, THEME_DAY, first, day):
                plan.append((day, THEME_DAY, None, None))
            if has_committee:
                day = lo + DAYS[int(rnd() * span)]
                if keep(b, COMMITTEE, first, day):
                    plan.append((day, COMMITTEE, None, None))
            for group in groups:
                day = lo + DAYS[int(rnd() * span)]
                if keep(b, GROUP, first, day):
                    plan.append((day, GROUP, group, None))
            if first.month in (1, 12):
                self.yearly(b, first, last, plan)
        for kind, first, last in self.quarterly:
            lo = max(first, self.start, founded)
            if lo <= last:
                day = lo + DAYS[int(rnd() * ((last - lo).days + 1))]
                if keep(b, kind, first, day):
                    plan.append((day, kind, None, None))
        plan += self.talks(b)
        plan = [p for p in plan if p[0] <= until and p[0] <= b.cutoff]
        if b.health == "half_paralysed" and not any(p[0] > self.stop_after for p in plan):
            lo = max(self.stop_after + DAYS[1], founded)
            if lo <= until:  # it still shows a sign of life now and then
                plan.append((lo + DAYS[int(rnd() * ((until - lo).days + 1))], THEME_DAY, None, None))
        plan.sort(key=lambda p: (p[0], p[1]))
        return plan

    def keep(self, b: Branch, kind: str, period: date, day: date) -> bool:
        if b.health == "regular":
            return True
        if b.health == "irregular":
            return (kind, period) not in b.misses
        return day <= b.cutoff and self.random() < KEEP_SHARE[b.health]

    def choose_misses(self, b: Branch) -> None:
        """One ended period missed in the current year (when one has ended), maybe one more."""
        rng, until = self.rng, self.until
        options = [(THEME_DAY, first) for first, last in self.months if last <= until]
        options += [(kind, first) for kind, first, last in self.quarterly if last <= until]
        this_year = [o for o in options if o[1].year == until.year]
        if this_year:
            b.misses.add(rng.choice(this_year))
        if options and (not this_year or rng.random() < 0.4):
            b.misses.add(rng.choice(options))
        if rng.random() < 0.15:
            b.misses.add((ORG_LIFE, until.year - 1))

    def yearly(self, b: Branch, month: date, last: date, plan: list[tuple]) -> None:
        """组织生活会 and 民主评议党员: in December, or (some branches) in January for the year before."""
        in_january = b.node.id % 9 == 0
        if (month.month == 1) != in_january:
            return
        year = month.year - 1 if in_january else month.year
        if (ORG_LIFE, year) in b.misses:
            return
        lo = max(month.replace(day=5 if in_january else 15), b.node.founded_on)
        if lo > last:
            return
        day = lo + DAYS[int(self.random() * ((last - lo).days + 1))]
        if self.keep(b, ORG_LIFE, month, day):
            plan.append((day, ORG_LIFE, None, year))
            review = day if self.random() < 0.6 else min(last, day + DAYS[self.rng.randint(1, 10)])
            plan.append((review, REVIEW, None, year))

    def talks(self, b: Branch) -> list[tuple]:
        """Every member talked with once a year, in twos: a December round for the year before, and
        spread over the months for this year. Members out of contact cannot be talked with."""
        rng, rnd, until, founded = self.rng, self.random, self.until, b.node.founded_on
        plan = []
        for year in (until.year - 1, until.year):
            current = year == until.year
            first, last = (date(year, 1, 1), until) if current else (date(year, 12, 1), date(year, 12, 31))
            first = max(first, self.start, founded)
            if first > last:
                continue
            people = [r for r in b.rolls if r.start <= last < r.end and r.lost_from > last]
            if not people:
                continue
            if b.health in KEEP_SHARE:
                people = [r for r in people if rnd() < 0.4] or people[:1]
            elif b.health == "irregular" and not current and rnd() < 0.15:
                people.pop(rng.randrange(len(people)))
            s = b.secretary
            secretary = s if s is not None and s.start <= last < s.end and s.lost_from > last else people[0]
            ordinary = []
            for r in people:
                if r.stays_away and r is not secretary:
                    # talked with early in the year, so that their long absence still shows
                    hi = months_before(until, 6) - DAYS[1] if current else last
                    lo = max(first, r.start, secretary.start)
                    if lo <= hi:
                        pair = (r.id, secretary.id) if r.id < secretary.id else (secretary.id, r.id)
                        plan.append((lo + DAYS[int(rnd() * ((hi - lo).days + 1))], TALK, None, pair))
                else:
                    ordinary.append(r)
            rng.shuffle(ordinary)
            if len(ordinary) % 2:
                lone = ordinary.pop()
                partner = secretary if secretary is not lone else (ordinary[0] if ordinary else None)
                if partner is not None:
                    ordinary += [lone, partner]
            for i in range(0, len(ordinary), 2):
                one, two = ordinary[i], ordinary[i + 1]
                lo = max(first, one.start, two.start)
                pair = (one.id, two.id) if one.id < two.id else (two.id, one.id)
                plan.append((lo + DAYS[int(rnd() * ((last - lo).days + 1))], TALK, None, pair))
        return plan

    def make_groups(self, b: Branch) -> list[tuple]:
        """Party groups of a large branch: its members at the window's end, split in 2-4, founded
        before the window (so that every group is asked for every month)."""
        rng, until = self.rng, self.until
        members = [r for r in b.rolls if r.start <= until < r.end]
        if len(members) < GROUPS_FROM:
            return []
        count = min(4, max(2, len(members) // 12 + rng.randint(-1, 0)))
        rng.shuffle(members)
        founded = max(b.node.founded_on,
                      min(self.start - DAYS[1], date(rng.randint(2012, 2024), rng.randint(1, 12), 1)))
        groups = []
        for k in range(count):
            part = sorted(members[k::count], key=lambda r: r.id)
            full = [r for r in part if r.confirmed is not None and r.confirmed <= until and r is not b.secretary
                    and not r.stays_away]
            leader = full[0] if full else next((r for r in part if r.confirmed is not None), None)
            group_id = len(self.groups) + 1
            name = f"第{NUMERALS[k]}党小组"
            self.groups.append((group_id, b.node.id, name, leader.id if leader else None, founded, None))
            self.group_members += [(group_id, r.id) for r in part]
            groups.append((group_id, part, leader.name if leader else b.host))
        return groups

    # ---- the records ------------------------------------------------------------------------
    def emit(self, b: Branch, plan: list[tuple]) -> None:
        rng, rnd = self.rng, self.random
        node_id, now, places, host = b.node.id, self.now, b.place, b.host
        meetings, held = self.meetings, self.held
        sector = SECTOR_TOPICS.get(b.node.profile)
        for day, kind, group, detail in plan:
            iso = day.isoformat()  # what the drivers would write for the date, once per meeting
            meeting_id = len(meetings) + 1
            if kind == TALK:
                meetings.append((meeting_id, node_id, None, TALK, iso, "谈心谈话", None, None, None, None, None,
                                 2, 0, 0, RECORDED_BY, 1, now, now))
                held.append((meeting_id, iso, detail, ()))
                self.attendance_count += 2
                for member_id in detail:  # the plan is in order of days: the first is kept
                    self.talkers.setdefault((node_id, day.year, member_id), iso)
                continue
            speaker = None
            place = places[0] if rnd() < 0.7 else places[int(rnd() * len(places))]
            if kind == COMMITTEE:
                ids = self.committee(b, day)
                missing = self.exceptions(b, ids, 0.95, day)
                topic, who = COMMITTEE_TOPICS[int(rnd() * len(COMMITTEE_TOPICS))], host
            elif kind == GROUP:
                ids = tuple([r.id for r in group[1] if r.start <= day < r.end])
                missing = self.exceptions(b, ids, b.rate, day)
                topic, who = GROUP_TOPICS[int(rnd() * len(GROUP_TOPICS))], group[2]
            else:
                ids = self.members_on(b, day, kind == THEME_DAY or kind == LESSON)
                missing = self.exceptions(b, ids, b.rate, day)
                who = host
                if kind == THEME_DAY:
                    topic = self.theme_topic(sector, day)
                elif kind == LESSON:
                    plenum = day >= PLENUM_FROM and rnd() < 0.5
                    topic = "党课：" + (PLENUM_TOPIC if plenum else LESSON_TOPICS[int(rnd() * len(LESSON_TOPICS))])
                    speaker = host if rnd() < 0.6 else self.name_of(b, rng.choice(ids))
                elif kind == GENERAL:
                    topic = GENERAL_TOPICS[int(rnd() * len(GENERAL_TOPICS))]
                elif kind == ORG_LIFE:
                    topic = f"{detail}年度组织生活会"
                else:
                    topic = f"{detail}年度民主评议党员"
            if not ids:
                continue
            absent = sum(1 for m in missing if m[1] == ABSENT)
            present = len(ids) - len(missing)
            meetings.append((meeting_id, node_id, group[0] if group else None, kind, iso, topic, place, who, speaker,
                             f"应到{len(ids)}人，实到{present}人。", None, present, len(missing) - absent, absent,
                             RECORDED_BY, 1, now, now))
            held.append((meeting_id, iso, ids, missing))
            self.attendance_count += len(ids)

    def members_on(self, b: Branch, day: date, with_inflow: bool) -> tuple[int, ...]:
        extra = [r.id for r in b.changing if r.start <= day < r.end]
        if with_inflow and b.inflow:
            extra += [r.id for r in b.inflow if r.start <= day < r.end]
        if not extra:
            return b.stable
        return tuple(sorted(b.stable + tuple(extra)))

    def committee(self, b: Branch, day: date) -> tuple[int, ...]:
        """The secretary and the other committee posts, filled up to five with full members."""
        if b.committee is None:
            posts = [r for r in b.rolls if r.post in COMMITTEE_POSTS]
            b.committee = posts + [r for r in b.rolls if r.post not in COMMITTEE_POSTS and r.confirmed is not None
                                   and not r.stays_away and r.lost_from is NEVER][:8 - len(posts)]
        on = [r.id for r in b.committee if r.start <= day < r.end and r.confirmed is not None and r.confirmed <= day]
        return tuple(sorted(on[:5]))

    def exceptions(self, b: Branch, ids: tuple[int, ...], rate: float, day: date) -> tuple:
        """The members not present, as (index in `ids`, status, reason)."""
        rnd = self.random
        found = []
        special = b.special
        where = b.where.get(ids) if special else ()
        if where is None:  # where the special members sit in this list, once per distinct list
            where = b.where[ids] = [(i, r) for i, r in ((bisect_left(ids, m), r) for m, r in special.items())
                                    if i < len(ids) and ids[i] == r.id]
        for i, r in where:
            if r.lost_from <= day:
                found.append((i, ABSENT, None))
            elif r.stays_away:
                found.append((i, ABSENT, None) if rnd() < 0.55 else (i, EXCUSED, STAYING_AWAY[int(rnd() * 3)]))
            elif r.away_from <= day and rnd() < 0.6:
                found.append((i, EXCUSED, AWAY_REASONS[int(rnd() * 3)]))
        n = len(ids)
        k = int(n * (1 - rate) + rnd())
        if k:
            reasons = VILLAGE_REASONS if b.node.profile == "village" else EXCUSE_REASONS
            for i in {int(rnd() * n) for _ in range(k)}:
                if ids[i] not in special:
                    reason = reasons[int(rnd() * len(reasons))]
                    found.append((i, ABSENT, None) if rnd() < 0.25 else (i, EXCUSED, reason))
        return tuple(found)

    def theme_topic(self, sector: tuple[str, ...] | None, day: date) -> str:
        r = self.random()
        if PLENUM_FROM <= day < PLENUM_UNTIL and r < 0.35:
            return PLENUM_TOPIC
        if r < 0.6 and day.month in THEME_BY_MONTH:
            return THEME_BY_MONTH[day.month].format(party=day.year - 1921)
        if r < 0.75 and sector:
            return sector[int(self.random() * len(sector))]
        return THEME_TOPICS[int(self.random() * len(THEME_TOPICS))]

    def name_of(self, b: Branch, member_id: int) -> str | None:
        return next((r.name for r in b.rolls if r.id == member_id), b.host)


def generate_meetings(city: City, writer: MemberWriter, classification: list[tuple], *, until: date,
                      seed: int) -> dict[str, list[tuple] | Attendance]:
    """Rows for party_group, party_group_member, meeting, meeting_attendance, meeting_attachment,
    talk_participant."""
    gen = Generator(city, writer, classification, until=until, seed=seed)
    gen.run()
    return {
        "party_group": gen.groups, "party_group_member": gen.group_members, "meeting": gen.meetings,
        "meeting_attendance": Attendance(gen.held, gen.attendance_count), "meeting_attachment": [],
        "talk_participant": [(*key, first) for key, first in gen.talkers.items()],
    }


# SQLite's bulk path for attendance: one statement per meeting makes the rows of those present
# with json_each, in C; the others (about a tenth) are ordinary rows. At scale 1 (11 million rows)
# it takes a third of the time of executemany over all rows. JSON is built into SQLite from 3.38;
# older libraries take the ordinary path.
SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38, 0)
SQLITE_PRESENT = f"""
INSERT INTO meeting_attendance (meeting_id, member_id, status, reason, held_on)
SELECT ?1, value, '{PRESENT}', NULL, ?2 FROM json_each(?3)
"""


def write_rows(session: Session, table: Table, rows: Sequence) -> None:
    """`bulk_insert`, with this module's big tables written the fastest way measured at scale 1."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and SQLITE_JSON and isinstance(rows, Attendance):
        cursor = connection.connection.driver_connection.cursor()
        cursor.executemany(SQLITE_PRESENT, rows.present_lists())
        cursor.close()
        bulk_insert(session, table, rows.others())
        return
    if sqlite and rows and tuple(table.columns.keys())[-2:] == ("created_at", "updated_at"):
        # Every record (organization, member, meeting) carries the generation's time: adapt it
        # once, not twice per row.
        adapt = sqlite3.adapters.get((datetime, sqlite3.PrepareProtocol))
        if adapt is not None:
            stamp = adapt(rows[0][-1])
            rows = [row[:-2] + (stamp, stamp) for row in rows]
    bulk_insert(session, table, rows)
