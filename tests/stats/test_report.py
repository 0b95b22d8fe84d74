"""The statistics report, checked against an independent computation in pandas and DuckDB."""

import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from rich.console import Console
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from dangjian.kit.idcard import make_id_number
from dangjian.member import service as member_service
from dangjian.member.codes import (
    EDUCATIONS,
    ETHNICITIES,
    Employment,
    LeaveReason,
    Occupation,
)
from dangjian.member.models import Member, MemberPeriod
from dangjian.member.schemas import MemberUpdate
from dangjian.org import service as org_service
from dangjian.org.codes import DissolveReason, DivisionKind, OrgKind, UnitKind, UnitStatus
from dangjian.org.models import Division, Organization, OrgClassification, Unit
from dangjian.stats import render
from dangjian.stats.service import build_report, report_by_children, share
from tests.factories import TODAY, make_member, make_org
from tests.stats.independent import AGE_BANDS, SPEECH_AGES, Raw  # noqa: F401

REPORT_KEYS = {
    "org",
    "as_of",
    "divisions",
    "units",
    "organizations",
    "villages",
    "members",
    "restructured_enterprises",
}
MOVE_DAY = date(2024, 7, 1)
DISSOLVE_DAY = date(2024, 5, 1)
LATE_FOUNDED = date(2023, 3, 1)
CHECK_DAYS = [
    date(2012, 12, 31),
    date(2023, 12, 31),
    date(2024, 4, 30),
    MOVE_DAY - timedelta(days=1),
    MOVE_DAY,
    date(2025, 2, 28),
    TODAY,
]


# ---------------------------------------------------------------- building data


class People:
    """Members with id numbers unique within the test, whatever else has run before."""

    def __init__(self, session: Session):
        self.session = session
        self.sequence: dict[date, itertools.count] = {}

    def add(self, org, *, birth_on: date, gender: str = "male", **fields) -> Member:
        counter = self.sequence.setdefault(birth_on, itertools.count())
        sequence = next(counter) * 2 + (1 if gender == "male" else 0)
        number = make_id_number("430421", birth_on, sequence)
        fields.setdefault(
            "joined_on", max(member_service.add_years(birth_on, 18), date(1990, 1, 1))
        )
        if "confirmed_on" not in fields:
            confirmed = member_service.add_years(fields["joined_on"], 1)
            fields["confirmed_on"] = confirmed if confirmed <= TODAY else None
        return make_member(self.session, org, birth_on=birth_on, id_number=number, **fields)


def add_division(
    session: Session, parent: Division | None, kind: DivisionKind, name: str, code: str
) -> Division:
    level = {
        DivisionKind.city: "city",
        DivisionKind.county: "county",
        DivisionKind.district: "county",
        DivisionKind.town: "township",
        DivisionKind.township: "township",
        DivisionKind.street: "township",
        DivisionKind.village: "village",
        DivisionKind.community: "village",
    }[kind]
    division = Division(
        code=code,
        name=name,
        level=level,
        kind=kind.value,
        parent_id=parent.id if parent else None,
        path="",
    )
    session.add(division)
    session.flush()
    division.path = f"{parent.path if parent else '/'}{division.id}/"
    session.flush()
    return division


def add_unit(
    session: Session, kind: UnitKind, name: str, status: UnitStatus = UnitStatus.normal
) -> Unit:
    unit = Unit(name=name, kind=kind.value, status=status.value)
    session.add(unit)
    session.flush()
    return unit


def move_member(session: Session, member: Member, org: Organization, on: date) -> Member:
    return member_service.update_member(
        session,
        member.id,
        MemberUpdate(org_id=org.id),
        version=member.version,
        actor="test",
        effective_on=on,
        today=TODAY,
    )


