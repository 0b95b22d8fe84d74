"""The access matrix: every endpoint, as every role from several places in the tree.

What each account may see is computed here independently of auth/scope.py (by walking parent links
in Python), and every answer is held against it: nothing outside scope is read, written, reported or
exported (404, exactly as for what does not exist); a role without the permission gets 403; lists
contain only what is in scope; inspectors cannot write; members see only themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from dangjian.auth import service as auth_service
from dangjian.auth.models import InspectorArea
from dangjian.auth.roles import permissions_of
from dangjian.auth.scope import Scope, ScopeKind
from dangjian.meeting import service as meeting_service
from dangjian.meeting.models import Meeting, MeetingAttachment, MeetingAttendance, PartyGroup
from dangjian.meeting.schemas import AttendanceIn, MeetingCreate, PartyGroupCreate
from dangjian.member.models import Member
from dangjian.org import service as org_service
from dangjian.org.codes import BRANCH_KINDS, OrgKind
from dangjian.org.models import Organization
from dangjian.org.schemas import OrgCreate
from tests.api_client import app_on

ACCOUNTS = ["admin", "county", "district", "township", "street", "secretary", "secretary2", "member", "inspector"]
TODAY = date.today().isoformat()
PUBLIC = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/login"), ("GET", "/api/v1/dicts")}
IMPORT_JOBS = {  # background jobs: covered by test_import_jobs_need_the_permission_and_are_private
    ("POST", "/api/v1/imports"), ("GET", "/api/v1/imports/{job_id}"), ("POST", "/api/v1/imports/{job_id}/confirm"),
    ("GET", "/api/v1/imports/{job_id}/errors.xlsx"),
}
OWN_ACCOUNT = {  # about the caller's own account: any signed-in user
    ("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/auth/tokens"), ("POST", "/api/v1/auth/tokens"), ("DELETE", "/api/v1/auth/tokens/{token_id}"),
}


@dataclass
class World:
    """What one account may see, computed without auth/scope.py."""

    orgs: set[int]
    members: set[int]
    all_orgs: dict[int, Organization]
    all_members: dict[int, Member]
    meetings: set[int]

    def foreign_org(self, *, branch: bool = False) -> int | None:
        return next((o.id for o in self.all_orgs.values() if o.id not in self.orgs
                     and (not branch or o.kind in BRANCH_KINDS) and o.dissolved_on is None), None)

    def foreign_member(self) -> int | None:
        return next((m.id for m in self.all_members.values() if m.id not in self.members and m.status == "active"), None)


def world_of(session, username: str) -> World:
    user = auth_service.get_user(session, username)
    orgs = {o.id: o for o in session.scalars(select(Organization))}
    members = {m.id: m for m in session.scalars(select(Member))}

    def below(root: int) -> set[int]:
        found, frontier = {root}, [root]
        while frontier:
            children = [o.id for o in orgs.values() if o.parent_id in frontier]
            found.update(children)
            frontier = children
        return found

    if user.role == "city_admin":
        visible = set(orgs)
    elif user.role == "member":
        visible = set()
    elif user.role == "branch_secretary":
        visible = {user.org_id}
    elif user.role == "inspector":
        visible = set().union(*(below(a) for a in session.scalars(select(InspectorArea.org_id).where(InspectorArea.user_id == user.id))))
    else:
        visible = below(user.org_id)
    if user.role == "member":
        seen = {user.member_id}
    else:
        seen = {m.id for m in members.values() if m.org_id in visible or m.inflow_org_id in visible}
    if user.role == "member":
        meetings = set(session.scalars(select(MeetingAttendance.meeting_id).where(MeetingAttendance.member_id == user.member_id)))
    else:
        meetings = set(session.scalars(select(Meeting.id).where(Meeting.org_id.in_(visible)))) if visible else set()
    return World(visible, seen, orgs, members, meetings)


def own_org(session, world: World, username: str, *, branch: bool = False, not_root: bool = False) -> int | None:
    user = auth_service.get_user(session, username)
    candidates = sorted(
        o.id for o in world.all_orgs.values()
        if o.id in world.orgs and o.dissolved_on is None and (not branch or o.kind in BRANCH_KINDS)
        and (not not_root or o.id != user.org_id and o.parent_id is not None)
    )
    return candidates[0] if candidates else None


def own_member(world: World) -> int | None:
    ids = sorted(m for m in world.members if world.all_members[m].status == "active" and world.all_members[m].org_id is not None)
    return ids[0] if ids else None


def new_member_body(org_id: int, n: int) -> dict:
    from tests.factories import new_id_number

    return {"name": f"矩阵测试{n}", "id_number": new_id_number(), "org_id": org_id, "joined_on": "2010-07-01",
            "confirmed_on": "2011-07-01", "education": "21", "occupation": "worker"}


GHOST = 999_999  # an id that exists nowhere


@dataclass
class Case:
    method: str
    route: str  # the route's path template, for the completeness check
    url_for: Callable[[int], str]
    permission: str | None  # None: any signed-in user
    in_scope: bool
    ok: int
    target: int = 0
    body_for: Callable[[int], dict | None] = lambda _target: None  # built at request time (versions change)
    upload: bool = False  # the body is a file (raw PDF bytes), not JSON

    @property
    def url(self) -> str:
        return self.url_for(self.target)


def cases_for(session, username: str, world: World) -> list[Case]:
    cases: list[Case] = []
    v = "/api/v1"
    # Endpoints without a target first (before this test's own writes): their content must lie in scope.
    for route, permission in (("/orgs/roots", None), ("/orgs/search?q=中共", "org:org:read"), ("/members", "member:member:read"),
                              ("/audit/events?page_size=100", "audit:event:read"), ("/divisions", "org:org:read"),
                              ("/units", "org:org:read"), ("/stats/report", "stats:report:read"), ("/checks", "stats:check:read"),
                              ("/exports/template.xlsx", "member:member:import"), ("/meetings", "meeting:meeting:read"),
                              ("/stats/org-life", "meeting:compliance:read"), ("/stats/org-life/branches", "meeting:compliance:read"),
                              ("/stats/org-life/lapsed", "meeting:compliance:read"),
                              ("/stats/org-life/participation", "meeting:meeting:read")):
        cases.append(Case("GET", route.split("?")[0], lambda _t, r=route: f"{v}{r}", permission, True, 200))

    def add(method, route, url_for, permission, ok, target_own, target_foreign, body_for=lambda t: None, upload=False):
        for target, in_scope in ((target_own, True), (target_foreign, False)):
            if target is None:
                continue
            cases.append(Case(method, route, url_for, permission, in_scope, ok, target, body_for, upload))

    branch, any_org = own_org(session, world, username, branch=True), own_org(session, world, username)
    inner = own_org(session, world, username, not_root=True)
    foreign_branch, foreign_org = world.foreign_org(branch=True), world.foreign_org()
    member, foreign_member = own_member(world), world.foreign_member()
    version = lambda model, id_: session.get(model, id_).version  # noqa: E731

    add("GET", "/orgs/{org_id}", lambda o: f"{v}/orgs/{o}", "org:org:read", 200, any_org, foreign_org)
    add("GET", "/orgs/{org_id}/children", lambda o: f"{v}/orgs/{o}/children", "org:org:read", 200, any_org, foreign_org)
    add("PATCH", "/orgs/{org_id}", lambda o: f"{v}/orgs/{o}", "org:org:update", 200, inner, foreign_org,
        lambda o: {"name": "矩阵测试改名党组织", "version": version(Organization, o)})
    add("POST", "/orgs", lambda o: f"{v}/orgs", "org:org:create", 201, _non_branch(world, any_org), _non_branch(world, foreign_org, foreign=True),
        lambda o: {"parent_id": o, "name": "矩阵测试新党支部", "kind": "branch", "founded_on": "2020-01-01"})
    add("POST", "/orgs/{org_id}/dissolve", lambda o: f"{v}/orgs/{o}/dissolve", "org:org:dissolve", 200,
        _empty_branch(session, world, any_org), foreign_branch,
        lambda o: {"dissolved_on": TODAY, "reason": "merged", "version": version(Organization, o)})
    move_target = _movable(world, username, session)
    add("POST", "/orgs/{org_id}/move", lambda o: f"{v}/orgs/{o}/move", "org:org:move", 200,
        move_target[0] if move_target else None, foreign_branch,
        lambda o: {"new_parent_id": move_target[1] if move_target and o == move_target[0] else _non_branch(world, any_org) or 1,
                   "moved_on": TODAY, "version": version(Organization, o)})
    for route in ("/stats/report", "/stats/children", "/stats/report.xlsx"):
        permission = "stats:report:export" if route.endswith("xlsx") else "stats:report:read"
        add("GET", route, lambda o, r=route: f"{v}{r}?org_id={o}", permission, 200, any_org, foreign_org)
    add("GET", "/checks", lambda o: f"{v}/checks?org_id={o}", "stats:check:read", 200, any_org, foreign_org)
    add("GET", "/members", lambda o: f"{v}/members?org_id={o}", "member:member:read", 200, any_org, foreign_org)
    add("GET", "/exports/members.xlsx", lambda o: f"{v}/exports/members.xlsx?org_id={o}", "member:member:export", 200, any_org, foreign_org)
    add("POST", "/members", lambda o: f"{v}/members", "member:member:create", 201, branch, foreign_branch,
        lambda o: new_member_body(o, 1))
    add("GET", "/members/{member_id}", lambda m: f"{v}/members/{m}", "member:member:read", 200, member or world.all_members and _self(session, username), foreign_member)
    add("GET", "/members/{member_id}/history", lambda m: f"{v}/members/{m}/history", "member:member:read", 200,
        member or _self(session, username), foreign_member)
    add("POST", "/members/{member_id}/reveal", lambda m: f"{v}/members/{m}/reveal", "member:personal:reveal", 200,
        member or _self(session, username), foreign_member)
    add("PATCH", "/members/{member_id}", lambda m: f"{v}/members/{m}", "member:member:update", 200, member, foreign_member,
        lambda m: {"phone": "13812345678", "version": version(Member, m)})
    add("POST", "/members/{member_id}/leave", lambda m: f"{v}/members/{m}/leave", "member:member:leave", 200, member, foreign_member,
        lambda m: {"reason": "death", "left_on": TODAY, "version": version(Member, m)})
    add_meeting_cases(session, username, world, add)
    return cases


def add_meeting_cases(session, username: str, world: World, add) -> None:
    """Organizational life: records, attendance, attachments, party groups, compliance."""
    v = "/api/v1"
    user = auth_service.get_user(session, username)
    branch = _branch_with_members(session, world, own=True)
    foreign_branch = _branch_with_members(session, world, own=False)
    any_org, foreign_org = own_org(session, world, username), world.foreign_org()
    if user.role == "member":  # a member's own records are those they attended
        own = [_new_meeting(session, session.get(Member, user.member_id).org_id, attendee=user.member_id) for _ in range(4)]
    else:
        own = [_new_meeting(session, branch) for _ in range(4)]
    foreign = [_new_meeting(session, foreign_branch) for _ in range(3)]
    world.meetings.update(m for m in own if m)
    meeting_version = lambda m: (session.get(Meeting, m).version if session.get(Meeting, m) else 1)  # noqa: E731
    attachment = lambda m: _attachment(session, m)  # noqa: E731

    def record_body(org_id: int) -> dict:
        first = meeting_service.attendees(session, session.get(Organization, org_id), on=date.today()) if org_id != GHOST else []
        attendance = [{"member_id": first[0].member_id if first else 1, "status": "present"}]
        return {"org_id": org_id, "kind": "theme_day", "held_on": TODAY, "topic": "矩阵测试主题党日", "attendance": attendance}

    add("GET", "/meetings", lambda o: f"{v}/meetings?org_id={o}", "meeting:meeting:read", 200, any_org, foreign_org)
    add("POST", "/meetings", lambda o: f"{v}/meetings", "meeting:meeting:write", 201, branch, foreign_branch, record_body)
    add("GET", "/meetings/attendees", lambda o: f"{v}/meetings/attendees?org_id={o}", "meeting:meeting:write", 200, branch, foreign_branch)
    add("GET", "/meetings/{meeting_id}", lambda m: f"{v}/meetings/{m}", "meeting:meeting:read", 200, own[0], foreign[0])
    add("PATCH", "/meetings/{meeting_id}", lambda m: f"{v}/meetings/{m}", "meeting:meeting:write", 200, own[1], foreign[0],
        lambda m: {"topic": "矩阵测试改主题", "version": meeting_version(m)})
    add("POST", "/meetings/{meeting_id}/attachments", lambda m: f"{v}/meetings/{m}/attachments?filename=签到表.pdf",
        "meeting:meeting:write", 201, own[2], foreign[1], upload=True)
    add("GET", "/meetings/{meeting_id}/attachments/{attachment_id}",
        lambda m: f"{v}/meetings/{m}/attachments/{attachment(m)}", "meeting:meeting:read", 200, own[2], foreign[1])
    add("DELETE", "/meetings/{meeting_id}/attachments/{attachment_id}",
        lambda m: f"{v}/meetings/{m}/attachments/{attachment(m)}", "meeting:meeting:write", 204, own[2], foreign[1])
    add("DELETE", "/meetings/{meeting_id}", lambda m: f"{v}/meetings/{m}?version={meeting_version(m)}", "meeting:meeting:write",
        204, own[3], foreign[2])
    own_group, foreign_group = _new_group(session, branch), _new_group(session, foreign_branch)
    add("GET", "/party-groups", lambda o: f"{v}/party-groups?org_id={o}", "meeting:meeting:read", 200, branch, foreign_branch)
    add("POST", "/party-groups", lambda o: f"{v}/party-groups", "meeting:group:write", 201, branch, foreign_branch,
        lambda o: {"org_id": o, "name": "矩阵测试第二党小组", "founded_on": TODAY})
    add("PATCH", "/party-groups/{group_id}", lambda g: f"{v}/party-groups/{g}", "meeting:group:write", 200, own_group, foreign_group,
        lambda g: {"name": "矩阵测试改名党小组"})
    for route in ("/stats/org-life", "/stats/org-life/branches", "/stats/org-life/lapsed"):
        add("GET", route, lambda o, r=route: f"{v}{r}?org_id={o}", "meeting:compliance:read", 200, any_org, foreign_org)
    add("GET", "/stats/org-life/participation", lambda o: f"{v}/stats/org-life/participation?org_id={o}", "meeting:meeting:read",
        200, any_org, foreign_org)
    add("GET", "/stats/org-life/branches/{branch_id}", lambda o: f"{v}/stats/org-life/branches/{o}", "meeting:compliance:read",
        200, branch, foreign_branch)


CITY = Scope(ScopeKind.city)


def _branch_with_members(session, world: World, *, own: bool) -> int | None:
    for org in sorted(world.all_orgs.values(), key=lambda o: o.id):
        if (org.id in world.orgs) == own and org.kind in BRANCH_KINDS and org.dissolved_on is None \
                and meeting_service.attendees(session, org, on=date.today()):
            return org.id
    return None


def _new_meeting(session, org_id: int | None, *, attendee: int | None = None) -> int | None:
    if org_id is None:
        return None
    people = [p.member_id for p in meeting_service.attendees(session, session.get(Organization, org_id), on=date.today())]
    chosen = [attendee] if attendee else people[:3]
    data = MeetingCreate(org_id=org_id, kind="theme_day", held_on=date.today(), topic="矩阵测试记录",
                         attendance=[AttendanceIn(member_id=m, status="present") for m in chosen])
    return meeting_service.create_meeting(session, CITY, data, actor="test").id


def _attachment(session, meeting_id: int) -> int:
    """An attachment of the meeting (made if it has none); for a missing meeting, a missing id."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return GHOST
    found = session.scalar(select(MeetingAttachment.id).where(MeetingAttachment.meeting_id == meeting_id))
    if found is None:
        found = meeting_service.add_attachment(session, meeting, filename="记录.pdf", content_type="application/pdf",
                                               content=b"%PDF-1.4 matrix", actor="test").id
    return found


