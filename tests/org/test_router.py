from datetime import date, timedelta

from sqlalchemy import func, select

from dangjian.audit.models import AuditEvent
from dangjian.auth.models import InspectorArea, User
from dangjian.member.models import Member
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization, Unit
from tests.conftest import count_rows

ORGS = "/api/v1/orgs"
ON = date(2026, 1, 15).isoformat()


def anchor(session, username: str) -> Organization:
    return session.get(Organization, session.scalar(select(User.org_id).where(User.username == username)))


def active_members(session, *where) -> int:
    return session.scalar(select(func.count()).select_from(Member).join(Organization, Organization.id == Member.org_id)
                          .where(Member.status == "active", *where))


def live_children(session, org: Organization, *kinds: str) -> list[Organization]:
    query = select(Organization).where(Organization.parent_id == org.id, Organization.dissolved_on.is_(None))
    if kinds:
        query = query.where(Organization.kind.in_(kinds))
    return list(session.scalars(query.order_by(Organization.code)))


def branch_with_members(session, parent: Organization) -> Organization:
    return next(b for b in live_children(session, parent, *BRANCH_KINDS) if active_members(session, Member.org_id == b.id))


def new_branch(client, parent_id: int, **fields) -> dict:
    response = client.post(ORGS, json={"parent_id": parent_id, "name": "测试新建党支部", "kind": "branch",
                                       "founded_on": ON, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_roots_follow_the_scope_of_each_role(client_for, demo_city, session):
    city = session.scalar(select(Organization).where(Organization.parent_id.is_(None)))
    expected = {
        "admin": [city.id],
        "county": [anchor(session, "county").id],
        "secretary": [anchor(session, "secretary").id],
        "member": [],
    }
    for username, ids in expected.items():
        response = client_for(username).get(f"{ORGS}/roots")
        assert response.status_code == 200
        assert [node["id"] for node in response.json()] == ids, username
    areas = session.scalars(select(InspectorArea.org_id).join(User).where(User.username == "inspector")).all()
    codes = sorted(session.get(Organization, i).code for i in areas)
    assert [n["code"] for n in client_for("inspector").get(f"{ORGS}/roots").json()] == codes
    assert client_for("member").get(f"{ORGS}/{city.id}/children").status_code == 403


def test_children_counts_equal_counts_taken_directly(client_for, demo_city, session):
    city = session.scalar(select(Organization).where(Organization.parent_id.is_(None)))
    nodes = client_for("admin").get(f"{ORGS}/{city.id}/children").json()
    counties = live_children(session, city)
    assert len(nodes) == len(counties) == 12
    assert [n["code"] for n in nodes] == [c.code for c in counties]
    for node, county in zip(nodes, counties, strict=True):
        assert node["member_count"] == active_members(session, Member.org_id == county.id)
        assert node["subtree_member_count"] == active_members(session, Organization.path.startswith(county.path))
        assert node["subtree_member_count"] > 0 and node["has_children"] is True
        assert node["kind_label"] == "地方党委"
    township = anchor(session, "township")
    nodes = client_for("county").get(f"{ORGS}/{township.id}/children").json()
    assert [n["id"] for n in nodes] == [o.id for o in live_children(session, township)]
    for node in nodes:
        org = session.get(Organization, node["id"])
        assert node["member_count"] == active_members(session, Member.org_id == org.id)
        assert node["subtree_member_count"] == active_members(session, Organization.path.startswith(org.path))
        assert node["has_children"] == bool(live_children(session, org))
    assert sum(n["subtree_member_count"] for n in nodes) == active_members(
        session, Organization.path.startswith(township.path), Organization.id != township.id)


def test_children_stay_within_the_scope(client_for, demo_city, session):
    city = session.scalar(select(Organization).where(Organization.parent_id.is_(None)))
    county, other = anchor(session, "county"), anchor(session, "district")
    client = client_for("county")
    assert {n["id"] for n in client.get(f"{ORGS}/{county.id}/children").json()} == {o.id for o in live_children(session, county)}
    assert client.get(f"{ORGS}/{city.id}/children").status_code == 404
    assert client.get(f"{ORGS}/{other.id}/children").status_code == 404
    secretary = client_for("secretary")
    branch = anchor(session, "secretary")
    assert secretary.get(f"{ORGS}/{branch.id}/children").json() == []
    assert secretary.get(f"{ORGS}/{branch.parent_id}/children").status_code == 404
    roots = secretary.get(f"{ORGS}/roots").json()
    assert roots[0]["member_count"] == active_members(session, Member.org_id == branch.id) > 0


def test_search_stays_within_scope_with_breadcrumbs(client_for, demo_city, session):
    county = anchor(session, "county")
    hits = client_for("county").get(f"{ORGS}/search", params={"q": "支部", "limit": 100}).json()
    assert hits and all(session.get(Organization, h["id"]).path.startswith(county.path) for h in hits)
    assert all(h["path_names"][0] == county.name for h in hits)
    everywhere = client_for("admin").get(f"{ORGS}/search", params={"q": "支部", "limit": 100}).json()
    assert len(everywhere) == 100 and any(not session.get(Organization, h["id"]).path.startswith(county.path) for h in everywhere)
    assert everywhere[0]["path_names"][0].endswith("市委员会")
    by_code = client_for("county").get(f"{ORGS}/search", params={"q": county.code, "limit": 5}).json()
    assert len(by_code) == 5 and by_code[0]["id"] == county.id and by_code[0]["path_names"] == []
    assert client_for("district").get(f"{ORGS}/search", params={"q": county.code}).json() == []
    branch = anchor(session, "secretary")
    mine = client_for("secretary").get(f"{ORGS}/search", params={"q": branch.name}).json()
    assert [(h["id"], h["path_names"]) for h in mine] == [(branch.id, [])]
    for params, field in (({"q": ""}, "q"), ({"q": "x" * 65}, "q"), ({"q": "村", "limit": 0}, "limit"), ({"q": "村", "limit": 101}, "limit")):
        response = client_for("county").get(f"{ORGS}/search", params=params)
        assert response.status_code == 422 and response.json()["field"] == field


def test_detail_out_of_scope_answers_like_a_missing_id(client_for, demo_city, session):
    client = client_for("county")
    other = anchor(session, "district")
    hidden = client.get(f"{ORGS}/{other.id}")
    missing = client.get(f"{ORGS}/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == {**missing.json(), "detail": missing.json()["detail"].replace("999999", str(other.id))}
    assert client_for("member").get(f"{ORGS}/{other.id}").status_code == 403


def test_detail_counts_parent_unit_and_classification(client_for, demo_city, session):
    township = anchor(session, "township")
    detail = client_for("county").get(f"{ORGS}/{township.id}").json()
    assert detail["parent"] == {"id": township.parent_id, "name": session.get(Organization, township.parent_id).name}
    probationary = active_members(session, Member.org_id == township.id, Member.confirmed_on.is_(None))
    counts = detail["counts"]
    assert counts["members"] == active_members(session, Member.org_id == township.id)
    assert (counts["full"], counts["probationary"]) == (counts["members"] - probationary, probationary)
    assert counts["subtree_members"] == active_members(session, Organization.path.startswith(township.path))
    assert counts["children"] == len(live_children(session, township))
    assert detail["division"]["id"] == township.division_id and detail["kind_label"] == "基层党委"
    branch = anchor(session, "secretary")
    mine = client_for("secretary").get(f"{ORGS}/{branch.id}").json()
    assert mine["parent"] is None and mine["parent_id"] == township.id
    assert mine["unit"]["id"] == branch.unit_id and mine["unit"]["kind_label"] == "建制村"
    assert mine["classification"]["grade_label"] in ("一类", "二类", "三类")
    assert mine["counts"]["members"] == active_members(session, Member.org_id == branch.id) > 0


def test_create_under_a_visible_parent_is_audited(client_for, demo_city, session):
    township = anchor(session, "township")
    client = client_for("county")
    created = new_branch(client, township.id, division_code="430421101")
    assert created["parent"] == {"id": township.id, "name": township.name}
    assert created["path"] == f"{township.path}{created['id']}/" and created["version"] == 1
    assert [(e["action"], e["actor"]) for e in created["history"]] == [("create", "county")]
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "organization", AuditEvent.entity_id == created["id"]))
    assert (event.actor, event.org_id, event.action) == ("county", created["id"], "create")
    nodes = client.get(f"{ORGS}/{township.id}/children").json()
    assert {"id": created["id"], "member_count": 0, "subtree_member_count": 0, "has_children": False}.items() <= next(
        n for n in nodes if n["id"] == created["id"]).items()


def test_create_outside_the_scope_or_without_parent_is_refused(client_for, demo_city, session):
    other = anchor(session, "district")
    client = client_for("county")
    before = count_rows(session, "organization"), count_rows(session, "audit_event")
    hidden = client.post(ORGS, json={"parent_id": other.id, "name": "越权党支部", "kind": "branch"})
    assert hidden.status_code == 404 and hidden.json()["field"] == "parent_id"
    missing = client.post(ORGS, json={"parent_id": 999999, "name": "越权党支部", "kind": "branch"})
    assert missing.json() == {**hidden.json(), "detail": hidden.json()["detail"].replace(str(other.id), "999999")}
    root = client.post(ORGS, json={"parent_id": None, "name": "新市委", "kind": "local_committee"})
    assert root.status_code == 422 and root.json()["field"] == "parent_id"
    assert (count_rows(session, "organization"), count_rows(session, "audit_event")) == before


def test_read_only_roles_cannot_write(client_for, demo_city, session):
    branch = anchor(session, "secretary")
    org_events = select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "organization")
    before = session.scalar(org_events), count_rows(session, "organization")
    for username in ("inspector", "secretary", "member"):
        client = client_for(username)
        calls = [
            client.post(ORGS, json={"parent_id": branch.parent_id, "name": "新党支部", "kind": "branch"}),
            client.patch(f"{ORGS}/{branch.id}", json={"name": "改名", "version": 1}),
            client.post(f"{ORGS}/{branch.id}/move", json={"new_parent_id": branch.parent_id, "moved_on": ON, "version": 1}),
            client.post(f"{ORGS}/{branch.id}/dissolve", json={"dissolved_on": ON, "reason": "merged", "version": 1}),
        ]
        assert [c.status_code for c in calls] == [403] * 4, username
        assert calls[0].json()["error"] == "Forbidden"
    assert (session.scalar(org_events), count_rows(session, "organization")) == before
    assert session.get(Organization, branch.id).name != "改名"


