"""The audit log API: scoped like the records it describes, personal data masked."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from dangjian.audit.models import AuditEvent
from dangjian.audit.service import mask_address, mask_phone, masked
from dangjian.auth import service as auth_service
from dangjian.kit.idcard import mask
from dangjian.member import service as member_service
from dangjian.member.codes import Occupation
from dangjian.member.schemas import MemberCreate, MemberUpdate
from dangjian.org.models import Organization
from tests.factories import TODAY, make_member, new_id_number

EVENTS = "/api/v1/audit/events"


def branch_of(session, username: str) -> Organization:
    return session.get(Organization, auth_service.get_user(session, username).org_id)


def event_ids(client, **params) -> list[int]:
    response = client.get(EVENTS, params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def member_event(session, member_id: int) -> int:
    return session.scalar(select(AuditEvent.id).where(AuditEvent.entity == "member", AuditEvent.entity_id == member_id))


def test_a_county_sees_the_events_of_its_subtree_only(client_for, demo_city, session):
    mine = make_member(session, branch_of(session, "secretary"))  # a branch in the county
    theirs = make_member(session, branch_of(session, "secretary2"))  # a branch in the district
    mine_event, theirs_event = member_event(session, mine.id), member_event(session, theirs.id)
    county, district, admin = client_for("county"), client_for("district"), client_for("admin")

    seen = event_ids(county, entity="member")
    assert mine_event in seen and theirs_event not in seen
    assert theirs_event in event_ids(district, entity="member") and mine_event not in event_ids(district, entity="member")
    assert {mine_event, theirs_event} <= set(event_ids(admin, entity="member"))

    # Events tied to no organization (the demo data's generation) are for the whole city only.
    unplaced = session.scalars(select(AuditEvent.id).where(AuditEvent.org_id.is_(None))).all()
    assert unplaced and set(unplaced) <= set(event_ids(admin))
    everything = county.get(EVENTS, params={"page_size": 100}).json()
    assert not set(unplaced) & {item["id"] for item in everything["items"]}
    county_path = session.get(Organization, auth_service.get_user(session, "county").org_id).path
    in_subtree = select(Organization.id).where(Organization.path.startswith(county_path))
    assert everything["total"] == session.scalar(select(func.count()).where(AuditEvent.org_id.in_(in_subtree)))


@pytest.mark.parametrize("username", ["township", "secretary", "inspector", "member"])
def test_only_organizers_above_the_township_read_the_log(client_for, demo_city, username):
    response = client_for(username).get(EVENTS)
    assert response.status_code == 403 and "audit:event:read" in response.json()["detail"]


def test_personal_data_is_masked_in_before_and_after(client_for, demo_city, session):
    member = make_member(
        session, branch_of(session, "secretary"), phone="13812345678", address="湖南省衡阳市衡阳县西渡镇幸福村12号"
    )
    member_service.update_member(
        session, member.id, MemberUpdate(phone="13987654321", address="湖南省衡阳市衡南县云集镇8号"),
        version=member.version, actor="county", today=TODAY,
    )
    session.flush()
    response = client_for("county").get(EVENTS, params={"entity": "member", "entity_id": member.id})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["action"] for item in items] == ["update", "create"]
    for secret in (member.id_number, "13812345678", "13987654321", "西渡镇", "云集镇"):
        assert secret not in response.text
    update_item = items[0]
    assert update_item["before"]["phone"] == "138****5678" and update_item["after"]["phone"] == "139****4321"
    assert update_item["after"]["id_number"] == mask(member.id_number)
    assert update_item["after"]["address"] == "湖南省衡阳市****"
    assert update_item["after"]["name"] == member.name  # not personal data in this sense
    stored = session.get(AuditEvent, update_item["id"])
    session.refresh(stored)
    assert stored.after["id_number"] == member.id_number  # masked in the answer, not in the log


def created_by(session, actor: str, org: Organization, n: int):
    return [
        member_service.create_member(
            session, MemberCreate(name=f"审计党员{i}", id_number=new_id_number(), org_id=org.id, joined_on=date(2005, 7, 1),
                                  education="21", occupation=Occupation.worker),
            actor=actor, today=TODAY,
        )
        for i in range(n)
    ]


def test_filters_pages_and_beijing_days(client_for, demo_city, session):
    created = created_by(session, "alice", branch_of(session, "secretary"), 3)
    ids = [member_event(session, m.id) for m in created]
    client = client_for("county")
    first = client.get(EVENTS, params={"actor": "alice", "page_size": 2}).json()
    second = client.get(EVENTS, params={"actor": "alice", "page_size": 2, "page": 2}).json()
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [i["id"] for i in first["items"] + second["items"]] == sorted(ids, reverse=True)  # newest first
    assert all(i["at"].endswith("+08:00") for i in first["items"])
    assert event_ids(client, action="create", entity="member", entity_id=created[1].id) == [ids[1]]
    assert event_ids(client, actor="nobody") == []

    # 2024-03-10 02:00 UTC is 10:00 in Beijing; 17:00 UTC is already 11 March there.
    for event_id, at in ((ids[0], datetime(2024, 3, 10, 2, tzinfo=UTC)), (ids[1], datetime(2024, 3, 10, 17, tzinfo=UTC))):
        session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(at=at))
    assert event_ids(client, since="2024-03-10", until="2024-03-10") == [ids[0]]
    assert event_ids(client, since="2024-03-11", until="2024-03-11") == [ids[1]]
    assert event_ids(client, actor="alice", until="2024-03-11") == [ids[1], ids[0]]
    assert event_ids(client, actor="alice", since="2024-03-12") == [ids[2]]

    for params, detail in (
        ({"since": "2024-03-12", "until": "2024-03-11"}, "截止日期：不能早于起始日期"),
        ({"page_size": 101}, "每页条数：数值过大"),
        ({"page": 0}, "页码：数值过小"),
        ({"since": "3月1日"}, "起始日期：日期格式应为“年-月-日”，例如 2025-12-31"),
        ({"until": "0"}, "截止日期：日期格式应为“年-月-日”，例如 2025-12-31"),
        ({"actor": "a\x00b"}, "操作人：格式不正确"),
    ):
        response = client.get(EVENTS, params=params)
        assert response.status_code == 422 and response.json()["detail"] == detail, params


def test_masking_reaches_every_depth_and_only_personal_keys():
    value = {
        "id_number": "430421198005170011", "name": "张三", "is_floating": True, "phone": None,
        "contacts": [{"home_address": "湖南省衡阳市雁峰区先锋路1号", "post": "党支部书记", "work_phone": "07348123456"}],
        "address": ["湖南省衡阳市珠晖区", {"detail": "东风路"}], "count": 3,
    }
    assert masked(value) == {
        "id_number": "430421********0011", "name": "张三", "is_floating": True, "phone": None,
        "contacts": [{"home_address": "湖南省衡阳市****", "post": "党支部书记", "work_phone": "073****3456"}],
        "address": ["湖南省衡****", {"detail": "东****"}], "count": 3,
    }
    assert masked(None) is None
    assert mask_phone("1234567") == "*******" and mask_phone("13812345678") == "138****5678"
    assert mask_address("西渡镇") == "西****"