def _new_group(session, org_id: int | None) -> int | None:
    if org_id is None:
        return None
    return meeting_service.create_group(session, CITY, PartyGroupCreate(org_id=org_id, name="矩阵测试党小组",
                                                                        founded_on=date(2020, 1, 1)), actor="test").id


def _self(session, username: str) -> int | None:
    return auth_service.get_user(session, username).member_id


def _non_branch(world: World, org_id: int | None, *, foreign: bool = False) -> int | None:
    """A committee or general branch near `org_id` (or anywhere outside scope), to create under."""
    pool = [o for o in world.all_orgs.values() if (o.id not in world.orgs if foreign else o.id in world.orgs)
            and o.kind in (OrgKind.committee.value, OrgKind.general_branch.value, OrgKind.working_committee.value) and o.dissolved_on is None]
    return min((o.id for o in pool), default=None)


def _empty_branch(session, world: World, parent_hint: int | None) -> int | None:
    parent = _non_branch(world, parent_hint)
    if parent is None:
        return None
    org = org_service.create_org(session, OrgCreate(parent_id=parent, name="矩阵测试空党支部", kind=OrgKind.branch,
                                                    founded_on=date(2015, 1, 1)), actor="test")
    world.orgs.add(org.id)
    world.all_orgs[org.id] = org
    return org.id