def test_edit_is_audited_and_a_stale_version_changes_nothing(client_for, demo_city, session):
    township = anchor(session, "township")
    old_name, old_code = township.name, township.code
    client = client_for("county")
    edited = client.patch(f"{ORGS}/{township.id}", json={"name": "中共新名镇委员会", "version": 1})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["name"], body["version"]) == ("中共新名镇委员会", 2)
    assert body["history"][0]["action"] == "update" and body["history"][0]["actor"] == "county"
    assert (body["history"][0]["before"]["name"], body["history"][0]["after"]["name"]) == (old_name, "中共新名镇委员会")
    stale = client.patch(f"{ORGS}/{township.id}", json={"name": "另一个名字", "code": "X-1", "version": 1})
    assert stale.status_code == 409
    assert stale.json() == {"error": "Conflict", "detail": "该党组织已被他人修改，请刷新后重试", "field": "version"}
    again = client.get(f"{ORGS}/{township.id}").json()
    assert (again["name"], again["code"], again["version"]) == ("中共新名镇委员会", old_code, 2)
    assert client_for("township").get(f"{ORGS}/{township.id}").json()["name"] == "中共新名镇委员会"


def test_edit_validation_names_the_field(client_for, demo_city, session):
    branch = anchor(session, "secretary")
    other = session.scalar(select(Organization).where(Organization.id != branch.id, Organization.parent_id == branch.parent_id))
    outside_unit = session.scalar(select(func.max(Unit.id))) + 1000
    client = client_for("township")
    cases = [
        ({"name": "  "}, "name", "名称不能为空"),
        ({"name": ""}, "name", "过短"),
        ({"name": None}, "name", "名称不能为空"),
        ({"code": other.code}, "code", "编码已存在"),
        ({"division_code": "439999999"}, "division_code", "行政区划代码不存在：439999999"),
        ({"founded_on": "2025-13-01"}, "founded_on", "成立日期：日期格式"),
        ({"founded_on": (date.today() + timedelta(days=1)).isoformat()}, "founded_on", "不能晚于今天"),
        ({"founded_on": "1900-01-01"}, "founded_on", "早于上级党组织的成立日期"),
        ({"unit_id": outside_unit}, "unit_id", f"所在单位不存在：{outside_unit}"),
        ({"unit_id": 0}, "unit_id", "数值过小"),
        ({}, "version", "不能为空"),
    ]
    for change, field, message in cases:
        payload = {"version": 1, **change} if change else {"name": "新名"}
        response = client.patch(f"{ORGS}/{branch.id}", json=payload)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["field"] == field and message in response.json()["detail"], (change, response.json())
    assert client.get(f"{ORGS}/{branch.id}").json()["version"] == 1
    founded = client.patch(f"{ORGS}/{branch.id}", json={"founded_on": "2000-02-02", "unit_id": None, "version": 1}).json()
    assert (founded["founded_on"], founded["unit"], founded["version"]) == ("2000-02-02", None, 2)
    assert client_for("admin").get(f"{ORGS}/{branch.id}").json()["founded_on"] == "2000-02-02"


