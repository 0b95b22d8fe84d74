import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from rich.console import Console
from sqlalchemy import update
from sqlalchemy.orm import Session

from dangjian.errors import NotFound
from dangjian.kit.idcard import check_char, make_id_number, mask
from dangjian.member import service as member_service
from dangjian.member.codes import LeaveReason
from dangjian.member.models import Member
from dangjian.org import service as org_service
from dangjian.org.codes import DissolveReason, OrgKind
from dangjian.org.models import Organization
from dangjian.stats.checks import (
    CheckResult,
    checks_json,
    has_problems,
    probation_cutoff,
    render_checks,
    run_checks,
)
from tests.factories import TODAY, make_member, make_org

CODES = [
    "invalid_id_number",
    "duplicate_id_number",
    "id_mismatch",
    "joined_under_18",
    "probation_overdue",
    "member_without_org",
    "branch_too_small",
    "branch_too_large",
    "general_branch_too_small",
    "committee_too_small",
    "branch_needs_committee",
]
RECENT = date(2025, 6, 1)  # joined less than a year before TODAY: still on probation
BIRTH = date(1980, 5, 17)  # the factories' default birth date (male)
OTHER_ADDRESS = "430482"  # an address code the factories never use, so no clash with their numbers


@dataclass
class City:
    """The clean test city; every check finds nothing in it.

    city (地方党委)
      committee (基层党委, 100 members)
        general (党总支, 50 members)
          b1, b2: 6 full + 19 probationary each
        b3: 6 full + 44 probationary
      other (联合党支部): 3 full + 2 probationary
    """

    city: Organization
    committee: Organization
    general: Organization
    b1: Organization
    b2: Organization
    b3: Organization
    other: Organization
    members: dict[int, list[Member]] = field(default_factory=dict)


def add_members(
    session: Session, org: Organization, *, full: int = 0, probationary: int = 0
) -> list[Member]:
    members = [make_member(session, org) for _ in range(full)]
    members += [
        make_member(session, org, joined_on=RECENT, confirmed_on=None) for _ in range(probationary)
    ]
    return members


@pytest.fixture
def city(session: Session) -> City:
    root = make_org(session)
    committee = make_org(session, root, kind=OrgKind.committee)
    general = make_org(session, committee, kind=OrgKind.general_branch)
    b1, b2 = make_org(session, general), make_org(session, general)
    b3 = make_org(session, committee)
    other = make_org(session, root, kind=OrgKind.joint_branch)
    c = City(root, committee, general, b1, b2, b3, other)
    c.members[b1.id] = add_members(session, b1, full=6, probationary=19)
    c.members[b2.id] = add_members(session, b2, full=6, probationary=19)
    c.members[b3.id] = add_members(session, b3, full=6, probationary=44)
    c.members[other.id] = add_members(session, other, full=3, probationary=2)
    return c


def check(session: Session, **kwargs) -> dict[str, CheckResult]:
    return {r.code: r for r in run_checks(session, today=kwargs.pop("today", TODAY), **kwargs)}


def found(session: Session, **kwargs) -> dict[str, int]:
    """The checks that found something, with their counts."""
    return {code: r.count for code, r in check(session, **kwargs).items() if r.count}


def set_member(session: Session, member: Member, **values) -> None:
    """Write a member row directly, as a bulk load does, bypassing the service's validation."""
    session.execute(update(Member).where(Member.id == member.id).values(**values))