@dataclass
class City:
    root: Organization
    orgs: dict[str, Organization] = field(default_factory=dict)
    members: int = 0


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def build_city(session: Session, *, seed: int = 20251231, size: int = 300) -> City:
    rng = random.Random(seed)
    people = People(session)
    div_city = add_division(session, None, DivisionKind.city, "衡阳市", "430400")
    div_a = add_division(session, div_city, DivisionKind.county, "衡阳县", "430421")
    div_b = add_division(session, div_city, DivisionKind.district, "石鼓区", "430407")
    code = itertools.count(1)
    towns = [
        add_division(session, div_a, DivisionKind.town, f"镇{i}", f"T{next(code)}")
        for i in range(2)
    ]
    townships = [
        add_division(session, div_a, DivisionKind.township, f"乡{i}", f"T{next(code)}")
        for i in range(2)
    ]
    streets = [
        add_division(session, div_b, DivisionKind.street, f"街道{i}", f"T{next(code)}")
        for i in range(2)
    ]
    village_divs = [
        add_division(
            session, rng.choice(towns + townships), DivisionKind.village, f"村{i}", f"V{next(code)}"
        )
        for i in range(9)
    ]
    community_divs = [
        add_division(
            session, rng.choice(streets), DivisionKind.community, f"社区{i}", f"C{next(code)}"
        )
        for i in range(3)
    ]
    add_division(session, towns[0], DivisionKind.village, "村（无党组织）", f"V{next(code)}")

    root = make_org(session, kind=OrgKind.local_committee, name="市委", division_id=div_city.id)
    city = City(root=root)
    o = city.orgs
    o["county_a"] = make_org(
        session, root, kind=OrgKind.local_committee, name="县委A", division_id=div_a.id
    )
    o["county_b"] = make_org(
        session, root, kind=OrgKind.local_committee, name="区委B", division_id=div_b.id
    )
    o["town_a"] = make_org(
        session, o["county_a"], kind=OrgKind.committee, name="镇党委A", division_id=towns[0].id
    )
    o["town_moved"] = make_org(
        session,
        o["county_a"],
        kind=OrgKind.committee,
        name="乡党委（调整）",
        division_id=townships[0].id,
    )
    village_units = [add_unit(session, UnitKind.village, d.name) for d in village_divs]
    village_orgs = []
    for i, unit in enumerate(village_units[:6]):
        parent = o["town_a"] if i < 3 else o["town_moved"]
        village_orgs.append(
            make_org(
                session,
                parent,
                kind=OrgKind.branch,
                name=f"村支部{i}",
                unit_id=unit.id,
                division_id=village_divs[i].id,
            )
        )
    o["village_committee"] = make_org(
        session, o["town_a"], kind=OrgKind.committee, name="村党委", unit_id=village_units[6].id
    )
    village_orgs.append(o["village_committee"])
    village_branches = [
        make_org(
            session,
            o["village_committee"],
            kind=OrgKind.branch,
            name=f"村党委第{i}支部",
            unit_id=village_units[6].id,
        )
        for i in range(2)
    ]
    o["village_gb"] = make_org(
        session,
        o["town_moved"],
        kind=OrgKind.general_branch,
        name="村党总支",
        unit_id=village_units[7].id,
    )
    village_orgs.append(o["village_gb"])
    village_branches.append(
        make_org(
            session,
            o["village_gb"],
            kind=OrgKind.branch,
            name="村党总支支部",
            unit_id=village_units[7].id,
        )
    )
    # village_units[8] has no organization: it is a division without an organization in the data.

    soe_r = add_unit(session, UnitKind.state_enterprise, "改制国企", UnitStatus.restructured)
    soe_c = add_unit(session, UnitKind.state_enterprise, "关停国企", UnitStatus.closed)
    soe_n = add_unit(session, UnitKind.state_enterprise, "正常国企")
    private = add_unit(session, UnitKind.private_enterprise, "民企")
    agency = add_unit(session, UnitKind.agency, "机关")
    school = add_unit(session, UnitKind.school, "学校")
    school_2 = add_unit(session, UnitKind.school, "撤并学校")
    hospital = add_unit(session, UnitKind.hospital, "医院")
    communities = [add_unit(session, UnitKind.community, d.name) for d in community_divs]

    o["soe"] = make_org(
        session, o["county_b"], kind=OrgKind.committee, name="改制国企党委", unit_id=soe_r.id
    )
    o["soe_gb"] = make_org(
        session, o["soe"], kind=OrgKind.general_branch, name="改制国企党总支", unit_id=soe_r.id
    )
    soe_branches = [
        make_org(
            session, o["soe_gb"], kind=OrgKind.branch, name=f"改制国企第{i}支部", unit_id=soe_r.id
        )
        for i in range(2)
    ]
    soe_branches.append(
        make_org(session, o["soe"], kind=OrgKind.branch, name="改制国企机关支部", unit_id=soe_r.id)
    )
    closed_branch = make_org(
        session, o["county_b"], kind=OrgKind.branch, name="关停国企支部", unit_id=soe_c.id
    )
    normal_branch = make_org(
        session, o["county_b"], kind=OrgKind.branch, name="正常国企支部", unit_id=soe_n.id
    )
    o["street"] = make_org(
        session,
        o["county_b"],
        kind=OrgKind.working_committee,
        name="街道党工委",
        division_id=streets[0].id,
    )
    community_branches = [
        make_org(session, o["street"], kind=OrgKind.branch, name=f"社区支部{i}", unit_id=u.id)
        for i, u in enumerate(communities)
    ]
    joint = make_org(
        session, o["street"], kind=OrgKind.joint_branch, name="非公企业联合支部", unit_id=private.id
    )
    o["late"] = make_org(
        session,
        o["street"],
        kind=OrgKind.branch,
        name="新建支部",
        founded_on=LATE_FOUNDED,
        unit_id=hospital.id,
    )
    o["agency"] = make_org(
        session, o["county_a"], kind=OrgKind.committee, name="机关党委", unit_id=agency.id
    )
    agency_branches = [
        make_org(
            session, o["agency"], kind=OrgKind.branch, name=f"机关第{i}支部", unit_id=agency.id
        )
        for i in range(2)
    ]
    school_branch = make_org(
        session, o["county_a"], kind=OrgKind.branch, name="学校支部", unit_id=school.id
    )
    o["doomed"] = make_org(
        session, o["county_a"], kind=OrgKind.branch, name="撤并学校支部", unit_id=school_2.id
    )

    for year in (2024, 2025):
        for org in village_orgs:
            if rng.random() < 0.7:
                session.add(
                    OrgClassification(
                        org_id=org.id,
                        year=year,
                        grade=rng.choice(["class_1", "class_2", "class_3"]),
                    )
                )
    session.flush()

    pool = (
        village_orgs[:6]
        + village_branches
        + soe_branches
        + [closed_branch, normal_branch, joint, school_branch]
        + community_branches
        + agency_branches
    )
    restructured_branches = {b.id for b in soe_branches + [closed_branch]}
    members: list[Member] = []
    minorities = [code for code in ETHNICITIES if code != "01"]
    for i in range(size):
        birth_on = random_day(rng, date(1932, 1, 1), date(2004, 12, 31))
        if i % 25 == 0:  # someone turning a band boundary on a checked day
            day = rng.choice(CHECK_DAYS)
            birth_on = member_service.add_years(
                day, -rng.choice([31, 36, 46, 55, 60, 61])
            ) + timedelta(days=rng.choice([-1, 0, 1]))
        joined_on = random_day(
            rng, max(member_service.add_years(birth_on, 18), date(1985, 1, 1)), TODAY
        )
        confirmed_on = None
        if rng.random() < 0.85:
            candidate = member_service.add_years(joined_on, 1) + timedelta(days=rng.randrange(40))
            confirmed_on = candidate if candidate <= TODAY else None
        org = rng.choice(pool)
        fields = {
            "joined_on": joined_on,
            "confirmed_on": confirmed_on,
            "gender": rng.choice(["male", "male", "female"]),
            "ethnicity": "01" if rng.random() < 0.85 else rng.choice(minorities),
            "education": rng.choice(list(EDUCATIONS)),
            "occupation": rng.choice(list(Occupation)),
            "employment": rng.choice(list(Employment)),
        }
        if org.id in restructured_branches:
            fields["employment"] = rng.choice(
                [Employment.contract_ended, Employment.retired, Employment.in_service]
            )
        if rng.random() < 0.3:
            fields["post"] = rng.choice(["党小组长", "支部委员", "村委委员"])
        if rng.random() < 0.1:
            fields["is_floating"] = True
            fields["outflow_place"] = "衡阳"
            target = rng.choice(pool + [None])
            fields["inflow_org_id"] = (
                target.id if target is not None and target.id != org.id else None
            )
        if rng.random() < 0.05:
            fields["lost_contact_on"] = random_day(rng, joined_on, TODAY)
        members.append(people.add(org, birth_on=birth_on, **fields))

    for i in range(15):  # floating in from outside the city: no formal organization here
        birth_on = random_day(rng, date(1960, 1, 1), date(2000, 12, 31))
        joined_on = random_day(rng, member_service.add_years(birth_on, 18), TODAY)
        members.append(
            people.add(
                None,
                birth_on=birth_on,
                joined_on=joined_on,
                effective_on=random_day(rng, max(joined_on, date(2015, 1, 1)), TODAY),
                is_floating=True,
                outflow_place="湖北省武汉市",
                inflow_org_id=rng.choice(pool).id,
                employment=Employment.migrant_worker,
            )
        )

    for i in range(12):  # members of the branch founded later
        birth_on = random_day(rng, date(1960, 1, 1), date(2000, 12, 31))
        members.append(
            people.add(
                o["late"],
                birth_on=birth_on,
                joined_on=random_day(rng, LATE_FOUNDED, TODAY),
                confirmed_on=None,
            )
        )

    doomed = [
        people.add(o["doomed"], birth_on=date(1970 + i, 3, 3), joined_on=date(2000 + i, 7, 1))
        for i in range(3)
    ]
    for member in doomed:
        move_member(session, member, school_branch, date(2024, 4, 1))
    org_service.dissolve_org(
        session,
        o["doomed"].id,
        dissolved_on=DISSOLVE_DAY,
        reason=DissolveReason.merged,
        actor="test",
        today=TODAY,
    )
    members += doomed

    for member in members:
        roll = rng.random()
        start = session.scalar(
            select(MemberPeriod.start_on).where(
                MemberPeriod.member_id == member.id, MemberPeriod.end_on.is_(None)
            )
        )
        if start >= TODAY:
            continue
        day = random_day(rng, start + timedelta(days=1), TODAY)
        if roll < 0.06:
            member_service.leave_member(
                session, member.id, reason=LeaveReason.death, left_on=day, actor="test", today=TODAY
            )
        elif roll < 0.14 and member.org_id is not None:
            target = rng.choice(
                [b for b in pool if b.id not in (member.org_id, member.inflow_org_id)]
            )
            move_member(session, member, target, day)
        elif roll < 0.20:
            member_service.update_member(
                session,
                member.id,
                MemberUpdate(employment=Employment.retired, occupation=Occupation.retired),
                version=member.version,
                actor="test",
                effective_on=day,
                today=TODAY,
            )
    org_service.move_org(
        session,
        o["town_moved"].id,
        new_parent_id=o["county_b"].id,
        moved_on=MOVE_DAY,
        actor="test",
        today=TODAY,
    )
    city.members = len(members)
    return city


