"""/members over HTTP, against the demo city: filters checked against independent queries, scope,
masking of personal data, the audited reveal, versions and the read-only floating-in member."""

import json
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from dangjian.audit.models import AuditEvent
from dangjian.auth.models import User
from dangjian.kit.idcard import mask
from dangjian.member import service as member_service
from dangjian.member.codes import EDUCATIONS, Employment, LeaveReason
from dangjian.member.models import Member, MemberEvent, MemberPeriod
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization
from tests.conftest import count_rows
from tests.factories import make_member, new_id_number

MEMBERS = "/api/v1/members"
ERROR_KEYS = {"error", "detail", "field"}
MISSING = 2_000_000_000  # an id no test database reaches


# ------------------------------------------------------------------ independent reading of the data

def anchor(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def descendants(session, root_id: int) -> set[int]:
    """The organization and all below it, walking parent links (not the materialized path)."""
    children = defaultdict(list)
    for org_id, parent_id in session.execute(select(Organization.id, Organization.parent_id)):
        children[parent_id].append(org_id)
    found, todo = set(), [root_id]
    while todo:
        org_id = todo.pop()
        found.add(org_id)
        todo.extend(children[org_id])
    return found


def members_under(session, root_id: int, *, status: str | None = "active", formal: bool = False) -> list[Member]:
    """Members of the subtree (and, unless `formal`, those floating into it), by id."""
    orgs = descendants(session, root_id)
    return [
        m for m in session.scalars(select(Member).order_by(Member.id))
        if (m.org_id in orgs or (not formal and m.inflow_org_id in orgs)) and (status is None or m.status == status)
    ]


def branch_in(session, root_id: int, *, skip: int = 0) -> Organization:
    orgs = descendants(session, root_id)
    branches = session.scalars(
        select(Organization).where(Organization.kind.in_([k.value for k in BRANCH_KINDS]), Organization.dissolved_on.is_(None))
        .order_by(Organization.id)
    ).all()
    return [b for b in branches if b.id in orgs][skip]


def age(born: date, today: date) -> int:
    years = today.year - born.year
    return years - 1 if (today.month, today.day) < (born.month, born.day) else years


def fetch_all(client, page_size: int = 100, **params) -> tuple[list[dict], int]:
    """Every item of a listing, page by page, checking that pages neither overlap nor leave gaps."""
    items, page = [], 1
    while True:
        response = client.get(MEMBERS, params={**params, "page": page, "page_size": page_size})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["page"], body["page_size"]) == (page, page_size)
        assert len(body["items"]) == min(page_size, max(0, body["total"] - (page - 1) * page_size))
        items += body["items"]
        if page * page_size >= body["total"]:
            ids = [item["id"] for item in items]
            assert len(ids) == len(set(ids)) == body["total"]
            return items, body["total"]
        page += 1


def ids_of(items) -> set[int]:
    return {item["id"] for item in items}


def without_id(body: dict, number: int) -> dict:
    return {**body, "detail": body["detail"].replace(str(number), "#")}


def create_body(org_id: int, /, **change) -> dict:
    return {
        "name": "测试党员", "id_number": new_id_number(date(1988, 8, 8)), "org_id": org_id, "joined_on": "2012-06-30",
        "confirmed_on": "2013-06-30", "education": "21", "occupation": "worker", "phone": "13907341234",
        "address": "湖南省衡阳市衡阳县西渡镇测试路8号", **change,
    }


@pytest.fixture
def county_root(session, demo_city) -> int:
    return anchor(session, "county").org_id


# ------------------------------------------------------------------ listing

