from datetime import date

import pytest
from sqlalchemy import select

from dangjian.errors import Conflict, ValidationFailed
from dangjian.kit.idcard import make_id_number
from dangjian.member import service as member_service
from dangjian.member.codes import Employment, LeaveReason
from dangjian.member.models import MemberEvent, MemberPeriod
from dangjian.member.schemas import MemberCreate, MemberUpdate
from dangjian.org.codes import OrgKind
from tests.conftest import count_rows
from tests.factories import TODAY, make_member, make_org, new_id_number


@pytest.fixture
def branch(session):
    return make_org(session, make_org(session, make_org(session), kind=OrgKind.committee))


def periods(session, member):
    return session.execute(
        select(MemberPeriod.start_on, MemberPeriod.end_on, MemberPeriod.org_id, MemberPeriod.employment)
        .where(MemberPeriod.member_id == member.id).order_by(MemberPeriod.start_on)
    ).all()


def test_birth_and_gender_come_from_the_id_number(session, branch):
    number = make_id_number("430421", date(1975, 3, 1), 122)
    member = make_member(session, branch, id_number=number.lower())
    assert (member.birth_on, member.gender) == (date(1975, 3, 1), "female")
    assert member.id_number == number.upper()
    assert periods(session, member) == [(date(2005, 7, 1), None, branch.id, "in_service")]


def valid(branch, **change):
    data = {
        "name": "张三", "id_number": new_id_number(), "org_id": branch.id, "joined_on": date(2005, 7, 1),
        "confirmed_on": date(2006, 7, 1), "education": "21", "occupation": "worker", **change,
    }
    return MemberCreate(**data)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"id_number": "43042119800517123"}, "id_number", "应为18位"),
        ({"id_number": "430421198005171230"}, "id_number", "校验位错误"),
        ({"id_number": "430421198002301235"}, "id_number", "出生日期无效"),
        ({"org_id": 999999}, "org_id", "党组织不存在：999999"),
        ({"joined_on": date(2026, 1, 1)}, "joined_on", "不能晚于今天"),
        ({"joined_on": date(1997, 5, 16), "confirmed_on": None}, "joined_on", "未满十八周岁"),
        ({"confirmed_on": date(2006, 6, 30)}, "confirmed_on", "预备期为一年"),
        ({"birth_on": date(1980, 5, 18)}, "birth_on", "与公民身份号码不一致"),
        ({"gender": "female"}, "gender", "与公民身份号码不一致"),
        ({"education": "99"}, "education", "不是有效的学历代码"),
        ({"ethnicity": "77"}, "ethnicity", "不是有效的民族代码"),
        ({"phone": "12345"}, "phone", "格式不正确"),
        ({"name": " "}, "name", "不能为空"),
    ],
)
def test_bad_member_input_names_the_field_and_writes_nothing(session, branch, change, field, message):
    before = [count_rows(session, t) for t in ("member", "member_period", "member_event", "audit_event")]
    data = valid(branch, **change)
    if "id_number" not in change:
        data.id_number = make_id_number("430421", date(1980, 5, 17), 123)
    with pytest.raises(ValidationFailed, match=message) as error:
        member_service.create_member(session, data, actor="t", today=TODAY)
    assert error.value.field == field
    assert error.value.detail.startswith(member_service.FIELD_LABELS[field])  # names the field first
    assert [count_rows(session, t) for t in ("member", "member_period", "member_event", "audit_event")] == before


def test_member_must_sit_in_a_branch(session, branch):
    committee = session.get(type(branch), branch.parent_id)
    with pytest.raises(ValidationFailed, match="不是党支部"):
        member_service.create_member(session, valid(committee), actor="t", today=TODAY)


def test_duplicate_id_number_is_refused(session, branch):
    first = make_member(session, branch)
    with pytest.raises(ValidationFailed, match="已登记为另一名党员") as error:
        member_service.create_member(session, valid(branch, id_number=first.id_number), actor="t", today=TODAY)
    assert first.id_number not in error.value.detail  # the message shows the number masked


