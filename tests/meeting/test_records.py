"""Recording organizational life through the API: what a branch secretary relies on."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dangjian.audit.models import AuditEvent
from dangjian.auth import service as auth_service
from dangjian.meeting.models import Meeting, MeetingAttendance, TalkParticipant
from dangjian.member.models import Member
from dangjian.org.models import Organization
from tests.factories import make_member, make_org

TODAY = date.today()


@pytest.fixture
def secretary(session, demo_city, client_for):
    user = auth_service.get_user(session, "secretary")
    return client_for("secretary"), session.get(Organization, user.org_id)


def roster(client, org_id: int, on: date = TODAY) -> list[dict]:
    response = client.get("/api/v1/meetings/attendees", params={"org_id": org_id, "on": on.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


def body(org_id: int, people: list[dict], **extra) -> dict:
    return {"org_id": org_id, "kind": "general_meeting", "held_on": TODAY.isoformat(), "topic": "学习党的二十届四中全会精神",
            "attendance": [{"member_id": p["member_id"], "status": "present"} for p in people], **extra}


def test_record_with_attendance_and_read_it_back(session, secretary):
    client, branch = secretary
    people = roster(client, branch.id)
    assert len(people) >= 3
    data = body(branch.id, people, place="村部会议室", host="书记")
    data["attendance"][1] = {"member_id": people[1]["member_id"], "status": "excused", "reason": "外出务工"}
    data["attendance"][2] = {"member_id": people[2]["member_id"], "status": "absent"}
    created = client.post("/api/v1/meetings", json=data)
    assert created.status_code == 201, created.text
    record = created.json()
    assert (record["present_count"], record["excused_count"], record["absent_count"]) == (len(people) - 2, 1, 1)
    again = client.get(f"/api/v1/meetings/{record['id']}").json()
    by_member = {a["member_id"]: a for a in again["attendance"]}
    assert by_member[people[1]["member_id"]]["reason"] == "外出务工"
    assert by_member[people[2]["member_id"]]["status"] == "absent"
    assert again["may_edit"] is True and again["reason_needed"] is False
    rows = session.scalars(select(MeetingAttendance).where(MeetingAttendance.meeting_id == record["id"])).all()
    assert len(rows) == len(people) and all(r.held_on == TODAY for r in rows)
    listed = client.get("/api/v1/meetings", params={"org_id": branch.id, "kind": "general_meeting"}).json()
    assert record["id"] in [m["id"] for m in listed["items"]]
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "meeting", AuditEvent.entity_id == record["id"]))
    assert event.actor == "secretary" and event.action == "create" and len(event.after["attendance"]) == len(people)


@pytest.mark.parametrize("change, field, words", [
    ({"held_on": (TODAY + timedelta(days=1)).isoformat()}, "held_on", "不能晚于今天"),
    ({"topic": "   "}, "topic", "不能为空"),
    ({"kind": "party_lesson"}, "speaker", "授课人"),
    ({"kind": "group_meeting"}, "group_id", "党小组"),
    ({"attendance": []}, "attendance", "至少"),
])
def test_bad_records_are_refused_with_the_field(session, secretary, change, field, words):
    client, branch = secretary
    people = roster(client, branch.id)
    before = session.scalar(select(Meeting.id).order_by(Meeting.id.desc()).limit(1))
    response = client.post("/api/v1/meetings", json={**body(branch.id, people), **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and words in response.json()["detail"]
    assert session.scalar(select(Meeting.id).order_by(Meeting.id.desc()).limit(1)) == before


def test_attendance_rows_are_checked_one_by_one(session, secretary):
    client, branch = secretary
    people = roster(client, branch.id)
    data = body(branch.id, people)
    data["attendance"][1] = {"member_id": people[1]["member_id"], "status": "excused"}
    response = client.post("/api/v1/meetings", json=data)
    assert response.status_code == 422 and "第2行" in response.json()["detail"] and "请假事由" in response.json()["detail"]

    stranger = session.scalar(select(Member).where(Member.org_id != branch.id, Member.status == "active").limit(1))
    data = body(branch.id, people)
    data["attendance"].append({"member_id": stranger.id, "status": "present"})
    response = client.post("/api/v1/meetings", json=data)
    assert response.status_code == 422
    assert f"第{len(people) + 1}行" in response.json()["detail"] and stranger.name in response.json()["detail"]

    data = body(branch.id, people)
    data["attendance"].append(data["attendance"][0])
    assert "重复" in client.post("/api/v1/meetings", json=data).json()["detail"]


def test_a_member_counts_only_where_they_belonged_that_day(session):
    city = make_org(session, kind="local_committee")
    branch = make_org(session, city, kind="branch", founded_on=date(2000, 1, 1))
    member = make_member(session, branch, joined_on=date(2020, 7, 1), confirmed_on=date(2021, 7, 1), effective_on=date(2020, 7, 1))
    from dangjian.auth.scope import Scope, ScopeKind
    from dangjian.errors import ValidationFailed
    from dangjian.meeting import service as meeting_service
    from dangjian.meeting.schemas import AttendanceIn, MeetingCreate

    record = MeetingCreate(org_id=branch.id, kind="theme_day", held_on=date(2019, 5, 1), topic="主题党日",
                           attendance=[AttendanceIn(member_id=member.id, status="present")])
    with pytest.raises(ValidationFailed, match="不是"):
        meeting_service.create_meeting(session, Scope(ScopeKind.city), record, actor="test")
    record.held_on = date(2021, 5, 1)
    assert meeting_service.create_meeting(session, Scope(ScopeKind.city), record, actor="test").present_count == 1


def test_talks_need_two_people_present(session, secretary):
    client, branch = secretary
    people = roster(client, branch.id)
    one = body(branch.id, people[:1], kind="heart_to_heart_talk")
    assert client.post("/api/v1/meetings", json=one).status_code == 422
    two = body(branch.id, people[:2], kind="heart_to_heart_talk")
    assert client.post("/api/v1/meetings", json=two).status_code == 201


def test_edits_after_the_grace_period_need_a_reason_and_are_audited(session, secretary):
    client, branch = secretary
    record = client.post("/api/v1/meetings", json=body(branch.id, roster(client, branch.id))).json()
    fresh = client.patch(f"/api/v1/meetings/{record['id']}", json={"topic": "改正错字", "version": record["version"]})
    assert fresh.status_code == 200 and fresh.json()["version"] == record["version"] + 1
    stale = client.patch(f"/api/v1/meetings/{record['id']}", json={"topic": "再改", "version": record["version"]})
    assert stale.status_code == 409

    session.get(Meeting, record["id"]).created_at = datetime.now(UTC) - timedelta(days=31)
    session.flush()
    current = client.get(f"/api/v1/meetings/{record['id']}").json()
    assert current["reason_needed"] is True
    refused = client.patch(f"/api/v1/meetings/{record['id']}", json={"topic": "补记", "version": current["version"]})
    assert refused.status_code == 422 and refused.json()["field"] == "edit_reason"
    done = client.patch(f"/api/v1/meetings/{record['id']}",
                        json={"topic": "补记", "version": current["version"], "edit_reason": "原记录主题有误"})
    assert done.status_code == 200
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "meeting", AuditEvent.entity_id == record["id"],
                                                    AuditEvent.action == "update").order_by(AuditEvent.id.desc()))
    assert event.before["topic"] == "改正错字" and event.after["topic"] == "补记"
    assert event.after["edit_reason"] == "原记录主题有误"
    assert client.delete(f"/api/v1/meetings/{record['id']}", params={"version": done.json()["version"]}).status_code == 422
    assert client.delete(f"/api/v1/meetings/{record['id']}",
                         params={"version": done.json()["version"], "reason": "重复录入"}).status_code == 204
    assert client.get(f"/api/v1/meetings/{record['id']}").status_code == 404


def test_attachments_are_checked_kept_and_given_back(session, secretary):
    client, branch = secretary
    record = client.post("/api/v1/meetings", json=body(branch.id, roster(client, branch.id))).json()
    url = f"/api/v1/meetings/{record['id']}/attachments"
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    uploaded = client.post(url, files={"file": ("签到表.png", png, "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["size"] == len(png) and uploaded.json()["filename"] == "签到表.png"
    download = client.get(f"{url}/{uploaded.json()['id']}")
    assert download.content == png and download.headers["content-type"] == "image/png"
    fake = client.post(url, files={"file": ("病毒.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert fake.status_code == 422 and "不符" in fake.json()["detail"]
    script = client.post(url, files={"file": ("a.html", b"<script>", "text/html")})
    assert script.status_code == 422 and "类型不允许" in script.json()["detail"]
    assert client.get(f"/api/v1/meetings/{record['id']}").json()["attachments"][0]["id"] == uploaded.json()["id"]
    assert client.delete(f"{url}/{uploaded.json()['id']}").status_code == 204
    assert client.get(f"/api/v1/meetings/{record['id']}").json()["attachments"] == []


def test_attachments_over_the_limit_are_refused(session, secretary, monkeypatch):
    from dangjian.config import get_settings

    client, branch = secretary
    record = client.post("/api/v1/meetings", json=body(branch.id, roster(client, branch.id))).json()
    monkeypatch.setattr(get_settings(), "attachment_max_bytes", 1000)
    response = client.post(f"/api/v1/meetings/{record['id']}/attachments",
                           files={"file": ("大.pdf", b"%PDF" + b"0" * 2000, "application/pdf")})
    assert response.status_code in (413, 422) and "超过" in response.json()["detail"]


def test_party_groups_and_group_meetings(session, secretary):
    client, branch = secretary
    for old in client.get("/api/v1/party-groups", params={"org_id": branch.id}).json():  # start without groups
        client.patch(f"/api/v1/party-groups/{old['id']}", json={"dissolved_on": TODAY.isoformat()})
    people = roster(client, branch.id)
    ids = [p["member_id"] for p in people[:3]]
    group = client.post("/api/v1/party-groups", json={"org_id": branch.id, "name": "第一党小组", "leader_id": ids[0],
                                                      "founded_on": "2020-01-01", "member_ids": ids})
    assert group.status_code == 201, group.text
    assert group.json()["leader"]["id"] == ids[0] and len(group.json()["members"]) == 3
    clash = client.post("/api/v1/party-groups", json={"org_id": branch.id, "name": "第二党小组", "founded_on": "2020-01-01",
                                                      "member_ids": ids[:1]})
    assert clash.status_code == 422 and "另一个党小组" in clash.json()["detail"]
    meeting = body(branch.id, people, kind="group_meeting", group_id=group.json()["id"])
    outsider = client.post("/api/v1/meetings", json=meeting)
    if len(people) > 3:  # members outside the group cannot be listed
        assert outsider.status_code == 422 and "该党小组" in outsider.json()["detail"]
    meeting["attendance"] = meeting["attendance"][:3]
    assert client.post("/api/v1/meetings", json=meeting).status_code == 201
    groups = client.get("/api/v1/party-groups", params={"org_id": branch.id}).json()
    assert [g["name"] for g in groups if g["dissolved_on"] is None] == ["第一党小组"]


def test_a_member_sees_the_records_they_attended(session, demo_city, client_for, secretary):
    client, branch = secretary
    me = auth_service.get_user(session, "member")
    mine = session.get(Member, me.member_id)
    others = client_for("admin")
    people = roster(others, mine.org_id)
    record = others.post("/api/v1/meetings", json=body(mine.org_id, [p for p in people if p["member_id"] == me.member_id])).json()
    member = client_for("member")
    listed = member.get("/api/v1/meetings").json()["items"]
    assert record["id"] in [m["id"] for m in listed]
    assert all(session.scalar(select(MeetingAttendance.member_id).where(MeetingAttendance.meeting_id == m["id"],
                                                                        MeetingAttendance.member_id == me.member_id)) for m in listed)
    mine_only = member.get("/api/v1/stats/org-life/participation").json()["items"]
    assert [p["member"]["id"] for p in mine_only] == [me.member_id]


def test_compliance_counts_match_the_branch_list(session, demo_city_with_meetings, client_for):
    client = client_for("county")
    report = client.get("/api/v1/stats/org-life").json()
    counts = report["counts"]
    assert counts["total"] == counts["regular"] + counts["irregular"] + counts["half_paralysed"] + counts["paralysed"]
    assert sum(c["counts"]["total"] for c in report["children"]) <= counts["total"]
    branches = client.get("/api/v1/stats/org-life/branches", params={"page_size": 200}).json()
    assert branches["total"] == counts["total"]
    severity = ["paralysed", "half_paralysed", "irregular", "regular"]
    order = [severity.index(b["status"]) for b in branches["items"]]
    assert order == sorted(order)
    if branches["items"]:
        first = branches["items"][0]
        detail = client.get(f"/api/v1/stats/org-life/branches/{first['org']['id']}").json()
        assert detail["branch"]["status"] == first["status"]
        for kind in detail["kinds"]:
            assert len(kind["periods"]) == kind["asked"]
            assert sum(p["status"] == "done" for p in kind["periods"]) == kind["covered"]


def test_report_period_is_checked(session, demo_city, client_for):
    client = client_for("admin")
    future = client.get("/api/v1/stats/org-life", params={"end": (TODAY + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and future.json()["field"] == "end"
    backwards = client.get("/api/v1/stats/org-life", params={"start": "2026-06-01", "end": "2026-01-01"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "start"


def talkers(session) -> set[tuple]:
    return set(session.execute(select(TalkParticipant.org_id, TalkParticipant.year, TalkParticipant.member_id,
                                      TalkParticipant.first_on)).all())


def recomputed(session) -> set[tuple]:
    """What talk_participant must hold, computed again from the talk records."""
    rows = session.execute(
        select(Meeting.org_id, Meeting.held_on, MeetingAttendance.member_id)
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(Meeting.kind == "heart_to_heart_talk", MeetingAttendance.status == "present")
    ).all()
    first: dict[tuple, date] = {}
    for org_id, held_on, member_id in rows:
        key = (org_id, held_on.year, member_id)
        first[key] = min(first.get(key, held_on), held_on)
    return {(*key, day) for key, day in first.items()}


def test_talk_participants_follow_every_write(session, secretary):
    client, branch = secretary
    people = roster(client, branch.id)
    early = TODAY - timedelta(days=40) if (TODAY - timedelta(days=40)).year == TODAY.year else TODAY
    talk = client.post("/api/v1/meetings", json=body(branch.id, people[:2], kind="heart_to_heart_talk",
                                                     held_on=TODAY.isoformat())).json()
    assert {(branch.id, TODAY.year, p["member_id"], TODAY) for p in people[:2]} <= talkers(session)
    moved = client.patch(f"/api/v1/meetings/{talk['id']}", json={
        "held_on": early.isoformat(), "version": talk["version"],
        "attendance": [{"member_id": people[0]["member_id"], "status": "present"},
                       {"member_id": people[1]["member_id"], "status": "present"},
                       {"member_id": people[2]["member_id"], "status": "absent"}]})
    assert moved.status_code == 200, moved.text
    assert talkers(session) == recomputed(session)
    assert (branch.id, TODAY.year, people[2]["member_id"]) not in {row[:3] for row in talkers(session)}
    not_a_talk = client.patch(f"/api/v1/meetings/{talk['id']}", json={"kind": "theme_day", "version": moved.json()["version"]})
    assert not_a_talk.status_code == 200, not_a_talk.text
    assert talkers(session) == recomputed(session)
    again = client.patch(f"/api/v1/meetings/{talk['id']}", json={"kind": "heart_to_heart_talk",
                                                                   "version": not_a_talk.json()["version"]})
    assert talkers(session) == recomputed(session)
    assert client.delete(f"/api/v1/meetings/{talk['id']}", params={"version": again.json()["version"]}).status_code == 204
    assert talkers(session) == recomputed(session)


def test_the_demo_city_holds_its_talk_participants(session, demo_city_with_meetings):
    held = talkers(session)
    assert held and held == recomputed(session)


def test_participation_pages_the_least_present_first(session, demo_city_with_meetings, client_for):
    client = client_for("township")
    start, end = date(TODAY.year, 1, 1), TODAY
    first = client.get("/api/v1/stats/org-life/participation",
                       params={"start": start.isoformat(), "end": end.isoformat(), "page_size": 20}).json()
    township = session.get(Organization, auth_service.get_user(session, "township").org_id)
    expected = session.scalar(
        select(func.count(func.distinct(MeetingAttendance.member_id)))
        .join(Member, Member.id == MeetingAttendance.member_id)
        .join(Organization, Organization.id == Member.org_id)
        .where(Organization.path.startswith(township.path), MeetingAttendance.held_on >= start,
               MeetingAttendance.held_on <= end)
    )
    assert first["total"] == expected > 20
    rates = [item["rate"] for item in first["items"]]
    assert rates == sorted(rates)
    second = client.get("/api/v1/stats/org-life/participation",
                        params={"start": start.isoformat(), "end": end.isoformat(), "page_size": 20, "page": 2}).json()
    assert second["total"] == expected and second["items"][0]["rate"] >= rates[-1]
    assert not {i["member"]["id"] for i in first["items"]} & {i["member"]["id"] for i in second["items"]}
    beyond = client.get("/api/v1/stats/org-life/participation",
                        params={"start": start.isoformat(), "end": end.isoformat(), "page_size": 20,
                                "page": expected // 20 + 2}).json()
    assert beyond["items"] == [] and beyond["total"] == expected
