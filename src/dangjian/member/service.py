"""The roster: create, edit and leave, keeping each member's dated history.

The member row is the current state; `MemberPeriod` rows are the dated history that statistics
read. Every write here keeps the open period equal to the member row.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, union_all, update
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.auth.scope import Scope, ScopeKind, owns_member_formally, visible_member, visible_org
from dangjian.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dangjian.kit import idcard, privacy
from dangjian.member.codes import (
    EDUCATIONS,
    ETHNICITIES,
    Employment,
    Gender,
    LeaveReason,
    MemberEventKind,
    MemberStatus,
    Occupation,
    education_codes,
)
from dangjian.member.models import Member, MemberEvent, MemberPeriod
from dangjian.member.schemas import (
    PERSONAL_FIELDS,
    MemberCreate,
    MemberDetail,
    MemberEventRead,
    MemberHistory,
    MemberListItem,
    MemberPage,
    MemberPeriodRead,
    MemberQuery,
    MemberUpdate,
    OrgRef,
    RevealedPersonal,
    UnitRef,
)
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization, Unit

MIN_JOIN_AGE = 18  # 党章 第一条: 年满十八岁
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

# Fields whose change is a correction of the record (true for all of its history), as opposed to a
# change in the member's situation that holds from an effective date on.
CORRECTIONS = ("gender", "ethnicity", "birth_on", "confirmed_on")
PERIOD_FIELDS = ("org_id", "inflow_org_id", "education", "occupation", "employment", "is_floating")
# Fields every member has (the table refuses nulls); an edit may not clear them.
REQUIRED = ("name", "id_number", "ethnicity", "education", "occupation", "employment", "joined_on")
# Longest free texts, as the columns allow.
TEXT_LIMITS = {"post": 64, "outflow_place": 128, "inflow_place": 128, "address": 200}
FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_on": "出生日期",
    "id_number": "公民身份号码",
    "education": "学历",
    "occupation": "人员类别",
    "employment": "工作状况",
    "joined_on": "入党日期",
    "confirmed_on": "转正日期",
    "post": "党内职务",
    "org_id": "所在党组织",
    "unit_id": "工作单位",
    "is_floating": "是否流动党员",
    "outflow_place": "流出地",
    "inflow_org_id": "流入地党组织",
    "inflow_place": "流入地",
    "lost_contact_on": "失联日期",
    "phone": "联系电话",
    "address": "家庭住址",
}


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"党员不存在：{member_id}", field="member_id")
    return member


def snapshot(member: Member) -> dict[str, Any]:
    return {field: getattr(member, field) for field in (*FIELD_LABELS, "status", "left_on", "left_reason")}


def period_values(member: Member) -> dict[str, Any]:
    """The statistical attributes of a member, as stored on a period."""
    return {
        "org_id": member.org_id,
        "inflow_org_id": member.inflow_org_id,
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "birth_on": member.birth_on,
        "confirmed_on": member.confirmed_on,
        "education": member.education,
        "occupation": member.occupation,
        "employment": member.employment,
        "has_post": bool(member.post),
        "is_floating": member.is_floating,
        "is_lost_contact": member.lost_contact_on is not None,
    }


def _fail(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{FIELD_LABELS.get(field, field)}：{reason}", field=field)


def _has_control(text: str) -> bool:
    """Control characters and lone surrogates: invisible, and refused by PostgreSQL (NUL)."""
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def _validate(session: Session, values: dict[str, Any], *, member_id: int | None, today: date) -> dict[str, Any]:
    """Check a member's complete values; returns them normalized. Raises on the first problem."""
    values = dict(values)
    for field in REQUIRED:
        if values.get(field) is None:
            raise _fail(field, "不能为空")
    for field in ("name", "post", "outflow_place", "inflow_place", "address", "phone"):
        if isinstance(values.get(field), str) and _has_control(values[field]):
            raise _fail(field, "含有不可见的控制字符")
    name = (values.get("name") or "").strip()
    if not name:
        raise _fail("name", "不能为空")
    if len(name) > 64:
        raise _fail("name", "不能超过64个字")
    values["name"] = name
    try:
        parsed = idcard.parse_id_number(values["id_number"], today=today)
    except idcard.IdNumberError as error:
        raise ValidationFailed(str(error), field="id_number") from None
    values["id_number"] = parsed.number
    clash = session.scalar(select(Member.id).where(Member.id_number == parsed.number))
    if clash is not None and clash != member_id:
        raise _fail("id_number", f"{idcard.mask(parsed.number)} 已登记为另一名党员")
    if values.get("birth_on") is None:
        values["birth_on"] = parsed.birth_on
    elif values["birth_on"] != parsed.birth_on:
        raise _fail("birth_on", f"与公民身份号码不一致（身份证号中为{parsed.birth_on.isoformat()}）")
    gender = values.get("gender")
    if gender is None:
        values["gender"] = parsed.gender
    elif Gender(gender).value != parsed.gender:
        raise _fail("gender", f"与公民身份号码不一致（身份证号中为{Gender(parsed.gender).label}）")
    values["gender"] = Gender(values["gender"]).value
    if values.get("ethnicity") not in ETHNICITIES:
        raise _fail("ethnicity", f"不是有效的民族代码：{values.get('ethnicity')}")
    if values.get("education") not in EDUCATIONS:
        raise _fail("education", f"不是有效的学历代码：{values.get('education')}")
    for field in ("joined_on", "confirmed_on", "lost_contact_on"):
        if values.get(field) is not None and values[field] > today:
            raise _fail(field, f"不能晚于今天（{values[field].isoformat()}）")
    joined_on = values["joined_on"]
    if joined_on < add_years(values["birth_on"], MIN_JOIN_AGE):
        raise _fail("joined_on", "入党时未满十八周岁")
    confirmed_on = values.get("confirmed_on")
    if confirmed_on is not None and confirmed_on < add_years(joined_on, 1):
        raise _fail("confirmed_on", "预备期为一年，转正日期不能早于入党日期满一年")  # 党章 第七条
    phone = (values.get("phone") or "").strip() or None
    if phone is not None and not PHONE.match(phone):
        raise _fail("phone", f"格式不正确：{privacy.mask_phone(phone)}")  # personal data only masked
    values["phone"] = phone
    for field, limit in TEXT_LIMITS.items():
        values[field] = (values.get(field) or "").strip() or None
        if values[field] is not None and len(values[field]) > limit:
            raise _fail(field, f"不能超过{limit}个字")
    values["is_floating"] = bool(values.get("is_floating"))
    _validate_orgs(session, values)
    if values.get("unit_id") is not None and session.get(Unit, values["unit_id"]) is None:
        raise _fail("unit_id", f"单位不存在：{values['unit_id']}")
    return values