def test_every_filter_matches_an_independent_query(session, demo_city, client_for):
    today = date.today()
    root = anchor(session, "street").org_id  # a street: small enough to page through quickly
    branch = branch_in(session, root)
    # Make sure every filter has something to find in this small city.
    make_member(session, branch, lost_contact_on=date(2024, 5, 1))
    make_member(session, branch, is_floating=True, outflow_place=None, inflow_place="广东省深圳市",
                joined_on=date(2025, 3, 1), confirmed_on=None, birth_on=date(1999, 1, 2))
    gone = make_member(session, branch)
    member_service.leave_member(session, gone.id, reason=LeaveReason.death, left_on=date(2025, 1, 1), actor="t")
    everyone = members_under(session, root, status=None)
    active = [m for m in everyone if m.status == "active"]
    children = session.scalars(select(Organization.id).where(Organization.parent_id == root)).all()
    under = {c: descendants(session, c) for c in children}
    child = max(children, key=lambda c: sum(m.org_id in under[c] or m.inflow_org_id in under[c] for m in active))
    sample = active[len(active) // 2]
    group = EDUCATIONS[sample.education][1]
    same_group = {code for code, (_, g) in EDUCATIONS.items() if g is group}
    surname, occupation, employment = sample.name[0], sample.occupation, sample.employment
    sample_age = age(sample.birth_on, today)
    cases = [
        ({}, lambda m: True),
        ({"org_id": child}, lambda m: m.org_id in under[child] or m.inflow_org_id in under[child]),
        ({"name": surname}, lambda m: surname in m.name),
        ({"id_tail": sample.id_number[-4:]}, lambda m: m.id_number.endswith(sample.id_number[-4:])),
        ({"id_tail": sample.id_number[-6:].lower()}, lambda m: m.id_number.endswith(sample.id_number[-6:])),
        ({"status": "left"}, lambda m: True),
        ({"gender": "female"}, lambda m: m.gender == "female"),
        ({"age_min": 30, "age_max": 45}, lambda m: 30 <= age(m.birth_on, today) <= 45),
        ({"age_min": sample_age, "age_max": sample_age}, lambda m: age(m.birth_on, today) == sample_age),
        ({"age_min": 60}, lambda m: age(m.birth_on, today) >= 60),
        ({"age_max": 35}, lambda m: age(m.birth_on, today) <= 35),
        ({"education_group": group.value}, lambda m: m.education in same_group),
        ({"education": sample.education}, lambda m: m.education == sample.education),
        ({"occupation": occupation}, lambda m: m.occupation == occupation),
        ({"employment": employment}, lambda m: m.employment == employment),
        ({"floating": "true"}, lambda m: m.is_floating),
        ({"floating": "false"}, lambda m: not m.is_floating),
        ({"lost_contact": "true"}, lambda m: m.lost_contact_on is not None),
        ({"lost_contact": "false"}, lambda m: m.lost_contact_on is None),
        ({"without_post": "true"}, lambda m: not m.post),
        ({"without_post": "false"}, lambda m: bool(m.post)),
        ({"probationary": "true"}, lambda m: m.confirmed_on is None),
        ({"probationary": "false"}, lambda m: m.confirmed_on is not None),
        ({"gender": sample.gender, "occupation": occupation, "age_min": sample_age - 2},
         lambda m: m.gender == sample.gender and m.occupation == occupation and age(m.birth_on, today) >= sample_age - 2),
    ]
    client = client_for("street")
    for params, keep in cases:
        status = params.get("status", "active")
        expected = {m.id for m in everyone if m.status == status and keep(m)}
        items, total = fetch_all(client, **params)
        assert ids_of(items) == expected, params
        assert 0 < total, params
        if params and "status" not in params:
            assert total < len(active), params  # the filter did filter


def test_sorts_and_pages_without_overlap(session, demo_city, client_for):
    active = members_under(session, anchor(session, "street").org_id)
    client = client_for("street")
    for sort in ("name", "-name", "birth_on", "-birth_on", "joined_on", "-joined_on", "id"):
        items, total = fetch_all(client, page_size=37, sort=sort)
        assert total == len(active) > 37
        got = [item["id"] for item in items]
        field, descending = sort.lstrip("-"), sort.startswith("-")
        if field == "name":  # the database's own collation decides the order of names
            order = (Member.name.desc(), Member.id.desc()) if descending else (Member.name, Member.id)
            expected = list(session.scalars(select(Member.id).where(Member.id.in_(got)).order_by(*order)))
        else:
            expected = [m.id for m in sorted(active, key=lambda m: (getattr(m, field), m.id), reverse=descending)]
        assert got == expected, sort


def test_whole_city_for_the_admin_and_pages_past_the_end(session, demo_city, client_for):
    active = [m for m in session.scalars(select(Member)) if m.status == "active"]
    assert any(m.org_id is None for m in active)  # members floating in from outside the city count too
    admin = client_for("admin")
    body = admin.get(MEMBERS, params={"sort": "-birth_on", "page_size": 100, "page": 2}).json()
    expected = sorted(active, key=lambda m: (m.birth_on, m.id), reverse=True)[100:200]
    assert body["total"] == len(active) and [item["id"] for item in body["items"]] == [m.id for m in expected]
    for client, total in ((admin, len(active)), (client_for("street"), len(members_under(session, anchor(session, "street").org_id)))):
        past = client.get(MEMBERS, params={"page": 1000, "page_size": 100}).json()
        assert (past["items"], past["total"], past["page"]) == ([], total, 1000)


def test_list_items_carry_labels_org_names_and_ages(session, demo_city, client_for, county_root):
    body = client_for("county").get(MEMBERS, params={"page_size": 50, "sort": "id"}).json()
    rows = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids_of(body["items"]))))}
    today = date.today()
    for item in body["items"]:
        m = rows[item["id"]]
        org = session.get(Organization, m.org_id) if m.org_id else None
        assert item["org"] == ({"id": org.id, "name": org.name} if org else None)
        assert item["age"] == age(m.birth_on, today)
        assert item["gender_label"] == {"male": "男", "female": "女"}[m.gender]
        assert item["education_label"] == EDUCATIONS[m.education][0]
        assert item["is_probationary"] is (m.confirmed_on is None)
        assert item["id_number"] == mask(m.id_number) != m.id_number


