"""Organizations and the tree: create, move, dissolve, and subtrees as of a date."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.audit.models import AuditEvent
from dangjian.auth.scope import Scope, ScopeKind
from dangjian.errors import Conflict, NotFound, ValidationFailed
from dangjian.kit import idcard
from dangjian.member.models import Member, MemberPeriod
from dangjian.org.codes import (
    BRANCH_KINDS,
    DIVISION_LEVEL_OF_KIND,
    DissolveReason,
    DivisionKind,
    DivisionLevel,
    OrgKind,
    UnitKind,
    UnitStatus,
    VillageClass,
)
from dangjian.org.models import Division, OrgAncestor, Organization, OrgClassification, Unit
from dangjian.org.schemas import DivisionCreate, OrgCreate, OrgUpdate

FIELD_LABELS = {
    "new_parent_id": "新的上级党组织", "moved_on": "调整日期", "dissolved_on": "撤销日期", "q": "搜索内容",
    "limit": "条数", "include_dissolved": "是否包括已撤销的", "parent_code": "上级行政区划代码",
}
ACTION_LABELS = {"create": "新建", "update": "修改", "move": "调整隶属关系", "dissolve": "撤销"}
STALE = "该党组织已被他人修改，请刷新后重试"

# Code lengths by level: GB/T 2260 (6 digits) for city and county, the statistics' 9 and 12 below.
CODE_LENGTH = {DivisionLevel.city: 6, DivisionLevel.county: 6, DivisionLevel.township: 9, DivisionLevel.village: 12}
PARENT_LEVEL = {
    DivisionLevel.county: DivisionLevel.city,
    DivisionLevel.township: DivisionLevel.county,
    DivisionLevel.village: DivisionLevel.township,
}


def covering(valid_from, valid_to, on: date):
    """SQL clause: the span [valid_from, valid_to) covers the day `on` (open end = still valid)."""
    return and_(valid_from <= on, or_(valid_to.is_(None), valid_to > on))


def subtree_ids(org_id: int, on: date | None = None) -> Select:
    """Ids of an organization and everything below it, as the tree stood on `on` (default: now)."""
    if on is None:
        return select(OrgAncestor.descendant_id).where(
            OrgAncestor.ancestor_id == org_id, OrgAncestor.valid_to.is_(None)
        )
    return select(OrgAncestor.descendant_id).where(
        OrgAncestor.ancestor_id == org_id,
        covering(OrgAncestor.valid_from, OrgAncestor.valid_to, on),
    )


def get_org(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"党组织不存在：{org_id}", field="org_id")
    return org


def resolve_org(session: Session, ref: str) -> Organization:
    """Find an organization by id, code or exact name (as typed on the command line)."""
    ref = ref.strip()
    org = session.scalar(select(Organization).where(Organization.code == ref))
    if org is None and ref.isdigit():
        org = session.get(Organization, int(ref))
    if org is None:
        matches = session.scalars(select(Organization).where(Organization.name == ref)).all()
        if len(matches) > 1:
            raise ValidationFailed(f"名称“{ref}”对应多个党组织，请改用编码", field="org")
        org = matches[0] if matches else None
    if org is None:
        raise NotFound(f"党组织不存在：{ref}", field="org")
    return org


def root_org(session: Session) -> Organization:
    org = session.scalar(select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.id))
    if org is None:
        raise NotFound("还没有任何党组织，请先生成或导入数据", field="org")
    return org


def closure_rows(org_id: int, ancestors: list[tuple[int, int]], valid_from: date) -> list[OrgAncestor]:
    """Closure rows for a new node under `ancestors` [(ancestor_id, depth to the parent)]."""
    rows = [OrgAncestor(ancestor_id=org_id, descendant_id=org_id, depth=0, valid_from=valid_from)]
    rows += [
        OrgAncestor(ancestor_id=a, descendant_id=org_id, depth=d + 1, valid_from=valid_from)
        for a, d in ancestors
    ]
    return rows


def _open_ancestors(session: Session, org_id: int) -> list[tuple[int, int]]:
    return [
        (a, d)
        for a, d in session.execute(
            select(OrgAncestor.ancestor_id, OrgAncestor.depth).where(
                OrgAncestor.descendant_id == org_id, OrgAncestor.valid_to.is_(None)
            )
        )
    ]


def division_by_code(session: Session, code: str, *, field: str = "division_code") -> Division:
    division = session.scalar(select(Division).where(Division.code == code.strip()))
    if division is None:
        raise ValidationFailed(f"行政区划代码不存在：{code}", field=field)
    return division


def create_division(session: Session, data: DivisionCreate, *, actor: str) -> Division:
    """A division under its parent; city and county codes must be GB/T 2260 codes."""
    code, name = data.code.strip(), data.name.strip()
    level = DIVISION_LEVEL_OF_KIND[data.kind]
    if not code.isdigit() or len(code) != CODE_LENGTH[level]:
        raise ValidationFailed(f"{level.label}行政区划代码应为{CODE_LENGTH[level]}位数字：{code}", field="code")
    if level in (DivisionLevel.city, DivisionLevel.county) and not idcard.is_known_address(code, strict=True):
        raise ValidationFailed(f"不是已知的 GB/T 2260 行政区划代码：{code}", field="code")
    if not name:
        raise ValidationFailed("行政区划名称不能为空", field="name")
    if session.scalar(select(Division.id).where(Division.code == code)):
        raise ValidationFailed(f"行政区划代码已存在：{code}", field="code")
    parent = None
    if level is not DivisionLevel.city:
        if not data.parent_code:
            raise ValidationFailed("须填写上级行政区划代码", field="parent_code")
        parent = division_by_code(session, data.parent_code, field="parent_code")
        if parent.level != PARENT_LEVEL[level].value:
            raise ValidationFailed(f"上级行政区划应为{PARENT_LEVEL[level].label}：{parent.name}", field="parent_code")
        if level is not DivisionLevel.county and not code.startswith(parent.code):
            raise ValidationFailed(f"代码 {code} 与上级行政区划代码 {parent.code} 不一致", field="code")
    division = Division(code=code, name=name, level=level.value, kind=data.kind.value,
                        parent_id=parent.id if parent else None, path="")
    session.add(division)
    session.flush()
    division.path = f"{parent.path if parent else '/'}{division.id}/"
    audit_service.record(session, actor=actor, action="create", entity="division", entity_id=division.id,
                         after={"code": code, "name": name, "kind": data.kind.value, "parent_id": division.parent_id})
    return division


def _check_date(value: date, field: str, label: str, today: date) -> None:
    if value > today:
        raise ValidationFailed(f"{label}不能晚于今天（{value.isoformat()}）", field=field)


def _org_snapshot(org: Organization) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "parent_id": org.parent_id,
        "path": org.path,
        "unit_id": org.unit_id,
        "division_id": org.division_id,
        "founded_on": org.founded_on,
        "dissolved_on": org.dissolved_on,
        "dissolve_reason": org.dissolve_reason,
    }


def check_version(org: Organization, version: int | None) -> None:
    """An edit based on an older version of the record is refused (409), nothing is overwritten."""
    if version is not None and version != org.version:
        raise Conflict(STALE, field="version")


def create_org(session: Session, data: OrgCreate, *, actor: str, today: date | None = None) -> Organization:
    today = today or date.today()
    name = data.name.strip()
    if not name:
        raise ValidationFailed("党组织名称不能为空", field="name")
    founded_on = data.founded_on or today
    _check_date(founded_on, "founded_on", "成立日期", today)
    parent = None
    if data.parent_id is None:
        if data.kind is not OrgKind.local_committee:
            raise ValidationFailed("只有地方党委可以没有上级党组织", field="parent_id")
    else:
        parent = session.get(Organization, data.parent_id)
        if parent is None:
            raise ValidationFailed(f"上级党组织不存在：{data.parent_id}", field="parent_id")
        if parent.dissolved_on is not None:
            raise ValidationFailed(f"上级党组织“{parent.name}”已撤销", field="parent_id")
        if parent.kind in BRANCH_KINDS:
            raise ValidationFailed("党支部下不能再设党组织（党小组不是一级党组织）", field="parent_id")
        if founded_on < parent.founded_on:
            raise ValidationFailed("成立日期早于上级党组织的成立日期", field="founded_on")
    if data.unit_id is not None and session.get(Unit, data.unit_id) is None:
        raise ValidationFailed(f"所在单位不存在：{data.unit_id}", field="unit_id")
    division_id = data.division_id
    if data.division_code:
        division_id = division_by_code(session, data.division_code).id
    elif division_id is not None and session.get(Division, division_id) is None:
        raise ValidationFailed(f"行政区划不存在：{division_id}", field="division_id")
    if data.code and session.scalar(select(Organization.id).where(Organization.code == data.code)):
        raise ValidationFailed(f"党组织编码已存在：{data.code}", field="code")
    org = Organization(
        code=data.code or f"tmp-{id(data)}",
        name=name,
        kind=data.kind.value,
        parent_id=parent.id if parent else None,
        path="",
        depth=parent.depth + 1 if parent else 0,
        unit_id=data.unit_id,
        division_id=division_id if division_id is not None else (parent.division_id if parent else None),
        founded_on=founded_on,
    )
    session.add(org)
    session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    if not data.code:
        org.code = f"O{org.id:07d}"
    ancestors = _open_ancestors(session, parent.id) if parent else []
    session.add_all(closure_rows(org.id, ancestors, founded_on))
    session.flush()
    audit_service.record(session, actor=actor, action="create", entity="organization", entity_id=org.id, org_id=org.id, after=_org_snapshot(org))
    return org


def move_org(
    session: Session,
    org_id: int,
    *,
    new_parent_id: int,
    moved_on: date,
    actor: str,
    today: date | None = None,
    version: int | None = None,
) -> Organization:
    """Move a subtree under a new parent from `moved_on`; statistics before that day see the old tree."""
    today = today or date.today()
    org = get_org(session, org_id)
    check_version(org, version)
    if org.dissolved_on is not None:
        raise ValidationFailed(f"党组织“{org.name}”已撤销，不能调整隶属关系", field="org_id")
    before = _org_snapshot(org)
    _check_date(moved_on, "moved_on", "调整日期", today)
    parent = session.get(Organization, new_parent_id)
    if parent is None:
        raise ValidationFailed(f"新的上级党组织不存在：{new_parent_id}", field="new_parent_id")
    if parent.id == org.parent_id:
        raise ValidationFailed(f"该党组织已隶属于“{parent.name}”", field="new_parent_id")
    if parent.path.startswith(org.path):
        raise ValidationFailed("不能把党组织移到它自己或它的下级之下", field="new_parent_id")
    if parent.kind in BRANCH_KINDS:
        raise ValidationFailed("党支部下不能再设党组织", field="new_parent_id")
    if parent.dissolved_on is not None:
        raise ValidationFailed(f"上级党组织“{parent.name}”已撤销", field="new_parent_id")
    if moved_on < org.founded_on:
        raise ValidationFailed("调整日期早于本组织的成立日期", field="moved_on")
    if moved_on < parent.founded_on:
        raise ValidationFailed("调整日期早于新的上级党组织的成立日期", field="moved_on")
    last_move = session.scalar(
        select(func.max(OrgAncestor.valid_from)).where(
            OrgAncestor.descendant_id == org.id, OrgAncestor.valid_to.is_(None), OrgAncestor.depth > 0
        )
    )
    if last_move is not None and moved_on < last_move:
        raise ValidationFailed(f"调整日期早于上一次调整或成立的日期（{last_move.isoformat()}）", field="moved_on")
    subtree = list(session.execute(
        select(OrgAncestor.descendant_id, OrgAncestor.depth).where(
            OrgAncestor.ancestor_id == org.id, OrgAncestor.valid_to.is_(None)
        )
    ))
    subtree_set = select(OrgAncestor.descendant_id).where(
        OrgAncestor.ancestor_id == org.id, OrgAncestor.valid_to.is_(None)
    ).scalar_subquery()
    outside_ancestors = select(OrgAncestor.ancestor_id).where(
        OrgAncestor.descendant_id == org.id, OrgAncestor.valid_to.is_(None), OrgAncestor.depth > 0
    ).scalar_subquery()
    started_today = and_(
        OrgAncestor.descendant_id.in_(subtree_set),
        OrgAncestor.ancestor_id.in_(outside_ancestors),
        OrgAncestor.valid_to.is_(None),
    )
    # A link opened on the same day never held: drop it instead of leaving an empty span.
    session.query(OrgAncestor).filter(started_today, OrgAncestor.valid_from >= moved_on).delete(
        synchronize_session=False
    )
    session.execute(update(OrgAncestor).where(started_today).values(valid_to=moved_on))
    new_ancestors = _open_ancestors(session, parent.id)
    session.add_all(
        OrgAncestor(ancestor_id=a, descendant_id=d_id, depth=d + depth + 1, valid_from=moved_on)
        for d_id, depth in subtree
        for a, d in new_ancestors
    )
    old_prefix, new_prefix = org.path, f"{parent.path}{org.id}/"
    depth_shift = parent.depth + 1 - org.depth
    for node in session.scalars(select(Organization).where(Organization.path.startswith(old_prefix))):
        node.path = new_prefix + node.path[len(old_prefix):]
        node.depth += depth_shift
    org.parent_id = parent.id
    org.version += 1
    session.flush()
    audit_service.record(session, actor=actor, action="move", entity="organization", entity_id=org.id, org_id=org.id, before=before, after=_org_snapshot(org))
    return org


def dissolve_org(
    session: Session,
    org_id: int,
    *,
    dissolved_on: date,
    reason: DissolveReason,
    actor: str,
    today: date | None = None,
    version: int | None = None,
) -> Organization:
    today = today or date.today()
    org = get_org(session, org_id)
    check_version(org, version)
    if org.dissolved_on is not None:
        raise ValidationFailed(f"党组织“{org.name}”已于{org.dissolved_on.isoformat()}撤销", field="org_id")
    _check_date(dissolved_on, "dissolved_on", "撤销日期", today)
    if dissolved_on < org.founded_on:
        raise ValidationFailed("撤销日期早于成立日期", field="dissolved_on")
    children = session.scalar(
        select(Organization.id).where(Organization.parent_id == org.id, Organization.dissolved_on.is_(None)).limit(1)
    )
    if children is not None:
        raise ValidationFailed("该党组织还有下级党组织，请先撤销或调整下级党组织", field="org_id")
    members = session.scalar(
        select(Member.id).where(Member.org_id == org.id, Member.status == "active").limit(1)
    )
    if members is not None:
        raise ValidationFailed("该党组织还有党员，请先转接党员的组织关系", field="org_id")
    last_left = session.scalar(
        select(func.max(MemberPeriod.end_on)).where(or_(MemberPeriod.org_id == org.id, MemberPeriod.inflow_org_id == org.id))
    )
    if last_left is not None and dissolved_on < last_left:
        raise ValidationFailed(f"撤销日期早于最后一名党员转出的日期（{last_left.isoformat()}）", field="dissolved_on")
    before = _org_snapshot(org)
    org.dissolved_on = dissolved_on
    org.dissolve_reason = reason.value
    org.version += 1
    session.execute(
        update(OrgAncestor)
        .where(OrgAncestor.descendant_id == org.id, OrgAncestor.valid_to.is_(None))
        .values(valid_to=dissolved_on)
    )
    session.flush()
    audit_service.record(session, actor=actor, action="dissolve", entity="organization", entity_id=org.id, org_id=org.id, before=before, after=_org_snapshot(org))
    return org


def update_org(
    session: Session, org_id: int, data: OrgUpdate, *, actor: str, today: date | None = None
) -> Organization:
    """Change the fields sent in `data` (name, code, unit, division, founding date) of an organization."""
    today = today or date.today()
    org = get_org(session, org_id)
    check_version(org, data.version)
    sent = data.model_fields_set - {"version"}
    values: dict[str, Any] = {}
    if "name" in sent:
        name = (data.name or "").strip()
        if not name:
            raise ValidationFailed("党组织名称不能为空", field="name")
        values["name"] = name
    if "code" in sent:
        if not data.code:
            raise ValidationFailed("党组织编码不能为空", field="code")
        taken = session.scalar(select(Organization.id).where(Organization.code == data.code, Organization.id != org.id))
        if taken is not None:
            raise ValidationFailed(f"党组织编码已存在：{data.code}", field="code")
        values["code"] = data.code
    if "unit_id" in sent:
        if data.unit_id is not None and session.get(Unit, data.unit_id) is None:
            raise ValidationFailed(f"所在单位不存在：{data.unit_id}", field="unit_id")
        values["unit_id"] = data.unit_id
    if "division_code" in sent:
        values["division_id"] = division_by_code(session, data.division_code).id if data.division_code else None
    if "founded_on" in sent:
        if data.founded_on is None:
            raise ValidationFailed("成立日期不能为空", field="founded_on")
        if data.founded_on != org.founded_on:
            _check_founding(session, org, data.founded_on, today)
            values["founded_on"] = data.founded_on
    changed = {k: v for k, v in values.items() if getattr(org, k) != v}
    if not changed:
        return org
    before = _org_snapshot(org)
    if "founded_on" in changed:
        # The links opened at the founding move with it; later ones (moves) stay.
        session.execute(
            update(OrgAncestor)
            .where(OrgAncestor.descendant_id == org.id, OrgAncestor.valid_from == org.founded_on)
            .values(valid_from=changed["founded_on"])
        )
    for key, value in changed.items():
        setattr(org, key, value)
    org.version += 1
    org.updated_at = datetime.now(UTC)
    session.flush()
    audit_service.record(session, actor=actor, action="update", entity="organization", entity_id=org.id,
                         org_id=org.id, before=before, after=_org_snapshot(org))
    return org


def _check_founding(session: Session, org: Organization, founded_on: date, today: date) -> None:
    _check_date(founded_on, "founded_on", "成立日期", today)
    parent = session.get(Organization, org.parent_id) if org.parent_id else None
    if parent is not None and founded_on < parent.founded_on:
        raise ValidationFailed(f"成立日期早于上级党组织的成立日期（{parent.founded_on.isoformat()}）",
                               field="founded_on")
    if org.dissolved_on is not None and founded_on > org.dissolved_on:
        raise ValidationFailed("成立日期晚于撤销日期", field="founded_on")
    first_child = session.scalar(select(func.min(Organization.founded_on)).where(Organization.parent_id == org.id))
    if first_child is not None and founded_on > first_child:
        raise ValidationFailed(f"成立日期晚于下级党组织的成立日期（{first_child.isoformat()}）",
                               field="founded_on")
    # The founding links must still start before any later change of the tree (a move, a dissolution).
    first_change, first_close = session.execute(
        select(
            func.min(case((OrgAncestor.valid_from > org.founded_on, OrgAncestor.valid_from))),
            func.min(OrgAncestor.valid_to),
        ).where(OrgAncestor.descendant_id == org.id)
    ).one()
    limits = [d for d in (first_change, first_close) if d is not None]
    if limits and founded_on >= min(limits):
        raise ValidationFailed(f"成立日期不能晚于隶属关系调整或撤销的日期（{min(limits).isoformat()}）",
                               field="founded_on")


def subtree_member_counts(session: Session, org_ids: list[int]) -> dict[int, int]:
    """Active members in each organization's current subtree: counted per organization, then rolled
    up through the closure table (one query for all of them)."""
    if not org_ids:
        return {}
    open_link = OrgAncestor.valid_to.is_(None)
    below = select(OrgAncestor.descendant_id).where(OrgAncestor.ancestor_id.in_(org_ids), open_link)
    per_org = (
        select(Member.org_id.label("org_id"), func.count().label("n"))
        .where(Member.status == "active", Member.org_id.in_(below))
        .group_by(Member.org_id)
        .subquery()
    )
    rows = session.execute(
        select(OrgAncestor.ancestor_id, func.sum(per_org.c.n))
        .join(per_org, per_org.c.org_id == OrgAncestor.descendant_id)
        .where(OrgAncestor.ancestor_id.in_(org_ids), open_link)
        .group_by(OrgAncestor.ancestor_id)
    )
    return {ancestor: int(n) for ancestor, n in rows}


def org_nodes(
    session: Session, orgs: list[Organization], *, scope: Scope, include_dissolved: bool = False
) -> list[dict[str, Any]]:
    """Tree nodes with their member counts and whether they have (visible) children."""
    ids = [o.id for o in orgs]
    if not ids:
        return []
    own = dict(session.execute(
        select(Member.org_id, func.count())
        .where(Member.status == "active", Member.org_id.in_(ids))
        .group_by(Member.org_id)
    ).all())
    subtree = subtree_member_counts(session, ids)
    children = select(Organization.parent_id).where(Organization.parent_id.in_(ids), scope.orgs())
    if not include_dissolved:
        children = children.where(Organization.dissolved_on.is_(None))
    with_children = set(session.scalars(children.distinct()))
    return [
        {
            "id": o.id, "code": o.code, "name": o.name, "kind": o.kind, "kind_label": OrgKind(o.kind).label,
            "dissolved_on": o.dissolved_on, "has_children": o.id in with_children,
            "member_count": own.get(o.id, 0), "subtree_member_count": subtree.get(o.id, 0),
        }
        for o in orgs
    ]


def scope_roots(session: Session, scope: Scope) -> list[Organization]:
    """Where the user's tree starts: the scope's roots, without those lying inside another root."""
    if scope.kind is ScopeKind.self or not scope.roots:
        return []
    orgs = session.scalars(
        select(Organization).where(Organization.id.in_(scope.roots)).order_by(Organization.code, Organization.id)
    ).all()
    return [o for o in orgs if not any(o.path != p.path and o.path.startswith(p.path) for p in orgs)]


def visible_children(
    session: Session, org: Organization, *, scope: Scope, include_dissolved: bool = False
) -> list[Organization]:
    query = select(Organization).where(Organization.parent_id == org.id, scope.orgs())
    if not include_dissolved:
        query = query.where(Organization.dissolved_on.is_(None))
    return list(session.scalars(query.order_by(Organization.code, Organization.id)))


def search_orgs(session: Session, q: str, *, scope: Scope, limit: int = 20) -> list[dict[str, Any]]:
    """Organizations in scope whose name contains `q` or whose code starts with it, live ones first,
    each with the names of its ancestors within the scope."""
    q = q.strip()
    if not q:
        return []
    matches = or_(Organization.name.contains(q, autoescape=True), Organization.code.startswith(q, autoescape=True))
    live_first = case((Organization.dissolved_on.is_(None), 0), else_=1)
    hits = session.scalars(
        select(Organization)
        .where(matches, scope.orgs())
        .order_by(live_first, Organization.depth, Organization.code, Organization.id)
        .limit(limit)
    ).all()
    ancestors = {o.id: [int(part) for part in o.path.strip("/").split("/")[:-1]] for o in hits}
    wanted = {a for ids in ancestors.values() for a in ids}
    names = dict(session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted), scope.orgs())
    ).all()) if wanted else {}
    return [
        {
            "id": o.id, "code": o.code, "name": o.name, "kind": o.kind, "kind_label": OrgKind(o.kind).label,
            "dissolved_on": o.dissolved_on, "path_names": [names[a] for a in ancestors[o.id] if a in names],
        }
        for o in hits
    ]


def org_detail(session: Session, org: Organization, *, scope: Scope, today: date | None = None) -> dict[str, Any]:
    """Everything the detail page shows of a visible organization, parents outside the scope left out."""
    today = today or date.today()
    probationary = or_(Member.confirmed_on.is_(None), Member.confirmed_on > today)
    parent = session.execute(
        select(Organization.id, Organization.name).where(Organization.id == org.parent_id, scope.orgs())
    ).one_or_none() if org.parent_id else None
    unit = session.get(Unit, org.unit_id) if org.unit_id else None
    division = session.get(Division, org.division_id) if org.division_id else None
    members, prob = session.execute(
        select(func.count(), func.coalesce(func.sum(case((probationary, 1), else_=0)), 0))
        .where(Member.status == "active", Member.org_id == org.id)
    ).one()
    children = session.scalar(
        select(func.count()).select_from(Organization).where(
            Organization.parent_id == org.id, Organization.dissolved_on.is_(None), scope.orgs()
        )
    )
    grade = session.execute(
        select(OrgClassification.year, OrgClassification.grade)
        .where(OrgClassification.org_id == org.id)
        .order_by(OrgClassification.year.desc())
        .limit(1)
    ).one_or_none()
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "organization", AuditEvent.entity_id == org.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(100)
    ).all()
    return {
        **{key: getattr(org, key) for key in (
            "id", "code", "name", "kind", "parent_id", "path", "depth", "unit_id", "division_id",
            "founded_on", "dissolved_on", "dissolve_reason", "version",
        )},
        "kind_label": OrgKind(org.kind).label,
        "parent": {"id": parent.id, "name": parent.name} if parent else None,
        "unit": _unit_read(unit) if unit else None,
        "division": {"id": division.id, "code": division.code, "name": division.name, "kind": division.kind}
        if division else None,
        "counts": {
            "members": members, "full": members - int(prob), "probationary": int(prob),
            "subtree_members": subtree_member_counts(session, [org.id]).get(org.id, 0), "children": children,
        },
        "classification": {"year": grade.year, "grade": grade.grade, "grade_label": VillageClass(grade.grade).label}
        if grade else None,
        "history": [
            {
                # SQLite hands back naive UTC; the schema promises an offset.
                "id": e.id, "at": e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC), "actor": e.actor,
                "action": e.action, "action_label": ACTION_LABELS.get(e.action, e.action),
                "before": e.before, "after": e.after,
            }
            for e in events
        ],
    }


def _unit_read(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "kind_label": UnitKind(unit.kind).label,
            "status": unit.status, "status_label": UnitStatus(unit.status).label}


def list_divisions(session: Session, *, parent_code: str | None = None) -> list[dict[str, Any]]:
    """The divisions directly below `parent_code` (the top ones without it); they are public codes."""
    parent = division_by_code(session, parent_code, field="parent_code") if parent_code else None
    child = Division.__table__.alias("child")
    rows = session.execute(
        select(Division, exists().where(child.c.parent_id == Division.id).label("has_children"))
        .where(Division.parent_id == parent.id if parent else Division.parent_id.is_(None))
        .order_by(Division.code)
    ).all()
    return [
        {"id": d.id, "code": d.code, "name": d.name, "kind": d.kind, "kind_label": DivisionKind(d.kind).label,
         "level": d.level, "level_label": DivisionLevel(d.level).label, "has_children": bool(has)}
        for d, has in rows
    ]


def list_units(
    session: Session, *, scope: Scope, q: str | None = None, kind: UnitKind | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Units a user may pick: those of organizations in scope, and those no organization sits in yet."""
    in_scope = select(Organization.unit_id).where(Organization.unit_id.is_not(None), scope.orgs())
    unlinked = ~exists().where(Organization.unit_id == Unit.id)
    query = select(Unit).where(or_(Unit.id.in_(in_scope), unlinked))
    if q and q.strip():
        query = query.where(Unit.name.contains(q.strip(), autoescape=True))
    if kind is not None:
        query = query.where(Unit.kind == kind.value)
    return [_unit_read(u) for u in session.scalars(query.order_by(Unit.name, Unit.id).limit(limit))]