def _validate_orgs(session: Session, values: dict[str, Any]) -> None:
    org_id = values.get("org_id")
    if org_id is None:
        # A member floating in from outside the city: the formal relation stays outside.
        if not (values["is_floating"] and values.get("inflow_org_id") and values.get("outflow_place")):
            raise _fail("org_id", "不能为空（只有从市外流入的党员可以不填，须填写流出地和流入地党组织）")
    else:
        org = session.get(Organization, org_id)
        if org is None:
            raise _fail("org_id", f"党组织不存在：{org_id}")
        if org.dissolved_on is not None:
            raise _fail("org_id", f"“{org.name}”已撤销")
        if org.kind not in BRANCH_KINDS:
            raise _fail("org_id", f"党员应编入党支部，“{org.name}”不是党支部")
    inflow_org_id = values.get("inflow_org_id")
    if inflow_org_id is not None:
        if not values["is_floating"]:
            raise _fail("inflow_org_id", "只有流动党员才有流入地党组织")
        inflow = session.get(Organization, inflow_org_id)
        if inflow is None or inflow.dissolved_on is not None:
            raise _fail("inflow_org_id", f"党组织不存在或已撤销：{inflow_org_id}")
        if inflow_org_id == org_id:
            raise _fail("inflow_org_id", "流入地党组织不能是本人所在党组织")