def _movable(world: World, username: str, session) -> tuple[int, int] | None:
    """A branch in scope and another committee in scope to move it under (not the scope root)."""
    user = auth_service.get_user(session, username)
    parents = sorted(o.id for o in world.all_orgs.values() if o.id in world.orgs and o.dissolved_on is None
                     and o.kind in (OrgKind.committee.value, OrgKind.general_branch.value, OrgKind.working_committee.value))
    for branch in sorted(o.id for o in world.all_orgs.values() if o.id in world.orgs and o.kind in BRANCH_KINDS and o.id != user.org_id):
        for parent in parents:
            if parent != world.all_orgs[branch].parent_id and world.all_orgs[parent].founded_on <= date.today():
                return branch, parent
    return None


def answer(client, case: Case, target: int):
    if case.upload:
        return client.request(case.method, case.url_for(target), content=b"%PDF-1.4 matrix",
                              headers={"content-type": "application/pdf"})
    return client.request(case.method, case.url_for(target), json=case.body_for(target) if target != GHOST else ghost_body(case))


def ghost_body(case: Case) -> dict | None:
    """The case's body with its target replaced by an id that exists nowhere."""
    body = case.body_for(case.target)
    if body is None:
        return None
    return {k: (GHOST if v == case.target and k.endswith("id") else v) for k, v in body.items()}


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_endpoint_as_every_account(session, demo_city, client_for, username):
    world = world_of(session, username)
    permissions = permissions_of(auth_service.get_user(session, username).role)
    client = client_for(username)
    failures = []
    for case in cases_for(session, username, world):
        allowed = case.permission is None or case.permission in permissions
        response = answer(client, case, case.target)
        if not allowed:
            if response.status_code != 403:
                failures.append(f"{case.method} {case.url} → {response.status_code}, expected 403 (no permission)")
        elif case.in_scope:
            if response.status_code != case.ok:
                failures.append(f"{case.method} {case.url} → {response.status_code}, expected {case.ok}: {response.text[:200]}")
            elif case.method == "GET" and response.headers["content-type"].startswith("application/json"):
                failures += leaks(response.json(), case, world)
            elif case.method == "POST" and case.ok == 201 and case.route in ("/orgs", "/members", "/meetings"):
                {"/orgs": world.orgs, "/members": world.members, "/meetings": world.meetings}[case.route].add(response.json()["id"])
        else:
            # Out of scope answers exactly as if it did not exist.
            ghost = answer(client, case, GHOST)
            same = (response.status_code, response.json()["error"], response.json()["detail"].replace(str(case.target), "#")) == (
                ghost.status_code, ghost.json()["error"], ghost.json()["detail"].replace(str(GHOST), "#"))
            if response.status_code not in (404, 422) or not same:
                failures.append(f"{case.method} {case.url} (out of scope) → {response.status_code} {response.text[:150]}; "
                                f"for a missing id: {ghost.status_code} {ghost.text[:150]}")
    assert not failures, "\n".join(failures)