def number_ending_in_x(birth_on: date = BIRTH) -> str:
    for sequence in range(1, 1000, 2):
        number = make_id_number(OTHER_ADDRESS, birth_on, sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives a check character X")


def test_clean_city_passes_every_check(session, city):
    results = run_checks(session, today=TODAY)
    assert [r.code for r in results] == CODES
    assert [(r.count, r.examples) for r in results] == [(0, [])] * len(CODES)
    assert [r.severity for r in results] == ["problem"] * 10 + ["info"]
    assert all(r.title and r.rule for r in results)
    assert not has_problems(results)
    assert [r.code for r in run_checks(session, org_id=city.committee.id, today=TODAY)] == CODES


def test_wrong_check_digit_is_invalid(session, city):
    member = city.members[city.b1.id][0]
    right = member.id_number[-1]
    bad = member.id_number[:17] + ("1" if right != "1" else "2")
    set_member(session, member, id_number=bad)
    results = check(session)
    assert found(session) == {"invalid_id_number": 1}
    assert results["invalid_id_number"].examples == [
        {
            "member_id": member.id,
            "name": member.name,
            "id_number": mask(bad),
            "detail": f"公民身份号码校验位错误，应为{right}",
        }
    ]
    assert bad not in checks_json(list(results.values()))


def test_other_invalid_numbers_give_the_parsers_reason(session, city):
    too_short, bad_date = city.members[city.b2.id][:2]
    set_member(session, too_short, id_number="43042119800517")
    first17 = f"{OTHER_ADDRESS}19800230001"
    set_member(session, bad_date, id_number=first17 + check_char(first17))
    result = check(session)["invalid_id_number"]
    assert result.count == 2
    assert [e["detail"] for e in result.examples] == [
        "公民身份号码应为18位（或15位旧号码），实际为14位",
        "公民身份号码中的出生日期无效：19800230",
    ]


def test_lowercase_x_duplicates_another_members_number(session, city):
    first, second = city.members[city.b1.id][:2]
    number = number_ending_in_x()
    set_member(session, first, id_number=number)
    set_member(session, second, id_number=number.lower())
    results = check(session)
    assert found(session) == {"duplicate_id_number": 2}
    assert results["duplicate_id_number"].examples == [
        {
            "member_id": first.id,
            "name": first.name,
            "id_number": mask(number),
            "detail": f"与党员{second.name}（{second.id}）的公民身份号码相同",
        },
        {
            "member_id": second.id,
            "name": second.name,
            "id_number": mask(number),
            "detail": f"与党员{first.name}（{first.id}）的公民身份号码相同",
        },
    ]


def test_legacy_15_digit_number_duplicates_its_18_digit_form(session, city):
    first, second = city.members[city.b3.id][:2]
    number = make_id_number(OTHER_ADDRESS, BIRTH, 11)
    legacy = number[:6] + number[8:17]
    set_member(session, first, id_number=legacy)
    set_member(session, second, id_number=number)
    result = check(session)["duplicate_id_number"]
    assert found(session) == {"duplicate_id_number": 2}
    assert [(e["member_id"], e["id_number"]) for e in result.examples] == [
        (first.id, mask(legacy)),
        (second.id, mask(number)),
    ]
    assert legacy not in json.dumps(result.examples)


def test_three_forms_of_one_number_are_one_group(session, city):
    members = city.members[city.b2.id][:3]
    number = number_ending_in_x()
    for member, stored in zip(
        members, [number[:6] + number[8:17], number.lower(), number], strict=True
    ):
        set_member(session, member, id_number=stored)
    result = check(session)["duplicate_id_number"]
    assert result.count == 3
    assert [e["member_id"] for e in result.examples] == [m.id for m in members]
    assert result.examples[0]["detail"] == (
        f"与党员{members[1].name}（{members[1].id}）、{members[2].name}（{members[2].id}）的公民身份号码相同"
    )


def test_birth_date_or_gender_differing_from_the_id_number(session, city):
    birth, gender, both, unknown = city.members[city.b1.id][:4]
    set_member(session, birth, birth_on=BIRTH + timedelta(days=1))
    set_member(session, gender, gender="female")
    set_member(session, both, birth_on=date(1981, 5, 17), gender="female")
    set_member(session, unknown, gender="9")
    result = check(session)["id_mismatch"]
    assert found(session) == {"id_mismatch": 4}
    assert [(e["member_id"], e["detail"]) for e in result.examples] == [
        (birth.id, "出生日期与身份证号不一致"),
        (gender.id, "性别与身份证号不一致"),
        (both.id, "出生日期与身份证号不一致；性别与身份证号不一致"),
        (unknown.id, "未知的性别取值：9"),
    ]
    assert result.examples[0]["id_number"] == mask(birth.id_number)


def test_joined_under_18_boundaries(session, city):
    on_birthday = make_member(
        session,
        city.other,
        birth_on=date(2007, 3, 10),
        joined_on=date(2025, 3, 10),
        confirmed_on=None,
    )
    day_before = make_member(
        session,
        city.other,
        birth_on=date(2007, 3, 10),
        joined_on=date(2025, 3, 10),
        confirmed_on=None,
    )
    set_member(session, day_before, joined_on=date(2025, 3, 9))
    leap_ok = make_member(
        session,
        city.other,
        birth_on=date(2004, 2, 29),
        joined_on=date(2022, 2, 28),
        confirmed_on=date(2023, 2, 28),
    )
    leap_early = make_member(
        session,
        city.other,
        birth_on=date(2004, 2, 29),
        joined_on=date(2022, 2, 28),
        confirmed_on=date(2023, 2, 28),
    )
    set_member(session, leap_early, joined_on=date(2022, 2, 27))
    result = check(session)["joined_under_18"]
    assert found(session) == {"joined_under_18": 2}
    assert [(e["member_id"], e["detail"]) for e in result.examples] == [
        (day_before.id, "入党日期2025-03-09，早于年满十八周岁之日"),
        (leap_early.id, "入党日期2022-02-27，早于年满十八周岁之日"),
    ]
    assert {on_birthday.id, leap_ok.id}.isdisjoint(e["member_id"] for e in result.examples)


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (date(2025, 12, 31), date(2024, 12, 30)),
        (date(2025, 3, 1), date(2024, 2, 29)),
        (date(2025, 2, 28), date(2024, 2, 27)),
        (date(2024, 3, 1), date(2023, 2, 28)),
        (date(2024, 2, 29), date(2023, 2, 28)),
    ],
)
def test_probation_cutoff(today, cutoff):
    assert probation_cutoff(today) == cutoff
    assert member_service.add_years(cutoff, 1) < today
    assert member_service.add_years(cutoff + timedelta(days=1), 1) >= today


