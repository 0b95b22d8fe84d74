"""The baseline: the statistics report computed by DuckDB over the same rows, held in memory.

The rows are read from the benchmark database into pandas, then copied into DuckDB tables (not
timed). `DuckReport.build` gives the report's figures as a flat dict {dotted key: count}, the
shape `figures.flatten` gives ours, so the two can be compared figure by figure.
"""

from datetime import date

import duckdb
import pandas as pd
from sqlalchemy import Engine, text

from dangjian.member.codes import (
    HAN,
    EducationGroup,
    Employment,
    Gender,
    Occupation,
    education_codes,
)
from dangjian.org.codes import DivisionKind, OrgKind, UnitKind, UnitStatus, VillageClass
from dangjian.stats.service import AGE_BANDS, SPEECH_AGES

# table -> (column, DuckDB type); the SQL types normalize SQLite's text dates and 0/1 booleans.
TABLES: dict[str, list[tuple[str, str]]] = {
    "member_period": [
        ("start_on", "DATE"),
        ("end_on", "DATE"),
        ("org_id", "INTEGER"),
        ("inflow_org_id", "INTEGER"),
        ("gender", "VARCHAR"),
        ("ethnicity", "VARCHAR"),
        ("birth_on", "DATE"),
        ("confirmed_on", "DATE"),
        ("education", "VARCHAR"),
        ("occupation", "VARCHAR"),
        ("employment", "VARCHAR"),
        ("has_post", "BOOLEAN"),
        ("is_floating", "BOOLEAN"),
        ("is_lost_contact", "BOOLEAN"),
    ],
    "org_ancestor": [
        ("ancestor_id", "INTEGER"),
        ("descendant_id", "INTEGER"),
        ("valid_from", "DATE"),
        ("valid_to", "DATE"),
        ("depth", "INTEGER"),
    ],
    "organization": [
        ("id", "INTEGER"),
        ("code", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("parent_id", "INTEGER"),
        ("unit_id", "INTEGER"),
        ("division_id", "INTEGER"),
        ("founded_on", "DATE"),
        ("dissolved_on", "DATE"),
    ],
    "unit": [("id", "INTEGER"), ("kind", "VARCHAR"), ("status", "VARCHAR")],
    "division": [("id", "INTEGER"), ("kind", "VARCHAR"), ("path", "VARCHAR")],
    "org_classification": [("org_id", "INTEGER"), ("year", "INTEGER"), ("grade", "VARCHAR")],
}


def _quoted(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


RESTRUCTURED = _quoted(
    s.value for s in (UnitStatus.restructured, UnitStatus.closed, UnitStatus.bankrupt)
)
SCOPE_CTE = """
scope AS (
    SELECT DISTINCT descendant_id AS id FROM org_ancestor
    WHERE ancestor_id = $org AND valid_from <= $day AND (valid_to IS NULL OR valid_to > $day)
),
live_org AS (
    SELECT o.* FROM organization o JOIN scope s ON s.id = o.id
    WHERE o.founded_on <= $day AND (o.dissolved_on IS NULL OR o.dissolved_on > $day)
)"""


def read_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as connection:
        return {
            table: pd.read_sql(
                text(f'SELECT {", ".join(c for c, _ in columns)} FROM "{table}"'),
                connection,
                dtype_backend="pyarrow",
            )
            for table, columns in TABLES.items()
        }


def load_duckdb(frames: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    for table, columns in TABLES.items():
        db.register("frame", frames[table])
        casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns)
        db.execute(f"CREATE TABLE {table} AS SELECT {casts} FROM frame")
        db.unregister("frame")
    return db


def _member_filters() -> dict[str, str]:
    """Key -> condition over the periods `p` (formal: the relation is in the subtree)."""
    restructured = "formal AND restructured"
    filters = {
        "members.total": "formal",
        "members.probationary": "formal AND probationary",
        "members.full": "formal AND NOT probationary",
        "members.ethnic_minority": f"formal AND ethnicity <> '{HAN}'",
        "members.floating_out": "formal AND is_floating",
        "members.floating_in": "NOT formal AND is_floating AND inflow_in_scope",
        "members.lost_contact": "formal AND is_lost_contact",
        "members.without_post": "formal AND NOT has_post",
        "restructured_enterprises.members": restructured,
    }
    for g in Gender:
        filters[f"members.by_gender.{g.value}"] = f"formal AND gender = '{g.value}'"
    for prefix, bands in (("by_age_band", AGE_BANDS), ("speech_age", SPEECH_AGES)):
        for key, (low, high) in bands.items():
            upper = "" if high is None else f" AND age <= {high}"
            filters[f"members.{prefix}.{key}"] = f"formal AND age >= {low}{upper}"
    for group in EducationGroup:
        filters[f"members.by_education.{group.value}"] = (
            f"formal AND education IN {_quoted(education_codes(group))}"
        )
    for o in Occupation:
        filters[f"members.by_occupation.{o.value}"] = f"formal AND occupation = '{o.value}'"
    for e in Employment:
        filters[f"members.by_employment.{e.value}"] = f"formal AND employment = '{e.value}'"
        filters[f"restructured_enterprises.by_employment.{e.value}"] = (
            f"{restructured} AND employment = '{e.value}'"
        )
    return filters


MEMBER_FILTERS = _member_filters()
# sum of 0/1 rather than count(*) FILTER: about 30% faster in DuckDB 2.0, so a stronger baseline.
MEMBER_SQL = f"""
WITH {SCOPE_CTE.strip()},
restructured_org AS (
    SELECT o.id FROM organization o JOIN unit u ON u.id = o.unit_id
    WHERE u.kind = 'state_enterprise' AND u.status IN {RESTRUCTURED}
),
p AS (
    SELECT mp.*,
        f.id IS NOT NULL AS formal,
        i.id IS NOT NULL AS inflow_in_scope,
        r.id IS NOT NULL AS restructured,
        confirmed_on IS NULL OR confirmed_on > $day AS probationary,
        year($day) - year(birth_on)
            - CASE WHEN month(birth_on) * 100 + day(birth_on) > month($day) * 100 + day($day) THEN 1 ELSE 0 END
            AS age
    FROM member_period mp
    LEFT JOIN scope f ON f.id = mp.org_id
    LEFT JOIN scope i ON i.id = mp.inflow_org_id
    LEFT JOIN restructured_org r ON r.id = mp.org_id
    WHERE mp.start_on <= $day AND (mp.end_on IS NULL OR mp.end_on > $day)
      AND (f.id IS NOT NULL OR i.id IS NOT NULL)
)
SELECT {", ".join(f"coalesce(sum(({c})::INTEGER), 0)" for c in MEMBER_FILTERS.values())} FROM p
"""
UNIT_SQL = f"""
WITH {SCOPE_CTE.strip()}
SELECT kind, count(*), count(*) FILTER (WHERE kind = 'state_enterprise' AND status IN {RESTRUCTURED})
FROM unit WHERE id IN (SELECT unit_id FROM live_org) GROUP BY kind
"""
ORG_SQL = f"WITH {SCOPE_CTE.strip()} SELECT kind, count(*) FROM live_org GROUP BY kind"
VILLAGE_SQL = """
WITH village_org AS (
    SELECT o.unit_id, a.depth, o.id AS org_id
    FROM organization o
    JOIN org_ancestor a ON a.descendant_id = o.id
    JOIN unit u ON u.id = o.unit_id
    WHERE a.ancestor_id = $org AND a.valid_from <= $day AND (a.valid_to IS NULL OR a.valid_to > $day)
      AND o.founded_on <= $day AND (o.dissolved_on IS NULL OR o.dissolved_on > $day)
      AND u.kind = 'village'
),
top_graded AS (
    SELECT DISTINCT ON (v.unit_id) v.unit_id, c.grade
    FROM village_org v JOIN org_classification c ON c.org_id = v.org_id AND c.year = year($day)
    ORDER BY v.unit_id, v.depth, v.org_id
)
SELECT 'total', count(DISTINCT unit_id) FROM village_org
UNION ALL
SELECT grade, count(*) FROM top_graded GROUP BY grade
"""
DIVISION_SQL = """
SELECT d.kind, count(*) FROM division d, (SELECT path FROM division WHERE id = $division) top
WHERE starts_with(d.path, top.path) GROUP BY d.kind
"""


class DuckReport:
    def __init__(self, db: duckdb.DuckDBPyConnection):
        self.db = db

    def _rows(self, sql: str, **params) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    def build(self, org_id: int, day: date) -> dict[str, int]:
        org, division = self._rows(
            "SELECT id, division_id FROM organization WHERE id = $org", org=org_id
        )[0]
        figures: dict[str, int] = {}
        figures |= self._divisions(division)
        figures |= self._units(org, day)
        figures |= self._organizations(org, day)
        figures |= self._villages(org, day)
        figures |= self._members(org, day)
        return figures

    def _divisions(self, division: int | None) -> dict[str, int]:
        counts = dict(self._rows(DIVISION_SQL, division=division)) if division is not None else {}
        township_level = {
            k.value: counts.get(k.value, 0)
            for k in (DivisionKind.town, DivisionKind.township, DivisionKind.street)
        }
        figures = {f"divisions.township_level.{k}": n for k, n in township_level.items()}
        figures["divisions.townships"] = township_level["town"] + township_level["township"]
        figures["divisions.streets"] = township_level["street"]
        figures["divisions.villages"] = counts.get(DivisionKind.village.value, 0)
        figures["divisions.communities"] = counts.get(DivisionKind.community.value, 0)
        return figures

    def _units(self, org: int, day: date) -> dict[str, int]:
        rows = self._rows(UNIT_SQL, org=org, day=day)
        by_kind = {k.value: 0 for k in UnitKind} | {kind: n for kind, n, _ in rows}
        figures = {f"units.by_kind.{k}": n for k, n in by_kind.items()}
        figures["units.total"] = sum(n for _, n, _ in rows)
        figures["units.restructured"] = figures["restructured_enterprises.units"] = sum(
            r for _, _, r in rows
        )
        return figures

    def _organizations(self, org: int, day: date) -> dict[str, int]:
        by_kind = dict(self._rows(ORG_SQL, org=org, day=day))
        n = {k.value: by_kind.get(k.value, 0) for k in OrgKind}
        branches = n["branch"] + n["joint_branch"]
        return {
            "organizations.total": n["committee"] + n["general_branch"] + branches,
            "organizations.committees": n["committee"],
            "organizations.general_branches": n["general_branch"],
            "organizations.branches": branches,
            "organizations.joint_branches": n["joint_branch"],
            "organizations.others.local_committee": n["local_committee"],
            "organizations.others.working_committee": n["working_committee"],
        }

    def _villages(self, org: int, day: date) -> dict[str, int]:
        counts = dict(self._rows(VILLAGE_SQL, org=org, day=day))
        total = counts.pop("total")
        by_class = {c.value: counts.get(c.value, 0) for c in VillageClass}
        by_class["unclassified"] = total - sum(by_class.values())
        figures = {f"villages.by_class.{k}": n for k, n in by_class.items()}
        return figures | {"villages.total": total, "villages.year": day.year}

    def _members(self, org: int, day: date) -> dict[str, int]:
        row = self._rows(MEMBER_SQL, org=org, day=day)[0]
        figures = dict(zip(MEMBER_FILTERS, row, strict=True))
        figures["restructured_enterprises.contract_ended"] = figures[
            f"restructured_enterprises.by_employment.{Employment.contract_ended.value}"
        ]
        figures["restructured_enterprises.retired"] = figures[
            f"restructured_enterprises.by_employment.{Employment.retired.value}"
        ]
        return figures