def test_change_of_situation_starts_a_new_period(session, branch):
    other = make_org(session, session.get(type(branch), branch.parent_id))
    member = make_member(session, branch)
    member_service.update_member(session, member.id, MemberUpdate(org_id=other.id, employment=Employment.retired),
                                 version=1, actor="t", effective_on=date(2020, 1, 1), today=TODAY)
    assert periods(session, member) == [
        (date(2005, 7, 1), date(2020, 1, 1), branch.id, "in_service"),
        (date(2020, 1, 1), None, other.id, "retired"),
    ]
    kinds = session.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == member.id)).all()
    assert "moved" in kinds
    assert member.version == 2


def test_correction_rewrites_history(session, branch):
    member = make_member(session, branch)
    member_service.update_member(session, member.id, MemberUpdate(employment=Employment.retired), version=1,
                                 actor="t", effective_on=date(2020, 1, 1), today=TODAY)
    member_service.update_member(session, member.id, MemberUpdate(confirmed_on=date(2006, 8, 1)), version=2, actor="t", today=TODAY)
    confirmed = session.scalars(select(MemberPeriod.confirmed_on).where(MemberPeriod.member_id == member.id)).all()
    assert confirmed == [date(2006, 8, 1), date(2006, 8, 1)]


def test_stale_edit_is_refused(session, branch):
    member = make_member(session, branch)
    member_service.update_member(session, member.id, MemberUpdate(phone="13800000000"), version=1, actor="t", today=TODAY)
    with pytest.raises(Conflict):
        member_service.update_member(session, member.id, MemberUpdate(phone="13900000000"), version=1, actor="t", today=TODAY)
    assert member.phone == "13800000000"


def test_leaving_closes_history_and_keeps_the_record(session, branch):
    member = make_member(session, branch)
    member_service.leave_member(session, member.id, reason=LeaveReason.death, left_on=date(2024, 3, 1), actor="t", today=TODAY)
    assert (member.status, member.left_reason) == ("left", "death")
    assert periods(session, member)[-1][1] == date(2024, 3, 1)
    with pytest.raises(ValidationFailed, match="已出党"):
        member_service.update_member(session, member.id, MemberUpdate(phone="13800000000"), version=member.version, actor="t", today=TODAY)


def test_inbound_member_needs_outflow_and_inflow(session, branch):
    with pytest.raises(ValidationFailed, match="只有从市外流入的党员可以不填") as error:
        member_service.create_member(session, valid(branch, org_id=None), actor="t", today=TODAY)
    assert error.value.field == "org_id"
    member = member_service.create_member(
        session, valid(branch, org_id=None, is_floating=True, inflow_org_id=branch.id, outflow_place="邵东市某村党支部"),
        actor="t", today=TODAY,
    )
    assert member.org_id is None and member.inflow_org_id == branch.id


def test_every_write_is_audited(session, branch):
    before = count_rows(session, "audit_event")
    member = make_member(session, branch)
    member_service.update_member(session, member.id, MemberUpdate(phone="13800000000"), version=1, actor="t", today=TODAY)
    member_service.leave_member(session, member.id, reason=LeaveReason.death, left_on=date(2024, 3, 1), actor="t", today=TODAY)
    assert count_rows(session, "audit_event") == before + 3


def test_lost_contact_holds_from_its_own_date(session, branch):
    created_lost = make_member(session, branch, lost_contact_on=date(2022, 3, 1))
    assert [(p[0], p[1]) for p in periods(session, created_lost)] == [(date(2005, 7, 1), date(2022, 3, 1)), (date(2022, 3, 1), None)]
    member = make_member(session, branch)
    member_service.update_member(session, member.id, MemberUpdate(lost_contact_on=date(2023, 5, 1)), version=1, actor="t", today=TODAY)
    lost = session.execute(
        select(MemberPeriod.start_on, MemberPeriod.is_lost_contact).where(MemberPeriod.member_id == member.id).order_by(MemberPeriod.start_on)
    ).all()
    assert lost == [(date(2005, 7, 1), False), (date(2023, 5, 1), True)]
    kinds = session.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == member.id)).all()
    assert "lost_contact" in kinds
    event = session.scalar(select(MemberEvent).where(MemberEvent.member_id == member.id, MemberEvent.kind == "lost_contact"))
    assert event.detail == {"lost_contact_on": [None, "2023-05-01"]}