def test_probation_overdue_boundaries(session, city):
    exactly_one_year = make_member(
        session, city.other, joined_on=date(2024, 12, 31), confirmed_on=None
    )
    one_day_more = make_member(session, city.other, joined_on=date(2024, 12, 30), confirmed_on=None)
    result = check(session)["probation_overdue"]
    assert found(session) == {"probation_overdue": 1}
    assert result.examples == [
        {
            "member_id": one_day_more.id,
            "name": one_day_more.name,
            "detail": "入党日期2024-12-30，预备期已于2025-12-30届满，未登记转正或延长预备期",
        }
    ]
    next_day = check(session, today=TODAY + timedelta(days=1))["probation_overdue"]
    assert [e["member_id"] for e in next_day.examples] == [exactly_one_year.id, one_day_more.id]


def test_probation_from_29_february_ends_on_28_february(session, city):
    leap = make_member(session, city.other, joined_on=date(2024, 2, 29), confirmed_on=None)
    assert check(session, today=date(2025, 2, 28))["probation_overdue"].count == 0
    late = check(session, today=date(2025, 3, 1))["probation_overdue"]
    assert (late.count, late.examples[0]["member_id"]) == (1, leap.id)


def test_member_without_org(session, city):
    make_member(
        session, None, is_floating=True, inflow_org_id=city.b1.id, outflow_place="广东省深圳市"
    )
    incomplete = make_member(
        session, None, is_floating=True, inflow_org_id=city.b1.id, outflow_place="广东省深圳市"
    )
    set_member(session, incomplete, outflow_place=None)
    blank = make_member(
        session, None, is_floating=True, inflow_org_id=city.b1.id, outflow_place="广东省深圳市"
    )
    set_member(session, blank, outflow_place="")
    gone = make_org(session, city.committee, name="已撤销支部")
    inflow_gone = make_member(
        session, None, is_floating=True, inflow_org_id=gone.id, outflow_place="湖北省武汉市"
    )
    org_service.dissolve_org(
        session,
        gone.id,
        dissolved_on=date(2025, 1, 1),
        reason=DissolveReason.merged,
        actor="test",
        today=TODAY,
    )
    in_general = city.members[city.b1.id][0]
    set_member(session, in_general, org_id=city.general.id)
    in_dissolved, no_org = city.members[city.other.id][-2:]
    set_member(session, in_dissolved, org_id=gone.id)
    set_member(session, no_org, org_id=None)

    result = check(session, limit=10)["member_without_org"]
    assert found(session) == {"member_without_org": 6}
    details = {e["member_id"]: e["detail"] for e in result.examples}
    assert details == {
        incomplete.id: "未编入党组织，也不是信息完整的市外流入党员（须有流出地和流入地党组织）",
        blank.id: details[incomplete.id],
        inflow_gone.id: "未编入本市党组织，流入地党组织已撤销",
        in_general.id: f"所在党组织“{city.general.name}”是党总支，党员应编入党支部",
        in_dissolved.id: "所在党组织“已撤销支部”已于2025-01-01撤销",
        no_org.id: details[no_org.id],
    }
    assert details[no_org.id].startswith("未编入党组织")
    assert [e["member_id"] for e in result.examples] == sorted(details)

    scoped = check(session, org_id=city.committee.id)["member_without_org"]
    assert scoped.count == 5
    assert {e["member_id"] for e in scoped.examples} == {
        incomplete.id,
        blank.id,
        inflow_gone.id,
        in_general.id,
        in_dissolved.id,
    }
    assert check(session, org_id=city.other.id)["member_without_org"].count == 0
    assert found(session, org_id=city.b2.id) == {}