def create_member(
    session: Session,
    data: MemberCreate,
    *,
    actor: str,
    effective_on: date | None = None,
    today: date | None = None,
) -> Member:
    """Enter a member in the roster. History starts at `effective_on` (default: the joining day)."""
    today = today or date.today()
    values = _validate(session, data.model_dump(), member_id=None, today=today)
    start_on = effective_on or values["joined_on"]
    if start_on > today:
        raise _fail("joined_on", "生效日期不能晚于今天")
    # History lies within the organizations' lifetimes: none before they were founded.
    for org_id in (values.get("org_id"), values.get("inflow_org_id")):
        if org_id is not None:
            start_on = max(start_on, session.get(Organization, org_id).founded_on)
    if start_on > today:
        raise _fail("org_id", "党组织的成立日期晚于今天")
    member = Member(**{k: (v.value if hasattr(v, "value") else v) for k, v in values.items()})
    member.status = MemberStatus.active.value
    member.version = 1
    session.add(member)
    session.flush()
    state = period_values(member)
    lost_on = member.lost_contact_on
    if lost_on is not None and lost_on > start_on:  # in contact until the day contact was lost
        session.add(MemberPeriod(member_id=member.id, start_on=start_on, end_on=lost_on, **{**state, "is_lost_contact": False}))
        start_on = lost_on
    session.add(MemberPeriod(member_id=member.id, start_on=start_on, end_on=None, **state))
    session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.joined.value, occurred_on=member.joined_on, org_id=member.org_id))
    if member.confirmed_on is not None:
        session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.confirmed.value, occurred_on=member.confirmed_on, org_id=member.org_id))
    if lost_on is not None:
        session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.lost_contact.value, occurred_on=lost_on, org_id=member.org_id))
    session.flush()
    audit_service.record(session, actor=actor, action="create", entity="member", entity_id=member.id, org_id=member.org_id, after=snapshot(member))
    return member


def _open_period(session: Session, member_id: int) -> MemberPeriod:
    period = session.scalar(
        select(MemberPeriod).where(MemberPeriod.member_id == member_id, MemberPeriod.end_on.is_(None))
    )
    if period is None:
        raise ValidationFailed("该党员已出党，不能再修改", field="member_id")
    return period


def update_member(
    session: Session,
    member_id: int,
    data: MemberUpdate,
    *,
    version: int,
    actor: str,
    effective_on: date | None = None,
    today: date | None = None,
) -> Member:
    """Edit a member. A change of situation (organization, schooling, work, floating...) holds from
    `effective_on` (default today); corrections of identity fields rewrite the whole history."""
    today = today or date.today()
    member = get_member(session, member_id)
    if member.version != version:
        raise Conflict("该党员信息已被他人修改，请刷新后重试", field="version")
    if member.status != MemberStatus.active.value:
        raise ValidationFailed("该党员已出党，不能再修改", field="member_id")
    changes = data.model_dump(exclude_unset=True)
    before = snapshot(member)
    values = _validate(session, {**before, **changes}, member_id=member.id, today=today)
    newly_lost = before["lost_contact_on"] is None and values.get("lost_contact_on") is not None
    effective_on = effective_on or (values["lost_contact_on"] if newly_lost else today)
    if effective_on > today:
        raise _fail("effective_on", "生效日期不能晚于今天")
    old_period_values = period_values(member)
    for field, value in values.items():
        if field in FIELD_LABELS:
            setattr(member, field, value.value if hasattr(value, "value") else value)
    new_period_values = period_values(member)
    corrections = {f: new_period_values[f] for f in CORRECTIONS if new_period_values[f] != old_period_values[f]}
    if corrections:
        session.execute(update(MemberPeriod).where(MemberPeriod.member_id == member.id).values(**corrections))
    situation_changed = any(new_period_values[f] != old_period_values[f] for f in new_period_values if f not in CORRECTIONS)
    if situation_changed:
        period = _open_period(session, member.id)
        if effective_on < period.start_on:
            raise _fail("effective_on", f"生效日期不能早于上一次变动（{period.start_on.isoformat()}）")
        for field in ("org_id", "inflow_org_id"):
            org = session.get(Organization, new_period_values[field]) if new_period_values[field] else None
            if org is not None and new_period_values[field] != old_period_values[field] and effective_on < org.founded_on:
                raise _fail("effective_on", f"生效日期早于“{org.name}”的成立日期（{org.founded_on.isoformat()}）")
        if effective_on == period.start_on:
            for field, value in new_period_values.items():
                setattr(period, field, value)
        else:
            period.end_on = effective_on
            session.add(MemberPeriod(member_id=member.id, start_on=effective_on, end_on=None, **new_period_values))
        kind = event_kind(before, member)
        changed = {f: [before[f], getattr(member, f)] for f in FIELD_LABELS if before[f] != getattr(member, f)}
        session.add(MemberEvent(member_id=member.id, kind=kind.value, occurred_on=effective_on, org_id=member.org_id, detail=audit_service.jsonable(changed)))
    member.version += 1
    session.flush()
    audit_service.record(session, actor=actor, action="update", entity="member", entity_id=member.id, org_id=member.org_id, before=before, after=snapshot(member))
    return member


