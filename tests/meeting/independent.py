"""Organizational-life compliance (docs/meetings.md) recomputed independently in DuckDB from the
raw tables. Nothing of `meeting/cadence.py` or `meeting/compliance.py` is used: the cadence table,
the calendar and the month arithmetic are written out again here on purpose.

    duck = Compliance.from_connection(session.connection())    # rows read once (not timed)
    duck.branch_lives(root_id, start, end)   -> {org_id: Life}
    duck.kind_statuses(root_id, start, end)  -> {org_id: {kind: KindResult}}
    duck.lapsed_members(root_id, day)        -> [member_id, ...]
"""

import calendar
import tempfile
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
from sqlalchemy import Connection

from dangjian.config import get_settings
from dangjian.meeting.codes import KindStatus, LifeStatus, MeetingKind

BRANCH_KINDS = ("branch", "joint_branch")
COMMITTEE_MIN_FULL_MEMBERS = 7  # 支部条例 第二十条
GROUP = MeetingKind.group_meeting.value
TALK = MeetingKind.heart_to_heart_talk.value


def cadence_rows() -> list[tuple[str, int, str]]:
    """(kind, months per period, asked of), docs/meetings.md's table written out again."""
    return [
        (MeetingKind.general_meeting.value, 3, "every_branch"),
        (MeetingKind.committee_meeting.value, 1, "with_committee"),
        (MeetingKind.group_meeting.value, 1, "with_groups"),
        (MeetingKind.party_lesson.value, get_settings().party_lesson_months, "every_branch"),
        (MeetingKind.theme_day.value, 1, "every_branch"),
        (MeetingKind.org_life_meeting.value, 12, "every_branch"),
        (MeetingKind.member_review.value, 12, "every_branch"),
        (MeetingKind.heart_to_heart_talk.value, 12, "every_branch"),
    ]


# table -> (column, DuckDB type); the casts turn SQLite's text dates into dates.
TABLES: dict[str, list[tuple[str, str]]] = {
    "organization": [("id", "INTEGER"), ("kind", "VARCHAR"), ("founded_on", "DATE"), ("dissolved_on", "DATE")],
    "org_ancestor": [
        ("ancestor_id", "INTEGER"),
        ("descendant_id", "INTEGER"),
        ("valid_from", "DATE"),
        ("valid_to", "DATE"),
    ],
    "member": [("id", "INTEGER"), ("joined_on", "DATE")],
    "member_period": [
        ("member_id", "INTEGER"),
        ("org_id", "INTEGER"),
        ("start_on", "DATE"),
        ("end_on", "DATE"),
        ("confirmed_on", "DATE"),
    ],
    "party_group": [("id", "INTEGER"), ("org_id", "INTEGER"), ("founded_on", "DATE"), ("dissolved_on", "DATE")],
    "meeting": [
        ("id", "INTEGER"),
        ("org_id", "INTEGER"),
        ("group_id", "INTEGER"),
        ("kind", "VARCHAR"),
        ("held_on", "DATE"),
        ("present_count", "INTEGER"),
        ("excused_count", "INTEGER"),
        ("absent_count", "INTEGER"),
    ],
    "meeting_attendance": [("meeting_id", "INTEGER"), ("member_id", "INTEGER"), ("status", "VARCHAR")],
}


def load_duckdb(connection: Connection) -> duckdb.DuckDBPyConnection:
    """The raw rows in DuckDB, read through the caller's connection (so a test's uncommitted
    transaction is seen): PostgreSQL by COPY, SQLite in chunks. Millions of attendance rows take
    tens of seconds on SQLite; the benchmark leaves this out of its timings."""
    db = duckdb.connect()
    for table, columns in TABLES.items():
        names = ", ".join(c for c, _ in columns)
        db.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in columns)})")
        select_sql = f'SELECT {names} FROM "{table}"'
        if connection.dialect.name == "postgresql":
            _copy_postgres(connection, db, table, columns, select_sql)
            continue
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(select_sql)
            while rows := cursor.fetchmany(CHUNK_ROWS):
                db.register("chunk", pd.DataFrame.from_records(rows, columns=[c for c, _ in columns]))
                casts = ", ".join(f"CAST({c} AS {t})" for c, t in columns)
                db.execute(f"INSERT INTO {table} SELECT {casts} FROM chunk")
                db.unregister("chunk")
        finally:
            cursor.close()
    return db