def test_move_flow(client_for, demo_city, session):
    county, township = anchor(session, "county"), anchor(session, "township")
    branch = branch_with_members(session, township)
    target = live_children(session, township, "committee", "general_branch")[0]
    moved_members = active_members(session, Member.org_id == branch.id)
    before_target = client_for("county").get(f"{ORGS}/{target.id}").json()["counts"]["subtree_members"]
    client = client_for("township")
    assert client.post(f"{ORGS}/{township.id}/move", json={"new_parent_id": county.id, "moved_on": ON, "version": 1}).status_code == 403
    hidden = client.post(f"{ORGS}/{branch.id}/move", json={"new_parent_id": county.id, "moved_on": ON, "version": 1})
    assert hidden.status_code == 404 and hidden.json()["field"] == "new_parent_id"
    stale = client.post(f"{ORGS}/{branch.id}/move", json={"new_parent_id": target.id, "moved_on": ON, "version": 7})
    assert stale.status_code == 409
    early = client.post(f"{ORGS}/{branch.id}/move", json={"new_parent_id": target.id, "moved_on": "1900-01-01", "version": 1})
    assert early.status_code == 422 and early.json()["field"] == "moved_on"
    assert session.get(Organization, branch.id).parent_id == township.id
    moved = client.post(f"{ORGS}/{branch.id}/move", json={"new_parent_id": target.id, "moved_on": ON, "version": 1})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["parent"]["id"], body["path"], body["version"]) == (target.id, f"{target.path}{branch.id}/", 2)
    assert body["history"][0]["action"] == "move" and body["history"][0]["before"]["parent_id"] == township.id
    after_target = client.get(f"{ORGS}/{target.id}").json()["counts"]["subtree_members"]
    assert after_target == before_target + moved_members
    assert branch.id in [n["id"] for n in client.get(f"{ORGS}/{target.id}/children").json()]
    assert branch.id not in [n["id"] for n in client.get(f"{ORGS}/{township.id}/children").json()]


