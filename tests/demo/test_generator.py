import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from dangjian.demo.figures import SPEECH, apportion
from dangjian.demo.generator import BORN_ELSEWHERE, generate
from dangjian.errors import ValidationFailed
from dangjian.kit.idcard import HENGYANG_COUNTY_CODES, HENGYANG_RETIRED_CODES, check_consistency, parse_id_number
from dangjian.member.models import Member, MemberPeriod
from dangjian.member.service import add_years
from dangjian.org.models import Division, Organization
from dangjian.stats.checks import run_checks
from dangjian.stats.service import build_report
from tests.demo.figures import expected, figures_of
from tests.stats.independent import Raw

AS_OF = date(2025, 12, 31)
SCALE = 0.02


@pytest.fixture
def small_city(session):
    generate(session, scale=SCALE, seed=7, as_of=AS_OF)
    return session


def fingerprint(session) -> str:
    digest = hashlib.sha256()
    for row in session.execute(select(Member.name, Member.id_number, Member.birth_on, Member.org_id).order_by(Member.id)):
        digest.update(repr(tuple(row)).encode())
    for row in session.execute(select(Organization.code, Organization.name, Organization.kind).order_by(Organization.id)):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_small_city_reproduces_the_scaled_figures(small_city):
    report = build_report(small_city, as_of=AS_OF)
    assert figures_of(report) == expected(SPEECH.scaled(SCALE))


def test_same_seed_gives_the_same_city_and_another_seed_another(small_city):
    first = fingerprint(small_city)
    generate(small_city, scale=SCALE, seed=7, as_of=AS_OF, replace=True)
    assert fingerprint(small_city) == first
    generate(small_city, scale=SCALE, seed=8, as_of=AS_OF, replace=True)
    assert fingerprint(small_city) != first


def test_generated_people_are_consistent(small_city):
    known = set(HENGYANG_COUNTY_CODES) | set(HENGYANG_RETIRED_CODES) | set(BORN_ELSEWHERE)
    rows = small_city.execute(select(Member.id_number, Member.birth_on, Member.gender, Member.joined_on, Member.confirmed_on)).all()
    assert len(rows) > 6000
    for number, birth_on, gender, joined_on, confirmed_on in rows:
        parsed = parse_id_number(number, today=AS_OF, strict_address=True)
        assert parsed.address_code in known
        assert check_consistency(parsed, birth_on=birth_on, gender=gender) == []
        assert joined_on >= add_years(birth_on, 18)
        assert confirmed_on is None or confirmed_on >= add_years(joined_on, 1)
    findings = {r.code: r.count for r in run_checks(small_city, today=AS_OF)}
    for code in ("invalid_id_number", "duplicate_id_number", "id_mismatch", "joined_under_18",
                 "probation_overdue", "member_without_org", "branch_too_small", "branch_too_large"):
        assert findings[code] == 0, code


def test_open_period_matches_the_member_row(small_city):
    mismatches = small_city.scalar(
        select(func.count()).select_from(Member).join(MemberPeriod, (MemberPeriod.member_id == Member.id) & MemberPeriod.end_on.is_(None))
        .where((MemberPeriod.org_id.is_distinct_from(Member.org_id)) | (MemberPeriod.employment != Member.employment)
               | (MemberPeriod.education != Member.education) | (MemberPeriod.is_floating != Member.is_floating))
    )
    assert mismatches == 0
    left_with_open_period = small_city.scalar(
        select(func.count()).select_from(Member).join(MemberPeriod, MemberPeriod.member_id == Member.id)
        .where(Member.status == "left", MemberPeriod.end_on.is_(None))
    )
    assert left_with_open_period == 0


def test_streets_and_communities_sit_in_districts_and_county_cities(small_city):
    county_kind = {d.id: d.kind for d in small_city.scalars(select(Division).where(Division.level == "county"))}
    for division in small_city.scalars(select(Division).where(Division.kind.in_(["street", "community"]))):
        county_id = int(division.path.strip("/").split("/")[1])
        assert county_kind[county_id] in ("district", "county_city")


def test_history_makes_earlier_reports_differ(small_city):
    earlier = date(2023, 6, 30)
    left_since = small_city.scalar(
        select(func.count()).select_from(Member).join(MemberPeriod, MemberPeriod.member_id == Member.id)
        .where(Member.status == "left", Member.left_on > earlier, MemberPeriod.start_on <= earlier,
               MemberPeriod.end_on == Member.left_on, Member.org_id.is_not(None))
    )
    joined_since = small_city.scalar(
        select(func.count()).select_from(MemberPeriod)
        .where(MemberPeriod.start_on > earlier, MemberPeriod.org_id.is_not(None), MemberPeriod.end_on.is_(None))
        .where(~MemberPeriod.member_id.in_(select(MemberPeriod.member_id).where(MemberPeriod.start_on <= earlier, MemberPeriod.org_id.is_not(None))))
    )
    assert left_since > 0 and joined_since > 0
    now = build_report(small_city, as_of=AS_OF)["members"]["total"]
    then = build_report(small_city, as_of=earlier)["members"]["total"]
    assert then == now - joined_since + left_since


def test_refuses_to_overwrite_and_bad_arguments(small_city):
    with pytest.raises(ValidationFailed, match="--replace"):
        generate(small_city, scale=SCALE, seed=1, as_of=AS_OF)
    with pytest.raises(ValidationFailed) as error:
        generate(small_city, scale=0.001, replace=True)
    assert error.value.field == "scale"
    with pytest.raises(ValidationFailed) as error:
        generate(small_city, scale=SCALE, as_of=date(2999, 1, 1), replace=True)
    assert error.value.field == "as_of"


def test_apportion_is_exact_and_proportional():
    assert apportion(183, [3, 1, 2, 2, 3, 25, 24, 12, 17, 24, 30, 23]) == apportion(183, [3, 1, 2, 2, 3, 25, 24, 12, 17, 24, 30, 23])
    for total in (0, 1, 7, 183, 4889):
        parts = apportion(total, [5, 0, 3, 2])
        assert sum(parts) == total and parts[1] == 0
    assert apportion(10, [1, 1]) == [5, 5]


@pytest.mark.parametrize("scale", [0.01, 0.05, 0.3, 2])
def test_scaled_figures_are_proportional(scale):
    scaled = SPEECH.scaled(scale)
    assert abs(scaled.members - SPEECH.members * scale) <= 0.5
    assert scaled.unclassified == scaled.villages - scaled.class_1 - scaled.class_2 - scaled.class_3


def test_report_on_the_demo_city_matches_an_independent_computation(small_city):
    raw = Raw(small_city)
    counties = small_city.scalars(select(Organization).where(Organization.depth == 1).order_by(Organization.id)).all()
    for day in (AS_OF, date(2023, 6, 30)):
        for org in [None, *counties[:3], counties[-1]]:
            org_id = org.id if org else small_city.scalar(select(Organization.id).where(Organization.depth == 0))
            assert build_report(small_city, org_id=org_id, as_of=day) == raw.expected(org_id, day), (org_id, day)