@pytest.fixture
def city(session: Session) -> City:
    return build_city(session)


def test_report_matches_independent_computation(session: Session, city: City):
    raw = Raw(session)
    checked_orgs = [city.root] + [
        city.orgs[k]
        for k in ("county_a", "county_b", "town_moved", "soe", "street", "village_committee")
    ]
    for day in CHECK_DAYS:
        for org in checked_orgs:
            report = build_report(session, org_id=org.id, as_of=day)
            assert report == raw.expected(org.id, day), (org.name, day)
    root_today = build_report(session, as_of=TODAY)["members"]
    # The data exercise every figure: nothing is trivially zero.
    assert root_today["total"] > 200
    assert 0 < root_today["probationary"] < root_today["total"]
    for key in ("ethnic_minority", "floating_out", "floating_in", "lost_contact", "without_post"):
        assert root_today[key]["count"] > 0, key
    for breakdown in ("by_gender", "by_age_band", "by_education", "by_employment", "speech_age"):
        assert all(v["count"] > 0 for v in root_today[breakdown].values()), breakdown
    restructured = build_report(session, as_of=TODAY)["restructured_enterprises"]
    assert restructured["units"] == 2 and restructured["members"] > 0
    assert restructured["contract_ended"] > 0 and restructured["retired"] > 0