def test_dissolve_flow(client_for, demo_city, session):
    township = anchor(session, "township")
    busy = branch_with_members(session, township)
    client = client_for("township")
    refused = client.post(f"{ORGS}/{busy.id}/dissolve", json={"dissolved_on": ON, "reason": "merged", "version": 1})
    assert refused.status_code == 422
    assert refused.json() == {"error": "ValidationFailed", "detail": "该党组织还有党员，请先转接党员的组织关系", "field": "org_id"}
    created = new_branch(client, township.id)
    stale = client.post(f"{ORGS}/{created['id']}/dissolve", json={"dissolved_on": ON, "reason": "merged", "version": 2})
    assert stale.status_code == 409
    bad = client.post(f"{ORGS}/{created['id']}/dissolve", json={"dissolved_on": ON, "reason": "bored", "version": 1})
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    done = client.post(f"{ORGS}/{created['id']}/dissolve", json={"dissolved_on": ON, "reason": "too_few_members", "version": 1})
    assert done.status_code == 200, done.text
    assert (done.json()["dissolved_on"], done.json()["dissolve_reason"], done.json()["version"]) == (ON, "too_few_members", 2)
    assert [e["action"] for e in done.json()["history"]] == ["dissolve", "create"]
    live = client.get(f"{ORGS}/{township.id}/children").json()
    everything = client.get(f"{ORGS}/{township.id}/children", params={"include_dissolved": "true"}).json()
    assert created["id"] not in [n["id"] for n in live]
    assert next(n for n in everything if n["id"] == created["id"])["dissolved_on"] == ON
    again = client.post(f"{ORGS}/{created['id']}/dissolve", json={"dissolved_on": ON, "reason": "merged", "version": 2})
    assert again.status_code == 422 and "已于" in again.json()["detail"]


def test_lookups_for_the_forms(client_for, demo_city, session):
    client = client_for("secretary")
    top = client.get("/api/v1/divisions").json()
    assert [(d["code"], d["has_children"]) for d in top] == [("430400", True)]
    counties = client.get("/api/v1/divisions", params={"parent_code": "430400"}).json()
    assert len(counties) == 12 and {d["level"] for d in counties} == {"county"} and "430421" in [d["code"] for d in counties]
    unknown = client.get("/api/v1/divisions", params={"parent_code": "439999"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "parent_code"
    branch = anchor(session, "secretary")
    linked = set(session.scalars(select(Organization.unit_id).where(Organization.unit_id.is_not(None))))
    expected = {u for u in session.scalars(select(Unit.id)) if u not in linked} | {branch.unit_id}
    assert {u["id"] for u in client.get("/api/v1/units", params={"limit": 100}).json()} == expected
    assert len(client_for("admin").get("/api/v1/units", params={"limit": 100}).json()) == min(100, count_rows(session, "unit"))
    villages = client_for("county").get("/api/v1/units", params={"kind": "village", "limit": 100}).json()
    assert villages and all(u["kind"] == "village" for u in villages)
    assert client.get("/api/v1/units", params={"kind": "castle"}).status_code == 422
    assert client_for("member").get("/api/v1/units").status_code == 403