def event_kind(before: dict[str, Any], member: Member) -> MemberEventKind:
    """The event a change makes in the member's history, the weightiest first."""
    if member.org_id != before["org_id"]:
        return MemberEventKind.moved
    if (before["lost_contact_on"] is None) != (member.lost_contact_on is None):
        return MemberEventKind.lost_contact if member.lost_contact_on else MemberEventKind.contact_restored
    if before["is_floating"] != member.is_floating:
        return MemberEventKind.floating_started if member.is_floating else MemberEventKind.floating_ended
    return MemberEventKind.changed


def leave_member(
    session: Session,
    member_id: int,
    *,
    reason: LeaveReason,
    left_on: date,
    actor: str,
    version: int | None = None,
    today: date | None = None,
) -> Member:
    """A member leaves the roster through a reason; the record is kept (never deleted)."""
    today = today or date.today()
    member = get_member(session, member_id)
    if version is not None and member.version != version:
        raise Conflict("该党员信息已被他人修改，请刷新后重试", field="version")
    if member.status != MemberStatus.active.value:
        raise ValidationFailed("该党员已出党", field="member_id")
    if left_on > today:
        raise _fail("left_on", "出党日期不能晚于今天")
    period = _open_period(session, member.id)
    if left_on <= period.start_on:
        raise ValidationFailed(f"出党日期：应晚于上一次变动（{period.start_on.isoformat()}）", field="left_on")
    before = snapshot(member)
    period.end_on = left_on
    member.status = MemberStatus.left.value
    member.left_on = left_on
    member.left_reason = LeaveReason(reason).value
    member.version += 1
    session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.left.value, occurred_on=left_on, org_id=member.org_id, detail={"reason": member.left_reason}))
    session.flush()
    audit_service.record(session, actor=actor, action="leave", entity="member", entity_id=member.id, org_id=member.org_id, before=before, after=snapshot(member))
    return member


# --- Reading the roster within a scope, masked -------------------------------------------------

SORT_COLUMNS = (Member.id, Member.name, Member.birth_on, Member.joined_on)


def sort_keys(rows, sort: str) -> tuple[ColumnElement, ...]:
    """ORDER BY of a sort option over rows of `SORT_COLUMNS`; ids break ties, so that pages
    never overlap."""
    field = sort.lstrip("-")
    if field == "id":
        return (rows.c.id.asc(),)
    if sort.startswith("-"):
        return (rows.c[field].desc(), rows.c.id.desc())
    return (rows.c[field].asc(), rows.c.id.asc())


NOT_WRITABLE = "该党员的组织关系不在您管理的党组织，您只能查看（如流入本组织的流动党员），不能修改"


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def party_age(member: Member, *, today: date) -> int | None:
    """党龄: whole years since confirmation as a full member (none while probationary), up to leaving."""
    if member.confirmed_on is None:
        return None
    end = member.left_on if member.left_on is not None else today
    return max(0, age_on(member.confirmed_on, end))