def leaks(data, case: Case, world: World) -> list[str]:
    """Anything in a list answer that lies outside the account's scope."""
    problems = []
    path = case.route
    if path in ("/orgs/roots", "/orgs/search") or path.endswith("/children") and path.startswith("/orgs"):
        problems += [f"{case.url}: org {o['id']}" for o in data if o["id"] not in world.orgs]
    if path == "/members":
        problems += [f"{case.url}: member {m['id']}" for m in data["items"] if m["id"] not in world.members]
    if path == "/audit/events":
        problems += [f"{case.url}: event of org {e['org_id']}" for e in data["items"]
                     if e["org_id"] is not None and e["org_id"] not in world.orgs]
    if path == "/stats/children":
        problems += [f"{case.url}: child {c['org']['id']}" for c in data if c["org"]["id"] not in world.orgs]
    if path == "/meetings":
        problems += [f"{case.url}: meeting {m['id']}" for m in data["items"] if m["id"] not in world.meetings]
    if path == "/stats/org-life":
        problems += [f"{case.url}: child {c['org']['id']}" for c in data["children"] if c["org"]["id"] not in world.orgs]
    if path == "/stats/org-life/branches":
        problems += [f"{case.url}: branch {b['org']['id']}" for b in data["items"] if b["org"]["id"] not in world.orgs]
    if path in ("/stats/org-life/participation", "/stats/org-life/lapsed"):
        problems += [f"{case.url}: member {p['member']['id']}" for p in data["items"] if p["member"]["id"] not in world.members]
    if path == "/stats/report":
        if data["org"]["id"] not in world.orgs:
            problems.append(f"{case.url}: report of org {data['org']['id']}")
    return problems