CHUNK_ROWS = 500_000


def _copy_postgres(connection: Connection, db: duckdb.DuckDBPyConnection, table: str, columns, select_sql: str) -> None:
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        with connection.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f"COPY ({select_sql}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    file.write(data)
        file.flush()
        if file.tell() == 0:
            return
        types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns) + "}"
        db.execute(
            f"INSERT INTO {table} SELECT * FROM read_csv('{file.name}', header = false, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', columns = {types})"
        )


# ---------------------------------------------------------------- calendar, written out again


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, or that month's last day when it is shorter."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_first(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def calendar_frame(start: date, end: date, lookback_from: date) -> pd.DataFrame:
    """Every period a report over [start, end] may ask, flagged: in the report (it begins within
    [start, end]) and in the look-back (it ended in (lookback_from, end])."""
    rows = []
    first = min(start, lookback_from)
    for kind, months, applies in cadence_rows():
        index = (first.year - 1) * 12  # a whole year before: aligned to every period length
        while True:
            p_start = _month_first(index)
            if p_start > end:
                break
            p_end = date.fromordinal(_month_first(index + months).toordinal() - 1)
            in_report = start <= p_start <= end
            in_lookback = lookback_from < p_end <= end
            if in_report or in_lookback:
                rows.append((kind, months, applies, p_start, p_end, in_report, in_lookback))
            index += months
    frame = pd.DataFrame(
        rows, columns=["kind", "months", "applies", "p_start", "p_end", "in_report", "in_lookback"]
    )
    for column in ("p_start", "p_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Life:
    org_id: int
    status: LifeStatus
    asked: int
    covered: int
    overdue_kinds: int
    present: int
    expected: int
    last_held_on: date | None


@dataclass(frozen=True)
class KindResult:
    status: KindStatus
    asked: int
    covered: int


# ---------------------------------------------------------------- the SQL

BRANCH_SQL = f"""
CREATE OR REPLACE TEMP TABLE br AS
SELECT o.id, o.founded_on, o.dissolved_on
FROM organization o
WHERE o.id IN (
        SELECT descendant_id FROM org_ancestor
        WHERE ancestor_id = $root AND valid_from <= $end AND (valid_to IS NULL OR valid_to > $end))
    AND o.kind IN {BRANCH_KINDS}
    AND o.founded_on <= $end AND (o.dissolved_on IS NULL OR o.dissolved_on > $end)
"""

STEPS = [
    # Members on the end day (formal relation) and the groups then existing.
    """
CREATE OR REPLACE TEMP TABLE roster AS
SELECT DISTINCT p.member_id, p.org_id, p.confirmed_on
FROM member_period p JOIN br ON br.id = p.org_id
WHERE p.start_on <= $end AND (p.end_on IS NULL OR p.end_on > $end)
""",
    """
CREATE OR REPLACE TEMP TABLE grp AS
SELECT g.id, g.org_id FROM party_group g JOIN br ON br.id = g.org_id
WHERE g.founded_on <= $end AND (g.dissolved_on IS NULL OR g.dissolved_on > $end)
""",
    """
CREATE OR REPLACE TEMP TABLE size AS
SELECT br.id,
    (SELECT count(*) FROM roster r WHERE r.org_id = br.id) AS members,
    (SELECT count(*) FROM roster r WHERE r.org_id = br.id AND r.confirmed_on <= $end) AS full_members,
    (SELECT count(*) FROM grp g WHERE g.org_id = br.id) AS groups
FROM br
""",
    # The periods asked of each branch.
    f"""
CREATE OR REPLACE TEMP TABLE asked AS
SELECT br.id AS org_id, c.kind, c.months, c.p_start, c.p_end, c.in_report, c.in_lookback
FROM br JOIN size s ON s.id = br.id
JOIN cal c ON br.founded_on <= c.p_start AND (br.dissolved_on IS NULL OR br.dissolved_on > c.p_end)
WHERE c.applies = 'every_branch'
    OR (c.applies = 'with_committee' AND s.full_members >= {COMMITTEE_MIN_FULL_MEMBERS})
    OR (c.applies = 'with_groups' AND s.groups > 0)
""",
    # Records of the branches up to the end day, each tagged with the first day of its period.
    """
CREATE OR REPLACE TEMP TABLE rec AS
SELECT m.id, m.org_id, m.group_id, m.kind, m.held_on, m.present_count, m.excused_count, m.absent_count,
    make_date(year(m.held_on), (month(m.held_on) - 1) // k.months * k.months + 1, 1) AS p_start
FROM meeting m JOIN br ON br.id = m.org_id JOIN kinds k ON k.kind = m.kind
WHERE m.held_on <= $end
""",
    f"""
CREATE OR REPLACE TEMP TABLE covered AS
SELECT a.org_id, a.kind, a.p_start FROM asked a
WHERE a.kind NOT IN ('{GROUP}', '{TALK}') AND EXISTS (
    SELECT 1 FROM rec WHERE rec.org_id = a.org_id AND rec.kind = a.kind AND rec.p_start = a.p_start)
UNION ALL
SELECT a.org_id, a.kind, a.p_start
FROM asked a JOIN size s ON s.id = a.org_id
JOIN (
    SELECT g.org_id, rec.p_start, count(DISTINCT g.id) AS groups_met
    FROM rec JOIN grp g ON g.id = rec.group_id AND g.org_id = rec.org_id
    WHERE rec.kind = '{GROUP}'
    GROUP BY ALL
) met ON met.org_id = a.org_id AND met.p_start = a.p_start
WHERE a.kind = '{GROUP}' AND met.groups_met = s.groups
UNION ALL
SELECT a.org_id, a.kind, a.p_start
FROM asked a JOIN size s ON s.id = a.org_id
LEFT JOIN (
    SELECT rec.org_id, rec.p_start, count(DISTINCT t.member_id) AS talked
    FROM rec JOIN meeting_attendance t ON t.meeting_id = rec.id
    JOIN roster r ON r.member_id = t.member_id AND r.org_id = rec.org_id
    WHERE rec.kind = '{TALK}' AND t.status = 'present'
    GROUP BY ALL
) tk ON tk.org_id = a.org_id AND tk.p_start = a.p_start
WHERE a.kind = '{TALK}' AND coalesce(tk.talked, 0) >= ceil(s.members * CAST($coverage AS DECIMAL(18, 9)))
""",
    """
CREATE OR REPLACE TEMP TABLE per_kind AS
SELECT br.id AS org_id, k.kind,
    count(a.p_start) FILTER (WHERE a.in_report) AS asked,
    count(c.p_start) FILTER (WHERE a.in_report) AS covered,
    count(a.p_start) FILTER (WHERE a.in_report AND c.p_start IS NULL AND a.p_end <= $end) AS missing_ended,
    count(a.p_start) FILTER (WHERE a.in_lookback) AS look_asked,
    count(c.p_start) FILTER (WHERE a.in_lookback) AS look_covered
FROM br CROSS JOIN kinds k
LEFT JOIN asked a ON a.org_id = br.id AND a.kind = k.kind
LEFT JOIN covered c ON c.org_id = a.org_id AND c.kind = a.kind AND c.p_start = a.p_start
GROUP BY ALL
""",
]

KIND_SQL = """
SELECT org_id, kind, asked, covered,
    CASE WHEN asked = 0 THEN 'not_required' WHEN covered = asked THEN 'done'
         WHEN missing_ended = 0 THEN 'due' ELSE 'overdue' END AS status
FROM per_kind ORDER BY org_id, kind
"""

LIFE_SQL = """
WITH k AS (
    SELECT org_id, sum(look_asked) AS asked, sum(look_covered) AS covered,
        count(*) FILTER (WHERE missing_ended > 0) AS overdue_kinds
    FROM per_kind GROUP BY org_id
),
a AS (
    SELECT org_id,
        sum(present_count) FILTER (WHERE held_on >= $start) AS present,
        sum(present_count + excused_count + absent_count) FILTER (WHERE held_on >= $start) AS expected,
        max(held_on) AS last_held_on,
        bool_or(held_on > $quiet_since) AS recent
    FROM rec GROUP BY org_id
)
SELECT br.id, br.founded_on, k.asked, k.covered, k.overdue_kinds,
    coalesce(a.present, 0), coalesce(a.expected, 0), a.last_held_on, coalesce(a.recent, false)
FROM br JOIN k ON k.org_id = br.id LEFT JOIN a ON a.org_id = br.id
ORDER BY br.id
"""

LAPSED_SQL = """
SELECT DISTINCT p.member_id
FROM member_period p JOIN member mb ON mb.id = p.member_id
WHERE p.org_id IN (
        SELECT descendant_id FROM org_ancestor
        WHERE ancestor_id = $root AND valid_from <= $day AND (valid_to IS NULL OR valid_to > $day))
    AND p.start_on <= $day AND (p.end_on IS NULL OR p.end_on > $day)
    AND mb.joined_on <= $since
    AND p.member_id NOT IN (
        SELECT t.member_id FROM meeting_attendance t JOIN meeting m ON m.id = t.meeting_id
        WHERE t.status = 'present' AND m.held_on > $since AND m.held_on <= $day)
ORDER BY p.member_id
"""


class Compliance:
    """The definitions of docs/meetings.md over raw rows held in DuckDB."""

    def __init__(self, db: duckdb.DuckDBPyConnection):
        self.db = db

    @classmethod
    def from_connection(cls, connection: Connection) -> "Compliance":
        return cls(load_duckdb(connection))

    def _run(self, root: int, start: date, end: date) -> None:
        settings = get_settings()
        lookback_from = months_before(end, settings.half_paralysed_months)
        cal = calendar_frame(start, end, lookback_from)
        kinds = pd.DataFrame(cadence_rows(), columns=["kind", "months", "applies"])
        self.db.register("cal_frame", cal)
        self.db.register("kinds_frame", kinds)
        self.db.execute(
            "CREATE OR REPLACE TEMP TABLE cal AS SELECT kind, months, applies, CAST(p_start AS DATE) AS p_start, "
            "CAST(p_end AS DATE) AS p_end, in_report, in_lookback FROM cal_frame"
        )
        self.db.execute("CREATE OR REPLACE TEMP TABLE kinds AS SELECT * FROM kinds_frame")
        self.db.unregister("cal_frame")
        self.db.unregister("kinds_frame")
        # Talkers needed: coverage × members rounded up, in exact decimals (0.7 × 10 is 7, not 8).
        values = {"root": root, "end": end, "coverage": str(settings.talk_coverage)}
        for step in [BRANCH_SQL, *STEPS]:
            self.db.execute(step, {k: v for k, v in values.items() if f"${k}" in step})

    def kind_statuses(self, root: int, start: date, end: date, *, again: bool = True) -> dict[int, dict[str, KindResult]]:
        """`again=False` reads the tables of the last run, which must have been over the same
        root and days (as in `branch_lives(root, start, end)` just before)."""
        if again:
            self._run(root, start, end)
        result: dict[int, dict[str, KindResult]] = {}
        for org_id, kind, asked, covered, status in self.db.execute(KIND_SQL).fetchall():
            result.setdefault(org_id, {})[kind] = KindResult(KindStatus(status), int(asked), int(covered))
        return result

    def branch_lives(self, root: int, start: date, end: date) -> dict[int, Life]:
        settings = get_settings()
        self._run(root, start, end)
        quiet_since = months_before(end, settings.paralysed_months)
        rows = self.db.execute(LIFE_SQL, {"start": start, "quiet_since": quiet_since}).fetchall()
        lives = {}
        for org_id, founded_on, asked, covered, overdue, present, expected, last, recent in rows:
            if founded_on <= quiet_since and not recent:
                status = LifeStatus.paralysed
            elif asked > 0 and covered < settings.half_paralysed_share * asked:
                status = LifeStatus.half_paralysed
            elif overdue > 0:
                status = LifeStatus.irregular
            else:
                status = LifeStatus.regular
            lives[org_id] = Life(
                org_id, status, int(asked), int(covered), int(overdue), int(present), int(expected), last
            )
        return lives

    def lapsed_members(self, root: int, day: date) -> list[int]:
        since = months_before(day, get_settings().lapse_months)
        rows = self.db.execute(LAPSED_SQL, {"root": root, "day": day, "since": since}).fetchall()
        return [r[0] for r in rows]