def _born_cutoffs(query: MemberQuery, today: date) -> list[ColumnElement[bool]]:
    """Age bounds as bounds on the birth date (plain comparisons, no date arithmetic in SQL)."""
    clauses = []
    if query.age_min is not None:  # age >= n  <=>  born on or before today n years ago
        clauses.append(Member.birth_on <= add_years(today, -query.age_min))
    if query.age_max is not None:  # age <= n  <=>  born after today n+1 years ago
        clauses.append(Member.birth_on > add_years(today, -(query.age_max + 1)))
    return clauses


def roster_orgs(session: Session, scope: Scope, query: MemberQuery):
    """Ids of the organizations whose members (and members floating into them) are listed, or None
    when no organization bounds the list (the whole city, or a member's own record)."""
    if query.org_id is not None:
        org = visible_org(session, scope, query.org_id)
        # The subtree as far as the scope reaches (a branch secretary's scope is the branch alone).
        subtree = Organization.path.startswith(org.path, autoescape=True)
        return select(Organization.id).where(subtree, scope.orgs()).scalar_subquery()
    if scope.kind in (ScopeKind.subtree, ScopeKind.org):
        return scope.org_ids().scalar_subquery()
    return None


def roster_clauses(session: Session, scope: Scope, query: MemberQuery, *, today: date) -> list[ColumnElement[bool]]:
    """Every condition of the list except the organizations (see `roster_orgs`)."""
    if query.age_min is not None and query.age_max is not None and query.age_min > query.age_max:
        raise ValidationFailed("年龄下限：不能大于年龄上限", field="age_min")
    name = (query.name or "").strip()
    if _has_control(name):
        raise ValidationFailed("姓名：含有不可见的控制字符", field="name")
    clauses: list[ColumnElement[bool]] = [Member.status == query.status.value]
    if scope.kind is ScopeKind.self:
        clauses.append(scope.members())
    if name:
        clauses.append(Member.name.contains(name, autoescape=True))
    if query.id_tail:
        clauses.append(Member.id_number.endswith(query.id_tail.upper()))
    if query.gender is not None:
        clauses.append(Member.gender == query.gender.value)
    clauses.extend(_born_cutoffs(query, today))
    if query.education_group is not None:
        clauses.append(Member.education.in_(education_codes(query.education_group)))
    if query.education is not None:
        clauses.append(Member.education == query.education)
    if query.occupation is not None:
        clauses.append(Member.occupation == query.occupation.value)
    if query.employment is not None:
        clauses.append(Member.employment == query.employment.value)
    if query.floating is not None:
        clauses.append(Member.is_floating == query.floating)
    if query.lost_contact is not None:
        clauses.append(Member.lost_contact_on.is_not(None) if query.lost_contact else Member.lost_contact_on.is_(None))
    if query.without_post is not None:
        no_post = or_(Member.post.is_(None), Member.post == "")
        clauses.append(no_post if query.without_post else ~no_post)
    if query.probationary is not None:
        clauses.append(Member.confirmed_on.is_(None) if query.probationary else Member.confirmed_on.is_not(None))
    return clauses


def roster_parts(session: Session, scope: Scope, query: MemberQuery, *, today: date) -> list[Select]:
    """The listed members as disjoint selects of their ids and sort columns.

    Bounded by organizations, they are two parts, members of the organizations and members floating
    into them (together the set `Scope.members()` describes), so that each part is found through its
    own index; one OR over both columns made PostgreSQL scan the whole table.
    """
    orgs = roster_orgs(session, scope, query)
    clauses = roster_clauses(session, scope, query, today=today)
    if orgs is None:
        return [select(*SORT_COLUMNS).where(*clauses)]
    return [
        select(*SORT_COLUMNS).where(Member.org_id.in_(orgs), *clauses),
        select(*SORT_COLUMNS).where(
            Member.inflow_org_id.in_(orgs), or_(Member.org_id.is_(None), Member.org_id.not_in(orgs)), *clauses
        ),
    ]