def test_report_sees_the_tree_and_organizations_as_of_the_day(session: Session, city: City):
    county_a, county_b, moved = (
        city.orgs["county_a"],
        city.orgs["county_b"],
        city.orgs["town_moved"],
    )
    before = MOVE_DAY - timedelta(days=1)
    moved_members = build_report(session, org_id=moved.id, as_of=before)["members"]["total"]
    assert moved_members > 0
    a_before = build_report(session, org_id=county_a.id, as_of=before)
    a_after = build_report(session, org_id=county_a.id, as_of=MOVE_DAY)
    b_before = build_report(session, org_id=county_b.id, as_of=before)
    b_after = build_report(session, org_id=county_b.id, as_of=MOVE_DAY)
    moved_orgs = build_report(session, org_id=moved.id, as_of=MOVE_DAY)["organizations"]["total"]
    assert (
        moved_orgs == 6
    )  # the committee, its three village branches, a general branch and its branch
    assert a_before["organizations"]["total"] - a_after["organizations"]["total"] == moved_orgs
    assert b_after["organizations"]["total"] - b_before["organizations"]["total"] == moved_orgs
    assert a_before["villages"]["total"] - a_after["villages"]["total"] == 4
    assert b_after["villages"]["total"] - b_before["villages"]["total"] == 4
    children_b = {
        r["org"]["id"]: r["total"]
        for r in report_by_children(session, org_id=county_b.id, as_of=MOVE_DAY)
    }
    assert (
        children_b[moved.id]
        == build_report(session, org_id=moved.id, as_of=MOVE_DAY)["members"]["total"]
    )
    late = build_report(
        session, org_id=city.orgs["street"].id, as_of=LATE_FOUNDED - timedelta(days=1)
    )
    late_after = build_report(session, org_id=city.orgs["street"].id, as_of=LATE_FOUNDED)
    assert late_after["organizations"]["branches"] == late["organizations"]["branches"] + 1
    assert (
        late_after["units"]["by_kind"]["hospital"] == 1
        and late["units"]["by_kind"]["hospital"] == 0
    )
    doomed_before = build_report(
        session, org_id=county_a.id, as_of=DISSOLVE_DAY - timedelta(days=1)
    )
    doomed_after = build_report(session, org_id=county_a.id, as_of=DISSOLVE_DAY)
    assert doomed_before["units"]["by_kind"]["school"] == 2
    assert doomed_after["units"]["by_kind"]["school"] == 1
    assert (
        doomed_before["organizations"]["branches"] - doomed_after["organizations"]["branches"] == 1
    )


