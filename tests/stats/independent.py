"""Every figure of the statistics report recomputed independently, in pandas and DuckDB, from the
raw tables (no code of the statistics service is used)."""

from datetime import date

import duckdb
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangjian.member.codes import EducationGroup, Employment, Gender, Occupation
from dangjian.member.models import MemberPeriod
from dangjian.org.codes import UnitKind
from dangjian.org.models import Division, OrgAncestor, Organization, OrgClassification, Unit

AGE_BANDS = {  # key -> (low, high) ages, written out again on purpose
    "30_and_under": (0, 30),
    "31_35": (31, 35),
    "36_40": (36, 40),
    "41_45": (41, 45),
    "46_50": (46, 50),
    "51_55": (51, 55),
    "56_60": (56, 60),
    "61_and_over": (61, 200),
}
SPEECH_AGES = {"46_54": (46, 54), "60_and_over": (60, 200)}
EDUCATION_GROUP_BY_FIRST_DIGIT = {
    "1": "postgraduate",
    "2": "bachelor",
    "3": "associate",
    "6": "high_school",
    "7": "junior_or_less",
    "8": "junior_or_less",
    "9": "junior_or_less",
}
RESTRUCTURED = ("restructured", "closed", "bankrupt")

# ---------------------------------------------------------------- the independent computation