def search_members(session: Session, scope: Scope, query: MemberQuery, *, today: date | None = None) -> MemberPage:
    """One page of the roster in scope: the count and the page's ids, their rows, the organizations' names."""
    today = today or date.today()
    parts = roster_parts(session, scope, query, today=today)
    offset = (query.page - 1) * query.page_size
    if len(parts) == 1:  # the whole city: the name index finds a page without reading the rest
        listed = parts[0].subquery("listed")
        total = session.scalar(select(func.count()).select_from(listed)) or 0
        ids = session.scalars(
            select(listed.c.id).order_by(*sort_keys(listed, query.sort)).limit(query.page_size).offset(offset)
        ).all()
    else:  # a subtree: filter once, then count and sort what was found, in one statement
        listed = union_all(*parts).cte("listed").prefix_with("MATERIALIZED")
        count = select(func.count()).select_from(listed)
        page = session.execute(
            select(listed.c.id, count.scalar_subquery()).order_by(*sort_keys(listed, query.sort))
            .limit(query.page_size).offset(offset)
        ).all()
        ids = [row[0] for row in page]
        total = page[0][1] if page else session.scalar(count) or 0  # past the last page
    rows = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
    members = [rows[i] for i in ids]
    names = org_refs(session, _org_ids(members))
    return MemberPage(items=[list_item(m, names, today=today) for m in members], total=total,
                      page=query.page, page_size=query.page_size)


def _org_ids(members: Iterable[Member]) -> set[int]:
    return {i for m in members for i in (m.org_id, m.inflow_org_id) if i is not None}


def org_refs(session: Session, ids: Iterable[int]) -> dict[int, OrgRef]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all()
    return {row.id: OrgRef(id=row.id, name=row.name) for row in rows}


def _labels(member: Member) -> dict[str, Any]:
    return {
        "gender_label": Gender(member.gender).label,
        "ethnicity_label": ETHNICITIES.get(member.ethnicity, member.ethnicity),
        "education_label": EDUCATIONS[member.education][0] if member.education in EDUCATIONS else member.education,
        "occupation_label": Occupation(member.occupation).label,
        "employment_label": Employment(member.employment).label,
        "status_label": MemberStatus(member.status).label,
    }


def list_item(member: Member, orgs: dict[int, OrgRef], *, today: date) -> MemberListItem:
    return MemberListItem(**_item_values(member, orgs, today=today))


def _item_values(member: Member, orgs: dict[int, OrgRef], *, today: date) -> dict[str, Any]:
    return {
        "id": member.id, "name": member.name, "gender": member.gender, "birth_on": member.birth_on,
        "age": age_on(member.birth_on, member.left_on or today), "id_number": idcard.mask(member.id_number),
        "ethnicity": member.ethnicity, "education": member.education, "occupation": member.occupation,
        "employment": member.employment, "joined_on": member.joined_on, "confirmed_on": member.confirmed_on,
        "is_probationary": member.confirmed_on is None, "post": member.post,
        "org": orgs.get(member.org_id) if member.org_id is not None else None,
        "inflow_org": orgs.get(member.inflow_org_id) if member.inflow_org_id is not None else None,
        "is_floating": member.is_floating, "lost_contact": member.lost_contact_on is not None,
        "status": member.status, **_labels(member),
    }


def member_detail(
    session: Session, scope: Scope, member: Member, *, may_update: bool, today: date | None = None
) -> MemberDetail:
    """A member as `scope` may see it: personal data masked, and whether the caller (who `may_update`
    members at all) may edit this one."""
    today = today or date.today()
    orgs = org_refs(session, _org_ids([member]))
    unit = session.get(Unit, member.unit_id) if member.unit_id is not None else None
    reason = LeaveReason(member.left_reason) if member.left_reason else None
    return MemberDetail(
        **_item_values(member, orgs, today=today),
        party_age=party_age(member, today=today),
        unit=UnitRef(id=unit.id, name=unit.name) if unit else None,
        outflow_place=member.outflow_place, inflow_place=member.inflow_place, lost_contact_on=member.lost_contact_on,
        phone=privacy.mask_phone(member.phone), address=privacy.mask_address(member.address),
        left_on=member.left_on, left_reason=reason, left_reason_label=reason.label if reason else None,
        version=member.version,
        writable=may_update and member.status == MemberStatus.active.value
        and owns_member_formally(session, scope, member),
    )


MASKS = {"id_number": idcard.mask, "phone": privacy.mask_phone, "address": privacy.mask_address}