def test_anonymous_gets_401_everywhere_but_the_public_endpoints(session, demo_city, client_for):
    client = client_for()
    for route in app_routes(session):
        method, path = route
        if route in PUBLIC:
            continue
        url = path
        for name in ("org_id", "member_id", "token_id", "job_id", "meeting_id", "attachment_id", "group_id", "branch_id"):
            url = url.replace("{" + name + "}", "1")
        response = client.request(method, url, json={})
        assert response.status_code == 401, (method, url, response.status_code)


def test_inspector_cannot_write_anywhere(session, demo_city):
    permissions = permissions_of("inspector")
    assert not [p for p in permissions if not p.endswith((":read", ":manage"))]


def test_member_sees_only_themselves(session, demo_city, client_for):
    client = client_for("member")
    me = auth_service.get_user(session, "member")
    page = client.get("/api/v1/members").json()
    assert [m["id"] for m in page["items"]] == [me.member_id] and page["total"] == 1
    other = session.scalar(select(Member.id).where(Member.id != me.member_id, Member.org_id == session.get(Member, me.member_id).org_id))
    assert client.get(f"/api/v1/members/{other}").status_code == 404
    assert client.get("/api/v1/orgs/roots").json() == []


def app_routes(session) -> set[tuple[str, str]]:
    """Every endpoint, from the OpenAPI document (app.routes no longer lists included routers)."""
    paths = app_on(session).openapi()["paths"]
    routes = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert len(routes) > 30  # the document really lists the API
    return routes


