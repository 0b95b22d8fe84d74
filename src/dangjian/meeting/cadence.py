"""How often each kind of organizational life is due (rules.md §2), as one table, and the calendar
arithmetic that turns it into the periods a branch must cover.

Periods are calendar months, quarters and years. A branch is asked for a period only if it existed
on the period's first day and still exists on its last (a branch founded on 15 February is first
asked for March, the second quarter and the next year). A period not yet over when the report ends
is `due`, never `overdue`.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dangjian.config import get_settings
from dangjian.meeting.codes import KindStatus, MeetingKind


class Applies(StrEnum):
    every_branch = "every_branch"
    with_committee = "with_committee"  # 支部条例 第二十条: a committee where ≥7 full members
    with_groups = "with_groups"  # every party group of the branch meets


COMMITTEE_MIN_FULL_MEMBERS = 7  # 支部条例 第二十条


@dataclass(frozen=True)
class Cadence:
    kind: MeetingKind
    months: int  # length of each period: 1, 3, 6 or 12, aligned to the calendar year
    applies: Applies
    source: str


def cadences() -> tuple[Cadence, ...]:
    lesson_months = get_settings().party_lesson_months
    return (
        Cadence(MeetingKind.general_meeting, 3, Applies.every_branch, "支部条例 第十一条"),
        Cadence(MeetingKind.committee_meeting, 1, Applies.with_committee, "支部条例 第十二条"),
        Cadence(MeetingKind.group_meeting, 1, Applies.with_groups, "支部条例 第十三条"),
        Cadence(MeetingKind.party_lesson, lesson_months, Applies.every_branch, "common practice [U]; 支部条例 第十六条"),
        Cadence(MeetingKind.theme_day, 1, Applies.every_branch, "支部条例 第十六条"),
        Cadence(MeetingKind.org_life_meeting, 12, Applies.every_branch, "支部条例 第十七条"),
        Cadence(MeetingKind.member_review, 12, Applies.every_branch, "支部条例 第十八条"),
        # Done for a year when talks reached `talk_coverage` of the branch's members.
        Cadence(MeetingKind.heart_to_heart_talk, 12, Applies.every_branch, "支部条例 第十九条"),
    )


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive

    def label(self) -> str:
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        if months == 12:
            return f"{self.start.year}年"
        if months == 3:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if months == 6:
            return f"{self.start.year}年{'上' if self.start.month == 1 else '下'}半年"
        return f"{self.start.year}年{self.start.month}月"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(day: date, months: int) -> Period:
    """The calendar period of `months` months containing `day`."""
    if 12 % months:
        raise ValueError(f"a period must divide the year, not {months} months")
    first = date(day.year, (day.month - 1) // months * months + 1, 1)
    return Period(first, add_months(first, months) - timedelta(days=1))


def periods(months: int, start: date, end: date) -> list[Period]:
    """The periods that begin within [start, end]: the whole ones and, last, the one running at
    `end`. A period that began before `start` belongs to an earlier report."""
    first = period_of(start, months)
    if first.start < start:
        first = period_of(first.end + timedelta(days=1), months)
    found = []
    current = first
    while current.start <= end:
        found.append(current)
        current = period_of(current.end + timedelta(days=1), months)
    return found


def existed_through(period: Period, founded_on: date, dissolved_on: date | None) -> bool:
    return founded_on <= period.start and (dissolved_on is None or dissolved_on > period.end)


def applies(cadence: Cadence, *, full_members: int, groups: int) -> bool:
    if cadence.applies is Applies.with_committee:
        return full_members >= COMMITTEE_MIN_FULL_MEMBERS
    if cadence.applies is Applies.with_groups:
        return groups > 0
    return True


def kind_status(required: list[Period], covered: set[Period], end: date) -> KindStatus:
    """`covered`: the periods with the required meeting held."""
    if not required:
        return KindStatus.not_required
    missing = [p for p in required if p not in covered]
    if not missing:
        return KindStatus.done
    if all(p.end > end for p in missing):
        return KindStatus.due
    return KindStatus.overdue