def test_bad_queries_answer_4xx_naming_the_field(session, demo_city, client_for):
    client = client_for("county")
    district_root = anchor(session, "district").org_id
    for params, field in [
        ({"page": 0}, "page"), ({"page_size": 0}, "page_size"), ({"page_size": 101}, "page_size"),
        ({"age_min": 121}, "age_min"), ({"age_min": 50, "age_max": 40}, "age_min"), ({"sort": "phone"}, "sort"),
        ({"id_tail": "12"}, "id_tail"), ({"id_tail": "1234567"}, "id_tail"), ({"education": "99"}, "education"),
        ({"gender": "x"}, "gender"), ({"name": "张" * 65}, "name"), ({"name": "张\x00"}, "name"),
        ({"org_id": 2**40}, "org_id"), ({"floating": "perhaps"}, "floating"),
    ]:
        response = client.get(MEMBERS, params=params)
        assert response.status_code == 422, (params, response.text)
        assert set(response.json()) == ERROR_KEYS and response.json()["field"] == field, params
    out_of_scope = client.get(MEMBERS, params={"org_id": district_root})
    missing = client.get(MEMBERS, params={"org_id": MISSING})
    assert out_of_scope.status_code == missing.status_code == 404
    assert without_id(out_of_scope.json(), district_root) == without_id(missing.json(), MISSING)


# ------------------------------------------------------------------ scope

def test_member_sees_only_itself(session, demo_city, client_for):
    own = anchor(session, "member").member_id
    other = session.scalar(select(Member.id).where(Member.id != own).order_by(Member.id))
    client = client_for("member")
    body = client.get(MEMBERS).json()
    assert body["total"] == 1 and [item["id"] for item in body["items"]] == [own]
    assert client.get(f"{MEMBERS}/{own}").status_code == 200
    assert client.get(f"{MEMBERS}/{own}/history").status_code == 200
    assert client.get(f"{MEMBERS}/{other}").status_code == 404
    assert client.get(f"{MEMBERS}/{other}/history").status_code == 404
    assert client.get(MEMBERS, params={"org_id": session.get(Member, own).org_id}).status_code == 404
    assert client.patch(f"{MEMBERS}/{own}", json={"post": "x", "version": 1}).status_code == 403