def test_branch_too_small_counts_only_full_members(session, city):
    enough = make_org(session, city.city)
    add_members(session, enough, full=3, probationary=2)
    too_few = make_org(session, city.city)
    add_members(session, too_few, full=2, probationary=5)
    empty = make_org(session, city.city)
    dissolved = make_org(session, city.city)
    org_service.dissolve_org(
        session,
        dissolved.id,
        dissolved_on=date(2025, 1, 1),
        reason=DissolveReason.merged,
        actor="test",
        today=TODAY,
    )
    result = check(session)["branch_too_small"]
    assert found(session) == {"branch_too_small": 2}
    assert result.examples == [
        {"org_id": too_few.id, "name": too_few.name, "detail": "正式党员2人，预备党员5人"},
        {"org_id": empty.id, "name": empty.name, "detail": "正式党员0人，预备党员0人"},
    ]


def test_confirmation_after_today_is_not_yet_full(session, city):
    member = city.members[city.other.id][0]
    set_member(session, member, confirmed_on=TODAY + timedelta(days=1))
    result = check(session)["branch_too_small"]
    assert (result.count, result.examples[0]["org_id"]) == (1, city.other.id)


def test_branch_too_large(session, city):
    add_members(session, city.b3, probationary=1)
    result = check(session)["branch_too_large"]
    assert found(session) == {"branch_too_large": 1}
    assert result.examples == [{"org_id": city.b3.id, "name": city.b3.name, "detail": "党员51人"}]


def test_general_branch_and_committee_below_their_size(session, city):
    leaving = city.members[city.b1.id][-1]
    member_service.leave_member(
        session,
        leaving.id,
        reason=LeaveReason.transferred_out,
        left_on=date(2025, 12, 1),
        actor="test",
        today=TODAY,
    )
    results = check(session)
    assert found(session) == {"general_branch_too_small": 1, "committee_too_small": 1}
    assert results["general_branch_too_small"].examples == [
        {"org_id": city.general.id, "name": city.general.name, "detail": "党员49人（含所属党支部）"}
    ]
    assert results["committee_too_small"].examples == [
        {
            "org_id": city.committee.id,
            "name": city.committee.name,
            "detail": "党员99人（含所属党组织）",
        }
    ]


def test_subtree_counts_follow_the_current_tree(session, city):
    org_service.move_org(
        session,
        city.b2.id,
        new_parent_id=city.city.id,
        moved_on=date(2025, 6, 1),
        actor="test",
        today=TODAY,
    )
    assert found(session) == {"general_branch_too_small": 1, "committee_too_small": 1}
    assert check(session)["committee_too_small"].examples[0]["detail"] == "党员75人（含所属党组织）"