def mask_detail(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event's detail with personal values masked (a change is stored as [before, after])."""
    if not detail:
        return detail

    def masked(field: str, value: Any) -> Any:
        if isinstance(value, list):
            return [masked(field, v) for v in value]
        return MASKS[field](value) if isinstance(value, str) else value

    return {k: masked(k, v) if k in MASKS else v for k, v in detail.items()}


def member_history(session: Session, member: Member) -> MemberHistory:
    """Events and periods, oldest first, personal data masked."""
    events = session.scalars(
        select(MemberEvent).where(MemberEvent.member_id == member.id).order_by(MemberEvent.occurred_on, MemberEvent.id)
    ).all()
    periods = session.scalars(
        select(MemberPeriod).where(MemberPeriod.member_id == member.id).order_by(MemberPeriod.start_on, MemberPeriod.id)
    ).all()
    ids = {e.org_id for e in events} | {i for p in periods for i in (p.org_id, p.inflow_org_id)}
    orgs = org_refs(session, (i for i in ids if i is not None))
    return MemberHistory(
        events=[
            MemberEventRead(kind=e.kind, kind_label=MemberEventKind(e.kind).label, occurred_on=e.occurred_on,
                            org=orgs.get(e.org_id) if e.org_id is not None else None, detail=mask_detail(e.detail))
            for e in events
        ],
        periods=[
            MemberPeriodRead(start_on=p.start_on, end_on=p.end_on,
                             org=orgs.get(p.org_id) if p.org_id is not None else None,
                             inflow_org=orgs.get(p.inflow_org_id) if p.inflow_org_id is not None else None,
                             employment=p.employment, employment_label=Employment(p.employment).label,
                             is_floating=p.is_floating, is_lost_contact=p.is_lost_contact)
            for p in periods
        ],
    )


def reveal_personal(session: Session, member: Member, *, fields: Sequence[str], actor: str) -> RevealedPersonal:
    """The full ID number, phone and address; the audit keeps who saw which fields, never the values."""
    fields = [f for f in PERSONAL_FIELDS if f in set(fields)]
    audit_service.record(session, actor=actor, action="reveal", entity="member", entity_id=member.id,
                         org_id=member.org_id if member.org_id is not None else member.inflow_org_id,
                         after={"fields": fields})
    return RevealedPersonal(id=member.id, **{f: getattr(member, f) if f in fields else None for f in PERSONAL_FIELDS})


# --- Scope checks for writes --------------------------------------------------------------------

def writable_member(session: Session, scope: Scope, member_id: int, *, version: int | None = None) -> Member:
    """The member if the scope holds their formal relation: 404 when out of sight (as if absent),
    403 when only visible (a floating-in member seen through the inflow organization), 409 when stale."""
    member = visible_member(session, scope, member_id)
    if not owns_member_formally(session, scope, member):
        raise Forbidden(NOT_WRITABLE, field="member_id")
    if version is not None and member.version != version:
        raise Conflict("该党员信息已被他人修改，请刷新后重试", field="version")
    return member


def org_in_scope(session: Session, scope: Scope, org_id: int, *, field: str = "org_id") -> Organization:
    """An organization named in a request body: one outside the scope is refused exactly like one
    that does not exist (422 naming the field), so that existence does not leak."""
    try:
        return visible_org(session, scope, org_id)
    except NotFound:
        reason = "党组织不存在或已撤销" if field == "inflow_org_id" else "党组织不存在"
        raise _fail(field, f"{reason}：{org_id}") from None


def check_create_scope(session: Session, scope: Scope, data: MemberCreate) -> None:
    """A new member goes into an organization in scope; one floating in from outside the city is
    registered by the inflow organization, which must then be in scope."""
    if data.org_id is not None:
        org_in_scope(session, scope, data.org_id)
    elif data.inflow_org_id is not None:
        org_in_scope(session, scope, data.inflow_org_id, field="inflow_org_id")


def check_update_scope(session: Session, scope: Scope, member: Member, data: MemberUpdate) -> None:
    """A move needs the new organization in scope too."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("org_id") is not None and changes["org_id"] != member.org_id:
        org_in_scope(session, scope, changes["org_id"])