def test_report_by_children_rolls_up_each_child(session: Session, city: City):
    raw = Raw(session)
    for day in (date(2020, 1, 1), MOVE_DAY - timedelta(days=1), MOVE_DAY, TODAY):
        rows = report_by_children(session, org_id=city.root.id, as_of=day)
        assert [r["org"]["name"] for r in rows] == ["县委A", "区委B"]
        for row in rows:
            formal = raw.formal(row["org"]["id"], day)
            probationary = int(
                (formal.confirmed_on.isna() | (formal.confirmed_on > pd.Timestamp(day))).sum()
            )
            assert (row["total"], row["full"], row["probationary"]) == (
                len(formal),
                len(formal) - probationary,
                probationary,
            )
        assert sum(r["total"] for r in rows) == build_report(session, as_of=day)["members"]["total"]
        children_b = {
            r["org"]["name"]: r["total"]
            for r in report_by_children(session, org_id=city.orgs["county_b"].id, as_of=day)
        }
        assert ("乡党委（调整）" in children_b) == (day >= MOVE_DAY)
        children_a = {
            r["org"]["name"]
            for r in report_by_children(session, org_id=city.orgs["county_a"].id, as_of=day)
        }
        assert ("乡党委（调整）" in children_a) == (day < MOVE_DAY)
        assert ("撤并学校支部" in children_a) == (day < DISSOLVE_DAY)


def test_member_figures_take_one_query_whatever_the_tree(session: Session, city: City):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        build_report(session, as_of=TODAY)
    finally:
        event.remove(connection, "before_cursor_execute", record)
    on_periods = [s for s in statements if "member_period" in s]
    assert len(on_periods) == 1
    assert len(statements) <= 10


# ---------------------------------------------------------------- boundaries on small trees


@pytest.fixture
def small(session: Session):
    root = make_org(session, kind=OrgKind.local_committee, name="市委")
    county_a = make_org(session, root, kind=OrgKind.local_committee, name="县委A")
    county_b = make_org(session, root, kind=OrgKind.local_committee, name="县委B")
    return root, county_a, county_b


@pytest.mark.parametrize(
    ("birth_on", "day", "band", "speech"),
    [
        (date(1979, 6, 30), date(2025, 6, 30), "46_50", {"46_54"}),
        (date(1979, 7, 1), date(2025, 6, 30), "41_45", set()),
        (date(1970, 7, 1), date(2025, 6, 30), "51_55", {"46_54"}),
        (date(1970, 6, 30), date(2025, 6, 30), "51_55", set()),
        (date(1969, 6, 30), date(2025, 6, 30), "56_60", set()),
        (date(1965, 6, 30), date(2025, 6, 30), "56_60", {"60_and_over"}),
        (date(1965, 7, 1), date(2025, 6, 30), "56_60", set()),
        (date(1964, 6, 30), date(2025, 6, 30), "61_and_over", {"60_and_over"}),
        (date(1964, 7, 1), date(2025, 6, 30), "56_60", {"60_and_over"}),
        (date(1994, 6, 30), date(2025, 6, 30), "31_35", set()),
        (date(1994, 7, 1), date(2025, 6, 30), "30_and_under", set()),
        (date(1978, 2, 28), date(2024, 2, 29), "46_50", {"46_54"}),
        (date(1978, 3, 1), date(2024, 2, 29), "41_45", set()),
        (date(1980, 2, 29), date(2025, 2, 28), "41_45", set()),  # 44: the birthday is not yet
        (date(1980, 2, 29), date(2026, 3, 1), "46_50", {"46_54"}),
        (date(1980, 2, 29), date(2026, 2, 28), "41_45", set()),
    ],
)
def test_age_bands_at_the_boundaries(session: Session, small, birth_on, day, band, speech):
    _root, county_a, _ = small
    branch = make_org(session, county_a)
    People(session).add(branch, birth_on=birth_on)
    members = build_report(session, org_id=branch.id, as_of=day)["members"]
    assert members["total"] == 1
    assert {k for k, v in members["by_age_band"].items() if v["count"]} == {band}
    assert {k for k, v in members["speech_age"].items() if v["count"]} == speech
    assert members["by_age_band"][band]["share"] == 100.0


def test_probationary_until_the_confirmation_day(session: Session, small):
    _, county_a, _ = small
    branch = make_org(session, county_a)
    People(session).add(
        branch, birth_on=date(1990, 1, 1), joined_on=date(2024, 3, 1), confirmed_on=date(2025, 3, 1)
    )
    before = build_report(session, org_id=county_a.id, as_of=date(2025, 2, 28))["members"]
    on = build_report(session, org_id=county_a.id, as_of=date(2025, 3, 1))["members"]
    assert (before["full"], before["probationary"]) == (0, 1)
    assert (on["full"], on["probationary"]) == (1, 0)
    assert (
        build_report(session, org_id=county_a.id, as_of=date(2024, 2, 29))["members"]["total"] == 0
    )