class Raw:
    """The raw tables in pandas and DuckDB; every figure recomputed without the service."""

    DATES = (
        "start_on",
        "end_on",
        "birth_on",
        "confirmed_on",
        "valid_from",
        "valid_to",
        "founded_on",
        "dissolved_on",
    )

    def __init__(self, session: Session):
        self.con = duckdb.connect()
        self.frames: dict[str, pd.DataFrame] = {}
        for model in (MemberPeriod, OrgAncestor, Organization, Unit, Division, OrgClassification):
            table = model.__table__
            rows = [tuple(r) for r in session.execute(select(table)).all()]
            frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
            for column in self.DATES:
                if column in frame:
                    frame[column] = pd.to_datetime(frame[column])
            self.frames[table.name] = frame
            self.con.register(table.name, frame)

    def subtree(self, org_id: int, day: date) -> list[int]:
        rows = self.con.execute(
            "SELECT descendant_id FROM org_ancestor WHERE ancestor_id = ? AND valid_from <= ? "
            "AND (valid_to IS NULL OR valid_to > ?)",
            [org_id, day, day],
        ).fetchall()
        return [r[0] for r in rows]

    def existing_orgs(self, org_id: int, day: date) -> pd.DataFrame:
        orgs = self.frames["organization"]
        ts = pd.Timestamp(day)
        alive = (orgs.founded_on <= ts) & (orgs.dissolved_on.isna() | (orgs.dissolved_on > ts))
        return orgs[orgs.id.isin(self.subtree(org_id, day)) & alive]

    def expected(self, org_id: int, day: date) -> dict:
        orgs = self.frames["organization"]
        org = orgs[orgs.id == org_id].iloc[0]
        existing = self.existing_orgs(org_id, day)
        return {
            "org": {"id": org_id, "code": org.code, "name": org["name"], "kind": org.kind},
            "as_of": day.isoformat(),
            "divisions": self._divisions(org.division_id),
            "units": self._units(existing),
            "organizations": self._orgs(existing),
            "villages": self._villages(existing, day),
            "members": self._members(org_id, day),
            "restructured_enterprises": self._restructured(org_id, day, existing),
        }

    def _divisions(self, division_id) -> dict:
        divisions = self.frames["division"]
        if pd.isna(division_id):
            kinds: dict[str, int] = {}
        else:
            path = divisions.loc[divisions.id == division_id, "path"].iloc[0]
            kinds = divisions[divisions.path.str.startswith(path)].kind.value_counts().to_dict()
        level = {k: int(kinds.get(k, 0)) for k in ("town", "township", "street")}
        return {
            "township_level": level,
            "townships": level["town"] + level["township"],
            "streets": level["street"],
            "villages": int(kinds.get("village", 0)),
            "communities": int(kinds.get("community", 0)),
        }

    def _units(self, existing: pd.DataFrame) -> dict:
        units = self.frames["unit"]
        here = units[units.id.isin(existing.unit_id.dropna().astype(int))]
        by_kind = {k.value: int((here.kind == k.value).sum()) for k in UnitKind}
        restructured = here[(here.kind == "state_enterprise") & here.status.isin(RESTRUCTURED)]
        return {"total": len(here), "by_kind": by_kind, "restructured": len(restructured)}

    def _orgs(self, existing: pd.DataFrame) -> dict:
        n = existing.kind.value_counts().to_dict()
        get = lambda k: int(n.get(k, 0))
        return {
            "total": get("committee") + get("general_branch") + get("branch") + get("joint_branch"),
            "committees": get("committee"),
            "general_branches": get("general_branch"),
            "branches": get("branch") + get("joint_branch"),
            "joint_branches": get("joint_branch"),
            "others": {
                "local_committee": get("local_committee"),
                "working_committee": get("working_committee"),
            },
        }

    def _villages(self, existing: pd.DataFrame, day: date) -> dict:
        self.con.register("existing", existing)
        total = self.con.execute(
            "SELECT count(DISTINCT e.unit_id) FROM existing e JOIN unit u ON u.id = e.unit_id WHERE u.kind = 'village'"
        ).fetchone()[0]
        # Each village's latest classification up to the day's year (nearest the top on a tie).
        rows = self.con.execute(
            "SELECT e.unit_id, c.year, e.depth, e.id, c.grade FROM existing e JOIN unit u ON u.id = e.unit_id "
            "JOIN org_classification c ON c.org_id = e.id WHERE u.kind = 'village' AND c.year <= ?",
            [day.year],
        ).fetchdf()
        self.con.unregister("existing")
        chosen = rows.sort_values(["unit_id", "year", "depth", "id"], ascending=[True, False, True, True]).drop_duplicates("unit_id")
        graded = chosen.grade.value_counts().to_dict()
        by_class = {g: int(graded.get(g, 0)) for g in ("class_1", "class_2", "class_3")}
        by_class["unclassified"] = int(total) - sum(by_class.values())
        latest = int(chosen.year.max()) if len(chosen) else day.year
        return {"total": int(total), "year": latest, "by_class": by_class}

    def covering(self, day: date) -> pd.DataFrame:
        mp = self.frames["member_period"]
        ts = pd.Timestamp(day)
        return mp[(mp.start_on <= ts) & (mp.end_on.isna() | (mp.end_on > ts))]

    def formal(self, org_id: int, day: date) -> pd.DataFrame:
        periods = self.covering(day)
        return periods[periods.org_id.isin(self.subtree(org_id, day))]

    @staticmethod
    def ages(periods: pd.DataFrame, day: date) -> pd.Series:
        born = periods.birth_on
        before_birthday = (born.dt.month > day.month) | (
            (born.dt.month == day.month) & (born.dt.day > day.day)
        )
        return day.year - born.dt.year - before_birthday.astype(int)

    @staticmethod
    def part(count, total: int) -> dict:
        count = int(count)
        tenths = (count * 2000 + total) // (2 * total) if total else 0
        return {"count": count, "share": tenths / 10}

    def _members(self, org_id: int, day: date) -> dict:
        formal = self.formal(org_id, day)
        total = len(formal)
        ts = pd.Timestamp(day)
        probationary = int((formal.confirmed_on.isna() | (formal.confirmed_on > ts)).sum())
        ages = self.ages(formal, day)
        scope = self.subtree(org_id, day)
        periods = self.covering(day)
        floating_in = periods[
            periods.is_floating.astype(bool)
            & periods.inflow_org_id.isin(scope)
            & ~periods.org_id.isin(scope)
        ]
        groups = formal.education.map(
            lambda c: (
                "secondary_vocational"
                if c in ("41", "42", "43")
                else "high_school"
                if c[0] == "4"
                else EDUCATION_GROUP_BY_FIRST_DIGIT[c[0]]
            )
        )
        p = lambda n: self.part(n, total)
        return {
            "total": total,
            "full": total - probationary,
            "probationary": probationary,
            "by_gender": {g.value: p((formal.gender == g.value).sum()) for g in Gender},
            "ethnic_minority": p((formal.ethnicity != "01").sum()),
            "by_age_band": {
                k: p(((ages >= lo) & (ages <= hi)).sum()) for k, (lo, hi) in AGE_BANDS.items()
            },
            "speech_age": {
                k: p(((ages >= lo) & (ages <= hi)).sum()) for k, (lo, hi) in SPEECH_AGES.items()
            },
            "by_education": {g.value: p((groups == g.value).sum()) for g in EducationGroup},
            "by_occupation": {x.value: p((formal.occupation == x.value).sum()) for x in Occupation},
            "by_employment": {e.value: p((formal.employment == e.value).sum()) for e in Employment},
            "floating_out": p(formal.is_floating.astype(bool).sum()),
            "floating_in": p(len(floating_in)),
            "lost_contact": p(formal.is_lost_contact.astype(bool).sum()),
            "without_post": p((~formal.has_post.astype(bool)).sum()),
        }

    def _restructured(self, org_id: int, day: date, existing: pd.DataFrame) -> dict:
        formal = self.formal(org_id, day)
        units = self.frames["unit"]
        bad_units = units[(units.kind == "state_enterprise") & units.status.isin(RESTRUCTURED)].id
        orgs = self.frames["organization"]
        bad_orgs = orgs[orgs.unit_id.isin(bad_units)].id
        members = formal[formal.org_id.isin(bad_orgs)]
        by_employment = {e.value: int((members.employment == e.value).sum()) for e in Employment}
        return {
            "units": int(existing[existing.unit_id.isin(bad_units)].unit_id.nunique()),
            "members": len(members),
            "by_employment": by_employment,
            "contract_ended": by_employment["contract_ended"],
            "retired": by_employment["retired"],
        }


# ---------------------------------------------------------------- the whole report