def test_secretary_sees_only_its_branch(session, demo_city, client_for):
    branch_id = anchor(session, "secretary").org_id
    expected = {m.id for m in session.scalars(select(Member).where(Member.status == "active"))
                if branch_id in (m.org_id, m.inflow_org_id)}
    client = client_for("secretary")
    items, _ = fetch_all(client)
    assert ids_of(items) == expected and expected
    neighbour = min(m.id for m in session.scalars(select(Member)) if branch_id not in (m.org_id, m.inflow_org_id))
    assert client.get(f"{MEMBERS}/{neighbour}").status_code == 404
    own = session.scalar(select(Member.id).where(Member.org_id == branch_id).order_by(Member.id))
    assert client.get(f"{MEMBERS}/{own}").json()["writable"] is True


def test_out_of_scope_answers_like_a_missing_id(session, demo_city, client_for, county_root):
    visible = {m.id for m in members_under(session, county_root, status=None)}
    elsewhere = next(m for m in members_under(session, anchor(session, "district").org_id) if m.id not in visible)
    client = client_for("county")
    for suffix in ("", "/history"):
        hidden = client.get(f"{MEMBERS}/{elsewhere.id}{suffix}")
        missing = client.get(f"{MEMBERS}/{MISSING}{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert without_id(hidden.json(), elsewhere.id) == without_id(missing.json(), MISSING)
    writes = (
        ("PATCH", "", {"post": "x", "version": 1}),
        ("POST", "/leave", {"reason": "death", "left_on": "2025-01-02", "version": 1}),
        ("POST", "/reveal", None),
    )
    for method, suffix, body in writes:
        hidden = client.request(method, f"{MEMBERS}/{elsewhere.id}{suffix}", json=body)
        missing = client.request(method, f"{MEMBERS}/{MISSING}{suffix}", json=body)
        assert hidden.status_code == missing.status_code == 404, suffix
        assert without_id(hidden.json(), elsewhere.id) == without_id(missing.json(), MISSING)
    assert session.get(Member, elsewhere.id).version == elsewhere.version == 1


# ------------------------------------------------------------------ personal data

def assert_no_personal_data(text: str, members) -> None:
    for m in members:
        for value in (m.id_number, m.phone, m.address):
            if value:
                assert value not in text, (m.id, value[:3])


def test_personal_data_is_masked_in_list_detail_and_history(session, demo_city, client_for, county_root):
    client = client_for("county")
    listing = client.get(MEMBERS, params={"page_size": 100})
    shown = session.scalars(select(Member).where(Member.id.in_(ids_of(listing.json()["items"])))).all()
    assert len(shown) == 100
    assert_no_personal_data(listing.text, shown)

    assert shown[0].name in listing.text  # the JSON carries Chinese as is, so the checks below mean something
    m = next(m for m in shown if m.phone and m.address and len(m.address) > 6 and m.employment != "retired")
    old = (m.id_number, m.phone, m.address)
    old_employment = m.employment
    detail = client.get(f"{MEMBERS}/{m.id}")
    assert_no_personal_data(detail.text, [m])
    body = detail.json()
    assert body["id_number"] == mask(m.id_number)
    assert body["phone"] == f"{m.phone[:3]}****{m.phone[-4:]}"
    assert body["address"] == f"{m.address[:6]}****"

    # A change of situation records the changed fields in the history, personal ones included.
    change = {"employment": "retired", "phone": "13600001111", "address": "湖南省衡阳市衡阳县新地址路99号", "version": m.version}
    patched = client.patch(f"{MEMBERS}/{m.id}", json=change)
    assert patched.status_code == 200, patched.text
    assert "13600001111" not in patched.text and patched.json()["phone"] == "136****1111"
    history = client.get(f"{MEMBERS}/{m.id}/history")
    assert history.status_code == 200
    for value in (*old, "13600001111", "湖南省衡阳市衡阳县新地址路99号"):
        assert value not in history.text
    changed = [e for e in history.json()["events"] if e["kind"] == "changed"][-1]
    assert changed["detail"]["phone"] == [f"{old[1][:3]}****{old[1][-4:]}", "136****1111"]
    assert changed["detail"]["address"] == [f"{old[2][:6]}****", "湖南省衡阳市****"]
    assert changed["detail"]["employment"] == [old_employment, "retired"]


def test_reveal_returns_full_values_and_audits_once_without_them(session, demo_city, client_for, county_root):
    m = next(m for m in members_under(session, county_root, formal=True) if m.phone and m.address)
    client = client_for("county")
    before = count_rows(session, "audit_event")
    response = client.post(f"{MEMBERS}/{m.id}/reveal")
    assert response.status_code == 200, response.text
    assert response.json() == {"id": m.id, "id_number": m.id_number, "phone": m.phone, "address": m.address}
    assert count_rows(session, "audit_event") == before + 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reveal", AuditEvent.entity_id == m.id))
    assert (event.actor, event.entity, event.org_id) == ("county", "member", m.org_id)
    assert event.after == {"fields": ["id_number", "phone", "address"]}
    stored = json.dumps([event.before, event.after], ensure_ascii=False)
    assert_no_personal_data(stored, [m])

    only_phone = client.post(f"{MEMBERS}/{m.id}/reveal", json={"fields": ["phone"]})
    assert only_phone.json() == {"id": m.id, "id_number": None, "phone": m.phone, "address": None}
    assert session.scalars(select(AuditEvent.after).where(AuditEvent.action == "reveal", AuditEvent.entity_id == m.id)
                           .order_by(AuditEvent.id)).all()[-1] == {"fields": ["phone"]}


def test_reveal_needs_the_permission_and_a_member_may_reveal_their_own(session, demo_city, client_for):
    own = session.get(Member, anchor(session, "member").member_id)
    inspected = anchor(session, "secretary").org_id  # the inspector's areas include this branch
    target = session.scalar(select(Member).where(Member.org_id == inspected, Member.id != own.id).order_by(Member.id))
    inspector, member = client_for("inspector"), client_for("member")
    before = count_rows(session, "audit_event")
    seen = inspector.get(f"{MEMBERS}/{target.id}")  # may read, masked, and not edit
    assert seen.status_code == 200 and seen.json()["writable"] is False
    assert seen.json()["id_number"] == mask(target.id_number)
    refused = inspector.post(f"{MEMBERS}/{target.id}/reveal")
    assert refused.status_code == 403 and set(refused.json()) == ERROR_KEYS
    assert target.id_number not in refused.text
    assert count_rows(session, "audit_event") == before
    assert member.post(f"{MEMBERS}/{own.id}/reveal").json()["id_number"] == own.id_number
    assert member.post(f"{MEMBERS}/{target.id}/reveal").status_code == 404
    assert count_rows(session, "audit_event") == before + 1


# ------------------------------------------------------------------ writes

def test_create_in_scope_writes_period_event_and_audit(session, demo_city, client_for, county_root):
    branch = branch_in(session, county_root)
    body = create_body(branch.id)
    response = client_for("county").post(MEMBERS, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["org"] == {"id": branch.id, "name": branch.name} and created["version"] == 1
    assert created["id_number"] == mask(body["id_number"]) and created["phone"] == "139****1234"
    assert created["address"] == "湖南省衡阳市****" and created["writable"] is True
    assert body["id_number"] not in response.text and body["address"] not in response.text
    member = session.get(Member, created["id"])
    assert (member.name, member.org_id, member.phone) == ("测试党员", branch.id, "13907341234")
    periods = session.execute(select(MemberPeriod.start_on, MemberPeriod.end_on, MemberPeriod.org_id)
                              .where(MemberPeriod.member_id == member.id)).all()
    assert periods == [(date(2012, 6, 30), None, branch.id)]
    kinds = session.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == member.id).order_by(MemberEvent.id)).all()
    assert kinds == ["joined", "confirmed"]
    audit = session.scalars(select(AuditEvent).where(AuditEvent.entity == "member", AuditEvent.entity_id == member.id)).all()
    assert [(a.action, a.actor, a.org_id) for a in audit] == [("create", "county", branch.id)]