def test_joining_and_leaving_days(session: Session, small):
    _root, county_a, _ = small
    branch = make_org(session, county_a)
    member = People(session).add(branch, birth_on=date(1980, 1, 1), joined_on=date(2010, 7, 1))
    member_service.leave_member(
        session,
        member.id,
        reason=LeaveReason.death,
        left_on=date(2025, 5, 1),
        actor="test",
        today=TODAY,
    )
    totals = {
        day: build_report(session, as_of=day)["members"]["total"]
        for day in (
            date(2010, 6, 30),
            date(2010, 7, 1),
            date(2025, 4, 30),
            date(2025, 5, 1),
            TODAY,
        )
    }
    assert totals == {
        date(2010, 6, 30): 0,
        date(2010, 7, 1): 1,
        date(2025, 4, 30): 1,
        date(2025, 5, 1): 0,
        TODAY: 0,
    }


def test_member_moved_between_counties(session: Session, small):
    root, county_a, county_b = small
    branch_a, branch_b = make_org(session, county_a), make_org(session, county_b)
    member = People(session).add(branch_a, birth_on=date(1985, 4, 4), joined_on=date(2012, 7, 1))
    move_member(session, member, branch_b, date(2024, 9, 1))

    def totals(day):
        return tuple(
            build_report(session, org_id=o.id, as_of=day)["members"]["total"]
            for o in (root, county_a, county_b)
        )

    assert totals(date(2024, 8, 31)) == (1, 1, 0)
    assert totals(date(2024, 9, 1)) == (1, 0, 1)
    rows = report_by_children(session, org_id=root.id, as_of=date(2024, 8, 31))
    assert [(r["org"]["id"], r["total"]) for r in rows] == [(county_a.id, 1), (county_b.id, 0)]


def test_subtree_moved_with_its_members(session: Session, small):
    _root, county_a, county_b = small
    committee = make_org(session, county_a, kind=OrgKind.committee)
    branch = make_org(session, committee)
    people = People(session)
    people.add(branch, birth_on=date(1975, 1, 1), joined_on=date(2001, 1, 1))
    people.add(branch, birth_on=date(1976, 1, 1), joined_on=date(2002, 1, 1), confirmed_on=None)
    org_service.move_org(
        session,
        committee.id,
        new_parent_id=county_b.id,
        moved_on=date(2024, 7, 1),
        actor="test",
        today=TODAY,
    )
    before, after = date(2024, 6, 30), date(2024, 7, 1)
    a = build_report(session, org_id=county_a.id, as_of=before)
    assert (a["members"]["total"], a["members"]["probationary"], a["organizations"]["total"]) == (
        2,
        1,
        2,
    )
    assert build_report(session, org_id=county_a.id, as_of=after)["members"]["total"] == 0
    b = build_report(session, org_id=county_b.id, as_of=after)
    assert (
        b["members"]["total"],
        b["organizations"]["committees"],
        b["organizations"]["branches"],
    ) == (2, 1, 1)
    assert build_report(session, org_id=county_b.id, as_of=before)["members"]["total"] == 0
    assert (
        build_report(session, as_of=before)["members"]["total"]
        == build_report(session, as_of=after)["members"]["total"]
        == 2
    )


def test_floating_members_in_and_out(session: Session, small):
    root, county_a, county_b = small
    branch_a, branch_b = make_org(session, county_a), make_org(session, county_b)
    people = People(session)
    people.add(
        branch_a,
        birth_on=date(1990, 2, 2),
        is_floating=True,
        outflow_place="衡阳县",
        inflow_org_id=branch_b.id,
    )
    people.add(
        None,
        birth_on=date(1991, 3, 3),
        is_floating=True,
        outflow_place="湖北省武汉市",
        inflow_org_id=branch_b.id,
    )
    people.add(branch_b, birth_on=date(1992, 4, 4))
    figures = {
        org.name: build_report(session, org_id=org.id, as_of=TODAY)["members"]
        for org in (root, county_a, county_b)
    }
    assert (
        figures["市委"]["total"],
        figures["市委"]["floating_out"]["count"],
        figures["市委"]["floating_in"]["count"],
    ) == (2, 1, 1)
    assert (
        figures["县委A"]["total"],
        figures["县委A"]["floating_out"]["count"],
        figures["县委A"]["floating_in"]["count"],
    ) == (1, 1, 0)
    assert (
        figures["县委B"]["total"],
        figures["县委B"]["floating_out"]["count"],
        figures["县委B"]["floating_in"]["count"],
    ) == (1, 0, 2)
    assert figures["县委B"]["floating_in"]["share"] == 200.0
    assert figures["市委"]["floating_in"]["share"] == 50.0