def test_branch_needing_a_committee_is_information_only(session, city):
    add_members(session, city.b1, full=1)
    results = run_checks(session, today=TODAY)
    by_code = {r.code: r for r in results}
    assert found(session) == {"branch_needs_committee": 1}
    assert by_code["branch_needs_committee"].severity == "info"
    assert by_code["branch_needs_committee"].examples == [
        {"org_id": city.b1.id, "name": city.b1.name, "detail": "正式党员7人"}
    ]
    assert not has_problems(results)


def test_problems_outside_the_scope_are_not_reported(session, city):
    outside = city.members[city.other.id][0]
    set_member(
        session,
        outside,
        id_number=outside.id_number[:17] + ("1" if outside.id_number[-1] != "1" else "2"),
    )
    inside = city.members[city.b3.id][0]
    set_member(session, inside, joined_on=date(1990, 1, 1))
    number = number_ending_in_x()
    set_member(session, city.members[city.b2.id][0], id_number=number)
    set_member(session, city.members[city.other.id][1], id_number=number.lower())
    make_org(session, city.city)

    assert found(session) == {
        "invalid_id_number": 1,
        "duplicate_id_number": 2,
        "joined_under_18": 1,
        "branch_too_small": 1,
    }
    assert found(session, org_id=city.committee.id) == {"joined_under_18": 1}
    assert found(session, org_id=city.general.id) == {}
    assert found(session, org_id=city.other.id) == {"invalid_id_number": 1}
    assert has_problems(run_checks(session, org_id=city.committee.id, today=TODAY))
    assert not has_problems(run_checks(session, org_id=city.general.id, today=TODAY))


def test_members_who_left_are_not_checked(session, city):
    member = city.members[city.other.id][-1]
    member_service.leave_member(
        session,
        member.id,
        reason=LeaveReason.death,
        left_on=date(2025, 12, 1),
        actor="test",
        today=TODAY,
    )
    set_member(
        session, member, id_number="123", org_id=None, joined_on=date(2020, 1, 1), confirmed_on=None
    )
    assert found(session) == {}


def test_examples_are_limited_and_ordered(session, city):
    members = city.members[city.b2.id][:7]
    for member in members:
        set_member(session, member, gender="female")
    result = check(session)["id_mismatch"]
    assert (result.count, [e["member_id"] for e in result.examples]) == (
        7,
        [m.id for m in members[:5]],
    )
    assert len(check(session, limit=2)["id_mismatch"].examples) == 2
    assert check(session, limit=0)["id_mismatch"].count == 7


def test_unknown_org_is_not_found(session, city):
    with pytest.raises(NotFound):
        run_checks(session, org_id=10**9, today=TODAY)


def test_has_problems():
    def result(count: int, severity: str) -> CheckResult:
        return CheckResult("x", "x", "x", count, [], severity)  # type: ignore[arg-type]

    assert not has_problems([])
    assert not has_problems([result(0, "problem"), result(3, "info")])
    assert has_problems([result(0, "problem"), result(1, "problem")])


def test_render_and_json(session, city):
    member = city.members[city.b1.id][0]
    bad = member.id_number[:17] + ("1" if member.id_number[-1] != "1" else "2")
    set_member(session, member, id_number=bad)
    results = run_checks(session, today=TODAY)
    console = Console(record=True, width=200, file=io.StringIO())
    render_checks(results, console)
    text = console.export_text()
    assert "公民身份号码无效" in text and "GB 11643-1999" in text
    assert mask(bad) in text and bad not in text
    assert member.name in text
    assert "发现问题 1 条" in text

    data = json.loads(checks_json(results))
    assert [d["code"] for d in data] == CODES
    assert data[0]["count"] == 1 and data[0]["examples"][0]["id_number"] == mask(bad)
    assert set(data[0]) == {"code", "title", "rule", "count", "examples", "severity"}
    assert bad not in checks_json(results)

    clean = Console(record=True, width=200, file=io.StringIO())
    render_checks(run_checks(session, org_id=city.other.id, today=TODAY), clean)
    assert "未发现问题" in clean.export_text()