def test_create_outside_the_scope_is_refused_like_a_missing_org(session, demo_city, client_for):
    elsewhere = branch_in(session, anchor(session, "district").org_id)
    before = count_rows(session, "member")
    client = client_for("county")
    hidden = client.post(MEMBERS, json=create_body(elsewhere.id))
    missing = client.post(MEMBERS, json=create_body(MISSING))
    assert hidden.status_code == missing.status_code == 422
    assert hidden.json()["field"] == "org_id"
    assert without_id(hidden.json(), elsewhere.id) == without_id(missing.json(), MISSING)
    secretary = client_for("secretary")  # a branch secretary registers members in the own branch only
    own_branch = anchor(session, "secretary").org_id
    neighbour = next(b for b in (branch_in(session, anchor(session, "township").org_id, skip=i) for i in range(2)) if b.id != own_branch)
    assert secretary.post(MEMBERS, json=create_body(neighbour.id)).status_code == 422
    assert count_rows(session, "member") == before
    assert secretary.post(MEMBERS, json=create_body(own_branch)).status_code == 201


def test_bad_create_answers_422_naming_the_field(session, demo_city, client_for, county_root):
    before = count_rows(session, "member")
    client, org_id = client_for("county"), branch_in(session, county_root).id
    for change, field, start in [
        ({"id_number": "430421198005171230"}, "id_number", "公民身份号码"),
        ({"id_number": "4304211980051712"}, "id_number", "公民身份号码"),
        ({"phone": "1390734123456"}, "phone", "联系电话"),
        ({"post": "书记\x00"}, "post", "党内职务"),
        ({"address": "湖" * 201}, "address", "家庭住址"),
        ({"org_id": 2**40}, "org_id", "所在党组织"),
        ({"status": "left"}, "status", "状态"),
        ({"joined_on": "2030-01-01"}, "joined_on", "入党日期"),
    ]:
        response = client.post(MEMBERS, json=create_body(org_id, **change))
        assert response.status_code == 422, response.text
        body = response.json()
        assert (body["error"], body["field"]) == ("ValidationFailed", field), change
        assert body["detail"].startswith(start), body
        assert "1390734123456" not in body["detail"]  # a phone number is never echoed in full
    assert count_rows(session, "member") == before