def test_lost_contact_and_posts(session: Session, small):
    _, county_a, _ = small
    branch = make_org(session, county_a)
    people = People(session)
    people.add(branch, birth_on=date(1980, 1, 1), lost_contact_on=date(2020, 1, 1))
    people.add(branch, birth_on=date(1981, 1, 1), post="党小组长")
    people.add(branch, birth_on=date(1982, 1, 1))
    members = build_report(session, org_id=county_a.id, as_of=TODAY)["members"]
    assert members["lost_contact"] == {"count": 1, "share": 33.3}
    assert members["without_post"] == {"count": 2, "share": 66.7}


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [
        (1, 8, 12.5),
        (2, 3, 66.7),
        (1, 3, 33.3),
        (1, 16, 6.3),
        (1, 80, 1.3),
        (3, 16, 18.8),
        (1, 6, 16.7),
        (0, 0, 0.0),
        (7, 7, 100.0),
    ],
)
def test_share_rounds_half_up(count, total, expected):
    assert share(count, total) == expected
    assert Decimal(str(share(count, total))) == Decimal(str(expected))


def test_shares_in_the_report_round_half_up(session: Session, small):
    _, county_a, _ = small
    committee = make_org(session, county_a, kind=OrgKind.committee)
    branch = make_org(session, committee)
    people = People(session)
    for i in range(16):
        people.add(
            branch,
            birth_on=date(1970, 1, 1) + timedelta(days=i),
            gender="female" if i == 0 else "male",
            ethnicity="08" if i in (1, 2) else "01",
        )
    members = build_report(session, org_id=committee.id, as_of=TODAY)["members"]
    assert members["by_gender"]["female"] == {
        "count": 1,
        "share": 6.3,
    }  # banker's rounding would say 6.2
    assert members["ethnic_minority"] == {"count": 2, "share": 12.5}
    assert members["by_gender"]["male"] == {"count": 15, "share": 93.8}


def test_empty_organization_reports_zeros(session: Session, small):
    _, county_a, _ = small
    report = build_report(session, org_id=county_a.id, as_of=TODAY)
    assert report["members"]["total"] == 0
    assert report["members"]["by_gender"]["female"] == {"count": 0, "share": 0.0}
    assert report["divisions"]["townships"] == 0
    assert report["organizations"]["others"] == {"local_committee": 1, "working_committee": 0}
    assert report["organizations"]["total"] == 0


def test_village_class_is_decided_nearest_the_top(session: Session, small):
    _root, county_a, _ = small
    v1, v2, v3 = (add_unit(session, UnitKind.village, f"村{i}") for i in range(3))
    village_committee = make_org(session, county_a, kind=OrgKind.committee, unit_id=v1.id)
    village_branch = make_org(session, village_committee, unit_id=v1.id)
    second = make_org(session, county_a, unit_id=v2.id)
    make_org(session, county_a, unit_id=v3.id)
    session.add_all(
        [
            OrgClassification(org_id=village_committee.id, year=2025, grade="class_1"),
            OrgClassification(org_id=village_branch.id, year=2025, grade="class_3"),
            OrgClassification(org_id=second.id, year=2024, grade="class_2"),
        ]
    )
    session.flush()
    v2025 = build_report(session, as_of=date(2025, 6, 30))["villages"]
    assert v2025 == {  # the second village keeps its 2024 class in 2025
        "total": 3,
        "year": 2025,
        "by_class": {"class_1": 1, "class_2": 1, "class_3": 0, "unclassified": 1},
    }
    v2024 = build_report(session, as_of=date(2024, 6, 30))["villages"]
    assert v2024["by_class"] == {"class_1": 0, "class_2": 1, "class_3": 0, "unclassified": 2}
    branch_only = build_report(session, org_id=village_branch.id, as_of=date(2025, 6, 30))[
        "villages"
    ]
    assert branch_only["by_class"]["class_3"] == 1 and branch_only["total"] == 1


def test_divisions_count_below_the_organization_division(session: Session):
    city_div = add_division(session, None, DivisionKind.city, "市", "D1")
    county = add_division(session, city_div, DivisionKind.county, "县", "D2")
    other = add_division(session, city_div, DivisionKind.district, "区", "D3")
    town = add_division(session, county, DivisionKind.town, "镇", "D4")
    add_division(session, county, DivisionKind.township, "乡", "D5")
    street = add_division(session, other, DivisionKind.street, "街道", "D6")
    for i in range(3):
        add_division(session, town, DivisionKind.village, f"村{i}", f"D7{i}")
    add_division(session, street, DivisionKind.community, "社区", "D8")
    root = make_org(session, kind=OrgKind.local_committee, division_id=city_div.id)
    county_org = make_org(session, root, kind=OrgKind.local_committee, division_id=county.id)
    whole = build_report(session, org_id=root.id, as_of=TODAY)["divisions"]
    assert whole == {
        "township_level": {"town": 1, "township": 1, "street": 1},
        "townships": 2,
        "streets": 1,
        "villages": 3,
        "communities": 1,
    }
    part = build_report(session, org_id=county_org.id, as_of=TODAY)["divisions"]
    assert (part["townships"], part["streets"], part["villages"], part["communities"]) == (
        2,
        0,
        3,
        0,
    )


