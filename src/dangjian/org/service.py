"""Organizations and the tree: create, move, dissolve, and subtrees as of a date."""

from datetime import date

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.errors import NotFound, ValidationFailed
from dangjian.kit import idcard
from dangjian.org.codes import BRANCH_KINDS, DIVISION_LEVEL_OF_KIND, DissolveReason, DivisionLevel, OrgKind
from dangjian.org.models import Division, OrgAncestor, Organization, Unit
from dangjian.org.schemas import DivisionCreate, OrgCreate

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
    session: Session, org_id: int, *, new_parent_id: int, moved_on: date, actor: str, today: date | None = None
) -> Organization:
    """Move a subtree under a new parent from `moved_on`; statistics before that day see the old tree."""
    today = today or date.today()
    org = get_org(session, org_id)
    before = _org_snapshot(org)
    _check_date(moved_on, "moved_on", "调整日期", today)
    parent = session.get(Organization, new_parent_id)
    if parent is None:
        raise ValidationFailed(f"新的上级党组织不存在：{new_parent_id}", field="parent_id")
    if parent.path.startswith(org.path):
        raise ValidationFailed("不能把党组织移到它自己或它的下级之下", field="parent_id")
    if parent.kind in BRANCH_KINDS:
        raise ValidationFailed("党支部下不能再设党组织", field="parent_id")
    if parent.dissolved_on is not None:
        raise ValidationFailed(f"上级党组织“{parent.name}”已撤销", field="parent_id")
    if moved_on < org.founded_on:
        raise ValidationFailed("调整日期早于本组织的成立日期", field="moved_on")
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
) -> Organization:
    from dangjian.member.models import Member

    today = today or date.today()
    org = get_org(session, org_id)
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