def test_stale_patch_is_refused_and_overwrites_nothing(session, demo_city, client_for, county_root):
    m = members_under(session, county_root, formal=True)[0]
    client = client_for("county")
    first = client.patch(f"{MEMBERS}/{m.id}", json={"post": "宣传委员", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2 and first.json()["post"] == "宣传委员"
    stale = client.patch(f"{MEMBERS}/{m.id}", json={"post": "组织委员", "version": 1})
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    session.expire_all()
    assert (session.get(Member, m.id).post, session.get(Member, m.id).version) == ("宣传委员", 2)
    stale_leave = client.post(f"{MEMBERS}/{m.id}/leave", json={"reason": "death", "left_on": "2026-01-02", "version": 1})
    assert stale_leave.status_code == 409
    assert session.get(Member, m.id).status == "active"


def test_patch_cannot_clear_required_fields_or_store_junk(session, demo_city, client_for, county_root):
    m = members_under(session, county_root, formal=True)[0]
    client = client_for("county")
    for change, field in [
        ({"occupation": None}, "occupation"), ({"joined_on": None}, "joined_on"), ({"name": None}, "name"),
        ({"id_number": None}, "id_number"), ({"name": "王\t五"}, "name"), ({"version": 0}, "version"),
        ({"unit_id": 2**40}, "unit_id"), ({"effective_on": "2099-01-01", "employment": "retired"}, "effective_on"),
    ]:
        response = client.patch(f"{MEMBERS}/{m.id}", json={"version": 1, **change})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field, change
    session.expire_all()
    assert session.get(Member, m.id).version == 1


def test_move_needs_the_new_org_in_scope(session, demo_city, client_for, county_root):
    m = members_under(session, county_root, formal=True)[0]
    home = m.org_id
    target = next(b for b in (branch_in(session, county_root, skip=i) for i in range(5)) if b.id != m.org_id)
    elsewhere = branch_in(session, anchor(session, "district").org_id)
    client = client_for("county")
    refused = client.patch(f"{MEMBERS}/{m.id}", json={"org_id": elsewhere.id, "version": 1})
    missing = client.patch(f"{MEMBERS}/{m.id}", json={"org_id": MISSING, "version": 1})
    assert refused.status_code == missing.status_code == 422
    assert without_id(refused.json(), elsewhere.id) == without_id(missing.json(), MISSING)
    moved = client.patch(f"{MEMBERS}/{m.id}", json={"org_id": target.id, "version": 1, "effective_on": "2026-01-01"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["org"]["id"] == target.id
    history = client.get(f"{MEMBERS}/{m.id}/history").json()
    assert history["events"][-1]["kind"] == "moved" and history["events"][-1]["org"]["id"] == target.id
    assert [(p["org"]["id"], p["end_on"]) for p in history["periods"]][-2:] == [(home, "2026-01-01"), (target.id, None)]


def test_leave_keeps_the_record_and_leaves_the_default_list(session, demo_city, client_for, county_root):
    m = members_under(session, county_root, formal=True)[0]
    leave = {"reason": "death", "left_on": "2026-01-02", "version": 1}
    assert client_for("secretary").post(f"{MEMBERS}/{m.id}/leave", json=leave).status_code == 403  # no such permission
    client = client_for("county")
    response = client.post(f"{MEMBERS}/{m.id}/leave", json={"reason": "death", "left_on": "2026-01-02", "version": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["left_reason"], body["left_on"], body["writable"]) == ("left", "death", "2026-01-02", False)
    events = client.get(f"{MEMBERS}/{m.id}/history").json()["events"]
    assert (events[-1]["kind"], events[-1]["occurred_on"], events[-1]["detail"]) == ("left", "2026-01-02", {"reason": "death"})
    assert m.id not in ids_of(fetch_all(client, name=m.name)[0])
    assert m.id in ids_of(fetch_all(client, name=m.name, status="left")[0])
    again = client.post(f"{MEMBERS}/{m.id}/leave", json={"reason": "death", "left_on": "2026-01-02", "version": 2})
    assert again.status_code == 422
    assert client.delete(f"{MEMBERS}/{m.id}").status_code == 405  # members are never deleted
    assert session.get(Member, m.id) is not None


def test_floating_in_member_is_read_only_for_the_inflow_org(session, demo_city, client_for, county_root):
    inflow = session.get(Organization, anchor(session, "secretary2").org_id)  # a branch in the district
    m = make_member(session, branch_in(session, county_root), is_floating=True, inflow_org_id=inflow.id,
                    employment=Employment.migrant_worker, phone="13712345678")
    district = client_for("district")
    detail = district.get(f"{MEMBERS}/{m.id}")
    assert detail.status_code == 200
    assert detail.json()["inflow_org"] == {"id": inflow.id, "name": inflow.name} and detail.json()["writable"] is False
    assert m.id in ids_of(fetch_all(district, floating="true")[0])
    assert m.id in ids_of(fetch_all(client_for("secretary2"))[0])
    refused = district.patch(f"{MEMBERS}/{m.id}", json={"post": "流动党员联络员", "version": 1})
    assert refused.status_code == 403
    assert refused.json() == {"error": "Forbidden", "detail": member_service.NOT_WRITABLE, "field": "member_id"}
    assert district.post(f"{MEMBERS}/{m.id}/leave", json={"reason": "death", "left_on": "2026-01-02", "version": 1}).status_code == 403
    assert district.post(f"{MEMBERS}/{m.id}/reveal", json={"fields": ["phone"]}).json()["phone"] == "13712345678"
    session.expire_all()
    assert (session.get(Member, m.id).post, session.get(Member, m.id).version) == (None, 1)
    home = client_for("county").patch(f"{MEMBERS}/{m.id}", json={"post": "流动党员联络员", "version": 1})
    assert home.status_code == 200 and home.json()["writable"] is True