def test_default_is_the_root_organization(session: Session, small):
    root, county_a, _ = small
    People(session).add(make_org(session, county_a), birth_on=date(1988, 8, 8))
    assert build_report(session, as_of=TODAY) == build_report(session, org_id=root.id, as_of=TODAY)
    assert build_report(session, as_of=TODAY)["org"] == {
        "id": root.id,
        "code": root.code,
        "name": "市委",
        "kind": "local_committee",
    }


# ---------------------------------------------------------------- rendering


@pytest.fixture
def report(session: Session, city: City) -> dict:
    return build_report(session, as_of=TODAY)


def test_json_round_trips_with_the_documented_keys(report):
    text = render.report_json(report)
    assert "市委" in text and "\\u" not in text
    back = json.loads(text)
    assert back == report
    assert set(back) == REPORT_KEYS
    assert set(back["members"]) == {
        "total",
        "full",
        "probationary",
        "by_gender",
        "ethnic_minority",
        "by_age_band",
        "speech_age",
        "by_education",
        "by_occupation",
        "by_employment",
        "floating_out",
        "floating_in",
        "lost_contact",
        "without_post",
    }
    assert set(back["members"]["by_age_band"]) == set(AGE_BANDS)
    assert set(back["restructured_enterprises"]) == {
        "units",
        "members",
        "by_employment",
        "contract_ended",
        "retired",
    }


def test_xlsx_reads_back(report, tmp_path):
    path = tmp_path / "report.xlsx"
    render.write_xlsx(report, path)
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["统计报表"]
    rows = workbook.get_sheet_by_name("统计报表").to_python()
    assert "市委" in rows[0][0] and "截至2025年12月31日" in rows[0][0]
    assert rows[1] == ["项目", "数量", "占比"]
    by_label = {row[0]: row[1:] for row in rows[2:] if row[0]}
    assert int(by_label["党员总数"][0]) == report["members"]["total"]
    female = report["members"]["by_gender"]["female"]
    assert by_label["女党员"] == [float(female["count"]), female["share"]]
    assert int(by_label["党支部"][0]) == report["organizations"]["branches"]
    for section in (
        "行政区划",
        "单位",
        "党组织",
        "党员",
        "性别",
        "年龄",
        "学历",
        "人员类别",
        "工作状况",
        "改制关停破产企业",
    ):
        assert section in by_label, section


def test_table_output_has_chinese_labels(report):
    console = Console(record=True, width=120)
    render.render_table(report, console)
    text = console.export_text()
    total = report["members"]["total"]
    female = report["members"]["by_gender"]["female"]
    assert "党员总数" in text and f"{total:,}" in text
    assert f"{female['share']:.1f}%" in text
    for label in (
        "建制村分类定级",
        "大学本科",
        "初中及以下",
        "工人（工勤技能人员）",
        "解除劳动关系",
        "46至54岁",
        "61岁及以上",
        "联合党支部",
    ):
        assert label in text, label


def test_counts_use_thousands_separators():
    assert render.format_count(332729) == "332,729"
    assert render.format_share(21.7) == "21.7%"
    assert render.format_share(None) == ""


def test_village_keeps_its_class_until_classified_again(session: Session):
    root = make_org(session)
    unit = Unit(name="样板村", kind=UnitKind.village.value, status="normal")
    session.add(unit)
    session.flush()
    village = make_org(session, root, kind=OrgKind.branch, unit_id=unit.id)
    session.add(OrgClassification(org_id=village.id, year=2023, grade="class_3"))
    session.flush()
    assert build_report(session, org_id=root.id, as_of=date(2022, 12, 31))["villages"]["by_class"]["unclassified"] == 1
    later = build_report(session, org_id=root.id, as_of=date(2025, 6, 30))["villages"]
    assert later["by_class"]["class_3"] == 1 and later["year"] == 2023
    session.add(OrgClassification(org_id=village.id, year=2025, grade="class_2"))
    session.flush()
    assert build_report(session, org_id=root.id, as_of=date(2025, 6, 30))["villages"]["by_class"]["class_2"] == 1
    assert build_report(session, org_id=root.id, as_of=date(2024, 6, 30))["villages"]["by_class"]["class_3"] == 1