def test_the_matrix_covers_every_endpoint(session, demo_city):
    covered = set(PUBLIC) | set(OWN_ACCOUNT) | set(IMPORT_JOBS)
    for username in ("admin", "county"):
        covered |= {(c.method, "/api/v1" + c.route) for c in cases_for(session, username, world_of(session, username))}
    missing = {r for r in app_routes(session) if r[1].startswith("/api/v1")} - {(m, p.replace("{org_id:int}", "{org_id}")) for m, p in covered}
    missing = {(m, p) for m, p in missing if (m, p.replace("{org_id:int}", "{org_id}")) not in covered}
    assert not missing, f"endpoints without a row in the access matrix: {sorted(missing)}"


@pytest.mark.parametrize("username", ACCOUNTS)
def test_import_jobs_need_the_permission_and_are_private(session, demo_city, client_for, username):
    client = client_for(username)
    allowed = "member:member:import" in permissions_of(auth_service.get_user(session, username).role)
    empty = client.post("/api/v1/imports", content=b"", headers={"Content-Type": "application/octet-stream"})
    assert empty.status_code == 403 if not allowed else 400 <= empty.status_code < 500, empty.text
    for method, url in (("GET", "/api/v1/imports/999999"), ("POST", "/api/v1/imports/999999/confirm"),
                        ("GET", "/api/v1/imports/999999/errors.xlsx")):
        response = client.request(method, url, json={"mode": "valid-only"} if method == "POST" else None)
        assert response.status_code == (404 if allowed else 403), (url, response.text)
